"""One module per implementation: a WebSocket server under test.

Each runs in its implementation's virtual environment, listens on a free
port of 127.0.0.1, prints ``READY <port>`` and serves until its standard
input closes. On ``/`` it echoes every message; on ``/sink`` it drops binary
messages and echoes text ones (the marker that ends a one-way batch).
Options: ``--api asyncio`` (default) or ``--api sync`` (the threading API).

"""
