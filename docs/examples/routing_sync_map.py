#!/usr/bin/env python
"""Route connections by URL with a werkzeug Map, with the threading server.

Run it, then connect to ws://localhost:8765/ or ws://localhost:8765/channel/1.

"""

from werkzeug.routing import Map, Rule

from websockets.sync.router import route


def lobby(websocket):
    websocket.send("welcome to the lobby")


def channel(websocket, channel_id):
    # channel_id comes from the URL, converted to an int by <int:...>.
    for message in websocket:
        websocket.send(f"#{channel_id}: {message}")


url_map = Map(
    [
        Rule("/", endpoint=lobby),
        Rule("/channel/<int:channel_id>", endpoint=channel),
    ]
)


def main(host="localhost", port=8765):
    with route(url_map, host, port) as server:
        server.serve_forever()


if __name__ == "__main__":
    main()
