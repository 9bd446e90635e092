"""Report charts as PNG bytes (matplotlib, Agg canvas; no pyplot state, no display, no network).

Chinese chart labels need a CJK font. `cjk_font()` looks for one (Noto Sans CJK from Debian's
`fonts-noto-cjk`, WenQuanYi, Source Han, SimHei, …); without one the charts fall back to English labels and the
report says so.
"""

from __future__ import annotations

import contextlib
import functools
import io
import logging
import warnings
from collections.abc import Iterator, Sequence

import numpy as np

from ..engine.geography import BY_KEY
from ..extras import require
from .labels import FIVE_GROUPS, concept, province_name, stat, t

font_manager = require("matplotlib.font_manager", "report")
FigureCanvasAgg = require("matplotlib.backends.backend_agg", "report").FigureCanvasAgg
Figure = require("matplotlib.figure", "report").Figure

CJK_NAMES = ("Noto Sans CJK SC", "Noto Sans CJK", "Source Han Sans SC", "Source Han Sans", "WenQuanYi Zen Hei",
             "WenQuanYi Micro Hei", "SimHei", "Microsoft YaHei", "PingFang SC", "Heiti SC", "Noto Serif CJK SC")
BLUE, ORANGE, GREEN, RED, GREY = "#1f5fa8", "#e07b28", "#2e8b57", "#c0392b", "#8a8a8a"
FIVE_COLOURS = {"lose_over_5pct": RED, "lose_up_to_5pct": "#e8958b", "no_change": "#c8c8c8",
                "gain_up_to_5pct": "#8fd1a8", "gain_over_5pct": GREEN}

#: Tile-grid map of the 31 provinces: (row, column), roughly where each lies.
TILES: dict[str, tuple[int, int]] = {
    "heilongjiang": (0, 7),
    "neimenggu": (1, 4), "beijing": (1, 5), "tianjin": (1, 6), "jilin": (1, 7),
    "xinjiang": (2, 0), "qinghai": (2, 1), "gansu": (2, 2), "ningxia": (2, 3), "shanxi": (2, 4), "hebei": (2, 5),
    "shandong": (2, 6), "liaoning": (2, 7),
    "xizang": (3, 1), "sichuan": (3, 2), "shaanxi": (3, 3), "henan": (3, 4), "anhui": (3, 5), "jiangsu": (3, 6),
    "yunnan": (4, 2), "chongqing": (4, 3), "hubei": (4, 4), "jiangxi": (4, 5), "zhejiang": (4, 6),
    "shanghai": (4, 7),
    "guizhou": (5, 3), "hunan": (5, 4), "fujian": (5, 5),
    "guangxi": (6, 3), "guangdong": (6, 4),
    "hainan": (7, 4),
}


@functools.cache
def cjk_font() -> str | None:
    """Name of an installed font that can draw Chinese, or None."""
    names = {f.name for f in font_manager.fontManager.ttflist}
    for wanted in CJK_NAMES:
        if wanted in names:
            return wanted
    # The font cache may predate the font's installation: look at the files themselves.
    for path in font_manager.findSystemFonts():
        low = path.lower()
        if any(k in low for k in ("notosanscjk", "sourcehansans", "wqy", "simhei", "msyh")):
            try:
                font_manager.fontManager.addfont(path)
                return font_manager.FontProperties(fname=path).get_name()
            except (OSError, RuntimeError):
                continue
    return None


@contextlib.contextmanager
def quiet_fonts() -> Iterator[None]:
    """Keep matplotlib's font messages ("findfont: Failed to find font weight bold ...", "Glyph ... missing from
    font") out of the user's terminal while a chart is drawn: the report says once, in its own words, when no
    Chinese font was found (`Charts.fallback`, TEXT["no_cjk_font"])."""
    logger = logging.getLogger("matplotlib.font_manager")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=r".*(Glyph|glyph|findfont|font).*")
            yield
    finally:
        logger.setLevel(level)


class Charts:
    """Draws every chart of the report in one language; `lang` falls back to English without a CJK font."""

    def __init__(self, lang: str = "en"):
        self.requested = lang
        self.font = cjk_font() if lang == "zh" else None
        self.lang = "zh" if (lang == "zh" and self.font) else "en"
        self.fallback = lang == "zh" and self.font is None

    # -- plumbing -------------------------------------------------------------------------------------------
    def _figure(self, width: float = 7.5, height: float = 4.2) -> Figure:
        fig = Figure(figsize=(width, height), dpi=110, layout="constrained")
        FigureCanvasAgg(fig)
        return fig

    def _png(self, fig: Figure) -> bytes:
        with quiet_fonts():
            if self.font:
                for text in fig.findobj(match=lambda o: hasattr(o, "set_fontfamily")):
                    text.set_fontfamily([self.font, "DejaVu Sans"])
            buf = io.BytesIO()
            fig.savefig(buf, format="png", metadata={"Software": "gongfu"})
        return buf.getvalue()

    def t(self, key: str) -> str:
        return t(key, self.lang)

    # -- charts ---------------------------------------------------------------------------------------------
    def lorenz(self, curves: Sequence[tuple[str, list[list[float]], float | None]]) -> bytes:
        """Lorenz curves: (label, [[p, L], ...], gini) each, and the line of equality."""
        fig = self._figure(6.0, 5.4)
        ax = fig.add_subplot()
        ax.plot([0, 1], [0, 1], color=GREY, lw=1, ls="--", label=self.t("equality"))
        for (label, points, gini), colour in zip(curves, (BLUE, ORANGE, GREEN, RED), strict=False):
            pts = np.asarray(points, dtype=float)
            text = label if gini is None else f"{label} (Gini {gini:.3f})"
            ax.plot(pts[:, 0], pts[:, 1], color=colour, lw=2, label=text)
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1)
        ax.set_aspect("equal")
        ax.set_xlabel(self.t("population_share"))
        ax.set_ylabel(self.t("income_share"))
        ax.grid(alpha=0.3)
        ax.legend(loc="upper left", fontsize=9)
        return self._png(fig)

    def deciles(self, rows: list[dict]) -> bytes:
        """Mean change per person by decile, with the percentage change written on each bar."""
        fig = self._figure()
        ax = fig.add_subplot()
        d = [int(r["decile"]) for r in rows]
        change = np.array([float(r["mean_change"]) for r in rows])
        bars = ax.bar(d, change, color=[GREEN if c >= 0 else RED for c in change])
        for bar, r in zip(bars, rows, strict=True):
            p = r.get("pct_change")
            if p is not None:
                ax.annotate(f"{p * 100:+.1f}%", (bar.get_x() + bar.get_width() / 2, bar.get_height()),
                            ha="center", va="bottom" if bar.get_height() >= 0 else "top", fontsize=8)
        ax.axhline(0, color="black", lw=0.8)
        ax.set_xticks(d)
        ax.set_xlabel(self.t("decile"))
        ax.set_ylabel(self.t("mean_change"))
        ax.grid(axis="y", alpha=0.3)
        return self._png(fig)

    def winners_losers(self, shares: dict[str, float]) -> bytes:
        """The five mutually exclusive groups of winners and losers (shares of persons adding up to 100%)."""
        keys = [k for k in reversed(FIVE_GROUPS) if k in shares]
        fig = self._figure(7.5, 3.0)
        ax = fig.add_subplot()
        colours = FIVE_COLOURS
        values = [float(shares[k]) * 100 for k in keys]
        bars = ax.barh([stat(k, self.lang) for k in keys], values, color=[colours[k] for k in keys])
        for bar, v in zip(bars, values, strict=True):
            ax.annotate(f"{v:.1f}%", (bar.get_width(), bar.get_y() + bar.get_height() / 2), va="center",
                        xytext=(3, 0), textcoords="offset points", fontsize=8)
        ax.set_xlabel(self.t("share_persons") + " (%)")
        ax.set_xlim(0, max(values + [1.0]) * 1.15)
        ax.grid(axis="x", alpha=0.3)
        return self._png(fig)

    def decile_shares(self, rows: list[dict]) -> bytes:
        """Stacked bars per decile of baseline income: the shares of its persons in the five groups of winners and
        losers (each bar adds up to 100%)."""
        fig = self._figure(7.5, 4.0)
        ax = fig.add_subplot()
        d = np.array([int(r["decile"]) for r in rows])
        bottom = np.zeros(d.size)
        for k in reversed(FIVE_GROUPS):  # losers at the bottom, gainers on top
            v = np.array([float(r.get(k) or 0.0) * 100 for r in rows])
            ax.bar(d, v, bottom=bottom, color=FIVE_COLOURS[k], label=stat(k, self.lang), width=0.8)
            bottom += v
        ax.set_xticks(d)
        ax.set_ylim(0, 100)
        ax.set_xlabel(self.t("decile"))
        ax.set_ylabel(self.t("share_persons") + " (%)")
        handles, labels = ax.get_legend_handles_labels()
        ax.legend(handles[::-1], labels[::-1], fontsize=8, loc="center left", bbox_to_anchor=(1.01, 0.5))
        return self._png(fig)

    def province_bars(self, values: dict[str, float], label_key: str, signed: bool = False) -> bytes:
        """Horizontal bars, one per province, sorted by value."""
        items = sorted(values.items(), key=lambda kv: kv[1])
        fig = self._figure(7.5, 8.0)
        ax = fig.add_subplot()
        names = [province_name(k, self.lang) for k, _ in items]
        vals = [v for _, v in items]
        colours = [(GREEN if v >= 0 else RED) for v in vals] if signed else BLUE
        ax.barh(names, vals, color=colours)
        if signed:
            ax.axvline(0, color="black", lw=0.8)
        ax.tick_params(axis="y", labelsize=8)
        ax.set_xlabel(self.t(label_key))
        ax.grid(axis="x", alpha=0.3)
        return self._png(fig)

    def tile_map(self, values: dict[str, float], label_key: str, signed: bool = False) -> bytes:
        """The 31 provinces as a tile grid coloured by value (diverging colours for a change)."""
        import matplotlib as mpl

        fig = self._figure(7.5, 6.6)
        ax = fig.add_subplot()
        known = {k: v for k, v in values.items() if k in TILES}
        vals = np.array(list(known.values()) or [0.0])
        if signed:
            bound = max(float(np.max(np.abs(vals))), 1e-9)
            norm = mpl.colors.TwoSlopeNorm(vmin=-bound, vcenter=0.0, vmax=bound)
            cmap = mpl.colormaps["RdYlGn"]
        else:
            norm = mpl.colors.Normalize(vmin=float(vals.min()), vmax=float(vals.max()) or 1.0)
            cmap = mpl.colormaps["Blues"]
        for key, (row, col) in TILES.items():
            value = known.get(key)
            colour = cmap(norm(value)) if value is not None else "#eeeeee"
            ax.add_patch(mpl.patches.FancyBboxPatch((col + 0.05, -row - 0.95), 0.9, 0.9,
                                                    boxstyle="round,pad=0,rounding_size=0.08",
                                                    facecolor=colour, edgecolor="white"))
            dark = value is not None and (norm(value) > 0.65 if not signed else abs(norm(value) - 0.5) > 0.35)
            short = BY_KEY[key].zh if self.lang == "zh" else BY_KEY[key].en.split(" ")[0][:9]
            ax.text(col + 0.5, -row - 0.38, short, ha="center", va="center", fontsize=7.5,
                    color="white" if dark else "black")
            if value is not None:
                ax.text(col + 0.5, -row - 0.68, f"{value:+,.0f}" if signed else f"{value / 1000:,.1f}k",
                        ha="center", va="center", fontsize=6.5, color="white" if dark else "#333333")
        ax.set_xlim(-0.1, 8.1)
        ax.set_ylim(-8.1, 0.1)
        ax.set_aspect("equal")
        ax.axis("off")
        sm = mpl.cm.ScalarMappable(norm=norm, cmap=cmap)
        fig.colorbar(sm, ax=ax, shrink=0.6, label=self.t(label_key))
        return self._png(fig)

    def waterfall(self, steps: list[tuple[str, float]], total: float) -> bytes:
        """Each programme's change of disposable income, stacked from zero, then the total (billion yuan)."""
        scale = 1e8 if self.lang == "zh" else 1e9
        fig = self._figure(7.5, 4.4)
        ax = fig.add_subplot()
        start = 0.0
        names = []
        for i, (label, change) in enumerate(steps):
            v = change / scale
            ax.bar(i, v, bottom=start, color=GREEN if v >= 0 else RED)
            ax.annotate(f"{v:+,.1f}", (i, start + v), ha="center", va="bottom" if v >= 0 else "top", fontsize=8)
            if i:
                ax.plot([i - 1.4, i - 0.6], [start, start], color=GREY, lw=0.8)
            start += v
            names.append(label)
        ax.bar(len(steps), total / scale, color=BLUE)
        ax.annotate(f"{total / scale:+,.1f}", (len(steps), total / scale), ha="center",
                    va="bottom" if total >= 0 else "top", fontsize=8, weight="bold")
        names.append(self.t("total_change"))
        ax.axhline(0, color="black", lw=0.8)
        ax.set_xticks(range(len(names)), names, rotation=25, ha="right", fontsize=8)
        ax.set_ylabel(self.t("waterfall_axis"))
        ax.grid(axis="y", alpha=0.3)
        return self._png(fig)

    def incidence(self, stages: list[dict], reform: list[dict] | None = None) -> bytes:
        """Gini and mean income per capita at each tier (market → … → after philanthropy)."""
        fig = self._figure(7.5, 3.8)
        ax1, ax2 = fig.subplots(1, 2)
        names = [concept(s["concept"], self.lang) for s in stages]
        x = np.arange(len(stages))
        width = 0.38 if reform else 0.7
        ax1.bar(x - (width / 2 if reform else 0), [s["gini"] for s in stages], width, color=BLUE,
                label=self.t("baseline"))
        ax2.bar(x - (width / 2 if reform else 0), [s["mean"] for s in stages], width, color=BLUE,
                label=self.t("baseline"))
        if reform:
            ax1.bar(x + width / 2, [s["gini"] for s in reform], width, color=ORANGE, label=self.t("reform"))
            ax2.bar(x + width / 2, [s["mean"] for s in reform], width, color=ORANGE, label=self.t("reform"))
            ax1.legend(fontsize=8, loc="lower left")
        ginis = [s["gini"] for s in stages] + [s["gini"] for s in (reform or [])]
        ax1.set_ylim(max(0.0, min(ginis) - 0.05), max(ginis) + 0.02)
        ax1.set_title(self.t("gini"), fontsize=10)
        ax2.set_title(self.t("mean_pc"), fontsize=10)
        for ax in (ax1, ax2):
            ax.set_xticks(x, names, rotation=20, ha="right", fontsize=8)
            ax.grid(axis="y", alpha=0.3)
        return self._png(fig)
