"""A real HTTP server on 127.0.0.1 for the fetching tests, in a thread.

Routes map a path to a Reply or to a function of the request headers that
returns one. Every request is recorded (path and headers), so tests can
check what feedsum sent and how often.

`Trickle` is a raw TCP server (also loopback only) for what no well-behaved
HTTP server does: answering a byte at a time, or not at all.
"""

from __future__ import annotations

import contextlib
import itertools
import socket
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

    def __init__(self, host: str = "127.0.0.1") -> None:
        # Another loopback address (127.0.0.2, Linux) stands in for a second machine.
        assert host.startswith("127."), "loopback only"
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

            def handle(self) -> None:
                # The client may close a kept-alive connection with a body unread.
                with contextlib.suppress(ConnectionResetError):
                    super().handle()

        self._server = ThreadingHTTPServer((host, 0), Handler)
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


class Trickle:
    """A raw TCP server on 127.0.0.1 answering every connection slowly.

    It reads the request (up to its blank line, or whatever comes within a
    moment: a TLS hello has none), sends `head` at once, then `drip` one byte
    every `interval` seconds, over and over, until the client hangs up or the
    server is closed; with no `drip` it sends nothing more. `accepted` counts
    connections, `requests` holds what each sent, `lasted` how long each stayed
    open (seconds, once it ended).
    """

    def __init__(self, head: bytes = b"", drip: bytes = b"", interval: float = 0.5) -> None:
        self.head, self.drip, self.interval = head, drip, interval
        self.accepted = 0
        self.requests: list[bytes] = []
        self.lasted: list[float] = []
        self._stop = threading.Event()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.02)
        self.port: int = self._listener.getsockname()[1]
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def url(self, path: str = "/", scheme: str = "http") -> str:
        return f"{scheme}://127.0.0.1:{self.port}{path}"

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return  # closed
            self.accepted += 1
            threading.Thread(target=self._answer, args=(conn,), daemon=True).start()

    def _answer(self, conn: socket.socket) -> None:
        start = time.monotonic()
        with conn:
            conn.settimeout(0.2)
            request = b""
            while b"\r\n\r\n" not in request:
                try:
                    data = conn.recv(65536)
                except TimeoutError:
                    break
                if not data:
                    break
                request += data
            self.requests.append(request)
            try:
                conn.sendall(self.head)
                for byte in itertools.cycle(self.drip) if self.drip else ():
                    if self._stop.wait(self.interval):
                        break
                    conn.sendall(bytes([byte]))
                while not self.drip and not self._stop.is_set():
                    try:
                        if not conn.recv(65536):
                            break  # the client hung up
                    except TimeoutError:
                        continue
            except OSError:
                pass  # the client gave up
        self.lasted.append(time.monotonic() - start)

    def __enter__(self) -> Trickle:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self._listener.close()
