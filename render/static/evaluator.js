/* carepath evaluator for the browser and Node: a pure function of (pathway data, patient).
 *
 * The same semantics as carepath/compiler/evaluate.py (the reference interpreter):
 * Kleene three-valued logic, an absent input is unknown (never false), `unique`
 * decisions take the one branch that holds (two holding is a conflict), `first`
 * decisions take the first that holds once every earlier one is known false,
 * `otherwise` only when every other branch is known false, a returning path is a
 * loop. Numbers are exact rationals of BigInts in SI base units: no floats.
 *
 * Pathway data is made by carepath/render/codegen_js.py; expressions are arrays:
 *   ["in", name] ["def", name] ["num", n, d] ["bool", b] ["enum", v]
 *   ["cmp", op, l, r] ["inset", e, [v...]] ["known", e] ["not", e]
 *   ["and", [e...]] ["or", [e...]] ["arith", op, l, r] ["neg", e]
 *   ["count", [e...]] ["points", [[n, d, e]...]]
 * A count or points with unknown criteria is a Range (low, high): comparisons on it
 * are decided when the whole range gives one answer, as in the interpreter.
 * A patient maps input names to true/false, an enumeration value, or a number
 * as a rational string "n/d" (or "n") in SI base units; absent means unknown.
 */
(function (root) {
  "use strict";

  // ------------------------------------------------------------ exact rationals

  function abs(a) { return a < 0n ? -a : a; }
  function gcd(a, b) { a = abs(a); b = abs(b); while (b) { [a, b] = [b, a % b]; } return a; }

  function Rat(n, d) {
    if (d === 0n) throw new Error("zero denominator");
    if (d < 0n) { n = -n; d = -d; }
    const g = gcd(n, d) || 1n;
    this.n = n / g; this.d = d / g;
  }
  Rat.prototype.toString = function () { return this.d === 1n ? String(this.n) : this.n + "/" + this.d; };

  function rat(n, d) { return new Rat(BigInt(n), BigInt(d === undefined ? 1 : d)); }
  function isRat(v) { return v instanceof Rat; }
  function cmpRat(a, b) { const l = a.n * b.d, r = b.n * a.d; return l < r ? -1 : l > r ? 1 : 0; }
  function add(a, b) { return new Rat(a.n * b.d + b.n * a.d, a.d * b.d); }
  function sub(a, b) { return new Rat(a.n * b.d - b.n * a.d, a.d * b.d); }
  function mul(a, b) { return new Rat(a.n * b.n, a.d * b.d); }
  function div(a, b) { return b.n === 0n ? null : new Rat(a.n * b.d, a.d * b.n); }

  /* "n/d", "n", or a decimal "12.25" / "-0.5" / "1e3"-free text -> Rat, exactly; null if not a number. */
  function parseRat(text) {
    const s = String(text).trim();
    let m = /^(-?\d+)\s*\/\s*(\d+)$/.exec(s);
    if (m) return m[2] === "0" || /^0+$/.test(m[2]) ? null : rat(m[1], m[2]);
    m = /^([+-]?)(\d*)(?:\.(\d*))?$/.exec(s);
    if (!m || (m[2] === "" && (m[3] === undefined || m[3] === ""))) return null;
    const frac = m[3] || "";
    const n = BigInt((m[1] === "-" ? "-" : "") + ((m[2] || "0") + frac));
    return new Rat(n, 10n ** BigInt(frac.length));
  }

  // ------------------------------------------------------------ statuses

  const COMPLETE = "complete", INCOMPLETE = "incomplete", CONFLICT = "conflict",
    STUCK = "stuck", LOOP = "loop", DEAD_END = "dead_end";

  /* Patient values as the evaluator reads them: Rat for numbers, per the input's kind. */
  function normalisePatient(pw, patient) {
    const out = new Map();
    for (const name of pw.inputOrder) {
      if (!Object.prototype.hasOwnProperty.call(patient, name)) continue;
      const raw = patient[name];
      if (raw === null || raw === undefined) continue;
      const kind = pw.inputs[name].kind;
      if (kind === "number") {
        const v = isRat(raw) ? raw : parseRat(raw);
        if (v === null) throw new Error("not a number for " + name + ": " + raw);
        out.set(name, v);
      } else {
        out.set(name, raw);
      }
    }
    return out;
  }

  function truthy(v) { return isRat(v) ? v.n !== 0n : Boolean(v); }

  function equal(a, b) {
    if (isRat(a) && isRat(b)) return cmpRat(a, b) === 0;
    if (isRat(a) || isRat(b)) {
      // Python compares True == 1; the resolver never lets a boolean meet a number.
      const x = isRat(a) ? a : rat(a ? 1 : 0), y = isRat(b) ? b : rat(b ? 1 : 0);
      return typeof (isRat(a) ? b : a) === "boolean" && cmpRat(x, y) === 0;
    }
    return a === b;
  }

  function Evaluator(pw, values) {
    this.pw = pw;
    this.values = values;
    this.defines = new Map();
  }

  Evaluator.prototype.value = function (e) {
    switch (e[0]) {
      case "num": return rat(e[1], e[2]);
      case "bool": return e[1];
      case "enum": return e[1];
      case "in": return this.values.has(e[1]) ? this.values.get(e[1]) : null;
      case "def": {
        if (!this.defines.has(e[1])) this.defines.set(e[1], this.value(this.pw.defines[e[1]]));
        return this.defines.get(e[1]);
      }
      case "not": { const v = this.value(e[1]); return v === null ? null : !truthy(v); }
      case "and": return this.and(e[1]);
      case "or": return this.or(e[1]);
      case "known": { const v = this.value(e[1]); return v !== null && !isRange(v); }
      case "inset": { const v = this.value(e[1]); return v === null ? null : e[2].includes(v); }
      case "cmp": return compare(e[1], this.value(e[2]), this.value(e[3]));
      case "arith": return arithmetic(e[1], this.value(e[2]), this.value(e[3]));
      case "neg": {
        const v = this.value(e[1]);
        if (v === null) return null;
        return isRange(v) ? new Range(neg(v.high), neg(v.low)) : neg(v);
      }
      case "count": return score(e[1].map((x) => [rat(1), this.holds(x)]));
      case "points": return score(e[1].map(([n, d, cond]) => [rat(n, d), this.holds(cond)]));
      default: throw new Error("cannot evaluate " + e[0]);
    }
  };

  Evaluator.prototype.holds = function (e) {
    const v = this.value(e);
    return v === null ? null : truthy(v);
  };

  Evaluator.prototype.and = function (operands) {
    let result = true;
    for (const o of operands) {
      const v = this.holds(o);
      if (v === false) return false;
      if (v === null) result = null;
    }
    return result;
  };

  Evaluator.prototype.or = function (operands) {
    let result = false;
    for (const o of operands) {
      const v = this.holds(o);
      if (v === true) return true;
      if (v === null) result = null;
    }
    return result;
  };

  /* Inputs a guard reads (declaration order, precomputed) that the record lacks. */
  Evaluator.prototype.missing = function (reads) {
    return reads.filter((n) => !this.values.has(n));
  };

  /* A score with unknown criteria: somewhere from low to high (low < high). */
  function Range(low, high) { this.low = low; this.high = high; }
  function isRange(v) { return v instanceof Range; }
  function neg(a) { return new Rat(-a.n, a.d); }
  function minRat(xs) { return xs.reduce((m, x) => (cmpRat(x, m) < 0 ? x : m)); }
  function maxRat(xs) { return xs.reduce((m, x) => (cmpRat(x, m) > 0 ? x : m)); }
  function closed(low, high) { return cmpRat(low, high) === 0 ? low : new Range(low, high); }
  function ends(v) { return isRange(v) ? [v.low, v.high] : [v, v]; }

  /* The points of the criteria that hold; a range while some are unknown. */
  function score(criteria) {
    let low = rat(0), high = rat(0);
    for (const [points, h] of criteria) {
      if (h === null) {
        if (points.n < 0n) low = add(low, points); else high = add(high, points);
      } else if (h) {
        low = add(low, points); high = add(high, points);
      }
    }
    return closed(low, high);
  }

  /* A comparison on ranges: decided when every value in them gives the same answer. */
  function compareRanges(op, left, right) {
    let [a, b] = ends(left), [c, d] = ends(right);
    if (op === ">" || op === ">=") { [a, b, c, d] = [c, d, a, b]; op = op === ">" ? "<" : "<="; }
    if (op === "<") return cmpRat(b, c) < 0 ? true : cmpRat(a, d) >= 0 ? false : null;
    if (op === "<=") return cmpRat(b, c) <= 0 ? true : cmpRat(a, d) > 0 ? false : null;
    const apart = cmpRat(b, c) < 0 || cmpRat(d, a) < 0;
    const single = cmpRat(a, b) === 0 && cmpRat(b, c) === 0 && cmpRat(c, d) === 0;
    if (op === "==") return apart ? false : single ? true : null;
    return apart ? true : single ? false : null;
  }

  /* Interval arithmetic; unknown when a divisor's range holds zero. */
  function arithmeticRanges(op, left, right) {
    let [a, b] = ends(left), [c, d] = ends(right);
    if (op === "+") return closed(add(a, c), add(b, d));
    if (op === "-") return closed(sub(a, d), sub(b, c));
    if (op === "/") {
      if (c.n <= 0n && d.n >= 0n) return null;
      [c, d] = [div(rat(1), d), div(rat(1), c)];
    }
    const corners = [mul(a, c), mul(a, d), mul(b, c), mul(b, d)];
    return closed(minRat(corners), maxRat(corners));
  }

  function compare(op, a, b) {
    if (a === null || b === null) return null;
    if (isRange(a) || isRange(b)) return compareRanges(op, a, b);
    if (op === "==") return equal(a, b);
    if (op === "!=") return !equal(a, b);
    const c = cmpRat(a, b);
    if (op === "<") return c < 0;
    if (op === "<=") return c <= 0;
    if (op === ">") return c > 0;
    return c >= 0;
  }

  function arithmetic(op, a, b) {
    if (a === null || b === null) return null;
    if (isRange(a) || isRange(b)) return arithmeticRanges(op, a, b);
    if (op === "+") return add(a, b);
    if (op === "-") return sub(a, b);
    if (op === "*") return mul(a, b);
    return div(a, b);
  }

  function needsOf(ev, unknown) {
    const needed = new Set();
    for (const b of unknown) for (const n of ev.missing(b.reads)) needed.add(n);
    return ev.pw.inputOrder.filter((n) => needed.has(n));
  }

  function decide(ev, node) {
    const first = node.policy === "first";
    const guarded = node.branches.filter((b) => b.guard !== null);
    const otherwise = node.branches.find((b) => b.guard === null) || null;
    const verdicts = [];
    for (const b of guarded) {
      const v = ev.holds(b.guard);
      verdicts.push([b, v]);
      if (first && v !== false) break;
    }
    const yes = verdicts.filter(([, v]) => v === true).map(([b]) => b);
    const unknown = verdicts.filter(([, v]) => v === null).map(([b]) => b);
    if (first) {
      if (verdicts.length && verdicts[verdicts.length - 1][1] === true) {
        return { branch: verdicts[verdicts.length - 1][0], status: COMPLETE, needs: [] };
      }
      if (unknown.length) return { branch: null, status: INCOMPLETE, needs: needsOf(ev, unknown), unknown };
    } else {
      if (yes.length > 1) return { branch: null, status: CONFLICT, needs: [], conflict: yes };
      if (yes.length) return { branch: yes[0], status: COMPLETE, needs: [] };
      if (unknown.length) return { branch: null, status: INCOMPLETE, needs: needsOf(ev, unknown), unknown };
    }
    if (otherwise !== null) return { branch: otherwise, status: COMPLETE, needs: [] };
    return { branch: null, status: STUCK, needs: [] };
  }

  /* Run the pathway for one patient; the result mirrors compiler/evaluate.py's Result. */
  function evaluate(pw, patient) {
    const ev = new Evaluator(pw, normalisePatient(pw, patient || {}));
    const path = [], steps = [], recommendations = [], undetermined = [];
    const result = (status, extra) => Object.assign({
      status, path, steps, recommendations, undetermined, outcome: null, needs: [], message: "",
    }, extra || {});
    let node = pw.start;
    if (node === null || !(node in pw.nodes)) {
      return result(DEAD_END, { message: "the pathway has no single start node" });
    }
    for (;;) {
      if (path.includes(node)) {
        path.push(node);
        return result(LOOP, { message: "the path returns to " + node + ": with the same data it would go round forever" });
      }
      path.push(node);
      const data = pw.nodes[node];
      if (data.kind === "action" || data.kind === "end") {
        data.items.forEach((item, index) => {
          const h = item.guard === null ? true : ev.holds(item.guard);
          if (h) {
            recommendations.push({ node, kind: item.kind, text: item.text, strength: item.strength, citations: item.citations, item: index });
          } else if (h === null) {
            undetermined.push({ node, text: item.text, needs: ev.missing(item.reads), item: index });
          }
        });
      }
      if (data.kind === "end") {
        steps.push({ node, kind: "end", branch: null });
        return result(COMPLETE, { outcome: node });
      }
      if (data.kind === "action") {
        steps.push({ node, kind: "action", branch: null });
        if (data.next === null || !(data.next in pw.nodes)) {
          return result(DEAD_END, { message: "action " + node + " has no next" });
        }
        node = data.next;
        continue;
      }
      const d = decide(ev, data);
      steps.push({ node, kind: "decision", branch: d.branch ? d.branch.index : null });
      if (d.branch === null) {
        let message = "";
        if (d.status === INCOMPLETE) message = "cannot decide: needs " + (d.needs.join(", ") || "more data");
        else if (d.status === CONFLICT) message = "branches to " + d.conflict.map((b) => b.target).join(", ") + " all hold: the decision is ambiguous";
        else message = "no branch holds and there is no otherwise";
        return result(d.status, { needs: d.needs, message });
      }
      node = d.branch.target;
    }
  }

  /* The derived values a path read, as compiler/derived.py finds them: the defines
     the decisions and item conditions on the path read, and those they read. */
  function derived(pw, patient, result) {
    const ev = new Evaluator(pw, normalisePatient(pw, patient || {}));
    const wanted = new Set();
    const walk = (e) => {
      if (!Array.isArray(e)) return;
      if (e[0] === "def" && !wanted.has(e[1])) { wanted.add(e[1]); walk(pw.defines[e[1]]); return; }
      for (const part of e) walk(part);
    };
    for (const node of result.path) {
      const data = pw.nodes[node];
      for (const b of data.branches || []) if (b.guard !== null) walk(b.guard);
      for (const item of data.items || []) if (item.guard !== null) walk(item.guard);
    }
    return pw.defineOrder.filter((name) => wanted.has(name))
      .map((name) => ({ name, value: ev.value(["def", name]) }));
  }

  /* Many patients in one call (the differential tests batch them). */
  function evaluateAll(pw, patients) { return patients.map((p) => evaluate(pw, p)); }

  const api = { evaluate, evaluateAll, derived, parseRat, rat, Rat, cmpRat, mul, add, div };
  if (typeof module !== "undefined" && module.exports) module.exports = api;
  else root.CarepathEval = api;
})(typeof globalThis !== "undefined" ? globalThis : this);
