"""The RDF graph: a Dataset with one named graph per document, entities and PROV-O evidence."""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime

from rdflib import RDF, RDFS, SKOS, XSD, Dataset, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, PROV

from kg.ontology import KGO, Ontology
from kg.records import Candidate, Document, Mention
from kg.resolve import Resolution, slug

__all__ = ["DOC", "EVIDENCE", "EXTRACTOR_NS", "SCHEMA", "DocResult", "new_dataset", "document_quads",
           "add_document", "PREFIXES"]

DOC = Namespace("https://w3id.org/kg/doc/")
EVIDENCE = Namespace("https://w3id.org/kg/evidence/")
EXTRACTOR_NS = Namespace("https://w3id.org/kg/extractor/")
SCHEMA = Namespace("https://schema.org/")
PREFIXES = {"kgo": KGO, "kge": Namespace("https://w3id.org/kg/id/"), "doc": DOC, "ev": EVIDENCE,
            "extractor": EXTRACTOR_NS, "prov": PROV, "dcterms": DCTERMS, "schema": SCHEMA,
            "skos": SKOS, "rdfs": RDFS, "rdf": RDF, "xsd": XSD}
MENTION_EXTRACTOR = "entities.ner_ruler.v1"


@dataclass(frozen=True)
class DocResult:
    """What one document contributed: its record, typed mentions and accepted triples."""

    document: Document
    mentions: tuple[Mention, ...]
    triples: tuple[Candidate, ...]


def new_dataset() -> Dataset:
    """An empty Dataset with kg's prefixes bound; queries see the union of its graphs."""
    ds = Dataset(default_union=True)  # SPARQL sees every document's graph
    for p, ns in PREFIXES.items():
        ds.bind(p, ns, override=True, replace=True)
    return ds


def doc_iri(doc_id: str) -> URIRef:
    return DOC[slug(doc_id.replace("#", "_"))]


def _hash(*parts: object) -> str:
    return hashlib.sha1("\x1f".join(map(str, parts)).encode()).hexdigest()[:16]


def _date_literal(value: str) -> Literal:
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            return Literal(date.fromisoformat(value).isoformat(), datatype=XSD.date)
        return Literal(datetime.fromisoformat(value).isoformat(), datatype=XSD.dateTime)
    except ValueError:
        return Literal(value)


def document_quads(res: DocResult, resolution: Resolution, ontology: Ontology
                   ) -> Iterator[tuple]:
    """All quads a document contributes, in its own named graph."""
    d = res.document
    node = doc_iri(d.id)
    g = node  # the document's named graph has the document's IRI
    yield node, RDF.type, URIRef(ontology.classes["NewsArticle"].iri), g
    yield node, DCTERMS.identifier, Literal(d.id), g
    if d.title:
        yield node, DCTERMS.title, Literal(d.title), g
    if d.date:
        yield node, DCTERMS.date, _date_literal(d.date), g
    if d.url:
        yield node, SCHEMA.url, URIRef(d.url) if re.match(r"^https?://\S+$", d.url) else Literal(d.url), g
    if d.feed:
        yield node, DCTERMS.source, Literal(d.feed), g
    for kw in d.keywords:
        yield node, SCHEMA.keywords, Literal(kw), g
    # entities named in the document: type, labels, mention count with evidence
    per_entity: dict[str, list[Mention]] = defaultdict(list)
    for m in res.mentions:
        iri = resolution.iri(m)
        if iri is not None:
            per_entity[iri].append(m)
    mentions_p = URIRef(ontology.properties["mentions"].iri) if "mentions" in ontology.properties \
        else KGO.mentions
    for iri, ms in sorted(per_entity.items()):
        ent = resolution.entities[iri]
        e = URIRef(iri)
        yield e, RDF.type, URIRef(ontology.classes[ent.cls].iri), g
        yield e, RDFS.label, Literal(ent.label), g
        for form in sorted({m.text for m in ms} - {ent.label}):
            yield e, SKOS.altLabel, Literal(form), g
        yield node, mentions_p, e, g
        ev = EVIDENCE[_hash(d.id, "mentions", iri)]
        yield from _statement(ev, node, mentions_p, e, node, g)
        yield ev, KGO.mentionCount, Literal(len(ms)), g
        yield ev, KGO.extractor, Literal(MENTION_EXTRACTOR), g
        for form in sorted({m.text for m in ms}):
            yield ev, KGO.surfaceForm, Literal(form), g
    # relation triples, one evidence record per (triple, sentence)
    grouped: dict[tuple, list[Candidate]] = defaultdict(list)
    for c in res.triples:
        s = node if c.subject is None else resolution.iri(c.subject)
        o = resolution.iri(c.object)
        if s is None or o is None or s == o:
            continue
        prop = ontology.properties[c.predicate]
        if prop.symmetric and str(o) < str(s):
            s, o = o, s
        grouped[(str(s), prop.iri, str(o), c.evidence.sent_start)].append(c)
    for (s, p, o, _), cs in sorted(grouped.items()):
        s_, p_, o_ = URIRef(s), URIRef(p), URIRef(o)
        yield s_, p_, o_, g
        ev0 = cs[0].evidence
        ev = EVIDENCE[_hash(d.id, s, p, o, ev0.sent_start)]
        yield from _statement(ev, s_, p_, o_, node, g)
        yield ev, KGO.sentence, Literal(ev0.sentence), g
        yield ev, KGO.startChar, Literal(d.source_offset(ev0.sent_start)), g
        yield ev, KGO.endChar, Literal(d.source_offset(ev0.sent_end)), g
        yield ev, KGO.extractor, Literal(ev0.extractor), g
        yield ev, PROV.wasGeneratedBy, EXTRACTOR_NS[ev0.extractor], g
        yield ev, KGO.rule, Literal(" ".join(sorted({c.evidence.rule for c in cs}))), g
        conf = max(c.evidence.confidence for c in cs)
        yield ev, KGO.confidence, Literal(f"{conf:.2f}", datatype=XSD.decimal), g


def _statement(ev: URIRef, s, p, o, doc: URIRef, g) -> Iterator[tuple]:
    yield ev, RDF.type, RDF.Statement, g
    yield ev, RDF.type, KGO.Evidence, g
    yield ev, RDF.subject, s, g
    yield ev, RDF.predicate, p, g
    yield ev, RDF.object, o, g
    yield ev, PROV.wasDerivedFrom, doc, g


def add_document(ds: Dataset, quads: Iterable[tuple]) -> int:
    """Add quads to the Dataset; returns how many were given."""
    n = 0
    graphs: dict = {}
    for s, p, o, g in quads:
        graph = graphs.get(g)
        if graph is None:
            graph = graphs[g] = ds.graph(g)
        graph.add((s, p, o))
        n += 1
    return n
