// Scenario results, issue 12: winners and losers as five groups that add up to 100%, and poverty by group of
// persons (age group, sex, left-behind children, persons with disabilities) at a chosen line, baseline -> reform.
// Loaded after app.js; reads the comparison app.js keeps (`state.lastCompare`) and redraws whenever app.js redraws
// the scenario results (it rebuilds #sc-programmes each time). No library, no network.
(() => {
  "use strict";
  const T = {
    en: { five: "Winners and losers", groups: "Poverty by group", line: "Poverty line", group: "Group",
      baseline: "Baseline", reform: "Reform", change: "Change (pp)",
      gain_over_5pct: "Gain more than 5%", gain_up_to_5pct: "Gain up to 5%", no_change: "No change",
      lose_up_to_5pct: "Lose up to 5%", lose_over_5pct: "Lose more than 5%",
      children: "Children (0–15)", working_age: "Working age (16–59)", elderly: "Elderly (60+)",
      male: "Men and boys", female: "Women and girls", left_behind_children: "Left-behind children",
      disability: "Persons with disabilities" },
    zh: { five: "受益者与受损者", groups: "贫困:按人群", line: "贫困线", group: "人群", baseline: "基线", reform: "改革",
      change: "变化(百分点)", gain_over_5pct: "增收超过5%", gain_up_to_5pct: "增收不超过5%", no_change: "无变化",
      lose_up_to_5pct: "减收不超过5%", lose_over_5pct: "减收超过5%", children: "儿童(0–15岁)",
      working_age: "劳动年龄(16–59岁)", elderly: "老年人(60岁及以上)", male: "男性", female: "女性",
      left_behind_children: "农村留守儿童", disability: "残疾人" },
  };
  const FIVE = ["gain_over_5pct", "gain_up_to_5pct", "no_change", "lose_up_to_5pct", "lose_over_5pct"];
  const COLOURS = { gain_over_5pct: "#2e8b57", gain_up_to_5pct: "#8fd1a8", no_change: "#c8c8c8",
    lose_up_to_5pct: "#e8958b", lose_over_5pct: "#c0392b" };
  const GROUPINGS = { age_group: ["children", "working_age", "elderly"], sex: ["male", "female"],
    left_behind_children: ["left_behind_children"], disability: ["disability"] };
  let chosenLine = null;

  const lang = () => (typeof state !== "undefined" && state.lang === "zh" ? "zh" : "en");
  const t = (k) => T[lang()][k] ?? T.en[k] ?? k;
  const pct = (v) => (typeof v === "number" ? `${(v * 100).toFixed(1)}%` : "—");
  const pp = (v) => (typeof v === "number" ? `${v >= 0 ? "+" : ""}${(v * 100).toFixed(2)}` : "—");
  const node = (tag, attrs = {}, ...kids) => {
    const n = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) n.setAttribute(k, v);
    for (const k of kids) n.append(k instanceof Node ? k : document.createTextNode(String(k)));
    return n;
  };

  function groupsOf(byGroup) {
    const out = [];
    for (const [grouping, groups] of Object.entries(GROUPINGS)) {
      const table = byGroup && byGroup[grouping];
      if (!table || typeof table !== "object") continue;
      for (const g of groups) {
        const stats = groups.length === 1 ? table : table[g];
        if (stats && typeof stats === "object") out.push([g, stats]);
      }
    }
    return out;
  }

  function fiveBar(wl) {
    const bar = node("div", { class: "five-bar", role: "img", "aria-label": t("five"),
      style: "display:flex;height:1.6em;border-radius:4px;overflow:hidden;margin:.4em 0" });
    const legend = node("ul", { class: "five-legend", style: "list-style:none;padding:0;margin:0;display:flex;flex-wrap:wrap;gap:.2em 1em" });
    for (const k of FIVE) {
      const v = wl[k];
      if (typeof v !== "number") continue;
      bar.append(node("div", { title: `${t(k)}: ${pct(v)}`, style: `width:${Math.max(v * 100, 0)}%;background:${COLOURS[k]}` }));
      legend.append(node("li", {}, node("span", { style: `display:inline-block;width:.8em;height:.8em;background:${COLOURS[k]};margin-right:.3em` }),
        `${t(k)} ${pct(v)}`));
    }
    return node("div", {}, bar, legend);
  }

  function povertyTable(c) {
    const lines = (c.reform && c.reform.poverty) || {};
    const names = Object.keys(lines).filter((n) => groupsOf(lines[n].by_group).length);
    if (!names.length) return null;
    if (!names.includes(chosenLine)) chosenLine = names.find((n) => lines[n].kind === "absolute") || names[0];
    const select = node("select", { id: "groups-line", "aria-label": t("line") });
    for (const n of names) {
      const lab = lines[n].label || {};
      const opt = node("option", { value: n }, lab[lang()] || lab.en || n);
      if (n === chosenLine) opt.selected = true;
      select.append(opt);
    }
    select.addEventListener("change", () => { chosenLine = select.value; render(); });
    const base = Object.fromEntries(groupsOf((((c.baseline || {}).poverty || {})[chosenLine] || {}).by_group));
    const table = node("table", { class: "results", id: "groups-table" });
    table.append(node("thead", {}, node("tr", {}, node("th", {}, t("group")), node("th", {}, t("baseline")),
      node("th", {}, t("reform")), node("th", {}, t("change")))));
    const body = node("tbody");
    for (const [g, stats] of groupsOf(lines[chosenLine].by_group)) {
      const b = base[g] ? base[g].headcount : null, r = stats.headcount;
      body.append(node("tr", {}, node("td", {}, t(g)), node("td", {}, pct(b)), node("td", {}, pct(r)),
        node("td", {}, typeof b === "number" && typeof r === "number" ? pp(r - b) : "—")));
    }
    table.append(body);
    return node("div", {}, node("label", {}, `${t("line")} `, select), node("div", { class: "scroll" }, table));
  }

  function render() {
    const c = typeof state !== "undefined" ? state.lastCompare : null;
    const host = document.getElementById("sc-results");
    if (!c || !host) return;
    let card = document.getElementById("groups-card");
    if (!card) {
      card = node("div", { class: "card", id: "groups-card" });
      host.append(card);
    }
    card.replaceChildren();
    if (c.winners_losers && typeof c.winners_losers.gain_up_to_5pct === "number") {
      card.append(node("h2", {}, t("five")), fiveBar(c.winners_losers));
    }
    const pov = povertyTable(c);
    if (pov) card.append(node("h2", {}, t("groups")), pov);
  }

  function watch() {
    const target = document.getElementById("sc-programmes");
    if (!target) return;
    new MutationObserver(render).observe(target, { childList: true });
    const lang = document.getElementById("lang");
    if (lang) lang.addEventListener("click", () => setTimeout(render, 0));
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", watch);
  else watch();
})();
