// Lever's page: plain JavaScript, no library, nothing from the internet.
// The scenario form is drawn from the JSON Schema the server derives from the one pydantic model.
"use strict";

const token = new URLSearchParams(location.search).get("token") || "";
const $ = (id) => document.getElementById(id);
const el = (tag, attrs = {}, ...children) => {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "text") node.textContent = v; else if (k.startsWith("on")) node.addEventListener(k.slice(2), v); else node.setAttribute(k, v);
  }
  for (const c of children) node.append(c);
  return node;
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const fmt = (x) => (x === null || x === undefined ? "–" : Number(x).toLocaleString("en", { maximumFractionDigits: 2 }));

// One state for the page: the schema, the field being edited, the jobs being watched.
const page = { schema: null, scenario: null, checkTimer: null, runJob: null, weighJob: null, columns: [],
  open: new Set(["dynamics", "strategies"]), glossary: {}, errors: [] };

// ---- her words: every key shown by the name or description the field gives it ----
const orgName = (k, words) => {
  const orgs = (words || page.scenario || {}).organizations || {};
  if (k === "none") return "the unorganized";
  const o = orgs[k];
  return (typeof o === "string" ? o : o && o.name) || k;
};
const strategyName = (k, words) => {
  const all = (words || page.scenario || {}).strategies || {};
  const v = all[k];
  return (typeof v === "string" ? v : v && v.description) || k;
};
const outcomeName = (k, words) => {
  const w = words || page.scenario || {};
  if (k === "won") return (w.labels || {}).won || "people holding the group's views";
  const name = (page.glossary[k] && page.glossary[k].name) || k.replaceAll("_", " ");
  // the glossary speaks of any field; a field's results name its own organizations
  const host = w.host ? orgName(w.host, words) : "", group = w.group ? orgName(w.group, words) : "";
  return name.replace(/(the )?larger body/, (m) => host || m).replace("the group's members", (m) => (group ? `members of ${group}` : m));
};
const outcomeMeaning = (k) => (page.glossary[k] && page.glossary[k].meaning) || "";
const round = (x) => {  // numbers as a reader wants them: no more than three significant figures
  if (x === null || x === undefined || !Number.isFinite(Number(x))) return "–";
  const v = Number(x), digits = Math.abs(v) >= 100 ? 0 : Math.abs(v) >= 1 ? 1 : 2;
  return v.toLocaleString("en", { maximumFractionDigits: digits });
};

async function api(path, options = {}) {
  const headers = { "Content-Type": "application/json", ...(token ? { "X-Lever-Token": token } : {}) };
  const response = await fetch(path, { ...options, headers });
  const text = await response.text();
  let data = text;
  try { data = JSON.parse(text); } catch (_) { /* TOML and other text stay text */ }
  return { ok: response.ok, status: response.status, data };
}
const post = (path, body) => api(path, { method: "POST", body: JSON.stringify(body) });
const fileUrl = (name, file) => `/api/experiments/${encodeURIComponent(name)}/files/${file}` + (token ? `?token=${encodeURIComponent(token)}` : "");
// A refusal as sentences, never as JSON: the server's line, or each problem's field and message.
function detail(r) {
  const d = r.data && r.data.detail;
  if (typeof d === "string") return d;
  if (Array.isArray(d)) return d.map((e) => `${(e.loc || []).filter((p) => p !== "body").join(".") || "request"}: ${e.msg || e.message || "not accepted"}`).join("; ");
  if (typeof r.data === "string" && r.data && !r.data.trim().startsWith("{")) return r.data.slice(0, 300);
  return `The server refused this (error ${r.status}).`;
}

// ---- tabs ----
function showTab(name) {
  for (const b of document.querySelectorAll("nav button")) b.classList.toggle("active", b.dataset.tab === name);
  for (const s of document.querySelectorAll("main section")) s.hidden = s.id !== `tab-${name}`;
  if (name === "experiments") listExperiments();
}

// ---- the form, from the schema ----
function resolve(s) {
  if (s && s.$ref) return resolve(page.schema.$defs[s.$ref.split("/").pop()]);
  if (s && s.anyOf) {
    const real = s.anyOf.filter((o) => o.type !== "null");
    if (real.length === 1) return { ...resolve(real[0]), nullable: true, description: s.description || real[0].description, units: s.units, default: s.default };
  }
  return s || {};
}
const getAt = (obj, path) => path.reduce((o, k) => (o == null ? undefined : o[k]), obj);
function setAt(obj, path, value) {
  const last = path[path.length - 1];
  let parent = obj;
  for (const k of path.slice(0, -1)) {
    if (parent[k] === undefined || parent[k] === null) { if (value === undefined) return; parent[k] = {}; }
    parent = parent[k];
  }
  if (value === undefined) { if (Array.isArray(parent)) parent.splice(last, 1); else delete parent[last]; } else parent[last] = value;
}
const key = (path) => path.join(".");

function renderForm() {
  const form = $("form");
  form.replaceChildren();
  const root = page.schema;
  for (const [name, prop] of Object.entries(root.properties)) form.append(render(prop, [name], name, true));
  $("field-name").textContent = page.scenario.title || page.scenario.name;
  renderBuilder();
  fillStrategies();
  scheduleCheck();
}

function render(schema, path, label, open = false) {
  const s = { ...resolve(schema), description: schema.description || resolve(schema).description, units: schema.units || resolve(schema).units };
  const value = getAt(page.scenario, path);
  if (s.type === "object" && s.properties) return group(s, path, label, open, () => Object.entries(s.properties).map(([k, p]) => render(p, [...path, k], k)));
  if (s.type === "object" && s.additionalProperties && typeof s.additionalProperties === "object") return dictGroup(s, path, label, value || {});
  if (s.type === "array" && s.prefixItems && s.prefixItems.some((i) => resolve(i).type === "object")) {  // e.g. the two named axes
    return group(s, path, label, false, () => s.prefixItems.map((item, i) => render(item, [...path, i], `${label} ${i + 1}`)));
  }
  if (s.type === "array" && s.items && !s.prefixItems) return listGroup(s, path, label, value || []);
  return leaf(s, path, label, value);
}

function group(s, path, label, open, children) {
  const box = el("details", { "data-path": key(path) }, el("summary", {}, label, el("span", { class: "about", text: s.description || "" })));
  box.open = page.open.has(key(path));  // a section stays as she left it across redraws
  box.addEventListener("toggle", () => { if (box.open) page.open.add(key(path)); else page.open.delete(key(path)); });
  box.append(el("div", { class: "error" }), ...children());
  return box;
}

// A value for a new entry from the schema alone: its defaults, and a plain start for what has none.
function defaultFor(schema) {
  const s = resolve(schema);
  if (s.default !== undefined && s.default !== null) return structuredClone(s.default);
  if (s.type === "object" && s.properties) {
    const out = {};
    for (const [k, p] of Object.entries(s.properties)) {
      const v = defaultFor(p);
      if (v !== undefined && ((s.required || []).includes(k) || resolve(p).default !== undefined)) out[k] = v;
    }
    return out;
  }
  if (s.type === "object") return {};
  if (s.type === "array" && s.prefixItems) return s.prefixItems.map(defaultFor);
  if (s.type === "array") return [];
  if (s.type === "number" || s.type === "integer") return s.minimum ?? (s.exclusiveMinimum !== undefined ? s.exclusiveMinimum + 1 : 0);
  if (s.type === "boolean") return false;
  if (s.enum) return s.enum[0];
  if (s.nullable) return null;
  return "";
}

// Rename a key in place, keeping the table's order.
function renameKey(path, from, to) {
  const table = getAt(page.scenario, path);
  if (!to || to === from || !table || to in table) return false;
  const copy = Object.entries(table).map(([k, v]) => [k === from ? to : k, v]);
  for (const k of Object.keys(table)) delete table[k];
  for (const [k, v] of copy) table[k] = v;
  return true;
}

function dictGroup(s, path, label, value) {
  const inner = resolve(s.additionalProperties);
  const isTable = inner.type === "object";
  return group(s, path, label, false, () => {
    const parts = Object.keys(value).map((k) => {
      const child = render(s.additionalProperties, [...path, k], k);
      const rename = el("input", { type: "text", value: k, size: "12", "aria-label": `rename ${key([...path, k])}` });
      const tools = el("div", { class: "entry-tools" },
        el("label", { text: "key " }), rename,
        el("button", { text: "Rename", onclick: () => {
          const to = rename.value.trim();
          if (path.length === 1 && path[0] === "organizations") renameOrganization(k, to);
          else if (key(path) === "strata") renameStratum(k, to);
          else if (renameKey(path, k, to) && key(path) === "strategies" && page.scenario.default_strategy === k) page.scenario.default_strategy = to;
          renderForm();
        } }),
        el("button", { text: `Remove ${k}`, "data-remove": key([...path, k]), onclick: () => { setAt(page.scenario, [...path, k], undefined); renderForm(); } }));
      child.append(tools);
      return child;
    });
    const name = el("input", { type: "text", placeholder: "new key", size: "14", "aria-label": `new key in ${key(path)}` });
    const add = el("button", { text: "Add", "data-add": key(path), onclick: () => {
      const k = name.value.trim();
      if (!k) return;
      const fresh = defaultFor(s.additionalProperties);  // a share 0, a source "", a table its defaults
      setAt(page.scenario, [...path, k], fresh);
      page.open.add(key(path)); page.open.add(key([...path, k]));
      if (isTable) {  // the empty tables of a new entry are what she fills next: show them open
        for (const [p, v] of Object.entries(fresh)) if (v && typeof v === "object" && !Array.isArray(v) && !Object.keys(v).length) page.open.add(key([...path, k, p]));
      }
      renderForm();
    } });
    return [...parts, el("div", { class: "entry-tools" }, name, add)];
  });
}

function listGroup(s, path, label, value) {
  return group(s, path, label, false, () => {
    const parts = value.map((_, i) => {
      const child = render(s.items, [...path, i], `${label} ${i + 1}`);
      child.append(el("div", { class: "entry-tools" }, el("button", { text: "Remove", onclick: () => { setAt(page.scenario, [...path, i], undefined); renderForm(); } })));
      return child;
    });
    const add = el("button", { text: "Add", onclick: () => { value.push(structuredClone(value[value.length - 1] || {})); setAt(page.scenario, path, value); renderForm(); } });
    return [...parts, el("div", { class: "entry-tools" }, add)];
  });
}

function leaf(s, path, label, value) {
  const row = el("div", { class: "field", "data-path": key(path) });
  row.append(el("label", { title: s.description || "" }, label, el("span", { class: "units", text: s.units ? `(${s.units})` : "" })));
  row.append(control(s, path, value), el("span", { class: "help", text: s.description || "" }), el("div", { class: "error" }));
  return row;
}

function control(s, path, value) {
  const box = el("div", { class: "control" });
  const changed = (v) => { setAt(page.scenario, path, v); scheduleCheck(); };
  if (s.type === "array" && s.prefixItems) {  // a point or a pair: one number per item
    s.prefixItems.forEach((item, i) => box.append(numberInput(resolve(item), value ? value[i] : null, (v) => { const now = getAt(page.scenario, path) || []; now[i] = v; changed(now); }, path, i)));
    return box;
  }
  if (s.enum) {
    const select = el("select", { "aria-label": key(path), onchange: (e) => changed(e.target.value) });
    for (const option of s.enum) select.append(el("option", { value: option, text: option }));
    select.value = value;
    box.append(select);
  } else if (s.type === "boolean") {
    const box2 = el("input", { type: "checkbox", "aria-label": key(path), onchange: (e) => changed(e.target.checked) });
    box2.checked = !!value;
    box.append(box2);
  } else if (s.type === "number" || s.type === "integer") {
    box.append(...numberControls(s, value, (v) => changed(v), path));
  } else {
    const text = el("input", { type: "text", "aria-label": key(path), onchange: (e) => changed(e.target.value === "" && s.nullable ? null : e.target.value) });
    text.value = value ?? "";
    box.append(text);
  }
  return box;
}

function bounds(s) {
  const low = s.minimum ?? s.exclusiveMinimum, high = s.maximum ?? s.exclusiveMaximum;
  return [low, high];
}

function numberInput(s, value, changed, path, i) {
  const [low, high] = bounds(s);
  const input = el("input", { type: "number", step: "any", "aria-label": `${key(path)}${i === undefined ? "" : "." + i}` });
  if (low !== undefined) input.min = low;
  if (high !== undefined) input.max = high;
  input.value = value ?? "";
  // a cleared box: null where the field may be empty, else the field is missing (and said to be)
  input.addEventListener("change", () => changed(input.value === "" ? (s.nullable ? null : undefined) : Number(input.value)));
  return input;
}

// A slider where the bounds make one useful (a span of at most 1000), beside the exact number.
function numberControls(s, value, changed, path) {
  const [low, high] = bounds(s);
  const number = numberInput(s, value, changed, path);
  if (low === undefined || high === undefined || high - low > 1000) return [number];
  const slider = el("input", { type: "range", min: low, max: high, step: s.type === "integer" ? 1 : (high - low) / 1000, "data-slider": key(path), "aria-label": `${key(path)} slider` });
  slider.value = value ?? low;
  slider.addEventListener("input", () => { number.value = slider.value; });
  slider.addEventListener("change", () => changed(Number(slider.value)));
  number.addEventListener("change", () => { slider.value = number.value; });
  return [slider, number];
}

// ---- checking the field as it is edited ----
// Each edit is numbered; a check's answer counts only if no edit came after it was asked
// (body's data-checked says which edit the shown status belongs to).
page.edits = 0;
function scheduleCheck() {
  page.edits += 1;
  document.body.dataset.checked = "";
  clearTimeout(page.checkTimer);
  page.checkTimer = setTimeout(checkScenario, 250);
}

async function checkScenario() {
  const edit = page.edits;
  const r = await post("/api/scenario/check", { scenario: page.scenario });
  if (edit !== page.edits) return r.ok;  // an edit came since: its own check will answer
  for (const node of document.querySelectorAll("#form .error, #builder .error")) node.textContent = "";
  for (const node of document.querySelectorAll("#form .bad, #builder .bad")) node.classList.remove("bad");
  showLocal();
  const status = $("check-status");
  if (r.ok) {
    page.errors = [];
    status.textContent = `valid: ${fmt(r.data.agents)} simulated people, over ${fmt(page.scenario.horizon_weeks)} weeks`;
    status.className = "good";
    fillStrategies();
    document.body.dataset.checked = String(edit);
    return true;
  }
  const errors = (r.data && r.data.errors) || [];
  page.errors = errors;
  const unplaced = errors.filter((e) => !showError(e.field, e.message, e.label));
  status.textContent = errors.length
    ? `${errors.length} problem${errors.length > 1 ? "s" : ""} to fix, each shown beside its field` + (unplaced.length ? `: ${unplaced.map(said).join(" ")}` : ".")
    : detail(r);
  status.className = "bad";
  document.body.dataset.checked = String(edit);
  return false;
}

// A problem said on its own, away from its field: the field in words (never its path), then the sentence.
const said = (e) => (e.label ? `${e.label[0].toUpperCase()}${e.label.slice(1)}: ${e.message}` : e.message);

// Every place a field is edited (the builder and the form) shows its problem in a sentence. Where
// only a row holding the field is shown (the builder's rows stand for whole tables), the sentence
// alone; in the form, the field in words before it.
function showError(field, message, label = "") {
  const parts = (field || "").split(".");
  let placed = false;
  for (const area of ["#builder", "#form"]) {
    const p = [...parts];
    while (p.length && p[0] !== "") {  // the nearest control or table that holds the field
      const holder = document.querySelector(`${area} [data-path="${CSS.escape(p.join("."))}"]`);
      if (holder) {
        const slot = holder.querySelector(":scope > .error");
        const text = p.join(".") === field || area === "#builder" || !label ? message : said({ label, message });
        if (!slot.textContent.includes(text)) slot.textContent = slot.textContent ? `${slot.textContent} ${text}` : text;
        holder.classList.add("bad");
        let up = holder.parentElement;
        while (up) { if (up.tagName === "DETAILS") up.open = true; up = up.parentElement; }
        placed = true;
        break;
      }
      p.pop();
    }
  }
  return placed;
}

// Renaming a stratum renames it in every population's shares and in reach_stratum.
function renameStratum(from, to) {
  const sc = page.scenario;
  if (!renameKey(["strata"], from, to)) return false;
  if (sc.reach_stratum === from) sc.reach_stratum = to;
  for (const pop of [...Object.values(sc.organizations || {}), sc.unorganized]) {
    for (const table of ["strata", "kernel"]) {
      if (pop && pop[table] && from in pop[table]) pop[table] = Object.fromEntries(Object.entries(pop[table]).map(([k, v]) => [k === from ? to : k, v]));
    }
  }
  return true;
}

// Renaming an organization renames it everywhere the field names it: roles, papers, strategies, ranges.
function renameOrganization(from, to) {
  const sc = page.scenario;
  if (!to || to === from || !/^[A-Za-z0-9_-]+$/.test(to) || (sc.organizations || {})[to]) return false;
  renameKey(["organizations"], from, to);
  for (const role of ["group", "host", "rival"]) if (sc[role] === from) sc[role] = to;
  for (const organ of Object.values(sc.organs || {})) {
    if (organ.owner === from) organ.owner = to;
    if (organ.circulation && from in organ.circulation) { organ.circulation[to] = organ.circulation[from]; delete organ.circulation[from]; }
  }
  for (const strategy of Object.values(sc.strategies || {})) {
    if (strategy.allocation && from in strategy.allocation) {
      const entries = Object.entries(strategy.allocation).map(([k, v]) => [k === from ? to : k, v]);
      strategy.allocation = Object.fromEntries(entries);
    }
  }
  for (const u of sc.uncertainties || []) {
    if (u.path.startsWith(`organizations.${from}.`)) u.path = `organizations.${to}.` + u.path.slice(`organizations.${from}.`.length);
  }
  return true;
}

async function openBuiltin() {
  const r = await api(`/api/scenarios/${encodeURIComponent($("builtin").value)}`);
  if (!r.ok) { $("check-status").textContent = detail(r); return; }
  page.scenario = r.data;
  page.local = {};
  $("history-note").hidden = false;
  renderForm();
}

async function openTemplate() {
  const r = await api(`/api/templates/${encodeURIComponent($("template").value)}`);
  if (!r.ok) { $("check-status").textContent = detail(r); return; }
  page.scenario = r.data;
  page.local = {};
  $("history-note").hidden = true;
  page.open = new Set(["dynamics", "strategies"]);
  renderForm();
}

// ---- the guided builder: the common case in plain words, writing the scenario the form edits ----
const ROLES = [
  ["group", "Your group", "the small group whose choice is weighed"],
  ["host", "The larger organization", "the larger, looser body your group may join"],
  ["rival", "The rival", "another organization that competes for the same people"],
];
const LOOSENESS = [
  [0.1, "very loose: anyone may organize inside it"], [0.3, "loose: it tolerates organized groups"],
  [0.6, "fairly tightly run: it watches organized groups"], [0.9, "tightly run: it expels organized groups"],
];

function bRow(label, help, path, control) {
  return el("div", { class: "field", "data-path": path }, el("label", { text: label }), el("div", { class: "control" }, control),
    el("span", { class: "help", text: help }), el("div", { class: "error" }));
}

function bInput(path, label, type = "text", onchange = null) {
  const value = getAt(page.scenario, path.split("."));
  const input = el("input", { type, "aria-label": `builder ${label}`, ...(type === "number" ? { step: "any" } : {}) });
  input.value = value ?? "";
  input.addEventListener("change", () => {
    const v = type === "number" ? (input.value === "" ? undefined : Number(input.value)) : input.value;
    page.local = {};  // what the builder refused last time is said no longer
    if (onchange) onchange(v); else setAt(page.scenario, path.split("."), v);
    renderForm();
  });
  return input;
}

// What the builder refuses itself, before the server could see it (an edit it did not make):
// a key given twice, or one that cannot be a key. path -> sentence, shown beside that row.
page.local = {};
const KEY = /^[A-Za-z0-9_-]+$/;
function keyProblem(to, table, what) {
  if (!to) return `A key cannot be empty: give the ${what} a short word.`;
  if (!KEY.test(to)) return `'${to}' cannot be a key: use one word of letters, digits, _ or - (no spaces).`;
  if (table === "organizations" && to === "none") return "'none' is kept for the unorganized: choose another key.";
  if (!(to in (page.scenario[table] || {}))) return "";
  if (table === "strategies") return `'${to}' is already the key of the strategy “${strategyName(to)}”: give each strategy its own key.`;
  const role = ROLES.find(([r]) => page.scenario[r] === to);
  const named = orgName(to), said = role && role[1].toLowerCase();
  const whose = !role ? `“${named}”` : named.toLowerCase() === said ? said : `${said} (${named})`;
  return `'${to}' is already the key of ${whose}: give each organization its own key.`;
}

function showLocal() {
  for (const [path, message] of Object.entries(page.local)) {
    const holder = document.querySelector(`#builder [data-path="${CSS.escape(path)}"]`);
    if (!holder) continue;
    const slot = holder.querySelector(":scope > .error");
    if (!slot.textContent.includes(message)) slot.textContent = slot.textContent ? `${slot.textContent} ${message}` : message;
    holder.classList.add("bad");
  }
}

// A role's key: renaming its organization everywhere, never merging two organizations into one.
function setRoleKey(role, from, to) {
  const sc = page.scenario, exists = !!(sc.organizations || {})[from];
  if (to === from) return;
  const other = ROLES.some(([r]) => r !== role && sc[r] === to);
  const problem = exists ? keyProblem(to, "organizations", "organization") : other ? keyProblem(to, "organizations") : "";
  if (problem) { page.local[role] = problem; return; }
  if (exists) renameOrganization(from, to); else sc[role] = to;  // a role naming none yet may name one that exists
}

function renderBuilder() {
  const sc = page.scenario, box = $("builder");
  if (!box || !sc) return;
  const orgKeys = Object.keys(sc.organizations || {});
  const firstStratum = Object.keys(sc.strata || {})[0];
  const parts = [el("h3", { text: "Your field, in your words" }),
    bRow("Title", "What you are deciding, in a line: it heads the reports.", "title", bInput("title", "title")),
    bRow("Short name", "Letters, digits and dashes: used to name the files and the stored results.", "name", bInput("name", "short name"))];
  for (const [role, heading, about] of ROLES) {
    const k = sc[role];
    if (!k) continue;
    const at = `organizations.${k}`;
    parts.push(el("h4", { text: `${heading}: ${about}` }),
      bRow("Key", "A short word for it (letters, digits, _ or -), used inside the field; the page shows its name instead.", role,
        bInput(role, `${role} key`, "text", (v) => setRoleKey(role, k, String(v ?? "").trim()))));
    if (!sc.organizations || !sc.organizations[k]) continue;
    parts.push(bRow("Name", "Its name as you say it: shown in every table, chart and conclusion.", `${at}.name`, bInput(`${at}.name`, `${role} name`)),
      bRow("Members", "How many people belong to it at the start.", `${at}.size`, bInput(`${at}.size`, `${role} members`, "number")));
    if (role === "host") {
      const loose = el("select", { "aria-label": "builder how loose" });
      const h = sc.organizations[k].homogeneity;
      for (const [v, words] of LOOSENESS) loose.append(el("option", { value: v, text: words }));
      loose.value = LOOSENESS.reduce((a, b) => (Math.abs(b[0] - h) < Math.abs(a[0] - h) ? b : a))[0];
      loose.addEventListener("change", () => { sc.organizations[k].homogeneity = Number(loose.value); renderForm(); });
      const close = el("input", { type: "number", step: "any", min: "0", max: "1", "aria-label": "builder close share" });
      close.value = firstStratum ? ((sc.organizations[k].kernel || {})[firstStratum] ?? 0) : 0;
      close.addEventListener("change", () => {
        sc.organizations[k].kernel = Object.fromEntries(Object.keys(sc.strata || {}).map((st) => [st, Number(close.value)]));
        renderForm();
      });
      const crisis = el("input", { type: "checkbox", "aria-label": "builder crisis" });
      crisis.checked = (sc.organizations[k].disappointment || []).length > 0;
      crisis.addEventListener("change", () => {
        sc.organizations[k].disappointment = crisis.checked ? [{ start_week: 0, end_week: sc.horizon_weeks || 104, level: 0.3, end_level: null }] : [];
        renderForm();
      });
      parts.push(bRow("How loose is it?", "How freely an organized group may work inside it before its leaders act.", `${at}.homogeneity`, loose),
        bRow("Members close to you", "The share of its members already near your group's first view (0.1 is one in ten).", `${at}.kernel`, close),
        bRow("In a crisis?", "Tick if something is pushing its members to leave (a split, a defeat); none unless you say so.", `${at}.disappointment`, crisis));
      if (crisis.checked) {
        parts.push(bRow("How deep a crisis", "How far it pulls members' contentment down, from 0 (not at all) to 1 (entirely), over the whole run.",
          `${at}.disappointment.0.level`, bInput(`${at}.disappointment.0.level`, "crisis depth", "number")));
      }
    }
  }
  parts.push(el("h4", { text: "The unorganized: people in no organization, who may join one" }),
    bRow("People", "How many active people belong to none of them.", "unorganized.size", bInput("unorganized.size", "unorganized people", "number")));
  parts.push(el("h4", { text: "The two views people hold (each from 0 to 1)" }));
  for (const i of [0, 1]) {
    parts.push(bRow(`View ${i + 1}`, "What it measures, and what its two ends mean.", `labels.axes.${i}`,
      el("span", {}, bInput(`labels.axes.${i}.name`, `view ${i + 1} name`), " from ", bInput(`labels.axes.${i}.low`, `view ${i + 1} low`), " to ", bInput(`labels.axes.${i}.high`, `view ${i + 1} high`))));
  }
  parts.push(el("h4", { text: "The strategies to compare" }));
  for (const [sk, strategy] of Object.entries(sc.strategies || {})) {
    const where = el("select", { "aria-label": `builder ${sk} where` });
    for (const o of orgKeys) where.append(el("option", { value: o, text: o === sc.group ? "stay outside, as its own group" : `join ${orgName(o)}` }));
    const alloc = Object.entries(strategy.allocation || {}).sort((a, b) => b[1] - a[1]);
    where.value = alloc.length ? alloc[0][0] : sc.group;
    where.addEventListener("change", () => { strategy.allocation = { [where.value]: 1 }; strategy.press = where.value === sc.group ? "own" : "host"; renderForm(); });
    const form = el("select", { "aria-label": `builder ${sk} form` },
      el("option", { value: "faction", text: "openly, as an organized caucus" }), el("option", { value: "individuals", text: "quietly, as individuals" }));
    form.value = strategy.form || "faction";
    form.addEventListener("change", () => { strategy.form = form.value; strategy.declaration = form.value === "faction"; renderForm(); });
    const rename = bInput(`strategies.${sk}`, `${sk} key`, "text", (v) => {
      const to = String(v ?? "").trim();
      if (to === sk) return;
      const problem = keyProblem(to, "strategies", "strategy");
      if (problem) { page.local[`strategies.${sk}`] = problem; return; }
      if (renameKey(["strategies"], sk, to) && sc.default_strategy === sk) sc.default_strategy = to;
    });
    rename.value = sk;
    parts.push(el("div", { class: "strategy-card", "data-strategy": sk },
      bRow("Key", "A short word for it; the page shows its description instead.", `strategies.${sk}`, rename),
      bRow("What it is", "The strategy in your words: shown in the picker, the ranking and the conclusion.", `strategies.${sk}.description`, bInput(`strategies.${sk}.description`, `${sk} description`)),
      bRow("Where the group goes", "Where its members put their effort.", `strategies.${sk}.allocation`, where),
      bRow("How", "Openly as a caucus is visible to the leaders; quietly as individuals is not.", `strategies.${sk}.form`, form),
      el("div", { class: "entry-tools" }, el("button", { text: "Remove this strategy", "data-remove-strategy": sk, onclick: () => {
        delete sc.strategies[sk];
        if (sc.default_strategy === sk) sc.default_strategy = Object.keys(sc.strategies)[0] || "";
        renderForm();
      } }))));
  }
  const first = el("select", { "aria-label": "builder default strategy" });
  for (const sk of Object.keys(sc.strategies || {})) first.append(el("option", { value: sk, text: strategyName(sk) }));
  first.value = sc.default_strategy;
  first.addEventListener("change", () => { sc.default_strategy = first.value; renderForm(); });
  parts.push(bRow("A run starts with", "The strategy Run and watch picks first (you may pick another there).", "default_strategy", first));
  const newKey = el("input", { type: "text", placeholder: "new strategy key", "aria-label": "builder new strategy key" });
  parts.push(bRow("Another strategy", "Its key, a short word; then say what it is and where the group goes.", "new-strategy",
    el("span", {}, newKey, " ", el("button", { text: "Add a strategy", id: "builder-add-strategy", onclick: () => {
      const k = newKey.value.trim();
      page.local = {};
      const problem = keyProblem(k, "strategies", "strategy");
      if (problem) page.local["new-strategy"] = problem;
      else {
        setAt(sc, ["strategies", k], { description: "", allocation: { [sc.group]: 1 }, form: "faction", declaration: true, press: "own" });
        if (!(sc.default_strategy in sc.strategies)) sc.default_strategy = k;  // the first strategy after none
      }
      renderForm();
    } }))));
  box.replaceChildren(...parts);
  showLocal();
}

async function openFile(event) {
  const file = event.target.files[0];
  if (!file) return;
  const r = await post("/api/scenario/parse", { text: await file.text() });
  if (!r.ok) { $("check-status").textContent = detail(r); $("check-status").className = "bad"; return; }
  page.scenario = r.data;
  page.local = {};
  renderForm();
}

async function downloadToml() {
  const r = await post("/api/scenario/toml", { scenario: page.scenario });
  if (!r.ok) { await checkScenario(); return; }
  const link = el("a", { href: URL.createObjectURL(new Blob([r.data], { type: "application/toml" })), download: `${page.scenario.name}.toml` });
  document.body.append(link); link.click(); link.remove();
}

function fillStrategies() {
  const select = $("strategy"), before = select.value;
  select.replaceChildren(...Object.keys(page.scenario.strategies || {}).map((k) => el("option", { value: k, text: strategyName(k) })));
  select.value = before && page.scenario.strategies[before] ? before : page.scenario.default_strategy;
}

// ---- run and watch ----
const numberOr = (id) => ($(id).value === "" ? null : Number($(id).value));

// A refused run or weigh: each problem in a sentence beside the box that caused it (the
// field's own problems send her back to the builder), the progress bar emptied; never JSON.
const BOXES = { strategy: "strategy", seed: "seed", steps: "steps", samples: "samples", replications: "replications" };
function refused(r, tab) {
  const status = $(`${tab}-status`), list = $(`${tab}-errors`);
  $(`${tab}-progress`).value = 0;
  list.replaceChildren();
  for (const node of document.querySelectorAll(`#tab-${tab} .bad`)) node.classList.remove("bad");
  const errors = (r.data && r.data.errors) || [];
  for (const e of errors) {
    const field = String(e.field || "").replace(/^scenario\./, "");
    const id = tab === "weigh" && ["seed", "steps"].includes(field) ? `weigh-${field}` : BOXES[field];
    if (id && $(id)) $(id).classList.add("bad");
    const box = id ? ($(id).closest("label") || {}).firstChild?.textContent?.trim() : "";
    list.append(el("li", { text: box ? `${box}: ${e.message}` : field ? `${said(e)} (fix it on Build a field)` : e.message }));
  }
  if (!errors.length) list.append(el("li", { text: detail(r) }));
  status.textContent = "Not started: see below.";
}

async function startRun() {
  const body = { scenario: page.scenario, strategy: $("strategy").value, seed: Number($("seed").value || 0), steps: numberOr("steps") };
  $("run-summary").replaceChildren(); $("run-files").replaceChildren(); $("flows").replaceChildren(); $("run-errors").replaceChildren();
  const r = await post("/api/runs", body);
  if (!r.ok) { refused(r, "run"); return; }
  page.columns = r.data.columns;
  const job = r.data, rows = [];
  $("run-progress").max = job.total; $("run-progress").value = 0; $("cancel-run").disabled = false; $("run").disabled = true;
  page.runJob = job.id;
  let view = job;
  while (view.state === "running") {
    await sleep(300);
    const g = await api(`/api/jobs/${job.id}?since=${rows.length}`);
    if (!g.ok) { $("run-status").textContent = detail(g); break; }
    view = g.data;
    rows.push(...view.rows);
    $("run-progress").value = view.done;
    $("run-status").textContent = `${view.state}: step ${view.done} of ${view.total}`;
    drawRun(rows);
  }
  $("cancel-run").disabled = true; $("run").disabled = false;
  if (view.state !== "done") { $("run-status").textContent = `${view.state}: ${view.message}`; return; }
  $("run-status").textContent = `done: ${view.total} steps, stored as ${view.experiment}`;
  showRunResult(view.result, view.experiment);
}

// The group on its own panel (its few members would be a flat line beside hundreds), the
// people holding its views on another.
function drawRun(rows) {
  const col = (name) => rows.map((r) => r[page.columns.indexOf(name)]);
  const weeks = rows.map((_, i) => i * (page.scenario.step_weeks || 1));
  drawPanels($("chart-group"), $("chart"), weeks, col("group_members"), col("won"), page.scenario);
}

function drawPanels(groupSvg, viewsSvg, weeks, members, won, words) {
  const group = orgName((words || {}).group || page.scenario.group, words);
  drawChart(groupSvg, weeks, { [`members of ${group}`]: members });
  drawChart(viewsSvg, weeks, { [outcomeName("won", words)]: won });
}

const esc = (t) => String(t).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);

function drawChart(svg, xs, lines) {
  // one line: its name as the panel's title (a legend beside it would cut a long name)
  const single = Object.keys(lines).length === 1;
  const W = 720, H = 220, L = 60, R = single ? 20 : 200, T = single ? 30 : 15, B = 35;
  const all = Object.values(lines).flat().filter(Number.isFinite);
  const yMax = Math.max(1, ...all), xMax = Math.max(1, ...xs);
  const x = (v) => L + (v / xMax) * (W - L - R), y = (v) => H - B - (v / yMax) * (H - T - B);
  const colors = ["#1565c0", "#e65100", "#2e7d32", "#6a1b9a"];
  svg.setAttribute("viewBox", `0 0 ${W} ${H}`);
  const parts = [`<line x1="${L}" y1="${H - B}" x2="${W - R}" y2="${H - B}" stroke="#90a4ae"/>`, `<line x1="${L}" y1="${T}" x2="${L}" y2="${H - B}" stroke="#90a4ae"/>`,
    `<text x="${L - 5}" y="${T + 4}" text-anchor="end">${round(yMax)}</text>`, `<text x="${L - 5}" y="${H - B}" text-anchor="end">0</text>`,
    `<text x="${W - R}" y="${H - B + 15}" text-anchor="end">week ${round(xMax)}</text>`, `<text x="${L}" y="${H - B + 15}">0</text>`];
  Object.entries(lines).forEach(([name, ys], i) => {
    const points = ys.map((v, k) => `${x(xs[k]).toFixed(1)},${y(v).toFixed(1)}`).join(" ");
    parts.push(`<polyline class="series" data-points="${ys.length}" fill="none" stroke="${colors[i]}" stroke-width="2" points="${points}"/>`);
    if (single) parts.push(`<text class="panel-title" x="${L}" y="16">${esc(name)}</text>`);
    else parts.push(`<rect x="${W - R + 10}" y="${T + 18 * i}" width="12" height="3" fill="${colors[i]}"/><text x="${W - R + 26}" y="${T + 18 * i + 5}">${esc(name)}</text>`);
  });
  svg.innerHTML = parts.join("");
}

function table(head, rows, id) {
  const t = el("table", id ? { id } : {});
  t.append(el("tr", {}, ...head.map((h) => (typeof h === "string" ? el("th", { text: h }) : el("th", { text: h[0], title: h[1] })))));
  for (const r of rows) t.append(el("tr", {}, ...r.map((c) => el("td", { text: c }))));
  return t;
}

function showRunResult(result, experiment) {
  const s = result.summary;
  $("run-summary").replaceChildren(
    el("h2", { text: `${page.scenario.title || s.scenario} — ${strategyName(s.strategy)} (seed ${s.seed}, ${round(s.weeks)} weeks, ${round(s.agents)} simulated people)` }),
    table(["organization", "members at start", "at end", `${page.scenario.labels?.kernel || "kernel"} at start`, "at end"],
      s.organizations.map((o) => [o.name, round(o.size_start), round(o.size_end), round(o.kernel_start), round(o.kernel_end)]), "summary-table"),
    table([orgName(page.scenario.group), "value"], [["members (start → end)", `${round(s.group_members_start)} → ${round(s.group_members_end)}`],
      ["trained members at end", round(s.group_cadre_end)], [`${outcomeName("won")} (start → end)`, `${round(s.won_start)} → ${round(s.won_end)}`], ["expelled", round(s.expelled)]]));
  drawFlows($("flows"), result.flows, result.labels.map((k) => orgName(k)));
  $("run-files").replaceChildren(el("h2", { text: "The run's files" }), fileLinks(experiment, ["timeseries.parquet", "summary.json", "flows.csv", "trajectories.png", "scenario.toml"]));
}

// The flows as a diagram: where each came from (left) and went (right), a band per move, width by persons.
function drawFlows(svg, flows, labels) {
  const W = 720, H = 320, n = labels.length, gap = (H - 40) / n;
  let most = 0;
  flows.forEach((row, i) => row.forEach((v, j) => { if (i !== j) most = Math.max(most, v); }));
  const parts = [`<text x="150" y="14" text-anchor="middle">from</text><text x="570" y="14" text-anchor="middle">to</text>`];
  const yAt = (i) => 30 + gap * i + gap / 2;
  flows.forEach((row, i) => row.forEach((v, j) => {
    if (i === j || v <= 0) return;
    const w = Math.max(1, (v / most) * gap * 0.8);
    parts.push(`<path class="flow" d="M200,${yAt(i)} C360,${yAt(i)} 360,${yAt(j)} 520,${yAt(j)}" stroke="hsl(${(i * 67) % 360},60%,45%)" stroke-opacity="0.45" stroke-width="${w.toFixed(1)}" fill="none"><title>${esc(labels[i])} → ${esc(labels[j])}: ${round(v)} people</title></path>`);
  }));
  labels.forEach((name, i) => {
    parts.push(`<text x="190" y="${yAt(i) + 4}" text-anchor="end">${esc(name)}</text><text x="530" y="${yAt(i) + 4}">${esc(name)}</text>`);
  });
  parts.push(`<text x="360" y="${H - 6}" text-anchor="middle">people who moved over the run (widest band: ${round(most)})</text>`);
  svg.innerHTML = parts.join("");
}

function fileLinks(name, files) {
  const list = el("p", {});
  for (const f of files) list.append(el("a", { href: fileUrl(name, f), download: f, text: f }), " ");
  return list;
}

async function cancelJob(id) { if (id) await post(`/api/jobs/${id}/cancel`, {}); }

// ---- weigh ----
//: Below this many draws × replications an answer is mostly noise: the page says so before and after.
const FEW_WORLDS = 16;

function weighCaution() {
  const worlds = Number($("samples").value) * Number($("replications").value);
  $("weigh-few").hidden = !(worlds < FEW_WORLDS);
  $("weigh-few").textContent = `Caution: ${worlds} draw${worlds === 1 ? "" : "s"} of what nobody knows for sure is few; two strategies will most likely look tied. ${FEW_WORLDS} or more say more.`;
}

async function startWeigh() {
  const body = { scenario: page.scenario, samples: Number($("samples").value), replications: Number($("replications").value),
    seed: Number($("weigh-seed").value || 0), steps: numberOr("weigh-steps") };
  $("open-weigh").hidden = true; $("weigh-errors").replaceChildren(); $("weigh-warnings").replaceChildren();
  const r = await post("/api/weighs", body);
  if (!r.ok) { refused(r, "weigh"); return; }
  let view = r.data;
  page.weighJob = view.id;
  $("weigh-progress").value = 0;
  $("cancel-weigh").disabled = false; $("weigh").disabled = true;
  while (view.state === "running") {
    $("weigh-progress").max = view.total || 1; $("weigh-progress").value = view.done;
    $("weigh-status").textContent = `${view.message || "running"}: ${view.done} of ${view.total} runs`;
    await sleep(400);
    const g = await api(`/api/jobs/${view.id}`);
    if (!g.ok) { $("weigh-status").textContent = detail(g); break; }
    view = g.data;
  }
  $("cancel-weigh").disabled = true; $("weigh").disabled = false;
  $("weigh-progress").value = view.done;
  $("weigh-status").textContent = view.state === "done" ? `done: ${view.total} runs in ${view.experiment}` : `${view.state}: ${view.message}`;
  const warnings = (view.result && view.result.warnings) || [];
  const words = { strategies: Object.fromEntries(Object.entries(page.scenario.strategies || {}).map(([k, v]) => [k, v.description || k])) };
  $("weigh-warnings").replaceChildren(...warnings.map((w) => el("li", { text: plainWords(w, words) })));
  const open = $("open-weigh");
  open.hidden = false;
  open.onclick = () => { showTab("experiments"); openExperiment(view.experiment); };
}

// ---- the store ----
async function listExperiments() {
  const r = await api("/api/experiments");
  const t = $("experiments");
  t.replaceChildren(el("tr", {}, ...["experiment", "kind", "field", "runs stored", "failed", "planned", "status", ""].map((h) => el("th", { text: h }))));
  if (!r.ok) return;
  for (const e of r.data) {
    t.append(el("tr", {}, ...[e.name, e.kind, e.scenario, e.stored, e.failed, e.planned, e.status].map((c) => el("td", { text: String(c) })),
      el("td", {}, el("button", { text: "Open", "data-open": e.name, onclick: () => openExperiment(e.name) }))));
  }
}

// The ranking's head in plain words, its strategies by their descriptions, ties said as ties.
function rankingHead(head, ranking, words) {
  const base = `“${strategyName(ranking.baseline, words)}”`;
  return head.map((h) => {
    const median = h.match(/^(\w+) median \[90%\]$/);
    if (median) return [`${outcomeName(median[1], words)}: middle run [90% of runs]`, outcomeMeaning(median[1])];
    if (h.startsWith("Δ vs")) return [`gain over ${base}, on average [90% range]`, "the mean difference from the baseline, world by world"];
    if (h.startsWith("P(beat)")) return [`chance it does better than ${base} [90% range]`, "in how many paired worlds it did better"];
    if (h.startsWith("regret")) return ["short of the best: on average / at worst", "how far below the best strategy of each world it fell"];
    if (h === "#") return ["rank", "= marks a tie with the one above"];
    return [h, ""];
  });
}

// The server's sentences (the conclusion, the weigh's cautions) with her words for its keys and
// the page's for the command line's.
function plainWords(text, words) {
  let out = text;
  for (const k of Object.keys(words.strategies || {})) out = out.replaceAll(`'${k}'`, `“${strategyName(k, words)}”`);
  return out.replaceAll(" x ", " × ").replaceAll(/\(?--samples, or --until-sure\)?/g, "(raise Draws on the Weigh tab)")
    .replaceAll("mean regret", "mean shortfall from the best").replaceAll(/\b(draws?) of the uncertainties/g, "$1 of what nobody knows for sure");
}

function plainConclusion(text, ranking, words) {
  let out = plainWords(text, words);
  const code = page.glossary[ranking.outcome] && page.glossary[ranking.outcome].code;
  if (code) out = out.replaceAll(code, `${outcomeName(ranking.outcome, words)} (${outcomeMeaning(ranking.outcome)})`);
  return out;
}

async function openExperiment(name) {
  const r = await api(`/api/experiments/${encodeURIComponent(name)}`);
  const box = $("experiment");
  if (!r.ok) { box.replaceChildren(el("p", { text: detail(r) })); return; }
  const e = r.data, s = e.settings, words = e.words || {};
  const about = s.kind === "weigh" ? `weighed over ${s.samples} draw(s) × ${s.replications} replication(s), seed ${s.seed}`
    : `one run of “${strategyName(s.strategy, words)}”, seed ${s.seed}`;
  box.replaceChildren(el("h2", { text: `${e.name} (${s.kind}, ${e.status})` }), el("p", { class: "settings", text: about }));
  const worlds = Number(s.samples) * Number(s.replications);
  if (s.kind === "weigh" && worlds < FEW_WORLDS) {
    box.append(el("p", { class: "caution", id: "few-worlds", text: `Caution: ${worlds} draw${worlds === 1 ? "" : "s"} in all. With so few, a strategy that looks best may only have been lucky: read this as a first look, and weigh again with ${FEW_WORLDS} or more draws × replications before trusting it.` }));
  }
  if (e.ranking) {
    const tieNote = e.ranking.sure ? "" : " The runs cannot tell the leader from the runner-up: read it as a tie.";
    box.append(el("p", { class: "conclusion", text: plainConclusion(e.ranking.conclusion, e.ranking, words) + tieNote }),
      el("h3", { text: "Ranking" }),
      table(rankingHead(e.ranking.head, e.ranking, words),
        e.ranking.rows.map((row) => [row[0].endsWith("=") ? `${row[0].slice(0, -1)} (tied)` : row[0], strategyName(row[1], words), ...row.slice(2)]), "ranking"));
  }
  const shown = e.summary.length ? Object.keys(e.summary[0]).filter((k) => !["strategy", "ok", "failed"].includes(k)) : [];
  box.append(el("h3", { text: "Runs per strategy: the middle run [5% and 95% of runs]" }),
    table(["strategy", "runs", "failed", ...shown.map((k) => [outcomeName(k, words), outcomeMeaning(k)])],
      e.summary.map((row) => [strategyName(row.strategy, words), row.ok, row.failed, ...shown.map((k) => row[k] ? `${round(row[k][1])} [${round(row[k][0])}, ${round(row[k][2])}]` : "–")]), "experiment-summary"));
  if (e.series) {
    const svgNS = "http://www.w3.org/2000/svg";
    const one = document.createElementNS(svgNS, "svg"), two = document.createElementNS(svgNS, "svg");
    box.append(el("h3", { text: "Over the run" }), one, two);
    drawPanels(one, two, e.series.week, e.series.group_members, e.series.won, words);
  }
  if (s.kind === "weigh" && e.files.includes("funnel.png")) {
    // why a strategy wins or fails: how many the group met, how many were within its reach,
    // how many joined and stayed, and whom it lost, by cause
    box.append(el("h3", { text: "The funnel per strategy" }),
      el("p", { text: "For each strategy, the middle run's count at each step from the people the group met, to those within its reach, to those who joined and stayed; then the members it lost, by cause. The axis is logarithmic: meetings outnumber recruits by hundreds." }),
      el("img", { id: "funnel", src: fileUrl(e.name, "funnel.png"), alt: "the funnel per strategy" }));
  }
  for (const f of e.files.filter((f) => f.endsWith(".png") && f !== "funnel.png")) box.append(el("img", { src: fileUrl(e.name, f), alt: f }));
  box.append(el("h3", { text: "Files" }), fileLinks(e.name, e.files));
}

function renderGlossary() {
  const list = $("glossary-list");
  list.replaceChildren(...Object.values(page.glossary).flatMap((g) => [el("dt", { text: g.name }), el("dd", { text: `${g.meaning} (${g.better} is better)` })]));
}

// ---- start ----
async function start() {
  for (const b of document.querySelectorAll("nav button")) b.addEventListener("click", () => showTab(b.dataset.tab));
  $("load-builtin").addEventListener("click", openBuiltin);
  $("toml-file").addEventListener("change", openFile);
  $("download-toml").addEventListener("click", downloadToml);
  $("run").addEventListener("click", startRun);
  $("cancel-run").addEventListener("click", () => cancelJob(page.runJob));
  $("weigh").addEventListener("click", startWeigh);
  $("cancel-weigh").addEventListener("click", () => cancelJob(page.weighJob));
  $("refresh").addEventListener("click", listExperiments);
  $("new-field").addEventListener("click", openTemplate);
  $("samples").addEventListener("input", weighCaution);
  $("replications").addEventListener("input", weighCaution);
  const [schema, names, templates, glossary] = await Promise.all([api("/api/schema"), api("/api/scenarios"), api("/api/templates"), api("/api/outcomes")]);
  if (!schema.ok) { document.body.prepend(el("p", { class: "error", text: detail(schema) })); return; }
  page.schema = schema.data;
  page.glossary = glossary.ok ? glossary.data : {};
  renderGlossary();
  $("builtin").replaceChildren(...names.data.map((n) => el("option", { value: n, text: `${n} (history)` })));
  $("builtin").value = names.data.includes("britain-1933") ? "britain-1933" : names.data[0];
  $("template").replaceChildren(...templates.data.map((t) => el("option", { value: t.name, text: `${t.title}: ${t.description}` })));
  weighCaution();
  await openBuiltin();
  document.body.dataset.ready = "yes";
}
start();
