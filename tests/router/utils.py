"""Helpers shared by the router tests of both backends."""

from __future__ import annotations

import base64
import contextlib
import importlib.util
import os
import pathlib
import socket
import tempfile
import types
from collections.abc import Iterator

from websockets.datastructures import Headers

__all__ = ["BACKENDS", "EXAMPLES", "load_example", "raw_request", "temp_unix_socket_path"]

EXAMPLES = pathlib.Path(__file__).resolve().parents[2] / "docs" / "examples"
"""Folder of the examples in the documentation."""


BACKENDS = [
    backend
    for backend in ["asyncio", "sync"]
    if importlib.util.find_spec(f"websockets.{backend}") is not None
]
"""Backends that are installed; tox's ``router`` environment has only asyncio."""


@contextlib.contextmanager
def temp_unix_socket_path() -> Iterator[str]:
    """Path for a Unix socket in a temporary directory."""
    with tempfile.TemporaryDirectory() as temp_dir:
        yield os.path.join(temp_dir, "websockets")


def load_example(name: str) -> types.ModuleType:
    """Import ``docs/examples/<name>.py`` under a name of its own."""
    spec = importlib.util.spec_from_file_location(f"example_{name}", EXAMPLES / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def raw_request(
    address: tuple[str, int],
    path: str,
    host: str,
    *,
    upgrade: bool = True,
    timeout: float = 60,
) -> tuple[int, Headers]:
    """Send an opening handshake request with any ``Host`` and return the response status and headers.

    The client of websockets always sends the host of the URI; this sends
    what the test wants, for host matching. It closes the connection after
    reading the response headers.

    """
    lines = [f"GET {path} HTTP/1.1", f"Host: {host}"]
    if upgrade:
        key = base64.b64encode(os.urandom(16)).decode()
        lines += [
            "Upgrade: websocket",
            "Connection: Upgrade",
            f"Sec-WebSocket-Key: {key}",
            "Sec-WebSocket-Version: 13",
        ]
    with socket.create_connection(address, timeout=timeout) as sock:
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = sock.recv(4096)
            if not chunk:
                break
            data += chunk
    head = data.partition(b"\r\n\r\n")[0].decode()
    status_line, *header_lines = head.split("\r\n")
    headers = Headers()
    for line in header_lines:
        name, _, value = line.partition(":")
        headers[name] = value.strip()
    return int(status_line.split()[1]), headers
