"""The seed pathway written by hand, as a careful Python programmer would: the
baseline the evaluators are measured against (bench/bench_eval.py).

It implements pathways/chronic_osteoporotic_vcf.cpath, read by a person, with the
same semantics (unknown = None, Kleene logic, the `first` policy of next_step,
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


def _rec(node: str, kind: str, text: str, *cites: str) -> tuple[object, ...]:
    return (node, kind, text, None, cites)


CONTINUE = _rec(
    CC,
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
    "Caution with NSAIDs in an older adult: gastrointestinal, renal and cardiovascular risks",
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
MOBILISATION = _rec(
    CC,
    "recommend",
    "Early mobilisation and range-of-motion exercises to prevent cardiovascular and "
    "respiratory deconditioning",
    T8,
    ML,
)
BRACING = _rec(
    CC,
    "consider",
    "Bracing is optional: evidence is inconclusive and outcomes equal those without a brace",
    T8,
)
IMMOBILISATION = _rec(
    CC,
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
    "consider",
    "Alternative agent: ibandronate, strontium ranelate or denosumab (oral bisphosphonate "
    "intolerance or non-compliance)",
    J,
)
CONTINUE_BISPHOSPHONATES = _rec(CC, "recommend", "Continue bisphosphonates for 3-5 years", J)
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
    "Orthogeriatric co-management (frail older adult with multiple comorbidities)",
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
    _rec(
        "vertebral_augmentation",
        "avoid",
        "Assuming the fracture seen on imaging is the source of pain: radiographic assessment "
        "is not a reliable surrogate for a symptomatic fracture",
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


def evaluate(patient: dict[str, object]) -> tuple[object, ...]:
    """(status, path, outcome, recommendations, needs, undetermined)."""
    get = patient.get
    fracture_age = get("fracture_age")
    if fracture_age is None:
        return ("incomplete", ("chronicity",), None, (), ("fracture_age",), ())
    if fracture_age <= SIX_WEEKS:  # type: ignore[operator]
        return ("complete", ("chronicity", "outside_pathway"), "outside_pathway", (), (), ())

    recs: list[object] = [CONTINUE, ACETAMINOPHEN]
    undetermined: list[object] = []

    def item(rec: tuple[object, ...], holds: bool | None, *reads: str) -> None:
        if holds:
            recs.append(rec)
        elif holds is None:
            undetermined.append((rec[0], rec[2], _missing(patient, *reads)))

    age = get("age")
    older = None if age is None else age >= SIXTY_FIVE_YEARS  # type: ignore[operator]
    pain = get("pain")
    item(
        ACETAMINOPHEN_PREFERRED,
        _any(get("ckd"), get("cardiovascular_disease")),
        "ckd",
        "cardiovascular_disease",
    )  # type: ignore[arg-type]
    recs.append(NSAIDS)
    item(NSAID_CAUTION, older, "age")
    recs.append(OPIOIDS)
    severe = None if pain is None else pain == "severe"
    item(OPIOID_RESERVED, _all(severe, get("pain_refractory")), "pain", "pain_refractory")  # type: ignore[arg-type]
    recs.extend((BED_REST, MOBILISATION, BRACING, IMMOBILISATION, CALCIUM, BISPHOSPHONATE))
    item(
        ALTERNATIVE,
        _any(get("oral_bisphosphonate_intolerance"), get("bisphosphonate_nonadherence")),  # type: ignore[arg-type]
        "oral_bisphosphonate_intolerance",
        "bisphosphonate_nonadherence",
    )
    recs.append(CONTINUE_BISPHOSPHONATES)
    item(BEYOND_5_YEARS, get("high_fracture_risk"), "high_fracture_risk")  # type: ignore[arg-type]
    recs.extend((DELAYING, URGENT, PULSE_VITAMIN_D))
    item(MANIPULATION, get("advanced_osteoporosis"), "advanced_osteoporosis")  # type: ignore[arg-type]
    item(
        ORTHOGERIATRIC,
        _all(older, get("frail"), get("multimorbidity")),
        "age",
        "frail",
        "multimorbidity",
    )  # type: ignore[arg-type]
    recs.extend((COLLABORATION, LIAISON, FALLS, HAZARDS, MEDICATIONS))

    path = ("chronicity", CC, "next_step")
    red_flags = ("neuro_deficit", "spinal_instability", "canal_compromise", "spinal_deformity")
    red_flag = _any(*(get(n) for n in red_flags))  # type: ignore[arg-type]
    if red_flag is None:
        return (
            "incomplete",
            path,
            None,
            tuple(recs),
            _missing(patient, *red_flags),
            tuple(undetermined),
        )
    if red_flag:
        recs.append(SURGEON)
        item(
            OPEN_FIXATION,
            _all(
                get("focal_cord_compression"),
                get("good_performance_status"),
                get("reasonable_life_expectancy"),
            ),  # type: ignore[arg-type]
            "focal_cord_compression",
            "good_performance_status",
            "reasonable_life_expectancy",
        )
        end = "surgical_consultation"
        return ("complete", (*path, end), end, tuple(recs), (), tuple(undetermined))
    duration = get("conservative_duration")
    long_enough = None if duration is None else duration >= THREE_MONTHS  # type: ignore[operator]
    indicated = _any(get("parenteral_or_admission"), _all(get("pain_refractory"), long_enough))  # type: ignore[arg-type]
    if indicated is None:
        needs = _missing(
            patient, "conservative_duration", "pain_refractory", "parenteral_or_admission"
        )
        return ("incomplete", path, None, tuple(recs), needs, tuple(undetermined))
    if indicated:
        recs.extend(AUGMENTATION)
        end = "vertebral_augmentation"
        return ("complete", (*path, end), end, tuple(recs), (), tuple(undetermined))
    if duration is None:
        return (
            "incomplete",
            path,
            None,
            tuple(recs),
            ("conservative_duration",),
            tuple(undetermined),
        )
    end = "continue_conservative" if duration < THREE_MONTHS else "pain_controlled"  # type: ignore[operator]
    return ("complete", (*path, end), end, tuple(recs), (), tuple(undetermined))
