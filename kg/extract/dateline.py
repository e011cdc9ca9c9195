"""Wire-story datelines: 'CITY, Region (AGENCY) --' and 'Place AGENCY in Language 0400 GMT'."""

from __future__ import annotations

import re
from dataclasses import dataclass

from spacy.tokens import Span

__all__ = ["Dateline", "find_dateline", "may_hold_story_ids"]

# a wire service's story number before a monitoring header ('PA2904034294')
STORY_ID = re.compile(r"^[A-Z]{2}\d{6,}$")
STORY_ID_INSIDE = re.compile(r"[A-Z]{2}\d{6}")
MONTHS = frozenset("""jan jan. january feb feb. february mar mar. march apr apr. april may jun
    jun. june jul jul. july aug aug. august sep sep. sept sept. september oct oct. october nov
    nov. november dec dec. december""".split())
DASHES = frozenset({"--", "-", "—", "–", "_"})
MAX_PLACES = 3
CITY_WORDS = frozenset({"city", "town"})  # 'Panama City': the word is part of the place
MAX_WORDS = 4  # words in one place or agency name


@dataclass(frozen=True)
class Dateline:
    """Where a story was filed (places, outermost last) and the agency that filed it."""

    places: tuple[Span, ...]
    agency: Span


def may_hold_story_ids(text: str) -> bool:
    """False when no token of ``text`` can be a story number (then no sentence needs the search)."""
    return STORY_ID_INSIDE.search(text) is not None


def find_dateline(sent: Span, story_ids: bool = True) -> Dateline | None:
    """The dateline a sentence opens with, if it has one of the two wire forms:
    'BANGKOK, Thailand (AP)' / 'Moscow March 5 (ITAR-TASS) --' (places, a date, the agency in
    parentheses), or a monitoring header 'PA0302 Paris AFP in English 0107 GMT' / 'Tokyo
    NIHON KEIZAI SHIMBUN' (a place the NER knows, then the agency)."""
    i = _skip_preamble(sent)
    found = _parenthesised(sent, i) or _header(sent, i)
    if found is None and story_ids:
        # a headline may come first: 'Yeltsin Orders Audit MK1401103094 Moscow ...'
        ids = [t.i for t in sent if STORY_ID.match(t.text)]
        if ids and ids[0] + 1 < sent.end:
            found = _header(sent, ids[0] + 1)
    return found


def _skip_preamble(sent: Span) -> int:
    """Index after '( Text )' and story numbers at the start of the sentence."""
    doc, i = sent.doc, sent.start
    while i < sent.end:
        if doc[i].text == "(" and i + 2 < sent.end and doc[i + 1].lower_ == "text" \
                and doc[i + 2].text == ")":
            i += 3
        elif STORY_ID.match(doc[i].text) or doc[i].is_space:
            i += 1
        else:
            break
    return i


def _name_at(sent: Span, i: int) -> int:
    """End of a run of capitalised words starting at i (i itself when there is none)."""
    doc, j = sent.doc, i
    while j < sent.end and j - i < MAX_WORDS and doc[j].text[:1].isupper() \
            and doc[j].lower_ not in MONTHS and not doc[j].like_num:
        j += 1
        # 'Saint-Gall': a hyphen inside a name
        if j + 1 < sent.end and doc[j].text == "-" and not doc[j - 1].whitespace_ \
                and not doc[j].whitespace_ and doc[j + 1].text[:1].isupper():
            j += 1
    return j


def _parenthesised(sent: Span, i: int) -> Dateline | None:
    doc, places = sent.doc, []
    while len(places) < MAX_PLACES:
        j = _name_at(sent, i)
        if j == i:
            break
        words = [t for t in doc[i:j] if t.is_alpha]
        if len({t.is_upper for t in words}) > 1:
            return None  # 'Beijing CHINA DAILY': a place and a paper, not one place
        places.append(doc[i:j])
        i = j
        if i < sent.end and doc[i].text == ",":
            i += 1
    if not places:
        return None
    # an optional date: 'March 5', '29 Apr', 'Feb 2', '15 February'
    k = i
    while k < sent.end and k - i < 4 and (doc[k].lower_ in MONTHS or doc[k].like_num
                                          or doc[k].text == ","):
        k += 1
    if k < sent.end and k > i and doc[k].text != "(":
        # 'Moscow April 25 TASS --': after a date, the agency may stand bare before a dash
        j = _name_at(sent, k)
        if j > k and j < sent.end and doc[j].text in DASHES:
            return Dateline(tuple(places), doc[k:j])
        return None
    if k >= sent.end or doc[k].text != "(":
        return None
    close = next((t.i for t in doc[k + 1:min(sent.end, k + 2 + MAX_WORDS)] if t.text == ")"),
                 None)
    if close is None or close == k + 1 or not all(
            t.text[:1].isupper() for t in doc[k + 1:close] if t.is_alpha):
        return None
    rest = [t for t in doc[close + 1:sent.end] if not t.is_space]
    if rest and rest[0].text not in DASHES:
        return None
    return Dateline(tuple(places), doc[k + 1:close])


def _header(sent: Span, i: int) -> Dateline | None:
    doc = sent.doc
    if i >= sent.end:
        return None
    if doc[i].ent_iob_ != "B" or doc[i].ent_type_ not in ("GPE", "LOC"):
        return _merged_header(sent, i)
    place_end = i + 1
    while place_end < sent.end and doc[place_end].ent_iob_ == "I":
        place_end += 1
    j = _name_at(sent, place_end)
    if j == place_end:
        return None
    while place_end < j - 1 and not doc[place_end].is_upper and doc[j - 1].is_upper:
        place_end += 1  # 'Mexico City LA JORNADA': the NER's place stopped short
    rest = [t for t in doc[j:sent.end] if not t.is_space]
    # 'Paris AFP in English ...', or the whole sentence is 'Tokyo NIHON KEIZAI SHIMBUN'
    if rest and not _in_language(rest):
        return None
    return Dateline((doc[i:place_end],), doc[place_end:j])


def _merged_header(sent: Span, i: int) -> Dateline | None:
    """'Paris Radio Monte Carlo in Arabic 1700 GMT': the NER made one name of the place and
    the agency; the place is the first word ('Guatemala City': and a following 'City')."""
    doc = sent.doc
    j = _name_at(sent, i)
    rest = [t for t in doc[j:sent.end] if not t.is_space]
    if j - i < 2 or not _in_language(rest):
        return None
    place_end = i + 1
    if doc[place_end].lower_ in CITY_WORDS:
        place_end += 1
    return Dateline((doc[i:place_end],), doc[place_end:j]) if place_end < j else None


def _in_language(rest: list) -> bool:
    """'in English', 'in Spanish 0400 GMT': the language a monitored broadcast was in."""
    return len(rest) > 1 and rest[0].lower_ == "in" and (
        rest[1].ent_type_ in ("LANGUAGE", "NORP") or rest[1].is_title and rest[1].is_alpha
        and (len(rest) == 2 or rest[2].like_num))
