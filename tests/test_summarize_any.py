"""`feedsum summarize` on whatever a feed can read: Markdown, HTML, JSON Lines, a URL."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from feedsum.cli import cli
from feedsum.model import Length, SummarySettings
from feedsum.summarize import summarize
from feedsum.text import clean
from tests.upstream import Reply, Upstream

STORY = [
    "The harbour ferry will run every hour from May, the port said on Monday.",
    "The new timetable doubles the number of crossings.",
    "Officials said demand had grown for three years.",
    "Commuters welcomed the change, and one rider said it saves an hour a day.",
]
BODY = " ".join(STORY[:2]) + "\n\n" + " ".join(STORY[2:])


def expected(n: int = 2) -> list[str]:
    settings = SummarySettings(algorithm="lead", length=Length(value=n))
    return list(summarize(clean(BODY), settings).sentences)


def run(*args: str, stdin: bytes | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["summarize", "-a", "lead", "-n", "2", *args], input=stdin)
    return result.exit_code, result.output


def test_markdown_is_summarized_without_its_front_matter(tmp_path: Path) -> None:
    path = tmp_path / "ferry.md"
    path.write_text(f"---\ntitle: Ferry\nauthor: Desk\n---\n# Ferry\n\n{BODY}\n")
    code, out = run(str(path))
    assert code == 0 and out.splitlines() == expected()
    assert "title" not in out and "---" not in out


def test_html_is_summarized_from_its_article_not_its_tags(tmp_path: Path) -> None:
    paragraphs = "".join(f"<p>{p}</p>" for p in BODY.split("\n\n"))
    page = f"<html><body><nav>Home | News</nav><article>{paragraphs}</article></body></html>"
    (tmp_path / "ferry.html").write_text(page)
    code, out = run(str(tmp_path / "ferry.html"))
    assert code == 0 and out.splitlines() == expected()
    # The same page on standard input, said to be HTML.
    assert run("--kind", "html", "-", stdin=page.encode()) == (0, out)


def test_a_url_is_fetched_as_a_teasers_page_is(upstream: Upstream) -> None:
    paragraphs = "".join(f"<p>{p}</p>" for p in BODY.split("\n\n"))
    upstream.routes["/story"] = Reply(200, f"<article>{paragraphs}</article>".encode())
    code, out = run(upstream.url("/story"))
    assert code == 1 and "loopback address" in out and upstream.requests == []
    code, out = run("--allow-private", upstream.url("/story"))
    assert code == 0 and out.splitlines() == expected()


def test_json_lines_give_one_summary_a_line(tmp_path: Path) -> None:
    lines = [{"id": "a", "text": BODY}, {"id": "b", "text": BODY.replace("May", "June")}]
    path = tmp_path / "in.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    code, out = run("--format", "json", str(path))
    assert code == 0
    first, second = (json.loads(line) for line in out.splitlines())
    assert first["origin"].endswith("in.jsonl:1") and first["sentences"] == expected()
    assert second["origin"].endswith("in.jsonl:2") and "June" in second["sentences"][0]


def test_a_missing_file_is_a_usage_error_as_in_eval(tmp_path: Path) -> None:
    code, out = run(str(tmp_path / "nothere.txt"))
    assert code == 2 and "no such file" in out
    assert CliRunner().invoke(cli, ["eval", str(tmp_path / "nothere.jsonl")]).exit_code == 2


def test_quiet_and_verbose_together_are_a_usage_error() -> None:
    result = CliRunner().invoke(cli, ["build", "-q", "-v"])
    assert result.exit_code == 2 and "--quiet and --verbose" in result.output
