// gongfu web page: household calculator (POST /calc, ?explain=) and reform scenarios (POST /compare).
// Plain JavaScript, no dependencies, no network beyond this server.
"use strict";

const UI = {
  en: {
    title: "gongfu — China's taxes and transfers", api_docs: "API docs", tab_household: "Household",
    tab_scenario: "Reform scenario", example: "Example", example_none: "— choose an example —", year: "Year",
    province: "Province of residence", area: "Area", urban: "Urban", rural: "Rural", tenure: "Housing",
    owner: "Owner", renter: "Renter", other: "Other", reform: "Reform", baseline: "Law in force (baseline)",
    persons: "Persons", name: "Name", age: "Age", sex: "Sex", hukou_province: "Hukou province",
    hukou_type: "Hukou", employment_status: "Activity", wage_income: "Wages (yuan/yr)",
    self_employment_income: "Business income", agricultural_income: "Farm income",
    disability_grade: "Disability grade", add_person: "+ Add a person", calculate: "Calculate",
    results_household: "Household (yuan per year)", results_persons: "Persons (yuan per year)",
    explain_hint: "Click any figure to see where it comes from: the rule, the parameters in force and the law.",
    explain: "Explanation", scenario: "Scenario", households_sampled: "Households in the sample", seed: "Seed",
    run: "Run on the sample", running: "Running the sample… (a few seconds per thousand households)",
    headline: "Headline numbers", deciles: "Change by income decile", programmes: "Programmes",
    same_as_residence: "same as residence", variable: "Variable", value: "Value", change: "Change",
    net_cost: "Net cost to government", gini_change: "Gini (disposable income)", ur_change: "Urban/rural ratio",
    mean_change: "Mean disposable income per person", gain: "Gain more than 1%", lose: "Lose more than 1%",
    per_year: "per year", decile_axis: "Decile of baseline disposable income per person",
    change_axis: "Mean change (yuan per person per year)", total: "Total", given: "given", default: "default",
    since: "since", see_above: "see above", parameter: "parameter", none: "none", remove: "Remove",
    sample_note: (h, p, w) => `Sample: ${h} households, ${p} persons, weighted to the whole country; ${w}.`,
    ci95: "95% interval",
    ci_note: "Intervals are sampling uncertainty (household replicate weights): another sample would give other figures.",
    footer: "gongfu is open-source software; figures are estimates from a synthetic population calibrated to official statistics.",
    error: "Error", male: "male", female: "female",
  },
  zh: {
    title: "共富 — 中国税收与转移支付模拟", api_docs: "API 文档", tab_household: "家庭计算器", tab_scenario: "改革方案",
    example: "示例", example_none: "— 选择示例家庭 —", year: "年份", province: "常住省份", area: "城乡",
    urban: "城镇", rural: "农村", tenure: "住房", owner: "自有", renter: "租住", other: "其他", reform: "改革方案",
    baseline: "现行政策(基线)", persons: "家庭成员", name: "姓名", age: "年龄", sex: "性别",
    hukou_province: "户籍省份", hukou_type: "户籍类型", employment_status: "就业状况", wage_income: "工资(元/年)",
    self_employment_income: "经营收入", agricultural_income: "农业收入", disability_grade: "残疾等级",
    add_person: "+ 添加成员", calculate: "计算", results_household: "家庭户(元/年)", results_persons: "个人(元/年)",
    explain_hint: "点击任一数字,查看其来源:规则、现行参数和法律依据。", explain: "计算说明", scenario: "方案",
    households_sampled: "样本户数", seed: "随机种子", run: "在样本上运行", running: "正在运行样本…(每千户约数秒)",
    headline: "主要结果", deciles: "按收入十等分组的变化", programmes: "各项目", same_as_residence: "同常住地",
    variable: "变量", value: "数值", change: "变化", net_cost: "政府净成本", gini_change: "基尼系数(可支配收入)",
    ur_change: "城乡收入比", mean_change: "人均可支配收入", gain: "增收超过1%", lose: "减收超过1%", per_year: "每年",
    decile_axis: "基线人均可支配收入十等分组", change_axis: "人均变化(元/年)", total: "合计", given: "输入",
    default: "默认值", since: "自", see_above: "见上", parameter: "参数", none: "无", remove: "删除",
    sample_note: (h, p, w) => `样本:${h} 户、${p} 人,加权推算至全国;${w}。`,
    ci95: "95%区间", ci_note: "区间为抽样不确定性(按户重复权重):换一个样本,数字会不同。",
    footer: "共富(gongfu)是开源软件;结果为基于按官方统计校准的合成人口的估算。", error: "错误", male: "男", female: "女",
  },
};

const HEAD_HH = ["household_size", "market_income", "total_taxes", "total_contributions", "total_benefits", "dibao",
  "tekun", "disposable_income", "per_capita_disposable_income", "income_after_philanthropy"];
const HEAD_PERSON = ["age", "employment_status", "wage_income", "gross_wages", "self_employment_income",
  "agricultural_income", "social_insurance_contributions", "individual_income_tax", "employee_pension",
  "resident_pension"];
const ROLES = ["tax", "contribution", "benefit", "charity"];
const FORM_PERSON = ["name", "age", "sex", "hukou_province", "hukou_type", "employment_status", "wage_income",
  "self_employment_income", "agricultural_income", "disability_grade"];

const state = { lang: localStorage.getItem("gongfu.lang") || "en", codes: null, vars: {}, scenarios: [],
  examples: [], lastCalc: null, lastBody: null, lastExplain: null, lastCompare: null, extraHousehold: {} };

const $ = (sel) => document.querySelector(sel);
const tr = (key) => (UI[state.lang][key] ?? UI.en[key] ?? key);
const esc = (s) => String(s ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") node.className = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else if (v !== null && v !== undefined && v !== false) node.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return node;
}

async function api(path, body) {
  const opts = body === undefined ? {} : { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) };
  const res = await fetch(path, opts);
  const data = await res.json().catch(() => ({}));
  if (!res.ok) {
    const detail = Array.isArray(data.detail) ? data.detail.map((d) => d.msg).join("\n") : (data.detail || res.statusText);
    throw new Error(detail);
  }
  return data;
}

// ---------------------------------------------------------------- formatting
const locale = () => (state.lang === "zh" ? "zh-CN" : "en-US");
const fmt = (v, digits = 0) => (typeof v === "number" ? v.toLocaleString(locale(), { minimumFractionDigits: digits, maximumFractionDigits: digits }) : String(v ?? "—"));
const signed = (v, digits = 0) => (v > 0 ? "+" : v < 0 ? "−" : "") + fmt(Math.abs(v), digits);
function money(v) {
  if (typeof v !== "number") return "—";
  return state.lang === "zh" ? `${fmt(v / 1e8, 1)} 亿元` : `${fmt(v / 1e9, 1)} bn yuan`;
}
const pct = (v, d = 1) => (typeof v === "number" ? `${(v * 100).toFixed(d)}%` : "—");
function label(name) {
  const v = state.vars[name];
  return v ? (v.label[state.lang] || v.label.en || name) : name;
}
function enumLabel(enumName, key) {
  const e = state.codes?.enums?.[enumName]?.[key];
  return e ? (e[state.lang] || e.en) : key;
}
function provinceLabel(key) {
  const p = state.codes?.provinces.find((x) => x.key === key || x.code === Number(key));
  return p ? (state.lang === "zh" ? p.zh : p.en) : String(key);
}
function showValue(name, value) {
  const v = state.vars[name];
  if (typeof value === "boolean") return state.lang === "zh" ? (value ? "是" : "否") : (value ? "yes" : "no");
  if (v && v.unit === "GB/T 2260") return provinceLabel(value);
  if (typeof value === "string") {
    const enums = { employment_status: "EmploymentStatus", hukou_type: "HukouType", area: "Area", sex: "Sex",
      tenure: "Tenure", role: "Role", pension_scheme: "PensionScheme" };
    return enums[name] ? enumLabel(enums[name], value) : value;
  }
  if (typeof value === "number") return v && v.dtype === "float" ? fmt(value, value % 1 ? 2 : 0) : fmt(value);
  return String(value ?? "—");
}

// ---------------------------------------------------------------- language
function applyLang() {
  document.documentElement.lang = state.lang === "zh" ? "zh-CN" : "en";
  document.querySelectorAll("[data-t]").forEach((n) => { n.textContent = tr(n.dataset.t); });
  $("#lang").textContent = state.lang === "zh" ? "English" : "中文";
  fillProvinceSelect($("#province"));
  document.querySelectorAll("#persons tbody tr").forEach(refreshPersonRow);
  fillReformSelects();
  fillExamples();
  if (state.lastCalc) renderCalc(state.lastCalc);
  if (state.lastExplain) renderExplain(state.lastExplain);
  if (state.lastCompare) renderCompare(state.lastCompare);
  describeScenario();
}

// ---------------------------------------------------------------- form
function fillProvinceSelect(select, withDefault = false) {
  const current = select.value;
  select.innerHTML = "";
  if (withDefault) select.append(el("option", { value: "" }, tr("same_as_residence")));
  for (const p of state.codes.provinces) select.append(el("option", { value: p.key }, state.lang === "zh" ? p.zh : p.en));
  if (current) select.value = current;
}

function enumSelect(enumName, value, withDefault = true) {
  const s = el("select", {});
  if (withDefault) s.append(el("option", { value: "" }, "—"));
  for (const key of Object.keys(state.codes.enums[enumName])) s.append(el("option", { value: key }, enumLabel(enumName, key)));
  s.value = value ?? "";
  s.dataset.enum = enumName;
  return s;
}

function personRow(p = {}) {
  const row = el("tr");
  const extra = Object.fromEntries(Object.entries(p).filter(([k]) => !FORM_PERSON.includes(k)));
  row.dataset.extra = JSON.stringify(extra);
  const cell = (child, field) => el("td", { "data-field": field }, child);
  const num = (field, min = 0) => el("input", { type: "number", min, step: "any", class: "num", value: p[field] ?? "" });
  const hp = el("select", {});
  fillProvinceSelect(hp, true);
  hp.value = p.hukou_province ?? "";
  const grade = el("select", {});
  for (const g of [0, 1, 2, 3, 4]) grade.append(el("option", { value: g }, g === 0 ? tr("none") : String(g)));
  grade.value = p.disability_grade ?? 0;
  row.append(
    cell(el("input", { type: "text", value: p.name ?? `person${document.querySelectorAll("#persons tbody tr").length + 1}` }), "name"),
    cell(el("input", { type: "number", min: 0, max: 130, value: p.age ?? 30, style: "min-width:3.5rem" }), "age"),
    cell(enumSelect("Sex", p.sex), "sex"),
    cell(hp, "hukou_province"),
    cell(enumSelect("HukouType", p.hukou_type), "hukou_type"),
    cell(enumSelect("EmploymentStatus", p.employment_status), "employment_status"),
    cell(num("wage_income"), "wage_income"),
    cell(num("self_employment_income", ""), "self_employment_income"),
    cell(num("agricultural_income", ""), "agricultural_income"),
    cell(grade, "disability_grade"),
    el("td", {}, el("button", { type: "button", class: "remove", title: tr("remove"), onclick: () => { row.remove(); } }, "×")),
  );
  return row;
}

function refreshPersonRow(row) {
  row.querySelectorAll("select[data-enum]").forEach((s) => {
    const v = s.value; s.replaceWith(enumSelect(s.dataset.enum, v)); });
  fillProvinceSelect(row.querySelector("[data-field=hukou_province] > select"), true);
  const grade = row.querySelector("[data-field=disability_grade] > select");
  if (grade) grade.options[0].textContent = tr("none");
}

function readForm() {
  const household = { ...state.extraHousehold, province: $("#province").value, area: $("#area").value, tenure: $("#tenure").value };
  const persons = [];
  for (const row of document.querySelectorAll("#persons tbody tr")) {
    const p = JSON.parse(row.dataset.extra || "{}");
    row.querySelectorAll("td[data-field]").forEach((td) => {
      const field = td.dataset.field;
      const raw = td.firstChild.value;
      if (raw === "" || raw === undefined) return;
      if (["age", "wage_income", "self_employment_income", "agricultural_income", "disability_grade"].includes(field)) {
        const n = Number(raw);
        if (field === "disability_grade" && n === 0) return;
        p[field] = n;
      } else p[field] = raw;
    });
    persons.push(p);
  }
  const body = { year: Number($("#year").value) || 2025, household, persons };
  const reform = $("#hh-reform").value;
  if (reform && reform !== "baseline") body.reform = reform;
  return body;
}

function loadHousehold(hh) {
  $("#year").value = hh.year ?? 2025;
  const { province, area, tenure, ...rest } = hh.household;
  state.extraHousehold = rest;
  $("#province").value = province;
  $("#area").value = area ?? "urban";
  $("#tenure").value = tenure ?? "owner";
  const body = $("#persons tbody");
  body.innerHTML = "";
  for (const p of hh.persons) body.append(personRow(p));
}

// ---------------------------------------------------------------- results
function shown(entityValues, head) {
  const names = head.filter((n) => n in entityValues && state.vars[n]);
  for (const [n, v] of Object.entries(state.vars)) {
    if (ROLES.includes(v.role) && !names.includes(n) && n in entityValues) {
      const val = entityValues[n];
      if (typeof val === "number" && val !== 0) names.push(n);
    }
  }
  return names;
}

function explainLink(name, text) {
  return el("a", { href: "#", title: `${tr("explain")}: ${name}`, onclick: (ev) => { ev.preventDefault(); explain(name); } }, text);
}

function renderCalc(res) {
  $("#hh-results").hidden = false;
  const h = res.household;
  const cards = $("#hh-cards");
  cards.innerHTML = "";
  for (const n of ["disposable_income", "per_capita_disposable_income", "total_taxes", "total_contributions", "total_benefits"]) {
    if (!(n in h)) continue;
    cards.append(el("div", { class: "kpi" }, el("div", { class: "label" }, label(n)),
      el("div", { class: "value" }, explainLink(n, fmt(h[n]))), el("div", { class: "sub" }, state.lang === "zh" ? "元/年" : "yuan / year")));
  }
  const table = $("#hh-table");
  table.innerHTML = "";
  table.append(el("thead", {}, el("tr", {}, el("th", {}, tr("variable")), el("th", {}, ""), el("th", {}, tr("value")))));
  const tb = el("tbody");
  for (const n of shown(h, HEAD_HH)) {
    tb.append(el("tr", {}, el("td", {}, label(n)), el("td", { class: "var" }, n), el("td", {}, explainLink(n, showValue(n, h[n])))));
  }
  table.append(tb);
  const pt = $("#person-table");
  pt.innerHTML = "";
  const names = [...new Set(res.persons.flatMap((p) => shown(p, HEAD_PERSON)))];
  pt.append(el("thead", {}, el("tr", {}, el("th", {}, tr("variable")), el("th", {}, ""), ...res.persons.map((p) => el("th", {}, p.name)))));
  const pb = el("tbody");
  for (const n of names) {
    pb.append(el("tr", {}, el("td", {}, label(n)), el("td", { class: "var" }, n),
      ...res.persons.map((p) => el("td", {}, explainLink(n, showValue(n, p[n]))))));
  }
  pt.append(pb);
}

function paramValue(p) {
  const v = p.value;
  if (v && typeof v === "object" && Array.isArray(v.thresholds)) {
    return v.rates.map((r, i) => `${(r * 100).toFixed(r * 100 % 1 ? 1 : 0)}% > ${fmt(v.thresholds[i])}`).join(", ");
  }
  if (v && typeof v === "object" && v.by_province_code) {
    return Object.entries(v.by_province_code).map(([code, x]) => `${provinceLabel(code)}: ${typeof x === "object"
      ? Object.entries(x).map(([a, y]) => `${tr(a)} ${fmt(y)}`).join(" / ") : fmt(x)}`).join("; ");
  }
  if (typeof v === "number") return fmt(v, v % 1 ? 4 : 0).replace(/0+$/, "").replace(/[.,]$/, "");
  if (typeof v === "boolean") return showValue("", v);
  return typeof v === "object" ? JSON.stringify(v) : String(v);
}

function traceNode(node, depth = 0) {
  const li = el("li");
  const nameText = node.label?.[state.lang] || node.label?.en || node.variable;
  const one = (x) => (typeof x === "number" ? fmt(x, x % 1 ? 2 : 0) : showValue(node.variable, x));
  const value = Array.isArray(node.value) ? node.value.map(one).join(", ") : one(node.value);
  const unit = ["code", "bool"].includes(node.unit) ? "" : (node.unit || "");
  const tag = node.source === "input" ? tr("given") : node.source === "default" ? tr("default") : null;
  const head = [el("span", { class: "name" }, nameText), el("span", { class: "code" }, node.variable),
    el("span", { class: "val" }, `= ${value} ${unit}`)];
  if (tag) head.push(el("span", { class: "tag" }, tag));
  if (node.see_above) {
    head.push(el("a", { class: "tag", href: "#", onclick: (ev) => { ev.preventDefault(); revealTrace(node.variable); } },
      tr("see_above")));
  } else li.dataset.var = node.variable;
  if (node.reference) head.push(el("span", { class: "ref" }, node.reference));
  const kids = [];
  for (const p of node.parameters || []) {
    const ref = typeof p.reference === "object" && p.reference ? [p.reference.title, p.reference.article].filter(Boolean).join(" ") : (p.reference || "");
    const punit = ["bool", "rate", "ratio"].includes(p.unit) ? "" : (p.unit || "");
    kids.push(el("li", { class: "param" }, el("span", { class: "tag" }, tr("parameter")), " ",
      el("span", { class: "name" }, p.label?.[state.lang] || p.label?.en || p.parameter), el("span", { class: "code" }, p.parameter),
      el("span", { class: "val" }, `= ${paramValue(p)} ${punit}`),
      el("span", { class: "ref" }, `${tr("since")} ${p.in_force_since || "—"} · ${ref}`)));
  }
  for (const c of node.inputs || []) kids.push(traceNode(c, depth + 1));
  if (kids.length) {
    const det = el("details", { open: depth < 2 }, el("summary", {}, ...head), el("ul", {}, ...kids));
    li.append(det);
  } else li.append(...head);
  return li;
}

function revealTrace(variable) {
  // the first explanation of a repeated figure may sit in a collapsed branch: open its ancestors and show it
  const target = document.querySelector(`#explain-tree li[data-var="${CSS.escape(variable)}"]`);
  if (!target) return;
  for (let n = target; n && n.id !== "explain-tree"; n = n.parentElement) if (n.tagName === "DETAILS") n.open = true;
  const det = target.querySelector(":scope > details");
  if (det) det.open = true;
  target.scrollIntoView({ behavior: "smooth", block: "center" });
  target.classList.add("flash");
  setTimeout(() => target.classList.remove("flash"), 1500);
}

function renderExplain(res) {
  $("#explain-card").hidden = false;
  $("#explain-title").textContent = `${label(res.variable)} (${res.variable})`;
  const tree = $("#explain-tree");
  tree.innerHTML = "";
  tree.append(el("ul", {}, traceNode(res.trace)));
}

async function calculate(ev) {
  ev?.preventDefault();
  const body = readForm();
  $("#hh-error").hidden = true;
  $("#calc").disabled = true;
  try {
    state.lastCalc = await api("/calc", body);
    state.lastBody = body;
    state.lastExplain = null;
    $("#explain-card").hidden = true;
    renderCalc(state.lastCalc);
  } catch (e) {
    $("#hh-error").textContent = `${tr("error")}: ${e.message}`;
    $("#hh-error").hidden = false;
  } finally { $("#calc").disabled = false; }
}

async function explain(name, scroll = true) {
  try {
    state.lastExplain = await api(`/calc?explain=${encodeURIComponent(name)}`, state.lastBody || readForm());
    renderExplain(state.lastExplain);
    if (scroll) $("#explain-card").scrollIntoView({ behavior: "smooth", block: "start" });
  } catch (e) {
    $("#hh-error").textContent = `${tr("error")}: ${e.message}`;
    $("#hh-error").hidden = false;
  }
}

// ---------------------------------------------------------------- scenarios
function scenarioName(s) { return s.name[state.lang] || s.name.en || s.key; }

function fillReformSelects() {
  document.querySelectorAll(".reform-select").forEach((select) => {
    const current = select.value;
    select.innerHTML = "";
    if (select.id === "hh-reform") select.append(el("option", { value: "baseline" }, tr("baseline")));
    for (const s of state.scenarios) select.append(el("option", { value: s.key }, scenarioName(s)));
    if (current) select.value = current;
  });
}

function fillExamples() {
  const select = $("#example");
  const current = select.value;
  select.innerHTML = "";
  select.append(el("option", { value: "" }, tr("example_none")));
  state.examples.forEach((x, i) => select.append(el("option", { value: i }, x.title[state.lang] || x.title.en)));
  select.value = current;
}

function describeScenario() {
  const s = state.scenarios.find((x) => x.key === $("#sc-reform").value);
  $("#sc-description").textContent = s ? (s.description[state.lang] || s.description.en || "") : "";
}

function kpi(labelText, value, sub, cls = "") {
  return el("div", { class: "kpi" }, el("div", { class: "label" }, labelText), el("div", { class: `value ${cls}` }, value),
    sub ? el("div", { class: "sub" }, sub) : "");
}

// The 95% sampling interval of a figure from the run's `uncertainty` ("95% interval lo – hi"), or "" without one.
function interval(res, key, f) {
  const u = res && res.uncertainty && res.uncertainty[key];
  return u && Array.isArray(u.ci95) ? `${tr("ci95")} ${f(u.ci95[0])} – ${f(u.ci95[1])}` : "";
}

function renderCompare(c) {
  $("#sc-results").hidden = false;
  const b = c.baseline, r = c.reform;
  const dg = r.gini - b.gini, du = r.urban_rural_ratio - b.urban_rural_ratio;
  const dm = r.income.disposable.mean - b.income.disposable.mean;
  const wl = c.winners_losers || {};
  const cards = $("#sc-cards");
  cards.innerHTML = "";
  cards.append(
    kpi(tr("net_cost"), money(c.net_cost), [tr("per_year"), interval(c, "net_cost", money)].filter(Boolean).join(" · ")),
    kpi(tr("gini_change"), signed(dg, 4), [`${b.gini.toFixed(3)} → ${r.gini.toFixed(3)}`,
      interval(c, "change.gini", (v) => signed(v, 4))].filter(Boolean).join(" · "), dg <= 0 ? "pos" : "neg"),
    kpi(tr("ur_change"), signed(du, 3), `${b.urban_rural_ratio.toFixed(2)} → ${r.urban_rural_ratio.toFixed(2)}`, du <= 0 ? "pos" : "neg"),
    kpi(tr("mean_change"), `${signed(dm)} ${state.lang === "zh" ? "元" : "yuan"}`, tr("per_year"), dm >= 0 ? "pos" : "neg"),
    kpi(tr("gain"), pct(wl.gain_over_1pct), "", "pos"),
    kpi(tr("lose"), pct(wl.lose_over_1pct), "", wl.lose_over_1pct > 0 ? "neg" : ""),
  );
  const pop = b.meta?.population || {};
  $("#sc-meta").textContent = UI[state.lang].sample_note(fmt(pop.households_sampled), fmt(pop.persons_sampled),
    `gongfu ${b.meta?.gongfu_version || ""}, ${tr("seed").toLowerCase()} ${pop.seed ?? "—"}`)
    + (c.uncertainty && c.uncertainty.net_cost ? " " + tr("ci_note") : "");
  $("#deciles-chart").innerHTML = decileChart(c.deciles || []);
  const t = $("#sc-programmes");
  t.innerHTML = "";
  t.append(el("thead", {}, el("tr", {}, el("th", {}, tr("programmes")), el("th", {}, tr("baseline")), el("th", {}, tr("reform")), el("th", {}, tr("change")))));
  const tb = el("tbody");
  const roleOf = (n) => ROLES.indexOf((r.programmes[n] || b.programmes[n]).role);
  const names = [...new Set([...Object.keys(b.programmes), ...Object.keys(r.programmes)])]
    .sort((x, y) => roleOf(x) - roleOf(y) || x.localeCompare(y));
  for (const n of names) {
    const x = b.programmes[n]?.total ?? 0, y = r.programmes[n]?.total ?? 0;
    const lab = (r.programmes[n] || b.programmes[n]).label;
    tb.append(el("tr", {}, el("td", {}, lab?.[state.lang] || lab?.en || n), el("td", {}, money(x)), el("td", {}, money(y)),
      el("td", {}, y === x ? "0" : (y > x ? "+" : "") + money(y - x))));
  }
  t.append(tb);
}

function niceStep(raw) {
  const p = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 2.5, 5, 10].map((m) => m * p).find((x) => x >= raw);
}

function decileChart(rows) {
  if (!rows.length) return "";
  const W = 760, H = 320, L = 70, R = 20, T = 20, B = 60;
  const vals = rows.map((d) => d.mean_change);
  const step = niceStep((Math.max(0, ...vals) - Math.min(0, ...vals)) / 5 || 1);
  const max = Math.ceil(Math.max(0, ...vals) / step) * step, min = Math.floor(Math.min(0, ...vals) / step) * step;
  const span = max - min || 1;
  const y = (v) => T + (max - v) / span * (H - T - B);
  const bw = (W - L - R) / rows.length;
  let svg = `<svg viewBox="0 0 ${W} ${H}" width="100%" role="img" aria-label="${esc(tr("deciles"))}">`;
  for (let v = min; v <= max + step / 2; v += step) {
    svg += `<line x1="${L}" x2="${W - R}" y1="${y(v)}" y2="${y(v)}" stroke="#eceef2"/>`;
    svg += `<text x="${L - 6}" y="${y(v) + 4}" font-size="11" text-anchor="end" fill="#5a6472">${esc(fmt(v))}</text>`;
  }
  rows.forEach((d, i) => {
    const x = L + i * bw + bw * 0.15, h = Math.abs(y(d.mean_change) - y(0));
    const top = d.mean_change >= 0 ? y(d.mean_change) : y(0);
    svg += `<rect x="${x}" y="${top}" width="${bw * 0.7}" height="${Math.max(h, 0.5)}" fill="${d.mean_change >= 0 ? "#2e8b57" : "#c0392b"}"><title>${esc(signed(d.mean_change))}</title></rect>`;
    const ly = d.mean_change >= 0 ? top - 4 : top + h + 12;
    svg += `<text x="${x + bw * 0.35}" y="${ly}" font-size="10.5" text-anchor="middle">${esc(typeof d.pct_change === "number" ? (d.pct_change >= 0 ? "+" : "") + (d.pct_change * 100).toFixed(1) + "%" : "")}</text>`;
    svg += `<text x="${x + bw * 0.35}" y="${H - B + 16}" font-size="12" text-anchor="middle">${d.decile}</text>`;
  });
  svg += `<line x1="${L}" x2="${W - R}" y1="${y(0)}" y2="${y(0)}" stroke="#333"/>`;
  svg += `<text x="${(L + W - R) / 2}" y="${H - 12}" font-size="12" text-anchor="middle" fill="#5a6472">${esc(tr("decile_axis"))}</text>`;
  svg += `<text x="14" y="${(T + H - B) / 2}" font-size="12" text-anchor="middle" fill="#5a6472" transform="rotate(-90 14 ${(T + H - B) / 2})">${esc(tr("change_axis"))}</text>`;
  return svg + "</svg>";
}

async function runScenario() {
  const body = { reform: $("#sc-reform").value, households: Number($("#sc-households").value) || 200000,
    seed: Number($("#sc-seed").value) || 0 };
  $("#sc-error").hidden = true;
  $("#sc-busy").hidden = false;
  $("#run").disabled = true;
  try {
    state.lastCompare = await api("/compare", body);
    renderCompare(state.lastCompare);
  } catch (e) {
    $("#sc-error").textContent = `${tr("error")}: ${e.message}`;
    $("#sc-error").hidden = false;
  } finally { $("#sc-busy").hidden = true; $("#run").disabled = false; }
}

// ---------------------------------------------------------------- start
function showTab(name) {
  document.querySelectorAll(".tab").forEach((t) => t.classList.toggle("active", t.dataset.tab === name));
  document.querySelectorAll(".panel").forEach((p) => p.classList.toggle("active", p.id === name));
}

async function start() {
  const params = new URLSearchParams(location.search);
  if (params.get("lang") === "zh" || params.get("lang") === "en") state.lang = params.get("lang");
  const [codes, vars, scenarios, examples] = await Promise.all([api("/codes"), api("/variables"), api("/scenarios"), api("/examples")]);
  state.codes = codes;
  if (codes.first_year) $("#year").min = codes.first_year;
  for (const v of vars) state.vars[v.name] = v;
  state.scenarios = scenarios;
  state.examples = examples;
  fillProvinceSelect($("#province"));
  $("#lang").addEventListener("click", () => { state.lang = state.lang === "zh" ? "en" : "zh"; localStorage.setItem("gongfu.lang", state.lang); applyLang(); });
  document.querySelectorAll(".tab").forEach((t) => t.addEventListener("click", () => showTab(t.dataset.tab)));
  $("#add-person").addEventListener("click", () => $("#persons tbody").append(personRow({ age: 30 })));
  $("#hh-form").addEventListener("submit", calculate);
  $("#example").addEventListener("change", (e) => { if (e.target.value !== "") { loadHousehold(state.examples[Number(e.target.value)].household); calculate(); } });
  $("#sc-reform").addEventListener("change", describeScenario);
  $("#run").addEventListener("click", runScenario);
  applyLang();
  if (state.examples.length) { $("#example").value = "0"; loadHousehold(state.examples[0].household); await calculate(); }
  if (params.get("tab") === "scenario") {
    showTab("scenario");
    if (params.get("scenario")) { $("#sc-reform").value = params.get("scenario"); describeScenario(); }
    if (params.get("households")) $("#sc-households").value = params.get("households");
    if (params.get("run")) await runScenario();
  }
  if (params.get("explain")) await explain(params.get("explain"), false);
}

start().catch((e) => { const box = $("#hh-error"); box.textContent = `${tr("error")}: ${e.message}`; box.hidden = false; });
