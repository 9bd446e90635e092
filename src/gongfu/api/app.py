"""The HTTP API of gongfu (FastAPI; OpenAPI docs at /docs) and the web page at /.

Run it with `gongfu serve` (uvicorn on 127.0.0.1:8000 by default). User errors are 422 responses whose
`detail[].loc` and `detail[].msg` name the field, as FastAPI's own validation errors do; never a 500.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import Body, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles

from .. import __version__
from ..engine import GongfuError
from . import service
from .models import (
    CalcResponse,
    CompareRequest,
    ExplainResponse,
    HouseholdRequest,
    ParameterInfo,
    RunRequest,
    ScenarioInfo,
    VariableInfo,
)

WEB = Path(__file__).resolve().parent.parent / "web"

app = FastAPI(
    title="gongfu (共富) API",
    version=__version__,
    description=("China's taxes and transfers as code: compute one household (and explain any figure), list the law's "
                 "variables and parameters, run the scenario library on a small sample. Money in yuan per year."),
)


def _error(loc: tuple[Any, ...], message: str, status: int = 422) -> JSONResponse:
    return JSONResponse(status_code=status, content={"detail": [{"type": "value_error", "loc": list(loc),
                                                                 "msg": message}]})


@app.exception_handler(service.FieldError)
async def _field_error(request: Request, exc: service.FieldError) -> JSONResponse:
    return _error(exc.loc, str(exc))


@app.exception_handler(GongfuError)
async def _gongfu_error(request: Request, exc: GongfuError) -> JSONResponse:
    return _error(("body",), str(exc))


@app.exception_handler(RequestValidationError)
async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    """FastAPI's 422, with each message prefixed by the field it concerns (`households: at most …`)."""
    details = []
    for e in exc.errors():
        loc = [x for x in e.get("loc", ()) if x not in ("function-after",)]
        field = ".".join(str(x) for x in loc[1:] if not str(x).startswith(("str", "dict["))) or "body"
        msg = str(e.get("msg", "invalid")).removeprefix("Value error, ")
        if e.get("type") == "json_invalid":
            loc, field = ["body"], "body"
            msg = f"invalid JSON at character {e['loc'][-1]} ({(e.get('ctx') or {}).get('error', 'decode error')})"
        details.append({"type": e.get("type"), "loc": loc, "msg": f"{field}: {msg}"})
    return JSONResponse(status_code=422, content={"detail": details})


@app.post("/calc", response_model=CalcResponse | ExplainResponse, tags=["household"],
          summary="Every tax, contribution and benefit of one household",
          responses={422: {"description": "Malformed household: the message names the field"}})
def calc(body: HouseholdRequest,
         explain: Annotated[str | None, Query(description="Explain this variable as a tree instead.")] = None,
         ) -> dict[str, Any]:
    """The household in the household-file format (as `gongfu calc FILE --json`). With `?explain=VARIABLE`,
    the tree of variables and parameters (value, date in force, legal source) that produced the figure."""
    return service.calc(body.model_dump(exclude_unset=True), explain)


@app.get("/variables", response_model=list[VariableInfo], tags=["law"])
def variables(role: Annotated[str | None, Query(description="Only this role: market, tax, contribution, "
                                                             "benefit, charity.")] = None) -> list[dict]:
    """Every variable of the law with entity, unit, role, bilingual label and legal reference."""
    return service.variables(role)


@app.get("/parameters", response_model=list[ParameterInfo], tags=["law"])
def parameters(prefix: Annotated[str, Query(description="Only parameters under this path, e.g. tax.iit")] = "",
               year: Annotated[int, Query(ge=2000, le=2100, description="Value in force on 1 January.")] = 2025,
               ) -> list[dict]:
    """Parameters with their value in force, unit, date and source."""
    return service.parameters(prefix, year)


@app.get("/scenarios", response_model=list[ScenarioInfo], tags=["reforms"])
def scenarios() -> list[dict]:
    """The scenario library: ready reforms from the common-prosperity debate, each with its source."""
    return service.scenarios()


@app.post("/simulate", tags=["runs"], summary="A run on a small generated sample (≤ 200,000 households)",
          responses={422: {"description": "Too many households, or a malformed reform"}})
def simulate(body: Annotated[RunRequest, Body()]) -> dict[str, Any]:
    """Results of one run (docs/ARCHITECTURE.md, "Run results"), weighted to the whole country."""
    return service.simulate(body.reform, body.households, body.seed, body.year)


@app.post("/compare", tags=["runs"], summary="Compare a reform with the baseline on a small sample",
          responses={422: {"description": "Too many households, or a malformed reform"}})
def compare(body: Annotated[CompareRequest, Body()]) -> dict[str, Any]:
    """Baseline and reform results, change, net cost, waterfall, deciles, winners and losers."""
    return service.compare(body.baseline, body.reform, body.households, body.seed, body.year)


@app.get("/codes", tags=["law"])
def codes() -> dict[str, Any]:
    """Provinces (GB/T 2260 codes, pinyin keys, names), the categorical values with bilingual labels, and the
    first year the law covers (`first_year`)."""
    return service.codes()


@app.get("/examples", tags=["household"])
def examples() -> list[dict[str, Any]]:
    """Example households in the household-file format, ready to POST to /calc (`household` of each)."""
    return service.examples()


@app.get("/health", tags=["meta"], include_in_schema=False)
def health() -> dict[str, str]:
    return {"status": "ok", "version": __version__}


@app.get("/", include_in_schema=False)
def index() -> FileResponse:
    return FileResponse(WEB / "index.html", media_type="text/html; charset=utf-8")


app.mount("/static", StaticFiles(directory=WEB), name="static")
