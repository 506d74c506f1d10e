"""Tests for websockets.utils.get_socket_name."""

from __future__ import annotations

import os
import socket
import tempfile

import pytest

from websockets.utils import get_socket_name


def test_ipv4() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        assert get_socket_name(sock) == f"127.0.0.1:{sock.getsockname()[1]}"


def test_ipv6() -> None:
    with socket.socket(socket.AF_INET6) as sock:
        try:
            sock.bind(("::1", 0))
        except OSError:  # pragma: no cover
            pytest.skip("IPv6 isn't available")
        assert get_socket_name(sock) == f"[::1]:{sock.getsockname()[1]}"


def test_unbound_ipv4() -> None:
    with socket.socket() as sock:
        assert get_socket_name(sock) == "0.0.0.0:0"


def test_unix() -> None:
    with tempfile.TemporaryDirectory() as directory:
        path = os.path.join(directory, "socket")
        with socket.socket(socket.AF_UNIX) as sock:
            assert get_socket_name(sock) == ""
            sock.bind(path)
            assert get_socket_name(sock) == path


def test_closed() -> None:
    sock = socket.socket()
    sock.close()
    with pytest.raises(OSError):
        get_socket_name(sock)
