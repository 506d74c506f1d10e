"""Fuzz target: frames received by an open connection, through the protocol's
frame parser (``Protocol.parse_frame``).

Input layout (every input is valid; missing bytes read as zeros):

* byte 0, configuration bits:

  - 0x01: client side (frames must be unmasked), else server side;
  - 0x02: permessage-deflate negotiated (when ws-deflate is installed);
  - 0x04: small thresholds, so that the paths meant for payloads of 64 KiB
    or more (received into their final object, see ``get_buffer``) run on
    small inputs;
  - 0x08: receive through ``get_buffer`` / ``buffer_updated`` when offered;
  - 0x10: debug logs, which format every frame;
  - 0x20: end with EOF;
  - 0x40: let the pure-Python run receive payloads into its own
    ``PayloadBuffer`` too;

* byte 1: bits 0-2 choose ``max_size`` in ``_checks.MAX_SIZES``; with
  permessage-deflate, bit 3 and bit 4 are the peer's and our
  ``no_context_takeover``, bits 5-7 the peer's window bits minus 8;
* byte 2: 0 feeds the frames in one chunk; N > 0 splits them in chunks of 1
  to N bytes, at points drawn from N;
* the rest: bytes received from the peer.

Each input runs twice, with the C speedups and with their pure-Python twins
(only the latter when ``WEBSOCKETS_FUZZ_SPEEDUPS=no`` hides the speedups),
and both runs must agree on every event, every byte sent and the final state.

"""

from __future__ import annotations

from typing import Any

from fuzz import _harness

with _harness.instrumented():
    from fuzz import _checks
    from websockets.protocol import CLIENT, OPEN, SERVER, Protocol
    from websockets.utils import SPEEDUPS

    try:
        from websockets.extensions.permessage_deflate import PerMessageDeflate
    except ImportError:  # ws-proto alone
        PerMessageDeflate = None  # type: ignore[assignment,misc]


def run(data: bytes, speedups: bool) -> list[Any]:
    source = _harness.Input(data)
    config = source.byte()
    options = source.byte()
    split = source.byte()
    wire = source.rest()

    max_size = _checks.MAX_SIZES[options & 0x07]
    logger, handler = _harness.make_logger(debug=bool(config & 0x10))
    protocol = Protocol(
        CLIENT if config & 0x01 else SERVER,
        state=OPEN,
        max_size=max_size,
        logger=logger,
    )
    if config & 0x02 and PerMessageDeflate is not None:
        protocol.extensions = [
            PerMessageDeflate(
                remote_no_context_takeover=bool(options & 0x08),
                local_no_context_takeover=bool(options & 0x10),
                remote_max_window_bits=8 + (options >> 5),
                local_max_window_bits=15,
            )
        ]

    checker = _checks.ProtocolChecker(protocol, handler, use_buffer=bool(config & 0x08))
    direct_payloads = speedups or bool(config & 0x40)
    with (
        _harness.fixed_masking_key(),
        _checks.implementation(speedups, direct_payloads, bool(config & 0x04)),
    ):
        offset = 0
        for size in _checks.split_sizes(len(wire), split):
            checker.receive(wire[offset : offset + size])
            offset += size
        if config & 0x20:
            checker.receive_eof()
    return _checks.summary(checker)


def test_one_input(data: bytes) -> None:
    python = run(data, speedups=False)
    if SPEEDUPS:
        c = run(data, speedups=True)
        assert c == python, f"C speedups and Python differ:\n{c}\n{python}"


if __name__ == "__main__":
    _harness.main(test_one_input)
