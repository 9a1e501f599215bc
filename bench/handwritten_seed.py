"""The seed pathway written by hand, as a careful Python programmer would: the
baseline the evaluators are measured against (bench/bench_eval.py).

It implements pathways/chronic_osteoporotic_vcf.cpath, read by a person, with the
same semantics (unknown = None, Kleene logic, the `first` policy of augmentation,
needs and undetermined items) but no explanations. bench_eval.py checks that it
agrees with the interpreter on every patient it times.
"""

from __future__ import annotations

from fractions import Fraction

WEEK = Fraction(604800)
MONTH = Fraction(2629800)
YEAR = Fraction(31557600)
SIX_WEEKS = 6 * WEEK
THREE_MONTHS = 3 * MONTH
SIXTY_FIVE_YEARS = 65 * YEAR

J, OV, T8, ML = "junctional", "overview", "t8", "multilevel"
CC = "conservative_care"
MB = "mobilisation"


def _rec(node: str, kind: str, text: str, *cites: str) -> tuple[object, ...]:
    return (node, kind, text, None, cites)


RED_FLAG_NOW = _rec(
    "outside_pathway",
    "recommend",
    "Red flag present: arrange surgical consultation now, whatever pathway is followed "
    "(neurologic deficit, spinal instability, canal compromise, spinal deformity or focal "
    "cord compression)",
    OV,
    T8,
    ML,
)
CONTINUE = _rec(
    MB,
    "recommend",
    "Continue multimodal conservative therapy: analgesics, early mobilisation and "
    "osteoporosis pharmacotherapy",
    OV,
    T8,
)
ACETAMINOPHEN = _rec(CC, "recommend", "Acetaminophen as first-line analgesic", J)
ACETAMINOPHEN_PREFERRED = _rec(
    CC,
    "recommend",
    "Acetaminophen particularly preferred: chronic kidney disease or cardiovascular disease",
    J,
)
NSAIDS = _rec(CC, "consider", "NSAIDs may be used as analgesics", J)
NSAID_CAUTION = _rec(
    CC,
    "consider",
    "Caution with NSAIDs: gastrointestinal, renal and cardiovascular risks (older adult, "
    "chronic kidney disease or cardiovascular disease)",
    J,
)
OPIOIDS = _rec(
    CC,
    "avoid",
    "Routine opioid use: minimise opioids (sedation, falls, deconditioning, increased "
    "fracture risk)",
    T8,
    J,
)
OPIOID_RESERVED = _rec(CC, "consider", "Opioid reserved for severe refractory pain", T8, J)
BED_REST = _rec(
    CC,
    "avoid",
    "Prolonged bed rest: bone loss of 1% per week (50 times faster than age-related loss), "
    "15% loss of lower-extremity strength within 10 days, higher risk of deep venous "
    "thrombosis and pressure ulcers",
    OV,
    J,
)
RADIOGRAPH = _rec(
    CC,
    "avoid",
    "Assuming the fracture seen on imaging is the source of pain: radiographic assessment "
    "is not a reliable surrogate for a symptomatic fracture",
    ML,
)
MOBILISATION = _rec(
    MB,
    "recommend",
    "Early mobilisation and range-of-motion exercises to prevent cardiovascular and "
    "respiratory deconditioning",
    T8,
    ML,
)
BRACING = _rec(
    MB,
    "consider",
    "Bracing is optional: evidence is inconclusive and outcomes equal those without a brace",
    T8,
)
IMMOBILISATION = _rec(
    MB,
    "consider",
    "Surgical consultation to prescribe and supervise an immobilisation device, if one is used",
    OV,
    ML,
)
CALCIUM = _rec(
    CC,
    "recommend",
    "Calcium 1000-1200 mg/day and vitamin D 800 IU/day, started immediately (15-20% fewer "
    "non-vertebral fractures, 20% fewer falls)",
    J,
)
BISPHOSPHONATE = _rec(
    CC,
    "recommend",
    "Bisphosphonate (alendronate or risedronate) as first-line therapy to prevent subsequent "
    "fractures (20% within 12 months of the index fracture)",
    OV,
    J,
)
ALTERNATIVE = _rec(
    CC,
    "recommend",
    "Alternative agent instead of an oral bisphosphonate: ibandronate, strontium ranelate or "
    "denosumab (oral bisphosphonate intolerance or non-compliance)",
    J,
)
CONTINUE_BISPHOSPHONATES = _rec(
    CC,
    "recommend",
    "Continue bisphosphonate therapy (alendronate, risedronate, or ibandronate as the "
    "alternative) for 3-5 years",
    J,
)
BEYOND_5_YEARS = _rec(
    CC, "recommend", "Continue bisphosphonates beyond 5 years: high fracture risk", J
)
DELAYING = _rec(
    CC,
    "avoid",
    "Delaying osteoporosis pharmacotherapy while waiting to see whether conservative pain "
    "management works: start bisphosphonates immediately, whatever the pain management "
    "strategy",
    J,
)
URGENT = _rec(
    CC,
    "recommend",
    "Treat osteoporosis urgently: the risk of a subsequent fracture is highest immediately "
    "after the index fracture",
    J,
)
PULSE_VITAMIN_D = _rec(CC, "avoid", "High pulse doses of vitamin D (increased fall risk)", J)
MANIPULATION = _rec(
    CC,
    "avoid",
    "Spinal manipulation with high-velocity thrusts in advanced osteoporosis (further "
    "fractures, spinal cord injury, paraplegia)",
    ML,
)
ORTHOGERIATRIC = _rec(
    CC,
    "recommend",
    "Orthogeriatric co-management (frail, 65 years or older, multiple comorbidities)",
    J,
)
COLLABORATION = _rec(
    CC,
    "recommend",
    "Collaboration between orthopaedic surgery, rheumatology or endocrinology, and primary care",
    J,
)
LIAISON = _rec(
    CC,
    "consider",
    "Fracture liaison service (implementation raises osteoporosis treatment rates from 26% "
    "to 45% within 6 months)",
    J,
)
FALLS = _rec(
    CC, "recommend", "Multidimensional fall-prevention programme (about 20% fewer falls)", J
)
HAZARDS = _rec(CC, "recommend", "Address environmental fall hazards", J)
MEDICATIONS = _rec(CC, "recommend", "Review medications that increase fall risk", J)

SURGEON = _rec(
    "surgical_consultation",
    "recommend",
    "Surgical consultation for neurologic deficit, significant spinal instability, severe "
    "vertebral collapse with canal compromise, or spinal deformity (junctional kyphosis, "
    "retropulsion)",
    OV,
    T8,
    ML,
)
OPEN_FIXATION = _rec(
    "surgical_consultation",
    "consider",
    "Open surgical resection and fixation (focal spinal cord compression, good baseline "
    "performance status, reasonable life expectancy)",
    OV,
)
AUGMENTATION = (
    _rec(
        "vertebral_augmentation",
        "recommend",
        "Offer vertebral augmentation (vertebroplasty or kyphoplasty)",
        OV,
        T8,
        ML,
    ),
    _rec(
        "vertebral_augmentation",
        "consider",
        "Vertebroplasty or kyphoplasty: kyphoplasty costs about 2.5 times more with no clear "
        "superiority, though some evidence suggests better correction of vertebral height and "
        "deformity",
        T8,
        ML,
    ),
)


def _any(*values: bool | None) -> bool | None:
    if True in values:
        return True
    return None if None in values else False


def _all(*values: bool | None) -> bool | None:
    if False in values:
        return False
    return None if None in values else True


def _missing(patient: dict[str, object], *names: str) -> tuple[str, ...]:
    return tuple(n for n in names if patient.get(n) is None)


RED_FLAGS = (
    "neuro_deficit",
    "spinal_instability",
    "canal_compromise",
    "spinal_deformity",
    "focal_cord_compression",
)


def evaluate(patient: dict[str, object]) -> tuple[object, ...]:
    """(status, path, outcome, recommendations, needs, undetermined)."""
    get = patient.get
    recs: list[object] = []
    undetermined: list[object] = []

    def item(rec: tuple[object, ...], holds: bool | None, *reads: str) -> None:
        if holds:
            recs.append(rec)
        elif holds is None:
            undetermined.append((rec[0], rec[2], _missing(patient, *reads)))

    def done(
        status: str, path: tuple[str, ...], end: str | None, needs: tuple[str, ...]
    ) -> tuple[object, ...]:
        return (status, path, end, tuple(recs), needs, tuple(undetermined))

    fracture_age = get("fracture_age")
    if fracture_age is None:
        return done("incomplete", ("chronicity",), None, ("fracture_age",))
    red_flag = _any(*(get(n) for n in RED_FLAGS))  # type: ignore[arg-type]
    if fracture_age <= SIX_WEEKS:  # type: ignore[operator]
        item(RED_FLAG_NOW, red_flag, *RED_FLAGS)
        return done("complete", ("chronicity", "outside_pathway"), "outside_pathway", ())

    recs.append(ACETAMINOPHEN)
    age = get("age")
    older = None if age is None else age >= SIXTY_FIVE_YEARS  # type: ignore[operator]
    pain = get("pain")
    ckd, cvd = get("ckd"), get("cardiovascular_disease")
    item(ACETAMINOPHEN_PREFERRED, _any(ckd, cvd), "ckd", "cardiovascular_disease")  # type: ignore[arg-type]
    recs.append(NSAIDS)
    item(NSAID_CAUTION, _any(older, ckd, cvd), "age", "ckd", "cardiovascular_disease")  # type: ignore[arg-type]
    recs.append(OPIOIDS)
    severe = None if pain is None else pain == "severe"
    item(OPIOID_RESERVED, _all(severe, get("pain_refractory")), "pain", "pain_refractory")  # type: ignore[arg-type]
    recs.extend((BED_REST, RADIOGRAPH, CALCIUM))
    history = ("oral_bisphosphonate_intolerance", "bisphosphonate_nonadherence")
    unsuitable = _any(*(get(n) for n in history))  # type: ignore[arg-type]
    item(BISPHOSPHONATE, None if unsuitable is None else not unsuitable, *history)
    item(ALTERNATIVE, unsuitable, *history)
    recs.append(CONTINUE_BISPHOSPHONATES)
    item(BEYOND_5_YEARS, get("high_fracture_risk"), "high_fracture_risk")  # type: ignore[arg-type]
    recs.extend((DELAYING, URGENT, PULSE_VITAMIN_D))
    item(MANIPULATION, get("advanced_osteoporosis"), "advanced_osteoporosis")  # type: ignore[arg-type]
    item(
        ORTHOGERIATRIC,
        _all(older, get("frail"), get("multimorbidity")),  # type: ignore[arg-type]
        "age",
        "frail",
        "multimorbidity",
    )
    recs.extend((COLLABORATION, LIAISON, FALLS, HAZARDS, MEDICATIONS))

    path: tuple[str, ...] = ("chronicity", CC, "red_flags")
    if red_flag is None:
        return done("incomplete", path, None, _missing(patient, *RED_FLAGS))
    if red_flag:
        recs.append(SURGEON)
        item(
            OPEN_FIXATION,
            _all(
                get("focal_cord_compression"),  # type: ignore[arg-type]
                get("good_performance_status"),  # type: ignore[arg-type]
                get("reasonable_life_expectancy"),  # type: ignore[arg-type]
            ),
            "focal_cord_compression",
            "good_performance_status",
            "reasonable_life_expectancy",
        )
        end = "surgical_consultation"
        return done("complete", (*path, end), end, ())
    recs.extend((CONTINUE, MOBILISATION, BRACING, IMMOBILISATION))
    path = (*path, MB, "augmentation")
    duration = get("conservative_duration")
    long_enough = None if duration is None else duration >= THREE_MONTHS  # type: ignore[operator]
    indicated = _any(
        get("parenteral_or_admission"),  # type: ignore[arg-type]
        _all(severe, get("pain_refractory"), long_enough),  # type: ignore[arg-type]
    )
    if indicated is None:
        reads = ("conservative_duration", "pain", "pain_refractory", "parenteral_or_admission")
        return done("incomplete", path, None, _missing(patient, *reads))
    if indicated:
        recs.extend(AUGMENTATION)
        end = "vertebral_augmentation"
        return done("complete", (*path, end), end, ())
    if duration is None:
        return done("incomplete", path, None, ("conservative_duration",))
    end = "continue_conservative" if duration < THREE_MONTHS else "no_augmentation"  # type: ignore[operator]
    return done("complete", (*path, end), end, ())
