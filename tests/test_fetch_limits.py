"""Fetcher's hard limits, attacked the way a hostile or broken upstream would.

One deadline per request (a trickle of bytes cannot stretch it), decoding
capped while it decodes (compression bombs), and no connection to a
non-public address unless the source allows it. Every server here is on the
loopback interface; public addresses appear only as classifier inputs.
"""

from __future__ import annotations

import gzip
import ipaddress
import json
import os
import socket
import subprocess
import sys
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path
from typing import Any

import brotli
import pytest

from feedsum import netguard
from feedsum.config import FetchConfig, parse_feed
from feedsum.errors import ConfigError
from feedsum.fetch import Fetcher, FetchError
from tests.test_upstream import make_project, rss, rss_item, run
from tests.upstream import Reply, Trickle, Upstream

QUICK = FetchConfig(timeout=1.5, connect_timeout=1, max_bytes=1_000_000)
#: For the deadline's other cases: as strict, quicker.
BRIEF = FetchConfig(timeout=0.8, connect_timeout=30)


def fetch_error(config: FetchConfig, url: str, **kwargs: Any) -> tuple[FetchError, float]:
    """The FetchError a GET of `url` ends in, and the seconds it took."""
    start = time.monotonic()
    with Fetcher(config) as client, pytest.raises(FetchError) as error:
        client.get(url, **kwargs)
    return error.value, time.monotonic() - start


# --- One deadline per request ---------------------------------------------------------


def test_headers_trickled_a_byte_at_a_time_end_at_the_deadline() -> None:
    # The whole status line at once, then a header that never ends: each byte
    # arrives well within any read timeout, the response never completes.
    with Trickle(b"HTTP/1.1 200 OK\r\n", b"X-Slow: " + b"a" * 64, interval=0.5) as server:
        error, took = fetch_error(QUICK, server.url(), allow_private=True)
    assert "timed out (over 1.5 s in all)" in str(error) and not error.permanent
    assert 1.4 < took < 3.0, took
    assert server.accepted == 1


def test_a_body_trickled_a_byte_at_a_time_ends_at_the_deadline() -> None:
    head = b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n<rss>"
    with Trickle(head, b"x", interval=0.2) as server:
        error, took = fetch_error(BRIEF, server.url(), allow_private=True)
    assert "timed out (over 0.8 s in all)" in str(error)
    assert 0.7 < took < 1.6, took


def test_redirects_share_the_requests_deadline(upstream: Upstream) -> None:
    # Each hop answers in 0.35 s, well within the 0.8 s; the three take 1.05 s.
    upstream.routes["/a"] = Reply(302, headers={"Location": "/b"}, delay=0.35)
    upstream.routes["/b"] = Reply(302, headers={"Location": "/c"}, delay=0.35)
    upstream.routes["/c"] = Reply(200, b"<rss/>", delay=0.35)
    error, took = fetch_error(BRIEF, upstream.url("/a"), allow_private=True)
    assert "timed out" in str(error) and 0.7 < took < 1.0, took
    assert [r.path for r in upstream.requests] == ["/a", "/b", "/c"]


def test_a_tls_handshake_trickled_ends_at_the_deadline() -> None:
    # A TLS record header announcing 16 KB of handshake, then its bytes one by one.
    with Trickle(b"\x16\x03\x03\x40\x00", b"\x00", interval=0.2) as server:
        error, took = fetch_error(BRIEF, server.url(scheme="https"), allow_private=True)
    assert "timed out" in str(error) and 0.7 < took < 1.6, took


def test_a_slow_name_lookup_ends_at_the_deadline(monkeypatch: pytest.MonkeyPatch) -> None:
    real, release = socket.getaddrinfo, threading.Event()

    def stalled(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host == "slow.test":
            release.wait(10)  # a resolver that does not answer
            raise socket.gaierror("gave up")
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", stalled)
    try:
        error, took = fetch_error(BRIEF, "http://slow.test/feed", allow_private=True)
    finally:
        release.set()
    assert "timed out" in str(error) and 0.7 < took < 1.6, took


# --- Decoding capped while decoding ---------------------------------------------------


@cache
def gzip_bomb() -> bytes:
    """256 MiB of zeros as gzip (about 260 KB), made a MiB at a time."""
    packer, zeros = zlib.compressobj(9, zlib.DEFLATED, 31), bytes(1 << 20)
    return b"".join([packer.compress(zeros) for _ in range(256)] + [packer.flush()])


@cache
def brotli_bomb() -> bytes:
    """1 GiB of zeros as brotli (under 2 KB), made a MiB at a time."""
    packer, zeros = brotli.Compressor(quality=5), bytes(1 << 20)
    return b"".join([packer.process(zeros) for _ in range(1024)] + [packer.finish()])


# Fetches in a fresh interpreter: its peak memory is the fetch's alone. VmHWM,
# not ru_maxrss: a forked child starts with its parent's ru_maxrss (pytest's,
# hundreds of MB late in a run), while exec gives it a new VmHWM.
MEASURE = """
import json, sys
from feedsum.config import FetchConfig
from feedsum.fetch import Fetcher, FetchError

def peak_kib():
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))

before = peak_kib()
with Fetcher(FetchConfig(timeout=20, max_bytes=1_000_000)) as client:
    try:
        got = client.get(sys.argv[1], allow_private=True)
        outcome = f"fetched {len(got.body)} bytes"
    except FetchError as error:
        outcome = str(error)
after = peak_kib()
print(json.dumps({"outcome": outcome, "before_kib": before, "peak_kib": after}))
"""


def measured(url: str) -> dict[str, Any]:
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    root = Path(__file__).resolve().parent.parent
    env["PYTHONPATH"] = os.pathsep.join([str(root / "src"), env.get("PYTHONPATH", "")])
    done = subprocess.run(
        [sys.executable, "-c", MEASURE, url],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        check=True,
    )
    result: dict[str, Any] = json.loads(done.stdout)
    return result


@pytest.mark.parametrize(
    ("encoding", "bomb"), [("gzip", gzip_bomb), ("br", brotli_bomb)], ids=["gzip", "br"]
)
def test_a_compression_bomb_stops_at_the_cap_in_little_memory(
    upstream: Upstream, encoding: str, bomb: Callable[[], bytes]
) -> None:
    body = bomb()
    assert len(body) < 300_000  # small on the wire: under the cap before decoding
    upstream.routes["/bomb"] = Reply(200, body, {"Content-Encoding": encoding})
    result = measured(upstream.url("/bomb"))
    assert "body over 1,000,000 bytes" in result["outcome"], result
    # Decoding it whole would take 256 MiB (gzip) or 1 GiB (br).
    assert result["peak_kib"] < 200 * 1024, result
    assert result["peak_kib"] - result["before_kib"] < 32 * 1024, result


def test_a_redirects_body_is_not_read(upstream: Upstream) -> None:
    # httpx reads (and decodes) every hop's body when it follows redirects itself.
    upstream.routes["/hop"] = Reply(
        302, brotli_bomb(), {"Content-Encoding": "br", "Location": "/feed"}
    )
    upstream.routes["/feed"] = Reply(200, b"<rss/>")
    result = measured(upstream.url("/hop"))
    assert result["outcome"] == "fetched 6 bytes", result
    assert result["peak_kib"] - result["before_kib"] < 32 * 1024, result


@pytest.mark.parametrize("stacked", ["gzip, gzip", "gzip, br", "deflate,gzip"])
def test_stacked_encodings_are_refused(upstream: Upstream, stacked: str) -> None:
    upstream.routes["/x"] = Reply(200, gzip.compress(gzip.compress(b"<rss/>")), {
        "Content-Encoding": stacked})  # fmt: skip
    error, _ = fetch_error(QUICK, upstream.url("/x"), allow_private=True)
    named = ", ".join(c.strip() for c in stacked.split(","))
    assert f"Content-Encoding {named}: more than one coding is refused" in str(error)
    assert error.permanent


def test_an_encoding_not_asked_for_is_refused(upstream: Upstream) -> None:
    upstream.routes["/x"] = Reply(200, b"(zstd bytes)", {"Content-Encoding": "zstd"})
    error, _ = fetch_error(QUICK, upstream.url("/x"), allow_private=True)
    assert "Content-Encoding zstd is not supported (only gzip, deflate, br)" in str(error)
    assert error.permanent


def raw_deflate(data: bytes) -> bytes:
    packer = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
    return packer.compress(data) + packer.flush()


@pytest.mark.parametrize(
    ("encoding", "compress"),
    [
        ("gzip", gzip.compress),
        ("x-gzip", gzip.compress),
        ("deflate", zlib.compress),
        ("deflate", raw_deflate),  # what some servers send for deflate
        ("br", lambda data: brotli.compress(data, quality=5)),
        ("identity", bytes),
        ("", bytes),
    ],
    ids=["gzip", "x-gzip", "deflate-zlib", "deflate-raw", "br", "identity", "none"],
)
def test_bodies_decode_exactly_up_to_the_cap(
    upstream: Upstream, encoding: str, compress: Callable[[bytes], bytes]
) -> None:
    # Text that compresses, many decoding steps long, exactly at the cap.
    line = b"<p>Residents asked question %d about the harbour plan.</p>\n"
    text = b"".join(line % n for n in range(30_000))[:1_000_000]
    assert len(text) == 1_000_000
    headers = {"Content-Encoding": encoding} if encoding else {}
    upstream.routes["/at-cap"] = Reply(200, compress(text), headers)
    upstream.routes["/over-cap"] = Reply(200, compress(text + b"!"), headers)
    with Fetcher(QUICK) as client:
        assert client.get(upstream.url("/at-cap"), allow_private=True).body == text
        with pytest.raises(FetchError, match=r"body over 1,000,000 bytes"):
            client.get(upstream.url("/over-cap"), allow_private=True)


def test_a_body_that_is_not_what_its_encoding_says_fails(upstream: Upstream) -> None:
    upstream.routes["/x"] = Reply(200, b"this is not gzip at all", {"Content-Encoding": "gzip"})
    error, _ = fetch_error(QUICK, upstream.url("/x"), allow_private=True)
    assert "cannot decode its gzip body" in str(error)


# --- No request to a non-public address by default ------------------------------------


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("10.0.0.1", "private"),
        ("172.16.0.1", "private"),
        ("192.168.1.1", "private"),
        ("169.254.169.254", "link-local"),  # cloud metadata
        ("100.64.0.1", "shared (carrier-grade NAT)"),
        ("0.0.0.0", "unspecified"),
        ("127.0.0.1", "loopback"),
        ("127.8.9.10", "loopback"),
        ("224.0.0.1", "multicast"),
        ("240.0.0.1", "reserved"),
        ("255.255.255.255", "reserved"),
        ("198.18.0.1", "private"),  # benchmarking
        ("::", "unspecified"),
        ("::1", "loopback"),
        ("fe80::1", "link-local"),
        ("fe80::1%2", "link-local"),
        ("fc00::1", "private"),
        ("ff02::1", "multicast"),
        ("::ffff:127.0.0.1", "IPv4-mapped loopback"),
        ("::ffff:10.1.2.3", "IPv4-mapped private"),
        ("::ffff:169.254.169.254", "IPv4-mapped link-local"),
        ("2002:7f00:1::", "6to4 loopback"),
        ("64:ff9b::a9fe:a9fe", "NAT64 link-local"),
        ("::7f00:1", "reserved"),  # IPv4-compatible, deprecated
        ("2001:db8::1", "private"),  # documentation
    ],
)
def test_non_public_addresses_are_named(address: str, kind: str) -> None:
    assert netguard.non_public(address) == kind


@pytest.mark.parametrize(
    "address",
    ["93.184.216.34", "1.1.1.1", "8.8.8.8", "2606:4700::1111", "2a00:1450:4001::200e",
     "::ffff:93.184.216.34", "64:ff9b::808:808"],
)  # fmt: skip
def test_public_addresses_pass(address: str) -> None:
    # The classifier only: nothing connects to these.
    assert netguard.non_public(address) is None
    assert netguard.non_public(ipaddress.ip_address(address)) is None


def test_a_loopback_url_is_refused_without_a_connection() -> None:
    with Trickle(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n") as server:
        error, took = fetch_error(QUICK, server.url("/feed"))
    assert str(error) == (
        f"{server.url('/feed')}: refused: 127.0.0.1, a loopback address, not a public one; "
        "if this source is meant to reach it, set allow_private = true in it"
    )
    assert error.permanent and took < 1
    assert server.accepted == 0  # not even a TCP connection


def test_allow_private_lets_it_through(upstream: Upstream) -> None:
    upstream.routes["/feed"] = Reply(200, b"<rss/>")
    with Fetcher(QUICK) as client:
        with pytest.raises(FetchError, match="refused"):
            client.get(upstream.url("/feed"))
        assert not upstream.requests
        assert client.get(upstream.url("/feed"), allow_private=True).body == b"<rss/>"
    assert len(upstream.hits("/feed")) == 1


@pytest.mark.parametrize(
    ("host", "named"),
    [("localhost", "localhost resolves to "), ("[::1]", "::1, a loopback address"),
     ("127.1", "127.1 resolves to 127.0.0.1, a loopback address")],
)  # fmt: skip
def test_loopback_by_other_names_is_refused(upstream: Upstream, host: str, named: str) -> None:
    port = upstream.url("/").rsplit(":", 1)[1].rstrip("/")
    error, _ = fetch_error(QUICK, f"http://{host}:{port}/feed")
    assert named in str(error) and "loopback address" in str(error) and error.permanent
    assert not upstream.requests


@pytest.fixture
def elsewhere(monkeypatch: pytest.MonkeyPatch) -> Iterator[Upstream]:
    """A server standing in for a public one: on 127.0.0.2, which the classifier is
    told is public (no test may send a request off the loopback interface)."""
    real = netguard.non_public
    monkeypatch.setattr(
        netguard, "non_public", lambda a: None if str(a) == "127.0.0.2" else real(a)
    )
    try:
        server = Upstream("127.0.0.2")
    except OSError:  # pragma: no cover - only Linux routes all of 127/8 by default
        pytest.skip("cannot listen on 127.0.0.2")
    with server:
        yield server


def test_elsewhere_is_fetched_without_the_opt_in(elsewhere: Upstream) -> None:
    elsewhere.routes["/feed"] = Reply(200, b"<rss/>")
    with Fetcher(QUICK) as client:
        assert client.get(elsewhere.url("/feed")).body == b"<rss/>"


@pytest.mark.parametrize("target", ["http://127.0.0.1:{port}/", "http://[::1]:{port}/",
                                    "http://localhost:{port}/"])  # fmt: skip
def test_a_redirect_into_the_loopback_is_refused(
    elsewhere: Upstream, upstream: Upstream, target: str
) -> None:
    port = upstream.url("/").rsplit(":", 1)[1].rstrip("/")
    upstream.routes["/"] = Reply(200, b"internal")
    elsewhere.routes["/feed"] = Reply(302, headers={"Location": target.format(port=port)})
    error, _ = fetch_error(QUICK, elsewhere.url("/feed"))
    assert "refused: a redirect to " in str(error) and "loopback address" in str(error)
    assert "set allow_private = true" in str(error) and error.permanent
    assert [r.path for r in elsewhere.requests] == ["/feed"]
    assert not upstream.requests


def test_a_name_is_looked_up_once_and_its_checked_address_used(
    elsewhere: Upstream, upstream: Upstream, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A rebinding resolver: "public" on the first lookup, loopback on any later one.
    real, lookups = socket.getaddrinfo, []

    def rebinding(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host != "rebind.test":
            return real(host, port, *args, **kwargs)
        lookups.append(host)
        address = "127.0.0.2" if len(lookups) == 1 else "127.0.0.1"
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    elsewhere.routes["/feed"] = Reply(200, b"<rss>public</rss>")
    upstream.routes["/feed"] = Reply(200, b"<rss>internal</rss>")
    # Both servers on one port number is not to be had: the URL names elsewhere's.
    url = elsewhere.url("/feed").replace("127.0.0.2", "rebind.test")
    with Fetcher(QUICK) as client:
        got = client.get(url)
    assert got.body == b"<rss>public</rss>" and lookups == ["rebind.test"]
    (seen,) = elsewhere.requests
    assert seen.headers["Host"] == url.split("/")[2]  # the name, not the address


def test_a_pooled_connection_serves_only_requests_allowed_to_use_it(
    upstream: Upstream,
) -> None:
    upstream.routes["/feed"] = Reply(200, b"<rss/>")
    with Fetcher(QUICK) as client:
        client.get(upstream.url("/feed"), allow_private=True)  # kept alive in the pool
        with pytest.raises(FetchError, match=r"refused: 127\.0\.0\.1,"):
            client.get(upstream.url("/feed"))
    assert len(upstream.requests) == 1


# --- allow_private in feed files ------------------------------------------------------

BASE: dict[str, Any] = {"title": "T", "link": "https://example.org/"}


def test_allow_private_is_a_per_source_bool() -> None:
    config = parse_feed(
        Path("feed.toml"),
        {
            **BASE,
            "sources": [
                {"url": "http://127.0.0.1:8080/feed", "allow_private": True},
                {"url": "https://example.org/feed"},
                {"path": "a/*.txt"},
            ],
        },
    )
    assert [s.allow_private for s in config.sources] == [True, False, False]


def test_an_item_cannot_make_feedsum_read_an_internal_page(
    tmp_path: Path, upstream: Upstream
) -> None:
    # A saved feed (no fetch of its own) whose teaser links to an "admin page"
    # on the loopback: the page must not be requested, nor its text published.
    secret = "The internal admin console lists every password. " * 30
    upstream.routes["/admin"] = Reply(200, f"<html><body><article><p>{secret}</p></article>"
                                           "</body></html>".encode())  # fmt: skip
    teaser = {"title": "Innocent", "link": upstream.url("/admin"), "guid": "t",
              "summary": "A short teaser. Read more."}  # fmt: skip
    wire = '[[sources]]\nkind = "feed"\npath = "wire.xml"\nfull_text = "auto"\n'
    project = make_project(tmp_path, wire)
    (project / "feeds" / "wire.xml").write_bytes(rss([teaser]))
    report = run(project)
    assert upstream.requests == []
    (failure,) = report.failures
    assert "refused: 127.0.0.1, a loopback address" in str(failure)
    assert "an item's page" in str(failure)
    published = (project / "public" / "digest.atom").read_text()
    assert "Innocent" in published and "admin console" not in published

    # The operator who means it says so on the source.
    make_project(tmp_path, wire + "allow_private = true\n")
    report = run(project, force=True)
    assert not report.failures and [r.path for r in upstream.requests] == ["/admin"]
    assert "admin console" in (project / "public" / "digest.atom").read_text()


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ({"url": "https://x/f", "allow_private": "yes"},
         "sources[0].allow_private: got 'yes'; use true or false"),
        ({"url": "https://x/f", "allow_private": 1},
         "sources[0].allow_private: got 1; use true or false"),
        ({"url": "https://x/f", "private": True},
         "sources[0].private: unknown key; use one of: kind, path, url, full_text, "
         "allow_private, language"),
        ({"path": "a/*.md", "kind": "markdown", "allow_private": True},
         "sources[0].allow_private: unknown key; use one of: kind, path"),
    ],
)  # fmt: skip
def test_allow_private_errors_name_the_key(source: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError) as error:
        parse_feed(Path("feed.toml"), {**BASE, "sources": [source]})
    assert message in str(error.value)


def test_in_a_build_only_the_source_that_opts_in_reaches_the_loopback(
    tmp_path: Path, upstream: Upstream
) -> None:
    upstream.routes["/mine"] = Reply(200, rss([rss_item(1)]))
    upstream.routes["/theirs"] = Reply(200, rss([rss_item(2)]))
    sources = (
        f'[[sources]]\nurl = "{upstream.url("/mine")}"\nallow_private = true\n'
        f'[[sources]]\nurl = "{upstream.url("/theirs")}"\n'
    )
    report = run(make_project(tmp_path, sources))
    (failure,) = report.failures
    assert str(failure) == (
        f"{upstream.url('/theirs')}: refused: 127.0.0.1, a loopback address, not a public "
        "one; if this source is meant to reach it, set allow_private = true in it"
    )
    assert report.entries == 1 and [r.path for r in upstream.requests] == ["/mine"]
