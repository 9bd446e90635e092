"""Reduce one partition to a `RunAggregate`: the engine runs block by block, baseline and reform in the same pass.

Per block of households (default 65,536, cache-sized): one `Simulation` of the baseline, then `sim.branch(reform)`
which recomputes only the variables that depend on what the reform changed (`Simulation.recomputed_by`); every
output of the baseline the reform cannot change is reused, and so are its reductions. Each block is reduced at
once, while its arrays are hot in cache, into per-partition float64 accumulators:

* by cell (province x urban/rural area of residence, 62 cells) and, where a split by hukou type is reported,
  by cell x hukou type of the person: weighted sums of per-capita incomes, programme amounts and recipients,
  Theil terms (sum w x ln x, sum w ln x), FGT terms at the absolute poverty lines, middle-income bands and
  (with a reform) changes, winners and losers;
* into the bins of `DistributionSketch`es (binning.py): national per-capita income of each concept, per-capita
  disposable income by cell and by hukou type, programme amounts by bin of market income (concentration and
  Kakwani indices), reform changes by bin of baseline income (deciles of gains in the same pass).
* under R replicate weights (w x a multiplier that depends on the household through its pair's group and
  its parity, analysis/replicates.py), nationally: the headline columns (persons, programme amounts and
  recipients, headcounts at the absolute lines, winners and losers) summed by replicate key over each column's
  own rows, and a coarse histogram of per-capita disposable income by key (and of the reform's changes by bin
  of baseline income), turned into R replicate sums at the end of the partition, for the standard errors of
  `uncertainty` (run/uncertainty.py).

At the end of the partition the float sums are converted exactly to fixed-point limbs, so partitions merge
exactly (aggregate.py). Everything person-based is computed on households with person weights
(household weight x members): per-capita income is the same for every member, so this is exact and 2.6x cheaper.
"""

from __future__ import annotations

import hashlib
import pickle
import threading
from dataclasses import dataclass
from typing import Any

import numpy as np

import gongfu.run.layout as L
from gongfu.analysis.reductions import change_flags, fgt_terms, theil_terms
from gongfu.analysis.replicates import HIST, METHOD, N_REPLICATES, SEED, n_groups
from gongfu.analysis.sketch import DistributionSketch
from gongfu.engine import PERSON, TaxBenefitSystem, load_system
from gongfu.engine.enums import HukouType
from gongfu.engine.errors import InputError
from gongfu.engine.geography import CODE_TO_INDEX
from gongfu.engine.simulation import changed_formulas, changed_parameters
from gongfu.exact import to_limbs_many

from . import pgroups
from .aggregate import RunAggregate
from .binning import BinAccumulator, Binned, bin_index, elementwise, sketch_n_bins
from .layout import CONCEPT_VARIABLES, CONCEPTS, DECILE_COLUMNS, N_CELLS, Columns
from .repsums import ReplicateSums, expand_state, replicate_hist

PROGRAMME_ROLES = ("tax", "contribution", "benefit", "charity")
#: variables that describe the population: a reform must not change them (weights and groups stay fixed)
STRUCTURE = ("weight", "household_size", "province", "area", "hukou_type")

FINE = {"sub_bins": 1024, "min_exponent": 0, "max_exponent": 32}
GROUP = {"sub_bins": 256, "min_exponent": 0, "max_exponent": 32}


@dataclass(frozen=True)
class RunConfig:
    """What every worker needs to reduce a partition (picklable; `digest` identifies it in checkpoints)."""

    year: int = 2025
    reform: Any = None  # a gongfu.reforms.Reform, a TaxBenefitSystem, or None
    reform_digest: str | None = None
    lines: tuple[tuple[str, float], ...] = ()  # absolute poverty lines, yuan per person per year
    bands: tuple[tuple[str, float, float], ...] = (("100k_500k", 100_000.0, 500_000.0),
                                                   ("200k_600k", 200_000.0, 600_000.0))
    fine: tuple[tuple[str, int], ...] = tuple(FINE.items())
    group: tuple[tuple[str, int], ...] = tuple(GROUP.items())
    block: int = 65_536
    system: Any = None  # a TaxBenefitSystem to use instead of the shipped law as the baseline
    system_digest: str | None = None
    replicates: int = N_REPLICATES  # replicate weights for standard errors (0: none)
    replicate_seed: int = SEED

    def description(self) -> dict[str, Any]:
        """Everything that determines a partition's state (for the run fingerprint)."""
        return {"year": self.year, "reform": self.reform_digest, "lines": [list(x) for x in self.lines],
                "bands": [list(b) for b in self.bands], "fine": dict(self.fine), "group": dict(self.group),
                "block": self.block, "system": self.system_digest,
                "replicates": [self.replicates, self.replicate_seed]}


# ------------------------------------------------------------------------------------------ context --


class Context:
    """Systems, programme list, layout and reusable accumulators of one worker process."""

    def __init__(self, config: RunConfig):
        self.config = config
        self.base = config.system if config.system is not None else load_system()
        self.reform = resolve_reform_system(config.reform, self.base)
        systems = [self.base] + ([self.reform] if self.reform is not None else [])
        names: list[str] = []
        for s in systems:
            for v in s.variables_with_role(*PROGRAMME_ROLES):
                if v.name not in names:
                    names.append(v.name)
        self.programmes = names
        market: list[str] = []
        for s in systems:
            for v in s.variables_with_role("market"):
                if v.name not in market:
                    market.append(v.name)
        self.market = market
        if self.reform is not None:
            self.recomputed = self.reform.dependents(
                parameters=changed_parameters(self.base, self.reform),
                variables=changed_formulas(self.base, self.reform))
            bad = sorted(set(STRUCTURE) & self.recomputed)
            if bad:
                raise InputError(f"the reform changes {', '.join(bad)}: population weights and groups must stay "
                                 "fixed between baseline and reform")
        else:
            self.recomputed = set()
        self.fine = dict(config.fine)
        self.group = dict(config.group)
        self.systems = ["b"] + (["r"] if self.reform is not None else [])
        self.changed_concepts = {c for c in CONCEPTS if self._changed(CONCEPT_VARIABLES[c])}
        if self._changed("per_capita_disposable_income"):
            self.changed_concepts.add("disposable")
        self.changed_programmes = [p for p in self.programmes if self._changed(p)]
        self.changed_market = [m for m in self.market if self._changed(m)]
        self.layout = self._layout()
        self.columns = Columns(self.layout)
        self._acc: dict[str, SystemAccumulators] | None = None
        self._unchanged: dict[str, tuple[np.ndarray, np.ndarray]] = {}

    def unchanged_columns(self, table: str) -> tuple[np.ndarray, np.ndarray]:
        """(reform columns, baseline columns) of `table` the reform cannot change (`_column_changed`)."""
        out = self._unchanged.get(table)
        if out is None:
            index = self.columns.table(table)
            pairs = [(j, index[base]) for name, j in index.items()
                     if (base := L.reform_counterpart(name)) is not None and not _column_changed(self, name)]
            out = self._unchanged[table] = (np.array([p[0] for p in pairs], dtype=np.int64),
                                            np.array([p[1] for p in pairs], dtype=np.int64))
        return out

    def _changed(self, name: str) -> bool:
        if self.reform is None:
            return False
        return name in self.recomputed or name not in self.base.variables

    def takeup_programmes(self) -> list[str]:
        """The programmes whose take-up is reduced: those of `layout.TAKEUP_PROGRAMMES` every system defines
        (with their entitlement variable)."""
        systems = [self.base] + ([self.reform] if self.reform is not None else [])
        return [p for p, ent in L.TAKEUP_PROGRAMMES.items()
                if p in self.programmes and all(p in s.variables and ent in s.variables for s in systems)]

    def programme_info(self) -> dict[str, dict[str, Any]]:
        out = {}
        for p in self.programmes:
            v = (self.reform.variables.get(p) if self.reform is not None else None) or self.base.variables[p]
            out[p] = {"role": v.role, "tier": v.tier, "entity": v.entity.key, "label": dict(v.label),
                      "in_baseline": p in self.base.variables,
                      "in_reform": self.reform is None or p in self.reform.variables}
        return out

    def _layout(self) -> L.StateLayout:
        tables = L.Layout(systems=self.systems, programmes=self.programmes, lines=self.config.lines,
                          bands=self.config.bands, changed_market=self.changed_market,  # (for the waterfall)
                          reform=self.reform is not None, takeup=self.takeup_programmes())
        cellsh, cells = tables.cellsh(), tables.cells()
        rank = {"b": self.programmes + ["net_market", "disposable", "after_philanthropy"]}
        if self.reform is not None:
            if "market" in self.changed_concepts:
                rank["r"] = list(rank["b"])
            else:
                rank["r"] = self.changed_programmes + [c for c in ("net_market", "disposable", "after_philanthropy")
                                                       if c in self.changed_concepts]
        return {
            "version": 2, "systems": self.systems, "programmes": self.programmes,
            "programme_info": self.programme_info(), "market_components": self.market if self.reform else [],
            "cellsh": cellsh, "cells": cells, "rank": rank, "deciles": list(DECILE_COLUMNS),
            "lines": [[n, float(v)] for n, v in self.config.lines],
            "bands": [[n, float(lo), float(hi)] for n, lo, hi in self.config.bands],
            "fine": self.fine, "group": self.group, "block": self.config.block,
            "changed": {"concepts": sorted(self.changed_concepts), "programmes": self.changed_programmes,
                        "market": self.changed_market},
            "year": self.config.year, "reform": self.config.reform_digest,
            "replicates": self._replicate_layout(),
            "takeup_programmes": self.takeup_programmes(),
        }

    def _replicate_layout(self) -> dict[str, Any]:
        """What is summed per replicate weight (`analysis/replicates.py`): for the reform only what it changes
        (the rest is the baseline's)."""
        n = max(0, int(self.config.replicates))
        reform = self.reform is not None
        takeup = self.takeup_programmes()
        columns = ({"b": L.replicate_columns("b", self.programmes, self.config.lines, True, reform, takeup)}
                   if n else {})
        hist = ["b"] if n else []
        if n and reform:
            disposable = "disposable" in self.changed_concepts
            columns["r"] = L.replicate_columns("r", self.changed_programmes, self.config.lines, disposable, True,
                                               [p for p in takeup if p in self.changed_programmes])
            if disposable:
                hist.append("r")
        return {"n": n, "seed": int(self.config.replicate_seed), "method": METHOD,
                "hist_config": dict(HIST), "columns": columns, "hist": hist}

    def accumulators(self) -> dict[str, SystemAccumulators]:
        if self._acc is None:
            self._acc = {s: SystemAccumulators(self, s) for s in self.systems}
        else:
            for a in self._acc.values():
                a.reset()
        return self._acc


_LOCAL = threading.local()
KEPT_CONTEXTS = 12  # contexts a worker keeps (one per year of a window of years, run/window.py)


def context(config: RunConfig) -> Context:
    """The worker's context for `config`, built once per process and thread (Dask may run tasks in threads;
    each thread has its own accumulators)."""
    key = config_key(config)
    cache = getattr(_LOCAL, "contexts", None)
    if cache is None:
        cache = _LOCAL.contexts = {}
    ctx = cache.get(key)
    if ctx is None:
        if len(cache) >= KEPT_CONTEXTS:  # a window of years alternates configs partition by partition
            cache.clear()
        ctx = cache[key] = Context(config)
    return ctx


def config_key(config: RunConfig) -> str:
    return hashlib.sha256(pickle.dumps(config.description())).hexdigest()


def resolve_reform_system(reform: Any, base: TaxBenefitSystem) -> TaxBenefitSystem | None:
    if reform is None:
        return None
    if isinstance(reform, TaxBenefitSystem):
        return reform
    if hasattr(reform, "apply"):
        return reform.apply(base)
    raise TypeError(f"reform must be a Reform, a TaxBenefitSystem or None, not {type(reform).__name__}")


# ------------------------------------------------------------------------------------- accumulators --


class SystemAccumulators:
    """Per-partition float accumulators of one system ("b" baseline, "r" reform)."""

    def __init__(self, ctx: Context, system: str):
        self.system = system
        reform = system == "r"
        concepts = [c for c in CONCEPTS if not reform or c in ctx.changed_concepts]
        self.fine: dict[str, BinAccumulator] = {}
        for c in concepts:
            extra = 0
            if c == "market":  # programme amounts and stage incomes by bin of market income
                extra = len(ctx.layout["rank"][system])
            if c == "disposable" and system == "b" and ctx.reform is not None:
                extra = len(DECILE_COLUMNS)  # reform changes by bin of baseline income
            self.fine[c] = BinAccumulator(ctx.fine, n_extra=extra)
        # the reform's programme amounts by bin of (unchanged) baseline market income
        self.rank_on_base = reform and "market" not in ctx.changed_concepts
        self.rank = (BinAccumulator(ctx.fine, n_groups=1, n_weights=0, n_extra=len(ctx.layout["rank"]["r"]))
                     if self.rank_on_base else None)
        self.by_disposable = "disposable" in concepts
        self.cell = BinAccumulator(ctx.group, n_groups=N_CELLS) if self.by_disposable else None
        self.hukou = BinAccumulator(ctx.group, n_weights=2) if self.by_disposable else None
        self.pgroup = pgroups.accumulator(ctx.group) if self.by_disposable else None  # person groups
        self.cellsh = np.zeros((N_CELLS, 2, len(ctx.layout["cellsh"])))
        self.cells = np.zeros((N_CELLS, len(ctx.layout["cells"])))
        reps = ctx.layout["replicates"]
        self.n_rep = int(reps["n"])
        names = reps["columns"].get(system, [])
        self.rep_index = {n: j for j, n in enumerate(names)}
        keys = 2 * n_groups(self.n_rep) if self.n_rep else 0
        # sums by replicate key (`repsums`), turned into replicate sums at the end of a partition (`_finish`)
        self.rep = np.zeros((len(names), keys))
        n_bins = sketch_n_bins(reps["hist_config"])
        self.rep_hist = np.zeros((2, n_bins, keys)) if system in reps["hist"] else None
        self.rep_dec = np.zeros((1, n_bins, keys)) if reform and self.n_rep else None

    def reset(self) -> None:
        for acc in (*self.fine.values(), self.rank, self.cell, self.hukou, self.pgroup):
            if acc is not None:
                acc.reset()
        self.cellsh[:] = 0.0
        self.cells[:] = 0.0
        self.rep[:] = 0.0
        for x in (self.rep_hist, self.rep_dec):
            if x is not None:
                x[:] = 0.0


class Segments:
    """Sums of household arrays by cell for one block (contiguous runs when households are sorted by cell)."""

    def __init__(self, cell: np.ndarray):
        n = cell.size
        self.order = None
        if n == 0:
            self.starts = np.zeros(0, dtype=np.int64)
            self.cells = np.zeros(0, dtype=np.int64)
            return
        starts = np.flatnonzero(np.r_[True, cell[1:] != cell[:-1]])
        run_cells = cell[starts]
        if np.unique(run_cells).size < run_cells.size:  # a cell in several runs: sort (stably) by cell
            self.order = np.argsort(cell, kind="stable")
            sorted_cell = cell[self.order]
            starts = np.flatnonzero(np.r_[True, sorted_cell[1:] != sorted_cell[:-1]])
            run_cells = sorted_cell[starts]
        # each cell's rows are one run, in row order: the same sums as over the stably sorted rows, no gather
        self.starts = starts
        self.cells = run_cells.astype(np.int64)

    def reduce(self, values: np.ndarray) -> np.ndarray:
        v = values if self.order is None else values[self.order]
        return np.add.reduceat(v, self.starts) if v.size else np.zeros(0)


# ------------------------------------------------------------------------------------------ the pass --


def household_starts(household_ids: np.ndarray, person_household_ids: np.ndarray, name: str) -> np.ndarray:
    """Index of each household's first person; checks persons are grouped by household in household order."""
    n_p = person_household_ids.size
    if n_p == 0:
        raise InputError(f"partition {name}: no persons")
    starts = np.flatnonzero(np.r_[True, person_household_ids[1:] != person_household_ids[:-1]])
    if starts.size != household_ids.size or not np.array_equal(person_household_ids[starts], household_ids):
        raise InputError(f"partition {name}: persons must be grouped by household, in the order of the households "
                         "table, and every household needs at least one person")
    return starts


def reduce_partition(households: dict[str, np.ndarray], persons: dict[str, np.ndarray], config: RunConfig,
                     partition_id: int, name: str = "", keep: Any = None) -> RunAggregate:
    """The exact mergeable state of one partition under the baseline (and the reform, in the same pass).

    `keep`: a key of a sample kept in memory between runs (a server's warm sample, `sources.WarmGeneratedSource`):
    the partition's baseline simulations are then kept in this worker (`_kept_blocks`), so a later run under the
    same baseline law and year computes only what a reform changes. Results are the same (the cached values are
    the ones a new simulation computes)."""
    ctx = context(config)
    acc = ctx.accumulators()
    name = name or str(partition_id)
    kept = _kept_blocks(keep, config, ctx, partition_id, households, persons, name)
    if kept is None:
        kept = _baseline_blocks(ctx, config, households, persons, name, keep=False)
    hid, cell_all, n_hh, n_p, sims = kept
    for sim, rows in sims:
        _reduce_block(ctx, acc, sim, cell_all[rows], hid[rows])
    return _finish(ctx, acc, partition_id, n_hh, n_p)


def _cells(households: dict[str, np.ndarray], name: str) -> np.ndarray:
    province = np.asarray(households["province"]).astype(np.int64)
    if province.size and (province.min() < 0 or province.max() > 127 or np.any(CODE_TO_INDEX[province] < 0)):
        bad = province[(province < 0) | (province > 127)]
        if bad.size == 0:
            bad = province[CODE_TO_INDEX[province] < 0]
        raise InputError(f"partition {name}: province code {bad[0]} is not a GB/T 2260 province code")
    area = np.asarray(households.get("area", np.ones(province.size, dtype=np.int8))).astype(np.int64)
    if area.size and (area.min() < 0 or area.max() > 1):
        raise InputError(f"partition {name}: area must be 0 (rural) or 1 (urban)")
    return CODE_TO_INDEX[province].astype(np.int64) * 2 + area


class _Block(ReplicateSums):
    """System-independent arrays of one block (household level, and person level where programmes need it), and
    their replicate sums (`ReplicateSums`)."""

    def __init__(self, sim: Any, cell: np.ndarray):
        m = sim.members
        self.starts = m.starts
        self.index = m.index
        self.n_hh = m.n_households
        self.w = np.asarray(sim.calc("weight"), dtype=np.float64)
        if not np.all(np.isfinite(self.w)) or (self.w.size and self.w.min() < 0):
            raise InputError("household weights must be finite and non-negative")
        self.n = np.asarray(sim.calc("household_size"), dtype=np.float64)
        self.pw = self.w * self.n
        self.urban = sim.calc("hukou_type") == HukouType.urban  # person
        self.n_u = np.bincount(self.index, weights=self.urban, minlength=self.n_hh)
        self.share_u = self.n_u / self.n
        self.pw_u = self.w * self.n_u
        self.pw_r = self.pw - self.pw_u
        head_u = self.urban[self.starts]
        self.w_hu = self.w * head_u
        self.w_hr = self.w - self.w_hu
        self.cell = cell
        self.seg = Segments(cell)
        self._person: dict[str, np.ndarray] = {}
        ReplicateSums.__init__(self)
        self.pg = pgroups.member_counts(sim, self.index, self.n_hh)  # members of each person group
        self._pg_rows: list[tuple[np.ndarray | None, np.ndarray]] | None = None

    def pg_rows(self) -> list[tuple[np.ndarray | None, np.ndarray]]:
        """Rows and person weights of each person group's sketch (`pgroups.sketch_rows`), made once a block."""
        if self._pg_rows is None:
            self._pg_rows = pgroups.sketch_rows(self.pg, self.w)
        return self._pg_rows

    def person(self, key: str) -> np.ndarray:
        """Person-level weight ("w"), cell ("cell") and cell x hukou slot ("slot": 2 cell + 0 urban / 1 rural)."""
        out = self._person.get(key)
        if out is None:
            if key == "w":
                out = self.w[self.index]
            elif key == "cell":
                out = self.cell[self.index]
            elif key == "slot":
                out = self.person("cell") * 2 + (~self.urban)
            else:
                raise KeyError(key)
            self._person[key] = out
        return out


def _log_positive(x: np.ndarray, like: tuple[np.ndarray, np.ndarray] | None) -> np.ndarray:
    """ln x where x > 0, 0 elsewhere (see `binning.elementwise` for `like`)."""
    return elementwise(lambda v: np.log(np.where(v > 0, v, 1.0)), x, like)


def _binned_like(x: np.ndarray, config: dict[str, int], ref: tuple[Binned, np.ndarray] | None) -> Binned:
    """The bins of x in the layout `config`; `ref` = (bins of an array equal to x outside rows `diff`, diff)."""
    like = None if ref is None else (ref[0].idx, ref[1])
    return Binned(elementwise(lambda v: bin_index(v, config), x, like))


class _Rank:
    """The bins of market income that programmes are ranked by in one block, household and person level."""

    def __init__(self, acc: BinAccumulator | None, binned: Binned | None, b: _Block):
        self.acc, self.binned, self.b = acc, binned, b
        self._person: Binned | None = None

    def person(self) -> Binned:
        """Each person's household bin, with the households' range (every household has a member): for
        programmes paid to most persons (those paid to few read their households' bins directly)."""
        if self._person is None:
            h = self.binned
            self._person = Binned(h.idx[self.b.index], lo=h.lo, size=h.size)
        return self._person


def _reduce_block(ctx: Context, acc: dict[str, SystemAccumulators], sim: Any, cell: np.ndarray,
                  ids: np.ndarray) -> None:
    b = _Block(sim, cell)
    reps = ctx.layout["replicates"]
    if reps["n"]:
        b.set_replicates(ids, reps["n"], reps["seed"])
    base_vals = _system_block(ctx, acc["b"], sim, b, None)
    if ctx.reform is not None:
        rsim = sim.branch(ctx.reform)
        reform_vals = _system_block(ctx, acc["r"], rsim, b, base_vals)
        _changes(ctx, acc, b, base_vals, reform_vals)


def _concepts(sim: Any, b: _Block, names: Any) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    totals, pc = {}, {}
    for c in names:
        totals[c] = np.asarray(sim.calc(CONCEPT_VARIABLES[c]), dtype=np.float64)
        pc[c] = (np.asarray(sim.calc("per_capita_disposable_income"), dtype=np.float64) if c == "disposable"
                 else totals[c] / b.n)
    return totals, pc


def _system_block(ctx: Context, a: SystemAccumulators, sim: Any, b: _Block,
                  base: dict[str, Any] | None) -> dict[str, Any]:
    """Reduce one block under one system; with `base` (the baseline's values), only what changed."""
    s = a.system
    seg = b.seg
    cols = ctx.columns
    reform = base is not None

    def split(col: str, u: np.ndarray, r: np.ndarray) -> None:
        j = cols.split(col)
        a.cellsh[seg.cells, 0, j] += seg.reduce(u)
        a.cellsh[seg.cells, 1, j] += seg.reduce(r)

    def plain(col: str, v: np.ndarray) -> None:
        a.cells[seg.cells, cols.plain(col)] += seg.reduce(v)

    if not reform:
        split(L.population("persons"), b.pw_u, b.pw_r)
        split(L.population("households"), b.w_hu, b.w_hr)
        rows = np.bincount(b.index, minlength=b.n_hh).astype(np.float64)  # person rows of each household
        split(L.PERSON_ROWS, b.n_u, rows - b.n_u)
        plain(L.ROWS, np.ones(b.n_hh))
        b.rep_add(a, L.population("persons"), b.pw)
        pgroups.reduce_population(a, b.pg, b.w, plain, b.rep_add)
    concepts = [c for c in CONCEPTS if not reform or c in ctx.changed_concepts]
    totals, pc = _concepts(sim, b, concepts)
    # rows where a concept differs from the same concept under the baseline (reform), or after-philanthropy
    # income from disposable income (baseline): logarithms and bins are evaluated again on those rows only
    diff: dict[str, np.ndarray] = {}
    refx: dict[str, str] = {}
    for c in concepts:
        if reform and c in base["pc"]:
            diff[c] = np.flatnonzero(pc[c] != base["pc"][c])
        elif not reform and c == "after_philanthropy" and "disposable" in pc:
            diff[c] = np.flatnonzero(pc[c] != pc["disposable"])
            refx[c] = "disposable"
    logs: dict[str, np.ndarray] = {}
    products: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}  # w x, w_urban x, w_rural x
    for c in concepts:
        x = pc[c]
        pux, prx = b.pw_u * x, b.pw_r * x
        split(L.income(s, c), pux, prx)
        source, ref = (logs, refx[c]) if c in refx else (base["logs"] if reform else {}, c)
        lx = _log_positive(x, (source[ref], diff[c]) if c in diff and ref in source else None)
        logs[c] = lx
        pwx = b.pw * x
        products[c] = (pwx, pux, prx)
        pieces = theil_terms(x, b.pw, lx, pwx)
        if c == "disposable":
            for k, v in pieces.items():
                vu = v * b.share_u
                split(L.theil(s, c, k), vu, v - vu)
        else:
            for k, v in pieces.items():
                plain(L.theil(s, c, k), v)
    if ctx.reform is not None:
        for m in ctx.changed_market:
            if m not in sim.system.variables:
                continue
            v = np.asarray(sim.calc(m), dtype=np.float64)
            if sim.system.variables[m].entity is PERSON:
                v = np.bincount(b.index, weights=v, minlength=b.n_hh)
            plain(L.market(s, m), b.w * v)
    if "disposable" in concepts:
        x = pc["disposable"]
        if ctx.config.lines:  # FGT terms over the households below the highest line only (a few per cent)
            top = max(z for _, z in ctx.config.lines)
            rows = np.flatnonzero(x < top)
            xs, pu, cell = x[rows], b.pw_u[rows], b.cell[rows]
            pr = b.pw_r[rows]
            for name, z in ctx.config.lines:
                # the rows below this line (the others' terms are exact zeros: the same sums without them)
                k = np.flatnonzero(xs < z) if z < top else slice(None)
                cell_k, pu_k, pr_k = cell[k], pu[k], pr[k]
                for key, v in zip(L.FGT_TERMS, fgt_terms(xs[k], z), strict=True):
                    j = cols.split(L.poverty(s, name, key))
                    a.cellsh[:, 0, j] += np.bincount(cell_k, weights=pu_k * v, minlength=N_CELLS)
                    a.cellsh[:, 1, j] += np.bincount(cell_k, weights=pr_k * v, minlength=N_CELLS)
                    if key == "h":
                        b.rep_add(a, L.poverty(s, name, "h"), (pu_k + pr_k) * v, rows[k])
            pgroups.reduce_poverty(ctx, a, b.pg, b.w, xs, rows, cell, b.rep_add_columns, b.replicated)
        if b.replicated and a.rep_hist is not None:
            replicate_hist(ctx, a, b, x, base, diff.get("disposable"))
        eq = 3.0 * x  # NBS: a typical three-person household (per-capita equivalence)
        for name, lo, hi in ctx.config.bands:
            inside = (eq >= lo) & (eq <= hi)
            plain(L.band(s, name, "persons"), b.pw * inside)
            plain(L.band(s, name, "households"), b.w * inside)
    # sketches of per-capita income
    idx: dict[str, Binned] = {}
    for c in concepts:
        source, ref = (idx, refx[c]) if c in refx else (base["idx"] if reform else {}, c)
        idx[c] = _binned_like(pc[c], ctx.fine, (source[ref], diff[c]) if c in diff and ref in source else None)
        a.fine[c].add(idx[c], pc[c], [b.pw], products=[products[c][0]])
    gidx = None
    if "disposable" in concepts:
        x = pc["disposable"]
        gref = (base["gidx"], diff["disposable"]) if reform and "disposable" in diff and base.get("gidx") is not None else None
        gidx = _binned_like(x, ctx.group, gref)
        pwx, pux, prx = products["disposable"]
        a.cell.add(gidx.idx, x, [b.pw], groups=b.cell, products=[pwx])
        a.hukou.add(gidx, x, [b.pw_u, b.pw_r], products=[pux, prx])
        pgroups.reduce_sketch(a.pgroup, b.pg_rows(), gidx.idx, x)
    # programmes, and everything ranked by market income
    rank_cols = ctx.layout["rank"][s]
    if reform and a.rank_on_base:
        rank = _Rank(a.rank, base["idx"]["market"], b)
    else:
        rank = _Rank(a.fine.get("market"), idx.get("market"), b)
    rank_pos = {name: j for j, name in enumerate(rank_cols)}
    programmes = ctx.changed_programmes if reform else ctx.programmes
    for p in programmes:
        _programme_block(ctx, a, sim, b, p, rank, rank_pos.get(p))
    if reform and not a.rank_on_base:  # market income changed: unchanged programmes re-ranked on the new bins
        for p in ctx.programmes:
            if p not in ctx.changed_programmes and p in rank_pos:
                _programme_block(ctx, a, sim, b, p, rank, rank_pos[p], sums=False)
    for p in ctx.layout.get("takeup_programmes", ()):
        if not reform or p in ctx.changed_programmes:
            _takeup_block(ctx, a, sim, b, p)
    for c in ("net_market", "disposable", "after_philanthropy"):
        j = rank_pos.get(c)
        if j is not None:
            amount = totals[c] if c in totals else base["totals"][c]
            rank.acc.add_extra(rank.binned, [b.w * amount], first=j)
    return {"pc": pc, "idx": idx, "gidx": gidx, "totals": totals, "logs": logs}


def _programme_block(ctx: Context, a: SystemAccumulators, sim: Any, b: _Block, name: str, rank: _Rank,
                     rank_j: int | None, sums: bool = True) -> None:
    """Amount by cell x hukou, recipients (persons) by cell, amount by bin of market income, of one programme
    (with `sums=False`, only the last).

    Person programmes are summed over the persons who receive or pay them only (most reach few people).
    """
    if name not in sim.system.variables:
        return
    s = a.system
    jh = ctx.columns.split(L.programme(s, name))
    jr = ctx.columns.plain(L.recipients(s, name))
    jn = ctx.columns.plain(L.negative(s, name))
    t = np.asarray(sim.calc(name), dtype=np.float64)
    mask = t != 0.0  # recipients (or payers)
    count = int(np.count_nonzero(mask))
    if count == 0:
        return
    sparse = 2 * count < t.size
    rows = np.flatnonzero(mask) if sparse else None
    if sim.system.variables[name].entity is PERSON:
        if sparse:
            t, wp = t[rows], b.person("w")[rows]
            slot = b.person("slot")[rows]
            cell = slot >> 1  # slot = 2 cell + (0 urban, 1 rural)
            recipients = wp
            ranked = rank.binned.idx[b.index[rows]] if rank_j is not None else None
        else:
            wp, slot, cell = b.person("w"), b.person("slot"), b.person("cell")
            recipients = wp * mask
            ranked = rank.person() if rank_j is not None else None
        amount = wp * t
        if sums:
            a.cellsh[:, :, jh] += np.bincount(slot, weights=amount, minlength=2 * N_CELLS).reshape(N_CELLS, 2)
            a.cells[:, jr] += np.bincount(cell, weights=recipients, minlength=N_CELLS)
            if t.min() < 0:
                a.cells[:, jn] += np.bincount(cell, weights=np.minimum(amount, 0.0), minlength=N_CELLS)
            if b.replicated:  # by the household of each person summed
                key = b.keys(b.index[rows] if sparse else b.index)
                b.rep_add(a, L.programme(s, name), amount, key=key)
                b.rep_add(a, L.recipients(s, name), recipients, key=key)
        if ranked is not None:
            rank.acc.add_extra(ranked, [amount], first=rank_j)
        return
    if sparse:  # household programmes too reach few households (dibao, tekun): their rows only
        t = t[rows]
        amount = b.w[rows] * t
        cell = b.cell[rows]
        if sums:
            au = amount * b.share_u[rows]
            a.cellsh[:, 0, jh] += np.bincount(cell, weights=au, minlength=N_CELLS)
            a.cellsh[:, 1, jh] += np.bincount(cell, weights=amount - au, minlength=N_CELLS)
            a.cells[:, jr] += np.bincount(cell, weights=b.pw[rows], minlength=N_CELLS)
            if t.min() < 0:
                a.cells[:, jn] += np.bincount(cell, weights=np.minimum(amount, 0.0), minlength=N_CELLS)
            if b.replicated:
                key = b.keys(rows)
                b.rep_add(a, L.programme(s, name), amount, key=key)
                b.rep_add(a, L.recipients(s, name), b.pw[rows], key=key)
        if rank_j is not None:
            rank.acc.add_extra(rank.binned, [amount], rows=rows, first=rank_j)
        return
    seg = b.seg
    amount = b.w * t
    if sums:
        au = amount * b.share_u
        a.cellsh[seg.cells, 0, jh] += seg.reduce(au)
        a.cellsh[seg.cells, 1, jh] += seg.reduce(amount - au)
        a.cells[seg.cells, jr] += seg.reduce(b.pw * mask)
        if t.min() < 0:
            a.cells[seg.cells, jn] += seg.reduce(np.minimum(amount, 0.0))
        b.rep_add(a, L.programme(s, name), amount)
        b.rep_add(a, L.recipients(s, name), b.pw * mask)
    if rank_j is not None:
        rank.acc.add_extra(rank.binned, [amount], first=rank_j)


def _takeup_block(ctx: Context, a: SystemAccumulators, sim: Any, b: _Block, name: str) -> None:
    """Take-up of one programme (issue 13), by cell x hukou: persons entitled, persons receiving, entitlement and
    unmet entitlement (yuan), over the entitled rows only (a few per cent), and their national sums under each
    replicate weight (`rep_add`: the standard errors of `uncertainty.takeup`). Household programmes (dibao) count
    the persons of the household, split by their hukou type as the household's amounts are; person programmes
    (tekun) count persons."""
    s = a.system
    ent = np.asarray(sim.calc(L.TAKEUP_PROGRAMMES[name]), dtype=np.float64)
    rows = np.flatnonzero(ent > 0.0)
    if rows.size == 0:
        return
    paid = np.asarray(sim.calc(L.TAKEUP_PAID[name]), dtype=np.float64)[rows]
    e = ent[rows]
    got = paid > 0.0
    if sim.system.variables[L.TAKEUP_PROGRAMMES[name]].entity is PERSON:
        w = b.person("w")[rows]
        slot = b.person("slot")[rows]
        key = b.keys(b.index[rows])
        for stat, v in (("entitled", w), ("recipients", w * got), ("entitlement", w * e),
                        ("unmet", w * (e - paid))):
            j = ctx.columns.split(L.takeup(s, name, stat))
            a.cellsh[:, :, j] += np.bincount(slot, weights=v, minlength=2 * N_CELLS).reshape(N_CELLS, 2)
            b.rep_add(a, L.takeup(s, name, stat), v, key=key)
        return
    cell = b.cell[rows]
    share_u = b.share_u[rows]
    pw = b.pw[rows]
    w = b.w[rows]
    key = b.keys(rows)
    for stat, v in (("entitled", pw), ("recipients", pw * got), ("entitlement", w * e), ("unmet", w * (e - paid))):
        j = ctx.columns.split(L.takeup(s, name, stat))
        vu = v * share_u
        a.cellsh[:, 0, j] += np.bincount(cell, weights=vu, minlength=N_CELLS)
        a.cellsh[:, 1, j] += np.bincount(cell, weights=v - vu, minlength=N_CELLS)
        b.rep_add(a, L.takeup(s, name, stat), v, key=key)


def _changes(ctx: Context, acc: dict[str, SystemAccumulators], b: _Block, base: dict[str, Any],
             reform: dict[str, Any]) -> None:
    """Reform minus baseline per-capita disposable income: winners and losers by cell x hukou, and the change
    by bin of baseline income (deciles of gains are assembled from those bins)."""
    if "disposable" not in reform["pc"]:
        return
    xb = base["pc"]["disposable"]
    d = reform["pc"]["disposable"] - xb
    ch = np.flatnonzero(d != 0.0)
    if ch.size == 0:
        return
    dd, pw = d[ch], b.pw[ch]
    flags = change_flags(xb[ch], reform["pc"]["disposable"][ch])
    cells = b.cell[ch]
    share_u = b.share_u[ch]
    a = acc["r"]
    cols = {L.change("sum"): pw * dd, L.change("changed"): pw, **{L.change(k): pw * v for k, v in flags.items()}}
    for col, v in cols.items():
        vu = v * share_u
        j = ctx.columns.split(col)
        a.cellsh[:, 0, j] += np.bincount(cells, weights=vu, minlength=N_CELLS)
        a.cellsh[:, 1, j] += np.bincount(cells, weights=v - vu, minlength=N_CELLS)
    columns = [pw * dd, pw * np.maximum(dd, 0.0), pw * np.minimum(dd, 0.0), *(pw * flags[k] for k in
                                                                              ("gain1", "gain5", "lose1", "lose5")),
               pw, pw * flags["gain"]]  # (in the order of DECILE_COLUMNS)
    acc["b"].fine["disposable"].add_extra(base["idx"]["disposable"], columns, rows=ch)
    if b.replicated:
        key = b.keys(ch)
        for col, v in cols.items():
            b.rep_add(a, col, v, key=key)
        if a.rep_dec is not None:
            a.rep_dec += b.key_hist(b.rep_idx[ch], [pw * dd], a.rep_dec.shape[1], rows=ch)


def _baseline_blocks(ctx: Context, config: RunConfig, households: dict[str, np.ndarray],
                     persons: dict[str, np.ndarray], name: str, keep: bool) -> tuple[Any, ...]:
    """(household ids, cells, number of households, number of persons, block simulations with their household
    rows) of a partition in the run's year; the simulations as a list when kept (`keep`), else made one block at a
    time as they are reduced."""
    from gongfu.engine.chunked import blocks
    from gongfu.population.ageing import project_population

    households, persons = project_population(households, persons, config.year)  # a projected year's incomes
    hid = np.asarray(households["household_id"])
    starts = household_starts(hid, np.asarray(persons["household_id"]), name)
    n_hh, n_p = hid.size, int(np.asarray(persons["household_id"]).size)
    cell_all = _cells(households, name)
    sims = ((sim, rows) for sim, rows, _ in
            blocks(ctx.base, households, persons, config.year, max(1, int(config.block)), starts))
    return hid, cell_all, n_hh, n_p, (list(sims) if keep else sims)


#: baseline simulations of a warm sample's partitions kept by this worker: {"key": (sample, year, block, law),
#: "parts": {partition id: `_baseline_blocks` (with the list of simulations)}} -- one sample, year and baseline law
#: at a time (200,000 households: about 0.3 GB, computed before the pool forks and shared by its workers)
_KEPT_BASELINES: dict[str, Any] = {}


def _kept_blocks(keep: Any, config: RunConfig, ctx: Context, partition_id: int, households: dict[str, np.ndarray],
                 persons: dict[str, np.ndarray], name: str) -> tuple[Any, ...] | None:
    """The kept baseline blocks of a warm sample's partition (made and kept on first use); None without `keep`."""
    if keep is None:
        return None
    law = config.system_digest if config.system is not None else id(ctx.base)
    key = (keep, config.year, int(config.block), law)
    if _KEPT_BASELINES.get("key") != key:
        _KEPT_BASELINES.clear()
        _KEPT_BASELINES.update(key=key, parts={})
    parts = _KEPT_BASELINES["parts"]
    if partition_id not in parts:
        parts[partition_id] = _baseline_blocks(ctx, config, households, persons, name, keep=True)
    return parts[partition_id]


def drop_kept_baselines() -> None:
    """Forget the kept baseline simulations (`reduce_partition`'s `keep`)."""
    _KEPT_BASELINES.clear()


def _finish(ctx: Context, acc: dict[str, SystemAccumulators], partition_id: int, n_hh: int,
            n_p: int) -> RunAggregate:
    out = RunAggregate(ctx.layout)
    out.partitions = {int(partition_id)}
    out.counts = {"households": int(n_hh), "persons": int(n_p)}
    base = acc["b"]
    if "r" in acc:  # the reform's unchanged columns are the baseline's
        r = acc["r"]
        jr, jb = ctx.unchanged_columns("cellsh")
        r.cellsh[:, :, jr] = base.cellsh[:, :, jb]
        jr, jb = ctx.unchanged_columns("cells")
        r.cells[:, jr] = base.cells[:, jb]
    cellsh = sum(a.cellsh for a in acc.values())  # systems write disjoint columns
    cells = sum(a.cells for a in acc.values())
    size = acc["b"].fine["market"].n_bins
    # every float sum of the partition is converted to exact limbs in one pass (element by element)
    sketches: list[tuple[str, dict[str, int], tuple]] = []
    sparse: list[tuple[str, np.ndarray]] = []
    floats: list[np.ndarray] = [cellsh, cells]
    for s, a in acc.items():
        for c in CONCEPTS:
            if c in a.fine:  # (a reform's unchanged concepts are read from the baseline: RunAggregate.alias)
                sketches.append((L.income_sketch(s, c), a.fine[c].config, a.fine[c].state_sums()))
        if a.by_disposable:
            for g in np.flatnonzero(a.cell.rows[0] > 0):
                sketches.append((L.cell_sketch(s, int(g)), a.cell.config, a.cell.state_sums(int(g))))
            for k, key in enumerate(L.HUKOU):
                sketches.append((L.hukou_sketch(s, key), a.hukou.config, a.hukou.state_sums(0, k)))
            sketches += pgroups.sketch_states(a.pgroup, s)
        rank_acc = a.rank if (s == "r" and a.rank_on_base) else a.fine.get("market")
        if rank_acc is not None and ctx.layout["rank"][s]:
            sparse.append((L.rank_table(s), *rank_acc.extra_table()))
    if "r" in acc:
        sparse.append((L.DECILE_TABLE, *base.fine["disposable"].extra_table()))
    sketches = [x for x in sketches if x[2] is not None]
    floats += [x[2][2] for x in sketches] + [x[2] for x in sparse]
    replicated: list[tuple[str, np.ndarray]] = []
    reps = ctx.layout["replicates"]
    if reps["n"]:
        n, seed = reps["n"], reps["seed"]
        for s, a in acc.items():
            replicated.append((L.replicate_table(s), expand_state(a.rep, n, seed)))
            if a.rep_hist is not None:
                replicated.append((L.replicate_hist(s), expand_state(a.rep_hist, n, seed, hist=True)))
            if a.rep_dec is not None:
                replicated.append((L.DECILE_REPLICATES, expand_state(a.rep_dec, n, seed)[0]))
        floats += [x[1] for x in replicated]
    limbs = to_limbs_many(floats)
    for (name, _), lb in zip(replicated, limbs[len(limbs) - len(replicated):], strict=True):
        out.dense[name] = lb
    out.dense["cellsh"], out.dense["cells"] = limbs[0], limbs[1]
    for (name, config, (count, bins, _, lo, hi)), lb in zip(sketches, limbs[2:2 + len(sketches)], strict=True):
        out.set_sketch(name, DistributionSketch.from_bins(config, count, bins, lb, lo, hi))
    for (name, bins, _), lb in zip(sparse, limbs[2 + len(sketches):2 + len(sketches) + len(sparse)], strict=True):
        out.sparse[name] = (bins, lb)
        out.sparse_size[name] = size
    return out


def _column_changed(ctx: Context, name: str) -> bool:
    """Whether reform column `name` ("r.<what>...") can differ from the baseline's."""
    kind, key = L.depends_on(name)
    if kind == "concept":
        return key in ctx.changed_concepts
    if kind == "programme":
        return key in ctx.changed_programmes
    if kind == "market":
        return key in ctx.changed_market
    return True


__all__ = ["CONCEPTS", "CONCEPT_VARIABLES", "Context", "RunConfig", "context", "reduce_partition"]
