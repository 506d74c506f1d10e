"""What every server under test does besides serving."""

from __future__ import annotations

import argparse
import os
import sys
import threading

from bench.common import READY, raise_nofile_limit


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    parser.add_argument("--api", choices=["asyncio", "sync"], default="asyncio")
    args = parser.parse_args()
    raise_nofile_limit()
    exit_when_stdin_closes()
    return args


def exit_when_stdin_closes() -> None:
    """The orchestrator holds our stdin: if it goes away, so do we."""

    def watch() -> None:
        sys.stdin.read()
        os._exit(0)

    threading.Thread(target=watch, daemon=True).start()


def ready(port: int) -> None:
    print(READY, port, flush=True)
