"""JSON Lines: replace one string field of a line, leaving every other byte as it was.

Re-serialising a parsed record changes what the user did not ask to change:
``1e400`` becomes ``Infinity`` (not JSON), long decimals lose digits,
duplicate keys vanish, spacing and escapes differ.  So the line is parsed only
to check it and to find where the field's value lies; the new value is
spliced into the original text in its place (or appended as a new last member
for a new output field).

>>> splice_field('{"id": 1e400, "text": "a  b" , "x": 1.10}', "text", None, str.upper)
'{"id": 1e400, "text": "A  B" , "x": 1.10}'
>>> splice_field('{"text": "a",  "x": []}', "text", "seg", str.upper)
'{"text": "a",  "x": [], "seg": "A"}'
"""

from __future__ import annotations

import json
from json.decoder import scanstring
from typing import Callable

__all__ = ["BadLine", "splice_field"]

_WHITESPACE = " \t\n\r"
_DECODER = json.JSONDecoder()


class BadLine(ValueError):
    """A line that cannot be processed; the message says why (without file or line)."""


def _skip_ws(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in _WHITESPACE:
        pos += 1
    return pos


def _value_end(text: str, pos: int) -> int:
    """End of the JSON value starting at ``pos`` (the line is already validated, so this cannot fail)."""
    return _DECODER.raw_decode(text, pos)[1]


def _members(text: str) -> tuple[list[tuple[str, int, int]], int]:
    """(key, value start, value end) of each top-level member, and the end of the last value."""
    members: list[tuple[str, int, int]] = []
    pos = _skip_ws(text, 0) + 1  # past "{"
    last_end = pos
    while True:
        pos = _skip_ws(text, pos)
        if text[pos] == "}":
            return members, last_end
        if text[pos] == ",":
            pos = _skip_ws(text, pos + 1)
        key, pos = scanstring(text, pos + 1)
        pos = _skip_ws(text, pos) + 1  # past ":"
        start = _skip_ws(text, pos)
        end = _value_end(text, start)
        members.append((key, start, end))
        pos = last_end = end


def _parse(line: str) -> object:
    try:
        return json.loads(line)
    except json.JSONDecodeError as exc:
        raise BadLine(f"not valid JSON ({exc.msg} at column {exc.colno})") from None
    except RecursionError:
        raise BadLine("not readable: JSON nested too deeply") from None
    except ValueError as exc:  # e.g. an integer longer than Python's digit limit
        raise BadLine(f"not readable: {exc}") from None


def _encode(value: str, field: str) -> str:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise BadLine(f"field {field!r} holds a lone surrogate ({value[exc.start]!a}), which is not text") from None
    return json.dumps(value, ensure_ascii=False)


def splice_field(line: str, field: str, output_field: str | None, transform: Callable[[str], str]) -> str:
    """``line`` with ``transform`` applied to its string field ``field``.

    The result goes into ``output_field`` (a new last member, or replacing that
    member's value) or, when None, into ``field`` itself.  A null field gives a
    null result (the line is unchanged when writing in place).

    Raises:
        BadLine: not JSON, not an object, no such field or a field given twice,
            not a string or null, a lone surrogate, nesting too deep, a number too long.
    """
    record = _parse(line)
    if not isinstance(record, dict):
        raise BadLine(f"not a JSON object (got {type(record).__name__})")
    if field not in record:
        raise BadLine(f"no field {field!r}")
    value = record[field]
    if value is not None and not isinstance(value, str):
        raise BadLine(f"field {field!r} is not a string (got {type(value).__name__})")
    target = output_field or field
    members, last_end = _members(line)
    spans = [(start, end) for key, start, end in members if key == target]
    for name in {field, target}:
        if sum(key == name for key, _, _ in members) > 1:
            raise BadLine(f"field {name!r} appears more than once")
    new = "null" if value is None else _encode(transform(value), field)
    if spans:
        start, end = spans[0]
        if value is None and target == field:
            return line
        return line[:start] + new + line[end:]
    return line[:last_end] + ", " + json.dumps(target, ensure_ascii=False) + ": " + new + line[last_end:]
