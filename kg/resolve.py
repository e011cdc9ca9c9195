"""One IRI per real thing: gazetteer names, demonyms, short names, acronyms and cue-word variants."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from kg.ontology import KGE, Ontology
from kg.records import Mention

__all__ = ["Entity", "Resolution", "resolve", "normalize", "slug"]

# how much a mention's class counts when the mentions of one entity disagree
CLASS_WEIGHT = {"gazetteer": 10, "DEMONYM": 10, "CUE": 6, "TITLE": 4, "LIFESPAN": 4, "retyped": 6,
                "DESIGNATOR": 2, "SHAPE": 4, "DESCRIBED": 4}
NER_WEIGHT = 1
ACRONYM_RE = re.compile(r"^[A-Z][A-Z.&]{1,9}$")
ACRONYM_SKIP = frozenset({"of", "the", "and", "for", "de", "du", "la", "&"})
POSSESSIVE_RE = re.compile(r"(?:'s|’s|')$")


@dataclass(frozen=True, slots=True)
class Entity:
    iri: str
    label: str
    cls: str
    alt_labels: tuple[str, ...]


@dataclass(frozen=True)
class Resolution:
    entities: dict[str, Entity]  # iri -> entity
    of_mention: dict[tuple[str, int, int], str]  # (doc_id, start, end) -> iri

    def iri(self, m: Mention) -> str | None:
        return self.of_mention.get((m.doc_id, m.start, m.end))


def normalize(name: str) -> str:
    """Case-folded, quotes/possessive/'the' stripped, spaces collapsed."""
    s = re.sub(r"\s+", " ", name).strip().strip("\"'“”‘’").casefold()
    s = POSSESSIVE_RE.sub("", s).strip()
    if s.startswith("the "):
        s = s[4:]
    return s


def _person_name(name: str, m: Mention, ontology: Ontology) -> str:
    """A person's normalised name without the titles an ontology keeps in names
    ('president x' and 'x' are one person)."""
    if not ontology.name_titles or not ontology.is_person(m.cls):
        return name
    words = name.split(" ")
    while len(words) > 1 and words[0] in ontology.name_titles:
        words = words[1:]
    return " ".join(words)


def slug(label: str) -> str:
    """An IRI-safe local name: ASCII letters, digits, underscores."""
    ascii_ = unicodedata.normalize("NFKD", label).encode("ascii", "ignore").decode()
    s = re.sub(r"[^A-Za-z0-9]+", "_", ascii_).strip("_")
    return s or "entity"


def resolve(mentions: Iterable[Mention], ontology: Ontology, known: Iterable[Entity] = ()
            ) -> Resolution:
    """Cluster mentions across all documents and give each cluster one deterministic IRI.

    ``known`` entities (e.g. those already in a store) keep their IRI, label and class: a
    mention of one of their names or aliases, or one the rules below tie to such a name (a
    short name, an acronym, a cue-word variant), resolves to them, and two known entities are
    never merged. Without ``known`` the result depends on ``mentions`` only.
    """
    mentions = sorted(set(mentions), key=lambda m: (m.doc_id, m.start, m.end, m.text))
    parent: dict[str, str] = {}
    anchor: dict[str, str] = {}  # cluster root -> the known entity's IRI it resolves to

    def find(k: str) -> str:
        while parent.setdefault(k, k) != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    def union(a: str, b: str) -> None:  # b joins a
        ra, rb = find(a), find(b)
        if ra != rb:
            xa, xb = anchor.get(ra), anchor.get(rb)
            if xa is not None and xb is not None and xa != xb:
                return  # two entities already known stay apart
            parent[rb] = ra
            if xb is not None:
                anchor[ra] = xb

    known_entities, known_names = _known(known, ontology)
    for key, iri in known_names.items():
        anchor[find(iri)] = iri
        union(iri, key)

    key_of: dict[Mention, str] = {}
    names: dict[str, set[str]] = defaultdict(set)  # cluster key -> normalised names
    for m in mentions:
        entry = ontology.surface_index.get(normalize(m.text)) if not m.key else None
        k = m.key or (entry.iri if entry is not None and m.label != "PERSON" else
                      "name:" + _person_name(normalize(m.text), m, ontology))
        if k.startswith("name:"):
            k = "name:" + normalize(k[5:])
        key_of[m] = k
        find(k)
        names[k].add(normalize(m.text))
    # a mention keyed to another name (an acronym defined in the text) joins that name's
    # cluster, and so do other documents' mentions of the same surface form
    for m in mentions:
        if m.key.startswith("name:"):
            other = "name:" + normalize(m.text)
            find(other)
            union(key_of[m], other)
    person_keys = {key_of[m] for m in mentions if ontology.is_person(m.cls)}
    person_keys |= {k for k, iri in known_names.items()
                    if ontology.is_person(known_entities[iri].cls)}
    cue_words = {w for cue in ontology.head_cues for w in cue.split()}
    keys = sorted(set(key_of.values()) | set(known_names))
    multi = [k for k in keys if k.startswith("name:") and " " in k]
    by_last: dict[str, set[str]] = defaultdict(set)
    for k in multi:
        if k in person_keys:
            toks = k[5:].split()
            by_last[toks[-1]].add(k)
            by_last[toks[0]].add(k) if len(toks) == 2 else None  # 'Xi' of 'Xi Jinping'
    # 'Washington', 'Jackson': a name the NER only ever saw as a place is no person's surname
    as_place: dict[str, list[bool]] = defaultdict(list)
    for m in mentions:
        as_place[key_of[m]].append(m.label in ("GPE", "LOC"))
    placed = {k for k, v in as_place.items() if all(v)}
    by_prefix: dict[str, list[str]] = defaultdict(list)  # a name -> the longer names it starts
    for c in multi:
        words = c.split(" ")
        for i in range(1, len(words)):
            by_prefix[" ".join(words[:i])].append(c)
    for k in keys:
        if not k.startswith("name:"):
            continue
        name = k[5:]
        # short person names: 'Putin' -> 'Vladimir Putin' (only when one full name fits)
        if " " not in name and name in by_last and len(by_last[name]) == 1 and k not in placed:
            full = next(iter(by_last[name]))
            if full != k:
                union(full, k)
                continue
        # cue-word variants of a one-word name: 'Baikonur' -> 'Baikonur Cosmodrome',
        # 'Al-Alam' -> '... News Network' (not 'United Nations' -> 'United Nations Office')
        if " " in name:
            continue
        longer = [c for c in by_prefix.get(k, ())
                  if all(w in cue_words for w in c[len(k) + 1:].split())]
        if len(longer) == 1:
            union(longer[0], k)
    # acronyms: 'ISS' -> 'International Space Station', 'AP' -> 'Associated Press'
    originals = {k: name for iri, e in known_entities.items() for name in (*e.alt_labels, e.label)
                 if (k := "name:" + normalize(name)) in known_names}
    originals.update({key_of[m]: m.text for m in mentions})
    initials: dict[str, set[str]] = defaultdict(set)
    for k in multi:
        words = [w for w in originals.get(k, k[5:]).split() if w.lower() not in ACRONYM_SKIP]
        if len(words) >= 2 and all(w[:1].isupper() for w in words):
            initials["".join(w[0] for w in words).upper()].add(k)
    # within one article first ('UN' next to 'United Nations', not a university elsewhere)
    doc_keys: dict[str, set[str]] = defaultdict(set)
    for m in mentions:
        doc_keys[m.doc_id].add(key_of[m])
    for m in mentions:
        text = m.text.replace(".", "")
        if not ACRONYM_RE.match(m.text):
            continue
        local = initials.get(text, set()) & doc_keys[m.doc_id]
        if not local:
            # 'UN' beside 'United Nations Office for ...': the acronym of a name's first words
            local = {c for c in initials.get(text, ()) for k in doc_keys[m.doc_id]
                     if k.startswith(c + " ")}
        if len(local) == 1:
            union(next(iter(local)), key_of[m])
        elif not local and len(initials.get(text, ())) == 1:
            union(next(iter(initials[text])), key_of[m])
    # 'the North' for 'North Korea': a one-word place that starts one longer place's name
    places = [m for m in mentions if ontology.is_a(m.cls, "Place")] if "Place" in ontology.classes \
        else []
    by_doc: dict[str, list[tuple[str, Mention]]] = defaultdict(list)
    for x in places:
        by_doc[x.doc_id].append((normalize(x.text), x))
    for m in places:
        name = normalize(m.text)
        if " " in name or m.key:
            continue
        longer = Counter(key_of[x] for text, x in by_doc[m.doc_id] if text.startswith(name + " "))
        ranked = longer.most_common()
        # the one such place, or the one named far more often than the others
        if len(ranked) == 1 or len(ranked) > 1 and ranked[0][1] >= 2 * ranked[1][1]:
            union(ranked[0][0], key_of[m])
    return _entities(mentions, key_of, find, ontology, known_entities, anchor)


def _known(known: Iterable[Entity], ontology: Ontology
           ) -> tuple[dict[str, Entity], dict[str, str]]:
    """Known entities by IRI, and their name keys ("name:<normalised>") -> IRI.

    Gazetteer entities are left out (the gazetteer resolves them already). A name two known
    entities share goes to the one whose label it is, then to the smaller IRI.
    """
    gaz = {e.iri for e in ontology.gazetteer}
    by_iri = {e.iri: e for e in sorted(known, key=lambda e: e.iri) if e.iri not in gaz}
    names: dict[str, str] = {}
    for e in by_iri.values():
        names.setdefault("name:" + normalize(e.label), e.iri)
    for e in by_iri.values():
        for alt in e.alt_labels:
            names.setdefault("name:" + normalize(alt), e.iri)
    return by_iri, names


def _entities(mentions: list[Mention], key_of: dict[Mention, str], find,
              ontology: Ontology, known: dict[str, Entity] | None = None,
              anchor: dict[str, str] | None = None) -> Resolution:
    known, anchor = known or {}, anchor or {}
    clusters: dict[str, list[Mention]] = defaultdict(list)
    for m in mentions:
        clusters[find(key_of[m])].append(m)
    gaz = {e.iri: e for e in ontology.gazetteer}
    drafts = []
    for root, ms in clusters.items():
        if root in anchor:  # an entity already known keeps its label and class
            k = known[anchor[root]]
            if k.cls in ontology.classes:
                alts = tuple(sorted({m.text for m in ms} - {k.label}, key=str.casefold))
                drafts.append((root, k.label, k.cls, alts, ms))
                continue
        cls = _class(ms, root in gaz, ontology)
        if cls is None:
            continue
        forms = Counter(m.text for m in ms)
        if root in gaz:
            label = gaz[root].label
        else:
            label = _label(ms, cls)
        alts = tuple(sorted({f for f in forms if f != label}, key=str.casefold))
        drafts.append((root, label, cls, alts, ms))
    entities: dict[str, Entity] = {}
    of_mention: dict[tuple[str, int, int], str] = {}
    used: Counter = Counter()
    for root, label, cls, alts, ms in sorted(drafts, key=lambda d: (d[1], d[2], d[0])):
        if root in anchor:
            iri = anchor[root]
        elif root in gaz:
            iri = root
        else:
            base = str(KGE[slug(label)])
            used[base] += 1
            iri = base if used[base] == 1 else f"{base}_{used[base]}"
            while iri in gaz or iri in entities or iri in known:
                used[base] += 1
                iri = f"{base}_{used[base]}"
        entities[iri] = Entity(iri, label, cls, alts)
        for m in ms:
            of_mention[(m.doc_id, m.start, m.end)] = iri
    return Resolution(entities, of_mention)


def _class(ms: list[Mention], in_gazetteer: bool, ontology: Ontology) -> str | None:
    weights: Counter = Counter()
    for m in ms:
        if m.cls == "Agent" and m.label == "NORP":
            continue  # an unresolved name tagged as a group: no evidence of a class
        # a longer name is a surer sign than a lone surname the NER mislabelled
        w = CLASS_WEIGHT.get(m.label, NER_WEIGHT * len(m.text.split()))
        if m.label in ontology.ner_map and ontology.ner_map[m.label] != m.cls:
            w = CLASS_WEIGHT["retyped"]  # a cue word or a verb overrode the NER label
        if in_gazetteer and m.key:
            w = CLASS_WEIGHT["gazetteer"]
        weights[m.cls] += w
    if not weights:
        return None
    # a class also gets the votes of its subclasses' mentions; the best-supported class wins,
    # refined to a subclass of it that has at least half its support ('Organization' ->
    # 'MediaOrganization' when one mention says 'news agency')
    total = {c: sum(w for d, w in weights.items() if c in ontology.ancestors(d)) for c in weights}
    best = max(sorted(total), key=lambda c: (total[c], len(ontology.ancestors(c))))
    refined = [c for c in total if best in ontology.ancestors(c) and 2 * total[c] >= total[best]]
    return max(sorted(refined), key=lambda c: (len(ontology.ancestors(c)), total[c]))


def _label(ms: list[Mention], cls: str) -> str:
    forms = Counter(m.text for m in ms if not ACRONYM_RE.match(m.text))
    if not forms:
        forms = Counter(m.text for m in ms)
    # the longest form (full names), then the most frequent, then alphabetical
    return sorted(forms, key=lambda f: (-len(f.split()), -forms[f], f))[0]
