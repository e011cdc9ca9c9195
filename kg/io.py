"""Read articles (text, Markdown with front matter, HTML, JSONL) from files, folders or stdin."""

from __future__ import annotations

import codecs
import html
import json
import os
import re
import sys
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Mapping
from datetime import date, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path

import yaml
from selectolax.lexbor import LexborHTMLParser, LexborNode

from kg.records import Document, Skipped

__all__ = ["read_documents"]

DEFAULT_MAX_BYTES = 50_000_000
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
    paths: Iterable[str | os.PathLike[str]], *, max_bytes: int = DEFAULT_MAX_BYTES
) -> Iterator[Document | Skipped]:
    """Yield one ``Document`` per article found in ``paths``, or a ``Skipped`` saying why not.

    ``paths`` holds files, folders (read recursively, sorted, hidden entries ignored) and ``-``
    for stdin. ``max_bytes`` caps each file and stdin; JSONL streams, so it caps each line.
    Nothing raises for a bad input; it comes back as a ``Skipped`` record.

    >>> for record in read_documents(["articles/", "-"]):  # doctest: +SKIP
    ...     print(record.id if isinstance(record, Document) else record.message)
    """
    if isinstance(paths, str | os.PathLike):
        paths = [paths]
    for given in paths:
        name = os.fspath(given)
        if name == "-":
            yield _read_stdin(max_bytes)
            continue
        path = Path(name)
        try:
            is_dir, exists = path.is_dir(), path.exists()
        except (OSError, ValueError) as error:  # no permission, NUL in the name, ...
            yield _unreadable(name, error)
            continue
        if is_dir:
            yield from _read_folder(path, max_bytes)
        elif exists:
            yield from _read_file(path, path.name, max_bytes, explicit=True)
        else:
            yield Skipped(name, "missing", f"{name}: no such file or folder; check the path")


# -- inputs -------------------------------------------------------------------------------------


def _read_stdin(max_bytes: int) -> Document | Skipped:
    data = sys.stdin.buffer.read(max_bytes + 1)
    if len(data) > max_bytes:
        return Skipped(
            "-",
            "too-large",
            f"-: stdin holds more than {max_bytes:,} bytes, the limit; "
            "send less or raise the limit with --max-bytes",
        )
    return _parse(data, "-", "stdin", None)


def _read_folder(
    folder: Path, max_bytes: int, root: Path | None = None
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
        if entry.is_dir(follow_symlinks=False):
            yield from _read_folder(path, max_bytes, root)
        elif entry.is_file():
            doc_id = path.relative_to(root).as_posix()
            yield from _read_file(path, doc_id, max_bytes, explicit=False)


def _name(entry: os.DirEntry[str]) -> str:
    return entry.name


def _read_file(
    path: Path, doc_id: str, max_bytes: int, *, explicit: bool
) -> Iterator[Document | Skipped]:
    source = str(path)
    suffix = path.suffix.lower()
    kind = _kind_of(suffix)
    try:
        if suffix in JSONL_SUFFIXES:
            yield from _read_jsonl(path, doc_id, max_bytes)
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
        if size > max_bytes:
            yield _too_large(source, size, max_bytes)
            return
        data = path.read_bytes()
    except OSError as error:
        yield _unreadable(source, error)
        return
    yield _parse(data, source, doc_id, kind)


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


def _parse(data: bytes, source: str, doc_id: str, kind: str | None) -> Document | Skipped:
    """One whole file (or stdin): ``kind`` None means sniff it."""
    if _looks_binary(data[:SNIFF_BYTES]):
        return Skipped(
            source, "binary", f"{source}: looks like a binary file, not text; remove or convert it"
        )
    text = _decode(data)
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
        kind = "markdown"
    fmt = kind = kind or ("html" if HTML_START.match(text) else "text")
    if fmt == "markdown" and HTML_BLOCK.search(text, body_start):
        kind = "html"  # the body of a Markdown file may be HTML, as feed exporters write it
    body = text[body_start:] if body_start else text
    paragraphs, found = _clean(body, kind)
    for key, value in found.items():
        meta.setdefault(key, value)
    clean, segments = _assemble(paragraphs, body)
    if not clean:
        return Skipped(
            source,
            "empty",
            f"{source}: no article text left after removing markup and boilerplate; "
            "check that the file holds the article body",
        )
    segments = tuple((t, s + body_start, n) for t, s, n in segments)
    return Document(id=doc_id, text=clean, source=source, format=fmt, segments=segments, **meta)


def _clean(body: str, kind: str) -> tuple[list[Paragraph], dict[str, object]]:
    if kind == "html":
        return _html_paragraphs(body)
    if kind == "markdown":
        return _markdown_paragraphs(body), {}
    return _text_paragraphs(body), {}


def _read_jsonl(path: Path, file_id: str, max_bytes: int) -> Iterator[Document | Skipped]:
    source = str(path)
    with path.open("rb") as handle:
        if _looks_binary(handle.read(SNIFF_BYTES)):
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
            line = _decode(raw)
            record = _jsonl_record(line, number, base, source, file_id)
            base += len(line)
            if record is not None:
                found = True
                yield record
    if not found:
        yield Skipped(
            source, "empty", f"{source}: file has no JSON lines; add one JSON object per line"
        )


def _jsonl_record(
    line: str, number: int, base: int, source: str, file_id: str
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
            f"{where} is not valid JSON ({error.msg} at column {error.colno}); "
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
    doc_id = f"{file_id}#{ident}" if ident not in (None, "") else f"{file_id}#L{number}"
    meta = _metadata(obj)
    if HTML_BLOCK.search(value) or HTML_START.match(value):
        paragraphs, found = _html_paragraphs(value)
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
    chunks = _json_string_chunks(line, key, obj[key])
    return Document(
        id=doc_id,
        text=text,
        source=source,
        format="jsonl",
        segments=_compose(segments, chunks, base),
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
    text = sample.decode("utf-8", errors="replace")
    odd = text.count("\ufffd") + sum(ch < " " and ch not in "\t\n\r\f\v" for ch in text)
    return odd > MAX_UNDECODABLE_SHARE * max(len(text), 1)


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def _char_count(raw: bytes) -> int:
    """Characters in UTF-8 bytes, without decoding them."""
    return len(raw.translate(None, UTF8_CONTINUATION))


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


def _load_yaml(block: str) -> object:
    try:
        return yaml.safe_load(block)
    except ValueError:
        # An impossible date such as 2025-02-30 must not cost the article: read every value
        # as a string instead (still safe), and let _iso_date give up on that one date.
        return yaml.load(block, Loader=yaml.BaseLoader)


def _one_line(message: str) -> str:
    return " ".join(message.split())


def _metadata(fields: Mapping[object, object]) -> dict[str, object]:
    """Document keyword arguments from front matter or a JSON object (only those present)."""
    lowered = {str(key).lower(): value for key, value in fields.items()}

    def first(*keys: str) -> str | None:
        for key in keys:
            value = _scalar(lowered.get(key))
            if value:
                return value
        return None

    dates = (lowered.get(key) for key in ("date", "published", "pubdate"))
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


def _scalar(value: object) -> str | None:
    if value is None or isinstance(value, list | dict | tuple | set):
        return None
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip() or None


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
        "url": (canonical.attributes.get("href") if canonical else None) or first("og:url"),
        "publisher": first("og:site_name"),
        "keywords": _keywords(
            *metas.get("keywords", []),
            metas.get("article:tag", []),
            *metas.get("news_keywords", []),
        ),
    }
    return {key: value for key, value in meta.items() if value}


# -- paragraphs to text, offsets ----------------------------------------------------------------


def _assemble(paragraphs: list[Paragraph], source: str) -> tuple[str, tuple[Segment, ...]]:
    """Join kept paragraphs with blank lines; segments for every part copied from ``source``."""
    kept: list[str] = []
    segments: list[Segment] = []
    pos = 0
    for paragraph in paragraphs:
        pieces = _tidy(paragraph)
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
    for text, offset, link in pieces:
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
