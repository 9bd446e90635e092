"""National runs: stream partitions through the engine, baseline and reform in one pass, reduce each partition to
exact mergeable aggregates, merge, checkpoint, summarise.

```python
from gongfu.run import simulate, compare
results = simulate(households=1_000_000, seed=1)                      # generated on the fly, all cores
cmp = compare(reform="dibao_plus_20pct", households=1_000_000, seed=1)  # baseline + reform in one pass
cmp = compare(reform="reform.yaml", population="pop/", dask="local", checkpoint_dir="ckpt/")
```
See docs/ARCHITECTURE.md ("Run results") for the dict, run/summary.py for the exactness of each statistic.

Modules: `api` (the runner), `sources` and `backends` (where partitions come from, where they run), `reducer`
(one partition -> its exact state), `layout` (the names of that state's columns), `binning` (per-partition
sketch bins), `aggregate` (the mergeable state), `checkpoint`, `sums` (exact sums of the state by group),
`summary`, `scorecard` and `compare` (results dicts from the state), `disclosure` (small-cell suppression),
`lines` and `data` (poverty lines and targets from gongfu/data/*.yaml), `targeting` (budget calibration).
May import the engine, the law (rules, parameters, reforms), the population and `gongfu.analysis`; never the
faces (cli, commands, api, report, web).
"""

from .aggregate import RunAggregate
from .api import VOLATILE_META, compare, run_state, simulate, simulate_with_reform
from .checkpoint import CheckpointMismatch
from .sources import ArraySource, GeneratedSource, ParquetSource, Source, full_scale_households

__all__ = ["ArraySource", "CheckpointMismatch", "GeneratedSource", "ParquetSource", "RunAggregate", "Source",
           "VOLATILE_META", "compare", "full_scale_households", "run_state", "simulate", "simulate_with_reform"]
