"""`make check-browser`: the site as a real browser renders it.

Builds the example and digest feeds into build/site/ (a copy of feeds/, its own
state), then, with headless Chromium:

- renders index.html, each feed page and an article page of each feed, and
  asserts from the rendered DOM (--dump-dom) that every entry's title and
  summary are shown (as the Atom feed has them) and that every relative link
  and stylesheet resolves to a file that exists;
- takes a screenshot of each at a phone and a desktop width under
  build/screenshots/, and fails if one is blank (a single colour);
- parses every page with html5lib in strict mode (HTML5 parse errors fail).

Chromium gets file:// pages only, and a dead proxy on 127.0.0.1 so that
nothing it might fetch on its own leaves this machine.
"""

from __future__ import annotations

import shutil
import struct
import subprocess
import sys
import tempfile
import zlib
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import feedparser
import html5lib
import lxml.html

ROOT = Path(__file__).resolve().parents[1]
BUILD = ROOT / "build"
SITE = BUILD / "site"
SHOTS = BUILD / "screenshots"
#: CSS pixels: a common phone, and a laptop.
WIDTHS = {"phone": (390, 844), "desktop": (1280, 900)}
BROWSERS = ("chromium", "chromium-browser", "google-chrome")
FLAGS = [
    "--headless",
    "--no-sandbox",  # CI runs as root, where Chromium's sandbox refuses to start
    "--disable-gpu",
    "--hide-scrollbars",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-domain-reliability",
    "--disable-sync",
    "--disable-extensions",
    "--metrics-recording-only",
    "--proxy-server=http://127.0.0.1:9",  # anything not file:// dies here, locally
]


class CheckFailed(Exception):
    pass


def browser() -> str:
    for name in BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    raise CheckFailed("no chromium on PATH; run `apt-get install chromium` (make check-browser "
                      "does, as root)")  # fmt: skip


def build_site() -> None:
    if SITE.exists():
        shutil.rmtree(SITE)
    shutil.copytree(ROOT / "feeds", SITE / "feeds")
    done = subprocess.run(
        [sys.executable, "-m", "feedsum", "build", "-q", "--feeds", str(SITE / "feeds")],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise CheckFailed(f"feedsum build failed ({done.returncode}): {done.stderr}")


def run_browser(chromium: str, profile: Path, *args: str) -> bytes:
    done = subprocess.run(
        [chromium, *FLAGS, f"--user-data-dir={profile}", *args],
        capture_output=True,
        timeout=120,
        check=False,
    )
    if done.returncode != 0:
        raise CheckFailed(
            f"chromium {args}: exit {done.returncode}: {done.stderr.decode()[-2000:]}"
        )
    return done.stdout


def rendered_dom(chromium: str, profile: Path, page: Path) -> lxml.html.HtmlElement:
    dom = run_browser(chromium, profile, "--dump-dom", page.as_uri())
    if not dom.strip():
        raise CheckFailed(f"{page}: chromium rendered no DOM")
    root: lxml.html.HtmlElement = lxml.html.document_fromstring(dom)
    return root


def text_of(element: lxml.html.HtmlElement) -> str:
    return " ".join(element.text_content().split())


def check_links(page: Path, root: lxml.html.HtmlElement) -> int:
    """Every relative href resolves to a file under the site; the count checked."""
    checked = 0
    for element in root.iter("a", "link"):
        href = element.get("href")
        if not href:
            continue
        scheme = urlsplit(href).scheme
        if scheme:
            if scheme not in ("http", "https"):
                raise CheckFailed(f"{page}: link {href!r} is not http(s)")
            continue
        target = Path(unquote(urlsplit(urljoin(page.as_uri(), href)).path))
        if not target.is_file():
            raise CheckFailed(f"{page}: link {href!r} leads to {target}, which does not exist")
        checked += 1
    return checked


def check_feed_page(name: str, root: lxml.html.HtmlElement) -> int:
    """Every entry's title and summary, as the Atom feed has them, in the page."""
    atom = feedparser.parse((SITE / f"public/{name}.atom").read_bytes())
    items = root.xpath("//ol[@class='entries']/li")
    if len(items) != len(atom.entries) or not atom.entries:
        raise CheckFailed(
            f"{name}.html shows {len(items)} entries; the feed has {len(atom.entries)}"
        )
    for item, entry in zip(items, atom.entries, strict=True):
        shown = text_of(item)
        for field in ("title", "summary"):
            if " ".join(entry[field].split()) not in shown:
                raise CheckFailed(f"{name}.html does not show the {field} of {entry.id}")
    return len(items)


def check_article_page(page: Path, root: lxml.html.HtmlElement, entry: dict[str, str]) -> None:
    article = root.find(".//article")
    if article is None:
        raise CheckFailed(f"{page}: no <article>")
    shown = text_of(article)
    for field in ("title", "summary"):
        if " ".join(entry[field].split()) not in shown:
            raise CheckFailed(f"{page}: does not show the entry's {field}")


def png_pixels(data: bytes) -> tuple[int, int, list[bytes]]:
    """Width, height and rows of raw pixels of an 8-bit RGB(A) PNG (what Chromium writes)."""
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise CheckFailed("the screenshot is not a PNG")
    at, idat, header = 8, b"", b""
    while at < len(data):
        (length,) = struct.unpack(">I", data[at : at + 4])
        kind, body = data[at + 4 : at + 8], data[at + 8 : at + 8 + length]
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            idat += body
        at += 12 + length
    width, height, depth, colour = struct.unpack(">IIBB", header[:10])
    if depth != 8 or colour not in (2, 6):
        raise CheckFailed(f"unexpected PNG format (depth {depth}, colour type {colour})")
    bpp = 4 if colour == 6 else 3
    raw = zlib.decompress(idat)
    stride = width * bpp
    rows: list[bytes] = []
    previous = bytearray(stride)
    for y in range(height):
        kind = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        for x in range(stride):
            left = line[x - bpp] if x >= bpp else 0
            up = previous[x]
            corner = previous[x - bpp] if x >= bpp else 0
            if kind == 1:
                line[x] = (line[x] + left) & 0xFF
            elif kind == 2:
                line[x] = (line[x] + up) & 0xFF
            elif kind == 3:
                line[x] = (line[x] + (left + up) // 2) & 0xFF
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                predictor = left if pa <= pb and pa <= pc else (up if pb <= pc else corner)
                line[x] = (line[x] + predictor) & 0xFF
        rows.append(bytes(line))
        previous = line
    return width, height, rows


def check_not_blank(shot: Path) -> float:
    """The share of pixels unlike the background (the top-left pixel); fails when
    the page rendered as one colour."""
    width, _height, rows = png_pixels(shot.read_bytes())
    bpp = len(rows[0]) // width
    background = rows[0][:bpp]
    inked = sum(
        1 for row in rows for x in range(0, len(row), bpp) if row[x : x + bpp] != background
    )
    share = inked / (width * len(rows))
    if share < 0.002:
        raise CheckFailed(f"{shot}: the page rendered blank ({share:.4%} of pixels drawn)")
    return share


def html5_errors(page: Path) -> list[str]:
    parser = html5lib.HTMLParser(strict=False)
    parser.parse(page.read_bytes())
    return [f"{page}:{line}:{col}: {error}" for (line, col), error, _ in parser.errors]


def main() -> int:
    chromium = browser()
    build_site()
    public = SITE / "public"
    SHOTS.mkdir(parents=True, exist_ok=True)
    errors = [e for page in sorted(public.rglob("*.html")) for e in html5_errors(page)]
    if errors:
        raise CheckFailed("not valid HTML5:\n" + "\n".join(errors))
    pages: list[Path] = [public / "index.html"]
    for name in ("example", "digest"):
        pages.append(public / f"{name}.html")
        pages.append(sorted((public / name).glob("*.html"))[0])
    entries = {
        e.title: e
        for name in ("example", "digest")
        for e in feedparser.parse((public / f"{name}.atom").read_bytes()).entries
    }
    with tempfile.TemporaryDirectory(prefix="feedsum-chromium-") as profile:
        for page in pages:
            root = rendered_dom(chromium, Path(profile), page)
            links = check_links(page, root)
            relative = page.relative_to(public).as_posix()
            if page.parent == public and page.name != "index.html":
                shown = check_feed_page(page.stem, root)
                what = f"{shown} entries"
            elif page.name == "index.html":
                titles = [text_of(h2) for h2 in root.xpath("//li/h2")]
                if titles != ["Valley digest", "feedsum example news"]:
                    raise CheckFailed(f"index.html lists {titles}")
                what = f"{len(titles)} feeds"
            else:
                title = text_of(root.find(".//article/h1"))
                if title not in entries:
                    raise CheckFailed(f"{page}: its title {title!r} is no entry's title")
                check_article_page(page, root, entries[title])
                what = "title, summary, article"
            for label, (width, height) in WIDTHS.items():
                shot = SHOTS / f"{relative.replace('/', '--')[:-5]}-{label}.png"
                shot.unlink(missing_ok=True)
                run_browser(
                    chromium,
                    Path(profile),
                    f"--screenshot={shot}",
                    f"--window-size={width},{height}",
                    page.as_uri(),
                )
                share = check_not_blank(shot)
                print(f"  {shot.relative_to(ROOT)}: {share:.1%} of pixels drawn")
            print(f"ok {relative}: {what}, {links} relative links resolve")
    print(f"all pages valid HTML5 ({len(list(public.rglob('*.html')))} pages); "
          f"screenshots in {SHOTS.relative_to(ROOT)}/")  # fmt: skip
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except CheckFailed as failure:
        print(f"check-browser failed: {failure}", file=sys.stderr)
        sys.exit(1)
