"""`feedsum serve`: public/ over HTTP on this machine, to preview the site.

A preview, not a web server for the world: one folder, GET and HEAD, the
content types of every file feedsum writes, validators (ETag, Last-Modified)
answered with 304, and gzip when the client asks for it. A real web server
(nginx, see the README) does the same for the public.
"""

from __future__ import annotations

import email.utils
import gzip
import hashlib
import http.server
import socket
from functools import partial
from pathlib import Path
from urllib.parse import unquote, urlsplit

#: Content types by extension: the feeds' own (readers and browsers go by them).
CONTENT_TYPES = {
    ".atom": "application/atom+xml; charset=utf-8",
    ".rss": "application/rss+xml; charset=utf-8",
    ".json": "application/feed+json; charset=utf-8",
    ".opml": "text/x-opml; charset=utf-8",
    ".html": "text/html; charset=utf-8",
    ".xml": "application/xml; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".svg": "image/svg+xml",
}
#: Worth compressing (the images are compressed already).
COMPRESSIBLE = {".atom", ".rss", ".json", ".opml", ".html", ".xml", ".css", ".svg"}


def etag(size: int, mtime_ns: int, inode: int) -> str:
    """A strong validator from what changes when feedsum replaces a file (a new
    inode, by rename) without reading it."""
    digest = hashlib.sha256(f"{size}:{mtime_ns}:{inode}".encode()).hexdigest()[:20]
    return f'"{digest}"'


class PreviewHandler(http.server.BaseHTTPRequestHandler):
    """GET and HEAD of the files under `root`; folders serve their index.html."""

    server_version = "feedsum-serve"
    protocol_version = "HTTP/1.1"

    def __init__(self, *args: object, root: Path, quiet: bool = False, **kwargs: object) -> None:
        self.root, self.quiet = root, quiet
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]  # handles the request

    def do_GET(self) -> None:
        self._answer(body=True)

    def do_HEAD(self) -> None:
        self._answer(body=False)

    def log_message(self, format: str, *args: object) -> None:
        if not self.quiet:
            super().log_message(format, *args)

    def _path(self) -> Path | None:
        """The file the request names, never outside the root (no `..`, no symlink out)."""
        parts = [p for p in unquote(urlsplit(self.path).path).split("/") if p not in ("", ".")]
        if any(p == ".." or "\0" in p or p.startswith(".") for p in parts):
            return None
        path = self.root.joinpath(*parts)
        if path.is_dir():
            path = path / "index.html"
        try:
            resolved = path.resolve(strict=True)
        except OSError:
            return None
        if not resolved.is_relative_to(self.root) or not resolved.is_file():
            return None
        return resolved

    def _answer(self, body: bool) -> None:
        path = self._path()
        if path is None:
            self._send(404, b"Not found\n", "text/plain; charset=utf-8", body)
            return
        stat = path.stat()
        tag = etag(stat.st_size, stat.st_mtime_ns, stat.st_ino)
        modified = email.utils.formatdate(stat.st_mtime, usegmt=True)
        compress = path.suffix in COMPRESSIBLE and _accepts_gzip(
            self.headers.get("Accept-Encoding")
        )
        # One representation per encoding: gzip has its own validator (RFC 9110 8.8.3).
        tag = f'{tag[:-1]}-gzip"' if compress else tag
        headers = {
            "ETag": tag,
            "Last-Modified": modified,
            "Cache-Control": "no-cache",  # revalidate each time: a preview changes under you
            "Vary": "Accept-Encoding",
        }
        if _not_modified(
            self.headers.get("If-None-Match"),
            self.headers.get("If-Modified-Since"),
            tag,
            stat.st_mtime,
        ):
            self._send(304, b"", None, False, headers)
            return
        data = path.read_bytes()
        if compress:
            # mtime=0: the same file gives the same gzip bytes.
            data = gzip.compress(data, mtime=0)
            headers["Content-Encoding"] = "gzip"
        content_type = CONTENT_TYPES.get(path.suffix, "application/octet-stream")
        self._send(200, data, content_type, body, headers)

    def _send(
        self,
        status: int,
        data: bytes,
        content_type: str | None,
        body: bool,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        if content_type:
            self.send_header("Content-Type", content_type)
        if status != 304:
            self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if body and data:
            self.wfile.write(data)


def _accepts_gzip(header: str | None) -> bool:
    for part in (header or "").split(","):
        coding, _, params = part.strip().partition(";")
        if coding.strip().lower() in ("gzip", "*"):
            q = params.strip().removeprefix("q=") if params.strip().startswith("q=") else "1"
            try:
                return float(q) > 0
            except ValueError:
                return False
    return False


def _not_modified(
    if_none_match: str | None, if_modified_since: str | None, tag: str, mtime: float
) -> bool:
    """RFC 9110 13.1: If-None-Match decides when present; else If-Modified-Since."""
    if if_none_match is not None:
        tags = [t.strip().removeprefix("W/") for t in if_none_match.split(",")]
        return "*" in tags or tag in tags
    if if_modified_since:
        try:
            since = email.utils.parsedate_to_datetime(if_modified_since)
        except (TypeError, ValueError):
            return False
        return int(mtime) <= since.timestamp()
    return False


def make_server(
    root: Path, bind: str = "127.0.0.1", port: int = 8000, quiet: bool = False
) -> http.server.ThreadingHTTPServer:
    """A threaded server of `root` (not yet serving: call serve_forever)."""
    handler = partial(PreviewHandler, root=root.resolve(), quiet=quiet)
    return (_Server6 if ":" in bind else http.server.ThreadingHTTPServer)((bind, port), handler)


class _Server6(http.server.ThreadingHTTPServer):
    """The same, on an IPv6 address (`--bind ::1`)."""

    address_family = socket.AF_INET6
