"""The ASGI app: VnCoreNLP's server protocol, the JSON API and the page.

Endpoints (every answer is JSON except the page):

* ``GET /``: the page for browsers (``Accept: text/html``), else a JSON
  status (VnCoreNLP's clients only check for a 200);
* ``GET /annotators``: ``["wseg"]``, the only VnCoreNLP annotator served;
* ``POST /handle`` (form fields ``text``, ``props``): VnCoreNLP's answer,
  ``{"sentences": [[{"index", "form"}, ...], ...], "status": true}``;
* ``POST /segment``: ``{"text"}`` -> ``{"text"}``, ``{"texts"}`` -> ``{"texts"}``;
* ``POST /tokenize``: ``{"text"}`` -> ``{"tokens": [{"text", "start", "end", "form"}]}``;
* ``GET /health``.

The native endpoints take optional ``profile`` and ``normalize`` fields.
Segmentation runs on the event loop: it is CPU-bound, so threads would only
add hand-offs; ``--workers`` is how a server uses more cores.
"""

from __future__ import annotations

import json
import logging
import os
import re
from importlib.resources import files
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from .. import __version__
from .bodies import RequestError, check_fields, checked_text, choice, form_fields, json_object, read_body, text_field
from .engine import Engine
from .settings import ServerSettings

ANNOTATORS = ["wseg"]
_OTHER_ANNOTATORS = {"pos": "POS tagging", "ner": "named-entity recognition", "parse": "dependency parsing",
                     "lang": "language detection"}
_PROPS_SEPARATOR = re.compile(r"\s*,\s*")
_PAGE_SLOT = "/*INITIAL*/null"
_log = logging.getLogger("tachtu.server")


def create_app(settings: ServerSettings, engine: Engine | None = None) -> Starlette:
    """The app for ``settings`` (building its ``Engine`` unless one is given)."""
    engine = engine if engine is not None else Engine(settings)
    page = files(__package__).joinpath("page.html").read_text(encoding="utf-8")
    if _PAGE_SLOT not in page:
        raise AssertionError("page.html lost its slot for the initial result")

    def error(message: str, code: int = 400, **extra: Any) -> JSONResponse:
        return JSONResponse({"error": message, **extra}, status_code=code)

    async def index(request: Request) -> Response:
        if "text/html" not in request.headers.get("accept", ""):
            return JSONResponse({"name": "tachtu", "version": __version__, "status": "running",
                                 "annotators": ANNOTATORS, "profile": settings.profile})
        return HTMLResponse(page.replace(_PAGE_SLOT, _initial_result(request, settings, engine)))

    async def annotators(request: Request) -> Response:
        return JSONResponse(ANNOTATORS)

    async def health(request: Request) -> Response:
        return JSONResponse({"status": "ok", "profile": settings.profile, "normalize": settings.normalize,
                             "max_body": settings.max_body, "pid": os.getpid()})

    async def handle(request: Request) -> Response:
        try:
            body = await read_body(request, settings.max_body)
            if request.headers.get("content-type", "").startswith("application/json"):
                fields: dict[str, Any] = json_object(body)
            else:
                fields = form_fields(body)
            text = text_field(fields, "text")
            props = fields.get("props")
            props = ",".join(ANNOTATORS) if props is None else checked_text(props, "'props'")
        except RequestError as exc:
            return error(str(exc), exc.status, status=False)
        unsupported = [name for name in _PROPS_SEPARATOR.split(props.strip()) if name and name not in ANNOTATORS]
        if unsupported:
            name = unsupported[0]
            what = f" ({_OTHER_ANNOTATORS[name]})" if name in _OTHER_ANNOTATORS else ""
            return JSONResponse({"status": False, "error": f"annotator {name!r}{what} is not supported: "
                                 f"this server does word segmentation only (annotators: {', '.join(ANNOTATORS)})"})
        sentences = engine.sentences(text)
        return JSONResponse({
            "sentences": [[{"index": i, "form": form} for i, form in enumerate(words, 1)] for words in sentences],
            "status": True,
        })

    async def segment(request: Request) -> Response:
        try:
            record = json_object(await read_body(request, settings.max_body))
            check_fields(record, ("text", "texts", "profile", "normalize"))
            profile, normalize = _choices(record, settings)
            if ("text" in record) == ("texts" in record):
                raise RequestError("give exactly one of 'text' (a string) and 'texts' (an array of strings)")
            if "text" in record:
                text = text_field(record, "text")
                return JSONResponse({"text": engine.segment([text], profile, normalize)[0]})
            texts = record["texts"]
            if not isinstance(texts, list):
                raise RequestError("field 'texts' must be an array of strings")
            checked = [checked_text(item, f"'texts'[{i}]") for i, item in enumerate(texts)]
        except RequestError as exc:
            return error(str(exc), exc.status)
        return JSONResponse({"texts": engine.segment(checked, profile, normalize)})

    async def tokenize(request: Request) -> Response:
        try:
            record = json_object(await read_body(request, settings.max_body))
            check_fields(record, ("text", "profile", "normalize"))
            profile, normalize = _choices(record, settings)
            text = text_field(record, "text")
        except RequestError as exc:
            return error(str(exc), exc.status)
        return JSONResponse({"tokens": _token_dicts(engine, text, profile, normalize)})

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        return JSONResponse({"error": exc.detail}, status_code=exc.status_code, headers=exc.headers)

    async def internal_error(request: Request, exc: Exception) -> Response:
        _log.exception("internal error on %s %s", request.method, request.url.path)
        return error("internal error (see the server log)", 500)

    return Starlette(
        routes=[
            Route("/", index, methods=["GET"]),
            Route("/annotators", annotators, methods=["GET"]),
            Route("/health", health, methods=["GET"]),
            Route("/handle", handle, methods=["POST"]),
            Route("/segment", segment, methods=["POST"]),
            Route("/tokenize", tokenize, methods=["POST"]),
        ],
        exception_handlers={HTTPException: http_error, Exception: internal_error},
    )


def app_from_env() -> Starlette:
    """The app for the settings in the environment: the factory each ``--workers`` process calls."""
    return create_app(ServerSettings.from_env())


def _choices(record: dict[str, Any], settings: ServerSettings) -> tuple[str, str]:
    return choice(record, "profile", settings.profile), choice(record, "normalize", settings.normalize)


def _token_dicts(engine: Engine, text: str, profile: str, normalize: str) -> list[dict[str, Any]]:
    return [{"text": t.text, "start": t.start, "end": t.end, "form": t.form}
            for t in engine.tokenize(text, profile, normalize)]


def _initial_result(request: Request, settings: ServerSettings, engine: Engine) -> str:
    """What the page shows on load, as JSON safe inside a ``<script>``: ``/?text=...`` is segmented here.

    ``profile`` and ``normalize`` from the query are used when valid; a bad one
    is reported on the page instead of the result.
    """
    query = request.query_params
    state: dict[str, Any] = {"text": query.get("text", ""), "profile": settings.profile,
                             "normalize": settings.normalize, "maxBody": settings.max_body}
    try:
        state["profile"], state["normalize"] = _choices(dict(query), settings)
        text = checked_text(state["text"], "'text'")
        if len(text.encode("utf-8")) > settings.max_body:
            raise RequestError(f"the text is over the limit of {settings.max_body} bytes", 413)
        if text:
            state["tokens"] = _token_dicts(engine, text, state["profile"], state["normalize"])
    except RequestError as exc:
        state["error"] = str(exc)
    return json.dumps(state).replace("<", "\\u003c")
