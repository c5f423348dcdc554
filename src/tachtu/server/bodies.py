"""Reading and checking request bodies: every way a body can be bad becomes a ``RequestError``.

The handlers only ever see a size-checked body decoded as strict UTF-8 and
fields of the right types, so bad input is answered with a 4xx and a message
saying what is wrong, never with a 500.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request

from ..normalize import NORMALIZE_MODES
from .settings import PROFILES


class RequestError(Exception):
    """A request the server will not process: an HTTP status and the reason."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


async def read_body(request: Request, limit: int) -> bytes:
    """The whole body, refused with 413 as soon as it is known to exceed ``limit`` bytes."""
    declared = request.headers.get("content-length")
    if declared is not None:
        if not declared.isdigit():
            raise RequestError(f"Content-Length {declared!r} is not a number")
        if int(declared) > limit:
            raise RequestError(f"the body ({declared} bytes) is over the limit of {limit} bytes", 413)
    parts: list[bytes] = []
    size = 0
    async for part in request.stream():
        size += len(part)
        if size > limit:
            raise RequestError(f"the body is over the limit of {limit} bytes", 413)
        parts.append(part)
    return b"".join(parts)


def decode(body: bytes) -> str:
    """``body`` as strict UTF-8."""
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RequestError(f"the body is not valid UTF-8 (byte {exc.start})") from None


def json_object(body: bytes) -> dict[str, Any]:
    """The JSON object ``body`` holds."""
    try:
        value = json.loads(decode(body))
    except json.JSONDecodeError as exc:
        raise RequestError(f"the body is not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})") from None
    except RecursionError:
        raise RequestError("the body is JSON nested too deeply") from None
    if not isinstance(value, dict):
        raise RequestError(f"the body must be a JSON object, not {_json_type(value)}")
    return value


def form_fields(body: bytes) -> dict[str, str]:
    """The fields of a URL-encoded form (the first value of a repeated field)."""
    try:
        pairs = parse_qsl(decode(body), keep_blank_values=True, encoding="utf-8", errors="strict")
    except UnicodeDecodeError as exc:
        raise RequestError(f"a form field is not valid UTF-8 once percent-decoded (byte {exc.start})") from None
    fields: dict[str, str] = {}
    for name, value in pairs:
        fields.setdefault(name, value)
    return fields


def check_fields(record: dict[str, Any], allowed: tuple[str, ...]) -> None:
    """Refuse fields the endpoint does not know (a typo would otherwise be silently ignored)."""
    unknown = sorted(set(record) - set(allowed))
    if unknown:
        raise RequestError(f"unknown field {unknown[0]!r} (expected {', '.join(map(repr, allowed))})")


def text_field(record: dict[str, Any], name: str) -> str:
    """The string field ``name``, which must be present."""
    if name not in record:
        raise RequestError(f"missing field {name!r}")
    return checked_text(record[name], repr(name))


def checked_text(value: Any, what: str) -> str:
    """``value`` if it is a string that can be written back as UTF-8."""
    if not isinstance(value, str):
        raise RequestError(f"field {what} must be a string, not {_json_type(value)}")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise RequestError(f"field {what} holds a lone surrogate at index {exc.start}") from None
    return value


def choice(record: dict[str, Any], name: str, default: str) -> str:
    """The optional ``profile`` or ``normalize`` field, checked against its choices."""
    choices = PROFILES if name == "profile" else NORMALIZE_MODES
    value = record.get(name, default)
    if value not in choices:
        raise RequestError(f"field {name!r} must be one of {', '.join(map(repr, choices))}, not {json.dumps(value)}")
    return str(value)


def _json_type(value: Any) -> str:
    names = {dict: "an object", list: "an array", str: "a string", bool: "a boolean", type(None): "null"}
    return names.get(type(value), "a number")
