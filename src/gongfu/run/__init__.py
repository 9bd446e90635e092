"""National runs: stream partitions through the engine, baseline and reform in one pass, reduce each partition to
exact mergeable aggregates, merge, checkpoint, summarise.

```python
from gongfu.run import simulate, compare
results = simulate(households=1_000_000, seed=1)                      # generated on the fly, all cores
cmp = compare(reform="dibao_plus_20pct", households=1_000_000, seed=1)  # baseline + reform in one pass
cmp = compare(reform="reform.yaml", population="pop/", dask="local", checkpoint_dir="ckpt/")
```
See docs/ARCHITECTURE.md ("Run results") for the dict, analysis/summary.py for the exactness of each statistic.

May import: gongfu.engine, the law, gongfu.reforms, gongfu.population, gongfu.analysis and gongfu.extras (Dask,
the 'dask' extra, loads only with `dask=`); never a face.
"""

from .aggregate import RunAggregate
from .api import VOLATILE_META, compare, run_state, simulate, simulate_with_reform
from .checkpoint import CheckpointMismatch
from .sources import ArraySource, GeneratedSource, ParquetSource, Source, full_scale_households

__all__ = ["ArraySource", "CheckpointMismatch", "GeneratedSource", "ParquetSource", "RunAggregate", "Source",
           "VOLATILE_META", "compare", "full_scale_households", "run_state", "simulate", "simulate_with_reform"]
