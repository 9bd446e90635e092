"""The HTTP API of gongfu (FastAPI; OpenAPI docs at /docs, served offline) and the web page at /.

Run it with `gongfu serve` (uvicorn on 127.0.0.1:8000 by default; docs/http.md says how to run it safely). User
errors are 4xx responses whose `detail[].loc` and `detail[].msg` name the field, as FastAPI's own validation
errors do; never a 500 for bad input, and no stack trace, exception class or module name in any response
(api/limits.py guards every request). Runs (/simulate, /compare) go through a bounded queue with their own
executor (api/runs.py), so /calc and the listings never wait behind them.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import weakref
from pathlib import Path
from typing import Annotated, Any

import anyio
from fastapi import Body, FastAPI, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from .. import __version__
from ..engine import GongfuError
from . import service
from .limits import Guard, Settings, StrictJSONResponse, error_response, where
from .models import (
    CalcResponse,
    CompareRequest,
    ExplainResponse,
    HouseholdRequest,
    ParameterInfo,
    RunRequest,
    ScenarioInfo,
    SweepRequest,
    SweepResponse,
    VariableInfo,
    WindowRequest,
)
from .runs import QueueFull

WEB = Path(__file__).resolve().parent.parent / "web"


def warm_up() -> None:
    """Load the law and compute the first example household before serving, so that the first request is as
    fast as the next; then move everything loaded out of the cyclic garbage collector's way (`gc.freeze`: a full
    collection, such as the one after each run, then takes microseconds instead of tens of milliseconds)."""
    try:
        service.calc(dict(service.examples()[0]["household"]))
    except Exception:  # noqa: BLE001 - a failed warm-up must not stop the server; the request will say why
        logging.getLogger("gongfu.api").exception("warm-up failed")
    gc.collect()
    gc.freeze()


@contextlib.asynccontextmanager
async def _lifespan(app: FastAPI):
    await run_in_threadpool(warm_up)
    yield

app = FastAPI(
    title="gongfu (共富) API",
    version=__version__,
    description=("China's taxes and transfers as code: compute one household (and explain any figure), list the law's "
                 "variables and parameters, run the scenario library on a small sample. Money in yuan per year."),
    docs_url=None, redoc_url=None,  # served below from the package's own copies (no CDN)
    lifespan=_lifespan,
)

#: what `gongfu serve` configured (environment variables, see api/limits.py); `configure` changes it
SETTINGS = Settings.from_env()


def configure(settings: Settings) -> None:
    """Apply settings (body limit, allowed hosts, run queue, cache size) to the running app."""
    global SETTINGS
    SETTINGS = settings
    service.RUNS.configure(settings.run_workers, settings.queue, settings.cache_bytes)


configure(SETTINGS)
app.add_middleware(Guard, settings=lambda: SETTINGS)


def _error(loc: tuple[Any, ...], message: str, status: int = 422) -> JSONResponse:
    return error_response(status, list(loc), message)


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
        field = where([x for x in loc[1:] if not str(x).startswith(("str", "dict["))]) or "body"
        msg = str(e.get("msg", "invalid")).removeprefix("Value error, ")
        if e.get("type") == "json_invalid":
            loc, field = ["body"], "body"
            msg = f"invalid JSON at character {e['loc'][-1]} ({(e.get('ctx') or {}).get('error', 'decode error')})"
        details.append({"type": e.get("type"), "loc": loc, "msg": f"{field}: {msg}"})
    return StrictJSONResponse(status_code=422, content={"detail": details})


@app.exception_handler(StarletteHTTPException)
async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    """404, 405 and the like, in the API's error shape."""
    if exc.status_code == 404:
        loc, msg = ["path"], f"path: no such page or route {request.url.path[:200]!r}"
    elif exc.status_code == 405:
        loc, msg = ["method"], f"method: {request.method} is not allowed on {request.url.path[:200]}"
    else:
        loc, msg = ["request"], f"request: {exc.detail}"
    return error_response(exc.status_code, loc, msg, "http_error", headers=getattr(exc, "headers", None))


@app.exception_handler(QueueFull)
async def _queue_full(request: Request, exc: QueueFull) -> JSONResponse:
    """Every run place is taken: 429 with Retry-After (the household routes are not concerned)."""
    return error_response(429, ["server", "runs"], str(exc), "queue_full",
                          headers={"Retry-After": str(exc.retry_after)})


@app.post("/calc", response_model=CalcResponse | ExplainResponse, response_model_exclude_unset=True, tags=["household"],
          summary="Every tax, contribution and benefit of one household",
          responses={422: {"description": "Malformed household: the message names the field"}})
async def calc(body: HouseholdRequest,
               explain: Annotated[str | None, Query(max_length=100,
                                                    description="Explain this variable as a tree instead.")] = None,
               ) -> dict[str, Any]:
    """The household in the household-file format (as `gongfu calc FILE --json`). With `?explain=VARIABLE`,
    the tree of variables and parameters (value, date in force, legal source) that produced the figure."""
    return await anyio.to_thread.run_sync(service.calc, body.model_dump(exclude_unset=True), explain,
                                          limiter=_calc_limiter())


@app.post("/calc/sweep", response_model=SweepResponse, response_model_exclude_unset=True, tags=["household"],
          summary="One household over a range of one person's earnings: net income and marginal rates",
          responses={422: {"description": "Malformed household or sweep: the message names the field"}})
async def calc_sweep(body: SweepRequest) -> dict[str, Any]:
    """As `gongfu calc FILE --vary VARIABLE --person NAME --from A --to B --step S --json`: the household with
    the person's input at each point (one simulation, at most 2,001 points), disposable income, the marginal
    effective tax rate and every programme as household totals; with `reform`, the reform's points and the
    baseline's. Runs on the /calc threads."""
    dumped = body.model_dump(exclude_unset=True, by_alias=True)
    dumped["vary"] = body.vary.model_dump(by_alias=True)
    return await anyio.to_thread.run_sync(service.calc_sweep, dumped, limiter=_calc_limiter())


#: household calculations run on their own threads, CALC_THREADS at a time, first come first served: they never
#: wait behind runs or listings, and a burst queues fairly instead of thrashing the interpreter's lock
CALC_THREADS = 2
_CALC_LIMITERS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, anyio.CapacityLimiter] = (
    weakref.WeakKeyDictionary())


def _calc_limiter() -> anyio.CapacityLimiter:
    loop = asyncio.get_running_loop()
    if loop not in _CALC_LIMITERS:
        _CALC_LIMITERS[loop] = anyio.CapacityLimiter(CALC_THREADS)
    return _CALC_LIMITERS[loop]


@app.get("/variables", response_model=list[VariableInfo], tags=["law"])
def variables(role: Annotated[str | None, Query(max_length=50, description="Only this role: market, tax, "
                                                             "contribution, benefit, charity.")] = None
              ) -> list[dict]:
    """Every variable of the law with entity, unit, role, bilingual label and legal reference."""
    if role is not None:
        roles = sorted({v["role"] for v in service.variables() if v["role"]})
        if role not in roles:
            raise service.FieldError(("query", "role"), f"role: {role[:50]!r} is not a role; roles: {', '.join(roles)}")
    return service.variables(role)


@app.get("/parameters", response_model=list[ParameterInfo], tags=["law"])
def parameters(prefix: Annotated[str, Query(max_length=200,
                                            description="Only parameters under this path, e.g. tax.iit")] = "",
               year: Annotated[int, Query(ge=2000, le=2100, description="Value in force on 1 January.")] = 2025,
               ) -> list[dict]:
    """Parameters with their value in force, unit, date and source."""
    return service.parameters(prefix, year)


@app.get("/scenarios", response_model=list[ScenarioInfo], tags=["reforms"])
def scenarios() -> list[dict]:
    """The scenario library: ready reforms from the common-prosperity debate, each with its source."""
    return service.scenarios()


RUN_RESPONSES: dict[int | str, dict[str, Any]] = {
    422: {"description": "Too many households, or a malformed reform"},
    429: {"description": "The run queue is full: retry after the `Retry-After` header's seconds"}}


@app.post("/simulate", tags=["runs"],
          summary="A run on a generated sample (≤ 200,000 households, or a library scenario's own sample size)",
          response_class=JSONResponse, responses=RUN_RESPONSES)
async def simulate(body: Annotated[RunRequest, Body()]) -> Response:
    """Results of one run (docs/ARCHITECTURE.md, "Run results"), weighted to the whole country. Runs are queued
    (one at a time by default); a full queue answers 429 with `Retry-After`."""
    job = await run_in_threadpool(service.simulate_job, body.reform, body.households, body.seed, body.year)
    return Response(await service.RUNS.run(*job), media_type="application/json")


@app.post("/compare", tags=["runs"], summary="Compare a reform with the baseline on a small sample",
          response_class=JSONResponse, responses=RUN_RESPONSES)
async def compare(body: Annotated[CompareRequest, Body()]) -> Response:
    """Baseline and reform results, change, net cost, waterfall, deciles, winners and losers (queued as
    /simulate)."""
    job = await run_in_threadpool(service.compare_job, body.baseline, body.reform, body.households, body.seed,
                                  body.year)
    return Response(await service.RUNS.run(*job), media_type="application/json")


@app.post("/compare/window", tags=["runs"], response_class=JSONResponse, responses=RUN_RESPONSES,
          summary="A reform's cost year by year over a window of years, on a small sample (≤ 20,000 households)")
async def compare_window(body: Annotated[WindowRequest, Body()]) -> Response:
    """As `gongfu compare baseline REFORM --years FIRST:LAST --json`: for each year the net cost (nominal and in
    2025 prices, with its 95% interval), the Gini change, the programmes and the year's `law` (whether it is
    projected); and the totals. One sample, each partition computed for every year in turn; queued as /simulate."""
    job = await run_in_threadpool(service.window_job, body.reform, body.years, body.households, body.seed)
    return Response(await service.RUNS.run(*job), media_type="application/json")


@app.get("/years", tags=["law"])
def years() -> dict[str, Any]:
    """The years the law covers (as `gongfu years --json`): `first_year`, `last_known_year`, `horizon`, the
    parameters projected by their uprating rules, `default_year`, and `years` — each modelled year with
    `projected`. Any other year is refused with 422."""
    return service.years()


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


VENDOR = "/static/vendor"


@app.get("/docs", include_in_schema=False)
def docs() -> HTMLResponse:
    """Swagger UI from the package's own copy (web/vendor/swagger-ui): works offline, no CDN."""
    return get_swagger_ui_html(openapi_url=app.openapi_url or "/openapi.json", title=f"{app.title} – docs",
                               swagger_js_url=f"{VENDOR}/swagger-ui/swagger-ui-bundle.js",
                               swagger_css_url=f"{VENDOR}/swagger-ui/swagger-ui.css",
                               swagger_favicon_url=f"{VENDOR}/swagger-ui/favicon-32x32.png",
                               swagger_ui_parameters={"validatorUrl": None})


@app.get("/redoc", include_in_schema=False)
def redoc() -> HTMLResponse:
    """ReDoc from the package's own copy (web/vendor/redoc), without web fonts: works offline."""
    return get_redoc_html(openapi_url=app.openapi_url or "/openapi.json", title=f"{app.title} – ReDoc",
                          redoc_js_url=f"{VENDOR}/redoc/redoc.standalone.js",
                          redoc_favicon_url=f"{VENDOR}/swagger-ui/favicon-32x32.png", with_google_fonts=False)


@app.get("/", include_in_schema=False)
def index() -> FileResponse:
    return FileResponse(WEB / "index.html", media_type="text/html; charset=utf-8")


app.mount("/static", StaticFiles(directory=WEB), name="static")
