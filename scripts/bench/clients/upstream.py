"""The client under test for upstream websockets (its own virtual environment)."""

from bench.clients._wsapi import main

if __name__ == "__main__":
    main("websockets")
