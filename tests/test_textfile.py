"""The plain-text article format: decode, parse, read_article."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from feedsum.errors import SourceError
from feedsum.sources.textfile import decode, parse, read_article

SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"
PARIS = ZoneInfo("Europe/Paris")


def article(*headers: str, body: str = "First paragraph here.\n\nSecond paragraph.") -> str:
    """Header lines, one per line, then the body."""
    return "".join(f"{line}\n" for line in headers) + body + "\n"


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


# --- parse ------------------------------------------------------------------------------------


def test_seed_shape_body_on_the_date_line() -> None:
    parsed = parse(" date 2024-01-31 First paragraph, on the date line.\n\nSecond one.\n", "a")
    assert parsed.date == date(2024, 1, 31)
    assert parsed.body == "First paragraph, on the date line.\n\nSecond one."
    assert parsed.fields == {}


def test_header_fields_before_the_date_line() -> None:
    text = article(
        "title A title",
        "link https://example.org/a",
        "author Jane Roe",
        "id urn:x:1",
        "date 2024-01-31 First paragraph here.",
        body="Second paragraph.",
    )
    parsed = parse(text, "a.txt")
    assert parsed.fields == {
        "title": "A title",
        "link": "https://example.org/a",
        "author": "Jane Roe",
        "id": "urn:x:1",
    }
    assert parsed.date == date(2024, 1, 31)
    assert parsed.body == "First paragraph here.\nSecond paragraph."


def test_date_on_its_own_line_then_body_lines() -> None:
    parsed = parse(article("title T", "date 2024-02-29"), "a.txt")
    assert parsed.date == date(2024, 2, 29)
    assert parsed.fields == {"title": "T"}
    assert parsed.body == "First paragraph here.\n\nSecond paragraph."


def test_no_header_at_all() -> None:
    text = "Rain is expected all weekend.\n\nRivers may rise.\n"
    parsed = parse(text, "a.txt")
    assert parsed.date is None
    assert parsed.fields == {}
    assert parsed.body == "Rain is expected all weekend.\n\nRivers may rise."


def test_leading_whitespace_before_fields() -> None:
    parsed = parse(article("  title Spaced", "\tauthor Tabbed", "   date 2024-01-31"), "a.txt")
    assert parsed.fields == {"title": "Spaced", "author": "Tabbed"}
    assert parsed.date == date(2024, 1, 31)
    assert parsed.body.startswith("First paragraph")


def test_field_values_are_stripped() -> None:
    parsed = parse(article("title   Padded title   "), "a.txt")
    assert parsed.fields["title"] == "Padded title"


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        pytest.param(article("title T", "date 2024-13-40"), 2, "'2024-13-40'", id="no-such-date"),
        pytest.param(article("date yesterday"), 1, "'yesterday'", id="not-a-date"),
        pytest.param(article("title A", "author B", "title C"), 3, "'title'", id="dup-title"),
        pytest.param(article("date 2024-01-01", "date 2024-01-02"), 2, "'date'", id="dup-date"),
    ],
)
def test_parse_errors_name_the_line(text: str, line: int, fragment: str) -> None:
    with pytest.raises(SourceError) as info:
        parse(text, "dir/a.txt")
    assert info.value.line == line
    assert info.value.origin == "dir/a.txt"
    assert str(info.value).startswith(f"dir/a.txt:{line}: ")
    assert fragment in str(info.value)


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("title Only a title\nauthor Someone\n", id="trailing-newline"),
        pytest.param("title Only a title\ndate 2024-01-31", id="no-trailing-newline"),
    ],
)
def test_headers_without_body_is_an_error_naming_a_line(text: str) -> None:
    with pytest.raises(SourceError, match="no body text") as info:
        parse(text, "a.txt")
    # parse() promises "errors name the line"; this one must too.
    assert info.value.line is not None


@pytest.mark.parametrize("text", ["", "\n\n", "   \n"])
def test_empty_text_has_no_body(text: str) -> None:
    with pytest.raises(SourceError, match="no body text"):
        parse(text, "a.txt")


# --- decode -----------------------------------------------------------------------------------


def test_decode_strips_utf8_bom() -> None:
    text = decode("\ufeffdate 2024-01-31 Café.".encode(), "a.txt")
    assert text == "date 2024-01-31 Café."


def test_decode_without_bom_keeps_text() -> None:
    assert decode("Naïve — ok.".encode(), "a.txt") == "Naïve — ok."


def test_decode_normalises_crlf_and_cr() -> None:
    assert decode(b"one\r\ntwo\rthree\n\r\nfour", "a.txt") == "one\ntwo\nthree\n\nfour"


def test_decode_invalid_utf8() -> None:
    with pytest.raises(SourceError) as info:
        decode(b"caf\xe9 latin-1", "dir/latin1.txt")
    message = str(info.value)
    assert message.startswith("dir/latin1.txt: ")
    assert "UTF-8" in message
    assert "offset 3" in message
    assert info.value.line is None


def test_decode_nul_bytes_is_not_text() -> None:
    with pytest.raises(SourceError) as info:
        decode(b"PK\x03\x04\x00\x00binary", "dir/file.txt")
    assert str(info.value).startswith("dir/file.txt: ")
    assert "not a text file" in str(info.value)


# --- read_article -----------------------------------------------------------------------------


def test_read_article_id_from_id_header(tmp_path: Path) -> None:
    path = write(tmp_path, "a.txt", article("id urn:my:1", "link https://example.org/a"))
    got = read_article(path, key="articles/a.txt", id_prefix="tag:x,2024:", timezone=UTC)
    assert got.id == "urn:my:1"
    assert got.link == "https://example.org/a"


def test_read_article_id_from_link_header(tmp_path: Path) -> None:
    path = write(tmp_path, "a.txt", article("link https://example.org/a", "author Ann"))
    got = read_article(path, key="articles/a.txt", id_prefix="tag:x,2024:", timezone=UTC)
    assert got.id == "https://example.org/a"
    assert got.author == "Ann"


def test_read_article_id_from_prefix_and_key(tmp_path: Path) -> None:
    path = write(tmp_path, "a.txt", article("title Hello"))
    got = read_article(path, key="articles/a.txt", id_prefix="tag:x,2024:", timezone=UTC)
    assert got.id == "tag:x,2024:articles/a.txt"
    assert got.title == "Hello"
    assert got.link is None
    assert got.author is None
    assert got.origin == str(path)
    assert got.body == "First paragraph here.\n\nSecond paragraph."


def test_read_article_date_is_local_midnight_in_utc(tmp_path: Path) -> None:
    path = write(tmp_path, "a.txt", " date 2024-01-31 First paragraph.\n")
    got = read_article(path, key="a.txt", id_prefix="p:", timezone=PARIS)
    assert got.published == datetime(2024, 1, 30, 23, 0, tzinfo=UTC)
    assert got.published is not None
    assert got.published.utcoffset() == timedelta(0)
    assert got.published.tzinfo is not None


def test_read_article_date_in_summer_time(tmp_path: Path) -> None:
    path = write(tmp_path, "a.txt", "date 2024-07-14\nBody.\n")
    got = read_article(path, key="a.txt", id_prefix="p:", timezone=PARIS)
    assert got.published == datetime(2024, 7, 13, 22, 0, tzinfo=UTC)
    utc = read_article(path, key="a.txt", id_prefix="p:", timezone=UTC)
    assert utc.published == datetime(2024, 7, 14, 0, 0, tzinfo=UTC)


def test_read_article_without_date(tmp_path: Path) -> None:
    path = write(tmp_path, "a.txt", "Just a body.\n")
    assert read_article(path, key="a.txt", id_prefix="p:", timezone=PARIS).published is None


def test_read_article_crlf_and_bom_file(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_bytes(b"\xef\xbb\xbftitle T\r\ndate 2024-01-31\r\nBody one.\r\n\r\nBody two.\r\n")
    got = read_article(path, key="a.txt", id_prefix="p:", timezone=UTC)
    assert got.title == "T"
    assert got.published == datetime(2024, 1, 31, tzinfo=UTC)
    assert got.body == "Body one.\n\nBody two."


@pytest.mark.parametrize("kind", ["directory", "missing"])
def test_read_article_unreadable_path(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "a.txt"
    if kind == "directory":
        path.mkdir()
    with pytest.raises(SourceError) as info:
        read_article(path, key="a.txt", id_prefix="p:", timezone=UTC)
    assert info.value.origin == str(path)
    assert str(info.value).startswith(f"{path}: cannot read it")


def test_read_article_binary_file_names_the_path(tmp_path: Path) -> None:
    path = tmp_path / "image.txt"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    with pytest.raises(SourceError, match="not a text file") as info:
        read_article(path, key="image.txt", id_prefix="p:", timezone=UTC)
    assert info.value.origin == str(path)


# --- the real seed ----------------------------------------------------------------------------


def test_real_seed_file() -> None:
    seed = SEEDS / "000_e1a1f62939dbe07c.txt"
    if not seed.is_file():
        pytest.skip(f"the seed file {seed} is absent (no shared/seeds folder)")
    parsed = parse(decode(seed.read_bytes(), str(seed)), str(seed))
    assert parsed.date == date(2024, 1, 31)
    assert parsed.body.startswith("Severance season 2")
    assert parsed.fields == {}
    assert parsed.body.endswith("RELATED CONTENT:")
