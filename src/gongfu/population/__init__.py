"""Synthetic households calibrated to official figures; Parquet I/O; import of users' microdata.

API for the runner::

    specs = plan_partitions(total_households, seed)          # list[PartitionSpec], <= 1M households each
    households, persons = generate_partition(specs[i])       # dicts of numpy arrays, persons grouped by household
    households, persons = read_partition(path)               # one partition from Parquet
    build(households, seed, out, workers=K)                  # write partitioned Parquet + manifest

May import: gongfu.engine, the law (gongfu.rules, the parameter YAML) and gongfu.extras (pandas and pyreadstat,
the 'import' extra, load only in importer.py); never run, analysis or a face.
"""

from gongfu.population.build import build
from gongfu.population.io import (
           PopulationFileError,
           iter_partitions,
           read_manifest,
           read_partition,
           read_population,
)
from gongfu.population.partition import (
           DEFAULT_MAX_HOUSEHOLDS,
           PartitionSpec,
           generate_partition,
           plan_partitions,
)
from gongfu.population.synth import HOUSEHOLD_COLUMNS, PERSON_COLUMNS

__all__ = ["build", "plan_partitions", "generate_partition", "PartitionSpec", "read_partition", "read_population",
           "iter_partitions", "read_manifest", "PopulationFileError", "HOUSEHOLD_COLUMNS", "PERSON_COLUMNS",
           "DEFAULT_MAX_HOUSEHOLDS"]
