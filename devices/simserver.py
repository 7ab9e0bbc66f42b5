"""pymodbus' TCP server with a request handler that keeps each request to itself.

pymodbus 3.16's ServerRequestHandler.handle_request reads ``self.last_pdu`` again after
awaiting the datastore. When a slow unit is still being served and the client, having
timed out, sends its next request on the same connection, the slow answer goes out
with the *new* request's transaction id and unit id, and the client takes it as the
answer to the wrong device. Capturing the request before the first await fixes that;
the rest mirrors pymodbus' own handler.

pymodbus also takes one request per received segment and reads ``last_pdu`` only when
the handler task runs, so a client that pipelines (several requests in flight on one
connection, each with its transaction id, as the poller does on a gateway that accepts
one connection) lost all but the last of the requests that came in one segment and left
the rest in the buffer. Every complete request of a segment is handled here, each with
its own PDU, concurrently, as a gateway serving units in parallel would.
"""

from __future__ import annotations

import asyncio
import logging

from pymodbus.constants import ExcCodes
from pymodbus.exceptions import NoSuchIdException
from pymodbus.pdu import ExceptionResponse
from pymodbus.server import ModbusTcpServer
from pymodbus.server.requesthandler import ServerRequestHandler

log = logging.getLogger(__name__)


class SafeRequestHandler(ServerRequestHandler):
    """Serves each request from its own PDU, however long the datastore takes."""

    def __init__(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003
        super().__init__(*args, **kwargs)
        self._handling: set[asyncio.Task] = set()

    def callback_data(self, data: bytes, addr: tuple | None = None) -> int:
        """Take every complete request in the buffer, each handled with its own PDU."""
        used = 0
        while used < len(data):
            cut = super().callback_data(data[used:], addr)
            if cut <= 0:
                break  # the rest is an incomplete frame: wait for more bytes
            used += cut
            if self.last_pdu:
                task = self.loop.create_task(self.handle_request(self.last_pdu, self.last_addr))
                self._handling.add(task)
                task.add_done_callback(self._handling.discard)
        return used

    def handle_later(self) -> None:
        """pymodbus' deferred handling of ``last_pdu``: callback_data has handled each request already."""

    async def handle_request(self, pdu=None, addr=None) -> None:  # noqa: ANN001 - a pymodbus PDU, its address
        if not pdu:
            return
        try:
            if self.server.broadcast_enable and not pdu.dev_id:
                for dev_id in self.server.context.device_ids():
                    await pdu.datastore_update(self.server.context, dev_id)
                return
            response = await pdu.datastore_update(self.server.context, pdu.dev_id)
        except NoSuchIdException:
            if self.server.ignore_missing_devices:
                return  # no answer at all: the client sees a timeout
            response = ExceptionResponse(pdu.function_code, ExcCodes.GATEWAY_NO_RESPONSE)
        except Exception:  # a simulator bug must answer, not kill the connection
            log.exception("simulator datastore failed")
            response = ExceptionResponse(pdu.function_code, ExcCodes.DEVICE_FAILURE)
        response.transaction_id = pdu.transaction_id
        response.dev_id = pdu.dev_id
        if self.transport:
            self.server_send(response, addr)


class SafeModbusTcpServer(ModbusTcpServer):
    """ModbusTcpServer whose connections use SafeRequestHandler."""

    def callback_new_connection(self) -> SafeRequestHandler:
        return SafeRequestHandler(self, self.trace_packet, self.trace_pdu, self.trace_connect)
