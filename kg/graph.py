"""The RDF graph: one named graph per document, entities and PROV-O evidence, as N-Triples text."""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache

import pyoxigraph as ox
from rdflib import RDF, RDFS, SKOS, XSD, Dataset, Namespace
from rdflib.namespace import DCTERMS, PROV

from kg.ontology import KGO, Ontology
from kg.records import Candidate, Document, Mention
from kg.resolve import Resolution, slug

__all__ = ["DOC", "EVIDENCE", "EXTRACTOR_NS", "SCHEMA", "DocResult", "GraphPart", "PREFIXES",
           "add_document", "doc_iri", "document_graph", "iri_term", "literal_term", "new_dataset",
           "safe_iri"]

DOC = Namespace("https://w3id.org/kg/doc/")
EVIDENCE = Namespace("https://w3id.org/kg/evidence/")
EXTRACTOR_NS = Namespace("https://w3id.org/kg/extractor/")
SCHEMA = Namespace("https://schema.org/")
PREFIXES = {"kgo": KGO, "kge": Namespace("https://w3id.org/kg/id/"), "doc": DOC, "ev": EVIDENCE,
            "extractor": EXTRACTOR_NS, "prov": PROV, "dcterms": DCTERMS, "schema": SCHEMA,
            "skos": SKOS, "rdfs": RDFS, "rdf": RDF, "xsd": XSD}
MENTION_EXTRACTOR = "entities.ner_ruler.v1"

# Terms are written as N-Triples text, exactly as Oxigraph writes them: no rdflib term is
# made per triple (rdflib's Literal and Namespace lookups cost more than the extraction),
# the store loads the text in one call, and the file writers sort and join it.
_RDF_TYPE = f"<{RDF.type}>"
_RDFS_LABEL = f"<{RDFS.label}>"
_ALT_LABEL = f"<{SKOS.altLabel}>"
_STATEMENT = (f"<{RDF.type}> <{RDF.Statement}>", f"<{RDF.type}> <{KGO.Evidence}>")
_RDF_SUBJECT, _RDF_PREDICATE, _RDF_OBJECT = (f"<{RDF.subject}>", f"<{RDF.predicate}>",
                                             f"<{RDF.object}>")
_DERIVED = f"<{PROV.wasDerivedFrom}>"
_GENERATED = f"<{PROV.wasGeneratedBy}>"
_IDENTIFIER, _TITLE, _DATE, _SOURCE = (f"<{DCTERMS.identifier}>", f"<{DCTERMS.title}>",
                                       f"<{DCTERMS.date}>", f"<{DCTERMS.source}>")
_URL, _KEYWORDS = f"<{SCHEMA.url}>", f"<{SCHEMA.keywords}>"
_MENTION_COUNT, _EXTRACTOR, _SURFACE = (f"<{KGO.mentionCount}>", f"<{KGO.extractor}>",
                                        f"<{KGO.surfaceForm}>")
_SENTENCE, _START, _END = f"<{KGO.sentence}>", f"<{KGO.startChar}>", f"<{KGO.endChar}>"
_RULE, _CONFIDENCE = f"<{KGO.rule}>", f"<{KGO.confidence}>"
_INTEGER, _DECIMAL = f"<{XSD.integer}>", f"<{XSD.decimal}>"
_MENTION_EXTRACTOR = None  # set below, once literal_term exists
# characters Oxigraph escapes in a literal (and lone surrogates, which it must judge)
_SPECIAL = re.compile("[\x00-\x1f\"\\\\\x7f\ufffe\uffff\ud800-\udfff]")
_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
_HTTP_RE = re.compile(r"^https?://\S+$")
# characters an IRI may not hold, and a "%" that starts no escape
_IRI_FORBIDDEN = re.compile(r'[\x00-\x20<>"{}|\\^`]|%(?![0-9A-Fa-f]{2})')


@dataclass(frozen=True)
class DocResult:
    """What one document contributed: its record, typed mentions and accepted triples."""

    document: Document
    mentions: tuple[Mention, ...]
    triples: tuple[Candidate, ...]


@dataclass(frozen=True, slots=True)
class GraphPart:
    """The triples one document contributes to its named graph, in N-Triples syntax.

    ``triples`` are ``"<s> <p> <o>"`` strings (no final " ."), each once, in a fixed order;
    ``relations`` are those that relate two entities (or the article and an entity) by an
    ontology property, for counting.
    """

    graph: str  # the named graph's IRI (the document's IRI)
    triples: tuple[str, ...]
    relations: tuple[str, ...]

    def nquads(self) -> str:
        """The graph as N-Quads text, one line per triple."""
        g = f" <{self.graph}> .\n"
        return g.join(self.triples) + g if self.triples else ""


def new_dataset() -> Dataset:
    """An empty Dataset with kg's prefixes bound; queries see the union of its graphs."""
    ds = Dataset(default_union=True)  # SPARQL sees every document's graph
    for p, ns in PREFIXES.items():
        ds.bind(p, ns, override=True, replace=True)
    return ds


def doc_iri(doc_id: str) -> str:
    return DOC[slug(doc_id.replace("#", "_"))]


def literal_term(value: str) -> str:
    """A plain literal in N-Triples syntax, escaped as Oxigraph escapes it.

    >>> literal_term('say "hi"')
    '"say \\\\"hi\\\\""'
    """
    if _SPECIAL.search(value) is None:
        return f'"{value}"'
    return str(ox.Literal(value))


@lru_cache(maxsize=4096)
def safe_iri(value: str) -> str:
    """``value`` as a valid IRI: characters IRIs forbid are percent-encoded, as a browser would
    (a URL from front matter may hold "|", "{" or a stray "%"; the article is kept)."""
    try:
        return ox.NamedNode(value).value
    except ValueError:
        fixed = _IRI_FORBIDDEN.sub(lambda m: "".join(f"%{b:02X}" for b in m.group().encode()), value)
        return ox.NamedNode(fixed).value


def iri_term(value: str) -> str:
    """An IRI in N-Triples syntax (made valid first, see ``safe_iri``)."""
    return f"<{safe_iri(value)}>"


def _hash(*parts: object) -> str:
    return hashlib.sha1("\x1f".join(map(str, parts)).encode()).hexdigest()[:16]


def _date_term(value: str) -> str:
    try:
        if _DATE_RE.fullmatch(value):
            return f'"{date.fromisoformat(value).isoformat()}"^^<{XSD.date}>'
        return f'"{datetime.fromisoformat(value).isoformat()}"^^<{XSD.dateTime}>'
    except ValueError:
        return literal_term(value)


def _int(n: int) -> str:
    return f'"{n}"^^{_INTEGER}'


_MENTION_EXTRACTOR = literal_term(MENTION_EXTRACTOR)


def document_graph(res: DocResult, resolution: Resolution, ontology: Ontology) -> GraphPart:
    """The triples a document contributes to its own named graph (see ``GraphPart``)."""
    d = res.document
    node_iri = doc_iri(d.id)
    node = f"<{node_iri}>"
    out: list[str] = []
    add = out.append
    add(f"{node} {_RDF_TYPE} <{ontology.classes['NewsArticle'].iri}>")
    add(f"{node} {_IDENTIFIER} {literal_term(d.id)}")
    if d.title:
        add(f"{node} {_TITLE} {literal_term(d.title)}")
    if d.date:
        add(f"{node} {_DATE} {_date_term(d.date)}")
    if d.url:
        add(f"{node} {_URL} {iri_term(d.url) if _HTTP_RE.match(d.url) else literal_term(d.url)}")
    if d.feed:
        add(f"{node} {_SOURCE} {literal_term(d.feed)}")
    for kw in d.keywords:
        add(f"{node} {_KEYWORDS} {literal_term(kw)}")
    # entities named in the document: type, labels, mention count with evidence
    per_entity: dict[str, list[Mention]] = defaultdict(list)
    for m in res.mentions:
        iri = resolution.iri(m)
        if iri is not None:
            per_entity[iri].append(m)
    mentions_iri = ontology.properties["mentions"].iri if "mentions" in ontology.properties \
        else str(KGO.mentions)
    mentions_p = f"<{mentions_iri}>"
    for iri, ms in sorted(per_entity.items()):
        ent = resolution.entities[iri]
        e = iri_term(iri)
        add(f"{e} {_RDF_TYPE} <{ontology.classes[ent.cls].iri}>")
        add(f"{e} {_RDFS_LABEL} {literal_term(ent.label)}")
        forms = sorted({m.text for m in ms})
        for form in forms:
            if form != ent.label:
                add(f"{e} {_ALT_LABEL} {literal_term(form)}")
        add(f"{node} {mentions_p} {e}")
        ev = f"<{EVIDENCE}{_hash(d.id, 'mentions', iri)}>"
        _statement(add, ev, node, mentions_p, e, node)
        add(f"{ev} {_MENTION_COUNT} {_int(len(ms))}")
        add(f"{ev} {_EXTRACTOR} {_MENTION_EXTRACTOR}")
        for form in forms:
            add(f"{ev} {_SURFACE} {literal_term(form)}")
    # relation triples, one evidence record per (triple, sentence)
    grouped: dict[tuple, list[Candidate]] = defaultdict(list)
    for c in res.triples:
        s = node_iri if c.subject is None else resolution.iri(c.subject)
        o = resolution.iri(c.object)
        if s is None or o is None or s == o:
            continue
        prop = ontology.properties[c.predicate]
        if prop.symmetric and str(o) < str(s):
            s, o = o, s
        grouped[(str(s), prop.iri, str(o), c.evidence.sent_start)].append(c)
    relations: list[str] = []
    for (s, p, o, _), cs in sorted(grouped.items()):
        s_, p_, o_ = iri_term(s), iri_term(p), iri_term(o)
        fact = f"{s_} {p_} {o_}"
        add(fact)
        if p != mentions_iri:
            relations.append(fact)
        ev0 = cs[0].evidence
        ev = f"<{EVIDENCE}{_hash(d.id, s, p, o, ev0.sent_start)}>"
        _statement(add, ev, s_, p_, o_, node)
        add(f"{ev} {_SENTENCE} {literal_term(ev0.sentence)}")
        add(f"{ev} {_START} {_int(d.source_offset(ev0.sent_start))}")
        add(f"{ev} {_END} {_int(d.source_offset(ev0.sent_end))}")
        add(f"{ev} {_EXTRACTOR} {literal_term(ev0.extractor)}")
        add(f"{ev} {_GENERATED} {iri_term(EXTRACTOR_NS + ev0.extractor)}")
        add(f"{ev} {_RULE} {literal_term(' '.join(sorted({c.evidence.rule for c in cs})))}")
        conf = max(c.evidence.confidence for c in cs)
        add(f'{ev} {_CONFIDENCE} "{conf:.2f}"^^{_DECIMAL}')
    return GraphPart(node_iri, tuple(dict.fromkeys(out)), tuple(dict.fromkeys(relations)))


def _statement(add, ev: str, s: str, p: str, o: str, doc: str) -> None:
    add(f"{ev} {_STATEMENT[0]}")
    add(f"{ev} {_STATEMENT[1]}")
    add(f"{ev} {_RDF_SUBJECT} {s}")
    add(f"{ev} {_RDF_PREDICATE} {p}")
    add(f"{ev} {_RDF_OBJECT} {o}")
    add(f"{ev} {_DERIVED} {doc}")


def add_document(ds: Dataset, parts: GraphPart | Iterable[GraphPart]) -> int:
    """Add documents' graphs to an rdflib Dataset; returns how many triples were given."""
    parts = [parts] if isinstance(parts, GraphPart) else list(parts)
    data = "".join(p.nquads() for p in parts)
    if data:
        ds.parse(data=data, format="nquads")
    return sum(len(p.triples) for p in parts)
