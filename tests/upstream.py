"""A real HTTP server on 127.0.0.1 for the fetching tests, in a thread.

Routes map a path to a Reply or to a function of the request headers that
returns one. Every request is recorded (path and headers), so tests can
check what feedsum sent and how often.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    #: Seconds to wait before answering at all.
    delay: float = 0.0
    #: Send the body chunked, this many times over, with no Content-Length.
    repeat: int = 0


Route = Reply | Callable[[Message], Reply]


@dataclass
class Seen:
    path: str
    headers: Message


class Upstream:
    """The server; `url(path)` is where a route is served."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[Seen] = []
        #: The most requests that were in flight at once.
        self.peak = 0
        self._in_flight = 0
        self._lock = threading.Lock()
        upstream = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                with upstream._lock:
                    upstream._in_flight += 1
                    upstream.peak = max(upstream.peak, upstream._in_flight)
                try:
                    self.answer()
                finally:
                    with upstream._lock:
                        upstream._in_flight -= 1

            def answer(self) -> None:
                upstream.requests.append(Seen(self.path, self.headers))
                route = upstream.routes.get(self.path, Reply(404, b"not here"))
                reply = route if isinstance(route, Reply) else route(self.headers)
                time.sleep(reply.delay)
                try:
                    self.send_response(reply.status)
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    if reply.repeat:
                        self.send_header("Transfer-Encoding", "chunked")
                        self.end_headers()
                        for _ in range(reply.repeat):
                            self.wfile.write(b"%x\r\n%s\r\n" % (len(reply.body), reply.body))
                        self.wfile.write(b"0\r\n\r\n")
                    else:
                        self.send_header("Content-Length", str(len(reply.body)))
                        self.end_headers()
                        self.wfile.write(reply.body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up on purpose (size cap, timeout)

            def log_message(self, *_: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        # A short poll makes shutdown quick (the default waits up to half a second).
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    def url(self, path: str) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}{path}"

    def hits(self, path: str) -> list[Seen]:
        return [r for r in self.requests if r.path == path]

    def __enter__(self) -> Upstream:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._server.shutdown()
        self._server.server_close()


def serve() -> Iterator[Upstream]:
    with Upstream() as upstream:
        yield upstream
