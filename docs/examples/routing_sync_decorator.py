#!/usr/bin/env python
"""Route connections by URL with a Router and its decorator, with threads.

Run it, then connect to ws://localhost:8765/ or ws://localhost:8765/channel/1.

"""

from websockets.sync.router import Router, route

router = Router()


@router.route("/")
def lobby(websocket):
    websocket.send("welcome to the lobby")


@router.route("/channel/<int:channel_id>")
def channel(websocket, channel_id):
    # Tell the client where the next channel is, as it sees this server.
    websocket.send(router.url_for(websocket, channel, channel_id=channel_id + 1))
    for message in websocket:
        websocket.send(f"#{channel_id}: {message}")


def echo(websocket):
    for message in websocket:
        websocket.send(message)


# Without the decorator, e.g. for a handler defined elsewhere.
router.add_route(echo, "/echo")


def main(host="localhost", port=8765):
    with route(router, host, port) as server:
        server.serve_forever()


if __name__ == "__main__":
    main()
