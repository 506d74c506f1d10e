"""Tests for websockets._chunks: grouping chunks to write."""

from __future__ import annotations

from websockets._chunks import LARGE_CHUNK, join_small_chunks


def test_small_chunks_joined() -> None:
    assert list(join_small_chunks([b"a", b"bc", b"d"])) == [b"abcd"]


def test_large_chunks_on_their_own() -> None:
    large, other = b"x" * LARGE_CHUNK, b"y" * (LARGE_CHUNK + 1)
    pieces = list(join_small_chunks([b"h1", large, b"h2", b"h3", other, b"t"]))
    assert pieces == [b"h1", large, b"h2h3", other, b"t"]
    # Large chunks aren't copied.
    assert pieces[1] is large and pieces[3] is other


def test_lone_small_chunk_not_copied() -> None:
    chunk = b"header"
    [piece] = join_small_chunks([chunk])
    assert piece is chunk


def test_memoryviews() -> None:
    view = memoryview(b"x" * LARGE_CHUNK)
    assert list(join_small_chunks([memoryview(b"ab"), b"c", view])) == [b"abc", view]


def test_empty() -> None:
    assert list(join_small_chunks([])) == []
