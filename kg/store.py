"""The on-disk Oxigraph store: one named graph per article, each replaced whole in one transaction."""

from __future__ import annotations

import difflib
import hashlib
import multiprocessing
import os
import re
import sys
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from itertools import groupby
from pathlib import Path

import pyoxigraph as ox
from oxrdflib._converter import from_ox, from_ox_graph_name, to_ox_quad_pattern
from oxrdflib.store import OxigraphStore
from rdflib import RDF, RDFS, SKOS, XSD, BNode, Dataset, Graph, Literal, URIRef, Variable
from rdflib.namespace import DCTERMS
from rdflib.query import Result
from rdflib.term import Node

from kg.errors import KGError, OutputError
from kg.export import FORMATS, export, write_atomic
from kg.graph import PREFIXES, new_dataset, safe_iri
from kg.ontology import KGO, Ontology
from kg.records import Document
from kg.resolve import Entity

__all__ = ["CONTENT_HASH", "KnownEntities", "StoreError", "StoreLockedError", "content_hash",
           "document_ids", "documents", "export_store", "known_entities", "open_graph",
           "open_store", "oxigraph_answers", "remove_document", "remove_documents",
           "remove_from_store", "store_documents", "stored_hashes", "to_dataset", "write_graph"]

# the document node's hash of what went into its graph: same hash, same graph, nothing to do
CONTENT_HASH = KGO.contentHash
_XSD_STRING = str(XSD.string)
_LABEL, _ALT, _TYPE = (ox.NamedNode(str(t)) for t in (RDFS.label, SKOS.altLabel, RDF.type))
_IDENTIFIER, _HASH = ox.NamedNode(str(DCTERMS.identifier)), ox.NamedNode(str(CONTENT_HASH))
_PREFIXES = {p: str(ns) for p, ns in PREFIXES.items()}
# formats written from the store's N-Quads dump (kg.export.serialize_nquads); the others go
# through rdflib
_OX_FORMATS = (".nt", ".nq", ".ttl", ".trig")
# a triple whose Turtle is one line after the prefixes: for cutting the prefix lines off
_DUMMY = ox.Triple(ox.NamedNode("urn:kg:x"), ox.NamedNode("urn:kg:y"), ox.Literal("z"))


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

    An ``http://`` or ``https://`` URL opens a SPARQL 1.1 server instead (kg.remote.RemoteStore).
    """
    from kg.remote import is_url

    if is_url(path):
        from kg.remote import RemoteStore

        return RemoteStore(path)
    if re.match(r"^https?:/[^/]", str(path)):
        raise StoreError(f"{path}: a URL turned into a path (its '//' was lost); pass it as a str")
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
    # a URL from front matter may hold characters IRIs forbid: percent-encoded (kg.graph)
    return ox.NamedNode(safe_iri(value))


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
    g the graph IRI). Each article is written by ``write_graph`` (one transaction: if the
    process dies during it, the store keeps the article's previous graph, or none). An empty
    list of quads removes the article. Returns how many quads were written.
    """
    items = quads_by_doc.items() if isinstance(quads_by_doc, Mapping) else quads_by_doc
    total = 0
    for graph, quads in items:
        g = ox.NamedNode(str(graph))
        triples = []
        for s, p, o, qg in quads:
            if str(qg) != g.value:
                raise ValueError(f"quad for graph {qg} given with the article graph {g.value}")
            try:
                triples.append(f"{_ox(s)} {_ox(p)} {_ox(o)}")
            except ValueError as exc:
                raise StoreError(f"{g.value}: cannot store {s} {p} {o} ({exc})") from exc
        n = write_graph(store, g.value, triples, mode="replace")
        total += n
        if on_stored is not None:
            on_stored(g.value, n)
    return total


def write_graph(store: ox.Store, graph: str, triples: Iterable[str], *, mode: str = "replace") -> int:
    """Write one article's named graph in one transaction; returns how many triples were given.

    ``triples`` are ``"<s> <p> <o>"`` statements in N-Triples syntax (kg.graph.GraphPart).
    ``mode`` "new": the graph is not in the store yet, so the text is loaded as it is (the
    fastest way in); "replace": the graph's old content goes, in the same transaction
    (``DROP SILENT GRAPH <g> ; INSERT DATA {...}``); "add": the triples join the graph and
    its ``kgo:contentHash`` is replaced by the one given (two inputs with one identifier).
    """
    triples = list(triples)
    if not isinstance(store, ox.Store):  # a SPARQL server (kg.remote): writes go in batches
        return store.write_graph(graph, triples, mode=mode)
    g = f"<{graph}>"
    try:
        if mode == "new":
            if triples:
                data = f" {g} .\n".join(triples) + f" {g} .\n"
                store.load(input=data.encode("utf-8"), format=ox.RdfFormat.N_QUADS)
        elif mode in ("replace", "add"):
            update = (f"DROP SILENT GRAPH {g} ;\n" if mode == "replace" else
                      f"DELETE WHERE {{ GRAPH {g} {{ {g} <{CONTENT_HASH}> ?h }} }} ;\n")
            if triples:
                update += f"INSERT DATA {{ GRAPH {g} {{\n" + " .\n".join(triples) + "\n} }"
            store.update(update)
        else:
            raise ValueError(f"unknown mode {mode!r}; use new, replace or add")
    except (OSError, RuntimeError, SyntaxError) as exc:
        raise StoreError(f"cannot write the graph of {graph} to the store ({exc})") from exc
    return len(triples)


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


def known_entities(store: ox.Store, ontology: Ontology, exclude: Iterable[str] = ()) -> list[Entity]:
    """The entities the store's article graphs name, for ``resolve(..., known=...)``.

    An entity is what has an ``rdfs:label``; its label is the one most graphs give (then the
    first alphabetically), its aliases every other label and ``skos:altLabel``, its class the
    ontology class most graphs type it with. Graphs in ``exclude`` (those about to be
    replaced) are not read.
    """
    return KnownEntities(store, ontology).entities(exclude)


class KnownEntities:
    """``known_entities`` kept up to date as a build writes graphs, without re-reading the store.

    The counts behind it (graphs giving each label, alias and class of each entity) are read
    once; ``update(graph, sign)`` adds or takes away one graph's share (read back from the
    store: a handful of indexed lookups), so a streaming build resolves every batch against
    the whole store at a cost that does not grow with it.
    """

    def __init__(self, store: ox.Store, ontology: Ontology) -> None:
        self.store = store
        self.class_of = {c.iri: name for name, c in ontology.classes.items()}
        self.labels: dict[str, Counter] = defaultdict(Counter)
        self.alts: dict[str, Counter] = defaultdict(Counter)
        self.types: dict[str, Counter] = defaultdict(Counter)
        self._count(None, 1)

    def _count(self, graph: ox.NamedNode | None, sign: int) -> None:
        # types only of what has a label (an entity; a graph gives both): not of the evidence
        # and article nodes, a third of a million counters on a 4M-quad store. So labels are
        # counted before types, and types taken away before labels.
        tables = ((_LABEL, self.labels), (_ALT, self.alts), (_TYPE, self.types))
        for pred, table in tables if sign > 0 else tables[::-1]:
            for q in self.store.quads_for_pattern(None, pred, None, graph):
                if pred is _LABEL and not isinstance(q.subject, ox.NamedNode):
                    continue
                if pred is _TYPE:
                    value = self.class_of.get(q.object.value)
                    if value is None or q.subject.value not in self.labels:
                        continue
                else:
                    value = q.object.value
                counter = table[q.subject.value]
                counter[value] += sign
                if counter[value] <= 0:
                    del counter[value]
                    if not counter:
                        del table[q.subject.value]

    def update(self, graph: str, sign: int = 1) -> None:
        """Count (``sign`` 1) or discount (-1) what graph ``graph`` in the store says."""
        self._count(ox.NamedNode(graph), sign)

    def entities(self, exclude: Iterable[str] = ()) -> list[Entity]:
        """The entities, as ``known_entities`` gives them, leaving out graphs ``exclude``."""
        skip = sorted(set(map(str, exclude)))
        for g in skip:
            self.update(g, -1)
        try:
            out = []
            for iri, counts in sorted(self.labels.items()):
                types = self.types.get(iri)
                if not types:
                    continue  # typed with a class this ontology lacks: let the mentions decide
                label = min(counts, key=lambda s: (-counts[s], s))
                cls = min(types, key=lambda c: (-types[c], c))
                aliases = (set(counts) | set(self.alts.get(iri, ()))) - {label}
                out.append(Entity(iri, label, cls,
                                  tuple(sorted(aliases, key=lambda a: (a.casefold(), a)))))
            return out
        finally:
            for g in skip:
                self.update(g, 1)


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

def _dump_graphs(store: ox.Store, graphs: list[str], threads: int = 2) -> Iterator[bytes]:
    """The N-Triples of the named graphs ``graphs`` (``<iri>``), in chunks of graphs dumped
    by ``threads`` threads (Oxigraph reads and writes without Python's lock: on a million
    quads two threads take a quarter less time than one)."""
    size = max(1, -(-len(graphs) // (threads * 4)))
    batches = [graphs[i:i + size] for i in range(0, len(graphs), size)]

    def dump(batch: list[str]) -> bytes:
        return b"".join(store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.NamedNode(g[1:-1]))
                        for g in batch)

    if len(batches) < 2:
        yield from map(dump, batches)
        return
    with ThreadPoolExecutor(threads) as pool:
        yield from pool.map(dump, batches)


# the dumps' size from which the sorting and writing of the union is shared with a forked child
_FORK_BYTES = 16 << 20


def _union_lines(chunks: list[bytes], low: bytes | None = None, high: bytes | None = None
                 ) -> list[bytes]:
    """The distinct lines of N-Triples ``chunks``, sorted as bytes; only those ``>= low`` and
    ``< high`` when given."""
    lines: set[bytes] = set()
    for chunk in chunks:
        part = chunk.split(b"\n")
        if low is not None:
            part = [line for line in part if line >= low]
        if high is not None:
            part = [line for line in part if line < high]
        lines.update(part)
    lines.discard(b"")
    return sorted(lines)


def _lines_text(lines: list[bytes], suffix: str) -> bytes:
    """Sorted N-Triples lines as .nt, or as .ttl written by Oxigraph in their order with kg's
    prefixes (kg.export.serialize_triples); parsed a slice at a time, never joined whole."""
    if suffix == ".nt":
        return b"\n".join(lines) + b"\n" if lines else b""
    step = 20_000

    def triples() -> Iterator[ox.Triple]:
        for i in range(0, len(lines), step):
            yield from ox.parse(b"\n".join(lines[i:i + step]) + b"\n", format=ox.RdfFormat.N_TRIPLES)

    return ox.serialize(triples(), format=ox.RdfFormat.TURTLE, prefixes=_PREFIXES)


def _split_point(chunks: list[bytes], samples: int = 32) -> bytes | None:
    """``b"<subject> "`` of about the median line of ``chunks`` (sampled): the lines below it
    and the lines from it on are two runs of whole subjects, each sorted apart."""
    found = []
    for chunk in chunks:
        for k in range(1, samples):
            start = chunk.find(b"\n", len(chunk) * k // samples) + 1
            end = chunk.find(b" ", start)
            if start and end > start:
                found.append(chunk[start:end + 1])
    found.sort()
    return found[len(found) // 2] if found else None


def _union_text(chunks: list[bytes], suffix: str) -> bytes:
    """The union of N-Triples ``chunks`` as .nt or .ttl: distinct lines sorted as text
    (kg.export.serialize_triples' order and bytes).

    On Linux, with more than _FORK_BYTES of dumps, the subjects from about the median on are
    deduplicated, sorted and written by a forked child (it shares the chunks without a copy)
    while this process does the rest: the two halves, joined, are the same bytes as the
    whole, a second of one core's work saved on a million triples. A child that fails is
    replaced by doing its half here.
    """
    pivot = (_split_point(chunks) if sys.platform.startswith("linux")
             and sum(map(len, chunks)) > _FORK_BYTES else None)
    if pivot is None:
        return _lines_text(_union_lines(chunks), suffix)
    context = multiprocessing.get_context("fork")
    reader, writer = context.Pipe(duplex=False)
    child = context.Process(target=_upper_half, args=(writer, chunks, pivot, suffix), daemon=True)
    child.start()
    writer.close()
    lower = _lines_text(_union_lines(chunks, high=pivot), suffix)
    try:
        upper = reader.recv_bytes()
    except (EOFError, OSError):
        upper = _lines_text(_union_lines(chunks, low=pivot), suffix)
    finally:
        reader.close()
        child.join()
    if suffix == ".ttl" and lower and upper:
        # both halves open with the same prefix lines; the upper half's go
        header = ox.serialize([_DUMMY], format=ox.RdfFormat.TURTLE, prefixes=_PREFIXES)
        header = header[:header.rindex(b"\n", 0, -1) + 1]
        if not (lower.startswith(header) and upper.startswith(header)):
            raise OutputError("the Turtle halves do not open with kg's prefixes; "
                              "report this as a bug in kg.store._union_text")
        upper = upper[len(header):]
    return lower + upper


def _upper_half(writer, chunks: list[bytes], pivot: bytes, suffix: str) -> None:
    """In the forked child: send the text of the lines from ``pivot`` on, then leave at once
    (no clean-up of the parent's store or threads in the copy)."""
    code = 1
    try:
        writer.send_bytes(_lines_text(_union_lines(chunks, low=pivot), suffix))
        code = 0
    finally:
        os._exit(code)


def export_store(store: ox.Store, path: str | os.PathLike) -> Path:
    """Write the whole store to ``path``, the format by suffix (kg.export.FORMATS), atomically.

    .nt, .nq, .ttl (the union of the article graphs) and .trig: each graph dumped by Oxigraph
    (in Rust, two threads), then sorted as text as ``kg.export.serialize_nquads`` sorts it — the
    writer ``kg build -o`` uses, so the bytes depend on the quads only, not on the store's
    history, and equal a build's. The union (.nt, .ttl) is sorted and written in two halves
    at once on Linux (``_union_text``). .jsonld and .rdf: through rdflib (kg.export) from an in-memory copy.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise OutputError(f"{path}: unknown output format {suffix!r}; use one of "
                          f"{', '.join(sorted(FORMATS))}")
    if suffix not in _OX_FORMATS:
        return export(to_dataset(store), path)
    nt = ox.RdfFormat.N_TRIPLES
    default = store.dump(format=nt, from_graph=ox.DefaultGraph())
    graphs = sorted(f"<{g.value}>" for g in store.named_graphs() if isinstance(g, ox.NamedNode))
    if suffix in (".nt", ".ttl"):
        data = _union_text([default, *_dump_graphs(store, graphs)], suffix)
    elif suffix == ".nq":
        lines = set(default.split(b"\n"))
        for g in graphs:
            chunk = store.dump(format=nt, from_graph=ox.NamedNode(g[1:-1]))
            # a line ends " .\n" only at its end (N-Triples escapes newlines in literals)
            lines.update(chunk.replace(b" .\n", f" {g} .\n".encode()).split(b"\n"))
        lines.discard(b"")
        data = b"\n".join(sorted(lines)) + b"\n" if lines else b""
    else:  # .trig: graph by graph (the default graph first), each sorted
        parts = []
        for g, chunk in [("", default)] + [(g, store.dump(format=nt, from_graph=ox.NamedNode(
                g[1:-1]))) for g in graphs]:
            lines = sorted(set(chunk.split(b"\n")) - {b""})
            if g:
                lines = [line[:-2] + f" {g} .".encode() for line in lines]
            parts.extend(lines)
        data = ox.serialize(ox.parse(b"\n".join(parts) + b"\n", format=ox.RdfFormat.N_QUADS),
                            format=ox.RdfFormat.TRIG, prefixes=_PREFIXES)
    write_atomic(path, data)
    return path


# --- the graph every reading command uses ------------------------------------------------------

def open_graph(graph: str | os.PathLike | None = None, store: str | os.PathLike | None = None,
               *, engine: str = "auto") -> Dataset:
    """The graph to read: a graph file (``--graph FILE``) or a store (``--store DIR`` or a
    SPARQL server's URL, see ``kg.remote.open_for_reading``), exactly one.

    Both give an rdflib Dataset whose SPARQL and triple patterns see the union of the
    article graphs, with kg's prefixes bound. A store is read in place and stays locked
    until the Dataset is closed (``with contextlib.closing(open_graph(...)) as ds:``) or
    garbage-collected. On a local store, ``engine`` "auto" runs a SPARQL query in Oxigraph,
    on an in-memory copy of the union made at the first such query, when its answer there is
    the same as rdflib's (see ``oxigraph_plan``), else in rdflib's engine; "rdflib" always
    uses rdflib's.
    """
    if engine not in ("auto", "rdflib"):
        raise ValueError(f"unknown engine {engine!r}; use auto or rdflib")
    if (graph is None) == (store is None):
        raise KGError("give exactly one of --graph FILE (a graph file written by 'kg build -o') "
                      "or --store DIR (a store written by 'kg build --store')")
    if graph is not None:
        from kg.export import load_graph

        return load_graph(graph)
    from kg.remote import is_url, open_for_reading

    # a SPARQL server (kg.remote): copied into memory when small, else read in place
    db = open_for_reading(store) if is_url(store) else open_store(store, create=False)
    inner = _PlainLiteralStore(store=db)
    inner.use_oxigraph = engine == "auto"
    ds = Dataset(store=inner, default_union=True)
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

    use_oxigraph = True
    _union: ox.Store | None = None

    def union(self) -> ox.Store:
        """An in-memory Oxigraph store whose default graph is the union of the store's
        graphs, a set (as rdflib reads it): made on the first query that needs it, dropped
        on any change made through this object.

        Why a copy: Oxigraph reads the union of the article graphs as a bag (an entity typed
        in 600 articles is 600 solutions), so, on kg's data, joins on entities multiply (a
        label and a type: 600 x 600 rows) and counts come out wrong. The copy costs a dump
        of the store (about 4 s for a million quads) and memory for the distinct triples.
        """
        if self._union is None:
            nt = ox.RdfFormat.N_TRIPLES
            mem = ox.Store()
            mem.load(input=self._inner.dump(format=nt, from_graph=ox.DefaultGraph()), format=nt)
            graphs = [f"<{g.value}>" for g in self._inner.named_graphs()
                      if isinstance(g, ox.NamedNode)]
            # dumped by two threads while this one loads: 6.2 s -> 3.7-4.3 s for a million
            # quads; the dumps waiting to be loaded are at most the store's text (136 MB)
            for chunk in _dump_graphs(self._inner, graphs):
                mem.load(input=chunk, format=nt)
            self._union = mem
        return self._union

    def add(self, *args, **kwargs):
        self._union = None
        return super().add(*args, **kwargs)

    def addN(self, *args, **kwargs):  # noqa: N802
        self._union = None
        return super().addN(*args, **kwargs)

    def remove(self, *args, **kwargs):
        self._union = None
        return super().remove(*args, **kwargs)

    def update(self, *args, **kwargs):
        self._union = None
        return super().update(*args, **kwargs)

    def add_graph(self, *args, **kwargs):
        self._union = None
        return super().add_graph(*args, **kwargs)

    def remove_graph(self, *args, **kwargs):
        self._union = None
        return super().remove_graph(*args, **kwargs)

    def query(self, query, initNs, initBindings, queryGraph, **kwargs):  # noqa: N803
        # rdflib's engine reads the union of the article graphs through triples() above, a
        # set, as with a graph file; Oxigraph answers on a copy of that set (union()), the
        # queries for which the two engines agree (oxigraph_plan), else rdflib does.
        if not self.use_oxigraph or kwargs or queryGraph != "__UNION__" \
                or not isinstance(self._inner, ox.Store):
            raise NotImplementedError
        from rdflib.plugins.sparql import prepareQuery
        from rdflib.plugins.sparql.sparql import Query

        if isinstance(query, Query):
            prepared = query
        else:
            try:
                prepared = prepareQuery(query, initNs=initNs)
            except Exception:
                raise NotImplementedError from None  # let rdflib report the error
        args = getattr(prepared, "_original_args", None)
        watch = None if args is None else oxigraph_plan(prepared, initBindings)
        if watch is None:
            raise NotImplementedError
        text, ns, base = args
        if initBindings:
            text = _substitute(text, {str(k): str(_ox(v)) for k, v in initBindings.items()})
        text = lateral_optionals(text)
        prefixes = {**{p: str(n) for p, n in self._namespace_for_prefix.items()},
                    **{p: str(n) for p, n in (initNs or {}).items()},
                    **{p: str(n) for p, n in (ns or {}).items()}}
        try:
            result = self.union().query(text, base_iri=base, prefixes=prefixes)
        except (SyntaxError, ValueError, TypeError):
            raise NotImplementedError from None  # rdflib's engine gives its own answer or error
        if isinstance(result, ox.QueryBoolean):
            out = Result("ASK")
            out.askAnswer = bool(result)
        elif isinstance(result, ox.QuerySolutions):
            out = Result("SELECT")
            out.vars = [Variable(v.value) for v in result.variables]
            out.bindings = [{v: _rdflib(t) for v, t in zip(out.vars, row, strict=True) if t is not None}
                            for row in result]
            if watch and any(Variable(v) not in b for b in out.bindings for v in watch):
                raise NotImplementedError  # an aggregate hit an error: see oxigraph_plan
        else:
            out = Result("CONSTRUCT")
            out.graph = Graph()
            for t in result:
                out.graph.add((_rdflib(t.subject), _rdflib(t.predicate), _rdflib(t.object)))
        return out


# strings (long and short), IRIs and comments: what no rewrite of query text looks inside
_SPARQL_LITERALS = (
    r'''"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^'\\]|\\.|'(?!''))*\'\'\''''
    r'''|"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|<[^<>"{}|^`\\\x00-\x20]*>|\#[^\n]*''')

# what a parameter may not be replaced in: strings, IRIs, comments; and BOUND(?param)
_SPARQL_TOKENS = re.compile(
    rf"(?P<skip>{_SPARQL_LITERALS})"
    r"|(?P<bound>\bBOUND\s*\(\s*[?$](?P<bvar>\w+)\s*\))"
    r"|(?P<var>[?$](?P<name>\w+))", re.IGNORECASE)


def _substitute(text: str, values: Mapping[str, str]) -> str:
    """Query text with parameters replaced by their values (terms in SPARQL syntax), as
    rdflib's initBindings bind them: everywhere, ``BOUND(?p)`` true. A parameter where a
    value cannot stand (SELECT ?p, AS ?p, GROUP BY ?p) makes the text fail to parse."""

    def repl(m: re.Match) -> str:
        if m.group("bvar") is not None and m.group("bvar") in values:
            return "true"
        if m.group("name") is not None and m.group("name") in values:
            return values[m.group("name")]
        return m.group(0)

    return _SPARQL_TOKENS.sub(repl, text)


_OPTIONAL_TOKENS = re.compile(
    rf"(?P<skip>{_SPARQL_LITERALS}|[\w:]+OPTIONAL\b|[?$]\w+)"
    r"|(?P<optional>\bOPTIONAL\s*\{)|(?P<open>\{)|(?P<close>\})", re.IGNORECASE)


def lateral_optionals(text: str) -> str:
    """Query text with every ``OPTIONAL { X }`` written ``LATERAL { OPTIONAL { X } }``.

    The same answer, for the queries Oxigraph is given (``oxigraph_plan``: no FILTER, EXISTS
    or BIND inside X names a variable bound only outside it): X, with the row's bindings
    put in, either matches or leaves the row as it is. The difference is the cost. For an
    OPTIONAL of several patterns Oxigraph evaluates X once, over the whole store, and joins
    (half a second for an entity's evidence on a million triples); LATERAL evaluates X per
    row with the bindings in place, as rdflib does, through the indexes (a millisecond).
    """
    out, stack, pos = [], [], 0
    for m in _OPTIONAL_TOKENS.finditer(text):
        if m.group("skip") is not None:
            continue
        out.append(text[pos:m.start()])
        pos = m.end()
        if m.group("optional") is not None:
            out.append("LATERAL { " + m.group(0))
            stack.append(True)
        elif m.group("open") is not None:
            out.append("{")
            stack.append(False)
        else:
            out.append("} }" if stack and stack.pop() else "}")
    out.append(text[pos:])
    return "".join(out)


_EXISTS = {"Builtin_EXISTS", "Builtin_NOTEXISTS"}


def oxigraph_answers(query, bound: Iterable[str] = ()) -> bool:
    """Whether Oxigraph may answer ``query`` (an rdflib prepared query); see ``oxigraph_plan``."""
    return oxigraph_plan(query, bound) is not None


def oxigraph_plan(query, bound: Iterable[str] = ()) -> frozenset[str] | None:
    """Whether Oxigraph gives ``query`` (an rdflib prepared query) rdflib's answer, both
    reading the same set of triples: None if not, else the result variables that must all
    be bound in Oxigraph's answer for it to stand.

    Two differences between the engines matter. (1) An expression error (an unbound
    OPTIONAL value) makes Oxigraph's MIN, MAX, SUM, AVG or GROUP_CONCAT unbound, as the
    standard says; rdflib skips the value. So every such aggregate must be a result
    variable, watched: when one comes back unbound, rdflib answers instead. (2) rdflib
    evaluates the inside of an OPTIONAL, and of a join, with the outer solution's bindings;
    the standard evaluates each group on its own. The two differ for a FILTER, EXISTS or
    BIND inside a group that names a variable bound only outside it (``{ ?e rdf:subject ?x
    FILTER EXISTS { ?e rdf:object ?y } }``, ?y bound outside): such queries go to rdflib.
    ``bound`` are the parameters given (bound everywhere in both engines).
    DESCRIBE, FROM, SERVICE, GRAPH and REDUCED always go to rdflib. Ties in ORDER BY, SAMPLE
    and the order inside GROUP_CONCAT are the engine's choice in either (the standard leaves
    them open).
    """
    from rdflib.plugins.sparql.parserutils import CompValue

    def field(n, key):  # CompValue.get(key) answers the key itself when it is missing
        return dict.get(n, key)

    def nodes(n, skip_exists=False):
        if isinstance(n, CompValue):
            if skip_exists and n.name in _EXISTS:
                return
            yield n
            for k, v in n.items():
                if k != "_vars":
                    yield from nodes(v, skip_exists)
        elif isinstance(n, (list, tuple)):
            for x in n:
                yield from nodes(x, skip_exists)

    algebra = query.algebra
    if algebra.name not in ("SelectQuery", "AskQuery", "ConstructQuery"):
        return None
    if field(algebra, "datasetClause"):
        return None
    all_nodes = list(nodes(algebra))
    # (aggregation, its result variable) -> the variable "(MIN(?x) AS ?y)" names it: the
    # Extends between a Project and its aggregation (result names repeat in sub-selects)
    alias: dict[tuple[int, str], str] = {}
    for c in all_nodes:
        if c.name in ("Graph", "ServiceGraphPattern", "DescribeQuery"):
            return None
        if c.name == "Project":
            names, n = [], field(c, "p")
            while isinstance(n, CompValue) and n.name in ("OrderBy", "Extend", "Filter"):
                if n.name == "Extend" and isinstance(field(n, "expr"), Variable):
                    names.append((str(field(n, "expr")), str(field(n, "var"))))
                n = field(n, "p")
            if isinstance(n, CompValue) and n.name == "AggregateJoin":
                alias.update({(id(n), res): var for res, var in names})
    params = {str(v) for v in bound}

    def variables(n, skip=None) -> set[str]:
        out: set[str] = set()
        stack = [n]
        while stack:
            x = stack.pop()
            if x is skip:
                continue
            if isinstance(x, Variable):
                out.add(str(x))
            elif isinstance(x, dict):
                stack.extend(v for k, v in x.items() if k != "_vars")
            elif isinstance(x, (list, tuple)):
                stack.extend(x)
        return out

    for c in all_nodes:  # (2)
        if c.name in ("Filter", "Extend", "LeftJoin"):
            expr = field(c, "expr")
            if expr is None:
                continue
            parts = [field(c, "p")] if c.name != "LeftJoin" else [field(c, "p1"), field(c, "p2")]
            scope = {str(v) for p in parts for v in (getattr(p, "_vars", None) or variables(p))}
            free = variables(expr) - scope - params
            if free and free & variables(algebra, skip=expr):
                return None
    watch: set[str] = set()
    for c in all_nodes:
        if c.name != "AggregateJoin":
            continue
        for agg in field(c, "A") or ():
            if agg.name not in ("Aggregate_Sample", "Aggregate_Count"):  # (1)
                var = alias.get((id(c), str(field(agg, "res"))))
                if var is None:
                    return None  # not a result variable
                watch.add(var)
    if algebra.name != "SelectQuery":
        return frozenset() if not watch else None
    top = field(algebra, "p")
    while top.name == "Slice":
        top = field(top, "p")
    if top.name == "Reduced":
        return None
    project = field(top, "p") if top.name == "Distinct" else top
    outputs = {str(v) for v in field(project, "PV") or ()} if project.name == "Project" else set()
    return frozenset(watch) if watch <= outputs else None


def _plain(term):
    if isinstance(term, Literal) and term.datatype is not None and str(term.datatype) == _XSD_STRING:
        return Literal(str(term))
    return term
