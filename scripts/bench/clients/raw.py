"""The ceiling of the client side: the load generator's own code (frames
built once, replies only delimited) as the client, measuring itself."""

from __future__ import annotations

import asyncio
import sys

from bench import loadgen
from bench.common import arm_watchdog, parse_params, raise_nofile_limit, report, skip


def main() -> None:
    params = parse_params(sys.argv)
    arm_watchdog(params.get("timeout", 120))
    raise_nofile_limit()
    if params.get("api") == "sync":
        skip("the raw ceiling has no threading variant")
    if params["kind"] == "deflate":
        skip("the raw client replays precompressed frames: no ceiling for compression")
    params["measure"] = "self"
    report(asyncio.run(loadgen.SCENARIOS[params["kind"]](params)))


if __name__ == "__main__":
    main()
