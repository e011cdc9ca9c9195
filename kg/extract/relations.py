"""Ontology-driven rules over the dependency parse -> candidate triples with evidence."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from itertools import product

from spacy.tokens import Doc, Span, Token

from kg.extract.entities import VALUE_LABELS, head_cue_class, token_mentions
from kg.ontology import Frame, Ontology
from kg.records import Candidate, Evidence, Mention

__all__ = ["EXTRACTOR", "relation_candidates", "Context"]

EXTRACTOR = "relations.dependency.v1"

SUBJ_DEPS = frozenset({"nsubj", "csubj"})
OBJ_DEPS = frozenset({"dobj", "obj", "attr", "oprd"})
PASSIVE_SUBJ_DEPS = frozenset({"nsubjpass", "csubjpass"})
RELATIVE_PRONOUNS = frozenset({"which", "that", "who", "whom", "whose"})
# pronoun -> whether it refers to a person (None: plural or unknown, never resolved)
PRONOUNS = {"it": False, "its": False, "itself": False, "he": True, "him": True, "his": True,
            "himself": True, "she": True, "her": True, "herself": True}
# classes a common noun may stand for when one entity of that class is named in the document
ANAPHOR_EXCLUDED = frozenset({"Person", "Country", "City", "Region", "Place", "Agent"})
# where a title noun meets the person it names
TITLE_TARGET_PREPS = frozenset({"of", "for", "at"})
NOMINAL_DEPS = frozenset({"compound", "amod", "poss", "nmod"})
ANAPHOR_SENTENCES = 2  # how far back 'the satellite' looks for a satellite of another name
TITLE_CLIMB = 4  # dependency steps from a misplaced apposition up to its title noun

CONF_DIRECT = 0.9
CONF_TITLE = 0.85
CONF_STRUCTURE = 0.8
CONF_TOPIC = 0.5
CONF_PRONOUN = 0.7
CONF_ANAPHOR = 0.6
CONF_POSSESSOR = 0.7  # factor for 'the X's decision' standing for X


class Context:
    """Per-document lookups shared by the rules: token -> mention, sentence of a token."""

    def __init__(self, doc: Doc, doc_id: str, mentions: list[Mention], ontology: Ontology):
        self.doc, self.doc_id, self.onto = doc, doc_id, ontology
        self.mentions = mentions
        self.by_token = token_mentions(doc, mentions)
        self.roots = self._roots()
        self._anaphor_cache: dict[tuple[str, str], tuple[list[Mention], list[Mention]]] = {}

    def _roots(self) -> dict[int, Mention]:
        """Root token of each mention -> mention."""
        out = {}
        for m in self.mentions:
            span = self.doc.char_span(m.start, m.end, alignment_mode="expand")
            if span is not None:
                out[span.root.i] = m
        return out

    def mention_root(self, m: Mention) -> Token | None:
        span = self.doc.char_span(m.start, m.end, alignment_mode="expand")
        return span.root if span is not None else None

    def args(self, tok: Token) -> list[tuple[Mention, float, str]]:
        """The entities a token stands for, with confidence and how: itself, a name it
        introduces ('the agency X'), a pronoun's antecedent, or a unique named instance
        of the class its noun names. Coordinated tokens are included."""
        out = []
        for t in [tok, *[c for c in tok.conjuncts if c.i > tok.i]]:
            out.extend(self._arg(t))
        seen, uniq = set(), []
        for m, c, how in out:
            if (m.start, m.end) not in seen:
                seen.add((m.start, m.end))
                uniq.append((m, c, how))
        return uniq

    def _arg(self, t: Token) -> list[tuple[Mention, float, str]]:
        if t.i in self.by_token:
            return [(self.by_token[t.i], CONF_DIRECT, "name")]
        low = t.lower_
        if t.pos_ == "PRON":
            if low in RELATIVE_PRONOUNS and t.head.dep_ in ("relcl", "acl"):
                noun = t.head.head
                if noun.i not in self.by_token and noun.dep_ == "attr" and noun.pos_ == "NOUN":
                    # 'X was the man who shot Y': the man is the copula's subject
                    subjects = [c for c in noun.head.children if c.dep_ in SUBJ_DEPS]
                    if subjects:
                        return self._arg(subjects[0])
                return self._arg(noun)
            if low in PRONOUNS:
                m = self.antecedent(t, PRONOUNS[low])
                return [(m, CONF_PRONOUN, "pronoun")] if m else []
            return []
        if t.pos_ not in ("NOUN", "PROPN"):
            return []
        named = self.named_by(t)
        if named:
            return [(named, CONF_DIRECT, "apposition")]
        if t.dep_ == "attr" and t.pos_ == "NOUN" and t.head.lemma_ == "be":
            # 'X is a film directed by Y': the predicate noun stands for the copula's subject
            subjects = [c for c in t.head.children if c.dep_ in SUBJ_DEPS and c.i in self.by_token]
            if subjects:
                return [(self.by_token[subjects[0].i], CONF_PRONOUN, "predicate")]
        cls = head_cue_class(t, self.onto)
        if cls and cls not in ANAPHOR_EXCLUDED and not self.onto.is_person(cls) and t.pos_ == "NOUN":
            indefinite = any(c.dep_ == "det" and c.lower_ in ("a", "an", "another", "some")
                             for c in t.children)
            m = self.anaphor(cls, t.lemma_.lower(), t.idx, indefinite)
            if m is not None:
                return [(m, CONF_ANAPHOR, "anaphor")]
        return []

    def named_by(self, t: Token) -> Mention | None:
        """The entity a common noun introduces: 'agency X', 'the head of Y, X', 'the X rocket',
        or describes in apposition: 'X, a Japanese satellite operated by Y'."""
        if t.dep_ == "appos" and t.head.i in self.by_token and t.pos_ == "NOUN":
            return self.by_token[t.head.i]
        for c in t.children:
            # 'nummod': the parser reads designators like 'Soyuz-2.1b' as numbers
            if c.dep_ in ("appos", "compound", "nmod", "nummod") and c.i in self.by_token:
                m = self.by_token[c.i]
                if m.label in VALUE_LABELS:
                    continue  # 'a 2011 film' is no film named 2011
                if c.dep_ == "appos" or c.i < t.i:
                    if c.dep_ != "compound" or self.onto.is_a(m.cls, "Artifact") or \
                            self.onto.is_a(m.cls, "Organization") or m.cls == "Facility":
                        return m
        if t.lower_ in self.onto.title_cues:
            for c in t.children:
                if c.dep_ == "prep":
                    for p in c.children:
                        m = self.by_token.get(p.i)
                        if p.dep_ == "pobj" and m and self.onto.is_person(m.cls):
                            return m
        return None

    def anaphor(self, cls: str, lemma: str, at: int, indefinite: bool = False) -> Mention | None:
        """The named entity a common noun stands for: for a definite noun, the nearest one
        before it named with the same noun ('the X satellite' ... 'the satellite') or, failing
        that, of the noun's class within the last ANAPHOR_SENTENCES sentences; else (and for
        'a satellite', which brings in something new) the only such entity in the document."""
        if (cls, lemma) not in self._anaphor_cache:
            same_noun = [m for m in self.mentions if self._named_with(m) == lemma]
            of_class = [m for m in self.mentions if self.onto.is_a(m.cls, cls)]
            self._anaphor_cache[(cls, lemma)] = (same_noun, of_class)
        same_noun, of_class = self._anaphor_cache[(cls, lemma)]
        sent = self.doc[self.doc.char_span(at, at + 1, alignment_mode="expand").start].sent \
            if self.doc.char_span(at, at + 1, alignment_mode="expand") is not None else None
        limit = self._sentence_start(sent, ANAPHOR_SENTENCES) if sent is not None else 0
        for found, lo in ((same_noun, 0), (of_class, limit)) if not indefinite else ():
            before = [m for m in found if lo <= m.start < at]
            if before:
                return before[-1]
        for found in (same_noun, of_class):
            keys = {(m.key or m.text.casefold()) for m in found}
            if len(keys) == 1:
                return found[0]
        return None

    def _sentence_start(self, sent: Span, back: int) -> int:
        """Character offset where the sentence ``back`` sentences before ``sent`` starts."""
        start = sent.start
        for _ in range(back):
            if start == 0:
                break
            start = self.doc[start - 1].sent.start
        return self.doc[start].idx

    def _named_with(self, m: Mention) -> str | None:
        """The cue noun a mention was named with: its own last word or the noun it modifies."""
        root = self.mention_root(m)
        if root is None:
            return None
        if root.dep_ in ("compound", "nmod", "appos") and root.head.pos_ == "NOUN":
            return root.head.lemma_.lower()
        return root.lemma_.lower()

    def antecedent(self, pron: Token, person: bool) -> Mention | None:
        """Nearest fitting antecedent, subjects first, in this and the previous sentence."""
        sent = pron.sent
        prev = self.doc[sent.start - 1].sent if sent.start > 0 else None
        scopes = [(sent.start, pron.i), (prev.start, prev.end) if prev is not None else (0, 0)]
        for want_subject in (True, False):
            for lo, hi in scopes:
                for i in range(hi - 1, lo - 1, -1):
                    m = self.roots.get(i)
                    if m is None or self.onto.is_person(m.cls) != person:
                        continue
                    if person is False and not self.onto.is_a(m.cls, "Agent") \
                            and not self.onto.is_a(m.cls, "Artifact"):
                        continue
                    tok = self.doc[i]
                    is_subject = tok.dep_ in SUBJ_DEPS | PASSIVE_SUBJ_DEPS or tok.dep_ == "poss"
                    if is_subject == want_subject:
                        return m
        return None


def relation_candidates(doc: Doc, doc_id: str, mentions: list[Mention],
                        ontology: Ontology) -> tuple[list[Mention], list[Candidate]]:
    """Mentions (retyped by the verbs they are subjects of) and all candidate triples."""
    mentions = _retype_by_agent_cue(doc, doc_id, mentions, ontology)
    ctx = Context(doc, doc_id, mentions, ontology)
    cands: list[Candidate] = []
    for sent in doc.sents:
        found: list[Candidate] = []
        for tok in sent:
            found.extend(_frame_candidates(ctx, tok, sent))
        found.extend(_title_candidates(ctx, sent))
        found.extend(_predicate_titles(ctx, sent))
        found.extend(_structure_candidates(ctx, sent))
        found.extend(_anaphor_structures(ctx, sent))
        cands.extend(found)
        cands.extend(_topic_candidates(ctx, sent, found))
    # entities named inside other names ('Kenya' in 'Kenya Space Agency') are mentions too
    known = {(m.start, m.end) for m in mentions}
    for c in cands:
        if c.evidence.rule == "structure:name" and (c.object.start, c.object.end) not in known:
            known.add((c.object.start, c.object.end))
            mentions.append(c.object)
    mentions.sort(key=lambda m: (m.start, m.end))
    return mentions, _dedupe(cands)


def _retype_by_agent_cue(doc: Doc, doc_id: str, mentions: list[Mention],
                         ontology: Ontology) -> list[Mention]:
    cues = ontology.agent_cues
    if not cues:
        return mentions
    by_tok = token_mentions(doc, mentions)
    retype: dict[tuple[int, int], str] = {}
    for tok in doc:
        cls = cues.get(tok.lemma_.lower())
        if cls is None or tok.pos_ != "VERB":
            continue
        for c in tok.children:
            if c.dep_ in SUBJ_DEPS or (c.dep_ == "agent"):
                targets = [c] if c.dep_ in SUBJ_DEPS else [p for p in c.children if p.dep_ == "pobj"]
                for t in targets:
                    for x in [t, *t.conjuncts]:
                        m = by_tok.get(x.i)
                        if m and ontology.is_a(cls, m.cls) and m.cls != cls:
                            retype[(m.start, m.end)] = cls
    return [replace(m, cls=retype[(m.start, m.end)]) if (m.start, m.end) in retype else m
            for m in mentions]


def _evidence(ctx: Context, sent: Span, rule: str, confidence: float) -> Evidence:
    text = sent.text
    start = sent.start_char + len(text) - len(text.lstrip())
    end = sent.end_char - (len(text) - len(text.rstrip()))
    return Evidence(doc_id=ctx.doc_id, sentence=text.strip(), sent_start=start, sent_end=end,
                    extractor=EXTRACTOR, rule=rule, confidence=round(confidence, 2))


def _frame_candidates(ctx: Context, tok: Token, sent: Span) -> Iterator[Candidate]:
    frames = ctx.onto.frames_by_lemma.get(tok.lemma_.lower(), ())
    if tok.lower_ != tok.lemma_.lower():  # 'according' has the lemma 'accord', a noun cue too
        frames += ctx.onto.frames_by_lemma.get(tok.lower_, ())
    if not frames or any(c.dep_ == "neg" for c in tok.children):
        return
    is_verb = tok.pos_ in ("VERB", "AUX") or tok.lower_ == "according"
    for prop, frame in frames:
        if frame.pos == "VERB" and not is_verb or frame.pos == "NOUN" and tok.pos_ != "NOUN":
            continue
        for s, o, conf in _pairs(ctx, tok, frame, is_verb):
            subj = None if s is None else s
            if subj is not None and (subj.start, subj.end) == (o.start, o.end):
                continue
            if subj is not None and subj.key and subj.key == o.key:
                continue
            yield Candidate(subj, prop, o, _evidence(ctx, sent, f"frame:{frame.name}", conf))


def _pairs(ctx: Context, tok: Token, frame: Frame,
           is_verb: bool) -> Iterator[tuple[Mention | None, Mention, float]]:
    if frame.head in ("between", "conj"):
        group = _group(ctx, tok, frame.head, is_verb)
        for (a, ca, _), (b, cb, _) in product(group, group):
            if a.start < b.start:
                yield a, b, min(ca, cb)
        return
    tails = _role(ctx, tok, frame.tail, is_verb)
    if frame.head == "doc":
        for o, c, _ in tails:
            yield None, o, c
        return
    heads = _role(ctx, tok, frame.head, is_verb)
    for (s, cs, _), (o, co, _) in product(heads, tails):
        yield s, o, min(cs, co)


def _group(ctx: Context, tok: Token, how: str, is_verb: bool) -> list:
    if how == "between":
        out = []
        for c in tok.children:
            if c.dep_ == "prep" and c.lower_ == "between":
                for p in c.children:
                    if p.dep_ == "pobj":
                        out.extend(ctx.args(p))
        return out
    # coordinated subjects of the verb (or of the verb that takes this noun as its object)
    verb = tok if is_verb else (tok.head if tok.dep_ in OBJ_DEPS else None)
    if verb is None:
        return []
    subjects = [c for c in verb.children if c.dep_ in SUBJ_DEPS]
    group = [a for s in subjects for a in ctx.args(s)]
    return group if len(group) > 1 else []


def _role(ctx: Context, tok: Token, role: str, is_verb: bool) -> list:
    if role == "subj":
        return [a for t in _logical_subjects(tok, is_verb) for a in ctx.args(t)]
    if role == "obj":
        out = []
        for t in _logical_objects(tok):
            args = ctx.args(t)
            if not args and t.pos_ == "NOUN":
                # 'condemned the EU's decision': the possessor of an unnamed object
                args = [(m, c * CONF_POSSESSOR, "possessor") for p in t.children
                        if p.dep_ == "poss" for m, c, _ in ctx.args(p)]
            out.extend(args)
        return out
    if role == "poss":
        return [a for c in tok.children if c.dep_ == "poss" for a in ctx.args(c)]
    if role == "amod":
        return [a for c in tok.children if c.dep_ in ("amod", "compound", "nmod") and c.i < tok.i
                for a in ctx.args(c) if c.i in ctx.by_token]
    if role.startswith("prep:"):
        return [a for p in _prep_objects(tok, role[5:], is_verb) for a in ctx.args(p)]
    return []


def _logical_subjects(tok: Token, is_verb: bool) -> list[Token]:
    if not is_verb:
        # a noun's subject: the subject of the verb that takes it ('X signed an accord with Y')
        if tok.dep_ in OBJ_DEPS:
            return _logical_subjects(tok.head, True)
        return []
    out = [c for c in tok.children if c.dep_ in SUBJ_DEPS]
    out += [p for c in tok.children if c.dep_ == "agent" for p in c.children if p.dep_ == "pobj"]
    if not out and tok.dep_ in ("conj", "xcomp", "advcl") and tok.head.pos_ in ("VERB", "AUX"):
        if tok.dep_ != "advcl" or tok.tag_ == "VBG":
            out = _logical_subjects(tok.head, True)
    if not out and tok.dep_ == "pcomp" and tok.tag_ == "VBG" and tok.head.dep_ == "prep" \
            and tok.head.head.pos_ in ("VERB", "AUX"):
        # 'X was convicted of killing Y', 'X apologized for shooting Y': the gerund's subject
        # is the surface subject of the verb the preposition hangs on
        verb = tok.head.head
        # 'accused X of supplying Y', 'suspects X of hiding Y': a verb with an object hands
        # the gerund its object (object control), otherwise its subject
        out = [c for c in verb.children if c.dep_ in OBJ_DEPS] or \
            [c for c in verb.children if c.dep_ in SUBJ_DEPS | PASSIVE_SUBJ_DEPS]
    if not out and tok.dep_ == "acl" and tok.tag_ == "VBG" and tok.head.pos_ in ("NOUN", "PROPN"):
        out = [tok.head]  # 'a rocket carrying the X satellite'
    return out


def _logical_objects(tok: Token) -> list[Token]:
    out = [c for c in tok.children if c.dep_ in OBJ_DEPS or c.dep_ in PASSIVE_SUBJ_DEPS]
    if not out and tok.dep_ in ("acl", "relcl") and tok.tag_ == "VBN":
        out = [tok.head]  # 'a rocket launched from X', 'sanctions imposed on Y'
    if not out and tok.dep_ == "conj" and tok.head.pos_ == "VERB":
        out = _logical_objects(tok.head)
    return out


def _prep_objects(tok: Token, prep: str, is_verb: bool) -> list[Token]:
    words = prep.split()
    heads = [tok]
    if is_verb:
        # a prepositional phrase often attaches to the verb's argument instead of the verb
        heads += [c for c in tok.children if c.dep_ in OBJ_DEPS | PASSIVE_SUBJ_DEPS]
        heads += [p for c in tok.children if c.dep_ in ("agent", "prep")
                  for p in c.children if p.dep_ == "pobj"]
    out = []
    for h in heads:
        for c in h.children:
            if c.dep_ not in ("prep", "agent", "dative") or c.lower_ != words[-1]:
                continue
            if len(words) > 1 and h.doc[c.i - len(words) + 1:c.i + 1].text.lower() != prep:
                continue
            out.extend(p for p in c.children if p.dep_ in ("pobj", "pcomp"))
    return out


def _title_candidates(ctx: Context, sent: Span) -> Iterator[Candidate]:
    """'Russian President X', 'the head of Y, X', 'X, a spokesman for Y', 'Y official X'."""
    titles = ctx.onto.title_cues
    for m in ctx.mentions:
        if not ctx.onto.is_person(m.cls) or not (sent.start_char <= m.start < sent.end_char):
            continue
        root = ctx.mention_root(m)
        if root is None:
            continue
        for title, conf in _titles_of(ctx, root, m):
            props = titles.get(_title_phrase(title, titles), ())
            for target, c, _ in _title_targets(ctx, title, m):
                for prop in props:
                    if ctx.onto.is_person(target.cls) and not ctx.onto.fits(
                            target.cls, ctx.onto.properties[prop].range):
                        continue  # 'President X' and 'Y': two people, not a title of one
                    yield Candidate(m, prop, target, _evidence(
                        ctx, sent, f"title:{title.lower_}", min(conf, c)))


def _predicate_titles(ctx: Context, sent: Span) -> Iterator[Candidate]:
    """'X took over as director of Y', 'X became head of Y', 'X is the chief of Y':
    the title is predicated of the verb's subject."""
    titles = ctx.onto.title_cues
    for tok in sent:
        if not _is_title(tok, ctx):
            continue
        if tok.dep_ == "pobj" and tok.head.lower_ == "as" and tok.head.head.pos_ in ("VERB", "AUX"):
            verb = tok.head.head
        elif tok.dep_ in ("attr", "oprd") and tok.head.pos_ in ("VERB", "AUX"):
            verb = tok.head
        else:
            continue
        people = [a for t in _logical_subjects(verb, True) for a in ctx.args(t)
                  if ctx.onto.is_person(a[0].cls)]
        props = titles.get(_title_phrase(tok, titles), ())
        for (person, pc, _), prop in product(people, props):
            for target, c, _ in _title_targets(ctx, tok, person):
                if not ctx.onto.is_person(target.cls):
                    yield Candidate(person, prop, target, _evidence(
                        ctx, sent, f"title:{tok.lower_}:predicate", min(pc, c, CONF_TITLE) * 0.9))


def _title_phrase(tok: Token, titles: dict) -> str:
    left = tok.doc[tok.i - 1] if tok.i > 0 else None
    if left is not None and f"{left.lower_} {tok.lower_}" in titles:
        return f"{left.lower_} {tok.lower_}"
    return tok.lower_ if tok.lower_ in titles else tok.lemma_.lower()


def _is_title(tok: Token, ctx: Context) -> bool:
    return tok.pos_ in ("NOUN", "PROPN") and (
        tok.lower_ in ctx.onto.title_cues or tok.lemma_.lower() in ctx.onto.title_cues)


def _titles_of(ctx: Context, root: Token, m: Mention) -> Iterator[tuple[Token, float]]:
    span = ctx.doc.char_span(m.start, m.end, alignment_mode="expand")
    inside = set(range(span.start, span.end)) if span is not None else {root.i}
    # premodifier titles: compounds left of the name ('President X', 'Foreign Minister X')
    for c in root.children:
        if c.dep_ in ("compound", "amod", "nmod") and c.i not in inside and c.i < root.i \
                and _is_title(c, ctx):
            yield c, CONF_TITLE
    # the token right before the name, when the parser attached it elsewhere
    before = ctx.doc[span.start - 1] if span is not None and span.start > 0 else None
    if before is not None and _is_title(before, ctx) and before.head.i != root.i \
            and before.head.i in inside | {before.i}:
        yield before, CONF_TITLE
    # appositions: 'the leader of Y, X' / 'X, a spokesman for Y'
    if root.dep_ == "appos" and _is_title(root.head, ctx):
        yield root.head, CONF_TITLE
    for c in root.children:
        if c.dep_ == "appos" and _is_title(c, ctx):
            yield c, CONF_TITLE
    # 'the head of Y X': the name is a second object of the title's 'of'
    if root.dep_ == "pobj" and root.head.dep_ == "prep" and _is_title(root.head.head, ctx):
        yield root.head.head, CONF_TITLE
    # 'the head of the agency Y, X,': the parser hung the apposition on Y; climb to the title
    if root.dep_ == "appos":
        t = root.head
        for _ in range(TITLE_CLIMB):
            if t.dep_ not in ("appos", "pobj", "prep", "compound") or t.head is t:
                break
            if t.dep_ == "prep" and t.lower_ in TITLE_TARGET_PREPS and _is_title(t.head, ctx):
                yield t.head, CONF_TITLE * 0.9
                break
            t = t.head


def _title_targets(ctx: Context, title: Token, person: Mention) -> list:
    out = []
    for c in title.children:
        if c.dep_ in NOMINAL_DEPS and c.i < title.i:
            # 'Y's chief', 'Y chief', and 'its chief' with the pronoun resolved
            out.extend(ctx.args(c) if c.i in ctx.by_token or c.pos_ == "PRON" else [])
        if c.dep_ == "prep" and c.lower_ in TITLE_TARGET_PREPS:
            out.extend(a for p in c.children if p.dep_ == "pobj" for a in ctx.args(p))
    # an organisation or country written right before the title, attached to the name
    root = ctx.mention_root(person)
    if root is not None:
        for c in root.children:
            if c.dep_ in NOMINAL_DEPS and c.i < title.i and c.i in ctx.by_token:
                out.extend(ctx.args(c))
    return [a for a in out if (a[0].start, a[0].end) != (person.start, person.end)]


def _structure_candidates(ctx: Context, sent: Span) -> Iterator[Candidate]:
    structures = ctx.onto.structures
    for m in ctx.mentions:
        if not (sent.start_char <= m.start < sent.end_char):
            continue
        root = ctx.mention_root(m)
        if root is None:
            continue
        for prop in structures.get("name", ()):
            for target in _named_inside(ctx, m, ctx.onto.properties[prop].range):
                yield Candidate(m, prop, target, _evidence(ctx, sent, "structure:name", CONF_STRUCTURE))
        for prop in structures.get("appos", ()):
            for target in _appositions(ctx, root, m):
                yield Candidate(m, prop, target, _evidence(ctx, sent, "structure:appos", CONF_STRUCTURE))
        for prop in structures.get("premodifier", ()):
            for target, conf in _premodifiers(ctx, root, m):
                if target.cls == m.cls:
                    continue  # 'the Russia-Iran alignment' names two countries, not a country's
                yield Candidate(m, prop, target, _evidence(ctx, sent, "structure:premodifier", conf))
        for name, props in structures.items():
            if not name.startswith("prep:") or m.cls == "Country":
                continue
            heads = [root]
            if root.dep_ in OBJ_DEPS and ctx.onto.is_a(m.cls, "Place"):
                heads.append(root.head)  # 'crews repaired the X plant in Y'
            # 'X, a technician from Y': the phrase hangs on the apposition that describes X
            heads += [c for c in root.children if c.dep_ == "appos" and c.pos_ == "NOUN"
                      and c.i > root.i and c.i not in ctx.by_token]
            for p in (p for h in heads for p in _prep_objects(h, name[5:], False)):
                for target, conf, _ in ctx.args(p):
                    for prop in props:
                        if ctx.onto.is_person(m.cls) and not ctx.onto.fits(
                                m.cls, ctx.onto.properties[prop].domain):
                            continue  # 'X in Y' says where a person is, rarely a relation
                        yield Candidate(m, prop, target,
                                        _evidence(ctx, sent, f"structure:{name}", conf * 0.9))


def _topic_candidates(ctx: Context, sent: Span, found: list[Candidate]) -> Iterator[Candidate]:
    """With kgo:structure "topic": the sentence's topic (the entity that is the subject of its
    main verb) relates to every other entity of the property's range the sentence names, unless
    a more specific rule (a frame, a title, another structure) found the property there."""
    props = ctx.onto.structures.get("topic", ())
    if not props:
        return
    onto = ctx.onto
    props = tuple(p for p in props if not any(
        c.predicate == p and c.subject is not None
        and onto.check(p, c.subject.cls, c.object.cls) is None for c in found))
    topic = sentence_topic(ctx, sent)
    if topic is None:
        return
    for m in ctx.mentions:
        if not (sent.start_char <= m.start < sent.end_char) or (m.start, m.end) == (
                topic.start, topic.end) or (m.key and m.key == topic.key):
            continue
        for prop in props:
            if ctx.onto.fits(m.cls, ctx.onto.properties[prop].range):
                yield Candidate(topic, prop, m, _evidence(ctx, sent, "structure:topic", CONF_TOPIC))


def sentence_topic(ctx: Context, sent: Span) -> Mention | None:
    """The entity a sentence is about: the subject of its main verb ('X is a film directed by
    Y', 'X was discovered by Y'), else a name that opens the sentence."""
    root = sent.root
    for c in root.children:
        if c.dep_ in SUBJ_DEPS | PASSIVE_SUBJ_DEPS:
            args = ctx.args(c)
            if args:
                return args[0][0]
    first = next((t for t in sent if not t.is_punct and not t.is_space), None)
    if first is not None:
        m = ctx.by_token.get(first.i)
        if m is not None and m.label not in VALUE_LABELS:
            return m
    return None


def _appositions(ctx: Context, root: Token, m: Mention) -> Iterator[Mention]:
    """'Springfield, Illinois': a name, a comma, a name in apposition to it (the parser may call
    the second one a conjunct; a list 'X, Y and Z' has a coordinator and is not one)."""
    conjs = [c for c in root.children if c.dep_ == "conj"]
    listed = len(conjs) > 1 or any(c.dep_ == "cc" for c in root.children)
    for c in root.children:
        if c.i <= root.i or not (c.dep_ == "appos" or c.dep_ == "conj" and not listed):
            continue
        t = ctx.by_token.get(c.i)
        if t is not None and t.start >= m.end and ctx.doc.text[m.end:t.start].strip() == ",":
            yield t


def _named_inside(ctx: Context, m: Mention, allowed: frozenset[str]) -> Iterator[Mention]:
    """Gazetteer entries named inside a multi-word name: 'Kenya Space Agency' -> Kenya."""
    if m.key or ctx.onto.is_person(m.cls) or " " not in m.text:
        return
    index = ctx.onto.surface_index
    words = m.text.split()
    for k in range(len(words) - 1, 0, -1):
        for i in range(len(words) - k + 1):
            part = " ".join(words[i:i + k])
            entry = index.get(part.casefold())
            if entry is not None and part[:1].isupper() and entry.cls != m.cls \
                    and ctx.onto.fits(entry.cls, allowed):
                start = m.start + m.text.index(part)
                yield Mention(doc_id=m.doc_id, text=part, start=start, end=start + len(part),
                              cls=entry.cls, label="NAME", key=entry.iri, sentence=m.sentence)
                return


def _anaphor_structures(ctx: Context, sent: Span) -> Iterator[Candidate]:
    """'an Iranian satellite' says something of the one satellite the article names."""
    props = ctx.onto.structures.get("premodifier", ())
    for tok in sent:
        if tok.i in ctx.by_token or tok.pos_ != "NOUN" or ctx.named_by(tok) is not None:
            continue
        for m, conf, how in ctx._arg(tok):
            if how != "anaphor":
                continue
            for c in tok.children:
                t = ctx.by_token.get(c.i)
                if c.dep_ in NOMINAL_DEPS and c.i < tok.i and t is not None and t.cls != m.cls:
                    for prop in props:
                        yield Candidate(m, prop, t, _evidence(
                            ctx, sent, "structure:premodifier:anaphor", conf))


def _premodifiers(ctx: Context, root: Token, m: Mention) -> Iterator[tuple[Mention, float]]:
    """Entities named before the mention or before the noun it names ('a Russian X rocket')."""
    holders = [root]
    if root.dep_ in ("compound", "nmod", "appos") and root.head.pos_ == "NOUN":
        holders.append(root.head)  # 'the X satellite', 'agency X', 'channel X'
    holders.extend(c for c in root.children if c.dep_ == "appos" and c.pos_ == "NOUN"
                   and c.i > root.i)  # 'X, a Japanese satellite'
    if ctx.onto.is_person(m.cls):
        holders.extend(t for t, _ in _titles_of(ctx, root, m))  # 'Iranian Ambassador X'
    for h in holders:
        for c in h.children:
            if c.dep_ in NOMINAL_DEPS and c.i < h.i and c.i in ctx.by_token:
                t = ctx.by_token[c.i]
                if (t.start, t.end) != (m.start, m.end):
                    yield t, CONF_STRUCTURE


def _dedupe(cands: list[Candidate]) -> list[Candidate]:
    seen, out = set(), []
    for c in cands:
        k = (None if c.subject is None else (c.subject.start, c.subject.end), c.predicate,
             (c.object.start, c.object.end), c.evidence.rule)
        if k not in seen:
            seen.add(k)
            out.append(c)
    return out
