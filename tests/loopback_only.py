"""A process-wide guard for the fuzz tests: the network is 127.0.0.1 only.

Random and garbled bytes can spell any URL. `install()` adds an audit hook that
makes every look-up of a name that is not loopback fail as an unknown name does
(socket.gaierror), and refuses any connection to an address that is not
loopback, so no fuzz input can ever reach a real host; feedsum meets the same
errors as on a machine without that name. Audit hooks cannot be removed: the
hook stays, and refuses only while `guarded()` is active (in a test process,
where other tests look up other names) or for good after `install()` (in a
build subprocess).
"""

from __future__ import annotations

import contextlib
import ipaddress
import socket
import sys
from collections.abc import Iterator
from typing import Any

#: Marks the refusals, in the errors feedsum reports of them.
REFUSED = "fuzz: loopback only"


def loopback(host: object) -> bool:
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    if not isinstance(host, str):
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]").split("%")[0]).is_loopback
    except ValueError:
        return False


def _hook(event: str, args: tuple[Any, ...]) -> None:
    if not _active:
        return
    if event == "socket.getaddrinfo" and not loopback(args[0]):
        raise socket.gaierror(socket.EAI_NONAME, f"Name or service not known ({REFUSED})")
    if event == "socket.connect":
        address = args[1]
        if isinstance(address, tuple) and not loopback(address[0]):
            raise ConnectionRefusedError(111, f"Connection refused ({REFUSED})")


_installed: list[bool] = []
#: Blocks in `guarded()` now, plus one for good after `install()`.
_active = 0


def _add_hook() -> None:
    if not _installed:
        sys.addaudithook(_hook)
        _installed.append(True)


def install() -> None:
    """Guard this process from now on."""
    global _active
    _add_hook()
    _active += 1


@contextlib.contextmanager
def guarded() -> Iterator[None]:
    """Guard this process while in the block (every thread of it)."""
    global _active
    _add_hook()
    _active += 1
    try:
        yield
    finally:
        _active -= 1
