"""`write_report`: a self-contained HTML report, its charts as PNG and its tables as CSV and Parquet.

Input is a run's results or a comparison (docs/ARCHITECTURE.md, "Run results"). The directory is written
atomically: everything goes to a temporary sibling directory which is renamed into place at the end, so a
failed or interrupted run never leaves a half-written report.

A report directory holds a manifest (`.gongfu-report`, JSON: the files gongfu wrote). `check_report_dir` says
before a run whether a directory can take a report: new, empty, or a previous gongfu report that holds nothing
but the files its manifest lists. A re-run replaces only such a directory: gongfu never deletes a file it did
not write.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from .. import __version__
from ..engine.errors import GongfuError
from ..extras import require
from . import labels as L
from . import tables as T
from . import window as W
from .charts import Charts
from .template import TEMPLATE

jinja2 = require("jinja2", "report")
require("pandas", "report")  # the tables' CSV and Parquet files (tables.ReportTable.frame)

MARKER = ".gongfu-report"
SECTION_IDS = ("headline", "lorenz", "deciles", "winners-losers", "provinces", "waterfall", "inequality",
               "incidence", "scorecard", "validation", "reproducibility")
#: the sections of a budget window's report (`compare --years`, issue 14)
WINDOW_SECTION_IDS = ("years", "reproducibility")


@dataclass
class Section:
    id: str
    title: str
    cards: list[dict] = field(default_factory=list)
    charts: list[dict] = field(default_factory=list)
    tables: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    repro: list[tuple[str, str]] = field(default_factory=list)


class _Builder:
    def __init__(self, data: dict, lang: str):
        if lang not in L.LANGS:
            raise GongfuError(f"lang must be en or zh (got {lang!r})")
        self.lang = lang
        self.window = W.is_window(data)
        if self.window:  # a budget window: its own sections (build_window)
            data = {"baseline": {}, "reform": {}, "change": {}, "window": data}
        self.compare = T.is_compare(data)
        self.base = data["baseline"] if self.compare else data
        self.reform = data["reform"] if self.compare else None
        self.data = data
        self.charts = Charts(lang)
        self.pngs: dict[str, bytes] = {}
        self.files: list[T.ReportTable] = []
        self.labels = {v: L.programme_label(v, info, lang) for res in (self.base, self.reform or {})
                       for v, info in res.get("programmes", {}).items()}

    def t(self, key: str) -> str:
        return L.t(key, self.lang)

    def chart(self, section: Section, name: str, png: bytes, alt: str) -> None:
        self.pngs[name] = png
        section.charts.append({"alt": alt, "data": base64.b64encode(png).decode("ascii")})

    def table(self, section: Section, table: T.ReportTable, title: str = "") -> None:
        self.files.append(table)
        rows = table.html_rows()
        text_cols = [any(r[i]["text"] for r in rows) for i in range(len(table.headers))]
        section.tables.append({"name": table.name, "title": title, "headers": table.headers, "rows": rows,
                               "text_cols": text_cols})

    # -- sections -------------------------------------------------------------------------------------------
    def headline(self) -> Section:
        s = Section("headline", self.t("headline"))
        lang, base = self.lang, self.base
        law = self.data.get("law") or base.get("law") or {}
        if law.get("projected"):  # a year past the last dated law: computed by uprating rules (issue 14)
            s.notes.append(("PROJECTED YEAR: " if lang == "en" else "预测年份: ") + str(law.get("reason")))
        disp = base["income"]["disposable"]
        line, pov = next(iter(base.get("poverty", {}).items()), (None, None))
        if not self.compare:
            taxes = sum(p["total"] for p in base["programmes"].values() if p.get("role") in ("tax", "contribution"))
            benefits = sum(p["total"] for p in base["programmes"].values() if p.get("role") == "benefit")
            s.cards = [
                {"label": self.t("persons"), "value": L.people(base["population"]["persons"], lang),
                 "sub": f"{self.t('households')}: {L.people(base['population']['households'], lang)}"
                        .replace("人", "户")},
                {"label": self.t("mean_disposable_pc"), "value": L.yuan(disp["mean"], lang),
                 "sub": f"{L.stat('median', lang)}: {L.num(disp.get('median'), 0)}"},
                {"label": L.stat("gini", lang), "value": f"{base['gini']:.3f}",
                 "sub": L.pm(base, "gini", lambda h: f"{h:.3f}").strip()},
                {"label": L.stat("urban_rural_ratio", lang), "value": f"{base['urban_rural_ratio']:.2f}"},
                {"label": "taxes + contributions" if lang == "en" else "税收与社保缴费",
                 "value": L.money(taxes, lang)},
                {"label": "public transfers" if lang == "en" else "公共转移支付", "value": L.money(benefits, lang)},
            ]
            if pov:
                s.cards.append({"label": f"{L.stat('headcount', lang)} ({L.line_label(line, pov, lang)})",
                                "value": L.pct(pov["headcount"])})
            if base.get("uncertainty"):
                s.notes.append(L.sampling_note(lang))
            return s
        new = self.reform
        change = self.data["change"]
        d_mean = new["income"]["disposable"]["mean"] - disp["mean"]
        wl = self.data.get("winners_losers") or {}
        d_gini = change.get("gini", new["gini"] - base["gini"])
        d_ratio = change.get("urban_rural_ratio", new["urban_rural_ratio"] - base["urban_rural_ratio"])
        s.cards = [
            {"label": L.stat("net_cost", lang), "value": L.money(self.data.get("net_cost"), lang),
             "sub": ("per year" if lang == "en" else "每年")
                    + L.pm(self.data, "net_cost", lambda h: L.money(h, lang))},
            {"label": L.stat("gini", lang), "value": f"{d_gini:+.4f}", "cls": "pos" if d_gini <= 0 else "neg",
             "sub": f"{base['gini']:.3f} → {new['gini']:.3f}" + L.pm(self.data, "change.gini", lambda h: f"{h:.4f}")},
            {"label": L.stat("urban_rural_ratio", lang), "value": f"{d_ratio:+.3f}",
             "cls": "pos" if d_ratio <= 0 else "neg",
             "sub": f"{base['urban_rural_ratio']:.2f} → {new['urban_rural_ratio']:.2f}"},
            {"label": self.t("mean_disposable_pc"), "value": L.yuan(d_mean, lang, signed=True),
             "cls": "pos" if d_mean >= 0 else "neg",
             "sub": f"{L.num(disp['mean'], 0)} → {L.num(new['income']['disposable']['mean'], 0)}"},
        ]
        if "gain_up_to_5pct" in wl:  # the five groups: gainers and losers at all
            gain, lose = wl["gain_over_5pct"] + wl["gain_up_to_5pct"], wl["lose_over_5pct"] + wl["lose_up_to_5pct"]
            s.cards.append({"label": "受益者" if lang == "zh" else "Gain", "value": L.pct(gain), "cls": "pos",
                            "sub": f"{L.stat('gain_over_5pct', lang)}: {L.pct(wl['gain_over_5pct'])}"})
            s.cards.append({"label": "受损者" if lang == "zh" else "Lose", "value": L.pct(lose),
                            "cls": "neg" if lose > 0 else "",
                            "sub": f"{L.stat('lose_over_5pct', lang)}: {L.pct(wl['lose_over_5pct'])}"})
        elif "gain_over_1pct" in wl:
            s.cards.append({"label": L.stat("gain_over_1pct", lang), "value": L.pct(wl["gain_over_1pct"]),
                            "cls": "pos"})
            if "lose_over_1pct" in wl:
                s.cards.append({"label": L.stat("lose_over_1pct", lang), "value": L.pct(wl["lose_over_1pct"]),
                                "cls": "neg" if wl["lose_over_1pct"] > 0 else ""})
        if pov and line in new.get("poverty", {}):
            d = new["poverty"][line]["headcount"] - pov["headcount"]
            s.cards.append({"label": f"{L.stat('headcount', lang)} ({L.line_label(line, pov, lang)})",
                            "value": L.pct(d, signed=True, digits=2),
                            "cls": "pos" if d <= 0 else "neg",
                            "sub": f"{L.pct(pov['headcount'])} → {L.pct(new['poverty'][line]['headcount'])}"})
        self.table(s, T.programmes_table(base, self.lang, new, cmp=self.data), self.t("programmes"))
        if self.data.get("uncertainty"):
            s.notes.append(L.sampling_note(lang))
        return s

    def lorenz(self) -> Section:
        s = Section("lorenz", self.t("lorenz"))
        c = self.charts
        if self.compare:
            curves = [(f"{c.t('baseline')}: {L.concept('disposable', c.lang)}",
                       self.base["income"]["disposable"]["lorenz"], self.base["income"]["disposable"].get("gini")),
                      (f"{c.t('reform')}: {L.concept('disposable', c.lang)}",
                       self.reform["income"]["disposable"]["lorenz"], self.reform["income"]["disposable"].get("gini"))]
        else:
            curves = [(L.concept(k, c.lang), self.base["income"][k]["lorenz"], self.base["income"][k].get("gini"))
                      for k in ("market", "net_market", "disposable") if "lorenz" in self.base["income"].get(k, {})]
        self.chart(s, "lorenz", c.lorenz(curves), self.t("lorenz"))
        return s

    def deciles(self) -> Section:
        s = Section("deciles", self.t("deciles"))
        if not self.compare or not self.data.get("deciles"):
            s.notes.append(self.t("only_compare"))
            return s
        self.chart(s, "deciles", self.charts.deciles(self.data["deciles"]), self.t("deciles"))
        self.table(s, T.deciles_table(self.data, self.lang))
        return s

    def winners_losers(self) -> Section:
        s = Section("winners-losers", self.t("winners_losers"))
        if not self.compare or not self.data.get("winners_losers"):
            s.notes.append(self.t("only_compare"))
            return s
        self.chart(s, "winners_losers", self.charts.winners_losers(self.data["winners_losers"]),
                   self.t("winners_losers"))
        self.table(s, T.winners_table(self.data, self.lang))
        rows = self.data.get("deciles") or []
        if rows and all("gain_up_to_5pct" in r for r in rows):  # the five groups in each decile
            title = "各十等分组的受益者与受损者" if self.lang == "zh" else "Winners and losers by decile"
            self.chart(s, "deciles_winners_losers", self.charts.decile_shares(rows), title)
            self.table(s, T.decile_shares_table(self.data, self.lang), title)
        return s

    def provinces(self) -> Section:
        s = Section("provinces", self.t("provinces"))
        levels = T.province_values(self.base)
        change = T.province_change(self.data) if self.compare else None
        if levels:
            self.chart(s, "provinces_disposable", self.charts.province_bars(levels, "mean_disposable_pc"),
                       self.t("mean_disposable_pc"))
        if change:
            self.chart(s, "provinces_change", self.charts.province_bars(change, "province_change", signed=True),
                       self.t("province_change"))
            self.chart(s, "tile_map", self.charts.tile_map(change, "province_change", signed=True),
                       self.t("tile_map"))
        elif levels:
            self.chart(s, "tile_map", self.charts.tile_map(levels, "mean_disposable_pc"), self.t("tile_map"))
        self.table(s, T.provinces_table(self.base, self.lang, change))
        self.table(s, T.groups_table(self.base, self.lang))
        return s

    def waterfall(self) -> Section:
        s = Section("waterfall", self.t("waterfall"))
        if not self.compare:
            s.notes.append(self.t("only_compare"))
            return s
        parts, total = T.waterfall_parts(self.data)  # raises when the parts do not add up
        labels = {v: L.programme_label(v, self._info(v), self.charts.lang) for v, _ in parts}
        steps = [(labels[v], change) for v, change in parts]
        self.chart(s, "waterfall", self.charts.waterfall(steps, total), self.t("waterfall"))
        self.table(s, T.waterfall_table(self.data, self.lang, self.labels))
        s.notes.append(self.t("waterfall_note"))
        return s

    def _info(self, var: str) -> dict | None:
        for res in (self.reform or {}, self.base):
            if var in res.get("programmes", {}):
                return res["programmes"][var]
        return {"label": {"en": var.replace("_", " ").capitalize()}} if var != "market_income" else {
            "label": {"en": "Market income", "zh": "市场收入"}}

    def inequality(self) -> Section:
        s = Section("inequality", self.t("inequality"))
        self.table(s, T.inequality_table(self.base, self.lang, self.reform))
        self.table(s, T.gaps_table(self.base, self.lang, self.reform))
        s.notes += [f"{k}: {v}" for k, v in (self.base.get("gaps") or {}).items() if isinstance(v, str)]
        self.table(s, T.poverty_table(self.base, self.lang, self.reform))
        groups = T.poverty_groups_table(self.base, self.lang, self.reform)
        if groups.rows:
            self.table(s, groups, "贫困:按人群" if self.lang == "zh" else "Poverty by group of persons")
        self.table(s, T.theil_table(self.base, self.lang), "泰尔指数分解" if self.lang == "zh" else "Theil")
        return s

    def incidence(self) -> Section:
        s = Section("incidence", self.t("incidence"))
        stages = self.base.get("incidence", {}).get("stages", [])
        if stages:
            other = (self.reform or {}).get("incidence", {}).get("stages") or None
            self.chart(s, "incidence", self.charts.incidence(stages, other), self.t("incidence"))
        self.table(s, T.stages_table(self.base, self.lang, self.reform))
        self.table(s, T.incidence_table(self.base, self.lang), "Kakwani / Reynolds–Smolensky")
        if not self.compare:
            self.table(s, T.programmes_table(self.base, self.lang), self.t("programmes"))
        return s

    def scorecard(self) -> Section:
        s = Section("scorecard", self.t("scorecard"))
        s.tables.append(T.scorecard_grid(self.base, self.lang, self.reform))
        self.files.append(T.scorecard_table(self.base, self.lang, self.reform))
        targets = self.base.get("scorecard_targets") or {}
        s.notes.append(targets.get("document") or self.t("scorecard_note"))
        for key, why in (targets.get("not_measured") or {}).items():
            s.notes.append(f"{key}: {why}")
        return s

    def validation(self) -> Section:
        """The model side by side with official figures (issue 11 section 4, `gongfu validate`): the baseline's
        figures with their 95% sampling intervals, the official figure and its source, and whether it was a
        calibration target (the Gini, IIT revenue and IIT payers never are)."""
        s = Section("validation", self.t("validation"))
        self.table(s, T.validation_report_table(self.base, self.lang))
        s.notes.append(self.t("validation_note"))
        return s

    def reproducibility(self) -> Section:
        s = Section("reproducibility", self.t("reproducibility"))
        runs = [("", self.base)] if not self.compare else [
            (self.t("baseline") + ": ", self.base), (self.t("reform") + ": ", self.reform)]
        t = self.t
        s.repro.append((t("repro.report"), f"gongfu {__version__}, {dt.datetime.now(dt.UTC).isoformat(timespec='seconds')}"))
        s.repro.append((t("repro.parameters_now"), parameters_hash()))
        for prefix, res in runs:
            meta = res.get("meta", {})
            pop = meta.get("population") or {}
            reform = meta.get("reform") or {}
            sample = t("repro.sample_value").format(h=pop.get("households_sampled", "?"),
                                                    p=pop.get("persons_sampled", "?")) if pop else None
            backend = t("repro.backend_value").format(b=meta.get("backend"), w=meta.get("workers"),
                                                      n=meta.get("partitions")) if meta.get("backend") else None
            exactness = ", ".join(f"{k} ±{v:.2g}" for k, v in (meta.get("exactness") or {}).items()
                                  if not k.startswith("_") and isinstance(v, int | float)) or None
            rows = [("gongfu", meta.get("gongfu_version")), (t("repro.created"), meta.get("created")),
                    (t("repro.year"), res.get("year")), (t("repro.system"), _system_name(res, self.lang)),
                    (t("repro.parameters"), meta.get("parameters_sha256")),
                    (t("repro.reform"), _system_name(res, self.lang) if reform else None),
                    (t("repro.reform_file"), reform.get("file")), (t("repro.reform_sha256"), reform.get("sha256")),
                    (t("repro.population"), pop.get("source")), (t("repro.fingerprint"), pop.get("fingerprint")),
                    (t("repro.seed"), pop.get("seed")), (t("repro.sample"), sample), (t("repro.backend"), backend),
                    (t("repro.exactness"), exactness)]
            s.repro += [(prefix + k, str(v)) for k, v in rows if v is not None]
        s.notes.append(self.t("tables_note"))
        return s

    def years(self) -> Section:
        """A budget window year by year: net cost (nominal, 2025 prices) with 95% intervals, recipients, Gini and
        poverty changes, known or projected law; a chart of the cost by year (issue 14)."""
        data, lang = self.data["window"], self.lang
        s = Section("years", self.t("years"))
        tot = data["total"]
        s.cards = [{"label": f"{self.t('window.net_cost')} ({self.t('window.total')})",
                    "value": L.money(tot["net_cost"], lang),
                    "sub": f"{self.t('window.net_cost_2025')}: {L.money(tot['net_cost_2025_prices'], lang)}"}]
        self.chart(s, "window_net_cost", W.cost_chart(self.charts, data), self.t("window.chart"))
        self.table(s, W.window_table(data, lang), self.t("years"))
        note = W.projected_note(data, lang)
        if note:
            s.notes.append(note)
        if W.scorecard_rows(data):
            self.table(s, W.scorecard_table(data, lang), self.t("window.scorecard"))
        s.notes.append(W.scorecard_note(data, lang))
        s.notes.append(self.t("window.prices_note"))
        if tot.get("note"):
            s.notes.append(self.t("window.se_note"))
        return s

    def window_repro(self) -> Section:
        s = Section("reproducibility", self.t("reproducibility"))
        meta = self.data["window"].get("meta") or {}
        s.repro.append((self.t("repro.report"),
                        f"gongfu {__version__}, {dt.datetime.now(dt.UTC).isoformat(timespec='seconds')}"))
        s.repro.append((self.t("repro.parameters_now"), parameters_hash()))
        for k, v in meta.items():
            if v is not None:
                s.repro.append((k, v if isinstance(v, str) else json.dumps(v, ensure_ascii=False, default=str)))
        s.notes.append(self.t("tables_note"))
        return s

    def build_window(self) -> tuple[str, dict[str, bytes], list[T.ReportTable]]:
        data = self.data["window"]
        sections = [self.years(), self.window_repro()]
        reform = (data.get("meta") or {}).get("reform") or {}
        label = reform.get("label") or {}
        name = label.get(self.lang) or label.get("en") or (data.get("meta") or {}).get("system") or "reform"
        years = data["years"]
        title = f"{self.t('title_window')}: {name}"
        subtitle = f"{years[0]}–{years[-1]} · {self.t('baseline')} → {name}"
        return self.render(title, subtitle, sections)

    def render(self, title: str, subtitle: str, sections: list[Section]
               ) -> tuple[str, dict[str, bytes], list[T.ReportTable]]:
        """The report page of `sections`, with its charts and tables."""
        env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
        html = env.from_string(TEMPLATE).render(
            lang=self.lang, title=title, subtitle=subtitle, sections=sections, version=__version__,
            font_note=self.t("no_cjk_font") if self.charts.fallback else "",
            footer=f"{self.t('generated_by')} {__version__}")
        return html, self.pngs, self.files

    def build(self) -> tuple[str, dict[str, bytes], list[T.ReportTable]]:
        if self.window:
            return self.build_window()
        sections = [self.headline(), self.lorenz(), self.deciles(), self.winners_losers(), self.provinces(),
                    self.waterfall(), self.inequality(), self.incidence(), self.scorecard(), self.validation(),
                    self.reproducibility()]
        if self.compare:
            name = _system_name(self.reform, self.lang)
            title = f"{self.t('title_compare')}: {name}"
            subtitle = f"{self.base.get('year')} · {self.t('baseline')} → {name}"
        else:
            title = self.t("title")
            subtitle = f"{self.base.get('year')} · {_system_name(self.base, self.lang)}"
        return self.render(title, subtitle, sections)


def _system_name(res: dict, lang: str) -> str:
    """The baseline's label, or the reform's name in the language (its `zh` name where it has one)."""
    meta = res.get("meta") or {}
    system = meta.get("system") or "reform"
    if system == "baseline":
        return L.t("baseline", lang)
    label = (meta.get("reform") or {}).get("label") or {}
    return label.get(lang) or label.get("en") or str(system)


def parameters_hash() -> str:
    """sha256 over the law's parameter files (relative path + bytes), to tell which law a report used."""
    root = Path(__file__).resolve().parent.parent / "parameters"
    h = hashlib.sha256()
    for path in sorted(root.rglob("*.yaml")):
        h.update(str(path.relative_to(root)).encode())
        h.update(b"\0")
        h.update(path.read_bytes())
    return h.hexdigest()


def render_html(results_or_compare: dict, lang: str = "en") -> str:
    """The report's HTML only (nothing written)."""
    return _Builder(results_or_compare, lang).build()[0]


#: what a report written before the manifest existed holds (its marker was one line of text)
_LEGACY_FILES = ("report.html", MARKER)
_LEGACY_FOLDERS = {"charts": (".png",), "tables": (".csv", ".parquet")}


def _written_by_gongfu(out: Path) -> set[str] | None:
    """The relative paths (files and folders) the manifest of report directory `out` lists, or None when `out`
    holds no gongfu manifest."""
    marker = out / MARKER
    if not marker.is_file():
        return None
    try:
        text = marker.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    try:
        data = json.loads(text)
    except ValueError:
        data = None
    if isinstance(data, dict) and isinstance(data.get("files"), list):
        return {str(f) for f in data["files"]} | {MARKER}
    if not text.startswith("gongfu "):
        return None
    legacy = set(_LEGACY_FILES) | set(_LEGACY_FOLDERS)  # a report of an older gongfu: its files by pattern
    for folder, suffixes in _LEGACY_FOLDERS.items():
        if (out / folder).is_dir():
            legacy |= {f"{folder}/{p.name}" for p in (out / folder).iterdir() if p.suffix in suffixes}
    return legacy


def _foreign(out: Path, written: set[str]) -> list[str]:
    """Paths inside `out` that gongfu did not write (per the manifest)."""
    found = []
    for path in sorted(out.rglob("*")):
        rel = path.relative_to(out).as_posix()
        if rel not in written:
            found.append(rel)
    return found


def check_report_dir(out_dir: str | Path) -> None:
    """A GongfuError unless `out_dir` can take a report: it does not exist (its parent can be created and
    written), is empty, or is a previous gongfu report holding only the files gongfu wrote."""
    out = Path(out_dir)
    if out.exists() or out.is_symlink():
        if not out.is_dir() or out.is_symlink():
            raise GongfuError(f"--report {out}: exists and is not a directory; choose a new or empty directory")
        try:
            empty = not any(out.iterdir())
        except OSError as exc:
            raise GongfuError(f"--report {out}: cannot read the directory ({exc.strerror or exc})") from None
        if not empty:
            written = _written_by_gongfu(out)
            if written is None:
                raise GongfuError(f"--report {out}: not empty and not a gongfu report directory; choose a new or "
                                  "empty directory (gongfu never deletes files it did not write)")
            foreign = _foreign(out, written)
            if foreign:
                shown = ", ".join(foreign[:3]) + (", ..." if len(foreign) > 3 else "")
                raise GongfuError(f"--report {out}: a gongfu report directory that also holds files gongfu did not "
                                  f"write ({shown}); move them or choose another directory")
    parent = out.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        probe = Path(tempfile.mkdtemp(prefix=f".{out.name}.probe-", dir=parent))
        probe.rmdir()
    except OSError as exc:
        raise GongfuError(f"--report {out}: cannot write into {parent} ({exc.strerror or exc})") from None


def write_report(results_or_compare: dict, out_dir: str | Path, lang: str = "en") -> Path:
    """Write `report.html` (self-contained), `charts/*.png`, `tables/*.csv|parquet` into `out_dir`, with the
    manifest `.gongfu-report` listing them.

    Returns the path of report.html. An existing `out_dir` is replaced only if it is empty or a previous gongfu
    report holding nothing but the files its manifest lists (`check_report_dir`); anything else is refused. An
    OS error while writing (a full disk) leaves nothing behind and is raised as it is.
    """
    out = Path(out_dir)
    check_report_dir(out)
    html, pngs, tables = _Builder(results_or_compare, lang).build()
    try:
        tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent))
    except OSError as exc:
        raise GongfuError(f"--report {out}: cannot write into {out.parent} ({exc.strerror or exc})") from None
    try:
        (tmp / "charts").mkdir()
        (tmp / "tables").mkdir()
        written = ["charts", "tables", "report.html"]
        (tmp / "report.html").write_text(html, encoding="utf-8")
        for name, png in pngs.items():
            (tmp / "charts" / f"{name}.png").write_bytes(png)
            written.append(f"charts/{name}.png")
        for table in tables:
            frame = table.frame()
            frame.to_csv(tmp / "tables" / f"{table.name}.csv", index=False)
            frame.to_parquet(tmp / "tables" / f"{table.name}.parquet", index=False)
            written += [f"tables/{table.name}.csv", f"tables/{table.name}.parquet"]
        manifest = {"gongfu": __version__, "files": sorted(set(written))}
        (tmp / MARKER).write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
        os.chmod(tmp, 0o755)
        _swap_into_place(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out / "report.html"


def _swap_into_place(tmp: Path, out: Path) -> None:
    """Move the new report into place; a previous report is deleted only if it holds nothing but what gongfu
    wrote (checked again here, after the run: a file added meanwhile keeps the old directory in place)."""
    if not out.exists():
        os.replace(tmp, out)
        return
    if not any(out.iterdir()):
        out.rmdir()
        os.replace(tmp, out)
        return
    old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
    old.rmdir()
    os.replace(out, old)
    written = _written_by_gongfu(old)
    if written is None or _foreign(old, written):
        os.replace(old, out)
        raise GongfuError(f"--report {out}: files that gongfu did not write appeared during the run; the directory "
                          "is left as it was (choose another directory)")
    try:
        os.replace(tmp, out)
    except BaseException:
        os.replace(old, out)
        raise
    shutil.rmtree(old, ignore_errors=True)


__all__ = ["check_report_dir", "write_report", "render_html", "parameters_hash", "SECTION_IDS", "WINDOW_SECTION_IDS"]
