"""Reforms: change the law from a date and see what it does.

* A **reform file** (YAML) changes parameters (values, scales, province tables), flips switches and adds
  parameters; it is validated before anything runs, every error naming the file and line
  (`load_reform`, format in docs/reforms.md).
* The **Python API** (`Reform(...)`) does the same and can replace or add formulas (structural reforms).
* `resolve_reform` is the one resolver of what a user gives (scenario key, file path, mapping, `Reform`) into a
  validated `Reform`; structural `rules:` come only from the shipped registry (`gongfu.reforms.structural`).
* The **scenario library** (`list_scenarios`, `load_scenario`) holds ready reforms from the common-prosperity
  debate, each with its source.

`reform.apply(system)` returns a new `TaxBenefitSystem`; `Simulation.branch(reformed)` then recomputes only the
variables that depend on what changed.

May import: gongfu.engine and the law (gongfu.rules); nothing that runs a population or prints.
"""

from .changes import compile_change
from .loader import (
    list_scenarios,
    load_reform,
    load_scenario,
    parse_reform,
    read_reform,
    resolve_reform,
    scenario_keys,
)
from .reform import Reform, text
from .targeting import calibrate, threshold_for_budget

__all__ = ["Reform", "calibrate", "compile_change", "list_scenarios", "load_reform", "load_scenario",
           "parse_reform", "read_reform", "resolve_reform", "scenario_keys", "text", "threshold_for_budget"]
