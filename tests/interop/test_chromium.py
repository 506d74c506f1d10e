"""Headless Chromium's WebSocket API against our asyncio and threading servers.

One Chromium runs for each of our server implementations. It loads a page
(peers/browser.html) that the server under test serves itself, through
``process_request``; the page opens a control WebSocket to that server,
through which the test sends commands and receives what the page observed.
Each test has the page open a "subject" connection with the browser's
``WebSocket`` to a server of ours with the options under test.

Browsers can't send pings or choose how to fragment a message: the tests
check that Chromium answers our pings and reassembles our fragments.
Chromium always offers permessage-deflate.

"""

from __future__ import annotations

import http
import itertools
import json
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from websockets.exceptions import ConnectionClosedOK
from websockets.http11 import Request, Response
from websockets.typing import Data

from .ours import CLOSES, IMPLEMENTATIONS, LoopThread, OurConnection, Ours, OurServer, assert_closed
from .payloads import describe, fragmented_messages, join, label, messages
from .peer import PEERS, TIMEOUT, Events, PeerMissing, Subprocess, chromium_executable

pytestmark = pytest.mark.interop

PAGE = (PEERS / "browser.html").read_text()

# The flags that keep Chromium to itself: no sandbox (we run as root), no
# GPU, and none of the background requests to Google that would otherwise
# go out (the network is closed) or slow it down. Even with those, it looks
# up Google's hosts: the resolver rules answer every name but 127.0.0.1
# with "not found" without asking DNS. No proxy from the environment either.
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--disable-domain-reliability",
    "--disable-client-side-phishing-detection",
    "--no-pings",
    "--no-proxy-server",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]

LAUNCH_TIMEOUT = 2 * TIMEOUT
"""How long Chromium may take to start and open the control connection."""


def serve_page(connection: Any, request: Request) -> Response | None:
    """``process_request`` of the control server: the page at /, 404 but for /control."""
    if request.path == "/control":
        return None  # Go on with the WebSocket opening handshake.
    if request.path == "/":
        response: Response = connection.respond(http.HTTPStatus.OK, PAGE)
        del response.headers["Content-Type"]
        response.headers["Content-Type"] = "text/html; charset=utf-8"
        return response
    return connection.respond(http.HTTPStatus.NOT_FOUND, "Not Found\n")  # type: ignore[no-any-return]


class Browser(Events):
    """A Chromium page driven through its control connection to our server."""

    name = "chromium"

    def __init__(self, implementation: str, control: OurConnection, process: Subprocess) -> None:
        super().__init__()
        self.implementation = implementation
        self.control = control
        self.process = process
        self.ids = itertools.count()

    def command(self, op: str, **fields: Any) -> None:
        self.control.send(json.dumps({"op": op, **fields}))

    def next_event(self, deadline: float) -> dict[str, Any]:
        # The control connection's recv() has its own timeout: TIMEOUT.
        if time.monotonic() > deadline:
            raise AssertionError(f"chromium: timed out\n{self.process.diagnostics()}")
        return json.loads(self.control.recv())  # type: ignore[no-any-return]

    def open(self, server: OurServer) -> tuple[int, dict[str, Any], OurConnection]:
        """Have the page open a subject connection to a server of ours.

        Return its id, the page's ``open`` event and our end of it.
        """
        id = next(self.ids)
        self.command("open", id=id, url=f"ws://127.0.0.1:{server.port}/subject")
        connection = server.accept()
        opened = self.expect("open", id=id)
        return id, opened, connection


@pytest.fixture(scope="module", params=IMPLEMENTATIONS)
def browser(request: pytest.FixtureRequest, loop: LoopThread) -> Iterator[Browser]:
    """Chromium showing the page of one of our servers; killed at the end, always."""
    try:
        chromium = chromium_executable()
    except PeerMissing as exc:
        missing = str(exc)
    else:
        missing = ""
    if missing:
        pytest.fail(missing, pytrace=False)
    ours = Ours(request.param, loop)
    profile = Path(tempfile.mkdtemp(prefix="websockets-interop-chromium-"))
    process: Subprocess | None = None
    try:
        server = ours.serve(compress=False, process_request=serve_page)
        process = Subprocess(
            "chromium",
            [
                chromium,
                *CHROMIUM_FLAGS,
                f"--user-data-dir={profile}",
                f"http://127.0.0.1:{server.port}/",
            ],
        )
        try:
            control = server.accept(timeout=LAUNCH_TIMEOUT)
        except AssertionError as exc:
            raise AssertionError(
                f"the page didn't connect: {exc}\n{process.diagnostics()}"
            ) from None
        browser = Browser(request.param, control, process)
        browser.expect("ready")
        yield browser
    finally:
        if process is not None:
            process.terminate()
        ours.cleanup()
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture
def ours(browser: Browser, loop: LoopThread) -> Iterator[Ours]:
    """Servers of the same implementation as the browser's, for one test."""
    ours = Ours(browser.implementation, loop)
    yield ours
    ours.cleanup()


@pytest.mark.parametrize("compress", [True, False], ids=["deflate", "no_compression"])
def test_messages(browser: Browser, ours: Ours, compress: bool) -> None:
    """Text and binary messages up to several MiB, and our fragmented messages.

    The page reports the type, size and SHA-256 of each message it got, then
    echoes it with the same type; our side checks the echo. Chromium always
    offers permessage-deflate: it's in use only when our server accepts it.
    """
    server = ours.serve(compress)
    id, opened, connection = browser.open(server)

    assert connection.offered_extensions.startswith("permessage-deflate")
    if compress:
        assert connection.extensions.startswith("permessage-deflate")
    else:
        assert connection.extensions == ""
    # The page sees the extensions that our server accepted.
    assert opened["extensions"] == connection.extensions

    def round_trip(message: Data | list[Data]) -> None:
        whole = join(message) if isinstance(message, list) else message
        connection.send(message)
        received = browser.expect("message", id=id)
        assert received == {"event": "message", "id": id, **describe(whole)}, label(whole)
        assert describe(connection.recv()) == describe(whole), f"echo of {label(whole)}"

    for message in messages():
        round_trip(message)
    for fragments in fragmented_messages():
        round_trip(fragments)

    # Browsers can't send pings, but answer ours.
    for payload in ["are you there?", "p" * 125, ""]:
        connection.ping(payload)

    connection.close()
    assert isinstance(connection.closed(), ConnectionClosedOK)
    closed = browser.expect("closed", id=id)
    assert (closed["code"], closed["reason"], closed["wasClean"]) == (1000, "", True)


@pytest.mark.parametrize(("code", "reason"), CLOSES, ids=["4000", "1000", "3000_unicode"])
@pytest.mark.parametrize("initiator", ["us", "browser"])
def test_close(browser: Browser, ours: Ours, initiator: str, code: int, reason: str) -> None:
    """A closing handshake started by either end; code and reason checked on both.

    The page's close event shows the code and reason of the close frame that
    it received; Chromium answers a close frame with the same code.
    """
    server = ours.serve(compress=True)
    id, _, connection = browser.open(server)
    connection.send("before closing")
    assert browser.expect("message", id=id)["size"] == len("before closing")
    assert connection.recv() == "before closing"

    if initiator == "us":
        connection.close(code, reason)
        assert_closed(connection.closed(), sent=(code, reason), rcvd=(code, reason))
    else:
        browser.command("close", id=id, code=code, reason=reason)
        # Our side echoes the close frame it received.
        assert_closed(connection.closed(), sent=(code, reason), rcvd=(code, reason))
    assert (connection.close_code, connection.close_reason) == (code, reason)
    closed = browser.expect("closed", id=id)
    assert (closed["code"], closed["reason"], closed["wasClean"]) == (code, reason, True)
