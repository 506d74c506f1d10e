"""Clients for implementations of the websockets API (ours, upstream, and
picows' compatibility layer), which differ only by the import prefix."""

from __future__ import annotations

import asyncio
import importlib
import sys
import time
from typing import Any

from bench.clients import _asyncio
from bench.common import arm_watchdog, parse_params, raise_nofile_limit, report, skip


class WebSocketsAdapter(_asyncio.Adapter):
    def __init__(self, prefix: str) -> None:
        self.connect = importlib.import_module(f"{prefix}.asyncio.client").connect

    async def open(self, url: str, deflate: bool) -> Any:
        return await self.connect(
            url,
            compression="deflate" if deflate else None,
            max_size=None,
            open_timeout=60,
        )

    async def close(self, conn: Any) -> None:
        await conn.close()

    def binary(self, conn: Any) -> tuple[_asyncio.Send, _asyncio.Recv]:
        return conn.send, conn.recv

    text = binary

    def deflate_negotiated(self, conn: Any) -> bool:
        return "permessage-deflate" in conn.response.headers.get("Sec-WebSocket-Extensions", "")


def sync_rtt(prefix: str, params: dict[str, Any]) -> dict[str, Any]:
    try:
        client = importlib.import_module(f"{prefix}.sync.client")
    except ImportError as exc:
        skip(f"no threading API ({exc})")
    message = b"\x00" * params["size"]
    window = _asyncio.Window()
    with client.connect(
        f"ws://127.0.0.1:{params['port']}/", compression=None, max_size=None
    ) as conn:
        send, recv = conn.send, conn.recv
        for phase, seconds in (("warmup", params["warmup"]), ("measure", params["duration"])):
            if phase == "measure":
                window.start()
            count = 0
            end = time.perf_counter() + seconds
            while time.perf_counter() < end:
                for _ in range(64):
                    send(message)
                    recv()
                count += 64
        window.stop(count, count * params["size"])
    return window.result()


def main(prefix: str) -> None:
    params = parse_params(sys.argv)
    arm_watchdog(params.get("timeout", 120))
    raise_nofile_limit()
    if params.get("api") == "sync":
        if params["kind"] != "rtt":
            skip(f"no threading client for {params['kind']}")
        report(sync_rtt(prefix, params))
    else:
        report(asyncio.run(_asyncio.run(WebSocketsAdapter(prefix), params)))
