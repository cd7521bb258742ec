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
const page = { schema: null, scenario: null, checkTimer: null, runJob: null, weighJob: null, columns: [] };

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
const detail = (r) => (r.data && r.data.detail ? (typeof r.data.detail === "string" ? r.data.detail : JSON.stringify(r.data.detail)) : `error ${r.status}`);

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
  const parent = getAt(obj, path.slice(0, -1));
  if (value === undefined) { if (Array.isArray(parent)) parent.splice(last, 1); else delete parent[last]; } else parent[last] = value;
}
const key = (path) => path.join(".");

function renderForm() {
  const form = $("form");
  form.replaceChildren();
  const root = page.schema;
  for (const [name, prop] of Object.entries(root.properties)) form.append(render(prop, [name], name, true));
  $("field-name").textContent = page.scenario.title || page.scenario.name;
  fillStrategies();
  scheduleCheck();
}

function render(schema, path, label, open = false) {
  const s = { ...resolve(schema), description: schema.description || resolve(schema).description, units: schema.units || resolve(schema).units };
  const value = getAt(page.scenario, path);
  if (s.type === "object" && s.properties) return group(s, path, label, open, () => Object.entries(s.properties).map(([k, p]) => render(p, [...path, k], k)));
  if (s.type === "object" && s.additionalProperties && typeof s.additionalProperties === "object") return dictGroup(s, path, label, value || {});
  if (s.type === "array" && s.items && !s.prefixItems) return listGroup(s, path, label, value || []);
  return leaf(s, path, label, value);
}

function group(s, path, label, open, children) {
  const box = el("details", { "data-path": key(path) }, el("summary", {}, label, el("span", { class: "about", text: s.description || "" })));
  box.open = open && path.length === 1 && ["dynamics", "strategies"].includes(path[0]);
  box.append(el("div", { class: "error" }), ...children());
  return box;
}

function dictGroup(s, path, label, value) {
  const inner = resolve(s.additionalProperties);
  const isTable = inner.type === "object";
  return group(s, path, label, false, () => {
    const parts = Object.keys(value).map((k) => {
      const child = render(s.additionalProperties, [...path, k], k);
      if (!isTable) return child;
      child.append(el("div", { class: "entry-tools" }, el("button", { text: `Remove ${k}`, onclick: () => { setAt(page.scenario, [...path, k], undefined); renderForm(); } })));
      return child;
    });
    const name = el("input", { type: "text", placeholder: "new key", size: "14" });
    const add = el("button", { text: "Add", onclick: () => {
      const first = Object.values(value)[0];
      if (!name.value) return;
      setAt(page.scenario, [...path, name.value], first !== undefined ? structuredClone(first) : (isTable ? {} : 0));
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
  input.addEventListener("change", () => changed(input.value === "" ? null : Number(input.value)));
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
function scheduleCheck() {
  clearTimeout(page.checkTimer);
  page.checkTimer = setTimeout(checkScenario, 250);
}

async function checkScenario() {
  const r = await post("/api/scenario/check", { scenario: page.scenario });
  for (const node of document.querySelectorAll("#form .error")) node.textContent = "";
  for (const node of document.querySelectorAll("#form .bad")) node.classList.remove("bad");
  const status = $("check-status");
  if (r.ok) {
    status.textContent = `valid: ${fmt(r.data.agents)} agents, ${fmt(r.data.steps)} steps`;
    status.className = "good";
    fillStrategies();
    return true;
  }
  status.textContent = detail(r);
  status.className = "bad";
  for (const e of (r.data && r.data.errors) || []) showError(e.field, e.message);
  return false;
}

function showError(field, message) {
  const parts = (field || "").split(".");
  while (parts.length) {  // the nearest control or table that holds the field
    const holder = document.querySelector(`#form [data-path="${CSS.escape(parts.join("."))}"]`);
    if (holder) {
      const slot = holder.querySelector(":scope > .error");
      slot.textContent = parts.join(".") === field ? message : `${field}: ${message}`;
      holder.classList.add("bad");
      let up = holder.parentElement;
      while (up) { if (up.tagName === "DETAILS") up.open = true; up = up.parentElement; }
      return;
    }
    parts.pop();
  }
}

async function openBuiltin() {
  const r = await api(`/api/scenarios/${encodeURIComponent($("builtin").value)}`);
  if (!r.ok) { $("check-status").textContent = detail(r); return; }
  page.scenario = r.data;
  renderForm();
}

async function openFile(event) {
  const file = event.target.files[0];
  if (!file) return;
  const r = await post("/api/scenario/parse", { text: await file.text() });
  if (!r.ok) { $("check-status").textContent = detail(r); $("check-status").className = "bad"; return; }
  page.scenario = r.data;
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
  select.replaceChildren(...Object.keys(page.scenario.strategies || {}).map((k) => el("option", { value: k, text: k })));
  select.value = before && page.scenario.strategies[before] ? before : page.scenario.default_strategy;
}

// ---- run and watch ----
const numberOr = (id) => ($(id).value === "" ? null : Number($(id).value));

async function startRun() {
  const body = { scenario: page.scenario, strategy: $("strategy").value, seed: Number($("seed").value || 0), steps: numberOr("steps") };
  $("run-summary").replaceChildren(); $("run-files").replaceChildren(); $("flows").replaceChildren();
  const r = await post("/api/runs", body);
  if (!r.ok) { $("run-status").textContent = detail(r); return; }
  page.columns = r.data.columns;
  const job = r.data, rows = [];
  $("run-progress").max = job.total; $("cancel-run").disabled = false; $("run").disabled = true;
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

function drawRun(rows) {
  const col = (name) => rows.map((r) => r[page.columns.indexOf(name)]);
  const weeks = rows.map((_, i) => i * (page.scenario.step_weeks || 1));
  drawChart($("chart"), weeks, { "the group's members": col("group_members"), "holding the group's views": col("won") });
}

function drawChart(svg, xs, lines) {
  const W = 720, H = 300, L = 60, R = 170, T = 15, B = 35;
  const all = Object.values(lines).flat().filter(Number.isFinite);
  const yMax = Math.max(1, ...all), xMax = Math.max(1, ...xs);
  const x = (v) => L + (v / xMax) * (W - L - R), y = (v) => H - B - (v / yMax) * (H - T - B);
  const colors = ["#1565c0", "#e65100", "#2e7d32", "#6a1b9a"];
  const parts = [`<line x1="${L}" y1="${H - B}" x2="${W - R}" y2="${H - B}" stroke="#90a4ae"/>`, `<line x1="${L}" y1="${T}" x2="${L}" y2="${H - B}" stroke="#90a4ae"/>`,
    `<text x="${L - 5}" y="${T + 4}" text-anchor="end">${fmt(yMax)}</text>`, `<text x="${L - 5}" y="${H - B}" text-anchor="end">0</text>`,
    `<text x="${W - R}" y="${H - B + 15}" text-anchor="end">week ${fmt(xMax)}</text>`, `<text x="${L}" y="${H - B + 15}">0</text>`];
  Object.entries(lines).forEach(([name, ys], i) => {
    const points = ys.map((v, k) => `${x(xs[k]).toFixed(1)},${y(v).toFixed(1)}`).join(" ");
    parts.push(`<polyline class="series" data-points="${ys.length}" fill="none" stroke="${colors[i]}" stroke-width="2" points="${points}"/>`);
    parts.push(`<rect x="${W - R + 10}" y="${T + 18 * i}" width="12" height="3" fill="${colors[i]}"/><text x="${W - R + 26}" y="${T + 18 * i + 5}">${name}</text>`);
  });
  svg.innerHTML = parts.join("");
}

function table(head, rows, id) {
  const t = el("table", id ? { id } : {});
  t.append(el("tr", {}, ...head.map((h) => el("th", { text: h }))));
  for (const r of rows) t.append(el("tr", {}, ...r.map((c) => el("td", { text: c }))));
  return t;
}

function showRunResult(result, experiment) {
  const s = result.summary;
  $("run-summary").replaceChildren(
    el("h2", { text: `${s.scenario} — ${s.strategy} (seed ${s.seed}, ${fmt(s.weeks)} weeks, ${fmt(s.agents)} agents)` }),
    table(["organization", "members at start", "at end", "kernel at start", "at end"],
      s.organizations.map((o) => [o.name, fmt(o.size_start), fmt(o.size_end), fmt(o.kernel_start), fmt(o.kernel_end)]), "summary-table"),
    table(["the group", "value"], [["members (start → end)", `${fmt(s.group_members_start)} → ${fmt(s.group_members_end)}`],
      ["cadre at end", fmt(s.group_cadre_end)], ["holding its views (start → end)", `${fmt(s.won_start)} → ${fmt(s.won_end)}`], ["expelled", fmt(s.expelled)]]));
  drawFlows($("flows"), result.flows, result.labels);
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
    parts.push(`<path class="flow" d="M200,${yAt(i)} C360,${yAt(i)} 360,${yAt(j)} 520,${yAt(j)}" stroke="hsl(${(i * 67) % 360},60%,45%)" stroke-opacity="0.45" stroke-width="${w.toFixed(1)}" fill="none"><title>${labels[i]} → ${labels[j]}: ${fmt(v)} persons</title></path>`);
  }));
  labels.forEach((name, i) => {
    parts.push(`<text x="190" y="${yAt(i) + 4}" text-anchor="end">${name}</text><text x="530" y="${yAt(i) + 4}">${name}</text>`);
  });
  parts.push(`<text x="360" y="${H - 6}" text-anchor="middle">persons who moved over the run (widest: ${fmt(most)})</text>`);
  svg.innerHTML = parts.join("");
}

function fileLinks(name, files) {
  const list = el("p", {});
  for (const f of files) list.append(el("a", { href: fileUrl(name, f), download: f, text: f }), " ");
  return list;
}

async function cancelJob(id) { if (id) await post(`/api/jobs/${id}/cancel`, {}); }

// ---- weigh ----
async function startWeigh() {
  const body = { scenario: page.scenario, samples: Number($("samples").value), replications: Number($("replications").value),
    seed: Number($("weigh-seed").value || 0), steps: numberOr("weigh-steps") };
  $("open-weigh").hidden = true;
  const r = await post("/api/weighs", body);
  if (!r.ok) { $("weigh-status").textContent = detail(r); return; }
  let view = r.data;
  page.weighJob = view.id;
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
  const open = $("open-weigh");
  open.hidden = false;
  open.onclick = () => { showTab("experiments"); openExperiment(view.experiment); };
}

// ---- the store ----
async function listExperiments() {
  const r = await api("/api/experiments");
  const t = $("experiments");
  t.replaceChildren(el("tr", {}, ...["experiment", "kind", "scenario", "runs stored", "failed", "planned", "status", ""].map((h) => el("th", { text: h }))));
  if (!r.ok) return;
  for (const e of r.data) {
    t.append(el("tr", {}, ...[e.name, e.kind, e.scenario, e.stored, e.failed, e.planned, e.status].map((c) => el("td", { text: String(c) })),
      el("td", {}, el("button", { text: "Open", "data-open": e.name, onclick: () => openExperiment(e.name) }))));
  }
}

async function openExperiment(name) {
  const r = await api(`/api/experiments/${encodeURIComponent(name)}`);
  const box = $("experiment");
  if (!r.ok) { box.replaceChildren(el("p", { text: detail(r) })); return; }
  const e = r.data, s = e.settings;
  box.replaceChildren(el("h2", { text: `${e.name} (${s.kind}, ${e.status})` }),
    el("p", { text: Object.entries(s).filter(([k]) => k !== "strategies").map(([k, v]) => `${k}: ${v}`).join(" · ") }));
  if (e.ranking) {
    box.append(el("p", { class: "conclusion", text: e.ranking.conclusion }), el("h3", { text: "Ranking" }), table(e.ranking.head, e.ranking.rows, "ranking"));
  }
  const shown = e.summary.length ? Object.keys(e.summary[0]).filter((k) => !["strategy", "ok", "failed"].includes(k)) : [];
  box.append(el("h3", { text: "Runs per strategy: median [5%, 95%]" }),
    table(["strategy", "ok", "failed", ...shown], e.summary.map((row) => [row.strategy, row.ok, row.failed, ...shown.map((k) => row[k] ? `${fmt(row[k][1])} [${fmt(row[k][0])}, ${fmt(row[k][2])}]` : "–")]), "experiment-summary"));
  if (e.series) {
    const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
    svg.setAttribute("viewBox", "0 0 720 300");
    box.append(el("h3", { text: "Trajectories" }), svg);
    drawChart(svg, e.series.week, { "the group's members": e.series.group_members, "holding the group's views": e.series.won });
  }
  for (const f of e.files.filter((f) => f.endsWith(".png"))) box.append(el("img", { src: fileUrl(e.name, f), alt: f }));
  box.append(el("h3", { text: "Files" }), fileLinks(e.name, e.files));
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
  const [schema, names] = await Promise.all([api("/api/schema"), api("/api/scenarios")]);
  if (!schema.ok) { document.body.prepend(el("p", { class: "error", text: detail(schema) })); return; }
  page.schema = schema.data;
  $("builtin").replaceChildren(...names.data.map((n) => el("option", { value: n, text: n })));
  await openBuiltin();
  document.body.dataset.ready = "yes";
}
start();
