"""Modbus RTU framing over a TCP socket (serial-to-Ethernet converters in transparent mode).

A converter in transparent mode passes the RS-485 bytes through unchanged: an RTU frame
is ``unit, PDU, CRC-16/Modbus`` (low byte first), with no MBAP header and so no
transaction id (Modbus over Serial Line v1.02, 2.5.1 and 6.2.2). A request therefore
has exactly one answer in flight per line, and the answer's length follows from its
function code, which is how a reader finds the frame's end on a stream (the serial
line's 3.5-character silence does not survive TCP).
"""

from __future__ import annotations

import asyncio

from devices.pollstate import PollFailure

# Answers whose length follows from the fixed part: echo of address and value/quantity.
_ECHO_FUNCTIONS = (5, 6, 15, 16)
_COUNTED_FUNCTIONS = (1, 2, 3, 4)
MAX_RTU_DATA = 250  # 256-byte serial frame - unit, function, byte count, CRC


def crc16(data: bytes) -> int:
    """CRC-16/Modbus (polynomial 0xA001 reflected, initial 0xFFFF) of `data`."""
    crc = 0xFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
    return crc


def rtu_frame(unit: int, pdu: bytes) -> bytes:
    """The serial-line frame of a PDU for a unit: unit, PDU and its CRC, low byte first."""
    body = bytes([unit]) + pdu
    return body + crc16(body).to_bytes(2, "little")


async def read_rtu_answer(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    """(unit, PDU) of the next answer on the stream; PollFailure garbled on a bad frame or CRC."""
    head = await reader.readexactly(2)
    unit, fc = head
    if fc & 0x80:
        rest = await reader.readexactly(1 + 2)
    elif fc in _COUNTED_FUNCTIONS:
        count = (await reader.readexactly(1))[0]
        if count > MAX_RTU_DATA:
            raise PollFailure("garbled", f"RTU answer claims {count} data bytes")
        rest = bytes([count]) + await reader.readexactly(count + 2)
    elif fc in _ECHO_FUNCTIONS:
        rest = await reader.readexactly(4 + 2)
    else:
        raise PollFailure("garbled", f"not a Modbus RTU answer (function byte {fc:#04x})")
    frame = head + rest
    if crc16(frame[:-2]) != int.from_bytes(frame[-2:], "little"):
        raise PollFailure("garbled", f"RTU answer with a wrong CRC ({frame.hex()})")
    return unit, frame[1:-2]


__all__ = ["MAX_RTU_DATA", "crc16", "read_rtu_answer", "rtu_frame"]
