"""Where and for how long a request may talk: the network backend under Fetcher.

httpx (through httpcore) opens every connection, the first and each after a
redirect, with its network backend's `connect_tcp(host, port)`. `Backend`
resolves the host itself, once, refuses it if no address it resolves to is
public (unless the request allows private ones), and connects to the very
address it checked: no second lookup, which a rebinding DNS server could
answer differently. TLS still names the host (SNI and the certificate check),
as httpcore passes the URL's host to `start_tls`, not the address.

Every read, write and TLS handshake on its streams gets at most what is left
of the request's one deadline as its timeout, and the lookup is waited for no
longer than that either. A socket read returns as soon as any byte arrives,
so a server trickling bytes only ever shortens the next wait: no request
outlives its deadline by more than one scheduling slice. A pooled connection
is checked again on each request it carries, so a connection one source may
open (to a private address) cannot serve a request of a source that may not.

The deadline and the permission are the current request's, in a context
variable that Fetcher sets around each request: httpx's sync client does all
of a request's I/O in the calling thread.
"""

from __future__ import annotations

import ipaddress
import socket
import ssl
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import httpcore

Address = ipaddress.IPv4Address | ipaddress.IPv6Address

_SHARED = ipaddress.IPv4Network("100.64.0.0/10")  # carrier-grade NAT (RFC 6598)
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")  # IPv4 through a NAT64 gateway (RFC 6052)


def non_public(address: str | Address) -> str | None:
    """What kind of non-public address `address` is ("loopback", "private", ...), or
    None if it is a public (globally routed unicast) one.

    IPv6 forms that carry an IPv4 address (IPv4-mapped, 6to4, NAT64) are judged by
    the IPv4 address they carry.
    """
    ip = ipaddress.ip_address(address) if isinstance(address, str) else address
    if isinstance(ip, ipaddress.IPv6Address):
        for form, inner in (
            ("IPv4-mapped", ip.ipv4_mapped),
            ("6to4", ip.sixtofour),
            ("NAT64", ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF) if ip in _NAT64 else None),
        ):
            if inner is not None:
                kind = non_public(inner)
                return None if kind is None else f"{form} {kind}"
    checks = (
        ("unspecified", ip.is_unspecified),
        ("loopback", ip.is_loopback),
        ("link-local", ip.is_link_local),
        ("multicast", ip.is_multicast),
        ("shared (carrier-grade NAT)", isinstance(ip, ipaddress.IPv4Address) and ip in _SHARED),
        ("reserved", ip.is_reserved),
        ("private", ip.is_private),
        ("non-global", not ip.is_global),
    )
    return next((kind for kind, hit in checks if hit), None)


class Refused(Exception):
    """A connection to a non-public address that the request does not allow."""

    def __init__(self, host: str, address: Address, kind: str) -> None:
        self.host, self.address, self.kind = host, address, kind
        where = f"{address}" if host == str(address) else f"{host} resolves to {address}"
        super().__init__(f"{where}, a {kind} address")


@dataclass(frozen=True, slots=True)
class Policy:
    """The current request's deadline (time.monotonic()) and permission."""

    deadline: float | None = None
    allow_private: bool = False

    def left(self, timeout: float | None, expired: type[Exception]) -> float | None:
        """`timeout`, cut to what is left before the deadline; `expired` if nothing is."""
        if self.deadline is None:
            return timeout
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise expired("the request's time is up")
        return left if timeout is None else min(timeout, left)

    def check(self, host: str, address: Address) -> None:
        if not self.allow_private and (kind := non_public(address)) is not None:
            raise Refused(host, address, kind)


_POLICY: ContextVar[Policy | None] = ContextVar("feedsum_netguard_policy", default=None)
# Outside a request (no policy set): no deadline, public addresses only.
_OUTSIDE = Policy()


def _current() -> Policy:
    return _POLICY.get() or _OUTSIDE


@contextmanager
def request(deadline: float, *, allow_private: bool) -> Iterator[None]:
    """Everything the network backend does in this block is for one request."""
    token = _POLICY.set(Policy(deadline, allow_private))
    try:
        yield
    finally:
        _POLICY.reset(token)


def resolve(host: str, port: int, timeout: float | None) -> list[Address]:
    """The addresses of `host`, in the resolver's order; a literal address as it is.

    The lookup runs in a thread so that a slow resolver is given up on at `timeout`
    (the thread itself ends when the resolver does).
    """
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    answer: list[list[Any] | BaseException] = []
    done = threading.Event()

    def look_up() -> None:
        try:
            answer.append(socket.getaddrinfo(host, port, type=socket.SOCK_STREAM))
        except BaseException as exc:  # handed to the waiting thread
            answer.append(exc)
        finally:
            done.set()

    threading.Thread(target=look_up, name="feedsum-lookup", daemon=True).start()
    if not done.wait(timeout):
        raise httpcore.ConnectTimeout(f"looking up {host} took over {timeout:g} s")
    (result,) = answer
    if isinstance(result, BaseException):
        raise httpcore.ConnectError(f"cannot look up {host} ({result})") from result
    found: list[Address] = []
    for *_, sockaddr in result:
        ip = ipaddress.ip_address(sockaddr[0])
        if ip not in found:
            found.append(ip)
    if not found:
        raise httpcore.ConnectError(f"{host} has no address")
    return found


class Stream(httpcore.NetworkStream):
    """A connection to a checked address whose every wait ends by the request's deadline."""

    def __init__(self, stream: httpcore.NetworkStream, host: str, address: Address) -> None:
        self._stream, self.host, self.address = stream, host, address

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._stream.read(max_bytes, _current().left(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        policy = _current()
        # A pooled connection may be asked to carry a request that may not reach it.
        policy.check(self.host, self.address)
        self._stream.write(buffer, policy.left(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._stream.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        left = _current().left(timeout, httpcore.ConnectTimeout)
        return Stream(
            self._stream.start_tls(ssl_context, server_hostname, left), self.host, self.address
        )

    def get_extra_info(self, info: str) -> Any:
        return self._stream.get_extra_info(info)


class Backend(httpcore.NetworkBackend):
    """httpcore's sync backend, connecting only to checked addresses (see the module)."""

    def __init__(self) -> None:
        self._sockets = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        policy = _current()
        addresses = resolve(host, port, policy.left(timeout, httpcore.ConnectTimeout))
        refused: Refused | None = None
        failed: httpcore.ConnectError | httpcore.ConnectTimeout | None = None
        for address in addresses:
            try:
                policy.check(host, address)
            except Refused as exc:
                refused = refused or exc
                continue  # never connected to: a public address of the host may follow
            try:
                # An address literal: socket.create_connection does no lookup for it.
                stream = self._sockets.connect_tcp(
                    str(address),
                    port,
                    policy.left(timeout, httpcore.ConnectTimeout),
                    local_address,
                    socket_options,
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failed = exc
                continue
            return Stream(stream, host, address)
        if failed is not None:
            raise failed
        assert refused is not None
        raise refused

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        raise httpcore.ConnectError("feedsum connects over TCP only")

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)
