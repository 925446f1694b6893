"""Polite HTTP: one client per build, for upstream feeds and article pages.

Every request names feedsum in its User-Agent, sends the validators of the
last good fetch (an unchanged upstream costs one 304), follows a bounded
number of redirects and runs at most two requests per host at once. 429 and
503 carry their Retry-After to the back-off.

Hard limits, for years under cron:

- One deadline per request (`[fetch] timeout`) covers looking up the host,
  connecting, the response headers and the body, redirects included: every
  wait on the network is cut to what is left of it (see `feedsum.netguard`),
  so a server trickling a byte at a time cannot stretch it.
- A body is refused once it passes `[fetch] max_bytes`, counted while it is
  decoded: the raw bytes are decompressed here, a bounded piece at a time,
  so a small compression bomb stops at the cap instead of filling memory.
  One content-coding at most (gzip, deflate or br): a stacked one
  (`gzip, gzip`) is refused.
- No connection to a loopback, private, link-local or otherwise non-public
  address unless the source sets `allow_private = true`; checked for the
  address actually connected to, after every redirect too.
"""

from __future__ import annotations

import threading
import time
import zlib
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, Protocol

import httpcore
import httpx

from feedsum import PROJECT_URL, __version__, netguard
from feedsum.config import FetchConfig
from feedsum.errors import SourceError

try:
    import brotli

    # 1.2 is the release whose decompressor can stop at an output size.
    _BROTLI = hasattr(brotli.Decompressor, "can_accept_more_data")
except ImportError:  # pragma: no cover - httpx[brotli] installs it
    _BROTLI = False

USER_AGENT = f"feedsum/{__version__} (+{PROJECT_URL})"
PER_HOST = 2
#: The content-codings decoded here (the only ones asked for).
CODINGS = ("gzip", "deflate", "br") if _BROTLI else ("gzip", "deflate")
#: Decoded output is produced at most this much at a time, then counted.
STEP = 64 * 1024


class FetchError(SourceError):
    """A request failed; `retry_after` is the seconds the server asked us to wait.

    `permanent` failures (most 4xx, a body over the cap, a redirect loop, a
    refused address) will fail the same way next time; the others (timeouts,
    5xx, 429) may not.
    """

    def __init__(
        self, url: str, problem: str, retry_after: float | None = None, permanent: bool = False
    ) -> None:
        super().__init__(url, problem)
        self.retry_after, self.permanent = retry_after, permanent


@dataclass(frozen=True, slots=True, kw_only=True)
class Fetched:
    """A response: 200 with its body, or 304 (not modified) with none."""

    status: int
    body: bytes
    #: Where the request ended, after redirects.
    url: str
    etag: str | None = None
    last_modified: str | None = None


def retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds from a Retry-After header (a number, or an HTTP date), if it has one."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


class _Transport(httpx.HTTPTransport):
    """httpx's transport over a pool whose connections all go through netguard."""

    def __init__(self) -> None:  # not super().__init__(): that builds a pool of its own
        limits = httpx.Limits()
        # Given a transport, httpx uses no proxy from the environment either: a
        # proxy would look the host up itself, past the address check.
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=netguard.Backend(),
        )


class Fetcher:
    """An httpx client with feedsum's limits; use as a context manager."""

    def __init__(self, config: FetchConfig) -> None:
        self.config = config
        self._client = httpx.Client(
            headers={"User-Agent": USER_AGENT, "Accept-Encoding": ", ".join(CODINGS)},
            timeout=httpx.Timeout(config.timeout, connect=config.connect_timeout),
            follow_redirects=False,  # see _follow
            transport=_Transport(),
        )
        self._hosts: defaultdict[str, threading.Semaphore] = defaultdict(
            lambda: threading.Semaphore(PER_HOST)
        )
        self._lock = threading.Lock()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *_: object) -> None:
        self._client.close()

    def _host(self, host: str) -> threading.Semaphore:
        with self._lock:
            return self._hosts[host]

    def get(
        self,
        url: str,
        *,
        etag: str | None = None,
        modified: str | None = None,
        allow_private: bool = False,
    ) -> Fetched:
        """GET `url`, conditional on the validators given; FetchError on any failure.

        `allow_private` is the setting of the source the request is for (for an
        item's page: the item's source).
        """
        try:
            parsed = httpx.URL(url)
        except httpx.InvalidURL as exc:
            raise FetchError(url, f"not a valid URL ({exc})", permanent=True) from exc
        if parsed.scheme not in ("http", "https") or not parsed.host:
            # A mailto: or javascript: link in an item would fail the same way forever.
            raise FetchError(url, "not an http(s) URL", permanent=True)
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if modified:
            headers["If-Modified-Since"] = modified
        request = self._client.build_request("GET", url, headers=headers)
        limit = self.config.max_bytes
        with self._host(parsed.host):
            deadline = time.monotonic() + self.config.timeout
            try:
                with netguard.request(deadline, allow_private=allow_private):
                    return self._follow(url, request, deadline, limit)
            except netguard.Refused as exc:
                via = "" if exc.host == parsed.raw_host.decode("ascii") else "a redirect to "
                raise FetchError(
                    url,
                    f"refused: {via}{exc}, not a public one; if this source is meant to reach "
                    "it, set allow_private = true in it",
                    permanent=True,
                ) from exc
            except httpx.TimeoutException as exc:
                raise self._timed_out(url, deadline, exc) from exc
            except (httpx.InvalidURL, httpx.UnsupportedProtocol) as exc:
                raise FetchError(url, f"not a valid URL ({exc})", permanent=True) from exc
            except httpx.HTTPError as exc:
                reason = str(exc) or type(exc).__name__
                raise FetchError(url, f"cannot fetch it ({reason})") from exc

    def _follow(self, url: str, request: httpx.Request, deadline: float, limit: int) -> Fetched:
        """The response at the end of the redirects, read. They are followed here, not
        by httpx, which reads (and decodes, unbounded) the body of every hop."""
        for _ in range(self.config.max_redirects + 1):
            response = self._client.send(request, stream=True, follow_redirects=False)
            try:
                if response.next_request is None:
                    return self._read(url, response, deadline, limit)
                request = response.next_request
            finally:
                response.close()
        raise FetchError(
            url,
            f"more than {self.config.max_redirects} redirects (a loop?); fix the URL",
            permanent=True,
        )

    def _timed_out(self, url: str, deadline: float, exc: Exception | None = None) -> FetchError:
        if exc is None or time.monotonic() >= deadline:
            return FetchError(url, f"timed out (over {self.config.timeout:g} s in all)")
        return FetchError(url, f"timed out ({type(exc).__name__})")

    def _read(self, url: str, response: httpx.Response, deadline: float, limit: int) -> Fetched:
        final = str(response.url)
        if response.status_code == 304:
            return Fetched(status=304, body=b"", url=final)
        if response.status_code in (429, 503):
            wait = retry_after(response.headers.get("Retry-After"), datetime.now(UTC))
            raise FetchError(url, f"HTTP {response.status_code}; the server asks to wait", wait)
        if response.status_code >= 400:
            status = response.status_code
            raise FetchError(
                url,
                f"HTTP {status} {response.reason_phrase}",
                permanent=status < 500 and status not in (408, 425),
            )
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > limit:
            raise _too_big(url, limit)
        coding, decoder = _decoder(url, response.headers)
        chunks: list[bytes] = []
        raw = size = 0
        try:
            for data in response.iter_raw():
                raw += len(data)
                if raw > limit:
                    raise _too_big(url, limit)
                for piece in decoder.decode(data):
                    size += len(piece)
                    if size > limit:
                        raise _too_big(url, limit)
                    chunks.append(piece)
                if time.monotonic() > deadline:
                    raise self._timed_out(url, deadline)
        except _Undecodable as exc:
            raise FetchError(url, f"cannot decode its {coding} body ({exc})") from exc
        headers: Any = response.headers
        return Fetched(
            status=response.status_code,
            body=b"".join(chunks),
            url=final,
            etag=headers.get("ETag"),
            last_modified=headers.get("Last-Modified"),
        )


def _too_big(url: str, limit: int) -> FetchError:
    return FetchError(
        url, f"body over {limit:,} bytes; raise [fetch] max_bytes if it is right", permanent=True
    )


class _Undecodable(ValueError):
    """A body that is not what its Content-Encoding says."""


class _Decoder(Protocol):
    def decode(self, data: bytes) -> Iterator[bytes]:
        """The output `data` completes, in pieces of about STEP bytes at most."""
        ...


class _Identity:
    def decode(self, data: bytes) -> Iterator[bytes]:
        if data:
            yield data


class _Inflate:
    """gzip (`wbits` 31) or deflate: zlib-wrapped as the RFC says, or raw as some send."""

    def __init__(self, wbits: int, raw_fallback: bool = False) -> None:
        self._zlib = zlib.decompressobj(wbits)
        self._fallback, self._started = raw_fallback, False

    def decode(self, data: bytes) -> Iterator[bytes]:
        while True:
            try:
                out = self._zlib.decompress(data, STEP)
            except zlib.error as exc:
                if self._fallback and not self._started:
                    self._fallback, self._zlib = False, zlib.decompressobj(-zlib.MAX_WBITS)
                    continue
                raise _Undecodable(str(exc)) from exc
            data = self._zlib.unconsumed_tail
            if not out:
                return  # all input taken, all output given (or the stream ended)
            self._started = True
            yield out


class _Brotli:
    def __init__(self) -> None:
        self._brotli = brotli.Decompressor()

    def decode(self, data: bytes) -> Iterator[bytes]:
        try:
            out = self._brotli.process(data, output_buffer_limit=STEP)
            # Output still held back after the input is taken comes with empty input.
            while out:
                yield out
                out = self._brotli.process(b"", output_buffer_limit=STEP)
        except brotli.error as exc:
            raise _Undecodable(str(exc)) from exc


def _decoder(url: str, headers: httpx.Headers) -> tuple[str, _Decoder]:
    """The response's content-coding and its decoder; FetchError if it has no usable one."""
    codings = [c.strip().lower() for c in headers.get_list("Content-Encoding", split_commas=True)]
    codings = [c for c in codings if c and c != "identity"]
    if len(codings) > 1:
        raise FetchError(
            url,
            f"Content-Encoding {', '.join(codings)}: more than one coding is refused "
            "(a way to hide a compression bomb)",
            permanent=True,
        )
    if not codings:
        return "identity", _Identity()
    coding = "gzip" if codings[0] == "x-gzip" else codings[0]
    if coding == "gzip":
        return coding, _Inflate(zlib.MAX_WBITS | 16)
    if coding == "deflate":
        return coding, _Inflate(zlib.MAX_WBITS, raw_fallback=True)
    if coding == "br" and _BROTLI:
        return coding, _Brotli()
    raise FetchError(
        url,
        f"Content-Encoding {coding} is not supported (only {', '.join(CODINGS)})",
        permanent=True,
    )
