"""The client side of every asyncio scenario, written once against a small
adapter per implementation. Adapters hand out the implementation's own bound
methods, so that the loops below add no layer of their own."""

from __future__ import annotations

import asyncio
import gc
import time
from collections.abc import Awaitable, Callable
from typing import Any

from bench.common import json_corpus, percentile, rss_kib

Send = Callable[[Any], Awaitable[Any]]
Recv = Callable[[], Awaitable[Any]]


class Adapter:
    """What a client implementation provides."""

    async def start(self) -> None:
        pass

    async def stop(self) -> None:
        pass

    async def open(self, url: str, deflate: bool) -> Any:
        raise NotImplementedError

    async def close(self, conn: Any) -> None:
        raise NotImplementedError

    def binary(self, conn: Any) -> tuple[Send, Recv]:
        raise NotImplementedError

    def text(self, conn: Any) -> tuple[Send, Recv]:
        raise NotImplementedError

    def deflate_negotiated(self, conn: Any) -> bool:
        raise NotImplementedError


class Window:
    """Wall clock and this process's CPU time over measured spans."""

    def __init__(self) -> None:
        self.wall = self.cpu = 0.0
        self.ops = self.bytes = 0

    def start(self) -> None:
        self._cpu0 = time.process_time()
        self._t0 = time.perf_counter()

    def stop(self, ops: int, nbytes: int = 0) -> None:
        self.wall += time.perf_counter() - self._t0
        self.cpu += time.process_time() - self._cpu0
        self.ops += ops
        self.bytes += nbytes

    def result(self, **extra: Any) -> dict[str, Any]:
        return {"ops": self.ops, "wall": self.wall, "cpu": self.cpu, "bytes": self.bytes, **extra}


def url(params: dict[str, Any], path: str = "/") -> str:
    return f"ws://127.0.0.1:{params['port']}{path}"


async def open_many(adapter: Adapter, address: str, count: int, deflate: bool = False) -> list[Any]:
    limit = asyncio.Semaphore(100)

    async def open_one() -> Any:
        async with limit:
            return await adapter.open(address, deflate)

    return list(await asyncio.gather(*[open_one() for _ in range(count)]))


async def close_many(adapter: Adapter, conns: list[Any]) -> None:
    limit = asyncio.Semaphore(200)

    async def close_one(conn: Any) -> None:
        async with limit:
            await adapter.close(conn)

    await asyncio.gather(*[close_one(conn) for conn in conns], return_exceptions=True)


async def rtt(adapter: Adapter, params: dict[str, Any]) -> dict[str, Any]:
    conn = await adapter.open(url(params), False)
    send, recv = adapter.binary(conn)
    message = b"\x00" * params["size"]
    window = Window()
    for phase, seconds in (("warmup", params["warmup"]), ("measure", params["duration"])):
        if phase == "measure":
            window.start()
        count = 0
        end = time.perf_counter() + seconds
        while time.perf_counter() < end:
            for _ in range(64):
                await send(message)
                await recv()
            count += 64
    window.stop(count, count * params["size"])
    await adapter.close(conn)
    return window.result()


async def pipeline(adapter: Adapter, params: dict[str, Any]) -> dict[str, Any]:
    conn = await adapter.open(url(params), False)
    send, recv = adapter.binary(conn)
    message = b"\x00" * params["size"]
    count = params["count"]

    async def sender() -> None:
        for _ in range(count):
            await send(message)

    async def receiver() -> None:
        for _ in range(count):
            await recv()

    window = Window()
    await asyncio.gather(sender(), receiver())  # warm-up
    end = time.perf_counter() + params["duration"]
    while time.perf_counter() < end:
        window.start()
        await asyncio.gather(sender(), receiver())
        window.stop(count, count * params["size"])
    await adapter.close(conn)
    return window.result()


async def large(adapter: Adapter, params: dict[str, Any]) -> dict[str, Any]:
    oneway = params["path"] == "/sink"
    conn = await adapter.open(url(params, params["path"]), False)
    send, recv = adapter.binary(conn)
    send_text, recv_text = adapter.text(conn)
    size, per_batch = params["size"], params.get("batch", 1)
    message = bytes(range(256)) * (size // 256)

    async def one_batch() -> None:
        if oneway:
            for _ in range(per_batch):
                await send(message)
            await send_text("m")
            await recv_text()
        else:
            for _ in range(per_batch):
                await send(message)
                await recv()

    window = Window()
    await one_batch()  # warm-up
    end = time.perf_counter() + params["duration"]
    while time.perf_counter() < end:
        window.start()
        await one_batch()
        window.stop(per_batch, per_batch * size)
    await adapter.close(conn)
    return window.result()


async def connections(adapter: Adapter, params: dict[str, Any]) -> dict[str, Any]:
    conns = await open_many(adapter, url(params), params["connections"])
    message = b"\x00" * params["size"]
    latencies: list[float] = []
    state = {"measuring": False, "stopping": False, "count": 0}

    async def loop(conn: Any) -> None:
        send, recv = adapter.binary(conn)
        perf_counter = time.perf_counter
        while not state["stopping"]:
            sent = perf_counter()
            await send(message)
            await recv()
            if state["measuring"]:
                state["count"] += 1
                latencies.append(perf_counter() - sent)

    tasks = [asyncio.ensure_future(loop(conn)) for conn in conns]
    window = Window()
    await asyncio.sleep(params["warmup"])
    state["measuring"] = True
    window.start()
    await asyncio.sleep(params["duration"])
    state["measuring"] = False
    window.stop(state["count"], state["count"] * params["size"])
    state["stopping"] = True
    await asyncio.gather(*tasks)
    await close_many(adapter, conns)
    return window.result(
        p50_ms=percentile(latencies, 0.50) * 1000,
        p99_ms=percentile(latencies, 0.99) * 1000,
    )


async def handshakes(adapter: Adapter, params: dict[str, Any]) -> dict[str, Any]:
    address = url(params)
    window = Window()
    count = 0
    stop_at = 0.0

    async def worker() -> None:
        nonlocal count
        while time.perf_counter() < stop_at:
            conn = await adapter.open(address, False)
            await adapter.close(conn)
            count += 1

    stop_at = time.perf_counter() + params["warmup"]
    await asyncio.gather(*[worker() for _ in range(params["concurrency"])])
    count = 0
    window.start()
    stop_at = time.perf_counter() + params["duration"]
    await asyncio.gather(*[worker() for _ in range(params["concurrency"])])
    window.stop(count)
    return window.result()


async def memory(adapter: Adapter, params: dict[str, Any]) -> dict[str, Any]:
    deflate = bool(params.get("deflate"))
    address = url(params, "/deflate" if deflate else "/")
    count = params["connections"]
    # Warm up: lazy imports and first-use allocations shouldn't count.
    await close_many(adapter, await open_many(adapter, address, 20, deflate))
    await asyncio.sleep(0.3)
    gc.collect()
    before = rss_kib()
    conns = await open_many(adapter, address, count, deflate)
    await asyncio.sleep(params.get("settle", 1.0))
    gc.collect()
    after = rss_kib()
    negotiated = sum(1 for conn in conns if adapter.deflate_negotiated(conn))
    await close_many(adapter, conns)
    if negotiated != (count if deflate else 0):
        raise RuntimeError(f"permessage-deflate negotiated on {negotiated} of {count} connections")
    return {
        "kib_per_conn": (after - before) / count,
        "rss_before_kib": before,
        "rss_after_kib": after,
    }


async def deflate(adapter: Adapter, params: dict[str, Any]) -> dict[str, Any]:
    corpus = json_corpus(params["count"])
    raw_size = sum(len(message.encode()) for message in corpus)
    address = url(params, "/deflate")
    window = Window()

    async def one_batch(measured: bool) -> None:
        conn = await adapter.open(address, True)
        if not adapter.deflate_negotiated(conn):
            raise RuntimeError("permessage-deflate wasn't negotiated")
        send, recv = adapter.text(conn)

        async def sender() -> None:
            for message in corpus:
                await send(message)

        async def receiver() -> None:
            for message in corpus:
                if await recv() != message:
                    raise RuntimeError("the echo differs from the message sent")

        if measured:
            window.start()
        await asyncio.gather(sender(), receiver())
        if measured:
            window.stop(len(corpus), raw_size)
        await adapter.close(conn)

    await one_batch(False)
    end = time.perf_counter() + params["duration"]
    while time.perf_counter() < end:
        await one_batch(True)
    return window.result()


SCENARIOS: dict[str, Callable[[Adapter, dict[str, Any]], Awaitable[dict[str, Any]]]] = {
    "rtt": rtt,
    "pipeline": pipeline,
    "large": large,
    "connections": connections,
    "handshakes": handshakes,
    "memory": memory,
    "deflate": deflate,
}


async def run(adapter: Adapter, params: dict[str, Any]) -> dict[str, Any]:
    await adapter.start()
    try:
        return await SCENARIOS[params["kind"]](adapter, params)
    finally:
        await adapter.stop()
