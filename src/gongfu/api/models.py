"""Request and response models of the HTTP API (pydantic; they make the OpenAPI schema at /docs)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from ..reforms.loader import SAMPLE_HOUSEHOLDS_RANGE

MAX_HOUSEHOLDS = 200_000
MIN_HOUSEHOLDS = 62  # one household per province and area (gongfu.population.partition)
DEFAULT_HOUSEHOLDS = 200_000  # = MAX_HOUSEHOLDS: most library net costs to a relative SE <= 2% (docs/reforms.md)
#: a library scenario whose net cost needs more households for a relative SE <= 2% names its own sample size
#: (`sample_households` in its file): the default, and the bound, of a request for it (api/service.py sample_size)
SCENARIO_MAX_HOUSEHOLDS = SAMPLE_HOUSEHOLDS_RANGE[1]

MAX_SEED = 2**32 - 1
MIN_YEAR, MAX_YEAR = 2000, 2100
DEFAULT_YEAR = 2025  # the year a request without `year` computes (the last year of dated law, see GET /years)

#: a window of years over HTTP (POST /compare/window): each household is computed once per year, so the sample is
#: smaller than a one-year run's (5,000 households over six years: 15-25 s on two cores, 20,000: about 26 s)
WINDOW_DEFAULT_HOUSEHOLDS = 5_000
WINDOW_MAX_HOUSEHOLDS = 20_000
WINDOW_MAX_YEARS = 10

#: a scenario key (short text) or a reform object; api/limits.py bounds the object's depth, texts and numbers
ReformSpec = Annotated[str, StringConstraints(min_length=1, max_length=100)] | dict[str, Any]
REFORM_HELP = ("A scenario of the library by key (see GET /scenarios), or a reform object in the reform-file format "
               "({name, parameters: {path: value}, ...}).")


class HouseholdRequest(BaseModel):
    """One household in the household-file format (docs/ARCHITECTURE.md), plus an optional reform."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "year": 2025,
        "household": {"province": "zhejiang", "area": "urban"},
        "persons": [
            {"name": "father", "age": 38, "hukou_province": "anhui", "hukou_type": "rural", "wage_income": 96000},
            {"name": "mother", "age": 36, "hukou_province": "anhui", "hukou_type": "rural", "wage_income": 60000},
            {"name": "son", "age": 2}]}]})

    year: int = Field(DEFAULT_YEAR, ge=MIN_YEAR, le=MAX_YEAR, description="Simulation year (law in force on 1 January).")
    household: dict[str, Any] = Field(..., description="Household variables: province (pinyin or GB/T code), area, ...")
    persons: list[dict[str, Any]] = Field(..., min_length=1, max_length=50,
                                          description="Persons: name, age (required), and any person variable.")
    reform: ReformSpec | None = Field(None, description=REFORM_HELP)
    name: str | None = Field(None, max_length=200)
    description: str | None = Field(None, max_length=2000)


class ReformRef(BaseModel):
    name: str = Field(..., description="Scenario key, or the reform's name as a key.")
    sha256: str | None = Field(None, description="Digest of the reform's source (file bytes or canonical JSON).")


class Figures(BaseModel):
    household: dict[str, Any]
    persons: list[dict[str, Any]]


class CalcResponse(BaseModel):
    year: int
    reform: ReformRef | None = Field(None, description="The reform applied, if any.")
    household: dict[str, Any] = Field(..., description="Every household variable (annual amounts in yuan); under a "
                                                       "reform, the reform's values.")
    persons: list[dict[str, Any]] = Field(..., description="Every person variable, one object per person.")
    baseline: Figures | None = Field(None, description="Under a reform: the same figures under the law in force.")
    change: Figures | None = Field(None, description="Under a reform: reform − baseline (numbers only).")
    law: dict[str, Any] | None = Field(None, description="Whether the year is projected: `projected`, `reason`, "
                                       "`first_year`, `last_known_year`, `horizon`, `parameters`.")


class ExplainResponse(BaseModel):
    year: int
    reform: ReformRef | None = None
    variable: str
    trace: dict[str, Any] = Field(..., description="The tree of variables and parameters behind the figure.")


MAX_SWEEP_POINTS = 2001  # = gongfu.sweep.MAX_POINTS (tests check)


class Vary(BaseModel):
    """What varies: one person's numeric input over `from`, `from + step`, … `to` (at most 2,001 points)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    variable: str = Field(..., min_length=1, max_length=100, description="A person input, e.g. wage_income.")
    person: str = Field(..., min_length=1, max_length=200, description="The person's name in `persons`.")
    start: float = Field(0.0, alias="from", description="First value (yuan/year for money inputs).")
    to: float = Field(..., description="Last value.")
    step: float = Field(..., gt=0, description=f"Step between points (at most {MAX_SWEEP_POINTS:,} points).")


class SweepRequest(HouseholdRequest):
    """A household (as for /calc) and what varies."""

    vary: Vary


class SweepResponse(BaseModel):
    variable: str
    person: str
    year: int
    points: list[dict[str, Any]] = Field(..., description="value, disposable_income, marginal_effective_tax_rate "
                                                          "(1 − Δdisposable/Δvalue; null at the first point) and "
                                                          "every tax, contribution and benefit as household totals.")
    cliffs: list[dict[str, Any]]
    ranges: dict[str, list[dict[str, Any]]]
    baseline: dict[str, Any] | None = Field(None, description="Under a reform: points, cliffs, ranges of the law "
                                                               "in force.")
    reform: ReformRef | None = None


class VariableInfo(BaseModel):
    name: str
    entity: str
    unit: str
    dtype: str
    role: str | None
    tier: str | None
    label: dict[str, str]
    reference: str | None
    input: bool = Field(..., description="True for an input (no formula).")


class ParameterInfo(BaseModel):
    path: str
    kind: str
    value: Any
    unit: str
    since: str | None
    label: dict[str, str]
    reference: Any
    projected: bool = Field(False, description="Computed by the parameter's uprating rule (a year past its dated "
                                               "values).")


class ScenarioInfo(BaseModel):
    key: str
    name: dict[str, str]
    description: dict[str, str]
    source: Any
    start: str | None = Field(None, alias="from")
    parameters: list[str]
    new_parameters: list[str]
    rules: list[str]
    sample_households: int | None = Field(None, description="Households the API samples for this scenario by default "
                                          "(where 200,000 leave its net cost with a relative SE above 2%).")


def _at_most(value: int, limit: int, what: str, command: str) -> int:
    """`value` if it is at most `limit`, else a ValueError naming the CLI `command` for larger samples."""
    if value > limit:
        raise ValueError(f"at most {limit:,} {what} (got {value:,}); run `{command}` for larger samples")
    return value


class RunRequest(BaseModel):
    """A run on a small generated sample of households (bounded; use the CLI for large runs)."""

    model_config = ConfigDict(extra="forbid")

    reform: ReformSpec | None = Field(None, description=REFORM_HELP)
    households: int | None = Field(
        None, ge=MIN_HOUSEHOLDS,
        description=f"Households sampled ({MIN_HOUSEHOLDS} to {MAX_HOUSEHOLDS:,}; default {DEFAULT_HOUSEHOLDS:,}). A "
                    "library scenario whose net cost needs a larger sample for a relative SE <= 2% runs by default on "
                    "its own `sample_households` (GET /scenarios), and may be asked for up to that size.")
    seed: int = Field(20250101, ge=0, le=MAX_SEED, description=f"Seed of the generated population (0 to {MAX_SEED:,}).")
    year: int = Field(DEFAULT_YEAR, ge=MIN_YEAR, le=MAX_YEAR)

    @field_validator("households")
    @classmethod
    def _bounded(cls, value: int | None) -> int | None:
        # the bound of a scenario with its own sample size is checked with the scenario (api/service.py)
        return None if value is None else _at_most(value, SCENARIO_MAX_HOUSEHOLDS, "households over HTTP",
                                                   "gongfu simulate --households N")


class CompareRequest(RunRequest):
    baseline: ReformSpec = Field("baseline", description="'baseline' (the law in force) or a reform as for `reform`.")
    reform: ReformSpec = Field(..., description=REFORM_HELP)


class WindowRequest(BaseModel):
    """A reform against the law in force over a window of years, on one small generated sample (as
    `gongfu compare baseline REFORM --years FIRST:LAST`)."""

    model_config = ConfigDict(extra="forbid")

    reform: ReformSpec = Field(..., description=REFORM_HELP)
    years: Annotated[str, StringConstraints(min_length=4, max_length=20)] = Field(
        "2025:2030", description=f"FIRST:LAST (inclusive), at most {WINDOW_MAX_YEARS} years, each covered by the "
                                 "law (GET /years).")
    households: int = Field(WINDOW_DEFAULT_HOUSEHOLDS, ge=MIN_HOUSEHOLDS,
                            description=f"Households in the sample ({MIN_HOUSEHOLDS} to {WINDOW_MAX_HOUSEHOLDS:,}; "
                                        "each is computed once a year).")
    seed: int = Field(20250101, ge=0, le=MAX_SEED, description=f"Seed of the generated population (0 to {MAX_SEED:,}).")

    @field_validator("households")
    @classmethod
    def _window_households(cls, value: int) -> int:
        return _at_most(value, WINDOW_MAX_HOUSEHOLDS, "households for a window over HTTP",
                        "gongfu compare baseline REFORM --years FIRST:LAST")
