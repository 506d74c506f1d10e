"""Connections log their closing at INFO on the server side only, as upstream."""

from __future__ import annotations

import logging

from .test_connection import ConnectionTestCase


class CloseLoggingTests(ConnectionTestCase):
    async def test_server_logs_connection_closed_client_doesnt(self) -> None:
        with (
            self.assertLogs("websockets.server", logging.INFO) as logs,
            self.assertNoLogs("websockets.client", logging.INFO),
        ):
            await self.client.close()
            await self.server.wait_closed()
        self.assertIn("connection closed", [record.getMessage() for record in logs.records])
        self.assertIs(logs.records[-1].websocket, self.server)  # type: ignore[attr-defined]
