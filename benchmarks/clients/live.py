"""The platform on a real HTTP port, with a log of every request it answered (who sent it, what status).

Shared by benchmarks/bench_clients.py and the client tests (tests/webgis/ogcapi/test_clients_suite.py):
both point real clients (GDAL, QGIS, OWSLib) at `serve(app)` and read the log afterwards.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from werkzeug.serving import make_server


@dataclass
class RequestLog:
    """(method, path?query, status, user agent) of every answered request, in order."""

    entries: list[tuple[str, str, int, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def mark(self) -> int:
        with self.lock:
            return len(self.entries)

    def since(self, mark: int) -> list[tuple[str, str, int, str]]:
        with self.lock:
            return list(self.entries[mark:])

    @staticmethod
    def statuses(entries: list[tuple[str, str, int, str]]) -> Counter:
        return Counter(status for _, _, status, _ in entries)


def _logging(wsgi_app: Callable, log: RequestLog) -> Callable:
    def app(environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        def recording_start(status: str, headers: list, exc_info: Any = None) -> Any:
            query = environ.get("QUERY_STRING")
            target = environ.get("PATH_INFO", "") + (f"?{query}" if query else "")
            with log.lock:
                log.entries.append((environ.get("REQUEST_METHOD", ""), target, int(status.split()[0]),
                                    environ.get("HTTP_USER_AGENT", "")))
            return start_response(status, headers, exc_info) if exc_info else start_response(status, headers)

        return wsgi_app(environ, recording_start)

    return app


@contextmanager
def serve(app: Any, host: str = "127.0.0.1") -> Iterator[tuple[str, RequestLog]]:
    """(base URL ending in '/', request log) while the app answers on a free port (threaded)."""
    log = RequestLog()
    server = make_server(host, 0, _logging(app, log), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://{host}:{server.server_port}/", log
    finally:
        server.shutdown()
        thread.join(timeout=10)
