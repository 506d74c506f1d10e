"""The client under test for picows, through its websockets-compatible layer
``picows.websockets`` (asyncio only: picows has no threading API)."""

from bench.clients._wsapi import main

if __name__ == "__main__":
    main("picows.websockets")
