#!/usr/bin/env python3
"""Text2KGBench (Wikidata-TekGen): each ontology converted to kg's format, kg on validation.

    python benchmarks/text2kgbench.py                     # all ten ontologies
    python benchmarks/text2kgbench.py --only 8_politics   # one (name as in ontologies/)

For each ontology the script writes a kg ontology file (benchmarks/reports/text2kgbench/*.ttl):
classes for its concepts, properties for its relations with their domain and range, and cues
computed from the train split by this script (nothing copied by hand):
- kgo:nerLabel: the spaCy entity labels that cover the train subjects and objects of a class;
- kgo:frame: 'LEMMA: ROLE -> ROLE' read off the dependency parse between a train subject and
  object, kept when it recurs and mostly stands for that relation;
- kgo:titleCue / kgo:structure: the title noun or the preposition, apposition or premodifier
  that links them, on the same terms;
- kgo:headCue: the concept's own label ('political party' types 'the X party'), the last word
  of many train names of a class ('X Academy', 'Y Records'), and the nouns
  that type train names ('X is a novel', 'X became a member', 'the genus X');
- kgo:structure "topic" on every property: the sentence's subject relates to the entities of
  the range it names, where no learned cue found the property;
- kgo:topicName on the class whose train subjects the NER misses most (titles, taxa); the other
  classes whose subjects it mostly misses become its superclasses;
- kgo:nameArticle: whether the train names of a class written after a capitalised 'The' keep
  it ('The X' as a title) or not ('the X River');
- kgo:phraseCue / kgo:suffixCue: the head noun of 'HEAD of X' names ('President of Chile') and
  the word ending ('-ism') most train objects of a class share;
- a class of its own for a relation without a range whose train objects are Wikidata items
  (a performer, an instrument); one whose objects are dates or numbers takes the kinds of
  values (one class per spaCy label: dates, cardinals, quantities, money) its train objects are;
- kgo:structure "name" on a relation whose train objects are often written inside the
  subject's name ('the 2031 Rowing World Cup' is of the sport rowing);
- gazetteer entries: the train subjects and objects with their Wikidata labels, so the entity
  ruler finds the recurring ones (genres, parties, positions) that the NER does not.
kg then runs on the validation sentences (one document each) and is scored as the benchmark's
run_eval does: relation names with underscores, outputs filtered to the relations in the
sentence's gold, exact match after lowercasing and removing spaces and underscores, P/R/F1 per
sentence averaged per ontology; plus ontology conformance (share of output triples whose relation
is in the ontology). Writes benchmarks/reports/text2kgbench.json.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "bench" / "text2kgbench"
REPORTS = ROOT / "benchmarks" / "reports"
NS = "https://w3id.org/kg/bench/text2kgbench/"
WD = "http://www.wikidata.org/entity/"

# what makes a learned cue worth keeping
MIN_SUPPORT = 2  # train examples that show it
MIN_SHARE = 0.5  # of its train examples, the share that are of this relation
NER_MIN_SHARE = 0.2  # of a class's train mentions, the share a spaCy label must cover
CUE_MIN_SUPPORT = 2  # train names a noun must type to become a class's head cue
CUE_MIN_SHARE = 0.6  # of the names it types, the share that are of that class
PHRASE_MIN_SHARE = 0.3  # of a class's train names, the share named "HEAD of X"
SUFFIX_LEN = 3
SUFFIX_MIN_SHARE = 0.4  # of a class's train names, the share with one ending
SUFFIX_MIN_WORDS = 5  # distinct words with it ('horror' again and again is no pattern)
FINAL_MIN_NAMES = 3  # different train names a last word must end to become a head cue
FINAL_MIN_SHARE = 0.05  # of a class's many-word train names, the share it must end ('baby' no)
TOPIC_MIN_SHARE = 0.3  # of a class's train subjects, the share the NER must miss
ARTICLE_MIN_SHARE = 0.8  # of a class's train names written after 'The', the share that agree
SUBJ_DEPS = frozenset({"nsubj", "csubj"})
OBJ_DEPS = frozenset({"dobj", "obj", "attr", "oprd", "nsubjpass", "csubjpass"})
NOMINAL_DEPS = frozenset({"compound", "amod", "nmod"})
VALUE_LABELS = ("DATE", "CARDINAL", "QUANTITY", "MONEY")  # spaCy labels of literal values
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")


@dataclass(frozen=True)
class Relation:
    label: str  # as in the ontology ('member of political party')
    domain: str  # concept qid, or '' for a literal
    range: str

    @property
    def name(self) -> str:
        """The benchmark's form: spaces to underscores, a trailing space of the label included
        ('military casualty classification ' is 'military_casualty_classification_': its
        run_eval compares relation names so, to the gold's and the ontology's)."""
        return self.label.replace(" ", "_")

    @property
    def local(self) -> str:
        """An IRI-safe local name for kg (kg matches properties by local name)."""
        return re.sub(r"[^A-Za-z0-9_]", "_", self.name)


@dataclass
class Onto:
    id: str  # 'ont_8_politics'
    concepts: dict[str, str]  # qid -> label
    relations: list[Relation]
    # classes made up for relations without a range whose objects are entities
    object_classes: dict[str, str] = field(default_factory=dict)

    def class_name(self, qid: str) -> str:
        label = self.concepts.get(qid) or self.object_classes.get(qid) or qid or "Value"
        return "".join(w[:1].upper() + w[1:] for w in re.split(r"[^A-Za-z0-9]+", label) if w)


@dataclass(frozen=True)
class Triple:
    sub: str
    rel: str  # relation label as in the data
    obj: str
    sub_qid: str | None = None
    obj_qid: str | None = None


@dataclass
class Example:
    sent: str
    triples: list[Triple] = field(default_factory=list)


def read_ontology(path: Path) -> Onto:
    data = json.loads(path.read_text(encoding="utf-8"))
    concepts = {c["qid"]: c["label"].strip() for c in data["concepts"]}
    rels = [Relation(r["label"], r.get("domain") or "", r.get("range") or "")
            for r in data["relations"]]
    return Onto(data["id"], concepts, rels)


def read_examples(path: Path, limit: int | None = None) -> list[Example]:
    """Gold triples grouped by sentence (the files hold one triple per line)."""
    by_sent: dict[str, Example] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        r = json.loads(line)
        ex = by_sent.setdefault(r["sent"], Example(r["sent"]))
        ex.triples.append(Triple(r["sub_label"], r["rel_label"], r["obj_label"], r.get("sub"),
                                 r.get("obj")))
    return list(by_sent.values())[:limit]


# ------------------------------------------------------------------ learning from train
def with_object_classes(onto: Onto, train: Sequence[Example]) -> Onto:
    """A relation without a range whose train objects are mostly Wikidata items (a performer,
    an instrument) gets a class of its own for them; one whose objects are dates or numbers
    keeps the value range."""
    items: Counter = Counter()
    total: Counter = Counter()
    for ex in train:
        for t in ex.triples:
            total[t.rel] += 1
            items[t.rel] += bool(t.obj_qid)
    rels, extra = [], {}
    for r in onto.relations:
        if not r.range and total[r.label] and items[r.label] / total[r.label] >= 0.5:
            q = "objects of " + r.label.strip()
            extra[q] = r.label.strip()
            r = Relation(r.label, r.domain, q)
        rels.append(r)
    return Onto(onto.id, onto.concepts, rels, extra)


def find_span(doc, label: str):
    """The tokens of the first case-insensitive occurrence of ``label`` in the sentence."""
    i = doc.text.casefold().find(label.casefold()) if label else -1
    if i < 0:
        return None
    return doc.char_span(i, i + len(label), alignment_mode="expand")


def _arg_tokens(tok) -> list:
    """Tokens that stand for the entity whose root is ``tok`` in kg's rules: the token, the
    first conjunct of a list it is in, the noun it names ('the agency X')."""
    out = [tok]
    t = tok
    while t.dep_ == "conj" and t.head.i < t.i:
        t = t.head
        out.append(t)
    if tok.dep_ in ("appos", "compound") and tok.head.pos_ == "NOUN":
        out.append(tok.head)
    if tok.dep_ in SUBJ_DEPS and tok.head.lemma_ == "be":  # 'X is a film that ...'
        out.extend(c for c in tok.head.children if c.dep_ == "attr" and c.pos_ == "NOUN")
    return out


def role(cue, arg) -> str | None:
    """The role ``arg`` (a root token) fills for the cue word, in kg's frame vocabulary."""
    is_verb = cue.pos_ in ("VERB", "AUX")
    for a in _arg_tokens(arg):
        if a.head.i == cue.i and a.i != cue.i:
            d = a.dep_
            if is_verb and d in SUBJ_DEPS:
                return "subj"
            if d in OBJ_DEPS:
                return "obj"
            if d == "poss":
                return "poss"
            if d in NOMINAL_DEPS and a.i < cue.i and not is_verb:
                return "amod"
        if a.dep_ == "pobj" and a.head.dep_ in ("prep", "agent", "dative"):
            p = a.head
            holder = p.head
            if holder.i == cue.i or (is_verb and holder.head.i == cue.i
                                     and holder.dep_ in OBJ_DEPS):
                return "subj" if p.dep_ == "agent" else f"prep:{p.lower_}"
        if is_verb and cue.dep_ in ("acl", "relcl") and cue.tag_ == "VBN" and cue.head.i == a.i:
            return "obj"  # 'a film directed by X'
        if not is_verb and cue.dep_ in OBJ_DEPS and a.head.i == cue.head.i and a.dep_ in SUBJ_DEPS:
            return "subj"  # 'X is a member of Y', 'X became the leader of Y'
    return None


def frames_between(doc, s, o) -> set[str]:
    """Frames 'LEMMA: ROLE -> ROLE' linking subject root ``s`` and object root ``o``."""
    out = set()
    for cue in doc:
        if cue.pos_ not in ("VERB", "NOUN") or cue.i in (s.i, o.i) or not cue.is_alpha:
            continue
        rs, ro = role(cue, s), role(cue, o)
        if rs and ro and rs != ro:
            out.add(f"{cue.lemma_.lower()}: {rs} -> {ro}")
    return out


def titles_between(s, o) -> set[str]:
    """'X, a member of Y', 'Y guitarist X': the title noun naming subject ``s`` for ``o``."""
    out = set()
    nouns = [c for c in s.children if c.dep_ == "appos" and c.pos_ == "NOUN"]
    nouns += [c for c in s.children if c.dep_ in NOMINAL_DEPS and c.pos_ == "NOUN" and c.i < s.i]
    if s.dep_ == "appos" and s.head.pos_ == "NOUN":
        nouns.append(s.head)
    for n in nouns:
        linked = any(c.dep_ in NOMINAL_DEPS | {"poss"} and c.i == o.i for c in n.children) or (
            o.dep_ == "pobj" and o.head.dep_ == "prep" and o.head.lower_ in ("of", "for", "at")
            and o.head.head.i == n.i) or (o.head.i == s.i and o.dep_ in NOMINAL_DEPS)
        if linked:
            out.add(n.lemma_.lower())
    return out


def structures_between(s, o) -> set[str]:
    out = set()
    if o.dep_ == "pobj" and o.head.dep_ == "prep" and o.head.head.i == s.i:
        out.add(f"prep:{o.head.lower_}")
    if o.dep_ == "appos" and o.head.i == s.i:
        out.add("appos")
    if o.dep_ in NOMINAL_DEPS | {"poss"} and o.i < s.i and (
            o.head.i == s.i or s.dep_ in ("compound", "appos") and o.head.i == s.head.i):
        out.add("premodifier")
    return out


def class_cues(span) -> set[str]:
    """Common nouns that type a train name: 'X is a novel', 'X, a politician', 'the genus X',
    'the rock band X'."""
    out = set()
    root = span.root
    if root.dep_ in ("nsubj", "nsubjpass") and root.head.lemma_ in ("be", "become", "remain",
                                                                    "serve"):
        preds = [c for c in root.head.children if c.dep_ == "attr"]
        preds += [p for c in root.head.children if c.dep_ == "prep" and c.lower_ == "as"
                  for p in c.children if p.dep_ == "pobj"]
        out |= {c.lemma_.lower() for c in preds if c.pos_ == "NOUN"}
    out |= {c.lemma_.lower() for c in root.children if c.dep_ == "appos" and c.pos_ == "NOUN"}
    if span.start > 0:
        before = span.doc[span.start - 1]
        if before.pos_ == "NOUN" and before.is_lower and before.is_alpha:
            out.add(before.lemma_.lower())
    return {c for c in out if len(c) > 2}


def phrase_heads(onto: Onto, train: Sequence[Example]) -> dict[str, list[str]]:
    """Classes whose train objects are mostly named 'HEAD of X' ('President of Chile'): the
    head noun, to be written as a kgo:phraseCue."""
    heads: dict[str, Counter] = defaultdict(Counter)
    rel_of = {r.label: r for r in onto.relations}
    for ex in train:
        for t in ex.triples:
            r = rel_of.get(t.rel)
            if r is not None and r.range:
                m = re.fullmatch(r"(?:\w+ )*?(\w+) of \S.*", t.obj)
                heads[r.range][m[1].lower() if m else ""] += 1
    out: dict[str, list[str]] = {}
    for cls, c in heads.items():
        head, k = max(((h, k) for h, k in c.items() if h), key=lambda x: x[1], default=("", 0))
        if head and k >= CUE_MIN_SUPPORT and k / sum(c.values()) >= PHRASE_MIN_SHARE:
            out[cls] = [head]
    return out


def suffixes(onto: Onto, train: Sequence[Example]) -> dict[str, list[str]]:
    """Classes whose train objects are mostly lower-case words with one ending ('federalism',
    'socialism'): the ending, to be written as a kgo:suffixCue."""
    ends: dict[str, Counter] = defaultdict(Counter)
    words: dict[tuple[str, str], set[str]] = defaultdict(set)  # the ending's distinct words
    rel_of = {r.label: r for r in onto.relations}
    for ex in train:
        for t in ex.triples:
            r = rel_of.get(t.rel)
            if r is not None and r.range:
                last = t.obj.split()[-1] if t.obj.split() else ""
                end = last[-SUFFIX_LEN:] if last.islower() and len(last) > 5 else ""
                ends[r.range][end] += 1
                words[(r.range, end)].add(last)
    out: dict[str, list[str]] = {}
    for cls, c in ends.items():
        end, k = max(((e, k) for e, k in c.items() if e), key=lambda x: x[1], default=("", 0))
        if end and len(words[(cls, end)]) >= SUFFIX_MIN_WORDS \
                and k / sum(c.values()) >= SUFFIX_MIN_SHARE:
            out[cls] = [end]
    return out


@dataclass
class Learned:
    ner: dict[str, list[str]]  # class qid -> spaCy labels
    frames: dict[str, list[str]]  # relation label -> frames
    titles: dict[str, list[str]]
    structures: dict[str, list[str]]
    gazetteer: dict[str, tuple[str, str]]  # label -> (qid or '', class qid)
    topic: str = ""  # the class whose train subjects the NER misses most
    topic_kinds: tuple[str, ...] = ()  # other classes whose subjects it mostly misses
    head_cues: dict[str, list[str]] = field(default_factory=dict)  # class -> nouns
    articles: dict[str, bool] = field(default_factory=dict)  # class -> names keep 'The'
    value_labels: dict[str, list[str]] = field(default_factory=dict)  # literal relation -> labels
    phrase_cues: dict[str, list[str]] = field(default_factory=dict)  # class -> 'X of' heads
    suffix_cues: dict[str, list[str]] = field(default_factory=dict)  # class -> word endings
    kind_of: dict[str, list[str]] = field(default_factory=dict)  # class -> made-up superclasses
    examples: int = 0
    located: int = 0


def learn(onto: Onto, train: Sequence[Example], nlp) -> Learned:
    """Cues from the train split: NER labels per class, frames, titles and structures per
    relation, and a gazetteer of the train entities."""
    rel_of = {r.label: r for r in onto.relations}
    ner: dict[str, Counter] = defaultdict(Counter)
    seen: dict[str, Counter] = {"frames": Counter(), "titles": Counter(), "structures": Counter()}
    per_rel: dict[str, Counter] = {k: Counter() for k in seen}
    gaz: dict[str, Counter] = defaultdict(Counter)
    unnamed: Counter = Counter()  # domain class -> train subjects no NER span covers
    nouns: dict[str, Counter] = defaultdict(Counter)  # noun -> classes of the names it types
    finals: dict[str, dict[str, set]] = defaultdict(lambda: defaultdict(set))  # last word
    subjects: Counter = Counter()  # domain class -> train subjects found in the sentence
    article: dict[str, Counter] = defaultdict(Counter)  # class -> names after 'The': kept or not
    values: dict[str, Counter] = defaultdict(Counter)  # literal relation -> its objects' labels
    located = n = 0
    docs = nlp.pipe((ex.sent for ex in train), batch_size=64)
    for ex, doc in zip(train, docs, strict=True):
        for t in ex.triples:
            r = rel_of.get(t.rel)
            if r is None:
                continue
            n += 1
            if r.domain:
                gaz[t.sub][(t.sub_qid or "", r.domain)] += 1
            if r.range and t.obj_qid:
                gaz[t.obj][(t.obj_qid, r.range)] += 1
            for name, cls in ((t.sub, r.domain), (t.obj, r.range)):
                words = name.split()
                if cls and len(words) > 1 and words[-1][:1].isupper() and words[-1].isalpha() \
                        and len(words[-1]) > 2:  # 'X Academy', 'X Records', 'X Observatory'
                    finals[words[-1].lower()][cls].add(name)
            ss, os_ = find_span(doc, t.sub), find_span(doc, t.obj)
            for label, span, cls in ((t.sub, ss, r.domain), (t.obj, os_, r.range)):
                if span is not None and cls:
                    if label.startswith("The ") and doc.text[span.start_char:].startswith("The "):
                        article[cls][True] += 1
                    elif doc.text[:span.start_char].endswith("The "):
                        article[cls][False] += 1
            if os_ is not None and not r.range:  # a date, a number, an amount
                values[r.label][next((e.label_ for e in doc.ents if e.start <= os_.start
                                      and e.end >= os_.end), "")] += 1
            for span, cls in ((ss, r.domain), (os_, r.range)):
                if span is not None and cls:  # the entity label that covers the whole span
                    lab = next((e.label_ for e in doc.ents if e.start <= span.start
                                and e.end >= span.end), "")
                    ner[cls][lab] += 1
                    for cue in class_cues(span):
                        nouns[cue][cls] += 1
                    if span is ss:
                        subjects[cls] += 1
                        unnamed[cls] += not lab
            if ss is not None and t.obj.casefold() in t.sub.casefold() != t.obj.casefold():
                per_rel["structures"][(r.label, "name")] += 1  # 'the 2031 Rowing World Cup'
            if ss is None or os_ is None or ss.root.i == os_.root.i:
                continue
            located += 1
            s, o = ss.root, os_.root
            for kind, found in (("frames", frames_between(doc, s, o)),
                                ("titles", titles_between(s, o)),
                                ("structures", structures_between(s, o))):
                for cue in found:
                    per_rel[kind][(r.label, cue)] += 1
    # a cue's total: how often it links a gold pair of any relation of this ontology
    for kind, c in per_rel.items():
        for (_, cue), k in c.items():
            seen[kind][cue] += k

    def keep(kind: str) -> dict[str, list[str]]:
        out: dict[str, list[str]] = defaultdict(list)
        for (rel, cue), k in sorted(per_rel[kind].items()):
            if k >= MIN_SUPPORT and k / seen[kind][cue] >= MIN_SHARE:
                out[rel].append(cue)
        return out

    # each spaCy label goes to the class whose train mentions it covers most
    # (a concept of the ontology before a class made up for a relation's objects)
    label_owner: dict[str, tuple[int, int, str]] = {}
    for cls, c in ner.items():
        total = sum(c.values())
        for lab, k in c.items():
            if lab and k >= MIN_SUPPORT and k / total >= NER_MIN_SHARE:
                rank = (cls in onto.concepts, k)
                if rank > label_owner.get(lab, (False, 0, ""))[:2]:
                    label_owner[lab] = (*rank, cls)
    # a made-up class whose objects the NER mostly tags as another class's are of that class
    # too ('performer' objects are people): that class becomes its subclass
    members: dict[str, list[str]] = defaultdict(list)
    for cls in onto.object_classes:
        c = ner.get(cls, Counter())
        lab, k = max(((lb, k) for lb, k in c.items() if lb), key=lambda x: x[1],
                     default=("", 0))
        owner = label_owner.get(lab, (False, 0, ""))[2]
        if k >= MIN_SUPPORT and owner and owner != cls:
            members[owner].append(cls)
    ner_out: dict[str, list[str]] = defaultdict(list)
    for lab, (_, _, cls) in sorted(label_owner.items()):
        ner_out[cls].append(lab)
    gazetteer = {label: c.most_common(1)[0][0] for label, c in gaz.items()}
    # the classes whose subjects the NER mostly misses: titles of works, taxa, asteroids
    kinds = [c for c, k in unnamed.most_common()
             if k >= MIN_SUPPORT and k / subjects[c] >= TOPIC_MIN_SHARE]
    cues: dict[str, list[str]] = defaultdict(list)
    for noun, c in sorted(nouns.items()):
        cls, k = c.most_common(1)[0]
        if k >= CUE_MIN_SUPPORT and k / sum(c.values()) >= CUE_MIN_SHARE:
            cues[cls].append(noun)
    # the last word of many different train names of one class ('X Academy', 'Y Academy')
    named: dict[str, set] = defaultdict(set)  # class -> its train names
    for by_cls in finals.values():
        for cls, names in by_cls.items():
            named[cls] |= names
    taken = {cue for nouns_of in cues.values() for cue in nouns_of}  # 'album' types albums
    for word, by_cls in sorted(finals.items()):
        cls, names = max(by_cls.items(), key=lambda x: (len(x[1]), x[0]))
        if len(names) >= FINAL_MIN_NAMES and word not in taken \
                and len(names) / sum(map(len, by_cls.values())) >= CUE_MIN_SHARE \
                and len(names) / len(named[cls]) >= FINAL_MIN_SHARE:
            cues[cls].append(word)
    # whether names of a class written after a capitalised 'The' include it ('The X' a title)
    articles = {cls: max(c, key=c.__getitem__) for cls, c in article.items()
                if max(c.values()) >= MIN_SUPPORT
                and max(c.values()) / sum(c.values()) >= ARTICLE_MIN_SHARE}
    # the value labels that cover a literal relation's train objects (dates, not numbers)
    value_labels = {rel: sorted(lab for lab, k in c.items() if lab in VALUE_LABELS
                                and k >= MIN_SUPPORT and k / sum(c.values()) >= NER_MIN_SHARE)
                    for rel, c in values.items()}
    return Learned(ner_out, keep("frames"), keep("titles"), keep("structures"), gazetteer,
                   kinds[0] if kinds else "", tuple(kinds[1:]), dict(cues), articles,
                   {rel: labs for rel, labs in value_labels.items() if labs},
                   phrase_heads(onto, train), suffixes(onto, train), dict(members), n, located)


# ------------------------------------------------------------------ the kg ontology file
def ontology_graph(onto: Onto, learned: Learned):
    """The kg ontology (an rdflib Graph) for one benchmark ontology and what was learned."""
    from rdflib import OWL, RDF, RDFS, SKOS, BNode, Graph, Literal, Namespace, URIRef
    from rdflib.collection import Collection

    from kg.ontology import KGO

    ns = Namespace(NS + onto.id + "#")
    g = Graph()
    g.bind("kgo", KGO)
    g.bind("o", ns)
    g.bind("skos", SKOS)
    g.add((KGO.NewsArticle, RDF.type, OWL.Class))
    qids = set(onto.concepts) | {q for r in onto.relations for q in (r.domain, r.range) if q}
    learned_cues = {cue for cues in learned.head_cues.values() for cue in cues}
    for q in sorted(qids):
        c = ns[onto.class_name(q)]
        g.add((c, RDF.type, OWL.Class))
        label = onto.concepts.get(q) or onto.object_classes.get(q) or q
        g.add((c, RDFS.label, Literal(label, lang="en")))
        # 'X is a film', 'the X party'; unless train names of another class take the noun
        # ('X was President of Y' types a person, not a president)
        if q in onto.concepts and "PERSON" not in learned.ner.get(q, ()) and len(label) > 2 \
                and label.lower() not in learned_cues:
            g.add((c, KGO.headCue, Literal(label.lower())))
        for lab in learned.ner.get(q, ()):
            g.add((c, KGO.nerLabel, Literal(lab)))
        for cue in learned.head_cues.get(q, ()):
            g.add((c, KGO.headCue, Literal(cue)))
        for cue in learned.phrase_cues.get(q, ()):
            g.add((c, KGO.phraseCue, Literal(cue)))
        for cue in learned.suffix_cues.get(q, ()):
            g.add((c, KGO.suffixCue, Literal(cue)))
        if q in learned.articles:  # 'The X' is a title's name; 'the X River' is 'X River'
            g.add((c, KGO.nameArticle, Literal(learned.articles[q])))
        for other in learned.kind_of.get(q, ()):  # a person can be a performer
            g.add((c, RDFS.subClassOf, ns[onto.class_name(other)]))
        if q == learned.topic:  # titles of works, taxa, asteroids: names the NER misses
            g.add((c, KGO.topicName, Literal(True)))
            for other in learned.topic_kinds:  # 'a book' is also 'a written work'
                g.add((c, RDFS.subClassOf, ns[onto.class_name(other)]))
    for r in onto.relations:
        p = ns[r.local]
        g.add((p, RDF.type, OWL.ObjectProperty))
        g.add((p, RDFS.label, Literal(r.label.strip(), lang="en")))
        if r.domain:
            g.add((p, RDFS.domain, ns[onto.class_name(r.domain)]))
        if r.range:
            g.add((p, RDFS.range, ns[onto.class_name(r.range)]))
        else:  # a literal: the values of the kinds its train objects are (dates, amounts)
            kinds = learned.value_labels.get(r.label, VALUE_LABELS)
            if len(kinds) == 1:
                g.add((p, RDFS.range, ns[kinds[0].title() + "Value"]))
            else:
                union = BNode()
                g.add((union, RDF.type, OWL.Class))
                g.add((union, OWL.unionOf, Collection(g, BNode(), [
                    ns[k.title() + "Value"] for k in kinds]).uri))
                g.add((p, RDFS.range, union))
        for f in learned.frames.get(r.label, ()):
            g.add((p, KGO.frame, Literal(f)))
        for t in learned.titles.get(r.label, ()):
            g.add((p, KGO.titleCue, Literal(t)))
        g.add((p, KGO.structure, Literal("topic")))  # the sentence's subject -> its entities
        for s in learned.structures.get(r.label, ()):
            g.add((p, KGO.structure, Literal(s)))
    if any(not r.range for r in onto.relations):
        for lab in VALUE_LABELS:  # one class per kind of value
            v = ns[lab.title() + "Value"]
            g.add((v, RDF.type, OWL.Class))
            g.add((v, KGO.nerLabel, Literal(lab)))
    for i, (label, (qid, cls)) in enumerate(sorted(learned.gazetteer.items())):
        if len(label) < 3 or not re.search(r"[A-Za-z]", label):
            continue
        e = URIRef(WD + qid) if qid else ns[f"e{i}"]
        g.add((e, RDF.type, ns[onto.class_name(cls)]))
        g.add((e, RDFS.label, Literal(label, lang="en")))
        for variant in {label.lower(), label[:1].upper() + label[1:]} - {label}:
            g.add((e, SKOS.altLabel, Literal(variant, lang="en")))
    return g


# ------------------------------------------------------------------ running kg and scoring
def wikidata_date(text: str) -> str:
    """A date as the benchmark's gold writes it: '2009' -> '01 January 2009'."""
    t = text.strip()
    months = "|".join(MONTHS)
    # the first full date, month or year inside ('the year 1997', 'early 2006', 'June 5, 1943')
    m = re.search(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+({months}),?\s+(\d{{4}})\b", t)
    if m:
        return f"{int(m[1]):02d} {m[2]} {m[3]}"
    m = re.search(rf"\b({months})\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})\b", t)
    if m:
        return f"{int(m[2]):02d} {m[1]} {m[3]}"
    m = re.search(rf"\b({months}),?\s+(\d{{4}})\b", t)
    if m:
        return f"01 {m[1]} {m[2]}"
    years = re.findall(r"\b(\d{4})\b(?!s)", t)
    if len(years) == 1:
        return f"01 January {years[0]}"
    return t


def predict(onto: Onto, examples: Sequence[Example], nlp, ontology) -> list[set[tuple]]:
    """kg's triples (subject label, relation name, object label) for each sentence."""
    from kg.build import BuildConfig, accept, process
    from kg.records import Document
    from kg.resolve import resolve

    name_of = {r.local: r.name for r in onto.relations}
    docs = [Document(id=f"{onto.id}-{i}", text=ex.sent, source=onto.id, format="text")
            for i, ex in enumerate(examples)]
    out = []
    for res in process(docs, nlp, ontology, BuildConfig()):
        # each sentence stands alone: resolve its mentions by themselves
        resolution = resolve(res.mentions, ontology)
        accepted, _ = accept(res, resolution, ontology)
        triples = set()
        for c in accepted.triples:
            if c.subject is None:
                continue
            s, o = resolution.iri(c.subject), resolution.iri(c.object)
            if s is None or o is None or s == o:
                continue
            obj = resolution.entities[o].label
            if c.object.label in ("DATE", "CARDINAL"):
                obj = wikidata_date(c.object.text)
            triples.add((resolution.entities[s].label, name_of.get(c.predicate, c.predicate), obj))
        out.append(triples)
    return out


def normalize(*parts: str) -> str:
    return "".join(re.sub(r"(_|\s+)", "", p).lower() for p in parts)


def score_sentence(gold: Iterable[Triple], system: Iterable[tuple]) -> tuple[float, float, float]:
    """The benchmark's per-sentence P/R/F1 (system triples filtered to the gold's relations)."""
    gold = list(gold)
    relations = {t.rel.replace(" ", "_") for t in gold}
    kept = {normalize(*t) for t in system if t[1] in relations}
    truth = {normalize(t.sub, t.rel, t.obj) for t in gold}
    if not kept:
        return 0.0, 0.0, 0.0
    hit = len(kept & truth)
    p, r = hit / len(kept), hit / len(truth)
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def score(onto: Onto, examples: Sequence[Example], predictions: Sequence[set[tuple]]) -> dict:
    names = {r.name for r in onto.relations}
    tp = tr = tf = 0.0
    n_out = n_conform = 0
    for ex, pred in zip(examples, predictions, strict=True):
        p, r, f = score_sentence(ex.triples, pred)
        tp, tr, tf = tp + p, tr + r, tf + f
        n_out += len(pred)
        n_conform += sum(t[1] in names for t in pred)
    n = len(examples) or 1
    return {"precision": round(tp / n, 4), "recall": round(tr / n, 4), "f1": round(tf / n, 4),
            "conformance": round(n_conform / n_out, 4) if n_out else 1.0,
            "sentences": len(examples), "output_triples": n_out}


def run_one(path: Path, nlp_plain, model: str, limit: int | None) -> dict:
    from kg.nlp import make_nlp
    from kg.ontology import load_ontology

    onto = read_ontology(path)
    train = read_examples(DATA / "train" / f"{onto.id}_train.jsonl")
    valid = read_examples(DATA / "validation" / f"{onto.id}_validation.jsonl", limit)
    onto = with_object_classes(onto, train)
    learned = learn(onto, train, nlp_plain)
    out_dir = REPORTS / "text2kgbench"
    out_dir.mkdir(parents=True, exist_ok=True)
    ttl = out_dir / f"{onto.id}.ttl"
    ontology_graph(onto, learned).serialize(ttl, format="turtle")
    ontology = load_ontology([ttl], core=False)
    nlp = make_nlp(model, ontology)
    result = score(onto, valid, predict(onto, valid, nlp, ontology))
    result["learned"] = {"train_triples": learned.examples, "located": learned.located,
                         "frames": sum(map(len, learned.frames.values())),
                         "titles": sum(map(len, learned.titles.values())),
                         "structures": sum(map(len, learned.structures.values())),
                         "gazetteer": len(learned.gazetteer)}
    return result


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="en_core_web_sm")
    ap.add_argument("--only", action="append", help="ontology file stem, e.g. 8_politics")
    ap.add_argument("--limit", type=int, default=None, help="validation sentences per ontology")
    args = ap.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    from kg.nlp import make_nlp

    t0 = time.perf_counter()
    plain = make_nlp(args.model)
    files = sorted((DATA / "ontologies").glob("*_ontology.json"),
                   key=lambda p: int(p.name.split("_")[0]))
    if args.only:
        files = [f for f in files if any(f.name.startswith(o + "_") or f.stem == o
                                         for o in args.only)]
    results = {}
    for f in files:
        name = f.name.removesuffix("_ontology.json")
        results[name] = r = run_one(f, plain, args.model, args.limit)
        print(f"{name} P {r['precision']:.3f} R {r['recall']:.3f} F1 {r['f1']:.3f} "
              f"conformance {r['conformance']:.3f} (sentences {r['sentences']}, "
              f"triples {r['output_triples']})")
    mean = {k: round(sum(r[k] for r in results.values()) / len(results), 4)
            for k in ("precision", "recall", "f1", "conformance")} if results else {}
    seconds = time.perf_counter() - t0
    if mean:
        print(f"mean P {mean['precision']:.3f} R {mean['recall']:.3f} F1 {mean['f1']:.3f} "
              f"conformance {mean['conformance']:.3f} ({len(results)} ontologies)")
    print(f"time {seconds:.1f} s (model {args.model})")
    report = REPORTS / ("text2kgbench.json" if not args.only and args.limit is None
                        else "text2kgbench-partial.json")
    report.write_text(json.dumps({"model": args.model, "seconds": round(seconds, 1),
                                  "mean": mean, "ontologies": results}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
