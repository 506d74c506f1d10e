"""Real peers in subprocesses: where they are, how to start them, how to talk to them.

Each peer is installed by ``scripts/interop-setup`` in a place of its own
(see that script), and runs in a subprocess, so that it never shares an
interpreter with our ``websockets`` distributions. The environment variables
below point the tests to peers installed elsewhere.

The remote-controlled peers (``peers/aiohttp_peer.py``, ``peers/ws_peer.js``)
read one JSON command a line on stdin and write one JSON event a line on
stdout:

- ``{"op": "listen", "compress": bool, "autoping": bool}``: start a server on
  127.0.0.1 and a port that the OS picks; events ``listening`` (``port``)
  then ``done``; each connection it accepts reports ``open``;
- ``{"op": "connect", "url": str, "compress": bool, "autoping": bool}``: open
  a client connection; events ``open`` then ``done``;
- ``{"op": "ping", "data": str}``: send a ping; ``pong`` when answered;
- ``{"op": "close", "code": int, "reason": str}``: start the closing
  handshake; ``closed`` when it's over;
- ``{"op": "fragments", "count": int}``: echo the next messages as that many
  fragments (``unsupported`` where the peer's API can't send fragments);
- ``{"op": "stop"}``: exit; so does closing stdin.

Events that the connection reports by itself: ``open`` (``role``,
``deflate``: whether permessage-deflate is in use, ``extensions``: the
``Sec-WebSocket-Extensions`` response header where the peer exposes it),
``message`` (``type``, ``size``, ``sha256`` of the UTF-8 or binary payload,
after which the peer echoes the message), ``ping`` / ``pong`` (``data``),
``closed`` (``code``, ``reason``: the close frame the peer received, with
``reason`` null where the peer's API doesn't expose it). ``error`` (a command
failed) and ``failed`` (the connection failed) fail the test at once.

"""

from __future__ import annotations

import collections
import contextlib
import json
import os
import queue
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

ROOT = Path(__file__).resolve().parent.parent.parent
PEERS = Path(__file__).resolve().parent / "peers"
INTEROP = Path(os.environ.get("WEBSOCKETS_INTEROP_DIR", ROOT / ".interop"))

TIMEOUT_FACTOR = float(os.environ.get("WEBSOCKETS_TESTS_TIMEOUT_FACTOR", "1"))
"""Scale of every timeout in the tests; raise it on slow machines."""

TIMEOUT = 60 * TIMEOUT_FACTOR
"""Longest wait for one step: an event, a message, a handshake, a pong.

Far above what any step takes, even with several MiB through a compressor on
a loaded machine: a step that takes this long is stuck, not slow.
"""

LIFETIME = 900 * TIMEOUT_FACTOR
"""Upper bound on the life of any subprocess, enforced by coreutils' timeout.

Fixtures terminate their subprocesses; this one bound also holds when the
test process itself is killed before its finalizers run.
"""

SETUP_HINT = "install it with scripts/interop-setup (it sets up every peer of tests/interop)"


class PeerMissing(Exception):
    """A peer isn't installed; the message says which and how to install it."""


def aiohttp_command() -> list[str]:
    """Command that starts the aiohttp peer with the Python of aiohttp's venv."""
    default = INTEROP / "aiohttp-venv" / "bin" / "python"
    python = Path(os.environ.get("WEBSOCKETS_INTEROP_AIOHTTP_PYTHON", default))
    if not python.exists():
        raise PeerMissing(
            f"peer aiohttp is missing: no Python at {python}; {SETUP_HINT}, "
            "or point WEBSOCKETS_INTEROP_AIOHTTP_PYTHON to the Python of a "
            "virtual environment where aiohttp is installed"
        )
    # -I: isolated mode, so that neither the current directory nor PYTHON*
    # variables can put our websockets on the peer's path.
    return [str(python), "-I", str(PEERS / "aiohttp_peer.py")]


def ws_command() -> list[str]:
    """Command that starts node with the ws peer and where ws is installed."""
    node = shutil.which(os.environ.get("WEBSOCKETS_INTEROP_NODE", "node"))
    if node is None:
        raise PeerMissing(
            "peer ws (node) is missing: no node on PATH; install Node.js "
            "(18 or later), then ws with scripts/interop-setup, or set "
            "WEBSOCKETS_INTEROP_NODE to a node executable"
        )
    default = INTEROP / "node" / "node_modules"
    modules = Path(os.environ.get("WEBSOCKETS_INTEROP_NODE_MODULES", default))
    if not (modules / "ws" / "package.json").exists():
        raise PeerMissing(
            f"peer ws (node) is missing: no ws package in {modules}; {SETUP_HINT}, "
            "or point WEBSOCKETS_INTEROP_NODE_MODULES to a node_modules folder with ws"
        )
    return [node, str(PEERS / "ws_peer.js"), str(modules)]


def chromium_executable() -> str:
    """Path of the Chromium browser."""
    chromium = shutil.which(os.environ.get("WEBSOCKETS_INTEROP_CHROMIUM", "chromium"))
    if chromium is None:
        raise PeerMissing(
            "peer chromium is missing: no `chromium` on PATH; install it with "
            "scripts/interop-setup (as root: it runs apt-get install chromium), "
            "or set WEBSOCKETS_INTEROP_CHROMIUM to a Chromium executable"
        )
    return chromium


class Subprocess:
    """A subprocess in a process group of its own, always terminated with it.

    Its life is bounded by coreutils' ``timeout`` (:data:`LIFETIME`), and
    :meth:`terminate` ends the whole group: browsers start helper processes.
    stdout is read line by line in a thread, so that waits have timeouts;
    stderr goes to a file, quoted when something fails.

    """

    def __init__(self, name: str, command: list[str], *, stdin: bool = False) -> None:
        self.name = name
        # Closed by terminate(), which every user of this class calls.
        self.stderr: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.process = subprocess.Popen(
            ["timeout", "--kill-after=10", str(LIFETIME), *command],
            stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=self.stderr,
            start_new_session=True,
            cwd=tempfile.gettempdir(),
            text=True,
            encoding="utf-8",
        )
        self.reader = threading.Thread(target=self._read, name=f"{name} stdout", daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line)
        self.lines.put(None)

    def readline(self, deadline: float) -> str | None:
        """Next line on stdout, None at its end; fail if none comes in time."""
        try:
            return self.lines.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            raise AssertionError(f"{self.name}: timed out\n{self.diagnostics()}") from None

    def diagnostics(self) -> str:
        """The end of stderr, to explain a failure."""
        self.stderr.seek(0)
        text = self.stderr.read().decode(errors="replace")
        status = self.process.poll()
        state = "running" if status is None else f"exited with status {status}"
        return f"{self.name} ({state}), end of stderr:\n{text[-4000:]}"

    def terminate(self) -> None:
        """End the process group: SIGTERM, then SIGKILL for whatever is left."""
        for sig in (signal.SIGTERM, signal.SIGKILL):
            # ProcessLookupError: the whole group is gone already.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, sig)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=10)
        # Every writer of stdout is dead: the reader reaches its end.
        self.reader.join(timeout=10)
        for stream in (self.process.stdin, self.process.stdout):
            if stream is not None:
                # OSError: stdin of a peer that exited with data unread.
                with contextlib.suppress(OSError):
                    stream.close()
        self.stderr.close()


@dataclass(frozen=True)
class PeerKind:
    """What a remote-controlled peer can do, and how it behaves where RFC 6455 lets it choose."""

    name: str
    sends_fragments: bool
    """Its API can send a message as several frames."""
    echoes_close: bool
    """It answers a close frame with the same code and reason (else 1000, "")."""
    sees_reply_reason: bool
    """It exposes the reason of the close frame that answers its own."""


AIOHTTP = PeerKind("aiohttp", sends_fragments=False, echoes_close=False, sees_reply_reason=False)
WS = PeerKind("ws", sends_fragments=True, echoes_close=True, sees_reply_reason=True)


class Events:
    """Events reported by a peer, one JSON object each, waited for by name."""

    name: str

    def __init__(self) -> None:
        self.backlog: collections.deque[dict[str, Any]] = collections.deque()

    def next_event(self, deadline: float) -> dict[str, Any]:
        """The next event reported; fail if none comes before the deadline."""
        raise NotImplementedError

    def expect(self, event: str, timeout: float = TIMEOUT, **fields: Any) -> dict[str, Any]:
        """Wait for the first event of that name (and fields); others stay queued.

        ``error`` and ``failed`` events fail the test at once, as does a
        timeout or the end of the peer.
        """
        deadline = time.monotonic() + timeout

        def matches(seen: dict[str, Any]) -> bool:
            return seen["event"] == event and all(seen.get(k) == v for k, v in fields.items())

        for index, seen in enumerate(self.backlog):
            if matches(seen):
                del self.backlog[index]
                return seen
        while True:
            seen = self.next_event(deadline)
            if seen["event"] in ("error", "failed"):
                raise AssertionError(f"{self.name} reported {seen}")
            if matches(seen):
                return seen
            self.backlog.append(seen)


class Peer(Events):
    """A remote-controlled peer in a subprocess: send commands, wait for events."""

    def __init__(self, kind: PeerKind, command: list[str]) -> None:
        super().__init__()
        self.kind = kind
        self.name = kind.name
        self.process = Subprocess(kind.name, command, stdin=True)
        try:
            self.info = self.expect("ready")
        except AssertionError as exc:
            self.process.terminate()
            raise PeerMissing(
                f"peer {kind.name} doesn't start; reinstall it with scripts/interop-setup:\n{exc}"
            ) from None
        except BaseException:
            # E.g. a first line that isn't JSON: don't leave the peer running.
            self.process.terminate()
            raise

    def send(self, op: str, **fields: Any) -> None:
        assert self.process.process.stdin is not None
        self.process.process.stdin.write(json.dumps({"op": op, **fields}) + "\n")
        self.process.process.stdin.flush()

    def command(self, op: str, **fields: Any) -> None:
        """Send a command and wait until the peer has carried it out."""
        self.send(op, **fields)
        self.expect("done", op=op)

    def next_event(self, deadline: float) -> dict[str, Any]:
        line = self.process.readline(deadline)
        if line is None:
            raise AssertionError(
                f"{self.name} exited; events not consumed: {list(self.backlog)}\n"
                f"{self.process.diagnostics()}"
            )
        return json.loads(line)  # type: ignore[no-any-return]

    def stop(self) -> None:
        """Ask the peer to exit, then make sure it did."""
        if self.process.process.poll() is None:
            try:
                self.send("stop")
                self.process.process.wait(timeout=10)
            except (OSError, subprocess.TimeoutExpired):
                pass
        self.process.terminate()
