"""Ontology-driven rules over the dependency parse -> candidate triples with evidence."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from itertools import product

from spacy.attrs import LEMMA, LOWER
from spacy.tokens import Doc, Span, Token

from kg.extract.dateline import find_dateline, may_hold_story_ids
from kg.extract.entities import VALUE_LABELS, appositive_nouns, head_cue_class, token_mentions
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
# prepositions whose noun is the ground a verb acts on ("under an agreement, X and Y share")
GROUND_PREPS = frozenset({"under", "through", "within", "via"})
NOMINAL_DEPS = frozenset({"compound", "amod", "poss", "nmod"})
# nouns that stand for what their 'of' names ('a fleet of X satellites', 'a pair of Y rockets')
PARTITIVE_NOUNS = frozenset({"fleet", "pair", "series", "batch", "set", "trio", "couple", "number",
                             "handful", "dozen", "dozens", "squadron", "flotilla", "family"})
POSSESSIVE_AFTER = re.compile(r" ?['’]s\b|(?<=s)['’](?=\s)")  # "X's", "X 's", "Xs'" after a name
ANAPHOR_SENTENCES = 2  # how far back 'the satellite' looks for a satellite of another name
TITLE_CLIMB = 4  # dependency steps from a misplaced apposition up to its title noun

CONF_DIRECT = 0.9
CONF_TITLE = 0.85
CONF_STRUCTURE = 0.8
CONF_TOPIC = 0.5
CONF_PRONOUN = 0.7
CONF_ANAPHOR = 0.6
CONF_POSSESSOR = 0.7  # factor for 'the X's decision' standing for X
CONF_PATH = 0.5
PATH_MAX_EDGES = 6  # longest dependency path between two names that a cue on it may join
# how an argument hangs below a cue word: as its actor, or as what is acted on
ACTOR_DEPS = SUBJ_DEPS | {"agent", "appos"}
UNDERGOER_DEPS = OBJ_DEPS | PASSIVE_SUBJ_DEPS | {"poss", "compound", "nmod"}


class Context:
    """Per-document lookups shared by the rules: token -> mention, sentence of a token."""

    def __init__(self, doc: Doc, doc_id: str, mentions: list[Mention], ontology: Ontology):
        self.doc, self.doc_id, self.onto = doc, doc_id, ontology
        self.text = doc.text  # Doc.text joins every token anew on each call
        self.story_ids = may_hold_story_ids(self.text)
        self.mentions = mentions
        self._anaphor_cache: dict[tuple[str, str], tuple[list[Mention], list[Mention]]] = {}
        self._sentences: dict[int, tuple[str, int, int]] = {}
        self._spans: dict[tuple[int, int], Span | None] = {}
        self.by_token = token_mentions(doc, mentions)
        self.roots = self._roots()
        self._appos: dict[tuple[int, int], list[Token]] = {}
        self._appos_owner: dict[int, Mention] | None = None
        self._named: dict[int, Mention | None] = {}

    def appositions(self, m: Mention) -> list[Token]:
        """The head nouns of the appositions that describe ``m`` ('X, a Japanese satellite'),
        as kg.extract.entities.appositive_nouns reads them; once per mention."""
        key = (m.start, m.end)
        if key not in self._appos:
            span = self.span_of(m.start, m.end)
            self._appos[key] = appositive_nouns(span) if span is not None else []
        return self._appos[key]

    def appos_owner(self, i: int) -> Mention | None:
        """The name an apposition's head noun (token ``i``) describes."""
        if self._appos_owner is None:
            self._appos_owner = {}
            for m in self.mentions:
                for noun in self.appositions(m):
                    self._appos_owner.setdefault(noun.i, m)
        return self._appos_owner.get(i)

    def sentence(self, sent: Span) -> tuple[str, int, int]:
        """The sentence's text without surrounding blanks, and its character offsets."""
        out = self._sentences.get(sent.start)
        if out is None:
            text = self.text[sent.start_char:sent.end_char]
            start = sent.start_char + len(text) - len(text.lstrip())
            out = self._sentences[sent.start] = (text.strip(), start, start + len(text.strip()))
        return out

    def _roots(self) -> dict[int, Mention]:
        """Root token of each mention -> mention."""
        out = {}
        for m in self.mentions:
            span = self.span_of(m.start, m.end)
            if span is not None:
                out[span.root.i] = m
        return out

    def span_of(self, start: int, end: int) -> Span | None:
        """The tokens covering characters ``start:end`` (looked up once per document)."""
        key = (start, end)
        if key not in self._spans:
            self._spans[key] = self.doc.char_span(start, end, alignment_mode="expand")
        return self._spans[key]

    def mention_root(self, m: Mention) -> Token | None:
        span = self.span_of(m.start, m.end)
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
                near = self._name_before(t)
                if near is not None and near.i != noun.i:
                    # 'X and Y (Z), which runs ...': the name right before the comma
                    return [(self.by_token[near.i], CONF_DIRECT, "name")]
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
        if t.lemma_.lower() in PARTITIVE_NOUNS:
            # 'operates a fleet of six X satellites': the fleet stands for what it is made of
            inner = [a for p in _prep_objects(t, "of", False) if p.dep_ == "pobj"
                     for a in self.args(p)]
            if inner:
                return inner
        if t.dep_ == "attr" and t.pos_ == "NOUN" and t.head.lemma_ == "be":
            # 'X is a film directed by Y': the predicate noun stands for the copula's subject
            subjects = [c for c in t.head.children if c.dep_ in SUBJ_DEPS and c.i in self.by_token]
            if subjects:
                return [(self.by_token[subjects[0].i], CONF_PRONOUN, "predicate")]
        cls = head_cue_class(t, self.onto)
        # a plural ('mapping firms') is no one entity named before
        if cls and cls not in ANAPHOR_EXCLUDED and not self.onto.is_person(cls) and t.pos_ == "NOUN" \
                and t.tag_ != "NNS":
            indefinite = any(c.dep_ == "det" and c.lower_ in ("a", "an", "another", "some")
                             for c in t.children)
            m = self.anaphor(cls, t.lemma_.lower(), t.idx, indefinite)
            if m is not None and not self._co_subject(t, m):
                return [(m, CONF_ANAPHOR, "anaphor")]
        return []

    def _co_subject(self, t: Token, m: Mention) -> bool:
        """Whether ``m`` is named by the subject of the verb that governs the noun ``t``: 'the
        EU sanctions a Russian satellite firm' is not about the EU."""
        verb = t.head
        while verb.pos_ not in ("VERB", "AUX") and verb.head is not verb and verb.dep_ != "ROOT":
            verb = verb.head
        return any(self.by_token.get(c.i) is m for c in verb.children if c.dep_ in SUBJ_DEPS)

    def _name_before(self, pron: Token) -> Token | None:
        """The root token of the name right before a relative pronoun and its comma ('Z, which'
        and 'Y (Z), which'), or None."""
        i = pron.i - 1
        if i < 0 or self.doc[i].text != ",":
            return None
        i -= 1
        if i >= 0 and self.doc[i].text == ")":
            i -= 1
        m = self.by_token.get(i) if i >= 0 else None
        if m is None:
            return None
        root = self.mention_root(m)
        return root if root is not None and root.i in self.by_token else None

    def named_by(self, t: Token) -> Mention | None:
        """The entity a common noun introduces: 'agency X', 'the head of Y, X', 'the X rocket',
        or describes in apposition: 'X, a Japanese satellite operated by Y'."""
        if t.i not in self._named:
            self._named[t.i] = self._named_by(t)
        return self._named[t.i]

    def _named_by(self, t: Token) -> Mention | None:
        if t.dep_ == "appos" and t.pos_ == "NOUN":
            owner = self.appos_owner(t.i)
            if owner is not None:
                return owner
        for c in t.children:
            # 'nummod': the parser reads designators like 'Soyuz-2.1b' as numbers
            if (c.dep_ in ("appos", "compound", "nmod", "nummod")
                    or c.dep_ == "amod" and c.tag_ in ("NNP", "NNPS")) and c.i in self.by_token:
                m = self.by_token[c.i]
                if m.label in VALUE_LABELS:
                    continue  # 'a 2011 film' is no film named 2011
                if c.dep_ == "appos" or c.i < t.i:
                    if c.dep_ not in ("compound", "amod") or self.onto.is_a(m.cls, "Artifact") or \
                            self.onto.is_a(m.cls, "Organization") or m.cls == "Facility":
                        return m
        if t.lower_ in self.onto.title_cues:
            for c in t.children:
                if c.dep_ == "prep":
                    for p in c.children:
                        m = self.by_token.get(p.i)
                        if p.dep_ == "pobj" and m and self.onto.is_person(m.cls):
                            return m
        # 'the northern state of X', 'the city of Y': a place noun whose 'of' names the place
        cls = head_cue_class(t, self.onto)
        if cls and self.onto.is_a(cls, "Place"):
            for p in _prep_objects(t, "of", False):
                m = self.by_token.get(p.i)
                if p.dep_ == "pobj" and m and self.onto.is_a(m.cls, "Place"):
                    return m
        # 'for X and France's space agency Y': a noun of the name's class right before the
        # name introduces it, however the parser linked the two
        nxt = self.by_token.get(t.i + 1)
        if nxt is not None and nxt.start == self.doc[t.i + 1].idx and t.pos_ == "NOUN" and cls \
                and (self.onto.is_a(nxt.cls, cls) or self.onto.is_a(cls, nxt.cls)):
            return nxt
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
        here = self.span_of(at, at + 1)
        sent = self.doc[here.start].sent if here is not None else None
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

    def _may_refer(self, m: Mention, person: bool) -> bool:
        """Whether a personal (``person``) or other pronoun may stand for ``m``: a person, or
        an agent or artifact that is no person."""
        if self.onto.is_person(m.cls) != person:
            return False
        return person or self.onto.is_a(m.cls, "Agent") or self.onto.is_a(m.cls, "Artifact")

    def antecedent(self, pron: Token, person: bool) -> Mention | None:
        """Nearest fitting antecedent, subjects first, in this and the previous sentence; but
        in 'X and its chief' the name the pronoun's phrase is coordinated with."""
        owner = pron.head
        if pron.dep_ == "poss" and owner.dep_ == "conj" and owner.head.i < pron.i:
            m = self.roots.get(owner.head.i)
            if m is not None and self._may_refer(m, person):
                return m
        sent = pron.sent
        prev = self.doc[sent.start - 1].sent if sent.start > 0 else None
        scopes = [(sent.start, pron.i), (prev.start, prev.end) if prev is not None else (0, 0)]
        for want_subject in (True, False):
            for lo, hi in scopes:
                for i in range(hi - 1, lo - 1, -1):
                    m = self.roots.get(i)
                    if m is None or not self._may_refer(m, person):
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
    if ontology.structures.get("topic"):
        retyped = _retype_topics(ctx)
        if retyped is not mentions:
            mentions = retyped
            ctx = Context(doc, doc_id, mentions, ontology)
    cands: list[Candidate] = []
    cued = _cue_tokens(doc, ontology)
    for sent in doc.sents:
        found: list[Candidate] = []
        for i in range(sent.start, sent.end):
            if i in cued:
                found.extend(_frame_candidates(ctx, doc[i], sent))
        found.extend(_title_candidates(ctx, sent))
        found.extend(_predicate_titles(ctx, sent))
        found.extend(_structure_candidates(ctx, sent))
        found.extend(_anaphor_structures(ctx, sent))
        found.extend(_path_candidates(ctx, sent))
        found.extend(_dateline_candidates(ctx, sent))
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


def _cue_tokens(doc: Doc, ontology: Ontology) -> set[int]:
    """Indexes of the tokens whose lemma or lower-case form has frames: read from the Doc's
    arrays, each distinct form looked up once (a Token object per token costs more than all
    the frames' rules on the few that matter)."""
    frames = ontology.frames_by_lemma
    strings = doc.vocab.strings
    known: dict[int, bool] = {}
    out = set()
    for i, (lemma, lower) in enumerate(doc.to_array([LEMMA, LOWER]).tolist()):
        hit = known.get(lemma)
        if hit is None:
            hit = known[lemma] = strings[lemma].lower() in frames
        if not hit:
            hit = known.get(lower)
            if hit is None:
                hit = known[lower] = strings[lower] in frames
        if hit:
            out.add(i)
    return out


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
    text, start, end = ctx.sentence(sent)
    return Evidence(doc_id=ctx.doc_id, sentence=text, sent_start=start, sent_end=end,
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
    # coordinated subjects of the verb (or of the verb that takes this noun as its object, or
    # that acts under it: 'under an agreement signed last year, X and Y pool their data')
    verb = tok if is_verb else (tok.head if tok.dep_ in OBJ_DEPS else None)
    if verb is None and tok.dep_ == "pobj" and tok.head.lower_ in GROUND_PREPS:
        verb = tok.head.head  # the small model tags some verbs ('share') as nouns
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
        # a noun's subject: a name that owns it ('she negotiated Mexico's deal with Y'), else
        # the subject of the verb that takes it ('X signed an accord with Y')
        owners = [c for c in tok.children if c.dep_ == "poss" and c.pos_ == "PROPN"]
        if owners:
            return owners
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
    heads = [tok]
    if is_verb:
        # a prepositional phrase often attaches to the verb's argument instead of the verb
        heads += [c for c in tok.children if c.dep_ in OBJ_DEPS | PASSIVE_SUBJ_DEPS]
        heads += [p for c in tok.children if c.dep_ in ("agent", "prep")
                  for p in c.children if p.dep_ == "pobj"]
    return _objects_of(_prepositions(heads), prep, tok.doc)


def _prepositions(heads: list[Token]) -> dict[str, list[Token]]:
    """The prepositions (and 'by' agents, datives) hanging on ``heads``, by their word."""
    out: dict[str, list[Token]] = {}
    for h in heads:
        for c in h.children:
            if c.dep_ in ("prep", "agent", "dative"):
                out.setdefault(c.lower_, []).append(c)
    return out


def _objects_of(prepositions: dict[str, list[Token]], prep: str, doc: Doc) -> list[Token]:
    """The objects of preposition ``prep`` (several words allowed: 'on board') among
    ``prepositions`` (``_prepositions``)."""
    words = prep.split()
    return [p for c in prepositions.get(words[-1], ())
            if len(words) == 1 or doc[c.i - len(words) + 1:c.i + 1].text.lower() == prep
            for p in c.children if p.dep_ in ("pobj", "pcomp")]


def _title_candidates(ctx: Context, sent: Span) -> Iterator[Candidate]:
    """'Russian President X', 'the head of Y, X', 'X, a spokesman for Y', 'Y official X'."""
    for m in ctx.mentions:
        if not ctx.onto.is_person(m.cls) or not (sent.start_char <= m.start < sent.end_char):
            continue
        root = ctx.mention_root(m)
        if root is None:
            continue
        for title, conf in _titles_of(ctx, root, m):
            props = _title_properties(ctx, title)
            for target, c, _ in _title_targets(ctx, title, m):
                for prop in props:
                    # a target the NER called a person is still offered: the check after
                    # resolution drops it, unless the article names it as an organisation
                    # elsewhere ('X, the chief executive of Y' where the NER took Y for a name)
                    yield Candidate(m, prop, target, _evidence(
                        ctx, sent, f"title:{title.lower_}", min(conf, c)))


def _predicate_titles(ctx: Context, sent: Span) -> Iterator[Candidate]:
    """'X took over as director of Y', 'X became head of Y', 'X is the chief of Y':
    the title is predicated of the verb's subject."""
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
        props = _title_properties(ctx, tok)
        for (person, pc, _), prop in product(people, props):
            for target, c, _ in _title_targets(ctx, tok, person):
                if not ctx.onto.is_person(target.cls):
                    yield Candidate(person, prop, target, _evidence(
                        ctx, sent, f"title:{tok.lower_}:predicate", min(pc, c, CONF_TITLE) * 0.9))


def _title_properties(ctx: Context, tok: Token) -> tuple[str, ...]:
    """The properties the title ``tok`` gives; for a title narrowed to a field ('director of
    Earth observation', 'the foreign policy chief': the head of a unit, not of the whole), a
    property's kgo:qualifiedTitle instead (the core ontology: leaderOf -> memberOf)."""
    phrase = _title_phrase(tok, ctx.onto.title_cues)
    props = ctx.onto.title_cues.get(phrase, ())
    qualified = [ctx.onto.properties[p].qualified_title for p in props]
    if not any(qualified) or not _narrowed(ctx, tok, phrase):
        return props
    return tuple(dict.fromkeys(q or p for p, q in zip(props, qualified, strict=True)))


def _narrowed(ctx: Context, tok: Token, phrase: str) -> bool:
    """Whether a title names a field it heads: a common noun before it that is not part of the
    title ('foreign policy chief'), or after 'of' ('director of research'), that stands for
    no entity (not 'the agency chief', 'the head of the agency')."""
    words = set(phrase.replace("-", " ").split())
    fields = [c for c in tok.children if c.dep_ == "compound" and c.i < tok.i
              and c.pos_ == "NOUN" and c.lower_ not in words]
    fields += [p for p in _prep_objects(tok, "of", False) if p.dep_ == "pobj" and p.pos_ == "NOUN"]
    return any(f.i not in ctx.by_token and not ctx.args(f) for f in fields)


def _title_phrase(tok: Token, titles: dict) -> str:
    """The title cue ``tok`` is part of: a hyphenated title it is a piece of
    ('Secretary-General', 'commander-in-chief': spaCy splits them at the hyphens), a
    two-word title it ends ('prime minister'), else the word or its lemma."""
    doc = tok.doc
    start = end = tok.i
    while start > 0 and not doc[start - 1].whitespace_:
        start -= 1
    while end + 1 < len(doc) and not doc[end].whitespace_:
        end += 1
    if start < end and any(t.text == "-" for t in doc[start:end + 1]):
        joined = doc[start:end + 1].text.lower()
        if joined in titles:
            return joined
    left = tok.doc[tok.i - 1] if tok.i > 0 else None
    if left is not None and f"{left.lower_} {tok.lower_}" in titles:
        return f"{left.lower_} {tok.lower_}"
    return tok.lower_ if tok.lower_ in titles else tok.lemma_.lower()


def _is_title(tok: Token, ctx: Context) -> bool:
    return tok.pos_ in ("NOUN", "PROPN") and (
        tok.lower_ in ctx.onto.title_cues or tok.lemma_.lower() in ctx.onto.title_cues)


def _titles_of(ctx: Context, root: Token, m: Mention) -> Iterator[tuple[Token, float]]:
    span = ctx.span_of(m.start, m.end)
    inside = set(range(span.start, span.end)) if span is not None else {root.i}
    # premodifier titles: compounds left of the name ('President X', 'Foreign Minister X')
    for c in root.children:
        if c.dep_ in ("compound", "amod", "nmod") and c.i < root.i and _is_title(c, ctx) \
                and (c.i not in inside or c.lower_ in ctx.onto.name_titles):
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
        for prop in structures.get("appos", ()) if m.cls != "Country" else ():
            # ('the war in Ukraine, Russia is ...': a country is in no place it is set beside)
            for target in _appositions(ctx, root, m):
                yield Candidate(m, prop, target, _evidence(ctx, sent, "structure:appos", CONF_STRUCTURE))
        for prop in structures.get("premodifier", ()):
            for target, conf, dep in _premodifiers(ctx, root, m):
                if target.cls == m.cls and dep != "poss":
                    continue  # 'the Russia-Iran alignment' names two countries, not a country's
                yield Candidate(m, prop, target, _evidence(ctx, sent, "structure:premodifier", conf))
        preps = [(name, props) for name, props in structures.items() if name.startswith("prep:")]
        if not preps or m.cls == "Country":
            continue
        heads = [root]
        if root.dep_ in OBJ_DEPS and ctx.onto.is_a(m.cls, "Place"):
            heads.append(root.head)  # 'crews repaired the X plant in Y'
        # 'X, a technician from Y': the phrase hangs on the apposition that describes X
        heads += [c for c in root.children if c.dep_ == "appos" and c.pos_ == "NOUN"
                  and c.i > root.i and c.i not in ctx.by_token]
        # the heads' prepositions read once, looked up for each prep:P the ontology names
        by_word = _prepositions(heads)
        set_off = _set_off_place(ctx, m)
        for name, props in preps:
            prep = name[5:]
            objects = _objects_of(by_word, prep, ctx.doc)
            if set_off is not None and set_off[0] == prep:
                objects += set_off[1]
            for p in objects:
                for target, conf, _ in ctx.args(p) or _place_possessor(ctx, p):
                    for prop in props:
                        if ctx.onto.is_person(m.cls) and not ctx.onto.fits(
                                m.cls, ctx.onto.properties[prop].domain):
                            continue  # 'X in Y' says where a person is, rarely a relation
                        yield Candidate(m, prop, target,
                                        _evidence(ctx, sent, f"structure:{name}", conf * 0.9))


def _place_possessor(ctx: Context, noun: Token) -> list[tuple[Mention, float, str]]:
    """'on India's southeast coast', 'in Russia's far east': the place that owns a common noun
    standing for no entity of its own."""
    if noun.pos_ != "NOUN" or noun.i in ctx.by_token:
        return []
    return [(ctx.by_token[c.i], CONF_STRUCTURE, "possessor") for c in noun.children
            if c.dep_ == "poss" and c.i in ctx.by_token
            and ctx.onto.is_a(ctx.by_token[c.i].cls, "Place")]


def _set_off_place(ctx: Context, m: Mention) -> tuple[str, list[Token]] | None:
    """'from Bremen, in northern Germany,': a place, a comma and a one-word preposition whose
    phrase the parser hung on the word before the place; the preposition and its objects."""
    if not ctx.onto.is_a(m.cls, "Place"):
        return None
    span = ctx.span_of(m.start, m.end)
    if span is None or span.end + 1 >= len(ctx.doc):
        return None
    comma, word = ctx.doc[span.end], ctx.doc[span.end + 1]
    if comma.text != "," or word.dep_ != "prep" or span.start <= word.head.i < span.end:
        return None
    return word.lower_, [p for p in word.children if p.dep_ == "pobj"]


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


def _loosely_typed(m: Mention, onto: Ontology) -> bool:
    """Whether only a default typed the mention: its NER label's class, or the first topic-name
    class (no gazetteer entry, no cue noun)."""
    if m.key:
        return False
    if m.label == "TOPIC":
        return bool(onto.topic_classes) and m.cls == onto.topic_classes[0]
    return m.cls == onto.ner_map.get(m.label)


def _retype_topics(ctx: Context) -> list[Mention]:
    """With kgo:structure "topic": a sentence's topic that only a default typed, whose class fits
    the domain of none of the topic properties whose range the sentence's other entities fit,
    takes the domain class most of those properties share (the NER calls many a title a person:
    in 'X is a song by Y' the topic is a song). Of what an agent acts on ('X wrote Y') only
    entities of another class than its own count. ``ctx.mentions`` itself when nothing changes."""
    onto = ctx.onto
    props = [onto.properties[p] for p in onto.structures.get("topic", ())]
    retype: dict[tuple[int, int], str] = {}
    for sent in ctx.doc.sents:
        topic = sentence_topic(ctx, sent)
        if topic is None or not _loosely_typed(topic, onto):
            continue
        # what an agent acts on tells its class only when it is of another class
        # ('X wrote Y' with both called persons says nothing of which is the book)
        acted_on = set() if _described(ctx, topic) else _acted_on(ctx, topic)
        others = [m for m in ctx.mentions if sent.start_char <= m.start < sent.end_char
                  and (m.start, m.end) != (topic.start, topic.end)
                  and (m.cls != topic.cls or (m.start, m.end) not in acted_on)]
        votes: dict[str, int] = {}
        for p in props:
            if not any(onto.fits(m.cls, p.range) for m in others):
                continue
            if onto.fits(topic.cls, p.domain):
                votes = {}
                break
            for cls in p.domain:
                votes[cls] = votes.get(cls, 0) + 1
        if votes:
            retype[(topic.start, topic.end)] = max(sorted(votes), key=votes.__getitem__)
    if not retype:
        return ctx.mentions
    return [replace(m, cls=retype[(m.start, m.end)]) if (m.start, m.end) in retype else m
            for m in ctx.mentions]


def _acted_on(ctx: Context, topic: Mention) -> set[tuple[int, int]]:
    """The spans of the entities that are direct objects of the verb the topic is subject of."""
    root = ctx.mention_root(topic)
    if root is None or root.dep_ not in SUBJ_DEPS:
        return set()
    out = set()
    for c in root.head.children:
        if c.dep_ in ("dobj", "obj"):
            for m, _, _ in ctx.args(c):
                out.add((m.start, m.end))
    return out


def _described(ctx: Context, topic: Mention) -> bool:
    """Whether the sentence says what the topic is or what was done to it ('X is a song by Y',
    'X was written by Y'), rather than what it did ('X wrote Y': an agent keeps its class)."""
    if topic.label == "TOPIC":
        return True
    root = ctx.mention_root(topic)
    return root is not None and (root.dep_ in PASSIVE_SUBJ_DEPS
                                 or root.dep_ in SUBJ_DEPS and root.head.lemma_ == "be")


def sentence_topic(ctx: Context, sent: Span) -> Mention | None:
    """The entity a sentence is about: the subject of its main verb when a proper name stands
    there ('X is a film directed by Y', 'X was discovered by Y'), else a name written as a possessor
    ("the short won X's fourth award": texts about one thing name it so where they could say
    'its'; of several, the first that fits the domain of a topic property), else what the
    subject stands for ('the film': the one film named); without a subject, a name that opens
    the sentence, else a possessor."""
    possessors = [m for m in ctx.mentions if sent.start_char <= m.start < sent.end_char
                  and m.label not in VALUE_LABELS and POSSESSIVE_AFTER.match(ctx.text, m.end)]
    # of several, the first that may be the subject of a topic property
    domains = [ctx.onto.properties[p].domain for p in ctx.onto.structures.get("topic", ())]
    poss = next((m for m in possessors if any(ctx.onto.fits(m.cls, d) for d in domains)),
                possessors[0] if possessors else None)
    for c in sent.root.children:
        if c.dep_ in SUBJ_DEPS | PASSIVE_SUBJ_DEPS:
            args = ctx.args(c)
            if args:
                named = c.i in ctx.by_token and args[0][2] == "name" and not (
                    poss is not None and args[0][0].text[:1].islower())  # 'the short'
                return args[0][0] if named or poss is None else poss
    first = next((t for t in sent if not t.is_punct and not t.is_space), None)
    if first is not None:
        m = ctx.by_token.get(first.i)
        if m is not None and m.label not in VALUE_LABELS:
            return m
    return poss


def _appositions(ctx: Context, root: Token, m: Mention) -> Iterator[Mention]:
    """'Springfield, Illinois': a name, a comma, a name in apposition to it (the parser may call
    the second one a conjunct; a list 'X, Y and Z' has a coordinator and is not one)."""
    conjs = [c for c in root.children if c.dep_ == "conj"]
    listed = len(conjs) > 1 or any(c.dep_ == "cc" for c in root.children)
    for c in root.children:
        if c.i <= root.i or not (c.dep_ == "appos" or c.dep_ == "conj" and not listed):
            continue
        t = ctx.by_token.get(c.i)
        if t is not None and t.start >= m.end and ctx.text[m.end:t.start].strip() == "," \
                and not _in_list(ctx, m, t):
            yield t
            return
    # the parser often leaves 'EAST LANSING, Mich.' or 'Azusa, Calif.' unlinked: two names of
    # one class with only a comma between them, at the end of their comma chain
    nxt = _beside(ctx, m)
    if nxt is not None and not _in_list(ctx, m, nxt) and _beside(ctx, nxt) is None:
        yield nxt


def _beside(ctx: Context, m: Mention) -> Mention | None:
    """The next name, when it is of the mention's class with only a comma between them."""
    nxt = next((x for x in ctx.mentions if x.start >= m.end), None)
    if nxt is not None and nxt.cls == m.cls and ctx.text[m.end:nxt.start].strip() == ",":
        return nxt
    return None


def _in_list(ctx: Context, first: Mention, second: Mention) -> bool:
    """'Colombia, Bolivia, Ecuador and Peru': the pair starts a list of names that ends with a
    coordinator (the parser nests such lists, so the coordinator may hang far from the pair)."""
    text = ctx.text
    starts = {x.start: x for x in ctx.mentions}
    cur = second
    for _ in range(10):
        after = text[cur.end:]
        rest = after.lstrip(" ,")
        if rest.startswith(("and ", "or ")):
            return True
        if not after.lstrip().startswith(","):
            return False
        nxt = starts.get(len(text) - len(rest))
        if nxt is None:
            return False
        cur = nxt
    return False


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
    if not props:
        return
    for tok in sent:
        if tok.i in ctx.by_token or tok.pos_ != "NOUN":
            continue
        # the entities named before the noun, looked at first: most nouns have none
        named = [ctx.by_token[c.i] for c in tok.children
                 if c.dep_ in NOMINAL_DEPS and c.i < tok.i and c.i in ctx.by_token]
        if not named or ctx.named_by(tok) is not None:
            continue
        for m, conf, how in ctx._arg(tok):
            if how != "anaphor":
                continue
            for t in named:
                if t.cls != m.cls:
                    for prop in props:
                        yield Candidate(m, prop, t, _evidence(
                            ctx, sent, "structure:premodifier:anaphor", conf))


def _premodifiers(ctx: Context, root: Token, m: Mention) -> Iterator[tuple[Mention, float, str]]:
    """Entities named before the mention or before the noun it names ('a Russian X rocket'),
    with the dependency that attaches them."""
    holders = [root]
    if root.dep_ in ("compound", "nmod", "appos") and root.head.pos_ == "NOUN":
        holders.append(root.head)  # 'the X satellite', 'agency X', 'channel X'
    holders.extend(ctx.appositions(m))  # 'X, a Japanese satellite'
    span = ctx.span_of(m.start, m.end)
    if span is not None:
        before = ctx.doc[span.start - 1] if span.start > 0 else None
        if before is not None and before.pos_ == "NOUN" and before.i not in ctx.by_token \
                and before not in holders and ctx.named_by(before) is m:
            holders.append(before)  # "France's space agency X", however it was parsed
    if ctx.onto.is_person(m.cls):
        holders.extend(t for t, _ in _titles_of(ctx, root, m))  # 'Iranian Ambassador X'
        # 'the Atlanta businessman X': a common noun written before the name describes X
        holders.extend(c for c in root.children if c.dep_ == "compound" and c.pos_ == "NOUN"
                       and c.i < root.i and c.i not in ctx.by_token)
    for h in holders:
        for c in h.children:
            if c.dep_ in NOMINAL_DEPS and c.i < h.i and c.i in ctx.by_token:
                t = ctx.by_token[c.i]
                if (t.start, t.end) != (m.start, m.end):
                    yield t, CONF_STRUCTURE, c.dep_


def _dateline_candidates(ctx: Context, sent: Span) -> Iterator[Candidate]:
    """Structure 'dateline': 'BANGKOK, Thailand (AP)' relates the agency to each place and
    each place to the next one, as the property's domain and range allow."""
    props = ctx.onto.structures.get("dateline", ())
    line = find_dateline(sent, ctx.story_ids) if props else None
    if line is None:
        return
    places = [ctx.by_token.get(p.root.i) for p in line.places]
    agency = ctx.by_token.get(line.agency.root.i)
    pairs = [(agency, p) for p in places] + list(zip(places, places[1:], strict=False))
    for (a, b), prop in product(pairs, props):
        info = ctx.onto.properties[prop]
        if a is not None and b is not None and a is not b and ctx.onto.fits(a.cls, info.domain) \
                and ctx.onto.fits(b.cls, info.range):
            yield Candidate(a, prop, b, _evidence(ctx, sent, "structure:dateline", CONF_STRUCTURE))


def _path_cues(onto: Ontology) -> dict[str, frozenset[str]]:
    """Property -> the cue words of a property that opts into the 'path' structure."""
    out = {}
    for prop in onto.structures.get("path", ()):
        info = onto.properties[prop]
        out[prop] = frozenset({f.lemma for f in info.frames} | set(info.title_cues))
    return out


def _path_candidates(ctx: Context, sent: Span) -> Iterator[Candidate]:
    """Structure 'path': two names in one sentence joined by a short dependency path with one
    of the property's cue words on it ('X, the man who had assassinated Y', 'X, vice president
    of programs for Y'). When domain and range are one class, the roles below the cue decide
    the direction ('X shot Y', 'Y was shot by X', 'Y's assassin, X'); otherwise the classes do."""
    cues = _path_cues(ctx.onto)
    if not cues:
        return
    ms = [(m, r) for m in ctx.mentions if sent.start_char <= m.start < sent.end_char
          for r in [ctx.mention_root(m)] if r is not None]
    for (a, ra), (b, rb) in product(ms, ms):
        if ra.i == rb.i or (a.start, a.end) == (b.start, b.end):
            continue
        path = _dep_path(ra, rb)
        if path is None:
            continue
        for prop, words in cues.items():
            info = ctx.onto.properties[prop]
            if not (ctx.onto.fits(a.cls, info.domain) and ctx.onto.fits(b.cls, info.range)):
                continue
            for cue in path:
                if cue.i in ctx.by_token or cue.lemma_.lower() not in words:
                    continue
                agentive = _is_title(cue, ctx)
                if info.domain == info.range:
                    if _path_roles(cue, ra, rb, agentive) != ("actor", "undergoer"):
                        continue
                elif cue.pos_ in ("VERB", "AUX") and (_role_below(cue, ra) or _role_above(
                        cue, ra, "undergoer", agentive)) != "actor":
                    continue  # 'X said Y joined Z': the verb's own subject is its actor
                yield Candidate(a, prop, b, _evidence(
                    ctx, sent, f"structure:path:{cue.lemma_.lower()}", CONF_PATH))
                break


def _dep_path(a: Token, b: Token) -> list[Token] | None:
    """Tokens strictly between a and b on the dependency tree, or None when the path is long."""
    up_a = [a, *a.ancestors]
    up_b = [b, *b.ancestors]
    common = next((t for t in up_a if t in up_b), None)
    if common is None:
        return None
    ia, ib = up_a.index(common), up_b.index(common)
    if ia + ib > PATH_MAX_EDGES:
        return None
    return [t for t in up_a[1:ia + 1] + up_b[1:ib] if t.i not in (a.i, b.i)]


def _path_roles(cue: Token, a: Token, b: Token, agentive: bool) -> tuple[str, str] | None:
    """Roles of a and b relative to the cue word: 'actor' (subject, agent, the name a title
    describes), 'undergoer' (object, possessor, 'of' object). ``agentive``: the cue is a title
    ('assassin'), which names its actor itself."""
    roles = [_role_below(cue, t) for t in (a, b)]
    if roles.count(None) == 1:
        # the name above the cue: the subject a relative clause, a participle or an
        # apposition leaves out ('X, who shot Y', 'X, convicted of killing Y', 'Y's killer, X')
        i = roles.index(None)
        known = roles[1 - i]
        roles[i] = _role_above(cue, (a, b)[i], known, agentive)
    return tuple(roles) if None not in roles else None


def _role_above(cue: Token, other: Token, known: str, agentive: bool) -> str | None:
    """The role of a name the cue hangs below, or None when the cue has its own subject."""
    complement = "actor" if known == "undergoer" else "undergoer"
    if cue.pos_ in ("NOUN", "PROPN"):
        if cue.dep_ == "appos" and cue.head.i == other.i:
            return complement
        if not agentive:
            # an event noun without its own agent ('the assassination of Y'): the one other
            # name on the path did it
            return complement if not any(c.dep_ == "agent" or c.lower_ == "by"
                                         for c in cue.children) else None
    g = cue
    for _ in range(3):
        if g.dep_ in ("conj", "xcomp") and g.head.pos_ in ("VERB", "AUX"):
            g = g.head
        elif g.dep_ in ("pobj", "pcomp") and g.head.dep_ == "prep" \
                and g.head.head.pos_ in ("VERB", "AUX"):
            g = g.head.head
        else:
            break
    if g.dep_ == "attr" and g.head.pos_ in ("VERB", "AUX"):
        g = g.head  # 'X was the lone assassin'
    if g.pos_ not in ("VERB", "AUX"):
        return None
    subjects = [c for c in g.children if c.dep_ in SUBJ_DEPS | PASSIVE_SUBJ_DEPS]
    named = [c for c in subjects if c.lower_ not in RELATIVE_PRONOUNS]
    if any(c.i == other.i for c in named):
        return complement if g is not cue else (
            "actor" if named[0].dep_ in SUBJ_DEPS else "undergoer")
    if named or g.dep_ not in ("relcl", "acl", "appos"):
        return None
    h = g.head
    if h.i == other.i or h.dep_ == "appos" and h.head.i == other.i:
        rel = [c for c in subjects if c.lower_ in RELATIVE_PRONOUNS]
        if rel and g is cue:
            return "actor" if rel[0].dep_ in SUBJ_DEPS else "undergoer"
        return complement
    if g is cue and h.dep_ in OBJ_DEPS and any(
            c.dep_ in SUBJ_DEPS and c.i == other.i for c in h.head.children):
        return complement  # 'X fired the shots that killed Y': the instrument's wielder
    return None


def _role_below(cue: Token, t: Token) -> str | None:
    """'actor' or 'undergoer' for a token in the cue's subtree, by the edge right below the
    cue; None for a token outside it."""
    if t not in cue.subtree or t.i == cue.i:
        return None
    child = next(c for c in [t, *t.ancestors] if c.head.i == cue.i)
    if child.dep_ == "prep":
        word = child.lower_
        return "actor" if word == "by" else "undergoer" if word in ("of", "on") else None
    if child.dep_ == "relcl":
        return None
    if cue.pos_ in ("VERB", "AUX"):
        if child.dep_ in UNDERGOER_DEPS - {"poss", "compound", "nmod"}:
            return "undergoer"
        if child.dep_ in ACTOR_DEPS:
            return "actor"
        return None
    # a noun: 'Y's killing', 'the Y assassin', 'the assassin of Y' / 'Y's killer, X'
    if child.dep_ in ("poss", "compound", "nmod", "amod"):
        return "undergoer"
    if child.dep_ in ("appos", "agent"):
        return "actor"
    return None


def _dedupe(cands: list[Candidate]) -> list[Candidate]:
    seen, out = set(), []
    for c in cands:
        k = (None if c.subject is None else (c.subject.start, c.subject.end), c.predicate,
             (c.object.start, c.object.end), c.evidence.rule)
        if k not in seen:
            seen.add(k)
            out.append(c)
    return out
