"""asyncio implementation of WebSocket clients and servers.

Provided by the ``ws-asyncio`` distribution.

"""

__all__: list[str] = []
