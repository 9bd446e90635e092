"""A minimal OpenFisca country package for the fixed benchmark rule set (bench/ruleset/SPEC.md).

Lives in bench/ only and runs in bench/.venv-openfisca (openfisca-core 46), never in gongfu's venv.
"""

from __future__ import annotations

from pathlib import Path

from openfisca_core.taxbenefitsystems import TaxBenefitSystem

from .entities import entities

HERE = Path(__file__).resolve().parent


class BenchTaxBenefitSystem(TaxBenefitSystem):
    """Entities, variables from variables/, parameters from parameters/ (tree `bench.*`)."""

    def __init__(self) -> None:
        super().__init__(entities)
        self.add_variables_from_directory(str(HERE / "variables"))
        self.load_parameters(str(HERE / "parameters"))
