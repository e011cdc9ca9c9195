"""Tests for kg.io: reading articles from text, Markdown, HTML, JSONL, folders and stdin."""

from __future__ import annotations

import io
import json
import sys
import tempfile
import types
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kg.io import read_documents
from kg.records import Document, Skipped

PNG_BYTES = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"


def decoded(data: bytes) -> str:
    """The source text the reader's offsets point into."""
    for encoding in ("utf-8-sig", "cp1252", "latin-1"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise AssertionError("unreachable")


def assert_segments(doc: Document, source_text: str) -> None:
    """Every segment copies text from the source exactly, in order, without overlaps."""
    last_end = 0
    for text_start, source_start, length in doc.segments:
        assert length > 0
        assert text_start >= last_end
        copied = source_text[source_start : source_start + length]
        assert doc.text[text_start : text_start + length] == copied, (doc.id, text_start)
        last_end = text_start + length


def read(*paths: str | Path, stdin: bytes | None = None, **options: int) -> list:
    """read_documents as a list, checking the offset invariant on every document."""
    records = list(read_documents([str(p) for p in paths], **options))
    for record in records:
        if isinstance(record, Document):
            data = stdin if record.source == "-" else Path(record.source).read_bytes()
            assert data is not None
            assert_segments(record, decoded(data))
    return records


def write(path: Path, content: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def only_doc(records: list) -> Document:
    assert len(records) == 1, records
    assert isinstance(records[0], Document), records[0]
    return records[0]


def only_skip(records: list) -> Skipped:
    assert len(records) == 1, records
    assert isinstance(records[0], Skipped), records[0]
    return records[0]


# -- plain text ----------------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".txt", ".text", ".TXT"])
def test_text_keeps_paragraphs_apart(tmp_path: Path, suffix: str) -> None:
    path = write(
        tmp_path / f"story{suffix}",
        "The harbour of Velmont reopened on Monday\nafter a week of storms.\n\n\n"
        "  Fishing boats left at dawn,   the mayor said.  \n",
    )
    doc = only_doc(read(path))
    assert doc.format == "text"
    assert doc.id == f"story{suffix}"
    assert doc.source == str(path)
    assert doc.text == (
        "The harbour of Velmont reopened on Monday after a week of storms.\n\n"
        "Fishing boats left at dawn, the mayor said."
    )
    assert doc.title is None and doc.date is None and doc.keywords == ()
    second = doc.text.index("Fishing")
    assert doc.source_offset(second) == path.read_text().index("Fishing")


def test_text_with_windows_line_endings(tmp_path: Path) -> None:
    path = write(tmp_path / "crlf.txt", b"First line\r\nstill first.\r\n\r\nSecond one.\r\n")
    doc = only_doc(read(path))
    assert doc.text == "First line still first.\n\nSecond one."


# -- boilerplate ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "Listen to the news",
        "Listen to this article",
        "Listen to this story (5 min)",
        "Share this article",
        "Share on Facebook",
        "SHARE ON TWITTER, LINKEDIN",
        "Click here to subscribe",
        "Advertisement",
        "Sign up for our newsletter",
        "Sign up for our free morning briefing newsletter today.",
        "Read more: Storm damage closes coastal road",
        "Related: How the harbour was rebuilt",
        "https://example.org/other-story",
    ],
)
def test_boilerplate_lines_are_dropped(tmp_path: Path, line: str) -> None:
    path = write(
        tmp_path / "boiler.txt",
        f"{line}\n\nThe council approved the budget.\n{line}\nIt passed by seven votes.\n",
    )
    doc = only_doc(read(path))
    assert doc.text == "The council approved the budget. It passed by seven votes."


def test_all_caps_teaser_paragraph_is_dropped(tmp_path: Path) -> None:
    path = write(
        tmp_path / "teaser.txt",
        "Talks resumed in the capital.\n\nMINISTER SAYS NEW TALKS WILL START IN SPRING\n\n"
        "NATO\n\nBoth sides sent envoys.\n",
    )
    doc = only_doc(read(path))
    assert doc.text == "Talks resumed in the capital.\n\nNATO\n\nBoth sides sent envoys."


@pytest.mark.parametrize(
    "prose",
    [
        "Listen to the news from the valley, the farmers said, and you will hear worry.",
        "Shares on Facebook rose after the report.",
        "Related reports were filed by three agencies.",
    ],
)
def test_prose_that_resembles_boilerplate_is_kept(tmp_path: Path, prose: str) -> None:
    doc = only_doc(read(write(tmp_path / "prose.txt", prose + "\n")))
    assert doc.text == prose


# -- Markdown and front matter -------------------------------------------------------------------

MARKDOWN_ARTICLE = """\
---
title: "Bridge over the Orla opens"
date: 2024-05-06 09:30:00
link: https://news.example.org/orla-bridge
source: https://news.example.org/feed.xml
publisher: Example Daily
tags: bridges, Orla, transport
categories:
  - transport
  - Local
---
# Bridge over the *Orla* opens

<!-- editor: check the figures -->
The new bridge cost **4 million** euros, according to the
[regional office](https://example.org/office "Office") and _local_ sources.

![A photo of the bridge](bridge.jpg)

**[COUNCIL VOTES ON NEW FERRY ROUTE](https://news.example.org/ferry)**

- First item about traffic
- Second item with `code` and snake_case_name

> Engineers called it "a quiet success".

```python
print("not prose")
```

[office]: https://example.org/office
Listen to this article
"""


def test_markdown_with_front_matter(tmp_path: Path) -> None:
    path = write(tmp_path / "orla.md", MARKDOWN_ARTICLE)
    doc = only_doc(read(path))
    assert doc.format == "markdown"
    assert doc.title == "Bridge over the Orla opens"
    assert doc.date == "2024-05-06T09:30:00"
    assert doc.url == "https://news.example.org/orla-bridge"
    assert doc.feed == "https://news.example.org/feed.xml"
    assert doc.publisher == "Example Daily"
    assert doc.keywords == ("bridges", "Orla", "transport", "Local")
    assert doc.text.split("\n\n") == [
        "Bridge over the Orla opens",
        "The new bridge cost 4 million euros, according to the regional office and local sources.",
        "First item about traffic",
        "Second item with code and snake_case_name",
        'Engineers called it "a quiet success".',
    ]
    source = path.read_text()
    assert doc.source_offset(doc.text.index("regional")) == source.index("regional office]")


def test_markdown_without_front_matter(tmp_path: Path) -> None:
    path = write(tmp_path / "plain.markdown", "## Weather\n\nRain *all* day.\nWind at night.\n")
    doc = only_doc(read(path))
    assert (doc.format, doc.title) == ("markdown", None)
    assert doc.text == "Weather\n\nRain all day. Wind at night."


HTML_BODY_ARTICLE = """\
---
title: Ferry service resumes
date: "Tue, 07 May 2024 08:15:00 +0200"
url: https://example.org/ferry
site_name: Harbour Times
tags: [ferries, harbour, Ferries]
---
<p>The ferry to <b>Lisse</b> island runs again&nbsp;after the repairs.</p>\
<p><a href="https://example.org/other"><strong><u>MAYOR PLANS NEW MARINA</u></strong></a></p>\
<p>Share this article</p>
<p>Tickets cost the same as last year&rsquo;s, the operator said.</p>
"""


def test_front_matter_with_html_body(tmp_path: Path) -> None:
    path = write(tmp_path / "ferry.txt", HTML_BODY_ARTICLE)
    doc = only_doc(read(path))
    assert doc.format == "markdown"
    assert doc.title == "Ferry service resumes"
    assert doc.date == "2024-05-07T08:15:00+02:00"
    assert doc.url == "https://example.org/ferry"
    assert doc.publisher == "Harbour Times"
    assert doc.keywords == ("ferries", "harbour")
    assert doc.text == (
        "The ferry to Lisse island runs again after the repairs.\n\n"
        "Tickets cost the same as last year’s, the operator said."
    )
    source = path.read_text()
    tickets = doc.text.index("Tickets")
    assert doc.source_offset(tickets) == source.index("Tickets")
    assert doc.source_offset(doc.text.index("Lisse")) == source.index("Lisse")


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("page.md", "<div><p>Body in <em>HTML</em>.</p><nav>Menu</nav></div>"),
        ("page.html", "---\ntitle: Fronted\n---\n<p>Body in <em>HTML</em>.</p><nav>Menu</nav>"),
    ],
)
def test_markdown_files_with_html_bodies(tmp_path: Path, name: str, content: str) -> None:
    doc = only_doc(read(write(tmp_path / name, content)))
    assert (doc.format, doc.text) == ("markdown", "Body in HTML.")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2025-12-31", "2025-12-31"),
        ("2025-12-31 10:00:00", "2025-12-31T10:00:00"),
        ('"2025-12-31 10:00:00"', "2025-12-31T10:00:00"),
        ('"2025-12-31T10:00:00Z"', "2025-12-31T10:00:00+00:00"),
        ('"Wed, 31 Dec 2025 10:00:00 +0000"', "2025-12-31T10:00:00+00:00"),
        ('"December 31, 2025"', "2025-12-31"),
        ('"31 December 2025"', "2025-12-31"),
        ('"2025/12/31"', "2025-12-31"),
        ('"sometime next week"', None),
        ("2025-02-30", None),
        ("", None),
    ],
)
def test_front_matter_dates_are_normalised(tmp_path: Path, value: str, expected: str) -> None:
    path = write(tmp_path / "dated.md", f"---\ndate: {value}\n---\nA short note.\n")
    doc = only_doc(read(path))
    assert doc.date == expected
    assert doc.text == "A short note."


def test_broken_yaml_is_skipped_and_the_folder_goes_on(tmp_path: Path) -> None:
    write(tmp_path / "a_bad.md", "---\ntitle: ok\ntags: [one, two\ndate: 2024-01-01\n---\nBody.\n")
    write(tmp_path / "b_good.txt", "Still read.\n")
    bad, good = read(tmp_path)
    assert isinstance(bad, Skipped)
    assert bad.reason == "bad-front-matter"
    assert bad.source == str(tmp_path / "a_bad.md")
    assert bad.line is not None and 3 <= bad.line <= 5
    assert bad.message.startswith(f"{tmp_path / 'a_bad.md'}: invalid YAML front matter at line ")
    assert "fix the YAML between the '---' lines" in bad.message
    assert "\n" not in bad.message
    assert isinstance(good, Document) and good.text == "Still read."


def test_front_matter_that_is_a_list_is_skipped(tmp_path: Path) -> None:
    path = write(tmp_path / "list.md", "---\n- one\n- two\n---\nBody text.\n")
    skip = only_skip(read(path))
    assert skip.reason == "bad-front-matter"
    assert skip.line == 2
    assert "is a YAML list, not a mapping" in skip.message
    assert "'key: value'" in skip.message


def test_unclosed_front_matter_is_skipped(tmp_path: Path) -> None:
    path = write(tmp_path / "open.md", "---\ntitle: Never closed\n\nBody text.\n")
    skip = only_skip(read(path))
    assert (skip.reason, skip.line) == ("bad-front-matter", 1)
    assert "never closed" in skip.message


# -- HTML ----------------------------------------------------------------------------------------

HTML_PAGE = """\
<!DOCTYPE html>
<html><head>
<title>Storm closes port | Coast News</title>
<meta property="og:title" content="Storm closes port">
<meta property="article:published_time" content="2024-02-03T07:00:00Z">
<meta property="og:site_name" content="Coast News">
<meta name="keywords" content="storm, port">
<meta property="article:tag" content="Weather">
<link rel="canonical" href="https://coast.example/storm">
<style>p { color: red }</style>
</head><body>
<header><h1>Coast News</h1></header>
<nav><a href="/">Home</a> <a href="/world">World</a></nav>
<div class="share-buttons"><span>Share</span> <span>Tweet</span></div>
<div id="cookieBanner">We use cookies to improve the site.</div>
<article>
  <h2>Storm closes the port</h2>
  <p>Winds of <b>120 km/h</b> closed the port of
     Arnhale on <i>Saturday</i>, officials said.</p>
  <p>Ships waited<br>offshore &amp; crews stayed aboard.</p>
  <script>var tracking = "Winds of fake text";</script>
  <p><a href="/other">RIVER LEVELS RISE IN THE NORTH</a></p>
  <ul><li><a href="/a">Older story</a></li></ul>
  <p>Advertisement</p>
  <table><tr><td>Gusts</td><td>120</td></tr></table>
  <p>Repairs will take<span>two</span> days.</p>
</article>
<aside>Most read today</aside>
<footer>Copyright Coast News</footer>
</body></html>
"""


def test_html_cleaning_and_metadata(tmp_path: Path) -> None:
    path = write(tmp_path / "storm.html", HTML_PAGE)
    doc = only_doc(read(path))
    assert doc.format == "html"
    assert doc.title == "Storm closes port"
    assert doc.date == "2024-02-03T07:00:00+00:00"
    assert doc.url == "https://coast.example/storm"
    assert doc.publisher == "Coast News"
    assert doc.keywords == ("storm", "port", "Weather")
    assert doc.text.split("\n\n") == [
        "Storm closes the port",
        "Winds of 120 km/h closed the port of Arnhale on Saturday, officials said.",
        "Ships waited",
        "offshore & crews stayed aboard.",
        "Gusts 120",
        "Repairs will taketwo days.",
    ]
    source = path.read_text()
    winds = doc.text.index("Winds")
    assert doc.source_offset(winds) == source.index("Winds of <b>")
    assert doc.source_offset(doc.text.index("crews")) == source.index("crews")


@pytest.mark.parametrize(
    ("markup", "expected"),
    [
        ("<p>a <b>b</b> c</p>", "a b c"),
        ("<p>a<b>b</b>c</p>", "abc"),
        ("<p> spaced <em> out </em> words </p>", "spaced out words"),
        ("<div>one</div><div>two</div>", "one\n\ntwo"),
        ("<p>caf&eacute; &#8220;quoted&#x201D;</p>", "café “quoted”"),
        (
            "<p>kept</p><noscript>no</noscript><template>t</template><svg><text>s</text></svg>",
            "kept",
        ),
        ("<p>kept</p><form><input value=x><button>Go</button></form>", "kept"),
        ('<p>kept</p><div role="navigation">menu</div><p hidden>secret</p>', "kept"),
        ('<p>kept</p><div class="newsletter-signup">Join us</div>', "kept"),
        ('<p>kept</p><div class="audio-player">0:00 / 3:12</div>', "kept"),
        ("<p>See <a href='/x'>the report</a> for details.</p>", "See the report for details."),
    ],
)
def test_html_fragments(tmp_path: Path, markup: str, expected: str) -> None:
    path = write(tmp_path / "frag.htm", f"<html><body>{markup}</body></html>")
    assert only_doc(read(path)).text == expected


def test_html_meta_fallbacks(tmp_path: Path) -> None:
    page = (
        "<html><head><title>Plain title</title>"
        '<meta name="date" content="March 4, 2024">'
        '<meta property="og:url" content="https://example.org/x"></head>'
        "<body><p>Body text here.</p></body></html>"
    )
    doc = only_doc(read(write(tmp_path / "meta.html", page)))
    assert (doc.title, doc.date, doc.url) == ("Plain title", "2024-03-04", "https://example.org/x")


def test_html_time_element_gives_the_date(tmp_path: Path) -> None:
    page = '<p>Filed <time datetime="2023-11-30">yesterday</time>.</p>'
    doc = only_doc(read(write(tmp_path / "time.html", page)))
    assert (doc.date, doc.text) == ("2023-11-30", "Filed yesterday.")


def test_html_with_only_chrome_is_empty(tmp_path: Path) -> None:
    path = write(tmp_path / "chrome.html", "<nav><a href='/'>Home</a></nav><footer>(c)</footer>")
    skip = only_skip(read(path))
    assert skip.reason == "empty"
    assert "no article text left" in skip.message


# -- JSONL ---------------------------------------------------------------------------------------


def test_jsonl_good_bad_and_textless_lines(tmp_path: Path) -> None:
    path = write(
        tmp_path / "feed.jsonl",
        '{"id": "a1", "title": "Dam repaired", "date": "2024-06-01", "url": "https://e.org/dam",'
        ' "text": "The dam at Kell was repaired.\\n\\nWater returns on Friday \\u00e9t\\u00e9."}\n'
        "\n"
        "this is not json\n"
        '{"title": "No body here"}\n'
        '["a", "list"]\n'
        '{"link": "https://e.org/mill", "body": "<p>The old <b>mill</b> reopened.</p>"}\n',
    )
    records = read(path)
    assert [type(r).__name__ for r in records] == [
        "Document",
        "Skipped",
        "Skipped",
        "Skipped",
        "Document",
    ]
    first, not_json, no_text, a_list, second = records
    assert first.id == "feed.jsonl#a1"
    assert first.format == "jsonl"
    assert (first.title, first.date, first.url) == (
        "Dam repaired",
        "2024-06-01",
        "https://e.org/dam",
    )
    assert first.text == "The dam at Kell was repaired.\n\nWater returns on Friday été."
    source = path.read_text()
    assert first.source_offset(first.text.index("Water")) == source.index("Water")
    assert (not_json.reason, not_json.line) == ("bad-json", 3)
    assert not_json.message.startswith(f"{path}: line 3 is not valid JSON")
    assert (no_text.reason, no_text.line) == ("no-text", 4)
    assert no_text.message == (
        f"{path}: line 4 has no text field; add a string field 'text' or 'body' or 'content'"
    )
    assert (a_list.reason, a_list.line) == ("bad-json", 5)
    assert "is a JSON list, not an object" in a_list.message
    assert second.id == "feed.jsonl#L6"
    assert second.url == "https://e.org/mill"
    assert second.text == "The old mill reopened."
    assert second.source_offset(0) == source.index("The old")


def test_jsonl_with_escapes_maps_exact_parts(tmp_path: Path) -> None:
    path = write(tmp_path / "esc.jsonl", '{"text": "He said \\"no\\" twice.\\tThen left."}\n')
    doc = only_doc(read(path))
    assert doc.text == 'He said "no" twice. Then left.'
    source = path.read_text()
    assert doc.source_offset(0) == source.index("He said")
    assert doc.source_offset(doc.text.index("twice")) == source.index("twice")


def test_jsonl_lone_surrogate_in_html_text(tmp_path: Path) -> None:
    path = write(tmp_path / "sur.jsonl", '{"id": 7, "content": "<p>Odd \\ud800 char.</p>"}\n')
    doc = only_doc(read(path))
    assert (doc.id, doc.text) == ("sur.jsonl#7", "Odd \ufffd char.")


def test_jsonl_line_too_large(tmp_path: Path) -> None:
    path = write(tmp_path / "big.jsonl", '{"text": "' + "x" * 200 + '"}\n{"text": "small"}\n')
    big, small = read(path, max_bytes=100)
    assert isinstance(big, Skipped) and (big.reason, big.line) == ("too-large", 1)
    assert "--max-bytes" in big.message
    assert isinstance(small, Document) and small.text == "small"
    assert small.source_offset(0) == path.read_text().index("small")


def test_jsonl_with_only_blank_lines_is_empty(tmp_path: Path) -> None:
    skip = only_skip(read(write(tmp_path / "blank.jsonl", "\n  \n")))
    assert skip.reason == "empty"


# -- folders, missing, unsupported ---------------------------------------------------------------


def test_folder_recursion_order_and_ids(tmp_path: Path) -> None:
    root = tmp_path / "in"
    write(root / "b.txt", "Bee.\n")
    write(root / "a" / "z.md", "Zed.\n")
    write(root / "a" / "b" / "c.txt", "Sea.\n")
    write(root / "a-b.txt", "Dash.\n")
    write(root / ".hidden" / "x.txt", "Hidden.\n")
    write(root / ".dot.txt", "Dot.\n")
    write(root / "notes.xml", "<rss/>")
    write(root / "card.info", "---\ntitle: Card\n---\nFront matter makes it readable.\n")
    records = read(root)
    summary = [(r.id, r.text) if isinstance(r, Document) else (r.source, r.reason) for r in records]
    assert summary == [
        ("a/b/c.txt", "Sea."),
        ("a/z.md", "Zed."),
        ("a-b.txt", "Dash."),
        ("b.txt", "Bee."),
        ("card.info", "Front matter makes it readable."),
        (str(root / "notes.xml"), "unsupported"),
    ]
    assert records[0].source == str(root / "a" / "b" / "c.txt")
    assert "unsupported file type '.xml'" in records[-1].message


def test_explicit_file_with_unknown_suffix_is_sniffed(tmp_path: Path) -> None:
    path = write(tmp_path / "page.xhtml", "<p>Sniffed as <i>HTML</i>.</p>")
    doc = only_doc(read(path))
    assert (doc.format, doc.text) == ("html", "Sniffed as HTML.")


def test_missing_path(tmp_path: Path) -> None:
    missing = tmp_path / "nope.txt"
    skip = only_skip(read(missing))
    assert (skip.reason, skip.source) == ("missing", str(missing))
    assert skip.message == f"{missing}: no such file or folder; check the path"


def test_single_path_string_is_not_split_into_characters(tmp_path: Path) -> None:
    path = write(tmp_path / "one.txt", "Only one.\n")
    records = list(read_documents(str(path)))  # type: ignore[arg-type]
    assert [r.text for r in records] == ["Only one."]
    assert_segments(records[0], path.read_text())


def test_path_with_nul_is_missing_not_raised() -> None:
    skip = only_skip(read("bad\x00name.txt"))
    assert skip.reason == "missing"


def test_unreadable_path_is_skipped_not_raised(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(self: Path) -> bool:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "is_dir", refuse)
    skip = only_skip(read(tmp_path / "locked.txt"))
    assert skip.reason == "unreadable"
    assert skip.message == (
        f"{tmp_path / 'locked.txt'}: cannot be read (Permission denied); "
        "check the path and that it is readable"
    )


# -- bad files -----------------------------------------------------------------------------------


@pytest.mark.parametrize("content", [b"", b"   \n\t\n", b"\xef\xbb\xbf\n"])
def test_empty_files(tmp_path: Path, content: bytes) -> None:
    skip = only_skip(read(write(tmp_path / "empty.txt", content)))
    assert skip.reason == "empty"
    assert skip.message.startswith(f"{tmp_path / 'empty.txt'}: file is empty;")


@pytest.mark.parametrize("name", ["image.txt", "image.html", "image.jsonl"])
def test_binary_files(tmp_path: Path, name: str) -> None:
    skip = only_skip(read(write(tmp_path / name, PNG_BYTES * 10)))
    assert skip.reason == "binary"
    assert str(tmp_path / name) in skip.message


def test_binary_without_nul_bytes(tmp_path: Path) -> None:
    noise = bytes(range(1, 32)) * 20 + b"\xff\xfe\xc3" * 50
    skip = only_skip(read(write(tmp_path / "noise.txt", noise)))
    assert skip.reason == "binary"


def test_cp1252_file_is_decoded(tmp_path: Path) -> None:
    path = write(
        tmp_path / "legacy.txt",
        "Caf\xe9 owners \x93welcome\x94 the rule \x96 mostly.\n".encode("latin-1"),
    )
    doc = only_doc(read(path))
    assert doc.text == "Café owners “welcome” the rule – mostly."


def test_utf8_bom_is_removed(tmp_path: Path) -> None:
    path = write(tmp_path / "bom.md", "\ufeff---\ntitle: With BOM\n---\nText after BOM.\n")
    doc = only_doc(read(path))
    assert (doc.title, doc.text) == ("With BOM", "Text after BOM.")


def test_too_large(tmp_path: Path) -> None:
    path = write(tmp_path / "long.txt", "word " * 10)
    skip = only_skip(read(path, max_bytes=10))
    assert skip.reason == "too-large"
    assert skip.message == (
        f"{path}: file is 50 bytes, over the limit of 10 bytes; "
        "split it or raise the limit with --max-bytes"
    )


# -- stdin ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "fmt", "text", "title"),
    [
        (
            b"Plain words from a pipe.\n\nSecond part.",
            "text",
            "Plain words from a pipe.\n\nSecond part.",
            None,
        ),
        (b"<html><body><p>From <b>HTML</b>.</p></body></html>", "html", "From HTML.", None),
        (b"---\ntitle: Piped\n---\n*Marked* down.\n", "markdown", "Marked down.", "Piped"),
    ],
)
def test_stdin(
    monkeypatch: pytest.MonkeyPatch, data: bytes, fmt: str, text: str, title: str | None
) -> None:
    monkeypatch.setattr(sys, "stdin", types.SimpleNamespace(buffer=io.BytesIO(data)))
    doc = only_doc(read("-", stdin=data))
    assert (doc.id, doc.source, doc.format, doc.text, doc.title) == ("stdin", "-", fmt, text, title)


def test_stdin_too_large(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", types.SimpleNamespace(buffer=io.BytesIO(b"x" * 50)))
    skip = only_skip(read("-", max_bytes=20))
    assert (skip.source, skip.reason) == ("-", "too-large")


# -- the offset invariant on arbitrary input -------------------------------------------------------

MARKUP_TOKENS = [
    "word", "Ünïcode", " ", "  ", "\n", "\n\n", "\r\n", "\t", "<p>", "</p>", "<div>", "</div>",
    "<b>", "</b>", "<a href='x'>", "</a>", "<br>", "<li>", "<nav>", "</nav>", "&amp;", "&rsquo;",
    "&#x41;", "&bogus;", "&", "<", ">", "<!-- note -->", "<script>x</script>", "*", "_", "**",
    "`", "[link](u)", "![img](i)", "# ", "> ", "- ", "1. ", "```", "---\n", "title: t\n", '"',
    "\\", "Listen to this article", "SHARE ON FACEBOOK",
]  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(
    tokens=st.lists(st.sampled_from(MARKUP_TOKENS), max_size=40),
    suffix=st.sampled_from([".txt", ".md", ".html", ".jsonl"]),
    ascii_json=st.booleans(),
)
def test_offsets_hold_on_arbitrary_input(tokens: list[str], suffix: str, ascii_json: bool) -> None:
    content = "".join(tokens)
    if suffix == ".jsonl":
        content = json.dumps({"text": content}, ensure_ascii=ascii_json) + "\n"
    with tempfile.TemporaryDirectory() as folder:
        path = write(Path(folder) / f"any{suffix}", content)
        records = read(path)  # checks every segment against the source
    assert records
    for record in records:
        if isinstance(record, Document):
            assert record.text == record.text.strip()
            assert "\n\n\n" not in record.text
        else:
            assert record.reason in {"empty", "bad-front-matter"}
            assert "\n" not in record.message
