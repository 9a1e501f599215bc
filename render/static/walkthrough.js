/* carepath walk-through: asks only what the next decision needs, runs the evaluator
 * (evaluator.js, exact rationals) on every answer, shows the path, the outcome and the
 * recommendations, and highlights the path in the flowchart SVG. No network. */
(function () {
  "use strict";
  const E = window.CarepathEval;
  const pw = JSON.parse(document.getElementById("pathway-data").textContent);
  const durationUnits = JSON.parse(document.getElementById("duration-units").textContent)
    .map((u) => ({ name: u.name, factor: E.parseRat(u.factor) }));
  const MARKS = { recommend: "✓", consider: "?", avoid: "✗" };
  const KINDS = { recommend: "Recommend", consider: "Consider", avoid: "Avoid" };
  const answers = {};
  // The same answers as a patient record `carepath run --patient` reads.
  const record = {};
  // The settings of the place of care, as `carepath run --set` takes them: not
  // patient data, so never in the record.
  const settingRecord = {};
  function recordFor(name) { return pw.inputs[name].setting ? settingRecord : record; }
  const fields = {};
  const box = document.getElementById("wt-fields");
  const svg = document.querySelector("#flowchart-figure svg");

  function el(tag, attrs, text) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === true) node.setAttribute(k, "");
      else if (v !== false && v !== null && v !== undefined) node.setAttribute(k, v);
    }
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function human(name) { return name.replace(/_/g, " "); }
  function title(name) {
    const d = pw.inputs[name].description;
    return d ? d : human(name);
  }
  function rat(pair) { return E.rat(pair[0], pair[1]); }
  function ratText(r) {
    // An exact number for people: a terminating decimal when it is one, else n/d.
    if (r.d === 1n) return String(r.n);
    let d = r.d, twos = 0n, fives = 0n;
    while (d % 2n === 0n) { d /= 2n; twos += 1n; }
    while (d % 5n === 0n) { d /= 5n; fives += 1n; }
    if (d !== 1n) return r.n + "/" + r.d;
    const digits = twos > fives ? twos : fives;
    const scaled = (r.n * 10n ** digits) / r.d;
    const neg = scaled < 0n, s = (neg ? -scaled : scaled).toString().padStart(Number(digits) + 1, "0");
    const text = s.slice(0, s.length - Number(digits)) + "." + s.slice(s.length - Number(digits));
    return (neg ? "-" : "") + text.replace(/\.?0+$/, "");
  }

  // ------------------------------------------------------------ building the form

  function choiceField(name, options) {
    const set = el("fieldset", { class: "wt-field", id: "wt-field-" + name, hidden: true });
    const legend = el("legend", {}, title(name));
    set.append(legend);
    for (const [value, text] of options) {
      const id = "wt-" + name + "-" + value;
      const input = el("input", { type: "radio", name: "wt-" + name, id, value });
      const label = el("label", { for: id });
      label.append(input, " " + text);
      set.append(label);
    }
    set.addEventListener("change", () => {
      const picked = set.querySelector("input:checked");
      const v = picked ? picked.value : "unknown";
      if (v === "unknown") { delete answers[name]; delete recordFor(name)[name]; }
      else {
        answers[name] = pw.inputs[name].kind === "boolean" ? v === "true" : v;
        recordFor(name)[name] = answers[name];
      }
      fields[name].touched = true;
      update();
    });
    const set_ = (value) => {
      const input = set.querySelector('input[value="' + String(value) + '"]');
      if (input) { input.checked = true; set.dispatchEvent(new Event("change")); }
    };
    return { root: set, legend, touched: false, set: set_ };
  }

  function selectField(name, values) {
    const set = el("fieldset", { class: "wt-field", id: "wt-field-" + name, hidden: true });
    const legend = el("legend", {}, title(name));
    const id = "wt-" + name;
    const label = el("label", { for: id }, "Value ");
    const select = el("select", { id });
    if (!pw.inputs[name].setting) select.append(el("option", { value: "" }, "unknown"));
    for (const v of values) select.append(el("option", { value: v }, human(v)));
    set.append(legend, label, select);
    select.addEventListener("change", () => {
      if (select.value === "") { delete answers[name]; delete recordFor(name)[name]; }
      else { answers[name] = select.value; recordFor(name)[name] = select.value; }
      fields[name].touched = true;
      update();
    });
    const set_ = (value) => { select.value = String(value); select.dispatchEvent(new Event("change")); };
    return { root: set, legend, touched: false, set: set_ };
  }

  function numberField(name) {
    const info = pw.inputs[name];
    const set = el("fieldset", { class: "wt-field", id: "wt-field-" + name, hidden: true });
    const legend = el("legend", {}, title(name));
    const id = "wt-" + name;
    const unitText = info.unit ? info.unit.text : "";
    const label = el("label", { for: id }, info.duration ? "Amount " : "Value" + (unitText ? " in " + unitText : "") + " ");
    const input = el("input", { type: "text", id, inputmode: "decimal", autocomplete: "off", "aria-describedby": id + "-error" + (info.low ? " " + id + "-hint" : "") });
    set.append(legend, label, input);
    let unitSelect = null;
    if (info.duration) {
      const uid = id + "-unit";
      unitSelect = el("select", { id: uid });
      for (const u of durationUnits) unitSelect.append(el("option", { value: u.name, selected: u.name === "weeks" }, u.name));
      set.append(" ", el("label", { for: uid }, "Unit "), unitSelect);
    } else if (unitText) {
      set.append(el("span", { "aria-hidden": "true" }, " " + unitText));
    }
    if (info.low && info.high) {
      const factor = info.unit ? rat(info.unit.factor) : E.rat(1);
      const lo = E.div(rat(info.low), factor), hi = E.div(rat(info.high), factor);
      set.append(el("p", { class: "wt-hint", id: id + "-hint" }, "Plausible range " + ratText(lo) + " to " + ratText(hi) + (unitText ? " " + unitText : "")));
    }
    const error = el("p", { class: "wt-error", id: id + "-error", role: "alert" });
    set.append(error);
    const read = () => {
      error.textContent = "";
      input.removeAttribute("aria-invalid");
      const text = input.value.trim();
      delete recordFor(name)[name];
      if (text === "" || text.toLowerCase() === "unknown") { delete answers[name]; return; }
      const amount = E.parseRat(text);
      const fail = (msg) => { error.textContent = msg; input.setAttribute("aria-invalid", "true"); delete answers[name]; };
      if (amount === null) return fail("Enter a number such as 12 or 2.5.");
      let factor = E.rat(1);
      if (unitSelect) factor = durationUnits.find((u) => u.name === unitSelect.value).factor;
      else if (info.unit) factor = rat(info.unit.factor);
      if (info.integer && amount.d !== 1n) return fail("Enter a whole number" + (unitText ? " of " + unitText : "") + ".");
      const value = E.mul(amount, factor);
      if (info.low && info.high && (E.cmpRat(value, rat(info.low)) < 0 || E.cmpRat(value, rat(info.high)) > 0)) {
        return fail("This is outside the plausible range for this input.");
      }
      answers[name] = value.n + "/" + value.d;
      // Exact in the record too: the amount as a decimal (or n/d) with its unit.
      const unit = unitSelect ? unitSelect.value : unitText;
      recordFor(name)[name] = unit ? ratText(amount) + " " + unit : ratText(amount);
    };
    const changed = () => { fields[name].touched = true; read(); update(); };
    input.addEventListener("input", changed);
    if (unitSelect) unitSelect.addEventListener("change", changed);
    const set_ = (value) => {
      const [amount, ...unit] = String(value).trim().split(/\s+/);
      if (unitSelect && unit.length) unitSelect.value = unit.join(" ");
      input.value = amount;
      changed();
    };
    return { root: set, legend, touched: false, set: set_ };
  }

  const settingsBox = document.getElementById("wt-setting-fields");
  for (const name of pw.inputOrder) {
    const info = pw.inputs[name];
    // A setting is never unknown: no "Unknown" to pick.
    const unknown = info.setting ? [] : [["unknown", "Unknown"]];
    let field;
    if (info.kind === "boolean") field = choiceField(name, [["true", "Yes"], ["false", "No"], ...unknown]);
    else if (info.kind === "enum" && info.values.length <= 6) field = choiceField(name, info.values.map((v) => [v, human(v)]).concat(unknown));
    else if (info.kind === "enum") field = selectField(name, info.values);
    else field = numberField(name);
    field.badge = el("span", { class: "wt-badge" }, "needed now");
    fields[name] = field;
    if (info.setting && settingsBox) { field.root.hidden = false; settingsBox.append(field.root); }
    else box.append(field.root);
  }
  function settingDefaults() {
    for (const name of pw.inputOrder) {
      const info = pw.inputs[name];
      if (info.setting && info.default !== null && info.default !== undefined) fields[name].set(info.default);
    }
  }

  // ------------------------------------------------------------ showing the result

  function label(node) { return pw.nodes[node].label || human(node); }

  function highlight(result) {
    if (!svg) return;
    // Until the first answer about the patient the flowchart is shown as it is,
    // every node readable (settings start at their defaults: not an answer).
    const answered = Object.keys(answers).some((name) => !pw.inputs[name].setting);
    svg.classList.toggle("wt-active", answered);
    if (!answered) return;
    for (const g of svg.querySelectorAll(".wt-on, .wt-waiting")) g.classList.remove("wt-on", "wt-waiting");
    const on = (id) => { const g = svg.getElementById ? svg.getElementById(id) : document.getElementById(id); if (g) g.classList.add("wt-on"); };
    on("node-start");
    if (result.path.length) on("edge-start");
    for (const node of result.path) on("node-" + node);
    for (const step of result.steps) {
      if (step.kind === "decision" && step.branch !== null) on("edge-" + step.node + "-" + step.branch);
      if (step.kind === "action" && result.path.includes(pw.nodes[step.node].next)) on("edge-" + step.node + "-next");
    }
    if (result.status === "incomplete") {
      const g = document.getElementById("node-" + result.path[result.path.length - 1]);
      if (g) g.classList.add("wt-waiting");
    }
  }

  // A derived value as `carepath run` shows it (compiler/derived.py: shown).
  function derivedText(name, v) {
    const info = pw.defineInfo[name];
    if (v === null || v === undefined) return "unknown";
    if (typeof v === "boolean") return v ? "true" : "false";
    if (typeof v === "string") return v;
    if (v.low !== undefined && v.high !== undefined) {
      return "between " + derivedText(name, v.low) + " and " + derivedText(name, v.high);
    }
    if (info.unit) return ratText(E.div(v, rat(info.unit.factor))) + " " + info.unit.text;
    if (info.duration) {
      const largestFirst = [...durationUnits].sort((a, b) => E.cmpRat(b.factor, a.factor));
      for (const u of largestFirst) {
        const amount = E.div(v, u.factor);
        if (amount.d === 1n && amount.n !== 0n) return amount.n + " " + u.name;
      }
      return ratText(E.div(v, E.rat(86400))) + " days";
    }
    return ratText(v);
  }

  function recItem(r, extra) {
    const li = el("li", { class: "rec rec-" + r.kind });
    li.append(el("span", { class: "mark", "aria-hidden": "true" }, MARKS[r.kind] || "•"), " ",
      el("span", { class: "rec-kind" }, (KINDS[r.kind] || r.kind) + ":"), " " + r.text);
    if (extra) li.append(el("span", { class: "when" }, " " + extra));
    if (r.strength) li.append(el("span", { class: "strength" }, " (strength: " + r.strength + ")"));
    return li;
  }

  function whenOf(r) {
    const item = pw.nodes[r.node].items[r.item];
    return item.shown ? "— only if " + item.shown : "";
  }

  function update() {
    const result = E.evaluate(pw, answers);
    const now = new Set(result.status === "incomplete" ? result.needs : []);
    const later = new Set();
    for (const u of result.undetermined) for (const n of u.needs) later.add(n);
    for (const [name, f] of Object.entries(fields)) {
      // Questions that only refine conditional recommendations wait until the path
      // no longer needs anything, so the next decision's questions come first.
      const show = pw.inputs[name].setting || now.has(name) || (now.size === 0 && later.has(name)) || name in answers || f.touched;
      f.root.hidden = !show;
      f.root.classList.toggle("wt-now", now.has(name));
      if (now.has(name)) { if (!f.badge.isConnected) f.legend.append(f.badge); }
      else if (f.badge.isConnected) f.badge.remove();
    }
    const status = document.getElementById("wt-status");
    status.className = "wt-status";
    if (result.status === "complete") {
      status.classList.add("complete");
      status.textContent = "Outcome: " + label(result.outcome);
    } else if (result.status === "incomplete") {
      status.classList.add("incomplete");
      status.textContent = "Waiting at “" + label(result.path[result.path.length - 1]) + "”: answer the questions marked “needed now”.";
    } else {
      status.classList.add("problem");
      const words = { conflict: "The pathway is ambiguous for this patient: ", stuck: "No branch applies to this patient: ", loop: "The path goes round in a loop: ", dead_end: "The pathway stops without an outcome: " };
      status.textContent = (words[result.status] || "") + result.message;
    }
    const needed = document.getElementById("wt-needed");
    const nowList = [...now].map(title), laterList = [...later].filter((n) => !now.has(n)).map(title);
    let text = nowList.length ? "Still needed for the next decision: " + nowList.join("; ") + "." : "Nothing more is needed to reach the outcome.";
    if (laterList.length && !nowList.length) text += " Some recommendations also depend on: " + laterList.join("; ") + " (questions below).";
    if (result.status !== "complete" && result.status !== "incomplete") text = "";
    needed.textContent = text;
    const path = document.getElementById("wt-path");
    path.replaceChildren();
    result.steps.forEach((step) => {
      const li = el("li");
      const a = el("a", { href: "#step-" + step.node }, label(step.node));
      li.append(a);
      if (step.kind === "decision" && step.branch !== null) {
        const b = pw.nodes[step.node].branches[step.branch];
        li.append(" → " + (b.guard === null ? "otherwise" : b.shown));
      }
      path.append(li);
    });
    const derived = E.derived(pw, answers, result);
    document.getElementById("wt-derived").replaceChildren(...derived.map((d) => {
      const li = el("li", {}, "");
      li.append(el("code", {}, d.name), " = " + derivedText(d.name, d.value) + " ");
      li.append(el("span", { class: "when" }, "(" + pw.defineInfo[d.name].formula + ")"));
      return li;
    }));
    document.getElementById("wt-derived-block").hidden = derived.length === 0;
    const recs = document.getElementById("wt-recs");
    recs.replaceChildren(...result.recommendations.map((r) => recItem(r, whenOf(r))));
    if (!result.recommendations.length) recs.append(el("li", {}, "None yet."));
    const und = document.getElementById("wt-undetermined");
    und.replaceChildren(...result.undetermined.map((u) => {
      const li = el("li", {}, u.text);
      li.append(el("span", { class: "when" }, " — depends on " + u.needs.map(title).join("; ")));
      return li;
    }));
    document.getElementById("wt-undetermined-block").hidden = result.undetermined.length === 0;
    highlight(result);
    document.getElementById("walkthrough").dataset.status = result.status;
  }

  // ------------------------------------------------------------ sharing the result

  const LINK = "#answers=";
  function note(text) { document.getElementById("wt-share-note").textContent = text; }

  function asText() {
    const lines = [document.title.replace(/ — carepath$/, ""), document.getElementById("wt-status").textContent, "", "Answers:"];
    for (const [name, value] of Object.entries(record)) lines.push("  " + title(name) + ": " + String(value));
    if (Object.keys(settingRecord).length) {
      lines.push("", "Settings of the place of care:");
      for (const [name, value] of Object.entries(settingRecord)) lines.push("  " + title(name) + ": " + String(value));
    }
    lines.push("", "Path:");
    for (const li of document.querySelectorAll("#wt-path li")) lines.push("  " + li.textContent);
    lines.push("", "Recommendations:");
    for (const li of document.querySelectorAll("#wt-recs li")) lines.push("  " + li.textContent.replace(/\s+/g, " ").trim());
    return lines.join("\n") + "\n";
  }

  document.getElementById("wt-copy").addEventListener("click", () => {
    const text = asText();
    const done = () => note("Copied.");
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(text).then(done, () => note("Could not copy: select the result and copy it."));
    } else {
      note("Could not copy: select the result and copy it.");
    }
  });

  document.getElementById("wt-link").addEventListener("click", () => {
    history.replaceState(null, "", LINK + encodeURIComponent(JSON.stringify({ ...record, ...settingRecord })));
    note("The address now holds these answers: share or bookmark it.");
  });

  document.getElementById("wt-download").addEventListener("click", () => {
    const blob = new Blob([JSON.stringify(record, null, 2) + "\n"], { type: "application/json" });
    const a = el("a", { href: URL.createObjectURL(blob), download: pw.id + "-patient.json" });
    document.body.append(a);
    a.click();
    a.remove();
    const sets = Object.entries(settingRecord).map(([n, v]) => " --set \"" + n + "=" + String(v) + "\"").join("");
    note("Downloaded: `carepath run` reads this file with --patient" + (sets ? ", the settings with" + sets : "") + ".");
  });

  function restore() {
    if (!location.hash.startsWith(LINK)) return;
    let given;
    try { given = JSON.parse(decodeURIComponent(location.hash.slice(LINK.length))); } catch (e) { return; }
    if (!given || typeof given !== "object") return;
    for (const [name, value] of Object.entries(given)) {
      if (fields[name] && value !== null) fields[name].set(value);
    }
  }

  document.getElementById("wt-reset").addEventListener("click", () => {
    for (const k of Object.keys(record)) delete record[k];
    for (const k of Object.keys(answers)) delete answers[k];
    for (const k of Object.keys(settingRecord)) delete settingRecord[k];
    document.getElementById("wt-form").reset();
    for (const f of Object.values(fields)) { f.touched = false; for (const e of f.root.querySelectorAll(".wt-error")) e.textContent = ""; }
    settingDefaults();
    update();
  });
  settingDefaults();
  update();
  restore();
  window.carepathWalkthrough = { answers, record, settings: settingRecord, update, evaluate: () => E.evaluate(pw, answers) };
})();
