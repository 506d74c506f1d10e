"""HTTP Basic Authentication for WebSocket servers (:rfc:`7617`), without I/O.

The ``basic_auth`` functions of the I/O layers, such as
:func:`websockets.asyncio.server.basic_auth`, are ``process_request`` hooks
built from the pieces in this module, which hold everything that doesn't
depend on the I/O model:

1. when the hook is created, :func:`credentials_checker` validates the
   arguments and returns the function that checks a user name and a
   password;
2. for each opening handshake request, :func:`get_credentials` extracts the
   user name and the password from the ``Authorization`` header, or raises
   :exc:`InvalidCredentials`;
3. the I/O layer calls the checker (awaiting its result if needed: a
   checker provided by the application may be a coroutine function);
4. when something is wrong, :func:`unauthorized` builds the 401 Unauthorized
   response, with a ``WWW-Authenticate`` header asking for credentials.

"""

from __future__ import annotations

import hashlib
import hmac
import http
import itertools
import os
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from .datastructures import MultipleValuesError
from .exceptions import InvalidHandshake, InvalidHeader
from .headers import build_www_authenticate_basic, parse_authorization_basic
from .http11 import Request, Response
from .server import ServerProtocol

__all__ = [
    "InvalidCredentials",
    "credentials_checker",
    "get_credentials",
    "unauthorized",
]


_CheckT = TypeVar("_CheckT", bound=Callable[[str, str], Any])


class InvalidCredentials(InvalidHandshake):
    """Raised when a request carries no usable Basic credentials.

    The client misbehaved, or didn't know that the server requires
    authentication: the server answers 401 Unauthorized. ``str(exc)`` is the
    explanation that goes in the body of that response, for example
    ``"Missing credentials\\n"``.

    """


def credentials_checker(
    credentials: tuple[str, str] | Iterable[tuple[str, str]] | None = None,
    check_credentials: _CheckT | None = None,
) -> _CheckT | Callable[[str, str], bool]:
    """Return the function that checks a user name and a password.

    Give exactly one of ``credentials`` and ``check_credentials``.

    With ``credentials``, the function returned knows the valid pairs. It
    compares passwords in constant time: it compares SHA-256 digests with
    :func:`hmac.compare_digest`, so that the time taken reveals neither the
    expected password nor its length, and it performs the same comparison for
    an unknown user name.

    Args:
        credentials: Valid ``(username, password)`` pair, or iterable of
            pairs. A pair is any value that unpacks into two strings, such as
            a tuple or a list (so a two-character string is a pair, too).
            When a user name appears more than once, the last password wins.
        check_credentials: Function provided by the application, returned as
            is. It receives a user name and a password and returns whether
            they're valid, or an awaitable of that for I/O layers that support
            it.

    Returns:
        The function that checks credentials.

    Raises:
        ValueError: If neither or both of ``credentials`` and
            ``check_credentials`` are given: a bug in the calling code.
        TypeError: If ``credentials`` isn't a pair of strings or an iterable
            of such pairs: a bug in the calling code.

    """
    if (credentials is None) == (check_credentials is None):
        raise ValueError("provide either credentials or check_credentials")

    if check_credentials is not None:
        return check_credentials

    if not isinstance(credentials, Iterable):
        raise TypeError(f"invalid credentials argument: {credentials}")
    # Materialize first, so that an iterator is consumed once, then try the
    # whole argument as one pair before trying it as an iterable of pairs.
    items = list(credentials)
    pair = _as_credentials(items)
    if pair is not None:
        pairs = [pair]
    else:
        maybe_pairs = [_as_credentials(item) for item in items]
        pairs = [item for item in maybe_pairs if item is not None]
        if len(pairs) != len(items):
            raise TypeError(f"invalid credentials argument: {credentials}")

    digests = {username: _digest(password) for username, password in pairs}
    # Compared with the password of unknown users, so that they take as long
    # as known users. Random, so that no password matches it.
    unknown_user_digest = _digest(os.urandom(16).hex())

    def check(username: str, password: str) -> bool:
        """Tell whether ``password`` is the password of ``username``."""
        expected = digests.get(username)
        valid = hmac.compare_digest(
            _digest(password),
            unknown_user_digest if expected is None else expected,
        )
        return valid and expected is not None

    return check


def get_credentials(request: Request) -> tuple[str, str]:
    """Extract Basic credentials from the ``Authorization`` header of a request.

    Args:
        request: Opening handshake request.

    Returns:
        The ``(username, password)`` pair sent by the client.

    Raises:
        InvalidCredentials: If the header is missing or repeated, or if it
            doesn't hold Basic credentials.

    """
    try:
        authorization = request.headers["Authorization"]
    except KeyError:
        raise InvalidCredentials("Missing credentials\n") from None
    except MultipleValuesError:
        raise InvalidCredentials("Too many credentials\n") from None

    try:
        return parse_authorization_basic(authorization)
    except InvalidHeader as exc:
        raise InvalidCredentials("Unsupported credentials\n") from exc


def unauthorized(protocol: ServerProtocol, realm: str, explanation: str) -> Response:
    """Build a 401 Unauthorized response that asks for Basic credentials.

    The response rejects the opening handshake; send it with
    :meth:`~websockets.server.ServerProtocol.send_response`, or return it from
    a ``process_request`` hook.

    Args:
        protocol: Server connection answering the request.
        realm: Protection space reported in the ``WWW-Authenticate`` header
            (:rfc:`7235#section-2.2`).
        explanation: Body of the response, for example the text of an
            :exc:`InvalidCredentials` exception, or ``"Invalid
            credentials\\n"`` when the checker rejected the credentials.

    Returns:
        The response.

    Raises:
        ValueError: If ``realm`` contains a control character.

    """
    challenge = build_www_authenticate_basic(realm)
    response = protocol.reject(http.HTTPStatus.UNAUTHORIZED, explanation)
    response.headers["WWW-Authenticate"] = challenge
    return response


def _as_credentials(value: object) -> tuple[str, str] | None:
    """Unpack a ``(username, password)`` pair of strings, or return :obj:`None`."""
    if not isinstance(value, Iterable):
        return None
    # Like unpacking: stop reading as soon as there are too many items.
    items = list(itertools.islice(value, 3))
    if len(items) != 2:
        return None
    username, password = items
    if isinstance(username, str) and isinstance(password, str):
        return username, password
    return None


def _digest(password: str) -> bytes:
    """Hash a password, for comparisons that don't depend on its length."""
    return hashlib.sha256(password.encode()).digest()
