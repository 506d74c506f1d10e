"""Shared machinery of the fuzz targets: running them, and the invariants of a
Sans-I/O protocol that every target checks.

A target is a module with a ``test_one_input(data: bytes) -> None`` function
that raises only when it finds a bug, and that ends with::

    if __name__ == "__main__":
        _harness.main(test_one_input)

Run it from the repository's root:

* ``python -m fuzz.fuzz_frames [libFuzzer flags] [CORPUS_DIR ...]`` fuzzes with
  atheris (coverage-guided, libFuzzer flags such as ``-max_total_time=60``);
* ``python -m fuzz.fuzz_frames --replay PATH ...`` runs the target once over
  each file, or each file in each directory, without atheris, and exits with
  status 1 on the first input that fails, printing its path.

``WEBSOCKETS_FUZZ_SPEEDUPS=no`` in the environment hides the C speedups of
ws-proto (``websockets.speedups``) before websockets is imported, so that the
pure-Python fallback runs, as in an install built without them.

"""

from __future__ import annotations

import contextlib
import faulthandler
import logging
import os
import signal
import sys
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

if os.environ.get("WEBSOCKETS_FUZZ_SPEEDUPS", "auto") == "no":
    # None in sys.modules makes ``from .speedups import ...`` raise ImportError,
    # which is how websockets.utils detects a build without the speedups.
    sys.modules["websockets.speedups"] = None  # type: ignore[assignment]

try:
    import atheris  # type: ignore[import-untyped]
except ImportError:  # replaying doesn't need atheris
    atheris = None


def instrumented() -> contextlib.AbstractContextManager[Any]:
    """Context manager around the imports of the code under test.

    With atheris, it instruments websockets for coverage feedback; modules
    must be imported for the first time inside it.

    """
    if atheris is None:
        return contextlib.nullcontext()
    # Let libFuzzer learn the strings that str methods compare the input
    # with. Not atheris's "RegEx" hook: its pattern proxy doesn't accept the
    # pos argument of Pattern.match(), which the header parsers use.
    atheris.enabled_hooks.add("str")
    manager: contextlib.AbstractContextManager[Any]
    manager = atheris.instrument_imports(include=["websockets"])
    return manager


def _inputs(paths: list[str]) -> Iterator[Path]:
    for name in paths:
        path = Path(name)
        if path.is_dir():
            yield from sorted(item for item in path.rglob("*") if item.is_file())
        else:
            yield path


# Bound on one input in replay mode, in seconds: a hang fails instead of
# stalling CI. libFuzzer's -timeout does the same when fuzzing.
REPLAY_TIMEOUT = 30


class ReplayTimeout(BaseException):
    """An input ran for longer than :data:`REPLAY_TIMEOUT`.

    Not an :class:`Exception`, so that code under test that catches every
    exception, as the protocol's parser does, doesn't swallow it.

    """


def _timed_out(signum: int, frame: Any) -> None:
    raise ReplayTimeout(f"input took more than {REPLAY_TIMEOUT} seconds")


def replay(test_one_input: Callable[[bytes], None], paths: list[str]) -> int:
    """Run ``test_one_input`` over the files in ``paths``; return an exit status."""
    count = 0
    previous = signal.signal(signal.SIGALRM, _timed_out)
    try:
        for path in _inputs(paths):
            signal.alarm(REPLAY_TIMEOUT)
            # If the exception is swallowed anyway, or the input hangs where
            # signals can't interrupt it, print every stack and exit.
            faulthandler.dump_traceback_later(2 * REPLAY_TIMEOUT, exit=True)
            try:
                test_one_input(path.read_bytes())
            except (Exception, ReplayTimeout):
                traceback.print_exc()
                print(f"FAILED: {path}", file=sys.stderr)
                return 1
            finally:
                signal.alarm(0)
                faulthandler.cancel_dump_traceback_later()
            count += 1
    finally:
        signal.signal(signal.SIGALRM, previous)
    utils = sys.modules.get("websockets.utils")
    speedups = "with" if getattr(utils, "SPEEDUPS", False) else "without"
    print(f"replayed {count} inputs {speedups} C speedups: no failure", file=sys.stderr)
    return 0


def main(test_one_input: Callable[[bytes], None]) -> None:
    """Fuzz with atheris, or replay inputs with ``--replay``."""
    if len(sys.argv) > 1 and sys.argv[1] == "--replay":
        sys.exit(replay(test_one_input, sys.argv[2:]))
    if atheris is None:
        sys.exit("atheris isn't installed: only --replay works")
    argv = list(sys.argv)
    spec = getattr(sys.modules["__main__"], "__spec__", None)
    if spec is not None:
        # libFuzzer runs argv[0] through the shell for -merge, -fork and
        # -jobs: make it a command that runs this module with this Python.
        argv[0] = f"{sys.executable} -m {spec.name}"
    atheris.Setup(argv, test_one_input)
    atheris.Fuzz()


class Input:
    """Read structured values from the fuzzer's input, front to back.

    Reading past the end returns zeros and empty strings: every input is
    valid, so that mutations never waste executions on a format error.

    """

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def byte(self) -> int:
        if self.pos >= len(self.data):
            return 0
        value = self.data[self.pos]
        self.pos += 1
        return value

    def uint16(self) -> int:
        return self.byte() << 8 | self.byte()

    def take(self, size: int) -> bytes:
        value = self.data[self.pos : self.pos + size]
        self.pos += len(value)
        return value

    def rest(self) -> bytes:
        value = self.data[self.pos :]
        self.pos = len(self.data)
        return value


def decode(raw: bytes, mode: int) -> str:
    """Decode ``raw`` in one of four ways, to reach every kind of :class:`str`.

    0: UTF-8, invalid bytes replaced with U+FFFD; 1: UTF-8, invalid bytes as
    lone surrogates (``surrogateescape``); 2: UTF-8 that may encode surrogates
    (``surrogatepass``), else as 1; 3: ISO-8859-1, as HTTP header values are.

    """
    mode &= 3
    if mode == 0:
        return raw.decode("utf-8", errors="replace")
    if mode == 2:
        try:
            return raw.decode("utf-8", errors="surrogatepass")
        except UnicodeDecodeError:
            pass
    if mode != 3:
        return raw.decode("utf-8", errors="surrogateescape")
    return raw.decode("latin-1")


class RecordingHandler(logging.Handler):
    """Format every log record, as a real handler would, and keep errors.

    Formatting runs ``Frame.__str__`` and friends on data from the peer when
    debug logs are enabled; ERROR records mean that websockets caught an
    exception it didn't expect: a bug.

    """

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.errors: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if record.levelno >= logging.ERROR:
            if record.exc_info is not None:
                message += "\n" + "".join(traceback.format_exception(*record.exc_info))
            self.errors.append(message)


def make_logger(debug: bool) -> tuple[logging.Logger, RecordingHandler]:
    """Build a logger of its own for one protocol, not registered globally."""
    logger = logging.Logger("websockets.fuzz", logging.DEBUG if debug else logging.INFO)
    handler = RecordingHandler()
    logger.addHandler(handler)
    logger.propagate = False
    return logger, handler


# A fixed masking key makes a client's output, hence every run, reproducible.
FIXED_MASK = b"\x37\xfa\x21\x3d"


@contextlib.contextmanager
def fixed_masking_key() -> Iterator[None]:
    import websockets.frames

    original = websockets.frames._next_masking_key
    websockets.frames._next_masking_key = lambda: FIXED_MASK
    try:
        yield
    finally:
        websockets.frames._next_masking_key = original
