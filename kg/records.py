"""Frozen records handed from one stage to the next: plain strings and numbers only."""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field

__all__ = ["Document", "Note", "Skipped", "Mention", "Candidate", "Rejected", "Evidence"]


@dataclass(frozen=True, slots=True)
class Note:
    """Something the reader fixed or dropped in an article it still read (an encoding it guessed,
    a date it could not parse): worth telling the user, not a reason to skip the article."""

    source: str
    reason: str  # short key for counting: "encoding", "bad-date", ...
    message: str  # one line: what, which file (and line), what was done, how to avoid it
    line: int | None = None


@dataclass(frozen=True, slots=True)
class Document:
    """One article, its clean text and metadata.

    ``segments`` maps the clean text back to the source: each ``(text_start, source_start,
    length)`` says that ``text[text_start:text_start+length]`` came from
    ``source_text[source_start:source_start+length]`` (decoded characters of the file, or of the
    JSONL line). Text between segments (paragraph breaks) was inserted by the reader.
    """

    id: str  # stable identifier: path relative to the input root, "name.jsonl#L3", or "stdin"
    text: str
    source: str  # the path as given, or "-"
    format: str  # "text", "markdown", "html", "jsonl"
    title: str | None = None
    date: str | None = None  # ISO 8601 date or date-time, as normalised by the reader
    url: str | None = None
    feed: str | None = None  # front matter "source": the feed or site it came from
    publisher: str | None = None
    keywords: tuple[str, ...] = ()
    segments: tuple[tuple[int, int, int], ...] = field(default=(), repr=False)
    notes: tuple[Note, ...] = ()  # what the reader had to guess or drop; the article was read

    def source_offset(self, i: int) -> int:
        """The source position of clean-text position ``i`` (nearest segment start if between)."""
        if not self.segments:
            return i
        starts = [s[0] for s in self.segments]
        k = max(bisect_right(starts, i) - 1, 0)
        text_start, source_start, length = self.segments[k]
        return source_start + min(max(i - text_start, 0), length)


@dataclass(frozen=True, slots=True)
class Skipped:
    """An input that could not be read, and why; the build goes on without it."""

    source: str
    reason: str  # short key used in the summary: "empty", "binary", "bad-front-matter", ...
    message: str  # one line: what, which file (and line), how to fix
    line: int | None = None


@dataclass(frozen=True, slots=True)
class Mention:
    """A typed entity mention in one document."""

    doc_id: str
    text: str  # surface form as written (quotes and titles stripped)
    start: int  # character offsets in Document.text
    end: int
    cls: str  # ontology class local name, e.g. "Country"
    label: str  # spaCy label or "RULER", "DEMONYM", "CUE"
    key: str = ""  # normalised name used by resolution (e.g. demonym -> country name)
    sentence: int = 0  # sentence index in the document


@dataclass(frozen=True, slots=True)
class Evidence:
    """Where a candidate triple came from."""

    doc_id: str
    sentence: str
    sent_start: int
    sent_end: int
    extractor: str  # registered name with version, e.g. "relations.dependency.v1"
    rule: str  # which rule block fired, e.g. "verb:invade"
    confidence: float


@dataclass(frozen=True, slots=True)
class Candidate:
    """A relation triple between two mentions (or the document itself as subject)."""

    subject: Mention | None  # None: the document is the subject (citesSource)
    predicate: str  # property local name
    object: Mention
    evidence: Evidence


@dataclass(frozen=True, slots=True)
class Rejected:
    candidate: Candidate
    reason: str
