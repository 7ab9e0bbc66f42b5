"""pymodbus' TCP server with a request handler that keeps each request to itself.

pymodbus 3.16's ServerRequestHandler.handle_request reads ``self.last_pdu`` again after
awaiting the datastore. When a slow unit is still being served and the client, having
timed out, sends its next request on the same connection, the slow answer goes out
with the *new* request's transaction id and unit id, and the client takes it as the
answer to the wrong device. Capturing the request before the first await fixes that;
the rest mirrors pymodbus' own handler.
"""

from __future__ import annotations

import logging

from pymodbus.constants import ExcCodes
from pymodbus.exceptions import NoSuchIdException
from pymodbus.pdu import ExceptionResponse
from pymodbus.server import ModbusTcpServer
from pymodbus.server.requesthandler import ServerRequestHandler

log = logging.getLogger(__name__)


class SafeRequestHandler(ServerRequestHandler):
    """Serves each request from its own PDU, however long the datastore takes."""

    async def handle_request(self) -> None:
        pdu, addr = self.last_pdu, self.last_addr
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
