"""An indexed stand-in for the Matcher of spaCy's attribute ruler: the same matches, found faster.

The attribute ruler (tag map, POS and morphology exceptions: 179 rules in ``en_core_web_sm``)
runs spaCy's Matcher with all its rules at every token. Almost all of them are one token long
and name the token's tag or lower-case form, yet the Matcher tries each rule everywhere:
that costs as much as the parser (1.7 s of 11.5 s of parsing on the speed benchmark).

``index_attribute_ruler(nlp)`` gives the pipeline's attribute ruler an ``IndexedMatcher``: the
rules are filed under the tag or word their first token needs, so each token is checked only
against the few rules that can start there. It finds exactly the Matcher's matches (same rule
keys, same spans, each once), so the ruler sets the same attributes; the rules it cannot file
(quantifiers, predicates other than equality, IN, NOT_IN and REGEX, attributes other than the
strings and flags below) stay with spaCy's Matcher, and so does any call other than the ruler's
own (spans, alignments, annotation checks).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from spacy.attrs import IDS
from spacy.language import Language
from spacy.matcher import Matcher
from spacy.tokens import Doc

__all__ = ["IndexedMatcher", "index_attribute_ruler"]

# token attributes whose values are strings (compared by hash) and boolean flags
STRING_ATTRS = ("ORTH", "LOWER", "NORM", "TAG", "POS", "DEP", "LEMMA", "SHAPE", "ENT_TYPE")
FLAG_ATTRS = ("IS_SPACE", "IS_PUNCT", "IS_ALPHA", "IS_DIGIT", "IS_TITLE", "IS_LOWER", "IS_UPPER",
              "IS_STOP", "LIKE_NUM")
# attributes that pick a rule's place in the index, the most selective first
INDEX_ORDER = ("ORTH", "LOWER", "NORM", "LEMMA", "TAG", "DEP", "POS", *FLAG_ATTRS)

Test = Callable[[Sequence[int]], bool]


class IndexedMatcher:
    """spaCy's ``matcher`` with its rules filed by their first token's tag or word.

    Calls that the ruler makes (a Doc, ``allow_missing=True``, no spans or alignments) are
    answered from the index plus, for the rules it could not file, the Matcher itself; any
    other call, and every other attribute, goes to the Matcher. Rules added to the Matcher
    later are filed at the next call.
    """

    def __init__(self, matcher: Matcher) -> None:
        self.matcher = matcher
        self._filed_as: tuple = ()
        self._build()

    def __getattr__(self, name: str) -> Any:
        if name == "matcher":  # not set yet (while unpickling)
            raise AttributeError(name)
        return getattr(self.matcher, name)

    def __reduce__(self):  # the index is rebuilt from the Matcher (its tests are closures)
        return IndexedMatcher, (self.matcher,)

    def __len__(self) -> int:
        return len(self.matcher)

    def __contains__(self, key) -> bool:
        return key in self.matcher

    def _rules(self) -> tuple[int, int]:
        """How many rules and patterns the Matcher holds (a change means: file them again)."""
        patterns = self.matcher._patterns
        return len(patterns), sum(map(len, patterns.values()))

    def _build(self) -> None:
        vocab = self.matcher.vocab
        columns = _Columns()
        self.index: dict[int, dict[int, list]] = {}  # column -> value -> [(key, size, first, rest)]
        self.anywhere: list = []  # rules whose first token names no filed attribute
        leftover = Matcher(vocab)
        self.filed = self.unfiled = 0
        for key in list(self.matcher._patterns):
            _, patterns = self.matcher.get(key)
            compiled = [_compile(p, vocab, columns) for p in patterns]
            if any(c is None for c in compiled):
                leftover.add(key, patterns)
                self.unfiled += 1
                continue
            self.filed += 1
            for size, place, first, rest in compiled:
                entry = (key, size, first, rest)
                if place is None:
                    self.anywhere.append(entry)
                else:
                    c, values = place
                    by_value = self.index.setdefault(c, {})
                    for v in values:
                        by_value.setdefault(v, []).append(entry)
        self.columns = columns.ids  # the attribute IDs read from each Doc, in order
        self.rest = leftover if len(leftover) else None
        self._filed_as = self._rules()

    def __call__(self, doclike, *args, as_spans=False, allow_missing=False, with_alignments=False,
                 **kwargs):
        if (args or kwargs or as_spans or with_alignments or not allow_missing
                or not isinstance(doclike, Doc)):
            return self.matcher(doclike, *args, as_spans=as_spans, allow_missing=allow_missing,
                                with_alignments=with_alignments, **kwargs)
        if self._filed_as != self._rules():
            self._build()
        doc = doclike
        rows = doc.to_array(self.columns).tolist() if self.columns and len(doc) else []
        if rows and not isinstance(rows[0], list):  # one column comes back flat
            rows = [[v] for v in rows]
        n = len(rows)
        found: dict[tuple, None] = {}
        index, anywhere = list(self.index.items()), self.anywhere
        for i, row in enumerate(rows):
            candidates = []
            for c, by_value in index:
                hit = by_value.get(row[c])
                if hit:
                    candidates += hit
            if anywhere:
                candidates += anywhere
            for key, size, first, rest in candidates:
                if first is not None and not first(row):
                    continue
                end = i + size
                if size == 1:
                    found[(key, i, end)] = None
                elif end <= n and all(test(rows[i + k]) for k, test in enumerate(rest, 1)):
                    found[(key, i, end)] = None
        matches = list(found)
        if self.rest is not None:
            matches += [m for m in self.rest(doc, allow_missing=True) if m not in found]
        return matches


class _Columns:
    """The token attributes the rules read, numbered in the order first named."""

    def __init__(self) -> None:
        self.ids: list[int] = []
        self.names: list[str] = []

    def __call__(self, attr: str) -> int:
        if attr not in self.names:
            self.names.append(attr)
            self.ids.append(IDS[attr])
        return self.names.index(attr)


def _compile(pattern: list[dict], vocab, col: _Columns):
    """A fixed-length pattern as ``(size, place, first, rest)``: ``place`` is ``(column,
    values)``, the values one attribute of its first token must have (None: any token);
    ``first`` tests the first token's other constraints (None: none left), ``rest`` each
    following token, over a row of attribute values. None when the pattern uses anything
    else (operators, other predicates, other attributes)."""
    specs = []
    for spec in pattern:
        checks = []
        for attr, value in spec.items():
            attr = attr.upper()
            attr = "ORTH" if attr == "TEXT" else attr
            if attr in FLAG_ATTRS and isinstance(value, bool):
                checks.append((col(attr), "eq", int(value)))
            elif attr in STRING_ATTRS and isinstance(value, str):
                checks.append((col(attr), "eq", vocab.strings.add(value)))
            elif attr in STRING_ATTRS and isinstance(value, dict) and len(value) == 1:
                (op, arg), = value.items()
                if op in ("IN", "NOT_IN") and isinstance(arg, list) and all(
                        isinstance(a, str) for a in arg):
                    checks.append((col(attr), op, frozenset(vocab.strings.add(a) for a in arg)))
                elif op == "REGEX" and isinstance(arg, str):
                    checks.append((col(attr), "REGEX", re.compile(arg)))
                else:
                    return None
            else:
                return None
        specs.append(checks)
    if not specs:
        return None
    place = None
    usable = [(INDEX_ORDER.index(col.names[c]), j) for j, (c, kind, _) in enumerate(specs[0])
              if col.names[c] in INDEX_ORDER and kind in ("eq", "IN")]
    if usable:
        # the index asks this check; the first token's test asks the others
        c, kind, v = specs[0].pop(min(usable)[1])
        place = (c, v if kind == "IN" else (v,))
    first = _test(specs[0], vocab) if specs[0] else None
    return len(specs), place, first, tuple(_test(checks, vocab) for checks in specs[1:])


def _test(checks: list[tuple], vocab) -> Test:
    strings = vocab.strings

    def test(row: Sequence[int]) -> bool:
        for c, kind, v in checks:
            x = row[c]
            if kind == "eq":
                if x != v:
                    return False
            elif kind == "IN":
                if x not in v:
                    return False
            elif kind == "NOT_IN":
                if x in v:
                    return False
            elif not v.search(strings[x] if x else ""):
                return False
        return True

    return test


def index_attribute_ruler(nlp: Language) -> IndexedMatcher | None:
    """Give the pipeline's attribute ruler an IndexedMatcher (in place); it, or None when the
    pipeline has no attribute ruler or its Matcher cannot be read (the index reads the
    Matcher's ``_patterns``; a spaCy that keeps them otherwise keeps its own Matcher)."""
    for _, proc in nlp.pipeline:
        matcher = getattr(proc, "matcher", None)
        if type(proc).__name__ == "AttributeRuler" and isinstance(matcher, Matcher):
            try:
                proc.matcher = IndexedMatcher(matcher)
            except Exception:  # noqa: BLE001 - a spaCy whose Matcher reads otherwise: keep it
                return None
            return proc.matcher
    return None
