"""Polite HTTP: one client per build, for upstream feeds and article pages.

Every request names feedsum in its User-Agent, sends the validators of the
last good fetch (an unchanged upstream costs one 304), gives up after a
connect and a total time limit, refuses bodies over a size cap while they
stream in (counted after decompression, so a small gzip bomb is refused
too), follows a bounded number of redirects and runs at most two requests
per host at once. 429 and 503 carry their Retry-After to the back-off.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from feedsum import PROJECT_URL, __version__
from feedsum.config import FetchConfig
from feedsum.errors import SourceError

USER_AGENT = f"feedsum/{__version__} (+{PROJECT_URL})"
PER_HOST = 2


class FetchError(SourceError):
    """A request failed; `retry_after` is the seconds the server asked us to wait.

    `permanent` failures (most 4xx, a body over the cap, a redirect loop) will
    fail the same way next time; the others (timeouts, 5xx, 429) may not.
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


class Fetcher:
    """An httpx client with feedsum's limits; use as a context manager."""

    def __init__(self, config: FetchConfig) -> None:
        self.config = config
        self._client = httpx.Client(
            headers={"User-Agent": USER_AGENT},
            timeout=httpx.Timeout(config.timeout, connect=config.connect_timeout),
            follow_redirects=True,
            max_redirects=config.max_redirects,
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

    def get(self, url: str, *, etag: str | None = None, modified: str | None = None) -> Fetched:
        """GET `url`, conditional on the validators given; FetchError on any failure."""
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
        limit = self.config.max_bytes
        with self._host(parsed.host):
            deadline = time.monotonic() + self.config.timeout
            try:
                with self._client.stream("GET", url, headers=headers) as response:
                    return self._read(url, response, deadline, limit)
            except httpx.TooManyRedirects as exc:
                raise FetchError(
                    url,
                    f"more than {self.config.max_redirects} redirects (a loop?); fix the URL",
                    permanent=True,
                ) from exc
            except httpx.TimeoutException as exc:
                raise FetchError(url, f"timed out ({type(exc).__name__})") from exc
            except (httpx.InvalidURL, httpx.UnsupportedProtocol) as exc:
                raise FetchError(url, f"not a valid URL ({exc})", permanent=True) from exc
            except httpx.HTTPError as exc:
                reason = str(exc) or type(exc).__name__
                raise FetchError(url, f"cannot fetch it ({reason})") from exc

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
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > limit:
                raise _too_big(url, limit)
            if time.monotonic() > deadline:
                raise FetchError(url, f"timed out (over {self.config.timeout:g} s in all)")
            chunks.append(chunk)
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
