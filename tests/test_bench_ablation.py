"""bench/ablation.py (timing attribution): the switched-off parts change the run, and everything is restored after."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # `bench` is a top-level folder of the repo, not part of the installed package
    sys.path.insert(0, str(ROOT))

from bench import national  # noqa: E402
from bench.ablation import PARTS, without  # noqa: E402


def test_ablation_switches_parts_off_and_restores_them():
    import gongfu.population.ageing as ageing
    import gongfu.run.pgroups as pgroups

    originals = (pgroups.member_counts, ageing.weight_factors)
    plain = national.one("50000", "local", 1, "dibao_plus_20pct", 1, None, 0)
    lean = national.one("50000", "local", 1, "dibao_plus_20pct", 1, None, 0, PARTS)
    assert lean["without"] == list(PARTS)
    assert lean["results_sha256"] != plain["results_sha256"]  # the parts were off
    assert (pgroups.member_counts, ageing.weight_factors) == originals
    again = national.one("50000", "local", 1, "dibao_plus_20pct", 1, None, 0)
    assert again["results_sha256"] == plain["results_sha256"]  # and back on
    with pytest.raises(ValueError, match="unknown part"):
        with without(["everything"]):
            pass
