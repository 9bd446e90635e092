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
    scenario_sample: (n) => `This scenario runs on ${n} households by default: its net cost reaches a relative standard error of 2% only on a sample that large (docs/reforms.md, “Sampling precision of the library”).`,
    ci95: "95% interval",
    ci_note: "Intervals are sampling uncertainty (household replicate weights): another sample would give other figures.",
    footer: "gongfu is open-source software; figures are estimates from a synthetic population calibrated to official statistics.",
    error: "Error", male: "male", female: "female",
    col_baseline: "Baseline", col_reform: "Reform", col_change: "Change", baseline_short: "baseline",
    sweep_title: "Net income as earnings change",
    sweep_hint: "How the household's disposable income and its marginal effective tax rate (the share of one more yuan earned lost to taxes, contributions and withdrawn benefits) change as one person's income varies; everyone else stays as entered.",
    sweep_person: "Person", sweep_variable: "Income varied", sweep_from: "From (yuan/yr)", sweep_to: "To (yuan/yr)",
    sweep_step: "Step", sweep_draw: "Draw", net_income: "Disposable income", metr: "Marginal effective tax rate",
    yuan_year: "yuan / year", now: "now", chart_busy: "Drawing…",
    chart_note: (n, lo, hi) => `${n} points, each rate from the point before. Rates outside ${lo} to ${hi} are cut at the edge of the chart; point at the line for the values.`,
    chart_missing: "The chart library (vendor/echarts) could not be loaded; the figures above are unaffected.",
    share_link: "Link to this household", copy_link: "Copy link", copied: "Copied.", copy_failed: "Copy the address from the link instead.",
    bad_link: "This link could not be read", link_hh: "its household part (hh) is not valid",
    link_reform: (r) => `it names a reform that does not exist (${r}); the law in force is shown instead`,
    link_lang: (l) => `language "${l}" is not offered (en or zh)`,
    link_person: (p) => `the chart's person "${p}" is not in the household`,
    link_vary: (v) => `the chart cannot vary "${v}"`,
    link_number: (k) => `"${k}" is not a number of yuan`,
    link_calc: "The household in this link",
    projected: (y, last, n) => `${y} is past the last year with dated law (${last}): ${n} parameter(s) are projected by their uprating rules, whose growth indices are assumptions.`,
    ranges_title: "Where each programme is paid or charged along the chart", programme: "Programme",
    up_to: "at most", cliffs: "Cliffs: earning one step more lowers disposable income", no_cliffs: "No cliffs: disposable income never falls as earnings rise.",
    year_projected: (y) => `${y} (projected)`,
    link_year: (y, first, last) => `year "${y}" is not modelled (${first}–${last})`,
    window_title: "Cost by year", window_from: "From", window_to: "To", window_run: "Cost by year",
    window_hint: "The scenario chosen above against the law in force, year by year on one small sample: each household is computed once a year (15–30 s for 5,000 households over six years on two cores).",
    window_running: "Running every year… (a few seconds per year)", window_year: "Year", window_cost: "Net cost",
    window_real: "In 2025 prices", window_gini: "Gini change", window_law: "Law", law_known: "known", law_projected: "projected", law_projected_short: "proj.",
    window_total: "Total", window_axis: "Net cost (bn yuan per year)",
    window_projected: (ys, last) => `${ys} are past the last year with dated law (${last}): their parameters are projected by uprating rules whose growth indices are assumptions (lighter, hatched bars).`,
    window_meta: (h, seed) => `Sample: ${h} households, seed ${seed}, weighted to the whole country; the same households every year, reweighted to each year's demography and with incomes moved by the indices. Lines on the bars: 95% intervals (sampling uncertainty).`,
    window_order: "the last year is before the first",
    sc_year: (y, p) => `Year ${y}${p ? " (projected)" : ""}`,
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
    scenario_sample: (n) => `本方案默认在 ${n} 户样本上运行:只有这样大的样本才能使其净成本的相对标准误不超过2%(见 docs/reforms.md“方案库的抽样精度”)。`,
    ci95: "95%区间", ci_note: "区间为抽样不确定性(按户重复权重):换一个样本,数字会不同。",
    footer: "共富(gongfu)是开源软件;结果为基于按官方统计校准的合成人口的估算。", error: "错误", male: "男", female: "女",
    col_baseline: "现行政策", col_reform: "改革后", col_change: "变化", baseline_short: "现行政策",
    sweep_title: "收入变化时的家庭可支配收入",
    sweep_hint: "一名成员的收入变化(其他成员不变)时,家庭可支配收入和边际有效税率(多挣一元中因纳税、缴费和福利减少而失去的比例)如何变化。",
    sweep_person: "成员", sweep_variable: "变动的收入", sweep_from: "起点(元/年)", sweep_to: "终点(元/年)",
    sweep_step: "步长", sweep_draw: "绘制", net_income: "可支配收入", metr: "边际有效税率", yuan_year: "元/年",
    now: "当前", chart_busy: "正在绘制…",
    chart_note: (n, lo, hi) => `共 ${n} 个点,每点的税率按与前一点之差计算。超出 ${lo} 至 ${hi} 范围的税率在图边截断;指向曲线可查看数值。`,
    chart_missing: "无法加载图表库(vendor/echarts);上面的数字不受影响。",
    share_link: "本家庭的链接", copy_link: "复制链接", copied: "已复制。", copy_failed: "请直接复制链接地址。",
    bad_link: "无法读取此链接", link_hh: "其中的家庭数据(hh)无效",
    link_reform: (r) => `其中的改革方案不存在(${r}),现显示现行政策`,
    link_lang: (l) => `不提供语言“${l}”(可选 en 或 zh)`,
    link_person: (p) => `图表中的成员“${p}”不在此家庭中`,
    link_vary: (v) => `图表无法变动“${v}”`,
    link_number: (k) => `“${k}”不是以元计的数字`,
    link_calc: "此链接中的家庭",
    projected: (y, last, n) => `${y} 年晚于有法定数值的最后一年(${last} 年):${n} 个参数按其调整规则推算,所用增长指数为假设。`,
    ranges_title: "图中各项目的发放或征收区间", programme: "项目", up_to: "最多",
    cliffs: "断崖:收入再增加一步,可支配收入反而减少", no_cliffs: "无断崖:可支配收入不随收入增加而减少。",
    year_projected: (y) => `${y}（预测）`,
    link_year: (y, first, last) => `年份“${y}”不在模型范围内(${first}–${last} 年)`,
    window_title: "逐年成本", window_from: "起始年", window_to: "终止年", window_run: "计算逐年成本",
    window_hint: "上面所选方案与现行政策的逐年对比,使用同一个小样本:每户每年计算一次(5,000 户、六年在双核机器上约 15–30 秒)。",
    window_running: "正在逐年运行…(每年数秒)", window_year: "年份", window_cost: "净成本",
    window_real: "按2025年价格", window_gini: "基尼系数变化", window_law: "政策参数", law_known: "已知", law_projected: "预测", law_projected_short: "预测",
    window_total: "合计", window_axis: "净成本(亿元/年)",
    window_projected: (ys, last) => `${ys} 年晚于有法定数值的最后一年(${last} 年):参数按调整规则推算,所用增长指数为假设(图中浅色斜线柱)。`,
    window_meta: (h, seed) => `样本:${h} 户,随机种子 ${seed},加权推算至全国;每年使用同一批样本户,按当年人口结构重新加权,收入按指数调整。柱上竖线:95%区间(抽样不确定性)。`,
    window_order: "终止年早于起始年",
    sc_year: (y, p) => `${y} 年${p ? "（预测）" : ""}`,
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
  examples: [], lastCalc: null, lastBody: null, lastExplain: null, lastCompare: null, lastWindow: null,
  extraHousehold: {}, years: null };

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
  fillYearSelects();
  fillExamples();
  if (state.lastCalc) renderCalc(state.lastCalc);
  if (state.lastBody) fillSweepControls();
  if (state.lastSweep) renderSweep(state.lastSweep);
  if (state.lastExplain) renderExplain(state.lastExplain);
  if (state.lastCompare) renderCompare(state.lastCompare);
  if (state.lastWindow) renderWindow(state.lastWindow);
  describeScenario();
}

// ---------------------------------------------------------------- years (GET /years)
// The years the law covers, each with `projected`: the year selects offer exactly these (any other year is a 422).
const defaultYear = () => state.years?.default_year ?? 2025;
const modelled = (y) => (state.years?.years || []).some((r) => r.year === Number(y));
function yearLabel(y) {
  const row = (state.years?.years || []).find((r) => r.year === Number(y));
  return row?.projected ? UI[state.lang].year_projected(y) : String(y);
}

function fillYearSelects() {
  if (!state.years) return;
  document.querySelectorAll(".year-select").forEach((select) => {
    const current = select.value;
    select.innerHTML = "";
    for (const r of state.years.years) {
      select.append(el("option", { value: r.year, "data-projected": r.projected ? "1" : null }, yearLabel(r.year)));
    }
    if (current && modelled(current)) select.value = current;
  });
}

// the household's and the scenario's year are one choice of the page
function setYear(y) {
  for (const id of ["#year", "#sc-year"]) $(id).value = String(y);
}

// a year past the last dated law: say that figures rest on projected parameters (the API's `law`)
function lawNote(box, law, year) {
  box.hidden = !law?.projected;
  if (!law?.projected) return;
  const names = (law.parameters || []).map((x) => x.parameter);
  box.textContent = UI[state.lang].projected(law.year ?? year, law.last_known_year ?? "—", names.length);
  box.title = names.join(", ");
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
  const cell = (child, field) => el("td", { "data-field": field, "data-label": tr(field) }, child);
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
    el("td", { class: "remove-cell" }, el("button", { type: "button", class: "remove", title: tr("remove"), "aria-label": tr("remove"),
      onclick: () => { row.remove(); } }, "×")),
  );
  return row;
}

function refreshPersonRow(row) {
  row.querySelectorAll("td[data-field]").forEach((td) => { td.dataset.label = tr(td.dataset.field); });
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
  const body = { year: Number($("#year").value) || defaultYear(), household, persons };
  const reform = $("#hh-reform").value;
  if (reform && reform !== "baseline") body.reform = reform;
  return body;
}

function loadHousehold(hh) {
  setYear(hh.year ?? defaultYear());
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

// a figure that opens its explanation; `baseline`: the figure of the law in force beside a reform
function explainLink(name, text, baseline = false) {
  return el("a", { href: "#", title: `${tr("explain")}: ${name}`,
    onclick: (ev) => { ev.preventDefault(); explain(name, true, baseline); } }, text);
}

const numeric = (v) => typeof v === "number" && Number.isFinite(v);
// a change smaller than half a fen is rounding noise of the two calculations, not a change
const changeOf = (base, ref, given) => {
  const d = numeric(given) ? given : numeric(base) && numeric(ref) ? ref - base : null;
  return d !== null && Math.abs(d) < 0.005 ? 0 : d;
};

function reformTitle(res) {
  const key = typeof res.reform === "string" ? res.reform : res.reform?.name;
  const s = state.scenarios.find((x) => x.key === key);
  return s ? scenarioName(s) : key || tr("baseline");
}

function changeCell(name, d) {
  if (d === null) return el("td", { class: "chg" }, "");
  const digits = state.vars[name]?.dtype === "float" && Math.abs(d) % 1 ? 2 : 0;
  return el("td", { class: d === 0 ? "chg zero" : "chg" }, d === 0 ? "0" : signed(d, digits));
}

// the label of a figure; beside a reform (three columns a figure) the variable's name goes under it
function labelCell(name, folded = false) {
  return folded ? el("td", { title: name }, label(name), el("span", { class: "code" }, name)) : el("td", { title: name }, label(name));
}

function renderCalc(res) {
  $("#hh-results").hidden = false;
  const h = res.household, base = res.baseline?.household, chg = res.change?.household || {};
  const withReform = !!base;
  const cards = $("#hh-cards");
  cards.innerHTML = "";
  for (const n of ["disposable_income", "per_capita_disposable_income", "total_taxes", "total_contributions", "total_benefits"]) {
    if (!(n in h)) continue;
    let sub = tr("yuan_year");
    if (withReform) {
      const d = changeOf(base[n], h[n], chg[n]);
      sub = `${tr("baseline_short")} ${fmt(base[n])} · ${tr("col_change").toLowerCase()} ${d === null ? "—" : d === 0 ? "0" : signed(d)}`;
    }
    cards.append(el("div", { class: "kpi" }, el("div", { class: "label" }, label(n)),
      el("div", { class: "value" }, explainLink(n, fmt(h[n]))), el("div", { class: "sub" }, sub)));
  }
  // a year past the last dated law: say that figures rest on projected parameters (the API's `law`)
  lawNote($("#hh-law-note"), res.law, res.year);
  $("#hh-reform-note").hidden = !withReform;
  if (withReform) $("#hh-reform-note").textContent = `${tr("col_reform")}: ${reformTitle(res)}`;
  const table = $("#hh-table");
  table.innerHTML = "";
  table.classList.toggle("compare", withReform);
  const heads = withReform ? [tr("col_baseline"), tr("col_reform"), tr("col_change")] : [tr("value")];
  table.append(el("thead", {}, el("tr", {}, el("th", {}, tr("variable")), withReform ? "" : el("th", { class: "var" }, ""),
    ...heads.map((x) => el("th", {}, x)))));
  const tb = el("tbody");
  const names = withReform ? [...new Set([...shown(base, HEAD_HH), ...shown(h, HEAD_HH)])] : shown(h, HEAD_HH);
  for (const n of names) {
    const row = el("tr", {}, labelCell(n, withReform), withReform ? "" : el("td", { class: "var" }, n));
    if (withReform) {
      const d = changeOf(base[n], h[n], chg[n]);
      if (d) row.classList.add("changed");
      row.append(el("td", {}, explainLink(n, showValue(n, base[n]), true)), el("td", {}, explainLink(n, showValue(n, h[n]))),
        changeCell(n, d));
    } else row.append(el("td", {}, explainLink(n, showValue(n, h[n]))));
    tb.append(row);
  }
  table.append(tb);
  renderPersons(res);
}

function renderPersons(res) {
  const pt = $("#person-table");
  pt.innerHTML = "";
  const bases = res.baseline?.persons, changes = res.change?.persons || [];
  const withReform = Array.isArray(bases);
  pt.classList.toggle("compare", withReform);
  const names = [...new Set([...(bases || []), ...res.persons].flatMap((p) => shown(p, HEAD_PERSON)))];
  if (!withReform) {
    pt.append(el("thead", {}, el("tr", {}, el("th", {}, tr("variable")), el("th", { class: "var" }, ""),
      ...res.persons.map((p) => el("th", {}, p.name)))));
  } else {
    pt.append(el("thead", {},
      el("tr", {}, el("th", { rowspan: 2 }, tr("variable")),
        ...res.persons.map((p) => el("th", { colspan: 3, class: "person" }, p.name))),
      el("tr", {}, ...res.persons.flatMap(() => [el("th", { class: "sub first" }, tr("col_baseline")),
        el("th", { class: "sub" }, tr("col_reform")), el("th", { class: "sub" }, tr("col_change"))]))));
  }
  const pb = el("tbody");
  for (const n of names) {
    const row = el("tr", {}, labelCell(n, withReform), withReform ? "" : el("td", { class: "var" }, n));
    res.persons.forEach((p, i) => {
      if (!withReform) { row.append(el("td", {}, explainLink(n, showValue(n, p[n])))); return; }
      const b = bases[i]?.[n], r = p[n];
      const money = state.vars[n]?.dtype === "float";
      if (!money && b === r) {  // ages, activities: one value across the three columns
        row.append(el("td", { colspan: 3, class: "first same" }, explainLink(n, showValue(n, r))));
        return;
      }
      const d = changeOf(b, r, changes[i]?.[n]);
      if (d) row.classList.add("changed");
      row.append(el("td", { class: "first" }, explainLink(n, showValue(n, b), true)), el("td", {}, explainLink(n, showValue(n, r))),
        changeCell(n, d));
    });
    pb.append(row);
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
  const which = res.which === "baseline" ? ` — ${tr("col_baseline")}` : res.which === "reform" ? ` — ${tr("col_reform")}` : "";
  $("#explain-title").textContent = `${label(res.variable)} (${res.variable})${which}`;
  const tree = $("#explain-tree");
  tree.innerHTML = "";
  tree.append(el("ul", {}, traceNode(res.trace)));
}

// Calculate the household on screen (or `given`, a household body from a link, sent as it is so that the server
// names whatever in it is wrong); the URL then holds the household, the reform and the language.
async function calculate(ev, given = null, errorPrefix = "") {
  ev?.preventDefault?.();
  const body = given || readForm();
  state.urlBody = body;
  writeUrl();
  $("#hh-error").hidden = true;
  $("#calc").disabled = true;
  try {
    state.lastCalc = await api("/calc", body);
    state.lastBody = body;
    state.lastExplain = null;
    $("#explain-card").hidden = true;
    renderCalc(state.lastCalc);
  } catch (e) {
    $("#hh-error").textContent = `${errorPrefix || tr("error")}: ${e.message}`;
    $("#hh-error").hidden = false;
    return;
  } finally { $("#calc").disabled = false; }
  fillSweepControls();
  await drawSweep();
}

async function explain(name, scroll = true, baseline = false) {
  const body = { ...(state.lastBody || readForm()) };
  if (baseline) delete body.reform;
  try {
    state.lastExplain = await api(`/calc?explain=${encodeURIComponent(name)}`, body);
    state.lastExplain.which = body.reform ? "reform" : state.lastBody?.reform ? "baseline" : null;
    renderExplain(state.lastExplain);
    if (scroll) $("#explain-card").scrollIntoView({ behavior: "smooth", block: "start" });
  } catch (e) {
    $("#hh-error").textContent = `${tr("error")}: ${e.message}`;
    $("#hh-error").hidden = false;
  }
}

// ---------------------------------------------------------------- earnings chart (POST /calc/sweep)
const SWEEP_VARS = ["wage_income", "self_employment_income", "agricultural_income"];

function personNames(body) { return (body?.persons || []).map((p, i) => p.name || `person${i + 1}`); }

// a round number at or above x (1, 2, 2.5, 5 times a power of ten, in steps of a tenth)
function niceCeil(x) { const s = niceStep(x / 10); return Math.ceil(x / s) * s; }

// The range of the chart: 0 to three times the person's current income (at least 30,000); without one, 0 to
// 200,000, or for a household on dibao 0 to three times its dibao (at least 30,000): where dibao is withdrawn.
function sweepRange(current) {
  const h = state.lastCalc?.baseline?.household || state.lastCalc?.household || {};
  const assistance = (Number(h.dibao) || 0) + (Number(h.tekun) || 0);
  const to = current > 0 ? niceCeil(Math.max(3 * current, 30000))
    : assistance > 0 ? niceCeil(Math.max(3 * assistance, 30000)) : 200000;
  return { from: 0, to, step: niceStep(to / 200) };
}

function sweepCurrent(body, s) { return Number(body.persons[s.person]?.[s.variable]) || 0; }

// Keep the chart's person and variable across calculations where they still exist; by default the person with
// the largest wage (the first adult when nobody earns one).
function fillSweepControls() {
  const body = state.lastBody;
  if (!body) return;
  const names = personNames(body);
  const s = state.sweep || { variable: "wage_income", auto: true };
  if (typeof s.person === "string") s.person = names.indexOf(s.person);
  if (!(s.person >= 0 && s.person < names.length)) {
    const wages = body.persons.map((p) => Number(p[s.variable]) || 0);
    const best = Math.max(...wages);
    const adult = body.persons.findIndex((p) => (p.age ?? 30) >= 16 && (p.age ?? 30) < 60);
    s.person = best > 0 ? wages.indexOf(best) : Math.max(0, adult);
  }
  if (!SWEEP_VARS.includes(s.variable)) s.variable = "wage_income";
  if (s.auto) Object.assign(s, sweepRange(sweepCurrent(body, s)));
  state.sweep = s;
  const ps = $("#sweep-person");
  ps.innerHTML = "";
  names.forEach((n, i) => ps.append(el("option", { value: i }, n)));
  ps.value = s.person;
  const vs = $("#sweep-variable");
  vs.innerHTML = "";
  for (const v of SWEEP_VARS) vs.append(el("option", { value: v }, label(v)));
  vs.value = s.variable;
  $("#sweep-from").value = s.from;
  $("#sweep-to").value = s.to;
  $("#sweep-step").value = s.step;
}

// The chart's controls into state.sweep: a new person or income gets its default range; a range typed in stays
function readSweepControls(ev) {
  const s = state.sweep;
  if (!s) return;
  const field = ev?.target?.id;
  s.person = Number($("#sweep-person").value);
  s.variable = $("#sweep-variable").value;
  if (field === "sweep-person" || field === "sweep-variable") {
    s.auto = true;
    Object.assign(s, sweepRange(sweepCurrent(state.lastBody, s)));
    $("#sweep-from").value = s.from; $("#sweep-to").value = s.to; $("#sweep-step").value = s.step;
    return;
  }
  const typed = { from: Number($("#sweep-from").value), to: Number($("#sweep-to").value), step: Number($("#sweep-step").value) };
  if (["from", "to", "step"].some((k) => typed[k] !== s[k])) Object.assign(s, typed, { auto: false });
}

async function drawSweep(ev) {
  ev?.preventDefault?.();
  const s = state.sweep, body = state.lastBody;
  if (!s || !body) return;
  writeUrl();
  const token = (state.sweepToken = (state.sweepToken || 0) + 1);
  const err = $("#sweep-error");
  err.hidden = true;
  const vary = { variable: s.variable, person: personNames(body)[s.person], from: s.from, to: s.to, step: s.step };
  $("#sweep-draw").disabled = true;
  try {
    const res = await api("/calc/sweep", { ...body, vary });
    if (token !== state.sweepToken) return;  // a newer drawing was asked meanwhile
    state.lastSweep = { res, current: sweepCurrent(body, s), personName: vary.person, reform: body.reform };
    await renderSweep(state.lastSweep);
  } catch (e) {
    if (token !== state.sweepToken) return;
    err.textContent = `${tr("error")}: ${e.message}`;
    err.hidden = false;
  } finally { if (token === state.sweepToken) $("#sweep-draw").disabled = false; }
}

function loadECharts() {
  if (window.echarts) return Promise.resolve(window.echarts);
  if (!state.echartsLoading) {
    state.echartsLoading = new Promise((resolve, reject) => {
      const tag = document.createElement("script");
      tag.src = "/static/vendor/echarts/echarts.common.min.js";
      tag.onload = () => resolve(window.echarts);
      tag.onerror = () => { state.echartsLoading = null; tag.remove(); reject(new Error(tr("chart_missing"))); };
      document.head.append(tag);
    });
  }
  return state.echartsLoading;
}

// axis labels: 15万 / 150k
function compactYuan(v) {
  if (state.lang === "zh") return Math.abs(v) >= 10000 ? `${fmt(v / 10000, v % 10000 ? 1 : 0)}万` : fmt(v);
  return Math.abs(v) >= 1000 ? `${fmt(v / 1000, v % 1000 ? 1 : 0)}k` : fmt(v);
}
const ratePct = (v) => `${fmt(v * 100, Math.abs(v * 100) % 1 ? 1 : 0)}%`;

// the rate axis: from 0 (or the lowest rate, not below −100%) to just above the highest (not beyond 200%)
function rateBounds(rates) {
  const finite = rates.filter(numeric);
  const lo = Math.min(0, ...finite), hi = Math.max(1, ...finite);
  return [Math.max(-1, Math.floor(lo * 4) / 4), Math.min(2, Math.ceil((hi + 1e-9) * 4) / 4 + (hi >= 1 ? 0.25 : 0))];
}

async function renderSweep(sw) {
  const box = $("#sweep-chart");
  let echarts;
  try { echarts = await loadECharts(); } catch (e) {
    $("#sweep-error").textContent = e.message; $("#sweep-error").hidden = false; return;
  }
  const { res } = sw;
  const withBase = Array.isArray(res.baseline?.points);
  const line = (pts, key) => pts.map((p) => [p.value, numeric(p[key]) ? p[key] : null]);
  // a rate holds over the step that ends at its point: drawn as steps (ECharts "start": up at the step's start)
  const rates = [...res.points, ...(withBase ? res.baseline.points : [])].map((p) => p.marginal_effective_tax_rate);
  const [lo, hi] = rateBounds(rates);
  const narrow = box.clientWidth < 520;
  const RED = "#8c1c13", GREY = "#6b7686", INK = "#1d2733", MUTED = "#5a6472";
  const reformName = withBase ? tr("col_reform") : tr("baseline");
  const mark = { symbol: "none", silent: true, lineStyle: { color: "#9aa3b0", type: "dotted", width: 1 },
    label: { formatter: tr("now"), color: MUTED, fontSize: 11, position: "end" }, data: [{ xAxis: sw.current }] };
  const series = [];
  if (withBase) {
    series.push(
      { name: tr("col_baseline"), type: "line", xAxisIndex: 0, yAxisIndex: 0, showSymbol: false, data: line(res.baseline.points, "disposable_income"),
        lineStyle: { color: GREY, width: 2, type: "dashed" }, itemStyle: { color: GREY } },
      { name: tr("col_baseline"), type: "line", xAxisIndex: 1, yAxisIndex: 1, showSymbol: false, step: "start",
        data: line(res.baseline.points, "marginal_effective_tax_rate"), lineStyle: { color: GREY, width: 2, type: "dashed" }, itemStyle: { color: GREY } });
  }
  series.push(
    { name: reformName, type: "line", xAxisIndex: 0, yAxisIndex: 0, showSymbol: false, data: line(res.points, "disposable_income"),
      lineStyle: { color: RED, width: 2 }, itemStyle: { color: RED }, markLine: sw.current > 0 ? mark : undefined },
    { name: reformName, type: "line", xAxisIndex: 1, yAxisIndex: 1, showSymbol: false, step: "start",
      data: line(res.points, "marginal_effective_tax_rate"),
      lineStyle: { color: RED, width: 2 }, itemStyle: { color: RED }, markLine: sw.current > 0 ? mark : undefined });
  const xName = `${label(res.variable || state.sweep.variable)} · ${sw.personName} (${tr("yuan_year")})`;
  const axisText = { color: MUTED, fontSize: 11 };
  const xFrom = res.points.length ? res.points[0].value : state.sweep.from;
  const xTo = res.points.length ? res.points[res.points.length - 1].value : state.sweep.to;
  const option = {
    animation: false,
    textStyle: { fontFamily: getComputedStyle(document.body).fontFamily, color: INK },
    legend: withBase ? { top: 0, right: 8, itemWidth: 22, textStyle: { color: INK, fontSize: 12 } } : { show: false },
    axisPointer: { link: [{ xAxisIndex: "all" }] },
    tooltip: { trigger: "axis", confine: true, axisPointer: { type: "line" },
      formatter: (params) => {
        if (!params.length) return "";
        const x = params[0].axisValue;
        const rows = params.map((p) => {
          const v = p.value[1], rate = p.axisIndex === 1 || p.seriesIndex % 2 === 1;
          return `${p.marker}${esc(p.seriesName)} · ${esc(rate ? tr("metr") : tr("net_income"))}: <b>${v === null ? "—" : rate ? ratePct(v) : fmt(v)}</b>`;
        });
        return `${esc(label(res.variable || state.sweep.variable))} ${esc(fmt(x))}<br>${rows.join("<br>")}`;
      } },
    grid: [{ left: narrow ? 52 : 72, right: 18, top: narrow ? 62 : 44, height: "36%" },
      { left: narrow ? 52 : 72, right: 18, top: "60%", bottom: 58 }],
    xAxis: [0, 1].map((i) => ({ type: "value", gridIndex: i, min: xFrom, max: xTo, axisLabel: { show: i === 1, ...axisText, formatter: compactYuan, hideOverlap: true },
      splitLine: { lineStyle: { color: "#eceef2" } }, name: i === 1 ? xName : "", nameLocation: "middle", nameGap: 30,
      nameTextStyle: { color: MUTED, fontSize: 12 } })),
    yAxis: [
      { type: "value", gridIndex: 0, scale: false, axisLabel: { ...axisText, formatter: compactYuan }, name: `${tr("net_income")} (${tr("yuan_year")})`,
        nameLocation: "end", nameGap: 12, nameTextStyle: { color: INK, fontSize: 12, align: "left", fontWeight: 600 },
        splitLine: { lineStyle: { color: "#eceef2" } } },
      { type: "value", gridIndex: 1, min: lo, max: hi, interval: hi - lo > 1.25 ? 0.5 : 0.25, axisLabel: { ...axisText, formatter: ratePct },
        name: tr("metr"), nameLocation: "end", nameGap: 12, nameTextStyle: { color: INK, fontSize: 12, align: "left", fontWeight: 600 },
        splitLine: { lineStyle: { color: "#eceef2" } } },
    ],
    series,
  };
  if (!state.chart || state.chart.isDisposed() || state.chart.getDom() !== box) state.chart = echarts.init(box, null, { renderer: "canvas" });
  state.chart.setOption(option, true);
  box.setAttribute("aria-label", `${tr("sweep_title")}: ${xName}`);
  $("#sweep-note").textContent = UI[state.lang].chart_note(res.points.length, ratePct(lo), ratePct(hi));
  renderSweepDetails(res, withBase);
}

// Under the chart: the cliffs and, for each programme, the ranges of the swept income where it is not zero.
function renderSweepDetails(res, withBase) {
  const box = $("#sweep-details");
  box.innerHTML = "";
  const cliffs = res.cliffs || [];
  const cliffText = (c) => `${fmt(c.from)} → ${fmt(c.to)}: ${signed(c.disposable_change)} (${ratePct(c.marginal_effective_tax_rate)})`;
  const cliffLine = (title, list) => el("p", { class: "cliffs" }, el("b", {}, `${title}: `), list.length ? list.map(cliffText).join("; ") : "—");
  if (withBase) {
    box.append(el("p", { class: "hint" }, tr("cliffs")),
      cliffLine(tr("col_baseline"), res.baseline.cliffs || []), cliffLine(tr("col_reform"), cliffs));
  } else {
    box.append(cliffs.length ? cliffLine(tr("cliffs"), cliffs) : el("p", { class: "cliffs" }, tr("no_cliffs")));
  }
  const ranges = res.ranges || {}, bases = withBase ? res.baseline.ranges || {} : {};
  const names = [...new Set([...Object.keys(bases), ...Object.keys(ranges)])];
  if (!names.length) return;
  const text = (runs) => (runs || []).map((r) => `${fmt(r.from)} – ${fmt(r.to)} (${tr("up_to")} ${fmt(Math.abs(r.max))})`).join("; ") || "—";
  const heads = withBase ? [tr("col_baseline"), tr("col_reform")] : [""];
  const t = el("table", { class: "results ranges" },
    el("thead", {}, el("tr", {}, el("th", {}, tr("programme")), ...heads.map((h) => el("th", {}, h)))),
    el("tbody", {}, ...names.map((n) => el("tr", {}, labelCell(n),
      ...(withBase ? [el("td", {}, text(bases[n])), el("td", {}, text(ranges[n]))] : [el("td", {}, text(ranges[n]))])))));
  box.append(el("p", { class: "ranges-title" }, tr("ranges_title")), el("div", { class: "scroll" }, t));
}

// ---------------------------------------------------------------- the URL: household, reform, language, chart
// `#lang=zh&reform=KEY&hh=BASE64URL(JSON of {year, household, persons})&vary=wage_income&person=NAME[&from&to&step]`
// in the fragment, which the browser never sends to a server; it holds only what the user entered.
const b64url = {
  encode(text) {
    let bin = "";
    for (const b of new TextEncoder().encode(text)) bin += String.fromCharCode(b);
    return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  },
  decode(text) {
    if (!/^[A-Za-z0-9_-]+$/.test(text)) throw new Error("not base64url");
    const bin = atob(text.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((text.length + 3) % 4));
    return new TextDecoder("utf-8", { fatal: true }).decode(Uint8Array.from(bin, (c) => c.charCodeAt(0)));
  },
};

function writeUrl() {
  if (state.restoring) return;
  const q = new URLSearchParams();
  q.set("lang", state.lang);
  if ($("#year").value) q.set("year", $("#year").value);
  if ($("#scenario").classList.contains("active")) {
    q.set("tab", "scenario");
    if ($("#sc-reform").value) q.set("scenario", $("#sc-reform").value);
    q.set("households", String(Number($("#sc-households").value) || 200000));
  }
  const body = state.urlBody;
  if (body) {
    const { reform, ...hh } = body;
    if (reform) q.set("reform", reform);
    q.set("hh", b64url.encode(JSON.stringify(hh)));
    const s = state.sweep;
    if (s && state.lastBody === body) {
      q.set("vary", s.variable);
      q.set("person", personNames(body)[s.person] ?? String(s.person));
      if (!s.auto) for (const k of ["from", "to", "step"]) q.set(k, String(s[k]));
    }
  }
  const url = `${location.pathname}#${q}`;
  history.replaceState(null, "", url);
  $("#share-link").href = url;
}

// What a link asks for, and what in it cannot be used (each a message in the link's language).
function readLink() {
  const raw = location.hash.length > 1 ? location.hash.slice(1) : location.search.slice(1);
  const q = new URLSearchParams(raw);
  const link = { problems: [] };
  const lang = q.get("lang");
  if (lang !== null) {
    if (lang in UI) state.lang = lang; else link.problems.push(() => UI[state.lang].link_lang(lang.slice(0, 20)));
  }
  if (q.has("hh")) {
    try {
      const hh = JSON.parse(b64url.decode(q.get("hh")));
      const ok = hh && typeof hh === "object" && !Array.isArray(hh) && hh.household && typeof hh.household === "object"
        && !Array.isArray(hh.household) && Array.isArray(hh.persons) && hh.persons.length > 0
        && hh.persons.every((p) => p && typeof p === "object" && !Array.isArray(p));
      if (!ok) throw new Error("shape");
      link.hh = hh;
    } catch { link.problems.push(() => tr("link_hh")); }
  }
  if (q.has("year")) {
    const y = q.get("year").slice(0, 20);
    if (/^\d{4}$/.test(y) && modelled(y)) link.year = Number(y);
    else link.problems.push(() => UI[state.lang].link_year(y, state.years?.first_year ?? "—", state.years?.horizon ?? "—"));
  }
  for (const k of ["reform", "vary", "person", "tab", "scenario", "households", "run", "explain"]) {
    if (q.has(k)) link[k] = q.get(k).slice(0, 200);
  }
  for (const k of ["from", "to", "step"]) {
    if (!q.has(k)) continue;
    const v = Number(q.get(k));
    if (q.get(k).trim() !== "" && Number.isFinite(v) && v >= 0) link[k] = v;
    else link.problems.push(() => UI[state.lang].link_number(k));
  }
  return link;
}

function showLinkProblems(problems) {
  const box = $("#link-error");
  box.hidden = !problems.length;
  const [sep, stop] = state.lang === "zh" ? [";", "。"] : ["; ", "."];
  if (problems.length) box.textContent = `${tr("bad_link")}${state.lang === "zh" ? ":" : ": "}${problems.map((f) => f()).join(sep)}${stop}`;
}

async function copyLink() {
  writeUrl();
  const done = $("#copy-done");
  try {
    await navigator.clipboard.writeText(location.href);
    done.textContent = tr("copied");
  } catch { done.textContent = tr("copy_failed"); }
  done.hidden = false;
  setTimeout(() => { done.hidden = true; }, 2500);
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
  $("#sc-sample-note").textContent = s && s.sample_households ? tr("scenario_sample")(fmt(s.sample_households)) : "";
}

// The sample a scenario runs on by default: 200,000 households, or the scenario's own larger sample where its
// net cost needs one for a relative SE of at most 2% (GET /scenarios: sample_households).
function scenarioSample() {
  const s = state.scenarios.find((x) => x.key === $("#sc-reform").value);
  const n = (s && s.sample_households) || 200000;
  const input = $("#sc-households");
  input.max = String(Math.max(200000, n));
  input.value = String(n);
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
  lawNote($("#sc-law-note"), c.law, c.year);
  const pop = b.meta?.population || {};
  $("#sc-meta").textContent = (c.law?.year ? `${UI[state.lang].sc_year(c.law.year, c.law.projected)}${state.lang === "zh" ? "。" : ". "}` : "") + UI[state.lang].sample_note(fmt(pop.households_sampled), fmt(pop.persons_sampled),
    `gongfu ${b.meta?.gongfu_version || ""}, ${tr("seed").toLowerCase()} ${pop.seed ?? "—"}`)
    + (c.uncertainty && c.uncertainty.net_cost ? " " + tr("ci_note") : "");
  $("#deciles-chart").innerHTML = decileChart(c.deciles || []);
  const t = $("#sc-programmes");
  t.innerHTML = "";
  t.append(el("thead", {}, el("tr", {}, el("th", {}, tr("programmes")), el("th", {}, tr("col_baseline")), el("th", {}, tr("col_reform")), el("th", {}, tr("change")))));
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

// the vertical scale of a bar chart from 0 and its values in round steps: y(v) in pixels, and the gridlines with
// their labels (`digits` of a label, from the step)
function barScale(vals, W, H, L, R, T, B, digits = () => 0) {
  const step = niceStep((Math.max(0, ...vals) - Math.min(0, ...vals)) / 5 || 1);
  const max = Math.ceil(Math.max(0, ...vals) / step) * step, min = Math.floor(Math.min(0, ...vals) / step) * step;
  const span = max - min || 1;
  const y = (v) => T + (max - v) / span * (H - T - B);
  let grid = "";
  for (let v = min; v <= max + step / 2; v += step) {
    grid += `<line x1="${L}" x2="${W - R}" y1="${y(v)}" y2="${y(v)}" stroke="#eceef2"/>`;
    grid += `<text x="${L - 6}" y="${y(v) + 4}" font-size="11" text-anchor="end" fill="#5a6472">${esc(fmt(v, digits(step)))}</text>`;
  }
  return { y, grid };
}

function decileChart(rows) {
  if (!rows.length) return "";
  // drawn at the width of its box (a phone's too), so that its text keeps its size
  const box = $("#deciles-chart").clientWidth || 760;
  const W = Math.max(340, Math.min(760, box)), H = W < 500 ? 280 : 320, L = W < 500 ? 56 : 70, R = W < 500 ? 8 : 20, T = 20, B = 60;
  const { y, grid } = barScale(rows.map((d) => d.mean_change), W, H, L, R, T, B);
  const bw = (W - L - R) / rows.length;
  let svg = `<svg viewBox="0 0 ${W} ${H}" width="100%" role="img" aria-label="${esc(tr("deciles"))}">` + grid;
  rows.forEach((d, i) => {
    const x = L + i * bw + bw * 0.15, h = Math.abs(y(d.mean_change) - y(0));
    const top = d.mean_change >= 0 ? y(d.mean_change) : y(0);
    svg += `<rect x="${x}" y="${top}" width="${bw * 0.7}" height="${Math.max(h, 0.5)}" fill="${d.mean_change >= 0 ? "#2e8b57" : "#c0392b"}"><title>${esc(signed(d.mean_change))}</title></rect>`;
    const ly = d.mean_change >= 0 ? top - 4 : top + h + 12;
    svg += `<text x="${x + bw * 0.35}" y="${ly}" font-size="${W < 500 ? 8.5 : 10.5}" text-anchor="middle">${esc(typeof d.pct_change === "number" ? (d.pct_change >= 0 ? "+" : "") + (d.pct_change * 100).toFixed(1) + "%" : "")}</text>`;
    svg += `<text x="${x + bw * 0.35}" y="${H - B + 16}" font-size="12" text-anchor="middle">${d.decile}</text>`;
  });
  svg += `<line x1="${L}" x2="${W - R}" y1="${y(0)}" y2="${y(0)}" stroke="#333"/>`;
  svg += `<text x="${(L + W - R) / 2}" y="${H - 12}" font-size="12" text-anchor="middle" fill="#5a6472">${esc(tr("decile_axis"))}</text>`;
  svg += `<text x="14" y="${(T + H - B) / 2}" font-size="12" text-anchor="middle" fill="#5a6472" transform="rotate(-90 14 ${(T + H - B) / 2})">${esc(tr("change_axis"))}</text>`;
  return svg + "</svg>";
}

async function runScenario() {
  const body = { reform: $("#sc-reform").value, households: Number($("#sc-households").value) || 200000,
    seed: Number($("#sc-seed").value) || 0, year: Number($("#sc-year").value) || defaultYear() };
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

// ---------------------------------------------------------------- cost by year (POST /compare/window)
async function runWindow(ev) {
  ev?.preventDefault?.();
  const first = Number($("#win-from").value), last = Number($("#win-to").value);
  $("#win-error").hidden = true;
  if (last < first) {
    $("#win-error").textContent = `${tr("error")}: ${tr("window_order")}`;
    $("#win-error").hidden = false;
    return;
  }
  const body = { reform: $("#sc-reform").value, years: `${first}:${last}`,
    households: Number($("#win-households").value) || 5000, seed: Number($("#sc-seed").value) || 0 };
  $("#win-busy").hidden = false;
  $("#win-run").disabled = true;
  try {
    state.lastWindow = await api("/compare/window", body);
    state.lastWindow.reformKey = body.reform;
    renderWindow(state.lastWindow);
  } catch (e) {
    $("#win-error").textContent = `${tr("error")}: ${e.message}`;
    $("#win-error").hidden = false;
  } finally { $("#win-busy").hidden = true; $("#win-run").disabled = false; }
}

function renderWindow(w) {
  $("#win-results").hidden = false;
  const rows = w.by_year || [];
  const projected = rows.filter((r) => r.law?.projected).map((r) => r.year);
  const note = $("#win-law-note");
  note.hidden = !projected.length;
  if (projected.length) {
    const ys = projected.length > 1 ? `${projected[0]}–${projected[projected.length - 1]}` : String(projected[0]);
    note.textContent = UI[state.lang].window_projected(ys, rows.find((r) => r.law)?.law.last_known_year ?? "—");
  }
  $("#win-chart").innerHTML = windowChart(rows);
  const t = $("#win-table");
  t.innerHTML = "";
  t.append(el("thead", {}, el("tr", {}, ...["window_year", "window_cost", "ci95", "window_real", "window_gini", "window_law"]
    .map((k) => el("th", {}, tr(k))))));
  const tb = el("tbody");
  // "50.8 – 122.9 bn yuan": the unit once
  const unit = state.lang === "zh" ? 1e8 : 1e9;
  const ci = (r) => (Array.isArray(r.net_cost_ci95) ? `${fmt(r.net_cost_ci95[0] / unit, 1)} – ${money(r.net_cost_ci95[1])}` : "—");
  for (const r of rows) {
    const proj = !!r.law?.projected;
    tb.append(el("tr", { class: proj ? "projected" : "", "data-year": r.year },
      el("td", {}, String(r.year)), el("td", {}, money(r.net_cost)), el("td", { class: "ci" }, ci(r)),
      el("td", {}, money(r.net_cost_2025_prices)),
      el("td", {}, typeof r.gini?.change === "number" ? signed(r.gini.change, 4) : "—"),
      el("td", { class: proj ? "law projected" : "law" }, tr(proj ? "law_projected" : "law_known"))));
  }
  const tot = w.total || {};
  tb.append(el("tr", { class: "total" }, el("td", {}, tr("window_total")), el("td", {}, money(tot.net_cost)), el("td", {}, ""),
    el("td", {}, money(tot.net_cost_2025_prices)), el("td", {}, ""), el("td", {}, "")));
  t.append(tb);
  const pop = w.meta?.population || {};
  const s = state.scenarios.find((x) => x.key === w.reformKey);
  $("#win-meta").textContent = `${s ? scenarioName(s) : w.reformKey || ""} · ${UI[state.lang].window_meta(fmt(pop.households_sampled), pop.seed ?? "—")}`;
}

// bars of the net cost by year with their 95% interval; projected years lighter and hatched
function windowChart(rows) {
  if (!rows.length) return "";
  const box = $("#win-chart").clientWidth || 760;
  const W = Math.max(320, Math.min(760, box)), H = W < 500 ? 240 : 280, L = W < 500 ? 52 : 64, R = 10, T = 16, B = 44;
  const unit = state.lang === "zh" ? 1e8 : 1e9;
  const vals = rows.flatMap((r) => [r.net_cost, ...(Array.isArray(r.net_cost_ci95) ? r.net_cost_ci95 : [])]).map((v) => v / unit);
  const { y, grid } = barScale(vals, W, H, L, R, T, B, (step) => (step < 1 ? 1 : 0));
  const bw = (W - L - R) / rows.length;
  let svg = `<svg viewBox="0 0 ${W} ${H}" width="100%" role="img" aria-label="${esc(tr("window_title"))}">`;
  svg += `<defs><pattern id="win-hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">`
    + `<rect width="6" height="6" fill="#e9b8b3"/><line x1="0" y1="0" x2="0" y2="6" stroke="#fff" stroke-width="2.5"/></pattern></defs>`
    + grid;
  rows.forEach((r, i) => {
    const v = r.net_cost / unit, proj = !!r.law?.projected;
    const x = L + i * bw + bw * 0.2, w = bw * 0.6, top = Math.min(y(v), y(0)), h = Math.abs(y(v) - y(0));
    svg += `<rect class="bar${proj ? " projected" : ""}" data-year="${r.year}" x="${x}" y="${top}" width="${w}" height="${Math.max(h, 0.5)}" `
      + `fill="${proj ? "url(#win-hatch)" : "#8c1c13"}" stroke="${proj ? "#b5544b" : "none"}"><title>${esc(`${yearLabel(r.year)}: ${money(r.net_cost)}`)}</title></rect>`;
    if (Array.isArray(r.net_cost_ci95)) {
      const [lo, hi] = r.net_cost_ci95.map((c) => y(c / unit)), cx = x + w / 2;
      svg += `<path d="M${cx} ${lo}V${hi}M${cx - 5} ${lo}H${cx + 5}M${cx - 5} ${hi}H${cx + 5}" stroke="#1d2733" stroke-width="1.3" fill="none"/>`;
    }
    svg += `<text x="${x + w / 2}" y="${H - B + 16}" font-size="12" text-anchor="middle">${r.year}</text>`;
    // "projected" under the year where it fits beside its neighbours (about 6 px a character), else "proj."
    const word = bw > [...tr("law_projected")].length * (state.lang === "zh" ? 11 : 6) + 8 ? tr("law_projected") : tr("law_projected_short");
    if (proj) svg += `<text x="${x + w / 2}" y="${H - B + 30}" font-size="10" text-anchor="middle" fill="#5a6472">${esc(word)}</text>`;
  });
  svg += `<line x1="${L}" x2="${W - R}" y1="${y(0)}" y2="${y(0)}" stroke="#333"/>`;
  svg += `<text x="12" y="${(T + H - B) / 2}" font-size="11.5" text-anchor="middle" fill="#5a6472" transform="rotate(-90 12 ${(T + H - B) / 2})">${esc(tr("window_axis"))}</text>`;
  return svg + "</svg>";
}

// ---------------------------------------------------------------- start
function showTab(name) {
  document.querySelectorAll(".tab").forEach((t) => t.classList.toggle("active", t.dataset.tab === name));
  document.querySelectorAll(".panel").forEach((p) => p.classList.toggle("active", p.id === name));
  if (name === "household" && state.chart) state.chart.resize();
  if (name === "scenario" && state.lastCompare) $("#deciles-chart").innerHTML = decileChart(state.lastCompare.deciles || []);
  if (name === "scenario" && state.lastWindow) $("#win-chart").innerHTML = windowChart(state.lastWindow.by_year || []);
  writeUrl();
}

// The view a link asks for: its household (sent as it is, so that the server names what is wrong with it), its
// reform, its language and its chart; what cannot be used is said in one message above the page, never a crash.
async function restore(link) {
  const problems = link.problems;
  const keys = new Set(["baseline", ...state.scenarios.map((s) => s.key)]);
  let reform = link.reform;
  if (reform !== undefined && !keys.has(reform)) {
    const asked = reform;
    problems.push(() => UI[state.lang].link_reform(asked));
    reform = undefined;
  }
  $("#hh-reform").value = reform || "baseline";
  if (link.vary !== undefined || link.person !== undefined || link.from !== undefined) {
    const s = { variable: "wage_income", auto: true };
    if (link.vary !== undefined) {
      if (SWEEP_VARS.includes(link.vary)) s.variable = link.vary;
      else problems.push(() => UI[state.lang].link_vary(link.vary));
    }
    const names = personNames(link.hh || state.examples[0]?.household);
    if (link.person !== undefined) {
      if (names.includes(link.person)) s.person = link.person;
      else problems.push(() => UI[state.lang].link_person(link.person));
    }
    if (["from", "to", "step"].every((k) => link[k] !== undefined)) Object.assign(s, { from: link.from, to: link.to, step: link.step, auto: false });
    state.sweep = s;
  }
  showLinkProblems(problems);
  if (link.hh) {
    try { loadHousehold(link.hh); } catch { /* the server names what the form could not show */ }
    $("#example").value = "";
    const body = { ...link.hh };
    if (link.year !== undefined) { body.year = link.year; setYear(link.year); }
    if (reform && reform !== "baseline") body.reform = reform;
    await calculate(null, body, tr("link_calc"));
  } else if (state.examples.length) {
    $("#example").value = "0";
    loadHousehold(state.examples[0].household);
    if (link.year !== undefined) setYear(link.year);
    await calculate();
  }
  if (link.tab === "scenario") {
    showTab("scenario");
    if (link.scenario && state.scenarios.some((s) => s.key === link.scenario)) { $("#sc-reform").value = link.scenario; describeScenario(); scenarioSample(); }
    if (link.households && Number(link.households) > 0) $("#sc-households").value = Number(link.households);
    if (link.run) await runScenario();
  }
  if (link.explain) await explain(link.explain, false);
}

async function start() {
  state.restoring = true;
  const [codes, vars, scenarios, examples, years] = await Promise.all([api("/codes"), api("/variables"), api("/scenarios"),
    api("/examples"), api("/years")]);
  state.codes = codes;
  state.years = years;
  const link = readLink();
  fillYearSelects();
  setYear(defaultYear());
  $("#win-from").value = String(defaultYear());
  $("#win-to").value = String(years.horizon);
  for (const v of vars) state.vars[v.name] = v;
  state.scenarios = scenarios;
  state.examples = examples;
  fillProvinceSelect($("#province"));
  $("#lang").addEventListener("click", () => {
    state.lang = state.lang === "zh" ? "en" : "zh";
    localStorage.setItem("gongfu.lang", state.lang);
    applyLang();
    writeUrl();
  });
  document.querySelectorAll(".tab").forEach((t) => t.addEventListener("click", () => showTab(t.dataset.tab)));
  $("#add-person").addEventListener("click", () => $("#persons tbody").append(personRow({ age: 30 })));
  $("#hh-form").addEventListener("submit", calculate);
  $("#hh-reform").addEventListener("change", () => calculate());
  for (const id of ["#year", "#sc-year"]) {
    $(id).addEventListener("change", (e) => { setYear(e.target.value); calculate(); });
  }
  $("#win-form").addEventListener("submit", runWindow);
  $("#example").addEventListener("change", (e) => { if (e.target.value !== "") { loadHousehold(state.examples[Number(e.target.value)].household); calculate(); } });
  $("#sc-reform").addEventListener("change", () => { describeScenario(); scenarioSample(); writeUrl(); });
  $("#sc-households").addEventListener("change", () => writeUrl());
  $("#run").addEventListener("click", runScenario);
  $("#sweep-form").addEventListener("change", (ev) => { readSweepControls(ev); drawSweep(); });
  $("#sweep-form").addEventListener("submit", (ev) => { readSweepControls(); drawSweep(ev); });
  $("#copy-link").addEventListener("click", copyLink);
  window.addEventListener("resize", () => {
    state.chart?.resize();
    if (state.lastCompare && $("#scenario").classList.contains("active")) $("#deciles-chart").innerHTML = decileChart(state.lastCompare.deciles || []);
    if (state.lastWindow && $("#scenario").classList.contains("active")) $("#win-chart").innerHTML = windowChart(state.lastWindow.by_year || []);
  });
  window.addEventListener("hashchange", () => location.reload());  // a link pasted into this tab
  applyLang();
  try { await restore(link); } finally { state.restoring = false; }
  writeUrl();
  document.body.dataset.ready = "1";  // for the browser tests
}

start().catch((e) => {
  state.restoring = false;
  const box = $("#hh-error");
  box.textContent = `${tr("error")}: ${e.message}`;
  box.hidden = false;
  document.body.dataset.ready = "1";
});
