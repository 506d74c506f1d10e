"""Base classes of WebSocket extensions (:rfc:`6455#section-9`).

An extension is negotiated in the opening handshake: the client offers it in
the ``Sec-WebSocket-Extensions`` request header through a
:class:`ClientExtensionFactory`; the server accepts it through a
:class:`ServerExtensionFactory` and answers with its parameters. Each side
then holds one :class:`Extension` per negotiated extension.

The protocol runs every outgoing frame through :meth:`Extension.encode` of
each extension, in the order they were negotiated, and every incoming frame
through :meth:`Extension.decode`, in reverse order.

"""

from __future__ import annotations

from collections.abc import Sequence

from ..frames import Frame
from ..typing import ExtensionName, ExtensionParameter

__all__ = ["ClientExtensionFactory", "Extension", "ServerExtensionFactory"]


class Extension:
    """Base class for extensions."""

    name: ExtensionName
    """Extension identifier."""

    def decode(self, frame: Frame, *, max_size: int | None = None) -> Frame:
        """Decode an incoming frame.

        Args:
            frame: Incoming frame.
            max_size: Maximum payload size, in bytes, after decoding;
                :obj:`None` for no limit.

        Returns:
            Decoded frame.

        Raises:
            PayloadTooBig: If decoding the payload exceeds ``max_size``.

        """
        raise NotImplementedError

    def encode(self, frame: Frame) -> Frame:
        """Encode an outgoing frame.

        Args:
            frame: Outgoing frame.

        Returns:
            Encoded frame.

        """
        raise NotImplementedError

    def skip_next_message(self) -> None:
        """Leave the next outgoing message as is, if the extension allows it.

        The I/O layers call this on every extension for a message sent with
        ``compress=False``. A compression extension sends that message
        uncompressed; by default, this does nothing.

        """


class ClientExtensionFactory:
    """Base class for client-side extension factories."""

    name: ExtensionName
    """Extension identifier."""

    def get_request_params(self) -> Sequence[ExtensionParameter]:
        """Build parameters to send to the server for this extension.

        Returns:
            Parameters to send to the server.

        """
        raise NotImplementedError

    def process_response_params(
        self,
        params: Sequence[ExtensionParameter],
        accepted_extensions: Sequence[Extension],
    ) -> Extension:
        """Process parameters received from the server.

        Args:
            params: Parameters received from the server for this extension.
            accepted_extensions: Extensions already accepted, in order.

        Returns:
            An extension instance.

        Raises:
            NegotiationError: If parameters aren't acceptable.

        """
        raise NotImplementedError


class ServerExtensionFactory:
    """Base class for server-side extension factories."""

    name: ExtensionName
    """Extension identifier."""

    def process_request_params(
        self,
        params: Sequence[ExtensionParameter],
        accepted_extensions: Sequence[Extension],
    ) -> tuple[list[ExtensionParameter], Extension]:
        """Process parameters received from the client.

        Args:
            params: Parameters received from the client for this extension.
            accepted_extensions: Extensions already accepted, in order.

        Returns:
            Parameters to send back to the client and an extension instance.

        Raises:
            NegotiationError: To reject the offer; the server then tries the
                next one, if any.

        """
        raise NotImplementedError
