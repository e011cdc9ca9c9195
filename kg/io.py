"""Read articles (text, Markdown with front matter, HTML, JSONL) from files, folders or stdin."""

from __future__ import annotations

import codecs
import html
import json
import os
import re
import sys
from bisect import bisect_right
from collections.abc import Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path

import yaml
from selectolax.lexbor import LexborHTMLParser, LexborNode

from kg.records import Document, Note, Skipped

__all__ = [
    "DEFAULT_LANGUAGES",
    "Language",
    "detect_language",
    "model_language",
    "read_documents",
    "source_text",
]

DEFAULT_MAX_BYTES = 50_000_000
# spaCy's default nlp.max_length: a longer text makes the pipeline raise, so it is skipped here
DEFAULT_MAX_CHARS = 1_000_000
DEFAULT_LANGUAGES = ("en",)  # what the default pipeline (en_core_web_sm) reads
SNIFF_BYTES = 8192  # how much of a file decides "binary" and "front matter"
MAX_UNDECODABLE_SHARE = 0.30  # share of bad bytes/control characters that makes a file binary
LINE_CHUNK_BYTES = 1 << 20  # read size while skipping the rest of an over-long JSONL line
PARAGRAPH_SEP = "\n\n"

TEXT_SUFFIXES = frozenset({".txt", ".text"})
MARKDOWN_SUFFIXES = frozenset({".md", ".markdown"})
HTML_SUFFIXES = frozenset({".html", ".htm"})
JSONL_SUFFIXES = frozenset({".jsonl", ".ndjson"})
JSONL_TEXT_FIELDS = ("text", "body", "content")

# Dates that are neither ISO 8601 nor RFC 2822 but common in feeds and front matter.
DATE_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d",
    "%B %d, %Y %H:%M",
    "%B %d, %Y",
    "%b %d, %Y",
    "%B %d %Y",
    "%d %B %Y",
    "%d %b %Y",
)

# Whole paragraphs (or lines of text) that are page furniture, not article prose. Matched in
# full, case-insensitively, and only against short paragraphs (MAX_BOILERPLATE_CHARS).
MAX_BOILERPLATE_CHARS = 200
SOCIAL = r"(?:facebook|twitter|x|linkedin|whatsapp|telegram|reddit|pinterest|e-?mail|bluesky)"
BOILERPLATE: tuple[re.Pattern[str], ...] = tuple(
    re.compile(pattern, re.IGNORECASE)
    for pattern in (
        # audio players: "Listen to the news", "Listen to this article (4 min)"
        r"(?:listen|play)(?: to)?(?: the| this)? "
        r"(?:news|article|story|audio|podcast|episode|report)\W*(?:\d+\s*(?:min|mins|minutes|sec|seconds)\b\W*)?",
        # share buttons: "Share this article", "Share on Facebook"
        r"share(?: this| the)? (?:article|story|post|page)\W*",
        rf"share(?: this)?(?: on| via| to| with)? {SOCIAL}(?:\s*(?:,|/|\||and|or)?\s*{SOCIAL})*\W*",
        # subscription prompts
        r"(?:click|tap) here to (?:subscribe|sign up|register|read more|listen)\b.*",
        r"(?:sign up|subscribe|register)(?: now| today| here)? (?:for|to) (?:our |the )?"
        r"(?:[\w'-]+ ){0,3}newsletters?\b.*",
        r"subscribe(?: now| today)?\W*",
        # advertising labels
        r"(?:advertisement|advertising|sponsored(?: content)?|(?:paid|partner) content)\W*",
        # teasers for other stories: "Read more: ...", "Related: ..."
        r"(?:read more|related|related stories|see also|also read|more on this|most read)\s*:.*",
        # a bare link on its own
        r"(?:https?://|www\.)\S+",
    )
)

# An all-caps paragraph this long is a headline teaser for another story, not prose.
MIN_TEASER_WORDS = 4
MIN_TEASER_LETTERS = 20

# HTML elements that never hold article prose.
CHROME_TAGS = frozenset(
    {
        "script", "style", "noscript", "template", "nav", "header", "footer", "aside", "iframe",
        "svg", "button", "head", "object", "embed", "canvas", "audio", "video", "select",
        "textarea", "input", "dialog",
    }
)  # fmt: skip
# Text inside these is not HTML text in the source, so it cannot be located there.
RAW_TEXT_TAGS = frozenset({"script", "style", "template", "noscript", "textarea", "iframe"})
# Dropped by role/class/id only when small: some sites wrap the whole page in a <form> or give
# the page wrapper a class such as "has-nav".
GUARDED_TAGS = frozenset({"form"})
MAX_CHROME_CHARS = 2000
CONTENT_TAGS = frozenset({"html", "body", "main", "article"})  # never dropped for their class
CHROME_ROLES = frozenset(
    {"navigation", "banner", "contentinfo", "complementary", "search", "dialog", "alertdialog",
     "menu", "menubar", "toolbar"}
)  # fmt: skip
CHROME_WORDS = frozenset(
    {
        "nav", "navbar", "navigation", "menu", "breadcrumb", "breadcrumbs", "sidebar", "masthead",
        "footer", "toolbar", "share", "sharing", "social", "cookie", "cookies", "consent", "gdpr",
        "newsletter", "subscribe", "subscription", "signup", "paywall", "audio", "podcast",
        "listen", "ad", "ads", "advert", "advertisement", "sponsored", "promo", "related",
        "popup", "modal",
    }
)  # fmt: skip
BLOCK_TAGS = frozenset(
    {
        "address", "article", "aside", "blockquote", "body", "br", "caption", "center", "dd",
        "details", "div", "dl", "dt", "fieldset", "figcaption", "figure", "h1", "h2", "h3", "h4",
        "h5", "h6", "hgroup", "hr", "html", "legend", "li", "main", "ol", "p", "pre", "section",
        "summary", "table", "tbody", "tfoot", "thead", "tr", "ul",
    }
)  # fmt: skip
CELL_TAGS = frozenset({"td", "th"})  # separated by a space, not a paragraph break
LOOKAHEAD_RUNS = 1000  # how far to search the raw HTML for a text node before giving up
HTML_DATE_KEYS = (
    "article:published_time", "og:published_time", "date", "pubdate", "publishdate",
    "publish-date", "dc.date", "dc.date.issued", "dcterms.date", "datepublished",
)  # fmt: skip

FRONT_MATTER = re.compile(
    r"\A---[ \t]*\r?\n(?P<yaml>.*?)^(?:---|\.\.\.)[ \t]*\r?(?:\n|\Z)", re.DOTALL | re.MULTILINE
)
FRONT_MATTER_OPEN = re.compile(r"\A---[ \t]*\r?\n")
FRONT_MATTER_BYTES = re.compile(rb"\A(?:\xef\xbb\xbf)?---[ \t]*\r?\n")
YAML_KEY_LINE = re.compile(r"[ \t]*[\w\"'-][^:\n]*:(?:[ \t]|\r?$)", re.MULTILINE)
HTML_BLOCK = re.compile(
    r"<(?:p|div|article|section|br|h[1-6]|ul|ol|li|blockquote|table)\b[^>]*>", re.IGNORECASE
)
HTML_START = re.compile(r"\s*<(?:!doctype\b|!--|[a-z][a-z0-9]*\b[^>]*>)", re.IGNORECASE)
# Raw HTML that is not text: comments, declarations, raw-text elements with content, tags.
HTML_MARKUP = re.compile(
    r"<!--.*?(?:-->|\Z)"
    r"|<!\[CDATA\[.*?(?:\]\]>|\Z)"
    r"|<[!?][^>]*>?"
    r"|<(script|style|template|noscript|textarea|title|iframe|xmp|noembed|noframes)\b"
    r"(?:[^>\"']|\"[^\"]*\"|'[^']*')*>.*?(?:</\1\s*>|\Z)"
    r"|</?[A-Za-z][^\s/>]*(?:[^>\"']|\"[^\"]*\"|'[^']*')*>",
    re.DOTALL | re.IGNORECASE,
)
# What a parser decodes differently from the raw text: entities, CR/CRLF, NUL.
HTML_ESCAPE = re.compile(r"&(?:#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[A-Za-z][A-Za-z0-9]*;?)|\r\n?|\x00")
WHITESPACE = re.compile(r"\s+")
WORD = re.compile(r"[a-z0-9]+")
CAMEL_CASE = re.compile(r"([a-z0-9])([A-Z])")
LINE_END_CHARS = "\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
UTF8_CONTINUATION = bytes(range(0x80, 0xC0))
HIGH_BYTES = bytes(range(0x80, 0x100))
UTF8_MULTIBYTE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|\xe0[\xa0-\xbf][\x80-\xbf]|[\xe1-\xec\xee\xef][\x80-\xbf]{2}"
    rb"|\xed[\x80-\x9f][\x80-\xbf]|\xf0[\x90-\xbf][\x80-\xbf]{2}|[\xf1-\xf3][\x80-\xbf]{3}"
    rb"|\xf4[\x80-\x8f][\x80-\xbf]{2}"
)
# Bytes that are not UTF-8 are read as Windows-1252 (what legacy Western files mostly are); its
# five unassigned bytes as Latin-1, so every byte gives one character.
FALLBACK_ERRORS = "kg.io.cp1252"
CP1252_CHARS = tuple(bytes([b]).decode("cp1252", errors="ignore") or chr(b) for b in range(256))
UTF16_ZERO_SHARE = 0.4  # share of zero bytes at odd (or even) positions that says UTF-16
# <meta charset="x">, <meta http-equiv="Content-Type" content="text/html; charset=x">, <?xml encoding>
DECLARED_CHARSET = re.compile(
    rb"<meta[^>]*?charset\s*=\s*[\"']?\s*([A-Za-z0-9._:-]+)|<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._:-]+)",
    re.IGNORECASE,
)
MAX_ACCENTED_SHARE = 0.3  # more accented letters than this, read as cp1252: another code page
SCRIPT_TAG = re.compile(r"<script\b", re.IGNORECASE)
DATE_KEYS = ("date", "published", "pubdate")  # front matter and JSONL fields, in order
# HTML parsers (lexbor too) slow down quadratically on elements nested thousands deep; real pages
# nest tens deep. Elements whose end tag may be left out, and void ones, do not count.
MAX_HTML_DEPTH = 1000
UNNESTED_TAGS = frozenset(
    {
        "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
        "source", "track", "wbr", "p", "li", "dt", "dd", "tr", "td", "th", "option", "optgroup",
        "tbody", "thead", "tfoot", "colgroup", "caption", "rb", "rt", "rp", "rtc", "html", "head",
        "body", "image", "keygen", "basefont", "bgsound", "frame", "menuitem",
    }
)  # fmt: skip
TAG_NAME = re.compile(r"<(/?)([A-Za-z][^\s/>]*)")
# Control characters mean nothing in prose, and XML (RDF/XML, the viewer) cannot hold most of
# them: dropped from article text, metadata and identifiers. (\x1c-\x1f and \x85 are whitespace.)
CONTROL_CHARS = re.compile("[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f\ufffe\uffff]+")
# What a message must not print raw: line breaks, terminal escapes, bidirectional overrides
UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
SYMBOL_RUN = re.compile(r"(?:[^\w\s]|_){17,}")  # see _cut_symbol_runs
SYMBOL_RUN_KEEP = 3
BAD_DATE = "bad_date"  # key in the HTML metadata: a date that was there but could not be read
MAX_NOTE_VALUE = 40  # characters of a bad value quoted in a note

MD_COMMENT = re.compile(r"<!--.*?(?:-->|\Z)", re.DOTALL)
MD_FENCE = re.compile(r"[ \t]{0,3}(`{3,}|~{3,})")
MD_RULE = re.compile(r"[ \t]{0,3}(?:([-*_])[ \t]*){3,}$|[ \t]{0,3}=+[ \t]*$")
MD_REFERENCE = re.compile(r"[ \t]{0,3}\[[^\]]+\]:[ \t]*\S+")
MD_TABLE_RULE = re.compile(r"[ \t]*\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)+\|?[ \t]*$")
MD_QUOTE = re.compile(r"(?:[ \t]{0,3}>[ \t]?)+")
MD_HEADING = re.compile(r"[ \t]{0,3}#{1,6}(?:[ \t]+|$)(?P<text>.*?)(?:[ \t]+#+)?[ \t]*$")
MD_ITEM = re.compile(r"[ \t]*(?:[-*+]|\d{1,9}[.)])[ \t]+")
MD_INLINE = re.compile(
    r"(?P<image>!\[[^\]]*\](?:\([^)]*\)|\[[^\]]*\]))"
    r"|(?P<link>\[(?P<label>[^\]]*)\](?:\([^)]*\)|\[[^\]]*\]))"
    r"|(?P<auto><(?:https?|mailto|ftp):[^>\s]*>)"
    r"|(?P<tag></?[A-Za-z][^>]*>)"
    r"|(?P<escape>\\[!-/:-@\[-`{-~])"
    r"|(?P<mark>`+|\*+|_+|~~)"
)
LONE_SURROGATE = re.compile(r"[\ud800-\udfff]")
JSON_SPECIAL = re.compile(r'["\\]')
JSON_ESCAPES = {"b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}

Piece = tuple[str, int | None, bool]  # text, its offset in the source (None: made up), in a link
Paragraph = list[Piece]
Segment = tuple[int, int, int]  # (text_start, source_start, length), as in Document.segments
Chunk = tuple[int, int, int]  # (derived_start, source_start, length): an exact copy


def read_documents(
    paths: Iterable[str | os.PathLike[str]],
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_chars: int = DEFAULT_MAX_CHARS,
    languages: Collection[str] | None = DEFAULT_LANGUAGES,
) -> Iterator[Document | Skipped]:
    """Yield one ``Document`` per article found in ``paths``, or a ``Skipped`` saying why not.

    ``paths`` holds files, folders (read recursively, sorted, hidden entries ignored) and ``-``
    for stdin. ``max_bytes`` caps each file and stdin; JSONL streams, so it caps each line.
    ``max_chars`` caps an article's clean text (spaCy's parser refuses longer texts).
    ``languages`` are the language codes (``"fr"``) or scripts (``"cyrillic"``) to read; an
    article clearly in another one is skipped; ``None`` or ``"any"`` reads every language.
    Nothing raises for a bad input; it comes back as a ``Skipped`` record, and what the reader
    had to guess (an encoding, a date it dropped) as ``Document.notes``.

    >>> for record in read_documents(["articles/", "-"]):  # doctest: +SKIP
    ...     print(record.id if isinstance(record, Document) else record.message)
    """
    if isinstance(paths, str | os.PathLike):
        paths = [paths]
    if isinstance(languages, str):
        languages = [languages]
    allowed = None if languages is None else frozenset(lang.lower() for lang in languages)
    opts = _Options(max_bytes, max_chars, None if allowed is None or "any" in allowed else allowed)
    for record in _read_paths(paths, opts):
        yield _printable(record)


def _read_paths(
    paths: Iterable[str | os.PathLike[str]], opts: _Options
) -> Iterator[Document | Skipped]:
    for given in paths:
        name = os.fspath(given)
        if name == "-":
            yield _read_stdin(opts)
            continue
        path = Path(name)
        try:
            is_dir, exists = path.is_dir(), path.exists()
        except (OSError, ValueError) as error:  # no permission, NUL in the name, ...
            yield _unreadable(name, error)
            continue
        if is_dir:
            yield from _read_folder(path, opts)
        elif exists:
            yield from _read_file(path, CONTROL_CHARS.sub("", path.name), opts, explicit=True)
        else:
            yield Skipped(name, "missing", f"{name}: no such file or folder; check the path")


def source_text(data: bytes, *, jsonl: bool = False) -> str:
    """The text of a file as the reader decodes it: what ``Document.segments`` offsets index.

    UTF-8 (a BOM dropped), UTF-16, the charset an HTML page declares, else UTF-8 with the
    bytes that are not UTF-8 read as Windows-1252, one character each. ``jsonl``: a JSON Lines
    file, decoded line by line (always as UTF-8 with that fallback).
    """
    if jsonl:
        return _decode_bytes(data.removeprefix(codecs.BOM_UTF8))[0]
    text = _decode_file(data, "-", [])
    if isinstance(text, Skipped):  # binary or an unknown code page: the fallback all the same
        text = _decode_bytes(data)[0].removeprefix("\ufeff")
    return text


def _printable(record: Document | Skipped) -> Document | Skipped:
    """Messages stay one line, whatever a file name holds (a line break, a terminal escape)."""
    if isinstance(record, Skipped):
        if UNPRINTABLE.search(record.message):
            return replace(record, message=_escape(record.message))
        return record
    if any(UNPRINTABLE.search(note.message) for note in record.notes):
        notes = tuple(replace(note, message=_escape(note.message)) for note in record.notes)
        return replace(record, notes=notes)
    return record


def _escape(message: str) -> str:
    return UNPRINTABLE.sub(lambda m: ascii(m.group())[1:-1], message)


def model_language(model: str) -> str | None:
    """The language code a spaCy pipeline's name starts with (``fr_core_news_sm`` -> ``"fr"``);
    ``"any"`` for the multi-language ``xx_`` pipelines, None when the name does not say."""
    match = MODEL_LANGUAGE.match(model)
    if match is None:
        return None
    code = match.group(1).lower()
    return "any" if code == "xx" else code


@dataclass(frozen=True)
class _Options:
    max_bytes: int
    max_chars: int
    languages: frozenset[str] | None  # None: read every language


# -- inputs -------------------------------------------------------------------------------------


def _read_stdin(opts: _Options) -> Document | Skipped:
    data = sys.stdin.buffer.read(opts.max_bytes + 1)
    if len(data) > opts.max_bytes:
        return Skipped(
            "-",
            "too-large",
            f"-: stdin holds more than {opts.max_bytes:,} bytes, the limit; "
            "send less or raise the limit with --max-bytes",
        )
    return _parse(data, "-", "stdin", None, opts)


def _read_folder(
    folder: Path, opts: _Options, root: Path | None = None
) -> Iterator[Document | Skipped]:
    # Sorting each directory by name and descending at once yields files sorted by relative
    # path (compared part by part) without listing the whole tree first.
    root = root or folder
    try:
        with os.scandir(folder) as listing:
            entries = sorted((e for e in listing if not e.name.startswith(".")), key=_name)
    except OSError as error:
        yield _unreadable(str(folder), error)
        return
    for entry in entries:
        path = Path(entry.path)
        try:
            is_dir, is_file = entry.is_dir(follow_symlinks=False), entry.is_file()
        except OSError as error:
            yield _unreadable(str(path), error)
            continue
        if is_dir:
            yield from _read_folder(path, opts, root)
        elif is_file:
            doc_id = CONTROL_CHARS.sub("", path.relative_to(root).as_posix())
            yield from _read_file(path, doc_id, opts, explicit=False)


def _name(entry: os.DirEntry[str]) -> str:
    return entry.name


def _read_file(
    path: Path, doc_id: str, opts: _Options, *, explicit: bool
) -> Iterator[Document | Skipped]:
    source = str(path)
    suffix = path.suffix.lower()
    kind = _kind_of(suffix)
    try:
        if suffix in JSONL_SUFFIXES:
            yield from _read_jsonl(path, doc_id, opts)
            return
        if kind is None and not explicit and not _opens_with_front_matter(path):
            yield Skipped(
                source,
                "unsupported",
                f"{source}: unsupported file type {suffix or '(no suffix)'!r}; "
                "use .txt, .md, .html or .jsonl, or start the file with YAML front matter",
            )
            return
        size = path.stat().st_size
        if size > opts.max_bytes:
            yield _too_large(source, size, opts.max_bytes)
            return
        data = path.read_bytes()
    except OSError as error:
        yield _unreadable(source, error)
        return
    yield _parse(data, source, doc_id, kind, opts)


def _kind_of(suffix: str) -> str | None:
    if suffix in TEXT_SUFFIXES:
        return "text"
    if suffix in MARKDOWN_SUFFIXES:
        return "markdown"
    if suffix in HTML_SUFFIXES:
        return "html"
    return None


def _opens_with_front_matter(path: Path) -> bool:
    with path.open("rb") as handle:
        return FRONT_MATTER_BYTES.match(handle.read(64)) is not None


def _parse(
    data: bytes, source: str, doc_id: str, kind: str | None, opts: _Options
) -> Document | Skipped:
    """One whole file (or stdin): ``kind`` None means sniff it."""
    notes: list[Note] = []
    text = _decode_file(data, source, notes)
    if isinstance(text, Skipped):
        return text
    if not text.strip():
        return Skipped(
            source, "empty", f"{source}: file is empty; add the article text or remove the file"
        )
    front = _front_matter(text, source)
    if isinstance(front, Skipped):
        return front
    meta: dict[str, object] = {}
    body_start = 0
    if front is not None:
        fields, body_start = front
        meta = _metadata(fields)
        if bad := _bad_date(fields, meta):
            notes.append(_date_note(source, f"date {bad} in the front matter"))
        kind = "markdown"
    fmt = kind = kind or ("html" if HTML_START.match(text) else "text")
    if fmt == "markdown" and HTML_BLOCK.search(text, body_start):
        kind = "html"  # the body of a Markdown file may be HTML, as feed exporters write it
    body = text[body_start:] if body_start else text
    if kind == "html" and (depth := _html_depth(body)) > MAX_HTML_DEPTH:
        return _too_deep(source, source, depth, None)
    paragraphs, found = _clean(body, kind)
    bad_html_date = found.pop(BAD_DATE, None)
    for key, value in found.items():
        meta.setdefault(key, value)
    if bad_html_date and "date" not in meta:
        notes.append(_date_note(source, f"date {bad_html_date} in the page's meta tags"))
    clean, segments = _assemble(paragraphs, body)
    if not clean:
        scripted = kind == "html" and SCRIPT_TAG.search(body) is not None
        return Skipped(
            source,
            "empty",
            f"{source}: no article text left after removing markup and boilerplate; "
            + (
                "the page is mostly script (does it draw its text with JavaScript?): "
                "save the rendered article or its text instead"
                if scripted
                else "check that the file holds the article body"
            ),
        )
    problem = _check_text(clean, source, source, None, opts)
    if problem is not None:
        return problem
    segments = tuple((t, s + body_start, n) for t, s, n in segments)
    return Document(
        id=doc_id,
        text=clean,
        source=source,
        format=fmt,
        segments=segments,
        notes=tuple(notes),
        **meta,
    )


def _clean(body: str, kind: str) -> tuple[list[Paragraph], dict[str, object]]:
    if kind == "html":
        return _html_paragraphs(body)
    if kind == "markdown":
        return _markdown_paragraphs(body), {}
    return _text_paragraphs(body), {}


def _read_jsonl(path: Path, file_id: str, opts: _Options) -> Iterator[Document | Skipped]:
    source = str(path)
    max_bytes = opts.max_bytes
    with path.open("rb") as handle:
        sample = handle.read(SNIFF_BYTES)
        if _utf16_encoding(sample):
            yield Skipped(
                source,
                "encoding",
                f"{source}: file is UTF-16, and JSON Lines must be UTF-8; re-save it as UTF-8",
            )
            return
        if _looks_binary(sample):
            yield Skipped(
                source, "binary", f"{source}: looks like a binary file, not JSON lines; remove it"
            )
            return
        handle.seek(0)
        base = 0  # decoded characters before this line: offsets point into the whole file
        number = 0
        found = False  # any line that is not blank
        while raw := handle.readline(max_bytes + 1):
            number += 1
            if len(raw) > max_bytes:
                found = True
                size, chars = len(raw), _char_count(raw)
                while not raw.endswith(b"\n") and (raw := handle.readline(LINE_CHUNK_BYTES)):
                    size, chars = size + len(raw), chars + _char_count(raw)
                base += chars
                yield Skipped(
                    source,
                    "too-large",
                    f"{source}: line {number} is over {max_bytes:,} bytes ({size:,}), the limit; "
                    "raise the limit with --max-bytes",
                    line=number,
                )
                continue
            if number == 1 and raw.startswith(codecs.BOM_UTF8):
                raw = raw[len(codecs.BOM_UTF8) :]
            line, fallback = _decode_bytes(raw)
            notes = []
            if fallback and line.strip():
                notes.append(
                    Note(
                        source,
                        "encoding",
                        f"{source}: line {number} is not UTF-8; read it as Windows-1252 "
                        "(JSON Lines must be UTF-8: re-save the file as UTF-8)",
                        line=number,
                    )
                )
            record = _jsonl_record(line, number, base, source, file_id, opts, notes)
            base += len(line)
            if record is not None:
                found = True
                yield record
    if not found:
        yield Skipped(
            source, "empty", f"{source}: file has no JSON lines; add one JSON object per line"
        )


def _jsonl_record(
    line: str,
    number: int,
    base: int,
    source: str,
    file_id: str,
    opts: _Options,
    notes: list[Note],
) -> Document | Skipped | None:
    if not line.strip():
        return None
    where = f"{source}: line {number}"
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as error:
        return Skipped(
            source,
            "bad-json",
            f"{where} is not valid JSON ({error.msg.removesuffix(' at')} at column {error.colno}); "
            "write one JSON object per line",
            line=number,
        )
    except RecursionError:
        return Skipped(
            source, "bad-json", f"{where} nests too deeply to read; flatten it", line=number
        )
    if not isinstance(obj, dict):
        return Skipped(
            source,
            "bad-json",
            f"{where} is a JSON {type(obj).__name__}, not an object; "
            "write one JSON object per line",
            line=number,
        )
    key = next((k for k in JSONL_TEXT_FIELDS if isinstance(obj.get(k), str)), None)
    if key is None:
        return Skipped(
            source,
            "no-text",
            f"{where} has no text field; add a string field "
            + " or ".join(repr(k) for k in JSONL_TEXT_FIELDS),
            line=number,
        )
    # JSON can spell lone surrogates, which no later stage can encode; same length, so the
    # offsets into the line stay right.
    value = LONE_SURROGATE.sub("\ufffd", obj[key])
    ident = obj.get("id")
    if isinstance(ident, str):
        ident = CONTROL_CHARS.sub("", LONE_SURROGATE.sub("\ufffd", ident))
    doc_id = f"{file_id}#{ident}" if ident not in (None, "") else f"{file_id}#L{number}"
    meta = _metadata(obj)
    if bad := _bad_date(obj, meta):
        notes.append(_date_note(source, f"date {bad}", number))
    if HTML_BLOCK.search(value) or HTML_START.match(value):
        if (depth := _html_depth(value)) > MAX_HTML_DEPTH:
            return _too_deep(source, where, depth, number)
        paragraphs, found = _html_paragraphs(value)
        found.pop(BAD_DATE, None)  # the line's own fields say the date, if any
        for name, found_value in found.items():
            meta.setdefault(name, found_value)
    else:
        paragraphs = _text_paragraphs(value)
    text, segments = _assemble(paragraphs, value)
    if not text:
        return Skipped(
            source,
            "empty",
            f"{where} has no article text in {key!r} after cleaning; fill it or drop the line",
            line=number,
        )
    problem = _check_text(text, source, where, number, opts)
    if problem is not None:
        return problem
    chunks = _json_string_chunks(line, key, obj[key])
    return Document(
        id=doc_id,
        text=text,
        source=source,
        format="jsonl",
        segments=_compose(segments, chunks, base),
        notes=tuple(notes),
        **meta,
    )


# -- bytes, encodings, front matter, metadata ---------------------------------------------------


def _looks_binary(sample: bytes) -> bool:
    if b"\x00" in sample:
        return True
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
        return False
    except UnicodeDecodeError:
        pass
    text = _decode_bytes(sample)[0]
    odd = sum(
        (ch < " " and ch not in "\t\n\r\f\v") or "\x7f" <= ch < "\xa0" or ch == "\ufffd"
        for ch in text
    )
    return odd > MAX_UNDECODABLE_SHARE * max(len(text), 1)


def _decode_file(data: bytes, source: str, notes: list[Note]) -> str | Skipped:
    """The text of a whole file: UTF-8, UTF-16, a charset an HTML page declares, else UTF-8
    with Windows-1252 for the bytes that are not UTF-8 (noted)."""
    utf16 = _utf16_encoding(data[:SNIFF_BYTES])
    if utf16 is not None:
        try:
            text = data.decode(utf16)
        except UnicodeDecodeError:
            return _binary(source)
        if not data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            notes.append(
                Note(
                    source,
                    "encoding",
                    f"{source}: has no byte order mark but looks like {utf16.upper()}; read it "
                    "so. Re-save the file as UTF-8 if the text looks wrong",
                )
            )
        return text.removeprefix("\ufeff")
    if _looks_binary(data[:SNIFF_BYTES]):
        return _binary(source)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    declared = _declared_charset(data)
    if declared is not None:
        try:
            return data.decode(declared).removeprefix("\ufeff")
        except (UnicodeDecodeError, LookupError):
            pass
    text, fallback = _decode_bytes(data)
    text = text.removeprefix("\ufeff")
    utf8_chars = sum(ch >= "\x80" for ch in text) - fallback
    if utf8_chars <= 0 and _mostly_accented(text):
        return Skipped(
            source,
            "encoding",
            f"{source}: is not UTF-8, and read as Windows-1252 it is mostly accented letters, "
            "so it is in another 8-bit encoding (Cyrillic, Greek, ...); re-save it as UTF-8, "
            "e.g. iconv -f CP1251 -t UTF-8",
        )
    if utf8_chars > 0:
        message = (
            f"{source}: mixes UTF-8 with {fallback:,} bytes that are not; read those as "
            "Windows-1252. Re-save the file as UTF-8 if characters look wrong"
        )
    else:
        message = (
            f"{source}: is not UTF-8; read it as Windows-1252. Re-save the file as UTF-8 if "
            "characters look wrong"
        )
    notes.append(Note(source, "encoding", message))
    return text


def _decode_bytes(data: bytes) -> tuple[str, int]:
    """UTF-8 where the bytes are UTF-8, Windows-1252 byte by byte where not; and how many bytes
    were not UTF-8. One character per byte that is not, so a mixed file keeps every UTF-8 part."""
    try:
        return data.decode("utf-8"), 0
    except UnicodeDecodeError:
        pass
    return data.decode("utf-8", errors=FALLBACK_ERRORS), _invalid_utf8_bytes(data)


def _cp1252_fallback(error: UnicodeError) -> tuple[str, int]:
    if not isinstance(error, UnicodeDecodeError):
        raise error
    return "".join(CP1252_CHARS[b] for b in error.object[error.start : error.end]), error.end


codecs.register_error(FALLBACK_ERRORS, _cp1252_fallback)


def _invalid_utf8_bytes(data: bytes) -> int:
    """How many bytes of ``data`` are not part of a well-formed UTF-8 character."""
    high = len(data) - len(data.translate(None, HIGH_BYTES))
    valid = sum(len(m) for m in UTF8_MULTIBYTE.findall(data))
    return high - valid


def _utf16_encoding(sample: bytes) -> str | None:
    """``utf-16`` (with a byte order mark) or "utf-16-le"/"utf-16-be" (sniffed), else None."""
    if sample.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return None  # rare enough to be called binary
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    pairs = len(sample) // 2
    if pairs < 4:
        return None
    even = sample[0 : pairs * 2 : 2].count(0) / pairs
    odd = sample[1 : pairs * 2 : 2].count(0) / pairs
    if odd >= UTF16_ZERO_SHARE and even < 0.05:
        return "utf-16-le"
    if even >= UTF16_ZERO_SHARE and odd < 0.05:
        return "utf-16-be"
    return None


def _declared_charset(data: bytes) -> str | None:
    """The encoding an HTML page (or XML declaration) names near its start, if Python knows it."""
    match = DECLARED_CHARSET.search(data[:SNIFF_BYTES])
    if match is None:
        return None
    try:
        name = codecs.lookup((match.group(1) or match.group(2)).decode("ascii")).name
    except (LookupError, UnicodeDecodeError):
        return None
    if name in ("utf-8", "utf-16", "utf-32"):
        return None  # not true of these bytes, which are not UTF-8
    # as browsers do: a page that says Latin-1 or ASCII is Windows-1252
    return "cp1252" if name in ("iso8859-1", "ascii") else name


def _mostly_accented(text: str) -> bool:
    """Letters mostly from Latin-1's accented range: text in another 8-bit code page."""
    letters = [ch for ch in text[:LANGUAGE_SAMPLE_CHARS] if ch.isalpha()]
    accented = sum("\xc0" <= ch <= "\xff" for ch in letters)
    return len(letters) >= MIN_LETTERS and accented > MAX_ACCENTED_SHARE * len(letters)


def _binary(source: str) -> Skipped:
    return Skipped(
        source,
        "binary",
        f"{source}: looks like a binary file, not text; remove it, or convert it to UTF-8 text",
    )


def _char_count(raw: bytes) -> int:
    """Characters in UTF-8 bytes, without decoding them."""
    return len(raw.translate(None, UTF8_CONTINUATION))


# -- what the text says: its size and language ---------------------------------------------------


def _check_text(
    text: str, source: str, where: str, line: int | None, opts: _Options
) -> Skipped | None:
    """A reason to skip an article's clean text: too long to parse, or not in a language read."""
    if len(text) > opts.max_chars:
        return Skipped(
            source,
            "too-large",
            f"{where}: article text is {len(text):,} characters, over the {opts.max_chars:,} "
            "the parser takes at once; split it into several articles",
            line=line,
        )
    if opts.languages is None:
        return None
    found = detect_language(text)
    if found is None or found.code in opts.languages or found.script in opts.languages:
        return None
    wanted = ", ".join(sorted(opts.languages))
    how = "--allow-language {} and a --model that reads it".format(
        "any" if found.code == "und" else found.code
    )
    if found.model:
        how = f"--model {found.model}, or {how}"
    return Skipped(
        source,
        "language",
        f"{where}: text seems to be {found.name}, not a language the pipeline reads ({wanted}); "
        f"to read it, build with {how}",
        line=line,
    )


@dataclass(frozen=True)
class Language:
    """What ``detect_language`` found: an ISO 639-1 code, a name, the script."""

    code: str  # "fr"; for a script shared by many languages, the most common one ("ru")
    name: str  # "French", "Cyrillic script (Russian, Ukrainian, ...)"
    script: str  # "latin", "cyrillic", ...
    model: str | None = None  # a spaCy pipeline that reads it, if there is one


# spaCy's trained pipelines are named after their language: fr_core_news_sm, xx_ent_wiki_sm
MODEL_LANGUAGE = re.compile(
    r"(ca|da|de|el|en|es|fi|fr|hr|it|ja|ko|lt|mk|nb|nl|pl|pt|ro|ru|sl|sv|uk|xx|zh)[_-]"
)
LANGUAGE_SAMPLE_CHARS = 5_000  # the start of an article (~800 words) tells its language
MIN_LETTERS = 40  # fewer letters than this: too short to tell
MIN_WORDS = 20
MIN_ENGLISH_SHARE = 0.08  # English news prose has ~25-40% of its words in FUNCTION_WORDS["en"]
MIN_OTHER_SHARE = 0.12
LATIN_LETTER = re.compile(r"[A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f\u1e00-\u1eff]")
LATIN_WORD = re.compile(r"[a-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f\u1e00-\u1eff]+")
# Unicode blocks of the scripts told apart (a few punctuation marks in them count too)
SCRIPT_PATTERNS = {
    script: re.compile(f"[{ranges}]")
    for script, ranges in {
        "greek": "\u0370-\u03ff\u1f00-\u1fff",
        "cyrillic": "\u0400-\u052f",
        "armenian": "\u0530-\u058f",
        "hebrew": "\u0590-\u05ff",
        "arabic": "\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufefe",
        "devanagari": "\u0900-\u097f",
        "bengali": "\u0980-\u09ff",
        "tamil": "\u0b80-\u0bff",
        "thai": "\u0e00-\u0e7f",
        "georgian": "\u10a0-\u10ff",
        "hangul": "\u1100-\u11ff\u3130-\u318f\uac00-\ud7af",
        "kana": "\u3040-\u30ff",
        "han": "\u3400-\u4dbf\u4e00-\u9fff",
    }.items()
}
SCRIPT_LANGUAGES = {
    "greek": Language("el", "Greek", "greek", "el_core_news_sm"),
    "cyrillic": Language("ru", "Russian or another language in Cyrillic", "cyrillic",
                         "ru_core_news_sm"),
    "armenian": Language("hy", "Armenian", "armenian"),
    "hebrew": Language("he", "Hebrew", "hebrew"),
    "arabic": Language("ar", "Arabic or another language in Arabic script", "arabic"),
    "devanagari": Language("hi", "Hindi or another language in Devanagari", "devanagari"),
    "bengali": Language("bn", "Bengali", "bengali"),
    "tamil": Language("ta", "Tamil", "tamil"),
    "thai": Language("th", "Thai", "thai"),
    "georgian": Language("ka", "Georgian", "georgian"),
    "hangul": Language("ko", "Korean", "hangul", "ko_core_news_sm"),
    "kana": Language("ja", "Japanese", "kana", "ja_core_news_sm"),
    "han": Language("zh", "Chinese", "han", "zh_core_web_sm"),
    "other": Language("und", "in a script kg does not know", "other"),
}
# Cyrillic languages told apart by letters the others lack
CYRILLIC_MARKERS = (
    (re.compile("[\u0456\u0457\u0454\u0491]"), Language("uk", "Ukrainian", "cyrillic", "uk_core_news_sm")),
    (re.compile("[\u044b\u044d]"), SCRIPT_LANGUAGES["cyrillic"]),
    (re.compile("[\u0458\u0459\u045a\u045f]"), Language("sr", "Serbian or Macedonian", "cyrillic",
                                                       "mk_core_news_sm")),
)
LATIN_LANGUAGES = {
    "en": Language("en", "English", "latin", "en_core_web_sm"),
    "fr": Language("fr", "French", "latin", "fr_core_news_sm"),
    "es": Language("es", "Spanish", "latin", "es_core_news_sm"),
    "de": Language("de", "German", "latin", "de_core_news_sm"),
    "it": Language("it", "Italian", "latin", "it_core_news_sm"),
    "pt": Language("pt", "Portuguese", "latin", "pt_core_news_sm"),
    "nl": Language("nl", "Dutch", "latin", "nl_core_news_sm"),
    "sv": Language("sv", "Swedish", "latin", "sv_core_news_sm"),
    "pl": Language("pl", "Polish", "latin", "pl_core_news_sm"),
}
# The commonest words of each language, less those that are English words too (or initials),
# so names and English text do not pass for another language, nor the reverse.
FUNCTION_WORDS = {
    code: frozenset(words.split())
    for code, words in {
        "en": "the of and to that with for said by from were has have had which this his her it be "
        "are at will would not but or they he she its their been who after also than into about "
        "more over",
        "fr": "le la les des du de et est une un dans qui que sur pas au aux avec ce cette il elle "
        "sont été ont mais ses leur où selon l qu en",
        "es": "el la los las del de y en un una por para es se su sus como más pero fue este esta "
        "sobre entre según que",
        "de": "der das und ist nicht mit von dem des ein eine einer zu auf für sich auch es im sie "
        "er wird werden wurde haben nach bei aus dass zum zur über",
        "it": "il la gli le di del della delle dei è che un una sono da nel nella alla si anche più",
        "pt": "os de da das que uma em na nos para não por se mais foi ao pelo pela seu sua também",
        "nl": "de het een en dat niet op te met voor zijn aan om ook als bij werd wordt naar heeft "
        "hij zij maar",
        "sv": "och att det som en på är av för med har de inte om ett sig från vid",
        "pl": "na że się nie jest jak przez od za dla oraz jego jej być został",
    }.items()
}


def detect_language(text: str) -> Language | None:
    """A cheap guess at the language of ``text``; None when it is too short to tell, or in
    Latin script but in a language this does not know (such text is read, not skipped).

    The script by Unicode blocks; among Latin-script languages, by the share of each one's
    commonest function words. No model, no network.

    >>> detect_language("Le président a dit que la France et le Kenya ont signé un accord "
    ...                 "sur les données des satellites, selon un communiqué publié lundi.").name
    'French'
    """
    sample = text[:LANGUAGE_SAMPLE_CHARS]
    letters = sum(map(str.isalpha, sample))
    if letters < MIN_LETTERS:
        return None
    latin = len(LATIN_LETTER.findall(sample))
    if 2 * latin < letters:  # mostly another script: the commonest one decides
        counts = {script: len(pattern.findall(sample)) for script, pattern in SCRIPT_PATTERNS.items()}
        script = max(counts, key=lambda s: counts[s])
        if counts[script] < (letters - latin) / 2:
            return SCRIPT_LANGUAGES["other"]
        if script == "han" and counts["kana"] > 0.1 * counts["han"]:
            script = "kana"
        if script == "cyrillic":
            for marker, language in CYRILLIC_MARKERS:
                if len(marker.findall(sample)) > 0.005 * counts[script]:
                    return language
        return SCRIPT_LANGUAGES[script]
    words = LATIN_WORD.findall(sample.lower())
    if len(words) < MIN_WORDS:
        return None
    english = sum(word in FUNCTION_WORDS["en"] for word in words) / len(words)
    if english >= MIN_ENGLISH_SHARE:  # most news read here: no need to count the others
        return LATIN_LANGUAGES["en"]
    shares = {
        code: sum(word in vocabulary for word in words) / len(words)
        for code, vocabulary in FUNCTION_WORDS.items() if code != "en"
    }
    best = max(shares, key=lambda code: shares[code])
    if shares[best] < max(MIN_OTHER_SHARE, 2 * english):
        return None
    return LATIN_LANGUAGES[best]


def _front_matter(text: str, source: str) -> tuple[Mapping[object, object], int] | Skipped | None:
    """The front matter fields and where the body starts; None if there is no front matter."""
    match = FRONT_MATTER.match(text)
    if match is None:
        opened = FRONT_MATTER_OPEN.match(text)
        if opened and YAML_KEY_LINE.match(text, opened.end()):
            return Skipped(
                source,
                "bad-front-matter",
                f"{source}: front matter opened on line 1 is never closed; "
                "add a line '---' after the YAML fields",
                line=1,
            )
        return None
    try:
        fields = _load_yaml(match.group("yaml"))
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
        line = mark.line + 2 if mark is not None else None  # +1 for 1-based, +1 for "---"
        problem = getattr(error, "problem", None) or str(error)
        where = f" at line {line}" if line else ""
        return Skipped(
            source,
            "bad-front-matter",
            f"{source}: invalid YAML front matter{where}: {_one_line(problem)}; fix the YAML "
            "between the '---' lines (quote values that contain ':' or '#')",
            line=line,
        )
    except RecursionError:
        return Skipped(
            source,
            "bad-front-matter",
            f"{source}: YAML front matter nests too deeply to read; flatten it",
            line=2,
        )
    if fields is None:
        fields = {}
    if not isinstance(fields, dict):
        return Skipped(
            source,
            "bad-front-matter",
            f"{source}: front matter at line 2 is a YAML {type(fields).__name__}, not a mapping "
            "of fields; write it as 'key: value' lines between the '---' lines",
            line=2,
        )
    return fields, match.end()


# libyaml's safe loader when PyYAML was built with it (same results, several times faster)
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _load_yaml(block: str) -> object:
    try:
        return yaml.load(block, Loader=SAFE_LOADER)
    except ValueError:
        # An impossible date such as 2025-02-30 must not cost the article: read every value
        # as a string instead (still safe), and let _iso_date give up on that one date.
        return yaml.load(block, Loader=yaml.BaseLoader)


def _one_line(message: str) -> str:
    return " ".join(CONTROL_CHARS.sub("", message).split())


def _metadata(fields: Mapping[object, object]) -> dict[str, object]:
    """Document keyword arguments from front matter or a JSON object (only those present)."""
    lowered = {str(key).lower(): value for key, value in fields.items()}

    def first(*keys: str) -> str | None:
        for key in keys:
            value = _scalar(lowered.get(key))
            if value:
                return value
        return None

    dates = (lowered.get(key) for key in DATE_KEYS)
    meta: dict[str, object] = {
        "title": first("title"),
        "date": next((d for d in map(_iso_date, dates) if d), None),
        "url": first("link", "url"),
        "feed": first("source"),
        "publisher": first("publisher", "site_name"),
        "keywords": _keywords(
            lowered.get("tags"), lowered.get("categories"), lowered.get("keywords")
        ),
    }
    return {key: value for key, value in meta.items() if value}


def _bad_date(fields: Mapping[object, object], meta: Mapping[str, object]) -> str | None:
    """The date value, quoted, when ``fields`` give a date but none that could be read."""
    if "date" in meta:
        return None
    lowered = {str(key).lower(): value for key, value in fields.items()}
    given = [lowered[key] for key in DATE_KEYS if lowered.get(key) not in (None, "")]
    return _quote(given[0]) if given else None


def _quote(value: object) -> str:
    text = _one_line(str(value))
    return repr(text if len(text) <= MAX_NOTE_VALUE else text[: MAX_NOTE_VALUE - 1] + "…")


def _date_note(source: str, what: str, line: int | None = None) -> Note:
    where = f"{source}: line {line}:" if line is not None else f"{source}:"
    return Note(
        source,
        "bad-date",
        f"{where} {what} is not a date kg can read, so the article has no date; "
        "write it as YYYY-MM-DD (ISO 8601) or as in an e-mail header",
        line=line,
    )


def _scalar(value: object) -> str | None:
    if value is None or isinstance(value, list | dict | tuple | set):
        return None
    if isinstance(value, date):
        return value.isoformat()
    return CONTROL_CHARS.sub("", LONE_SURROGATE.sub("\ufffd", str(value))).strip() or None


def _keywords(*values: object) -> tuple[str, ...]:
    """Tags from strings ("a, b") or lists, deduplicated ignoring case, first spelling kept."""
    seen: dict[str, str] = {}
    for value in values:
        items = value.split(",") if isinstance(value, str) else value
        if not isinstance(items, list | tuple):
            continue
        for item in items:
            word = _scalar(item)
            if word and word.casefold() not in seen:
                seen[word.casefold()] = word
    return tuple(seen.values())


def _iso_date(value: object) -> str | None:
    """An ISO 8601 string for a YAML date or a date string; None when it cannot be read."""
    if isinstance(value, date):  # datetime is a date too
        return value.isoformat()
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    try:
        if len(text) == 10:
            return date.fromisoformat(text).isoformat()
        return datetime.fromisoformat(text).isoformat()
    except ValueError:
        pass
    for fmt in DATE_FORMATS:
        try:
            parsed = datetime.strptime(text, fmt)
        except ValueError:
            continue
        return parsed.isoformat() if "%H" in fmt else parsed.date().isoformat()
    try:
        return parsedate_to_datetime(text).isoformat()
    except (TypeError, ValueError, IndexError):
        return None


# -- plain text and Markdown --------------------------------------------------------------------


def _lines(text: str) -> Iterator[tuple[int, str]]:
    """Each line without its line break, with its offset."""
    offset = 0
    for line in text.splitlines(keepends=True):
        yield offset, line.rstrip(LINE_END_CHARS)
        offset += len(line)


def _text_paragraphs(source: str) -> list[Paragraph]:
    paragraphs: list[Paragraph] = []
    current: Paragraph = []
    for start, line in _lines(source):
        if not line.strip():
            if current:
                paragraphs.append(current)
                current = []
        elif not _is_boilerplate(line.strip()):
            current += [(line, start, False), ("\n", None, False)]
    if current:
        paragraphs.append(current)
    return paragraphs


def _markdown_paragraphs(source: str) -> list[Paragraph]:
    # Comments become spaces so every other character keeps its offset.
    masked = MD_COMMENT.sub(lambda m: re.sub(r"[^\n]", " ", m.group()), source)
    paragraphs: list[Paragraph] = []
    current: Paragraph = []
    fence = ""

    def flush() -> None:
        nonlocal current
        if current:
            paragraphs.append(current)
            current = []

    for start, line in _lines(masked):
        if fence:  # inside a code block: dropped, code is not prose
            if line.strip().startswith(fence):
                fence = ""
            continue
        if opening := MD_FENCE.match(line):
            flush()
            fence = opening.group(1)
            continue
        if not line.strip() or any(p.match(line) for p in (MD_RULE, MD_REFERENCE, MD_TABLE_RULE)):
            flush()
            continue
        offset = quote.end() if (quote := MD_QUOTE.match(line)) else 0
        if heading := MD_HEADING.match(line, offset):
            flush()
            current = _inline(heading.group("text"), start + heading.start("text"))
            flush()
            continue
        if item := MD_ITEM.match(line, offset):
            flush()
            offset = item.end()
        pieces = _inline(line[offset:], start + offset)
        text = "".join(piece[0] for piece in pieces).strip()
        if text and not _is_boilerplate(text):
            current += [*pieces, ("\n", None, False)]
    flush()
    return paragraphs


def _inline(text: str, base: int, in_link: bool = False) -> Paragraph:
    """Markdown inline syntax removed: link text kept (marked), images and tags dropped."""
    pieces: Paragraph = []
    pos = 0
    for match in MD_INLINE.finditer(text):
        if match.start() > pos:
            pieces.append((text[pos : match.start()], base + pos, in_link))
        pos = match.end()
        kind = match.lastgroup
        if kind == "link":
            pieces += _inline(match.group("label"), base + match.start("label"), True)
        elif kind == "auto":
            pieces.append((match.group()[1:-1], base + match.start() + 1, True))
        elif kind == "escape":
            pieces.append((match.group()[1], base + match.start() + 1, in_link))
        elif kind == "mark" and _literal_mark(text, match):
            pieces.append((match.group(), base + match.start(), in_link))
    if pos < len(text):
        pieces.append((text[pos:], base + pos, in_link))
    return pieces


def _literal_mark(text: str, match: re.Match[str]) -> bool:
    """True when * or _ is not emphasis: "2 * 3", snake_case."""
    before = text[match.start() - 1] if match.start() else " "
    after = text[match.end()] if match.end() < len(text) else " "
    mark = match.group()[0]
    if mark == "_":
        return before.isalnum() and after.isalnum()
    if mark == "*":
        return before.isspace() and after.isspace()
    return False


# -- HTML ---------------------------------------------------------------------------------------


def _html_paragraphs(source: str) -> tuple[list[Paragraph], dict[str, object]]:
    tree = LexborHTMLParser(source)
    locator = _TextLocator(source)
    paragraphs: list[Paragraph] = []
    current: Paragraph = []

    def flush() -> None:
        nonlocal current
        if current:
            paragraphs.append(current)
            current = []

    link_depth = 0
    stack: list[tuple[LexborNode, bool]] = [(tree.body or tree.root, False)]
    while stack:  # depth-first, iterative: broken HTML can nest deeper than Python recursion
        node, leaving = stack.pop()
        tag = node.tag
        if leaving:
            if tag == "a":
                link_depth -= 1
            if tag in CELL_TAGS:
                current.append((" ", None, False))
            if tag in BLOCK_TAGS:
                flush()
        elif node.is_text_node:
            located = locator.locate(node.text_content or "")
            current += [(text, offset, link_depth > 0) for text, offset in located]
        elif node.is_element_node:
            if _is_chrome(node):
                if tag not in RAW_TEXT_TAGS:
                    locator.skip(node)
                continue
            if tag in CELL_TAGS:
                current.append((" ", None, False))
            if tag in BLOCK_TAGS:
                flush()
            if tag == "a":
                link_depth += 1
            stack.append((node, True))
            stack += [(child, False) for child in reversed(_children(node))]
    flush()
    return paragraphs, _html_metadata(tree)


def _html_depth(source: str) -> int:
    """How deep elements nest, counting open tags less closed ones (stops past the limit)."""
    depth = deepest = 0
    for match in HTML_MARKUP.finditer(source):
        if match.group(1) is not None or source[match.start() + 1] in "!?":
            continue  # a comment, declaration or raw-text element: no nesting inside
        tag = TAG_NAME.match(match.group())
        if tag is None or tag.group(2).lower() in UNNESTED_TAGS or match.group().endswith("/>"):
            continue
        depth = max(depth - 1, 0) if tag.group(1) else depth + 1
        if depth > deepest:
            deepest = depth
            if deepest > MAX_HTML_DEPTH:
                break
    return deepest


def _too_deep(source: str, where: str, depth: int, line: int | None) -> Skipped:
    return Skipped(
        source,
        "bad-html",
        f"{where}: HTML elements nest more than {MAX_HTML_DEPTH:,} deep (unclosed tags?), "
        "too deep to read quickly; close the tags or save the article's text instead",
        line=line,
    )


def _children(node: LexborNode) -> list[LexborNode]:
    children = []
    child = node.child
    while child is not None:
        children.append(child)
        child = child.next
    return children


def _is_chrome(node: LexborNode) -> bool:
    """Navigation, share buttons, cookie banners, sign-up boxes, players: not the article."""
    tag = node.tag
    if tag in CHROME_TAGS:
        return True
    attrs = node.attributes
    if "hidden" in attrs or attrs.get("aria-hidden") == "true":
        return True
    if tag in CONTENT_TAGS:
        return False
    if (attrs.get("role") or "").lower() in CHROME_ROLES:
        return True
    marked = " ".join(attrs.get(name) or "" for name in ("class", "id"))
    words = set(WORD.findall(CAMEL_CASE.sub(r"\1 \2", marked).lower()))
    if tag in GUARDED_TAGS or words & CHROME_WORDS:
        return len(node.text(deep=True)) <= MAX_CHROME_CHARS
    return False


class _TextLocator:
    """Finds the parser's text nodes, in document order, in the raw HTML source.

    The raw text between tags is decoded (entities, line breaks) the way the parser does it,
    keeping which decoded characters are exact copies of the source, so a located text node
    maps back to the source exactly except where an entity stood.
    """

    def __init__(self, source: str) -> None:
        self._source = source
        self._markup = HTML_MARKUP.finditer(source)
        self._end = 0  # end of the last markup read
        self._done = False
        self._runs: list[tuple[str, list[Chunk]]] = []
        self._run = 0  # cursor: run index and position in its decoded text
        self._pos = 0

    def locate(self, text: str) -> list[tuple[str, int | None]]:
        """``text`` split into parts, each with its source offset (None where it differs)."""
        if not text.strip():
            return [(text, None)]
        index = self._run
        while index < self._run + LOOKAHEAD_RUNS and self._load(index):
            decoded, chunks = self._runs[index]
            found = decoded.find(text, self._pos if index == self._run else 0)
            if found >= 0:
                self._run, self._pos = index, found + len(text)
                return [
                    (text[rel : rel + n], src) for rel, src, n in _project(found, len(text), chunks)
                ]
            index += 1
        return [(text, None)]

    def skip(self, node: LexborNode) -> None:
        """Move past the text of a dropped element, so later text is not matched inside it."""
        for inner in node.traverse(include_text=True):
            parent = inner.parent
            if inner.is_text_node and (parent is None or parent.tag not in RAW_TEXT_TAGS):
                self.locate(inner.text_content or "")

    def _load(self, index: int) -> bool:
        while len(self._runs) <= index and not self._done:
            match = next(self._markup, None)
            start, end = (match.start(), match.end()) if match else (len(self._source), 0)
            if start > self._end:
                self._runs.append(_decode_html_run(self._source, self._end, start))
            if match is None:
                self._done = True
            else:
                self._end = end
        return index < len(self._runs)


def _decode_html_run(source: str, start: int, end: int) -> tuple[str, list[Chunk]]:
    parts: list[str] = []
    chunks: list[Chunk] = []
    decoded = 0
    pos = start
    for match in HTML_ESCAPE.finditer(source, start, end):
        if match.start() > pos:
            chunks.append((decoded, pos, match.start() - pos))
            parts.append(source[pos : match.start()])
            decoded += match.start() - pos
        raw = match.group()
        if raw[0] == "\r":
            replacement = "\n"
            if raw == "\r\n":
                chunks.append((decoded, match.start() + 1, 1))
        elif raw == "\x00":
            replacement = ""
        else:
            replacement = html.unescape(raw)
            if replacement == raw:
                chunks.append((decoded, match.start(), len(raw)))
        parts.append(replacement)
        decoded += len(replacement)
        pos = match.end()
    if end > pos:
        chunks.append((decoded, pos, end - pos))
        parts.append(source[pos:end])
    return "".join(parts), chunks


def _html_metadata(tree: LexborHTMLParser) -> dict[str, object]:
    metas: dict[str, list[str]] = {}
    for node in tree.css("meta"):
        attrs = node.attributes
        key = (attrs.get("property") or attrs.get("name") or attrs.get("itemprop") or "").lower()
        content = (attrs.get("content") or "").strip()
        if key and content:
            metas.setdefault(key.strip(), []).append(content)

    def first(*keys: str) -> str | None:
        return next((metas[key][0] for key in keys if key in metas), None)

    title_node = tree.css_first("title")
    canonical = tree.css_first('link[rel~="canonical"]')
    dates = [value for key in HTML_DATE_KEYS for value in metas.get(key, [])]
    dates += [node.attributes.get("datetime") or "" for node in tree.css("time[datetime]")]
    meta: dict[str, object] = {
        "title": first("og:title", "twitter:title")
        or (_one_line(title_node.text()) if title_node else None),
        "date": next((d for d in map(_iso_date, dates) if d), None),
        BAD_DATE: next((_quote(d) for d in dates if d.strip()), None),
        "url": (canonical.attributes.get("href") if canonical else None) or first("og:url"),
        "publisher": first("og:site_name"),
        "keywords": _keywords(
            *metas.get("keywords", []),
            metas.get("article:tag", []),
            *metas.get("news_keywords", []),
        ),
    }
    return {
        key: _one_line(value) if isinstance(value, str) and key != BAD_DATE else value
        for key, value in meta.items()
        if value
    }


# -- paragraphs to text, offsets ----------------------------------------------------------------


def _assemble(paragraphs: list[Paragraph], source: str) -> tuple[str, tuple[Segment, ...]]:
    """Join kept paragraphs with blank lines; segments for every part copied from ``source``."""
    kept: list[str] = []
    segments: list[Segment] = []
    pos = 0
    for paragraph in paragraphs:
        pieces = _cut_symbol_runs(_tidy(paragraph))
        text = "".join(piece[0] for piece in pieces)
        if not text or _is_boilerplate(text) or _is_teaser(text) or _is_link_only(pieces):
            continue
        if kept:
            pos += len(PARAGRAPH_SEP)
        for piece, offset, _ in pieces:
            if offset is not None:
                _add_segment(segments, pos, offset, piece, source)
            pos += len(piece)
        kept.append(text)
    return PARAGRAPH_SEP.join(kept), tuple(segments)


def _tidy(pieces: Paragraph) -> Paragraph:
    """Whitespace runs become one space (kept mapped only if it was one space); ends trimmed."""
    out: Paragraph = []
    pending = False  # a whitespace run waits to become a space before the next word
    space_offset: int | None = None
    for text, offset, link in _without_controls(pieces):
        pos = 0
        for match in [*WHITESPACE.finditer(text), None]:
            stop = match.start() if match else len(text)
            if stop > pos:
                if pending and out:
                    out.append((" ", space_offset, False))
                pending = False
                out.append((text[pos:stop], None if offset is None else offset + pos, link))
            if match:
                pending = True
                exact = offset is not None and match.group() == " "
                space_offset = offset + match.start() if exact else None
                pos = match.end()
    return out


def _cut_symbol_runs(pieces: Paragraph) -> Paragraph:
    """Runs of symbols ("______", "!!!!!!", emoji, stacked accents) cut to their first few:
    spaCy's tokenizer splits such a run one character at a time, in time quadratic in its
    length (10,000 underscores take seconds, a megabyte days), and they are never prose."""
    text = "".join(piece[0] for piece in pieces)
    cuts = [(m.start() + SYMBOL_RUN_KEEP, m.end()) for m in SYMBOL_RUN.finditer(text)]
    if not cuts:
        return pieces
    out: Paragraph = []
    index = 0
    pos = 0  # where the current piece starts in text
    for piece, offset, link in pieces:
        end = pos + len(piece)
        keep = pos  # the next character of this piece not yet kept or cut
        while index < len(cuts) and cuts[index][0] < end:
            a, b = cuts[index]
            if a > keep:
                out.append(_sub_piece(piece, offset, link, keep - pos, a - pos))
            keep = max(keep, b)
            if b > end:
                break  # the run goes on into the next piece
            index += 1
        if keep < end:
            out.append(_sub_piece(piece, offset, link, keep - pos, len(piece)))
        pos = end
    return out


def _sub_piece(piece: str, offset: int | None, link: bool, start: int, stop: int) -> Piece:
    return piece[start:stop], None if offset is None else offset + start, link


def _without_controls(pieces: Paragraph) -> Iterator[Piece]:
    """The pieces with control characters cut out, each part keeping its own offset."""
    for text, offset, link in pieces:
        if not CONTROL_CHARS.search(text):
            yield text, offset, link
            continue
        pos = 0
        for match in [*CONTROL_CHARS.finditer(text), None]:
            stop = match.start() if match else len(text)
            if stop > pos:
                yield text[pos:stop], None if offset is None else offset + pos, link
            if match:
                pos = match.end()


def _is_boilerplate(text: str) -> bool:
    return len(text) <= MAX_BOILERPLATE_CHARS and any(p.fullmatch(text) for p in BOILERPLATE)


def _is_teaser(text: str) -> bool:
    """An all-caps headline of another story, left over when its link was lost."""
    return (
        len(text) <= MAX_BOILERPLATE_CHARS
        and len(text.split()) >= MIN_TEASER_WORDS
        and text.isupper()
        and sum(ch.isalpha() for ch in text) >= MIN_TEASER_LETTERS
    )


def _is_link_only(pieces: Paragraph) -> bool:
    """A paragraph whose words are all link text: a teaser for another story, or a menu."""
    linked = False
    for text, _, in_link in pieces:
        if any(ch.isalnum() for ch in text):
            if not in_link:
                return False
            linked = True
    return linked


def _add_segment(segments: list[Segment], start: int, offset: int, text: str, source: str) -> None:
    # Only what really matches the source is mapped, so the invariant holds whatever a cleaner
    # did; a part that differs keeps its longest exact prefix.
    copied = source[offset : offset + len(text)]
    length = len(text) if copied == text else len(os.path.commonprefix([text, copied]))
    _append_segment(segments, start, offset, length)


def _append_segment(segments: list[Segment], start: int, offset: int, length: int) -> None:
    """Append, merging with the previous segment when both sides simply continue."""
    if length <= 0:
        return
    if segments:
        last_start, last_offset, last_length = segments[-1]
        if last_start + last_length == start and last_offset + last_length == offset:
            segments[-1] = (last_start, last_offset, last_length + length)
            return
    segments.append((start, offset, length))


def _project(start: int, length: int, chunks: list[Chunk]) -> list[tuple[int, int | None, int]]:
    """Cover ``[start, start+length)`` of a derived string: (relative start, source or None, n)."""
    parts: list[tuple[int, int | None, int]] = []
    pos = start
    end = start + length
    index = max(bisect_right(chunks, (start, sys.maxsize, 0)) - 1, 0)
    for derived, src, n in chunks[index:]:
        if derived >= end:
            break
        a, b = max(derived, pos), min(derived + n, end)
        if a >= b:
            continue
        if a > pos:
            parts.append((pos - start, None, a - pos))
        parts.append((a - start, src + a - derived, b - a))
        pos = b
    if pos < end:
        parts.append((pos - start, None, end - pos))
    return parts


def _compose(segments: Iterable[Segment], chunks: list[Chunk], base: int) -> tuple[Segment, ...]:
    """Segments into a decoded JSON string, re-pointed into the file through ``chunks``."""
    out: list[Segment] = []
    for text_start, value_start, length in segments:
        for rel, src, n in _project(value_start, length, chunks):
            if src is not None:
                _append_segment(out, text_start + rel, base + src, n)
    return tuple(out)


def _json_string_chunks(line: str, key: str, value: str) -> list[Chunk]:
    """Where ``value`` (the decoded string under ``key``) was copied from in the JSON line."""
    for match in re.finditer(rf'"{re.escape(key)}"\s*:\s*"', line):
        decoded = _json_string(line, match.end())
        if decoded is not None and decoded[0] == value:
            return decoded[1]
    return []


def _json_string(line: str, pos: int) -> tuple[str, list[Chunk]] | None:
    """Decode the JSON string starting at ``pos`` (after its quote), keeping exact chunks."""
    parts: list[str] = []
    chunks: list[Chunk] = []
    decoded = 0
    while special := JSON_SPECIAL.search(line, pos):
        at = special.start()
        if at > pos:
            chunks.append((decoded, pos, at - pos))
            parts.append(line[pos:at])
            decoded += at - pos
        if line[at] == '"':
            return "".join(parts), chunks
        escape = line[at + 1 : at + 2]
        pos = at + 2
        if escape == "u":
            try:
                code = int(line[at + 2 : at + 6], 16)
                pos = at + 6
                if 0xD800 <= code < 0xDC00 and line[pos : pos + 2] == "\\u":
                    low = int(line[pos + 2 : pos + 6], 16)
                    if 0xDC00 <= low < 0xE000:
                        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                        pos += 6
            except ValueError:
                return None
            char = chr(code)
        else:
            char = JSON_ESCAPES.get(escape, escape)
        parts.append(char)
        decoded += len(char)
    return None


# -- messages -----------------------------------------------------------------------------------


def _too_large(source: str, size: int, max_bytes: int) -> Skipped:
    return Skipped(
        source,
        "too-large",
        f"{source}: file is {size:,} bytes, over the limit of {max_bytes:,} bytes; "
        "split it or raise the limit with --max-bytes",
    )


def _unreadable(source: str, error: OSError | ValueError) -> Skipped:
    problem = getattr(error, "strerror", None) or error
    return Skipped(
        source,
        "unreadable",
        f"{source}: cannot be read ({problem}); check the path and that it is readable",
    )
