"""Stop words a user adds: a feed's `[summary] stop_words_file` and
`feedsum summarize --stop-words FILE`, on top of the language's own list."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner
from sumy.summarizers.lex_rank import LexRankSummarizer

from feedsum.cli import cli
from feedsum.config import load_feed
from feedsum.errors import ConfigError
from feedsum.model import Length, SummarySettings
from feedsum.pipeline import settings_key
from feedsum.summarize import _summarizer, stop_words, summarize
from feedsum.text import clean
from tests.language_samples import SAMPLES
from tests.test_languages import _feed, _run, sumy_summary

PARAGRAPHS = SAMPLES["sv"][0]
# The Swedish article's most frequent words: as stop words they change LexRank's picks.
EXTRA = ("förslaget", "år")


def _with_file(tmp_path: Path, words: str, name: str = "stop.txt") -> Path:
    path = _feed(
        tmp_path, "sv", {"a.txt": "\n\n".join(PARAGRAPHS) + "\n"},
        f'stop_words_file = "{name}"\n',
    )  # fmt: skip
    (path.parent / name).write_text(words, encoding="utf-8")
    return path


def test_the_file_adds_its_words_to_the_languages_list(tmp_path: Path) -> None:
    path = _with_file(tmp_path, "  Stockholm \n\nregion\n")
    settings = load_feed(path).summary
    assert settings.extra_stop_words == {"stockholm", "region"}
    summarizer = _summarizer("lexrank", "swedish", settings.extra_stop_words)
    assert frozenset(summarizer.stop_words) == stop_words("swedish") | {"stockholm", "region"}


def test_summaries_use_the_added_words(tmp_path: Path) -> None:
    def lexrank(extra: frozenset[str]) -> tuple[str, ...]:
        settings = SummarySettings(
            algorithm="sumy:lexrank", language="swedish", extra_stop_words=extra
        )
        return summarize(PARAGRAPHS, settings).sentences

    extra = frozenset(EXTRA)
    assert lexrank(extra) != lexrank(frozenset())
    # The same picks as sumy's own LexRank given the language's list and the added words.
    from sumy.nlp.stemmers import Stemmer
    from sumy.parsers.plaintext import PlaintextParser

    from tests.test_languages import OfflineSumyTokenizer

    parser = PlaintextParser.from_string("\n\n".join(PARAGRAPHS), OfflineSumyTokenizer("swedish"))
    theirs = LexRankSummarizer(Stemmer("swedish"))
    theirs.stop_words = stop_words("swedish") | extra
    assert lexrank(extra) == tuple(str(s) for s in theirs(parser.document, 3))
    assert lexrank(frozenset()) == sumy_summary(LexRankSummarizer, PARAGRAPHS, "swedish", 3)


def test_the_settings_key_follows_the_files_words(tmp_path: Path) -> None:
    path = _with_file(tmp_path, "stockholm\n")
    first = settings_key(load_feed(path))
    assert ";stop_words_file=" in first
    assert "stop_words_file" not in SummarySettings().key()
    (path.parent / "stop.txt").write_text("stockholm\nregion\n", encoding="utf-8")
    second = settings_key(load_feed(path))
    assert second != first
    # Order, case and blank lines change no summary, nor the key.
    (path.parent / "stop.txt").write_text("\nREGION\nstockholm\n", encoding="utf-8")
    assert settings_key(load_feed(path)) == second


def test_editing_the_file_summarizes_the_feed_again(tmp_path: Path) -> None:
    path = _with_file(tmp_path, "stockholm\n")
    assert _run(path).summarized == 1
    assert _run(path).summarized == 0
    (path.parent / "stop.txt").write_text("\n".join(EXTRA) + "\n", encoding="utf-8")
    assert _run(path).summarized == 1


def test_the_path_is_relative_to_the_feed_file(tmp_path: Path) -> None:
    feed = _feed(tmp_path, "sv", {}, 'stop_words_file = "lists/sv.txt"\n')
    (feed.parent / "lists").mkdir()
    (feed.parent / "lists" / "sv.txt").write_text("region\n", encoding="utf-8")
    assert load_feed(feed).summary.extra_stop_words == {"region"}


@pytest.mark.parametrize("content", [None, b"\xff\xfe\x00bad"])
def test_a_missing_or_unreadable_file_is_a_config_error(
    tmp_path: Path, content: bytes | None
) -> None:
    feed = _feed(tmp_path, "sv", {}, 'stop_words_file = "stop.txt"\n')
    if content is not None:
        (feed.parent / "stop.txt").write_bytes(content)
    with pytest.raises(ConfigError) as info:
        load_feed(feed)
    assert info.value.key == "summary.stop_words_file"
    assert "stop.txt" in str(info.value)


@pytest.mark.parametrize("kind", ["fifo", "device", "huge"])
def test_a_file_that_is_no_word_list_is_refused_at_once(tmp_path: Path, kind: str) -> None:
    # A FIFO would hang loading the feed file; /dev/zero, or a log named by
    # mistake, would be read whole.
    feed = _feed(tmp_path, "sv", {}, 'stop_words_file = "stop.txt"\n')
    stop = feed.parent / "stop.txt"
    if kind == "fifo":
        os.mkfifo(stop)
    elif kind == "device":
        stop.symlink_to("/dev/zero")
    else:
        stop.write_bytes(b"word\n" * 300_000)
    with pytest.raises(ConfigError) as info:
        load_feed(feed)
    assert info.value.key == "summary.stop_words_file"
    assert ("not a regular file" if kind != "huge" else "over 1,000,000 bytes") in str(info.value)


def test_summarize_takes_stop_words(tmp_path: Path) -> None:
    article = tmp_path / "a.txt"
    article.write_text("\n\n".join(PARAGRAPHS) + "\n", encoding="utf-8")
    words = tmp_path / "stop.txt"
    words.write_text("\n".join(EXTRA) + "\n", encoding="utf-8")
    settings = SummarySettings(
        algorithm="lexrank", language="swedish", length=Length(value=3),
        extra_stop_words=frozenset(EXTRA),
    )  # fmt: skip
    runner = CliRunner()
    args = ["summarize", "-a", "lexrank", "-l", "sv", "--format", "json"]
    result = runner.invoke(cli, [*args, "--stop-words", str(words), str(article)])
    assert result.exit_code == 0, result.output
    ours = json.loads(result.output)["sentences"]
    from feedsum.oneoff import kind_of, read_file

    found = read_file(article, kind_of(str(article), None))
    expected = summarize(clean(found[0].body), settings, found[0].title).sentences
    assert ours == list(expected)
    plain = json.loads(runner.invoke(cli, [*args, str(article)]).output)["sentences"]
    assert plain != ours
    missing = runner.invoke(cli, [*args, "--stop-words", str(tmp_path / "no.txt"), str(article)])
    assert missing.exit_code == 2 and "--stop-words" in missing.output
