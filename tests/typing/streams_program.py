"""A parser built on StreamReader, as integrators write them.

tests/typing/test_streams_program.py runs ``mypy --strict`` on it. Like
upstream's, ``read_line()`` and ``read_to_eof()`` return a
:class:`bytearray`, which the caller may modify.

"""

from __future__ import annotations

from collections.abc import Generator
from typing import assert_type

from websockets.http11 import Response
from websockets.streams import StreamReader


def parse_line(reader: StreamReader) -> Generator[None, None, bytearray]:
    line = yield from reader.read_line(1024)
    assert_type(line, bytearray)
    line.extend(b"!")
    return line


def parse_rest(reader: StreamReader) -> Generator[None, None, bytearray]:
    data = yield from reader.read_to_eof(1024)
    assert_type(data, bytearray)
    data.extend(b"!")
    return data


def parse_response(reader: StreamReader) -> Generator[None, None, bytes | bytearray]:
    response = yield from Response.parse(reader.read_line, reader.read_exact, reader.read_to_eof)
    assert_type(response.body, bytes | bytearray)
    return response.body
