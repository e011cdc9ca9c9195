"""The entity network of a graph (networkx) and its export as GraphML, GEXF or CSV."""

from __future__ import annotations

import csv
import io
import os
import re
from collections import Counter, defaultdict
from pathlib import Path

import networkx as nx
from rdflib import OWL, RDF, RDFS, SKOS, Dataset, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV

from kg.errors import OutputError
from kg.export import write_atomic
from kg.graph import SCHEMA
from kg.ontology import KGO, local_name

__all__ = ["NETWORK_FORMATS", "document_info", "entity_network", "evidence_info", "export_network",
           "scalar_network"]

NETWORK_FORMATS = (".graphml", ".gexf", ".csv")
# types that mark documents and provenance records, never entities
NON_ENTITY_TYPES = frozenset({KGO.NewsArticle, KGO.Evidence, RDF.Statement})
# vocabularies whose terms are schema, not facts between entities
SCHEMA_NAMESPACES = (str(RDF), str(RDFS), str(OWL))
NODE_FIELDS = ("id", "label", "class", "mentions")
EDGE_FIELDS = ("source", "target", "relation", "evidence_count")


def _is_schema_term(term: URIRef) -> bool:
    return str(term).startswith(SCHEMA_NAMESPACES)


def _text(value) -> str:
    return str(value) if value is not None else ""


def entity_network(ds: Dataset) -> nx.MultiDiGraph:
    """The entities of a kg graph as nodes and its asserted relations as edges.

    Node keys are entity IRIs, with ``label``, ``cls`` (the class's local name; the one most
    documents assert when there are several), ``class_iri``, ``types``, ``aliases``,
    ``mentions`` (sum of ``kgo:mentionCount``) and ``documents`` (``(doc IRI, count)`` pairs).
    Edge keys are relation local names, with ``relation``, ``predicate``, ``evidence`` (evidence
    node IRIs) and ``evidence_count``. ``kgo:mentions`` is not an edge; relations whose subject
    is a document (``kgo:citesSource``) are counted in ``G.graph["document_relations"]``.
    Nodes and edges are inserted in sorted order, so writers give the same bytes each time.

    >>> from kg.graph import new_dataset
    >>> entity_network(new_dataset()).number_of_nodes()
    0
    """
    documents = {d for d in ds.subjects(RDF.type, KGO.NewsArticle) if isinstance(d, URIRef)}
    documents |= {d for d in ds.subjects(KGO.mentions, None) if isinstance(d, URIRef)}

    # a type asserted in more documents' graphs wins; each named graph votes once
    votes: dict[URIRef, Counter] = defaultdict(Counter)
    for s, _, o, _g in ds.quads((None, RDF.type, None, None)):
        if (isinstance(s, URIRef) and isinstance(o, URIRef) and s not in documents
                and o not in NON_ENTITY_TYPES and not _is_schema_term(o)):
            votes[s][o] += 1
    for _, _, o in ds.triples((None, KGO.mentions, None)):
        if isinstance(o, URIRef) and o not in documents:
            votes.setdefault(o, Counter())  # an untyped mentioned entity still is one
    entities = set(votes)

    # mention counts per (entity, document) from the mention evidence records
    per_doc: dict[URIRef, Counter] = defaultdict(Counter)
    for ev in ds.subjects(RDF.predicate, KGO.mentions):
        e, d = ds.value(ev, RDF.object), ds.value(ev, RDF.subject)
        n = ds.value(ev, KGO.mentionCount)
        if e in entities and d is not None:
            per_doc[e][d] += int(n.toPython()) if isinstance(n, Literal) else 1
    for d, _, e in ds.triples((None, KGO.mentions, None)):
        if e in entities and d not in per_doc[e]:
            per_doc[e][d] = 0  # mentioned, count unknown

    evidence: dict[tuple, list[str]] = defaultdict(list)
    for ev, _, p in ds.triples((None, RDF.predicate, None)):
        if p != KGO.mentions:
            evidence[(ds.value(ev, RDF.subject), p, ds.value(ev, RDF.object))].append(str(ev))

    g = nx.MultiDiGraph()
    for e in sorted(entities):
        types = votes[e]
        cls_iri = min(types, key=lambda t: (-types[t], local_name(t), str(t))) if types else None
        labels = sorted(str(x) for x in ds.objects(e, RDFS.label))
        label = labels[0] if labels else local_name(e).replace("_", " ")
        aliases = sorted({str(x) for x in ds.objects(e, SKOS.altLabel)} - {label})
        docs = per_doc.get(e, Counter())
        g.add_node(
            str(e), label=label, cls=local_name(cls_iri) if cls_iri else "Thing",
            class_iri=_text(cls_iri), types=tuple(sorted(local_name(t) for t in types)),
            aliases=tuple(aliases), mentions=sum(docs.values()),
            documents=tuple((str(d), n) for d, n in sorted(docs.items(),
                                                           key=lambda x: (-x[1], str(x[0])))))

    doc_relations: Counter = Counter()
    edges = set()
    for d in documents:
        for p, o in ds.predicate_objects(d):
            if o in entities and p != KGO.mentions and not _is_schema_term(p):
                doc_relations[local_name(p)] += 1
    for s in entities:
        for p, o in ds.predicate_objects(s):
            if o in entities and p != KGO.mentions and not _is_schema_term(p):
                edges.add((str(s), str(p), str(o)))
    for s, p, o in sorted(edges):
        evs = sorted(evidence.get((URIRef(s), URIRef(p), URIRef(o)), ()))
        g.add_edge(s, o, key=local_name(p), relation=local_name(p), predicate=p,
                   evidence=tuple(evs), evidence_count=len(evs))
    g.graph["documents"] = len(documents)
    g.graph["document_relations"] = dict(sorted(doc_relations.items()))
    return g


def document_info(ds: Dataset, doc: str | URIRef) -> dict[str, str]:
    """Identifier, title, date and URL of a document node ('' where absent)."""
    d = URIRef(str(doc))
    return {"identifier": _text(ds.value(d, DCTERMS.identifier)) or local_name(d),
            "title": _text(ds.value(d, DCTERMS.title)),
            "date": _text(ds.value(d, DCTERMS.date)),
            "url": _text(ds.value(d, SCHEMA.url))}


def evidence_info(ds: Dataset, ev: str | URIRef) -> dict:
    """The sentence, document, offsets, rule and confidence of one evidence record."""
    e = URIRef(str(ev))
    conf = ds.value(e, KGO.confidence)
    start, end = ds.value(e, KGO.startChar), ds.value(e, KGO.endChar)
    return {"document": _text(ds.value(e, PROV.wasDerivedFrom)),
            "sentence": _text(ds.value(e, KGO.sentence)),
            "confidence": float(conf.toPython()) if isinstance(conf, Literal) else None,
            "rule": _text(ds.value(e, KGO.rule)),
            "extractor": _text(ds.value(e, KGO.extractor)),
            "start": int(start.toPython()) if isinstance(start, Literal) else None,
            "end": int(end.toPython()) if isinstance(end, Literal) else None}


def scalar_network(g: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """A copy of an ``entity_network`` with only the scalar attributes GraphML and GEXF hold.

    Nodes keep ``label``, ``class`` and ``mentions``; edges keep ``relation``, ``predicate``
    and ``evidence_count``.
    """
    out = nx.MultiDiGraph()
    for n, a in g.nodes(data=True):
        out.add_node(n, label=a["label"], **{"class": a["cls"]}, mentions=a["mentions"])
    for s, o, k, a in g.edges(keys=True, data=True):
        out.add_edge(s, o, key=k, relation=a["relation"], predicate=a["predicate"],
                     evidence_count=a["evidence_count"])
    return out


def _csv(rows, fields) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(fields)
    w.writerows(rows)
    return buf.getvalue().encode("utf-8")


def _graphml(g: nx.MultiDiGraph) -> bytes:
    buf = io.BytesIO()
    nx.write_graphml_xml(scalar_network(g), buf, encoding="utf-8", named_key_ids=True)
    return buf.getvalue()


def _gexf(g: nx.MultiDiGraph) -> bytes:
    buf = io.BytesIO()
    nx.write_gexf(scalar_network(g), buf, encoding="utf-8")
    # the writer stamps today's date; dropping it keeps the same graph -> the same bytes
    return re.sub(rb' lastmodifieddate="[^"]*"', b"", buf.getvalue(), count=1)


def export_network(ds: Dataset | nx.MultiDiGraph, path: str | os.PathLike) -> list[Path]:
    """Write the entity network to ``path``; the suffix picks the format. Returns the files.

    ``.graphml`` and ``.gexf`` write one file (Gephi, Cytoscape, yEd read both). ``.csv``
    writes ``<stem>-nodes.csv`` (id,label,class,mentions) and ``<stem>-edges.csv``
    (source,target,relation,evidence_count) beside it; a directory (an existing one, or a
    path without a suffix) gets ``nodes.csv`` and ``edges.csv``.

    >>> import tempfile, pathlib
    >>> from kg.graph import new_dataset
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> [p.name for p in export_network(new_dataset(), d / "net.csv")]
    ['net-nodes.csv', 'net-edges.csv']
    """
    path = Path(path)
    suffix = path.suffix.lower()
    is_dir = path.is_dir() or (suffix == "" and not path.exists())
    if not is_dir and suffix not in NETWORK_FORMATS:
        raise OutputError(f"{path}: unknown network format {suffix!r}; use one of "
                          f"{', '.join(NETWORK_FORMATS)} or a directory for CSV files")
    g = ds if isinstance(ds, nx.MultiDiGraph) else entity_network(ds)
    if suffix == ".graphml" and not is_dir:
        write_atomic(path, _graphml(g))
        return [path]
    if suffix == ".gexf" and not is_dir:
        write_atomic(path, _gexf(g))
        return [path]
    if is_dir:
        nodes_path, edges_path = path / "nodes.csv", path / "edges.csv"
    else:
        nodes_path = path.with_name(f"{path.stem}-nodes.csv")
        edges_path = path.with_name(f"{path.stem}-edges.csv")
    write_atomic(nodes_path, _csv(((n, a["label"], a["cls"], a["mentions"])
                             for n, a in g.nodes(data=True)), NODE_FIELDS))
    write_atomic(edges_path, _csv(((s, o, a["relation"], a["evidence_count"])
                             for s, o, a in g.edges(data=True)), EDGE_FIELDS))
    return [nodes_path, edges_path]
