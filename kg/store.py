"""The on-disk Oxigraph store: one named graph per article, each replaced whole in one transaction."""

from __future__ import annotations

import difflib
import hashlib
import os
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from itertools import groupby
from pathlib import Path

import pyoxigraph as ox
from oxrdflib._converter import from_ox, from_ox_graph_name, to_ox_quad_pattern
from oxrdflib.store import OxigraphStore
from rdflib import RDF, RDFS, SKOS, XSD, BNode, Dataset, Literal, URIRef
from rdflib.namespace import DCTERMS
from rdflib.term import Node

from kg.errors import KGError, OutputError
from kg.export import FORMATS, export, write_atomic
from kg.graph import PREFIXES, new_dataset
from kg.ontology import KGO, Ontology
from kg.records import Document
from kg.resolve import Entity

__all__ = ["CONTENT_HASH", "StoreError", "StoreLockedError", "content_hash", "document_ids",
           "documents", "export_store", "known_entities", "open_graph", "open_store",
           "remove_document", "remove_documents", "remove_from_store", "store_documents",
           "stored_hashes", "to_dataset"]

# the document node's hash of what went into its graph: same hash, same graph, nothing to do
CONTENT_HASH = KGO.contentHash
_XSD_STRING = str(XSD.string)
_LABEL, _ALT, _TYPE = (ox.NamedNode(str(t)) for t in (RDFS.label, SKOS.altLabel, RDF.type))
_IDENTIFIER, _HASH = ox.NamedNode(str(DCTERMS.identifier)), ox.NamedNode(str(CONTENT_HASH))
_PREFIXES = {p: str(ns) for p, ns in PREFIXES.items()}
# formats pyoxigraph writes straight from the store; the others go through rdflib
_OX_FORMATS = {".nt": ox.RdfFormat.N_TRIPLES, ".nq": ox.RdfFormat.N_QUADS,
               ".ttl": ox.RdfFormat.TURTLE, ".trig": ox.RdfFormat.TRIG}


class StoreError(KGError):
    """The store cannot be opened, read or changed."""


class StoreLockedError(StoreError):
    """Another process (or this one) has the store open."""


# --- opening -----------------------------------------------------------------------------------

def open_store(path: str | os.PathLike, *, create: bool = True) -> ox.Store:
    """Open (and with ``create``, make) the on-disk store in directory ``path``.

    The store is exclusive: while one process has it open (a build, a query, a server),
    opening it again raises StoreLockedError. It is closed when the returned object is
    garbage-collected (CPython: when the last reference goes).
    """
    path = Path(path)
    if not create and not (path / "CURRENT").is_file():
        raise StoreError(f"{path}: no kg store there; build one with 'kg build PATH... --store {path}'")
    if path.exists() and not path.is_dir():
        raise StoreError(f"{path}: is a file, not a store directory; give a directory to --store")
    try:
        return ox.Store(str(path))
    except OSError as exc:
        if "lock" in str(exc).lower():
            raise StoreLockedError(
                f"{path}: store is locked by another process (a running 'kg build', 'kg serve' "
                "or query on it); wait for it to finish or stop it, then retry") from exc
        raise StoreError(f"{path}: cannot open the store ({exc}); is it a kg store directory?") from exc


# --- writing -----------------------------------------------------------------------------------

def _iri(value: str) -> ox.NamedNode:
    try:
        return ox.NamedNode(value)
    except ValueError:
        # a URL from front matter may hold characters IRIs forbid ("|", "{", a stray "%"):
        # percent-encode them, as a browser would, rather than lose the article
        fixed = re.sub(r'[\x00-\x20<>"{}|\\^`]|%(?![0-9A-Fa-f]{2})',
                       lambda m: "".join(f"%{b:02X}" for b in m.group().encode()), value)
        return ox.NamedNode(fixed)


def _ox(term: Node) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    if isinstance(term, URIRef):
        return _iri(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype is not None and str(term.datatype) != _XSD_STRING:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    raise TypeError(f"not an RDF term: {term!r}")


def _rdflib(term) -> Node:
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        if term.datatype.value == _XSD_STRING:
            return Literal(term.value)  # plain, as rdflib reads it from a file
        return Literal(term.value, datatype=URIRef(term.datatype.value))
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    raise TypeError(f"unsupported term in the store: {term!r}")


def store_documents(store: ox.Store, quads_by_doc: Mapping[str, Iterable[tuple]] | Iterable[
                    tuple[str, Iterable[tuple]]],
                    on_stored: Callable[[str, int], None] | None = None) -> int:
    """Replace each article's named graph with its quads, one transaction per article.

    ``quads_by_doc`` maps a document graph IRI to its (s, p, o, g) quads (rdflib terms, every
    g the graph IRI). Each article is written by one SPARQL update, ``DROP SILENT GRAPH <g> ;
    INSERT DATA { GRAPH <g> { ... } }``, which Oxigraph runs in one storage transaction: if
    the process dies during it, the store keeps the article's previous graph (or none).
    An empty list of quads removes the article. Returns how many quads were written.
    """
    items = quads_by_doc.items() if isinstance(quads_by_doc, Mapping) else quads_by_doc
    total = 0
    for graph, quads in items:
        g = ox.NamedNode(str(graph))
        lines = []
        for s, p, o, qg in quads:
            if str(qg) != g.value:
                raise ValueError(f"quad for graph {qg} given with the article graph {g.value}")
            try:
                lines.append(f"{_ox(s)} {_ox(p)} {_ox(o)} .")
            except ValueError as exc:
                raise StoreError(f"{g.value}: cannot store {s} {p} {o} ({exc})") from exc
        update = f"DROP SILENT GRAPH {g} ;\n"
        if lines:
            update += f"INSERT DATA {{ GRAPH {g} {{\n" + "\n".join(lines) + "\n} }"
        try:
            store.update(update)
        except (OSError, RuntimeError, SyntaxError) as exc:
            raise StoreError(f"cannot write the graph of {g.value} to the store ({exc})") from exc
        total += len(lines)
        if on_stored is not None:
            on_stored(g.value, len(lines))
    return total


def content_hash(doc: Document, fingerprint: str = "") -> str:
    """A hash of everything of ``doc`` that reaches its graph, and of the pipeline that made it."""
    h = hashlib.sha256()
    for part in (fingerprint, doc.id, doc.text, doc.format, doc.title, doc.date, doc.url, doc.feed,
                 doc.publisher, "\x1e".join(doc.keywords), repr(doc.segments)):
        h.update(("" if part is None else str(part)).encode("utf-8", "surrogatepass"))
        h.update(b"\x1f")
    return h.hexdigest()


# --- reading -----------------------------------------------------------------------------------

def documents(store: ox.Store) -> dict[str, str]:
    """dcterms:identifier -> graph IRI of every article in the store."""
    out = {}
    for q in store.quads_for_pattern(None, _IDENTIFIER, None, None):
        if isinstance(q.graph_name, ox.NamedNode) and q.subject == q.graph_name:
            out[q.object.value] = q.graph_name.value
    return dict(sorted(out.items()))


def document_ids(store: ox.Store) -> list[str]:
    """The identifiers (dcterms:identifier, e.g. "andes.txt") of the articles in the store."""
    return list(documents(store))


def stored_hashes(store: ox.Store) -> dict[str, str]:
    """Graph IRI -> the content hash it was written with."""
    return {q.graph_name.value: q.object.value
            for q in store.quads_for_pattern(None, _HASH, None, None)
            if isinstance(q.graph_name, ox.NamedNode) and q.subject == q.graph_name}


def _graph_name(q: ox.Quad) -> str:
    g = q.graph_name
    return "" if isinstance(g, ox.DefaultGraph) else g.value


def known_entities(store: ox.Store, ontology: Ontology, exclude: Iterable[str] = ()) -> list[Entity]:
    """The entities the store's article graphs name, for ``resolve(..., known=...)``.

    An entity is what has an ``rdfs:label``; its label is the one most graphs give (then the
    first alphabetically), its aliases every other label and ``skos:altLabel``, its class the
    ontology class most graphs type it with. Graphs in ``exclude`` (those about to be
    replaced) are not read.
    """
    skip = set(map(str, exclude))
    labels: dict[str, Counter] = defaultdict(Counter)
    alts: dict[str, set[str]] = defaultdict(set)
    types: dict[str, Counter] = defaultdict(Counter)
    for q in store.quads_for_pattern(None, _LABEL, None, None):
        if _graph_name(q) not in skip and isinstance(q.subject, ox.NamedNode):
            labels[q.subject.value][q.object.value] += 1
    for q in store.quads_for_pattern(None, _ALT, None, None):
        if _graph_name(q) not in skip and q.subject.value in labels:
            alts[q.subject.value].add(q.object.value)
    class_of = {c.iri: name for name, c in ontology.classes.items()}
    for q in store.quads_for_pattern(None, _TYPE, None, None):
        if _graph_name(q) not in skip and q.subject.value in labels:
            name = class_of.get(q.object.value)
            if name is not None:
                types[q.subject.value][name] += 1
    out = []
    for iri, counts in sorted(labels.items()):
        if not types[iri]:
            continue  # typed with a class this ontology lacks: let the mentions decide
        label = min(counts, key=lambda s: (-counts[s], s))
        cls = min(types[iri], key=lambda c: (-types[iri][c], c))
        aliases = (set(counts) | alts[iri]) - {label}
        out.append(Entity(iri, label, cls, tuple(sorted(aliases, key=str.casefold))))
    return out


def to_dataset(store: ox.Store) -> Dataset:
    """A copy of the whole store as an in-memory rdflib Dataset (kg's prefixes bound).

    Plain literals come back plain (not ``xsd:string``-typed), so the copy compares equal
    to the same graph read from a file.
    """
    ds = new_dataset()
    graphs: dict = {}
    for q in store:
        gname = q.graph_name
        graph = graphs.get(gname)
        if graph is None:
            graph = graphs[gname] = (ds.default_graph if isinstance(gname, ox.DefaultGraph)
                                     else ds.graph(_rdflib(gname)))
        graph.add((_rdflib(q.subject), _rdflib(q.predicate), _rdflib(q.object)))
    return ds


# --- removing ----------------------------------------------------------------------------------

def remove_documents(store: ox.Store, doc_ids: Iterable[str]) -> list[str]:
    """Drop the named graphs of the articles ``doc_ids`` (identifiers or graph IRIs), all in one
    transaction; every fact only they supported goes with them. Returns the graph IRIs.

    Raises StoreError, and removes nothing, when an identifier is not in the store.
    """
    known = documents(store)
    graphs = set(known.values())
    targets, missing = [], []
    for d in doc_ids:
        g = known.get(d) or (d if d in graphs else None)
        (targets if g else missing).append(g or d)
    if missing:
        hint = difflib.get_close_matches(missing[0], list(known), n=3)
        some = ", ".join(map(repr, list(known)[:5])) + (", ..." if len(known) > 5 else "")
        raise StoreError(
            f"no article {', '.join(map(repr, missing))} in the store, nothing removed; "
            + (f"did you mean {', '.join(map(repr, hint))}?" if hint else
               f"give identifiers as in dcterms:identifier ({len(known)} articles: {some or 'none'})"))
    targets = sorted(set(targets))
    if targets:
        try:
            store.update(" ;\n".join(f"DROP SILENT GRAPH <{g}>" for g in targets))
        except (OSError, RuntimeError) as exc:
            raise StoreError(f"cannot remove articles from the store ({exc})") from exc
    return targets


def remove_from_store(path: str | os.PathLike, doc_ids: Iterable[str]) -> tuple[list[str], int, int]:
    """Open the store in ``path``, remove the articles; (graph IRIs removed, articles left, quads)."""
    db = open_store(path, create=False)
    removed = remove_documents(db, doc_ids)
    return removed, len(stored_hashes(db)), len(db)


def remove_document(store: ox.Store, doc_id: str) -> str:
    """Drop one article's named graph (by dcterms:identifier, e.g. "andes.txt"); its IRI."""
    return remove_documents(store, [doc_id])[0]


# --- exporting ---------------------------------------------------------------------------------

def _sorted_lines(data: bytes) -> bytes:
    lines = sorted(set(data.splitlines()) - {b""})
    return b"\n".join(lines) + b"\n" if lines else b""


def _term_key(t) -> str:
    return str(t)


def export_store(store: ox.Store, path: str | os.PathLike) -> Path:
    """Write the whole store to ``path``, the format by suffix (kg.export.FORMATS), atomically.

    .nt and .nq: pyoxigraph's writer, lines sorted (byte-identical to ``kg build -o`` for the
    same quads). .ttl (the union of the article graphs) and .trig: pyoxigraph's writer fed
    triples/quads sorted by their N-Triples form, so the bytes do not depend on the store's
    history. .jsonld and .rdf: through rdflib (kg.export) from an in-memory copy.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise OutputError(f"{path}: unknown output format {suffix!r}; use one of "
                          f"{', '.join(sorted(FORMATS))}")
    if suffix not in _OX_FORMATS:
        return export(to_dataset(store), path)
    fmt = _OX_FORMATS[suffix]
    if suffix == ".nq":
        data = _sorted_lines(store.dump(format=fmt))
    elif suffix == ".nt":
        data = _sorted_lines(ox.serialize((q.triple for q in store), format=fmt))
    elif suffix == ".ttl":
        triples = sorted({q.triple for q in store}, key=lambda t: (
            _term_key(t.subject), _term_key(t.predicate), _term_key(t.object)))
        data = ox.serialize(triples, format=fmt, prefixes=_PREFIXES)
    else:
        quads = sorted(store, key=lambda q: (_term_key(q.graph_name), _term_key(q.subject),
                                            _term_key(q.predicate), _term_key(q.object)))
        data = ox.serialize(quads, format=fmt, prefixes=_PREFIXES)
    write_atomic(path, data)
    return path


# --- the graph every reading command uses ------------------------------------------------------

def open_graph(graph: str | os.PathLike | None = None, store: str | os.PathLike | None = None
               ) -> Dataset:
    """The graph to read: a graph file (``--graph FILE``) or a store (``--store DIR``), exactly one.

    Both give an rdflib Dataset whose SPARQL and triple patterns see the union of the
    article graphs, with kg's prefixes bound. A store is read in place (SPARQL text runs in
    Oxigraph, nothing is copied) and stays locked until the Dataset is closed (``with
    contextlib.closing(open_graph(...)) as ds:``) or garbage-collected.
    """
    if (graph is None) == (store is None):
        raise KGError("give exactly one of --graph FILE (a graph file written by 'kg build -o') "
                      "or --store DIR (a store written by 'kg build --store')")
    if graph is not None:
        from kg.export import load_graph

        return load_graph(graph)
    ds = Dataset(store=_PlainLiteralStore(store=open_store(store, create=False)), default_union=True)
    for p, ns in PREFIXES.items():
        ds.bind(p, ns, override=True, replace=True)
    return ds


class _PlainLiteralStore(OxigraphStore):
    """oxrdflib's store, read as rdflib reads a graph file: the union of the graphs is a set,
    and plain literals come back plain (rdflib compares ``Literal("x")`` and
    ``Literal("x", datatype=XSD.string)`` unequal)."""

    def triples(self, triple_pattern, context=None):
        if context is not None:  # one graph: no duplicates
            for (s, p, o), ctx in super().triples(triple_pattern, context):
                yield (s, p, _plain(o)), ctx
            return
        # the union: each triple once, with every graph holding it (rdflib's contract; the
        # plain store gives one result per quad, which doubles SPARQL solutions)
        try:
            pattern = to_ox_quad_pattern(triple_pattern, None)
            quads = self._inner.quads_for_pattern(*pattern)
        except (TypeError, ValueError):  # e.g. a literal as subject: matches nothing
            return
        if pattern[:3] == (None, None, None):  # graph-major order: group in memory
            groups: dict = {}
            for q in quads:
                groups.setdefault(q.triple, []).append(q.graph_name)
            items = groups.items()
        else:  # S, P or O bound: Oxigraph's SPOG/POSG/OSPG order puts a triple's quads together
            items = self._grouped(quads, pattern)
        for t, names in items:
            yield ((from_ox(t.subject), from_ox(t.predicate), _plain(from_ox(t.object))),
                   iter([from_ox_graph_name(g, self) for g in names]))

    def _grouped(self, quads, pattern):
        # the default graph's quads come first, apart from the named graphs' (kg writes none)
        default = {q.triple for q in self._inner.quads_for_pattern(*pattern[:3], ox.DefaultGraph())}
        named = (q for q in quads if not isinstance(q.graph_name, ox.DefaultGraph))
        for t, qs in groupby(named, key=lambda q: q.triple):
            names = [q.graph_name for q in qs]
            if t in default:
                default.discard(t)
                names.append(ox.DefaultGraph())
            yield t, names
        for t in default:
            yield t, [ox.DefaultGraph()]

    def query(self, *args, **kwargs):
        # Oxigraph evaluates the union of the article graphs as a bag (Kenya typed in four
        # articles is four solutions); rdflib's engine over triples() above sees the set, as
        # with a graph file, so every query answers the same on --graph and --store
        raise NotImplementedError


def _plain(term):
    if isinstance(term, Literal) and term.datatype is not None and str(term.datatype) == _XSD_STRING:
        return Literal(str(term))
    return term
