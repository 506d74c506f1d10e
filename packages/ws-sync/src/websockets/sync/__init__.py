"""WebSocket clients and servers on threads: :mod:`websockets.sync.client` and
:mod:`websockets.sync.server`."""
