"""NER spans, ruler matches and cue-named proper nouns -> typed mentions."""

from __future__ import annotations

import re
from dataclasses import replace

from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span, Token

from kg.extract.dateline import find_dateline, may_hold_story_ids
from kg.ontology import Ontology
from kg.records import Mention

__all__ = ["EXTRACTOR", "entity_mentions", "head_cue_class", "token_mentions"]

EXTRACTOR = "entities.ner_ruler.v1"
# spaCy labels that are values, never entities
VALUE_LABELS = frozenset({"DATE", "TIME", "MONEY", "QUANTITY", "CARDINAL", "ORDINAL", "PERCENT",
                          "LANGUAGE", "LAW"})
QUOTES = frozenset('"“”‘’\'«»`')
# tokens trimmed from either end of a span
EDGE_DEPS = frozenset({"det", "cc", "punct", "case", "prep", "predet"})
# how a proper name attaches to the noun that types it ("the X satellite", "agency X")
NAME_TO_CUE_DEPS = frozenset({"compound", "nmod", "amod", "appos", "npadvmod", "nummod"})
CUE_TO_NAME_DEPS = frozenset({"appos", "compound", "nmod"})
COMPANY_SUFFIXES = frozenset({"corp.", "corp", "inc.", "inc", "co.", "ltd.", "ltd", "llc", "plc",
                              "corporation", "company"})
PERSON_RUN_MIN = 2  # proper-noun tokens after a title that make a person name
TITLE_WINDOW = 6  # tokens before such a run in which the title may stand
# a name's lifespan in brackets: '(born 3 May 1950', '(1907 - 1957)', '(March 4, 1907 – 1957)'
LIFESPAN = re.compile(r"\s*\((?:born\b|b\.\s|[^()]{0,40}?\b\d{4}\s*[-–]\s*[^()]{0,30}?\d{4}\))")
# verbs whose predicate noun says what their subject is
COPULAS = frozenset({"be", "become", "remain", "serve"})
# NER labels a person's name is sometimes given
MISTAKEN_FOR_NAMES = frozenset({"ORG", "GPE", "NORP", "PRODUCT", "FAC", "LOC", "WORK_OF_ART"})
# a product designator: capitalised word, hyphen, a short code ('Vayu-3', 'Talos-C', 'Zhuque-2')
# 'Sen. X, R-Utah,': a party and a state, an affiliation rather than a place named
PARTY_STATE = re.compile(r"(?:^|\s)[RDI]-$")
DESIGNATOR = re.compile(r"^[A-Z][a-z]{2,}-(?:\d{1,3}(?:\.\d{1,2})?[A-Za-z]{0,2}|[A-Z]{1,2}\d?)$")


def entity_mentions(doc: Doc, doc_id: str, ontology: Ontology) -> list[Mention]:
    """Typed mentions of one parsed document, sorted by position, without overlaps.

    Demonyms become mentions of their country (``key`` is the gazetteer IRI); values
    (dates, numbers, money) are never mentions.
    """
    text = doc.text  # Doc.text joins every token anew on each call: once per document
    sent_of = {}
    for n, s in enumerate(doc.sents):
        for i in range(s.start, s.end):
            sent_of[i] = n
    found: list[Mention] = []
    covered: set[int] = set()
    untyped: list[Span] = []
    for ent, label, ent_id in _repair_spans(_with_longer_gazetteer_names(doc, ontology), ontology):
        # values are no entities, unless the ontology gives their label a class
        value = label in VALUE_LABELS
        if value and label not in ontology.ner_map:
            continue
        # values and gazetteer names ('rock music' is a genre the ontology lists) stay as written
        for span in _clean_pieces(ent, value=value or bool(ent_id)):
            span = _with_designator(span)
            if label == "ORG":
                span = _with_name_final_s(span)
            if span.text.casefold() in ontology.stop_names or _party_state(span) \
                    or value and _is_measure_modifier(span):
                continue
            m = _typed(span, label, ent_id, doc_id, ontology, sent_of)
            if m is not None:
                found.append(m)
                covered.update(range(span.start, span.end))
            else:
                untyped.append(span)
    # a piece of a mis-tagged span ('"X" Y Z' as a title) that is named elsewhere in the text
    known = {m.text.casefold(): m for m in found if m.label not in ("NORP", "DEMONYM")}
    for span in untyped:
        m = known.get(span.text.casefold())
        if m is not None:
            found.append(_mention(span, doc_id, m.cls, "ALIAS", m.key, sent_of))
            covered.update(range(span.start, span.end))
    found = _with_datelines(doc, text, doc_id, ontology, found, covered, sent_of)
    found.extend(_conjuncts(doc, doc_id, found, covered, sent_of))
    found.extend(_cue_named(doc, doc_id, ontology, covered, sent_of))
    found.extend(_cue_led(doc, doc_id, ontology, covered, sent_of))
    if ontology.suffix_cues:
        found.extend(_suffix_named(doc, doc_id, ontology, covered, sent_of))
    found.extend(_titled_people(doc, doc_id, ontology, covered, sent_of))
    found.extend(_described_people(doc, doc_id, ontology, covered, sent_of))
    found.extend(_bracketed_acronyms(doc, text, doc_id, found, covered, sent_of))
    found.extend(_designators(doc, doc_id, ontology, covered, sent_of))
    if ontology.topic_classes:
        found = _topic_names(doc, text, doc_id, ontology, found, sent_of)
    if ontology.phrase_cues:
        found = _phrase_names(doc, doc_id, ontology, found, sent_of)
    found.sort(key=lambda m: (m.start, -m.end))
    out, last_end = [], -1
    for m in found:
        if m.start >= last_end:
            out.append(m)
            last_end = m.end
    out = _acronyms_defined(text, _places_before_places(text, _people_by_dates(text, out, ontology),
                                                        ontology))
    return _name_articles(text, out, ontology) if ontology.name_articles else out


def _name_articles(text: str, mentions: list[Mention], ontology: Ontology) -> list[Mention]:
    """kgo:nameArticle: a name of a class marked true takes the capitalised 'The' written right
    before it ('The Quiet Hours', a title); one of a class marked false drops a leading 'The'
    ('The Amber River' is 'Amber River')."""
    out: list[Mention] = []
    last_end = -1
    for m in mentions:
        keep = ontology.name_articles.get(m.cls)
        has = m.text[:4] in ("The ", "the ") and len(m.text) > 4
        if keep is True and not has and m.start >= 4 and text[m.start - 4:m.start] == "The " \
                and m.start - 4 >= last_end and (m.start == 4 or not text[m.start - 5].isalnum()):
            m = replace(m, text="The " + m.text, start=m.start - 4)
        elif keep is False and has and text[m.start:m.start + 4] == m.text[:4]:
            m = replace(m, text=m.text[4:].lstrip(), start=m.start + 4 + len(m.text[4:]) - len(
                m.text[4:].lstrip()))
        out.append(m)
        last_end = m.end
    return out


_MATCHERS: dict[tuple[int, int], PhraseMatcher] = {}


def _gazetteer_matcher(ontology: Ontology, vocab) -> PhraseMatcher:
    key = (id(ontology), id(vocab))
    if key not in _MATCHERS:
        from spacy.lang.en import English

        tokenizer = English(vocab=vocab).tokenizer
        matcher = PhraseMatcher(vocab, attr="ORTH")
        for e in ontology.gazetteer:
            forms = sorted({f for f in (e.label, *e.alt_labels) if len(f.split()) > 1})
            if forms:
                matcher.add(e.iri, [tokenizer(f) for f in forms])
        _MATCHERS.clear()  # one ontology at a time is the rule; do not grow without bound
        _MATCHERS[key] = matcher
    return _MATCHERS[key]


def _with_longer_gazetteer_names(doc: Doc, ontology: Ontology) -> list[tuple[Span, str, str]]:
    """The NER's spans (span, label, entity id), except where a longer gazetteer name contains
    them: the ruler only fills gaps, so 'President of Chile' (a listed position) would stay
    'Chile' (a GPE)."""
    ents = [(e, e.label_, e.ent_id_) for e in doc.ents]
    if not ontology.gazetteer or not ents:
        return ents
    matches = sorted(_gazetteer_matcher(ontology, doc.vocab)(doc),
                     key=lambda m: (-(m[2] - m[1]), m[1]))
    by_iri = {e.iri: e for e in ontology.gazetteer}
    taken: set[int] = set()
    for match_id, start, end in matches:
        if taken & set(range(start, end)):
            continue
        inside = [x for x in ents if x[0].start < end and x[0].end > start]
        if not inside or any(e.start < start or e.end > end for e, _, _ in inside) or all(
                (e.start, e.end) == (start, end) for e, _, _ in inside):
            continue  # no NER span to replace, or one that reaches outside the name
        iri = doc.vocab.strings[match_id]
        ents = [x for x in ents if x not in inside]
        ents.append((doc[start:end], by_iri[iri].cls, iri))
        taken.update(range(start, end))
    return sorted(ents, key=lambda x: x[0].start)


def _repair_spans(ents: list[tuple[Span, str, str]], ontology: Ontology
                  ) -> list[tuple[Span, str, str]]:
    """Fix the NER's usual slips on news names before typing them:
    'the United Nations Office' + 'for' + 'Outer Space Affairs' is one organisation,
    'the X Ports' + 'and' + 'Free Zones Authority' too; 'Kharkiv and Odesa' is two places;
    'Ethiopian Transport' before 'Minister X' is part of a title, not an organisation."""
    org_words = ontology.org_cue_words
    out: list[tuple[Span, str, str]] = []
    i = 0
    while i < len(ents):
        span, label, ent_id = ents[i]
        doc = span.doc
        nxt = ents[i + 1] if i + 1 < len(ents) else None
        if nxt is not None and not ent_id and not nxt[2] and label == "ORG" \
                and nxt[0].start == span.end + 1 and nxt[1] in ("ORG", "GPE", "FAC"):
            sep, a_last, b_last = doc[span.end].lower_, span[-1].lower_, nxt[0][-1].lower_
            b_first = nxt[0][0]
            if sep in ("for", "of") and a_last in org_words and b_first.is_title \
                    or sep == "and" and b_last in org_words and a_last not in org_words \
                    and b_first.is_title and b_first.dep_ != "det" and span[-1].tag_ == "NNPS":
                out.append((doc[span.start:nxt[0].end], "ORG", ""))
                i += 2
                continue
        after = doc[span.end] if span.end < len(doc) else None
        org_like = label == "ORG" or label in ontology.classes and "Organization" in ontology.classes \
            and ontology.is_a(label, "Organization")
        if org_like and after is not None and after.is_title and _is_title_word(after, ontology) \
                and (span[0].lower_ in ontology.demonym_index
                     or any(_is_title_word(t, ontology) for t in span)):
            # '[Ethiopian Transport] Minister X', '[Chief Cabinet] Secretary X': a title; its
            # demonym still names the country
            if span[0].lower_ in ontology.demonym_index:
                out.append((doc[span.start:span.start + 1], "NORP", ""))
            i += 1
            continue
        if label == "ORG" and not ent_id:
            pieces = _split_seat(span)
            if pieces is not None:
                out.extend(pieces)
                i += 1
                continue
        out.extend((piece, label, ent_id) for piece in _split_coordination(span, org_words))
        i += 1
    return out


def _is_title_word(tok: Token, ontology: Ontology) -> bool:
    return tok.lower_ in ontology.title_cues or tok.lower_ in ontology.honorifics


def _split_seat(span: Span) -> list[tuple[Span, str, str]] | None:
    """'Acme Corp. of Dallas': a company suffix, 'of' and a place are two names."""
    for t in span[1:-1]:
        if t.lower_ == "of" and span.doc[t.i - 1].lower_ in COMPANY_SUFFIXES \
                and span.doc[t.i + 1].is_title:
            return [(span.doc[span.start:t.i], "ORG", ""), (span.doc[t.i + 1:span.end], "GPE", "")]
    return None


def _split_coordination(span: Span, org_words: frozenset[str]) -> list[Span]:
    """'Kharkiv and Odesa' -> two spans, when the parser coordinates the two names."""
    if span[-1].lower_ in org_words:
        return [span]
    for t in span[1:-1]:
        if t.lower_ == "and" and t.dep_ == "cc":
            right = span.doc[t.i + 1:span.end]
            if right.root.dep_ == "conj" and span.start <= right.root.head.i < t.i:
                return [span.doc[span.start:t.i], right]
    return [span]


def _with_designator(span: Span) -> Span:
    """'Cruzeiro' + '-Sul 1', 'Fulmine' + '-L': designators the tokenizer cut off."""
    doc, end = span.doc, span.end
    while end + 1 < len(doc) and doc[end].text == "-" and not doc[end - 1].whitespace_ \
            and not doc[end].whitespace_ and doc[end + 1].text[:1].isalnum() \
            and (len(doc[end + 1].text) <= 3 or any(c.isdigit() for c in doc[end + 1].text)):
        end += 2  # a short code, not a second name ('Russia-Iran ties')
    if end < len(doc) and (end > span.end or "-" in span.text) and doc[end].like_num \
            and len(doc[end].text) <= 3 and doc[end - 1].whitespace_:
        end += 1  # 'Cruzeiro-Sul 1'
    return doc[span.start:end] if end > span.end else span


def _party_state(span: Span) -> bool:
    """'Sen. X, R-Utah, said': the state after a party letter."""
    before = _text_before(span, 3)
    return bool(PARTY_STATE.search(before))


def _is_measure_modifier(span: Span) -> bool:
    """'a 260-mile flight', 'the 30-foot-tall statue': a measure that describes a noun."""
    return " " not in span.text and "-" in span.text and span.root.dep_ in (
        "amod", "compound", "nmod", "npadvmod", "nummod")


def _with_name_final_s(span: Span) -> Span:
    """'representing Church's, he said', 'went to Macy's after': an 's that possesses nothing
    (no noun follows it) ends the organisation's name."""
    doc, end = span.doc, span.end
    if end + 1 < len(doc) and doc[end].tag_ == "POS" and doc[end].lower_ in ("'s", "’s") \
            and doc[end + 1].pos_ in ("PUNCT", "ADP", "VERB", "AUX", "CCONJ"):
        return doc[span.start:end + 1]
    return span


def _conjuncts(doc: Doc, doc_id: str, found: list[Mention], covered: set[int],
               sent_of: dict[int, int]) -> list[Mention]:
    """'Kharkiv and Odesa': a proper noun coordinated with a name, which the NER skipped,
    is a name of the same kind."""
    out = []
    by_root = {}
    for m in found:
        span = doc.char_span(m.start, m.end, alignment_mode="expand")
        if span is not None:
            by_root[span.root.i] = m
    for i, m in sorted(by_root.items()):
        for c in doc[i].conjuncts:
            if c.i in covered or c.pos_ != "PROPN" or not c.is_title:
                continue
            left = [t for t in c.lefts if t.dep_ == "compound" and t.pos_ == "PROPN"]
            span = doc[min([c.i, *(t.i for t in left)]):c.i + 1]
            if any(t.i in covered for t in span):
                continue
            covered.update(range(span.start, span.end))
            out.append(_mention(span, doc_id, m.cls, "CONJ", "", sent_of))
    return out


def _with_datelines(doc: Doc, text: str, doc_id: str, ontology: Ontology,
                    found: list[Mention], covered: set[int], sent_of: dict[int, int]
                    ) -> list[Mention]:
    """'BANGKOK, Thailand (AP)': a wire dateline names places and then an agency, whatever the
    NER made of the capitalised words (it often calls the city an organisation)."""
    place_cls, org_cls = ontology.ner_map.get("GPE"), ontology.ner_map.get("ORG")
    if place_cls is None or org_cls is None:
        return found
    story_ids = may_hold_story_ids(text)
    for sent in doc.sents:
        line = find_dateline(sent, story_ids)
        if line is None:
            continue
        for span, cls in [*((p, place_cls) for p in line.places), (line.agency, org_cls)]:
            same = [m for m in found if (m.start, m.end) == (span.start_char, span.end_char)]
            if same and ontology.is_a(same[0].cls, cls):
                if cls == org_cls:  # '(AP)' after a place is the agency, no acronym of it
                    found = [replace(m, label="DATELINE") if m is same[0] else m for m in found]
                continue  # 'Thailand' from the gazetteer keeps its entry
            found = [m for m in found if m.end <= span.start_char or m.start >= span.end_char]
            found.append(_mention(span, doc_id, cls, "DATELINE", "", sent_of))
            covered.update(range(span.start, span.end))
    return found


def _places_before_places(text: str, mentions: list[Mention], ontology: Ontology
                          ) -> list[Mention]:
    """'Stockton, Calif.', 'LANCASTER, Pa.': a name the NER called an organisation, followed by
    a comma and a place, is the smaller place of the pair."""
    place_cls, org_cls = ontology.ner_map.get("GPE"), ontology.ner_map.get("ORG")
    if place_cls is None or org_cls is None:
        return mentions
    out = list(mentions)
    for k, (m, n) in enumerate(zip(mentions, mentions[1:], strict=False)):
        if m.label == "ORG" and not m.key and m.cls == org_cls \
                and m.text.split()[-1].lower() not in ontology.org_cue_words \
                and text[m.end:n.start].strip() == "," and ontology.is_a(n.cls, place_cls):
            out[k] = replace(m, cls=place_cls, label="GPE")
    return out


def _designators(doc: Doc, doc_id: str, ontology: Ontology, covered: set[int],
                 sent_of: dict[int, int]) -> list[Mention]:
    """Product designators the NER missed ('Mlima-1', 'Chonma-3'): named artifacts."""
    out = []
    for tok in doc:
        if tok.i in covered or not DESIGNATOR.match(tok.text):
            continue
        span = _with_designator(doc[tok.i:tok.i + 1])
        if any(i in covered for i in range(span.start, span.end)):
            continue
        covered.update(range(span.start, span.end))
        # typed by its noun ('the X satellite', 'X, a Japanese satellite'), else a plain artifact
        cls = _cue_for(span, ontology) or ("Artifact" if "Artifact" in ontology.classes else None)
        if cls and not ontology.is_person(cls):
            out.append(_mention(span, doc_id, cls, "DESIGNATOR", "", sent_of))
    return out


def _people_by_dates(text: str, mentions: list[Mention], ontology: Ontology) -> list[Mention]:
    """'X (born 3 May 1950)', 'X (1907 - 1957)': a name with a lifespan is a person's, whatever
    the NER thought it was."""
    person = ontology.person_class
    if person not in ontology.classes:
        return mentions
    out = []
    for m in mentions:
        if m.label in MISTAKEN_FOR_NAMES and not m.key and not ontology.is_person(m.cls) \
                and LIFESPAN.match(text, m.end):
            m = replace(m, cls=person, label="LIFESPAN")
        out.append(m)
    return out


def _acronyms_defined(text: str, mentions: list[Mention]) -> list[Mention]:
    """'the Japan Aerospace Exploration Agency (JAXA)': JAXA names the same thing, everywhere
    in the document, whatever the NER thought it was."""
    defined: dict[str, Mention] = {}
    for a, b in zip(mentions, mentions[1:], strict=False):
        between, after = text[a.end:b.start], text[b.end:b.end + 1]
        if between.strip() == "(" and after == ")" and b.text.isupper() and a.cls != "Person" \
                and len(b.text) < len(a.text) \
                and b.label != "DATELINE":  # 'BANGKOK, Thailand (AP)' defines nothing
            defined.setdefault(b.text, a)
    if not defined:
        return mentions
    out = []
    for m in mentions:
        long = defined.get(m.text)
        if long is not None:
            m = replace(m, cls=long.cls, label="ACRONYM", key=long.key or "name:" + long.text)
        out.append(m)
    return out


def token_mentions(doc: Doc, mentions: list[Mention]) -> dict[int, Mention]:
    """Token index -> the mention covering it."""
    out: dict[int, Mention] = {}
    for m in mentions:
        span = doc.char_span(m.start, m.end, alignment_mode="expand")
        if span is not None:
            for t in span:
                out[t.i] = m
    return out


def head_cue_class(tok: Token, ontology: Ontology) -> str | None:
    """The class a cue noun names, trying multi-word cues ending at ``tok`` first."""
    if tok.pos_ not in ("NOUN", "PROPN"):
        return None
    lemmas = [tok.lemma_.lower()]
    left = [c for c in tok.lefts if c.dep_ in ("compound", "amod") and c.i == tok.i - 1]
    while left and len(lemmas) < ontology.max_cue_words:
        lemmas.insert(0, left[0].lower_)
        left = [c for c in left[0].doc[left[0].i].lefts
                if c.dep_ in ("compound", "amod") and c.i == left[0].i - 1] or [
            t for t in [tok.doc[tok.i - len(lemmas)]] if tok.i - len(lemmas) >= 0
            and tok.doc[tok.i - len(lemmas)].head.i >= tok.i - len(lemmas) + 1
            and tok.doc[tok.i - len(lemmas)].dep_ == "compound"]
    for k in range(len(lemmas), 0, -1):
        cue = " ".join(lemmas[-k:])
        if cue in ontology.head_cues:
            return ontology.head_cues[cue]
    if tok.lower_ in ontology.head_cues:
        return ontology.head_cues[tok.lower_]
    return None


def _clean_pieces(span: Span, value: bool = False) -> list[Span]:
    """Split at quote marks, trim determiners and punctuation at the edges.

    A value ('Oct. 15, 1979', '20 miles') keeps its commas, units and lower case.
    """
    pieces, start = [], span.start
    doc = span.doc
    for t in span:
        if t.text in QUOTES or (t.is_punct and t.text not in "-.&'" and not (
                value and t.text in ",:/")):
            if t.i > start:
                pieces.append(doc[start:t.i])
            start = t.i + 1
    if start < span.end:
        pieces.append(doc[start:span.end])
    out = []
    for p in pieces:
        s, e = p.start, p.end
        while s < e and (doc[s].dep_ in EDGE_DEPS and doc[s].lower_ in _EDGE_WORDS
                         or doc[s].is_punct or doc[s].is_space):
            s += 1
        if value:  # 'about 70 miles': the hedge is not part of the amount
            while s < e - 1 and doc[s].lower_ in APPROXIMATORS:
                s += 1
            if s < e - 2 and doc[s].lower_ in ("more", "less", "fewer") and doc[s + 1].lower_ == "than":
                s += 2
        while e > s + 1 and not value and doc[e - 1].is_lower and doc[e - 1].pos_ == "NOUN":
            e -= 1  # 'Yonhap news agency': the name is Yonhap, the nouns type it
        while e > s and (doc[e - 1].lower_ in _EDGE_WORDS or doc[e - 1].is_punct
                         and doc[e - 1].text != "." or doc[e - 1].is_space
                         or doc[e - 1].tag_ == "POS"):
            e -= 1
        if e > s and (value or any(t.text[:1].isupper() for t in doc[s:e])):  # names are capitalised
            out.append(doc[s:e])
    return out


APPROXIMATORS = frozenset({"about", "nearly", "almost", "approximately", "roughly", "around",
                           "some", "over", "under", "only", "just"})
_EDGE_WORDS = frozenset({"the", "a", "an", "and", "or", "of", "'s", "’s", "this", "that", "these"})


def _typed(span: Span, label: str, ent_id: str, doc_id: str, ontology: Ontology,
           sent_of: dict[int, int]) -> Mention | None:
    text = span.text
    key = ent_id
    entry = ontology.surface_index.get(text.casefold())
    if entry is not None and not key:
        key = entry.iri
    if label == "NORP" or text.casefold() in ontology.demonym_index:
        d = ontology.demonym_index.get(text.casefold())
        if d is not None:
            return _mention(span, doc_id, d.cls, "DEMONYM", d.iri, sent_of)
        if entry is None and "NORP" not in ontology.ner_map:
            # 'a Sagar-3 rocket' tagged as a group of people (not 'Western governments')
            cue = _cue_for(span, ontology) if span.root.pos_ == "PROPN" \
                and span.root.dep_ != "amod" else None
            if cue is not None and not ontology.is_person(cue):
                return _mention(span, doc_id, cue, "CUE", "", sent_of)
            # a name mis-tagged as a group ("Pezeshkian said"): resolution may adopt it
            if all(t.pos_ == "PROPN" for t in span):
                return _mention(span, doc_id, "Agent", "NORP", "", sent_of)
            return None
    if entry is not None:
        return _mention(span, doc_id, entry.cls, label, entry.iri, sent_of)
    before = span.doc[span.start - 1] if span.start > 0 else None
    if before is not None and before.lower_ in ontology.title_cues and before.is_title \
            and all(t.pos_ == "PROPN" for t in span) and label in ("ORG", "GPE", "NORP", "PRODUCT"):
        label = "PERSON"  # 'Minister X': the NER called a person an org
    shaped = label in ("ORG", "GPE") and (_person_shaped(span) or len(span) > 1 and (
        span[0].lower_ in ontology.honorifics or span[0].lower_ in ontology.name_titles))
    if shaped:
        label = "PERSON"
    cls = ontology.classes.get(label) and label  # ruler labels are class names
    cls = cls or ontology.ner_map.get(label)
    if label == "PERSON":
        span = _with_first_names(span, ontology)
        stripped = _strip_titles(span, ontology)
        if stripped is None:
            return None
        before = span.doc[stripped.start - 1] if stripped.start > 0 else None
        if stripped.start != span.start or (before is not None and before.is_title and (
                before.lower_ in ontology.title_cues or before.lower_ in ontology.honorifics)):
            label = "TITLE"  # 'President X' is surely a person
        elif shaped:
            label = "SHAPE"  # the NER said otherwise; the context says person
        span = _with_name_titles(stripped, ontology)
    # a value ('a 2011 film') is never typed by the noun it modifies
    cue = _cue_for(span, ontology) if label not in VALUE_LABELS else None
    org = ontology.ner_map.get("ORG")
    if cue is not None and label in ("GPE", "LOC") and cls is not None and org is not None \
            and ontology.is_a(cue, org) and not ontology.is_a(cue, cls) \
            and span.root.dep_ in ("compound", "nmod", "amod") and span.root.head.i >= span.end:
        cue = None  # 'a Hong Kong construction firm': the place modifies the noun, is not it
    if cue is not None and label != "TITLE" and not (label == "PERSON" and cue in ("Country",
                                                                                "City")):
        cls = cue if cls is None or not ontology.is_a(cls, cue) else cls
    if cls is None:
        # WORK_OF_ART and other labels without a class: keep only if a cue types them
        return None
    return _mention(span, doc_id, cls, label, key, sent_of)


def _person_shaped(span: Span) -> bool:
    """Signs that a name the NER called an organisation or place is a person's: an age in
    commas after it ('X, 53, said'), a middle initial ('Ulf D. Merbold'), or being born."""
    doc, end = span.doc, span.end
    if end + 2 < len(doc) and doc[end].text == "," and doc[end + 1].like_num \
            and doc[end + 1].text.isdigit() and 0 < int(doc[end + 1].text) < 120 \
            and doc[end + 2].text == ",":
        return True
    if len(span) == 3 and re.fullmatch(r"[A-Z]\.", span[1].text) and span[0].is_title \
            and span[2].is_title:
        return True
    root = span.root
    return root.dep_ == "nsubjpass" and root.head.lemma_ == "bear"


def _cue_for(span: Span, ontology: Ontology) -> str | None:
    """A class from the span's own last word(s), or from the noun it names or modifies."""
    # what the sentence says it is beats its own last word ('X City is a film')
    cls = _predicate_cue(span, ontology)
    if cls:
        return cls
    cls = _last_word_cue(span, ontology)
    if cls:
        return cls
    cls = _cue_before(span, ontology)  # 'the space agency X', 'the start-up X', parsed or not
    if cls:
        return cls
    root = span.root
    head = root.head
    while root.dep_ == "compound" and head.dep_ == "compound" and head.pos_ == "NOUN" \
            and head.head.pos_ == "NOUN" and head.head.i > head.i:
        head = head.head  # 'X imaging satellites': the last noun types the name
    if root.dep_ in NAME_TO_CUE_DEPS and head.i >= span.end and head.pos_ == "NOUN":
        cls = head_cue_class(head, ontology)
        if cls:
            return cls
    if root.dep_ == "appos" and head.i < span.start and head.pos_ == "NOUN":
        cls = head_cue_class(head, ontology) or _person_noun(head, ontology)
        if cls:
            return cls
    for noun in appositive_nouns(span):
        # 'X, a professor of Y': a title in apposition makes X a person
        cls = head_cue_class(noun, ontology) or _person_noun(noun, ontology)
        if cls:
            return cls
    return None


def appositive_nouns(span: Span) -> list[Token]:
    """The head nouns of appositions that follow the name: 'X, a Japanese satellite', 'X, 45,
    an engineer'. Only phrases that start right after it (a misparse hangs far-away phrases on
    a sentence's root), and one the parser hung on an earlier word when it comes right after
    the name and its comma ('data from X, a satellite operated by Y')."""
    doc = span.doc
    root = span.root
    out = [c for c in root.children if c.dep_ == "appos" and c.i >= span.end and c.pos_ == "NOUN"
           and all(t.is_punct or t.like_num for t in doc[span.end:c.left_edge.i])]
    if not out and span.end + 2 < len(doc) and doc[span.end].text == "," \
            and doc[span.end + 1].lower_ in ("a", "an", "the"):
        noun = doc[span.end + 1].head
        if noun.dep_ == "appos" and noun.pos_ == "NOUN" and noun.i > span.end \
                and not span.start <= noun.head.i < span.end:
            out.append(noun)
    return out


def _last_word_cue(span: Span, ontology: Ontology) -> str | None:
    """The class of the name's own last words ('X Cosmodrome'), never of the whole name
    ('Network' alone)."""
    words = [t.lower_ for t in span]
    for k in range(min(len(words) - 1, ontology.max_cue_words), 0, -1):
        cue = " ".join(words[-k:])
        if cue in ontology.head_cues:
            return ontology.head_cues[cue]
    return None


def _predicate_cue(span: Span, ontology: Ontology) -> str | None:
    """'X is a 2011 animated film', 'X became a member', 'X served as director': the class the
    predicate noun gives its subject."""
    root = span.root
    head = root.head
    if root.dep_ not in ("nsubj", "nsubjpass") or head.lemma_ not in COPULAS:
        return None
    preds = [c for c in head.children if c.dep_ == "attr"]
    preds += [p for c in head.children if c.dep_ == "prep" and c.lower_ == "as"
              for p in c.children if p.dep_ == "pobj"]
    for child in preds:
        if child.pos_ == "NOUN":
            cls = head_cue_class(child, ontology)
            if cls:
                return cls
    return None


def _cue_before(span: Span, ontology: Ontology) -> str | None:
    """The class of a lower-case cue written right before the name ('the German start-up X')."""
    text = _text_before(span, 60)
    if not text.endswith((" ", "\n")):
        return None
    if text.rstrip().endswith(","):  # 'her counterpart, X': only a person noun stands apart
        words = text.rstrip()[:-1].split()
        if words and words[-1].islower() and (words[-1] in ontology.title_cues or
                                              ontology.is_person(ontology.head_cues.get(words[-1]))):
            return next(iter(sorted(ontology.person_classes)), None)
        return None
    words = text.split()[-ontology.max_cue_words:]
    for k in range(len(words), 0, -1):
        cue = " ".join(words[-k:])
        if cue.islower() and cue in ontology.head_cues:
            return ontology.head_cues[cue]
    return None


def _text_before(span: Span, limit: int) -> str:
    """The last ``limit`` characters of the text before ``span`` (``doc.text`` joins every
    token of the document on each call: here only the few tokens needed are joined)."""
    doc, parts, size, i = span.doc, [], 0, span.start - 1
    while i >= 0 and size < limit:
        parts.append(doc[i].text_with_ws)
        size += len(parts[-1])
        i -= 1
    return "".join(reversed(parts))[-limit:]


def _person_noun(tok: Token, ontology: Ontology) -> str | None:
    """'her counterpart, X', 'a spokesman, X': a title names a person."""
    if tok.lower_ in ontology.title_cues or tok.lemma_.lower() in ontology.title_cues:
        return next(iter(sorted(ontology.person_classes)), None)
    return None


def _with_first_names(span: Span, ontology: Ontology) -> Span:
    """'Anders [Solberg]': capitalised names the NER left out, attached to the surname."""
    doc, start = span.doc, span.start
    while start > 0 and doc[start - 1].pos_ == "PROPN" and doc[start - 1].is_title \
            and doc[start - 1].dep_ == "compound" and doc[start - 1].head.i in range(start, span.end) \
            and doc[start - 1].ent_type_ == "" and not _is_title_word(doc[start - 1], ontology) \
            and doc[start - 1].lower_ not in ontology.demonym_index:
        start -= 1
    return doc[start:span.end] if start < span.start else span


def _strip_titles(span: Span, ontology: Ontology) -> Span | None:
    s = span.start
    doc = span.doc
    # 'Evaluating X's visit, ...': a sentence-opening verb the NER took into the name
    while s < span.end - 1 and (doc[s].lower_ in ontology.honorifics
                                or doc[s].lower_ in ontology.title_cues or doc[s].pos_ == "VERB"):
        s += 1
    return doc[s:span.end] if s < span.end else None


def _with_name_titles(span: Span, ontology: Ontology) -> Span:
    """'Mrs. [X]', 'President [X]': the capitalised name titles written right before a person's
    name, for ontologies that count them as part of it (kgo:nameTitle)."""
    doc, start = span.doc, span.start
    while start > 0 and doc[start - 1].lower_ in ontology.name_titles \
            and doc[start - 1].text[:1].isupper():
        start -= 1
    return doc[start:span.end] if start < span.start else span


def _mention(span: Span, doc_id: str, cls: str, label: str, key: str,
             sent_of: dict[int, int]) -> Mention:
    return Mention(doc_id=doc_id, text=span.text, start=span.start_char, end=span.end_char,
                   cls=cls, label=label, key=key, sentence=sent_of.get(span.start, 0))


def _cue_named(doc: Doc, doc_id: str, ontology: Ontology, covered: set[int],
               sent_of: dict[int, int]) -> list[Mention]:
    """Proper nouns the NER missed that name a cue noun: 'the Zhuque-2 rocket', 'its X ocean
    satellite', 'a new weather satellite, X,' -> X."""
    out = []
    for tok in doc:
        if tok.i in covered or tok.pos_ != "PROPN" or not tok.text[:1].isupper():
            continue
        if tok.dep_ not in ("compound", "nmod", "appos"):
            continue
        head = tok.head
        while head.dep_ == "compound" and head.pos_ == "NOUN" and head.head.pos_ == "NOUN":
            head = head.head  # 'X ocean satellite': the last noun types the name
        if head.pos_ != "NOUN" or not head.is_lower:
            continue
        if tok.dep_ == "appos" and head.i > tok.i:
            continue
        cls = head_cue_class(head, ontology)
        if cls is None or cls in ("Country", "City", "Region") or ontology.is_person(cls):
            continue
        start = tok.i
        while start > 0 and doc[start - 1].i not in covered and (
                doc[start - 1].pos_ == "PROPN" and doc[start - 1].head.i in (tok.i, head.i)
                or doc[start - 1].text == "-" and not doc[start - 1].whitespace_
                and start > 1 and not doc[start - 2].whitespace_):
            start -= 1
        while doc[start].text == "-":
            start += 1
        span = _with_designator(doc[start:tok.i + 1])
        covered.update(range(span.start, span.end))
        out.append(_mention(span, doc_id, cls, "CUE", "", sent_of))
    return out


TOPIC_MAX_TOKENS = 12  # a longer subject phrase is a description, not a name
TOPIC_COMMON_MAX_TOKENS = 5
TOPIC_STOPS = frozenset({"(", ",", ";", "[", "—", "–"})
LEAD_POS = frozenset({"ADP", "ADV", "SCONJ", "CCONJ", "VERB", "AUX", "PRON"})


def _topic_names(doc: Doc, text: str, doc_id: str, ontology: Ontology, found: list[Mention],
                 sent_of: dict[int, int]) -> list[Mention]:
    """With a class marked kgo:topicName: the capitalised phrase that opens a sentence as the
    subject of its main verb ('Walking the Dog Twice is a 2004 novel') is a name, of the class
    its predicate noun gives, else of the first such class. It replaces the pieces
    the NER made of it, unless one of them is the whole phrase but for an abbreviation."""
    for sent in doc.sents:
        span = _subject_phrase(sent, ontology)
        if span is None:
            continue
        inside = [m for m in found if m.start < span.end_char and m.end > span.start_char]
        if any(m.start < span.start_char or m.end > span.end_char for m in inside):
            continue
        if any(m.end == span.end_char and (m.start == span.start_char or text[
                span.start_char:m.start].strip().endswith(".")) for m in inside):
            continue
        cue = _cue_for(span, ontology)
        cls = cue if cue in ontology.topic_classes else ontology.topic_classes[0]
        found = [m for m in found if m not in inside]
        found.append(_mention(span, doc_id, cls, "TOPIC", "", sent_of))
    return found


def _subject_phrase(sent: Span, ontology: Ontology) -> Span | None:
    """The subject of the main verb, cut before its verb group, a bracket or a comma, when it
    comes first and looks like a name (capitalised first and last word, no pronoun) or is a
    common name ('the red-backed shrike', without 'the') that is no head cue ('the film')."""
    root = sent.root
    quoted = _quoted_opening(sent)
    if quoted is not None:
        return quoted
    subj = next((c for c in root.children if c.dep_ in ("nsubj", "nsubjpass")), None)
    if subj is None or subj.i > root.i:
        return None
    doc = sent.doc
    start = subj.left_edge.i
    opening = next((t for t in sent if not t.is_punct and not t.is_space), None)
    if opening is not None and opening.i < start and opening.pos_ not in LEAD_POS and not any(
            t.text in TOPIC_STOPS for t in doc[opening.i:start]):
        start = opening.i  # 'X: The Y is' (a title the parser split), not 'In 2014 X' or 'Then, X'
    while start < root.i and (doc[start].is_punct or doc[start].is_space):
        start += 1
    end = min([root.i, *(c.i for c in root.children
                         if c.dep_ in ("aux", "auxpass", "neg", "advmod") and c.i > subj.i)])
    for t in doc[subj.i:end]:
        if t.text in TOPIC_STOPS:
            end = t.i
            break
    while end > start and (doc[end - 1].is_punct and doc[end - 1].text not in "!?."
                           or doc[end - 1].is_space):
        end -= 1
    if not start <= subj.i < end or end - start > TOPIC_MAX_TOKENS:
        return None
    first, last = doc[start], doc[end - 1]
    if first.lower_ in ("the", "a", "an") and start + 1 < end and doc[start + 1].is_lower:
        return _common_name(doc[start + 1:end], ontology)
    if first.lower_ == "the" and start + 1 < end and _is_year(doc[start + 1]):
        start, first = start + 1, doc[start + 1]  # 'The 2006 World Cup' is '2006 World Cup'
    if not (first.text[:1].isupper() or first.like_num) or first.pos_ == "PRON":
        return None
    # a dated name may end in a common noun: '1956 New Zealand rugby league season'; a named
    # one in the cue noun of a topic class: 'The Ostland women's national rowing team'
    if not (last.text[:1].isupper() or last.like_num or last.text in "!?"
            or _is_year(first) and last.pos_ == "NOUN"
            or _topic_cue_end(doc[start:end], ontology)):
        return None
    if any(t.text in TOPIC_STOPS for t in doc[start:end]) and end - start > 6:
        return None
    return doc[start:end]


def _topic_cue_end(span: Span, ontology: Ontology) -> bool:
    """'The Ostland women's national rowing team': a capitalised name after the article, then
    lower-case words, the last one a head cue of a topic-name class."""
    words = [t for t in span if not t.is_punct]
    if len(words) < 3 or words[0].lower_ != "the" or not words[1].text[:1].isupper():
        return False
    k = next(i for i, t in enumerate(words) if i > 0 and not t.text[:1].isupper())
    return ontology.head_cues.get(words[-1].lemma_.lower()) in ontology.topic_classes and all(
        t.is_lower or t.text in ("'s", "’s") for t in words[k:])


def _quoted_opening(sent: Span) -> Span | None:
    """'"It Will Rain" is a song': a quoted title that opens the sentence right before its
    main verb (or a bracket) is its subject, however the parser read the words inside."""
    doc, root = sent.doc, sent.root
    if sent.text[:1] not in QUOTES:
        return None
    close = next((t.i for t in sent[1:] if t.text in QUOTES), None)
    if close is None or close - sent.start - 1 < 1 or close - sent.start - 1 > TOPIC_MAX_TOKENS:
        return None
    after = doc[close + 1] if close + 1 < sent.end else None
    if after is None or not (after.i == root.i or after.head.i == root.i and after.dep_ in (
            "aux", "auxpass", "punct", "advmod")):
        return None
    inner = doc[sent.start + 1:close]
    return inner if inner[0].text[:1].isupper() or inner[0].like_num else None


def _is_year(tok: Token) -> bool:
    return tok.is_digit and len(tok) == 4


def _common_name(span: Span, ontology: Ontology) -> Span | None:
    """A short lower-case noun phrase of nouns, adjectives and hyphens that is no class cue."""
    if len(span) > TOPIC_COMMON_MAX_TOKENS or span[-1].pos_ != "NOUN" or not all(
            t.pos_ in ("NOUN", "PROPN", "ADJ") or t.text == "-" or t.dep_ == "amod"
            for t in span):
        return None
    if span.text.lower() in ontology.head_cues or span[-1].lemma_.lower() in ontology.head_cues:
        return None
    return span


def _phrase_names(doc: Doc, doc_id: str, ontology: Ontology, found: list[Mention],
                  sent_of: dict[int, int]) -> list[Mention]:
    """With a kgo:phraseCue: the cue noun, the capitalised words before it and its 'of'
    phrase name one thing ('the fourth Vice President of Kenya' -> 'Vice President of Kenya'),
    which replaces the names inside it."""
    for tok in doc:
        cls = ontology.phrase_cues.get(tok.lower_) or ontology.phrase_cues.get(tok.lemma_.lower())
        if cls is None or tok.pos_ not in ("NOUN", "PROPN"):
            continue
        of = next((c for c in tok.children if c.dep_ == "prep" and c.lower_ == "of"), None)
        pobj = next((c for c in of.children if c.dep_ == "pobj"), None) if of is not None else None
        if pobj is None or not any(t.text[:1].isupper() for t in pobj.subtree):
            continue
        start = tok.i
        while start > 0 and doc[start - 1].is_title and doc[start - 1].head.i == tok.i \
                and doc[start - 1].dep_ in ("compound", "amod") and doc[start - 1].is_alpha:
            start -= 1
        end = max(t.i for t in pobj.subtree) + 1
        while end > pobj.i + 1 and (doc[end - 1].is_punct or doc[end - 1].is_space):
            end -= 1
        span = doc[start:end]
        inside = [m for m in found if m.start < span.end_char and m.end > span.start_char]
        if any(m.start < span.start_char or m.end > span.end_char for m in inside) or any(
                (m.start, m.end) == (span.start_char, span.end_char) for m in inside):
            continue
        found = [m for m in found if m not in inside]
        found.append(_mention(span, doc_id, cls, "PHRASE", "", sent_of))
    return found


SUFFIX_STEM_MIN = 3  # letters before the suffix: 'federalism', not 'ism'


def _suffix_named(doc: Doc, doc_id: str, ontology: Ontology, covered: set[int],
                  sent_of: dict[int, int]) -> list[Mention]:
    """With a kgo:suffixCue: a noun with that ending, and the adjectives and nouns right
    before it, names an instance ('federalism', 'Corsican nationalism', 'democratic
    socialism')."""
    out = []
    for tok in doc:
        if tok.i in covered or tok.pos_ not in ("NOUN", "PROPN") or not tok.is_alpha:
            continue
        low = tok.lower_
        cls = next((c for suffix, c in ontology.suffix_cues.items()
                    if low.endswith(suffix) and len(low) >= len(suffix) + SUFFIX_STEM_MIN), None)
        if cls is None:
            continue
        start = tok.i
        while start > 0 and start - 1 not in covered and doc[start - 1].head.i == tok.i \
                and doc[start - 1].dep_ in ("amod", "compound") and doc[start - 1].is_alpha:
            start -= 1
        span = doc[start:tok.i + 1]
        covered.update(range(span.start, span.end))
        out.append(_mention(span, doc_id, cls, "SUFFIX", "", sent_of))
    return out


def _cue_led(doc: Doc, doc_id: str, ontology: Ontology, covered: set[int],
             sent_of: dict[int, int]) -> list[Mention]:
    """A lower-case cue noun right before capitalised proper nouns the NER missed names them:
    'the genus Panthera', 'the rock band Iron Savior'."""
    out = []
    for tok in doc[:-1]:
        nxt = doc[tok.i + 1]
        if tok.pos_ != "NOUN" or not tok.is_lower or nxt.i in covered or nxt.pos_ != "PROPN" \
                or not nxt.is_title:
            continue
        cls = head_cue_class(tok, ontology)
        if cls is None or ontology.is_person(cls):
            continue
        end = nxt.i + 1
        while end < len(doc) and end not in covered and doc[end].pos_ == "PROPN" \
                and doc[end].is_title and sent_of.get(end, 0) == sent_of.get(tok.i, 0):
            end += 1
        span = doc[nxt.i:end]
        covered.update(range(span.start, span.end))
        out.append(_mention(span, doc_id, cls, "CUE", "", sent_of))
    return out


def _titled_people(doc: Doc, doc_id: str, ontology: Ontology, covered: set[int],
                   sent_of: dict[int, int]) -> list[Mention]:
    """Runs of proper nouns right after a title ('Ambassador to Y Kazem Jalali') are people."""
    out = []
    i = 0
    n = len(doc)
    while i < n:
        t = doc[i]
        if i in covered or t.pos_ != "PROPN" or not t.is_title or not t.is_alpha:
            i += 1
            continue
        j = i
        sent = sent_of.get(i, 0)
        while j < n and j not in covered and doc[j].pos_ == "PROPN" and doc[j].is_title \
                and doc[j].is_alpha and sent_of.get(j, 0) == sent:
            j += 1
        run = doc[i:j]
        start = i  # the sentence's start, or TITLE_WINDOW tokens back
        while start > max(0, i - TITLE_WINDOW) and sent_of.get(start - 1, 0) == sent:
            start -= 1
        before = doc[start:i]
        titled = any(b.lower_ in ontology.title_cues for b in before)
        if len(run) >= PERSON_RUN_MIN and titled and not any(
                w.lower_ in ontology.title_cues or w.lower_ in ontology.head_cues for w in run):
            covered.update(range(i, j))
            out.append(_mention(run, doc_id, ontology.person_class, "TITLE", "", sent_of))
        i = max(j, i + 1)
    return out


def _described_people(doc: Doc, doc_id: str, ontology: Ontology, covered: set[int],
                      sent_of: dict[int, int]) -> list[Mention]:
    """Proper names the NER skipped that an age or a title in apposition marks as people:
    'X, 53, a former law professor', 'X, a senior ministry official, said'."""
    out = []
    for tok in doc:
        # the tagger often misreads a surname that opens a sentence ('Tal, a senior official')
        opening = tok.is_sent_start and tok.pos_ in ("NOUN", "INTJ", "X") \
            and tok.lower_ not in ontology.head_cues and tok.lower_ not in ontology.title_cues
        if tok.i in covered or not (tok.pos_ == "PROPN" or opening) or not tok.is_title \
                or not tok.is_alpha or tok.dep_ == "compound":
            continue
        start = tok.i
        while start > 0 and doc[start - 1].dep_ == "compound" and doc[start - 1].head.i == tok.i \
                and doc[start - 1].pos_ == "PROPN" and doc[start - 1].is_title \
                and start - 1 not in covered:
            start -= 1
        span = doc[start:tok.i + 1]
        if _is_title_word(span[0], ontology) or span.text.casefold() in ontology.stop_names:
            continue
        titled = any(c.dep_ == "appos" and c.pos_ == "NOUN" and c.i > tok.i
                     and _person_noun(c, ontology) for c in tok.children)
        if titled or _person_shaped(span) and not span.root.dep_ == "nsubjpass":
            covered.update(range(span.start, span.end))
            out.append(_mention(span, doc_id, ontology.person_class, "DESCRIBED", "", sent_of))
    return out


def _bracketed_acronyms(doc: Doc, text: str, doc_id: str, found: list[Mention],
                        covered: set[int], sent_of: dict[int, int]) -> list[Mention]:
    """'the Workers' Central Organisation (WCO)': an upper-case word in parentheses right after
    a name that the NER skipped is that name's acronym."""
    out = []
    ends = {m.end: m for m in found if not m.label == "DATELINE"}
    for tok in doc[1:-1]:
        if tok.i in covered or not tok.is_upper or not tok.is_alpha or len(tok.text) < 2 \
                or doc[tok.i - 1].text != "(" or doc[tok.i + 1].text != ")":
            continue
        before = text[:doc[tok.i - 1].idx].rstrip()
        m = ends.get(len(before))
        if m is None or len(m.text) <= len(tok.text) or m.label in ("PERSON", "TITLE"):
            continue
        covered.add(tok.i)
        out.append(replace(_mention(doc[tok.i:tok.i + 1], doc_id, m.cls, "ACRONYM", "", sent_of),
                           key=m.key or "name:" + m.text))
    return out
