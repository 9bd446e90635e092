"""Guards of the HTTP server, in front of every route (one pure ASGI middleware, `Guard`).

- **Host allow-list** (protection against DNS rebinding): when the server listens on a loopback address, only
  requests whose `Host` header names it (`localhost`, `127.0.0.1`, `[::1]`, with the server's port) are served;
  `--allowed-hosts` replaces the list (`*` turns the check off, e.g. behind a reverse proxy that checks it).
- **Body size limit** (default 1 MB): a larger `Content-Length` is refused before reading, and the bytes of a
  chunked body are counted as they arrive: HTTP 413 beyond the limit.
- **Strict JSON in**: the body must be UTF-8 JSON without NaN/Infinity literals, numbers within ±10^15, strings
  that are valid Unicode (no lone surrogates) of at most 10,000 characters, keys of at most 200, no key twice and
  at most 32 levels of nesting; otherwise a 422 whose `detail[].loc` is the path of the offending value.
- **Nothing internal out**: an unexpected error is logged with its traceback on the server and answered with a
  generic 500 carrying an opaque id; no stack trace, exception class or module name reaches the client.
- **Strict JSON out**: `dumps` renders NaN and infinities as null and never emits invalid JSON.

Settings come from the environment (set by `gongfu serve`, so that they survive uvicorn's reloader):
GONGFU_MAX_BODY (bytes), GONGFU_ALLOWED_HOSTS (comma-separated), GONGFU_RUN_QUEUE (runs waiting),
GONGFU_RUN_CACHE_MB (memory of cached run results).
"""

from __future__ import annotations

import ipaddress
import json
import logging
import math
import os
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("gongfu.api")

DEFAULT_MAX_BODY = 1_000_000
DEFAULT_QUEUE = 8
DEFAULT_CACHE_MB = 64
MAX_DEPTH = 32
MAX_STRING = 10_000
MAX_KEY = 200
MAX_NUMBER = 10**15
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "[::1]")


# ---------------------------------------------------------------------------------------------- settings
@dataclass(frozen=True)
class Settings:
    """What `gongfu serve` configures. `allowed_hosts=None`: the loopback names when bound to loopback, no check
    otherwise; `("*",)`: no check."""

    max_body: int = DEFAULT_MAX_BODY
    allowed_hosts: tuple[str, ...] | None = None
    queue: int = DEFAULT_QUEUE
    run_workers: int = 1
    cache_bytes: int = DEFAULT_CACHE_MB * 1024 * 1024

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if env is None else env)

        def number(name: str, default: int, low: int) -> int:
            text = env.get(name, "").strip()
            if not text:
                return default
            try:
                value = int(text)
            except ValueError:
                raise ValueError(f"{name} must be a whole number (got {text!r})") from None
            if value < low:
                raise ValueError(f"{name} must be at least {low} (got {value})")
            return value

        hosts = tuple(h.strip().lower() for h in env.get("GONGFU_ALLOWED_HOSTS", "").split(",") if h.strip())
        return cls(max_body=number("GONGFU_MAX_BODY", DEFAULT_MAX_BODY, 1),
                   allowed_hosts=hosts or None,
                   queue=number("GONGFU_RUN_QUEUE", DEFAULT_QUEUE, 0),
                   run_workers=number("GONGFU_RUN_WORKERS", 1, 1),
                   cache_bytes=number("GONGFU_RUN_CACHE_MB", DEFAULT_CACHE_MB, 0) * 1024 * 1024)


def is_loopback(address: str) -> bool:
    """True for localhost and the loopback addresses (127.0.0.0/8, ::1)."""
    name = address.strip("[]").lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def split_host(value: str) -> tuple[str, str]:
    """('name', 'port') of a Host header ('[::1]:8000' -> ('[::1]', '8000'); no port -> '')."""
    value = value.strip().lower()
    if value.startswith("["):
        name, _, rest = value.partition("]")
        return name + "]", rest.removeprefix(":")
    name, _, port = value.partition(":")
    return name, port


def host_allowed(host: str, allowed: tuple[str, ...], port: int | None) -> bool:
    """Whether a Host header matches the allow-list: an entry `name` matches that name on `port` (any port when
    `port` is None), `name:port` that port only, `*.example.org` any subdomain, `*` anything."""
    name, given_port = split_host(host)
    if not name:
        return False
    for entry in allowed:
        if entry == "*":
            return True
        e_name, e_port = split_host(entry)
        if e_name.startswith("*.") and not (name.endswith(e_name[1:]) and len(name) > len(e_name) - 1):
            continue
        if not e_name.startswith("*.") and name != e_name:
            continue
        want = e_port or (str(port) if port is not None else "")
        if not given_port or not want or given_port == want:
            return True
    return False


# ---------------------------------------------------------------------------------------------- JSON in
class _Bad:
    """A JSON number the parser must not turn into a value (NaN, Infinity, 1e400, 10**40): kept as text so that
    the walk reports it at its place in the body."""

    __slots__ = ("text",)

    def __init__(self, text: str):
        self.text = text


class _Pairs(list):
    """An object's (key, value) pairs as read (duplicates kept, so the walk can name them)."""


def _float(text: str) -> Any:
    value = float(text)
    return value if math.isfinite(value) and abs(value) <= MAX_NUMBER else _Bad(text)


def _int(text: str) -> Any:
    return int(text) if len(text) <= 17 and abs(int(text)) <= MAX_NUMBER else _Bad(text)


def where(path: list[Any]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "body"


class BodyError(ValueError):
    """A body that is not acceptable JSON: `loc` as in FastAPI's validation errors."""

    def __init__(self, path: list[Any], message: str):
        super().__init__(f"{where(path)}: {message}")
        self.loc = ["body", *path]


def _text_problem(text: str, limit: int) -> str | None:
    if len(text) > limit:
        return f"text longer than {limit:,} characters ({len(text):,})"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "not valid Unicode text (a lone surrogate such as \\ud800)"
    return None


def _walk(value: Any, path: list[Any]) -> Any:
    """The plain value of a parsed body, or a BodyError at the first value no field may take."""
    if len(path) > MAX_DEPTH:
        raise BodyError(path[:MAX_DEPTH], f"nested deeper than {MAX_DEPTH} levels")
    if isinstance(value, _Bad):
        shown = value.text if len(value.text) <= 24 else value.text[:20] + "…"
        return _raise(path, f"{shown} is not a finite number within ±10^15")
    if isinstance(value, str):
        problem = _text_problem(value, MAX_STRING)
        return _raise(path, problem) if problem else value
    if isinstance(value, _Pairs):
        out: dict[str, Any] = {}
        for key, item in value:
            problem = _text_problem(key, MAX_KEY)
            if problem:
                _raise(path, f"a key: {problem}")
            if key in out:
                _raise([*path, key], "given twice")
            out[key] = _walk(item, [*path, key])
        return out
    if isinstance(value, list):
        return [_walk(item, [*path, i]) for i, item in enumerate(value)]
    return value


def _raise(path: list[Any], message: str) -> Any:
    raise BodyError(path, message)


def parse_json(body: bytes) -> Any:
    """The body as plain JSON values, or a BodyError naming the place and the problem."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BodyError([], f"not UTF-8 text (byte {exc.start})") from None
    try:
        raw = json.loads(text, parse_float=_float, parse_int=_int, parse_constant=_Bad, object_pairs_hook=_Pairs)
    except json.JSONDecodeError as exc:
        raise BodyError([], f"invalid JSON at character {exc.pos} ({exc.msg})") from None
    except RecursionError:
        raise BodyError([], f"nested deeper than {MAX_DEPTH} levels") from None
    return _walk(raw, [])


def _is_json(content_type: str) -> bool:
    kind = content_type.split(";", 1)[0].strip().lower()
    return kind == "application/json" or (kind.startswith("application/") and kind.endswith("+json"))


# ---------------------------------------------------------------------------------------------- JSON out
def _finite(value: Any) -> Any:
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


def dumps(content: Any) -> bytes:
    """Strict JSON bytes: NaN and infinities become null (plain JSON types expected: see service.jsonable)."""
    try:
        text = json.dumps(content, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    except ValueError:
        text = json.dumps(_finite(content), ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    return text.encode("utf-8", "backslashreplace")


class StrictJSONResponse(JSONResponse):
    """A JSON response that is always valid JSON (no NaN, no Infinity)."""

    def render(self, content: Any) -> bytes:
        return dumps(content)


def error_response(status: int, loc: list[Any], message: str, kind: str = "value_error",
                   headers: dict[str, str] | None = None) -> StrictJSONResponse:
    """The error shape of every 4xx of the API: {"detail": [{"type", "loc", "msg"}]}."""
    return StrictJSONResponse(status_code=status, headers=headers,
                              content={"detail": [{"type": kind, "loc": loc, "msg": message}]})


def internal_error() -> StrictJSONResponse:
    """A generic 500 with an opaque id; the traceback goes to the server's log under the same id."""
    ident = secrets.token_hex(6)
    log.exception("internal error %s", ident)
    return StrictJSONResponse(status_code=500, content={"detail": [{
        "type": "internal_error", "loc": [], "id": ident,
        "msg": f"internal error (id {ident}); the server's log has the details"}]})


# ---------------------------------------------------------------------------------------------- middleware
class Guard:
    """Pure ASGI middleware: Host allow-list, body limit, strict JSON bodies and a catch-all for errors."""

    def __init__(self, app: ASGIApp, settings: Settings | Callable[[], Settings]):
        self.app = app
        self._settings = settings

    @property
    def settings(self) -> Settings:
        return self._settings() if callable(self._settings) else self._settings

    def host_problem(self, scope: Scope, host: str | None) -> str | None:
        settings = self.settings
        server = scope.get("server")
        port = server[1] if server and len(server) > 1 else None
        allowed = settings.allowed_hosts
        if allowed is None:
            if not server or not is_loopback(str(server[0])):
                return None
            allowed = LOOPBACK_NAMES
        elif "*" in allowed:
            return None
        if host is not None and host_allowed(host, allowed, port if settings.allowed_hosts is None else None):
            return None
        shown = "no Host header" if host is None else repr(host[:100])
        names = ", ".join(allowed)
        suffix = f" on port {port}" if settings.allowed_hosts is None and port else ""
        return (f"host: {shown} is not allowed (this server answers to {names}{suffix}); "
                "start it with --allowed-hosts to add a name")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers: dict[bytes, bytes] = {}
        for key, value in scope.get("headers", ()):
            headers.setdefault(key.lower(), value)
        host = headers.get(b"host")
        problem = self.host_problem(scope, host.decode("latin-1") if host is not None else None)
        if problem:
            await error_response(400, ["header", "host"], problem, "host_not_allowed")(scope, receive, send)
            return
        limit = self.settings.max_body
        length = headers.get(b"content-length")
        if length is not None:
            if not length.strip().isdigit():
                await error_response(400, ["header", "content-length"],
                                     "content-length: not a whole number")(scope, receive, send)
                return
            if int(length) > limit:
                await self._too_large(scope, receive, send, int(length), limit)
                return
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                await self._too_large(scope, receive, send, size, limit)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        content_type = headers.get(b"content-type", b"").decode("latin-1")
        if body and not _is_json(content_type):  # every body gongfu takes is JSON (older FastAPI guessed)
            await error_response(422, ["body"], "body: send JSON with the header Content-Type: application/json "
                                                f"(got {content_type[:60] or 'no Content-Type'})",
                                 "content_type")(scope, receive, send)
            return
        if body:
            try:
                parse_json(body)
            except BodyError as exc:
                await error_response(422, exc.loc, str(exc), "json_invalid")(scope, receive, send)
                return
        await self._call(scope, _replay(body, receive), send)

    async def _too_large(self, scope: Scope, receive: Receive, send: Send, size: int, limit: int) -> None:
        await error_response(413, ["body"], f"body: {size:,} bytes or more is larger than this server's limit "
                                            f"of {limit:,} bytes", "body_too_large")(scope, receive, send)

    async def _call(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = False

        async def watch(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except Exception:
            response = internal_error()
            if not started:
                await response(scope, receive, send)


def _replay(body: bytes, receive: Receive) -> Callable[[], Awaitable[Message]]:
    """A `receive` that gives the buffered body once, then waits on the client (disconnects)."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay
