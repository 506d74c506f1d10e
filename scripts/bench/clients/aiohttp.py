"""The client under test for aiohttp (``ClientSession.ws_connect``)."""

from __future__ import annotations

import asyncio
import sys
from typing import Any

import aiohttp

from bench.clients import _asyncio
from bench.common import arm_watchdog, parse_params, raise_nofile_limit, report, skip


class AiohttpAdapter(_asyncio.Adapter):
    async def start(self) -> None:
        # No limit on connections per host: the default (100) would queue
        # the 1,000 and 2,000 connection scenarios.
        self.session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0))

    async def stop(self) -> None:
        await self.session.close()

    async def open(self, url: str, deflate: bool) -> Any:
        return await self.session.ws_connect(url, compress=15 if deflate else 0, max_msg_size=0)

    async def close(self, conn: Any) -> None:
        await conn.close()

    def binary(self, conn: Any) -> tuple[_asyncio.Send, _asyncio.Recv]:
        return conn.send_bytes, conn.receive_bytes

    def text(self, conn: Any) -> tuple[_asyncio.Send, _asyncio.Recv]:
        return conn.send_str, conn.receive_str

    def deflate_negotiated(self, conn: Any) -> bool:
        return bool(conn.compress)


def main() -> None:
    params = parse_params(sys.argv)
    arm_watchdog(params.get("timeout", 120))
    raise_nofile_limit()
    if params.get("api") == "sync":
        skip("aiohttp has no threading API")
    report(asyncio.run(_asyncio.run(AiohttpAdapter(), params)))


if __name__ == "__main__":
    main()
