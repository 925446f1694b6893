"""`feedsum serve` on 127.0.0.1: content types, ETag and 304, gzip, nothing outside."""

from __future__ import annotations

import gzip
import http.client
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import feedparser
import pytest
from click.testing import CliRunner

from feedsum.cli import cli
from feedsum.serve import make_server
from tests.test_jsonfeed import ROOT


@pytest.fixture(scope="module")
def public(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = tmp_path_factory.mktemp("serve")
    shutil.copytree(ROOT / "feeds", project / "feeds")
    result = CliRunner().invoke(cli, ["build", "--feeds", str(project / "feeds"), "example"])
    assert result.exit_code == 0, result.output
    (project / "secret.txt").write_text("outside the folder")
    return project / "public"


@pytest.fixture
def port(public: Path) -> Iterator[int]:
    server = make_server(public, "127.0.0.1", 0, quiet=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


def get(port: int, path: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


@pytest.mark.parametrize(
    "path, content_type",
    [
        ("/example.atom", "application/atom+xml; charset=utf-8"),
        ("/example.rss", "application/rss+xml; charset=utf-8"),
        ("/example.json", "application/feed+json; charset=utf-8"),
        ("/feeds.opml", "text/x-opml; charset=utf-8"),
        ("/example.html", "text/html; charset=utf-8"),
        ("/", "text/html; charset=utf-8"),
    ],
)
def test_each_format_has_its_content_type(
    public: Path, port: int, path: str, content_type: str
) -> None:
    status, headers, body = get(port, path)
    assert (status, headers["Content-Type"]) == (200, content_type)
    expected = public / (path.lstrip("/") or "index.html")
    assert body == expected.read_bytes()
    assert headers["Content-Length"] == str(len(body))


def test_200_then_304_to_if_none_match_and_if_modified_since(public: Path, port: int) -> None:
    status, headers, body = get(port, "/example.atom")
    assert status == 200 and headers["ETag"].startswith('"') and headers["Last-Modified"]
    status, again, body = get(port, "/example.atom", **{"If-None-Match": headers["ETag"]})
    assert (status, body) == (304, b"") and again["ETag"] == headers["ETag"]
    since = {"If-Modified-Since": headers["Last-Modified"]}
    assert get(port, "/example.atom", **since)[0] == 304
    # Another validator, or a file replaced (a new build): the whole file again.
    assert get(port, "/example.atom", **{"If-None-Match": '"other"'})[0] == 200
    atom = public / "example.atom"
    data = atom.read_bytes()
    atom.with_suffix(".new").write_bytes(data)
    atom.with_suffix(".new").replace(atom)
    status, renewed, _ = get(port, "/example.atom", **{"If-None-Match": headers["ETag"]})
    assert status == 200 and renewed["ETag"] != headers["ETag"]


def test_gzip_when_asked_for(port: int) -> None:
    status, plain, body = get(port, "/example.json")
    status, headers, packed = get(port, "/example.json", **{"Accept-Encoding": "gzip, br"})
    assert status == 200 and headers["Content-Encoding"] == "gzip"
    assert headers["Vary"] == "Accept-Encoding" and gzip.decompress(packed) == body
    assert len(packed) < len(body) / 2
    assert "Content-Encoding" not in plain
    # Its own validator: a cache never serves gzip bytes to a client that did not ask.
    assert headers["ETag"] != plain["ETag"]
    gz = {"Accept-Encoding": "gzip", "If-None-Match": headers["ETag"]}
    assert get(port, "/example.json", **gz)[0] == 304
    assert (
        get(port, "/example.json", **{"Accept-Encoding": "gzip;q=0"})[1].get("Content-Encoding")
        is None
    )


@pytest.mark.parametrize(
    "path", ["/../secret.txt", "/%2e%2e/secret.txt", "/missing.atom", "/example/", "/.hidden"]
)
def test_nothing_outside_the_folder_and_no_listings(port: int, path: str) -> None:
    status, _, body = get(port, path)
    assert status == 404 and b"outside" not in body


def test_the_command_serves_on_loopback(public: Path) -> None:
    command = [sys.executable, "-m", "feedsum", "serve", "--port", "0", "--dir", str(public)]
    with subprocess.Popen(command, stderr=subprocess.PIPE, text=True) as server:
        try:
            assert server.stderr is not None
            line = server.stderr.readline()
            found = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
            assert found, line
            status, _, body = get(int(found[1]), "/example.atom")
            assert status == 200 and not feedparser.parse(body).bozo
        finally:
            server.terminate()
    assert server.returncode in (0, -15)
