"""build(): read, parse, extract, check, resolve, graph, export — the one pipeline."""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Dataset, Literal, URIRef

from kg.errors import KGError
from kg.export import export
from kg.extract import DEFAULT_EXTRACTORS, check, check_requirements, run
from kg.graph import DocResult, add_document, doc_iri, document_quads, new_dataset
from kg.io import read_documents
from kg.nlp import DEFAULT_MODEL, make_nlp
from kg.ontology import Ontology, load_ontology
from kg.records import Document, Rejected, Skipped
from kg.resolve import Resolution, resolve

__all__ = ["BuildConfig", "Summary", "accept", "build", "build_dataset", "build_store", "process"]


@dataclass(frozen=True)
class BuildConfig:
    model: str = DEFAULT_MODEL
    ontology_files: tuple[str, ...] = ()
    core_ontology: bool = True
    batch_size: int = 16
    max_bytes: int = 50_000_000
    extractors: tuple[str, ...] = DEFAULT_EXTRACTORS


@dataclass
class Summary:
    documents: int = 0
    entities: int = 0
    relations: int = 0
    triples: int = 0
    rejected: int = 0
    words: int = 0
    skipped: list[Skipped] = field(default_factory=list)
    output: str | None = None
    unchanged: int = 0  # store builds: articles already in the store with the same content
    store: str | None = None  # store builds: "DIR (N articles, M quads)"

    def skipped_by_reason(self) -> dict[str, int]:
        return dict(sorted(Counter(s.reason for s in self.skipped).items()))

    def lines(self) -> list[str]:
        out = [f"documents {self.documents}, entities {self.entities}, relations {self.relations}, "
               f"triples {self.triples}, rejected candidates {self.rejected}"]
        if self.skipped:
            reasons = ", ".join(f"{k} {v}" for k, v in self.skipped_by_reason().items())
            out.append(f"skipped {len(self.skipped)} ({reasons})")
        if self.store:
            out.append(f"store {self.store}; {self.unchanged} unchanged articles skipped")
        if self.output:
            out.append(f"wrote {self.output}")
        return out


def process(docs: Iterable[Document], nlp, ontology: Ontology, config: BuildConfig
            ) -> Iterator[DocResult]:
    """Parse and extract, streaming: one DocResult (mentions, unchecked candidates) per document."""
    pairs = ((d.text, d) for d in docs)
    for spacy_doc, d in nlp.pipe(pairs, as_tuples=True, batch_size=config.batch_size):
        mentions, cands = run(spacy_doc, d.id, ontology, config.extractors)
        yield DocResult(d, tuple(mentions), tuple(cands))


def accept(res: DocResult, resolution: Resolution, ontology: Ontology
           ) -> tuple[DocResult, list[Rejected]]:
    """Keep the candidates whose resolved entities fit the property's domain and range."""

    def class_of(m):
        iri = resolution.iri(m)
        return resolution.entities[iri].cls if iri is not None else None

    accepted, rejected = check(list(res.triples), class_of, ontology)
    return DocResult(res.document, res.mentions, tuple(accepted)), rejected


def build_dataset(paths: Iterable[str], config: BuildConfig = BuildConfig(),
                  *, progress: bool = False,
                  on_rejected: Callable[[Document, Rejected], None] | None = None,
                  on_skipped: Callable[[Skipped], None] | None = None,
                  ) -> tuple[Dataset, Summary]:
    """Run the pipeline over ``paths`` and return the merged Dataset and a summary."""
    ontology = load_ontology(config.ontology_files, core=config.core_ontology)
    nlp = make_nlp(config.model, ontology)
    check_requirements(nlp, config.extractors)
    summary = Summary()

    def documents() -> Iterator[Document]:
        for rec in read_documents(paths, max_bytes=config.max_bytes):
            if isinstance(rec, Skipped):
                summary.skipped.append(rec)
                if on_skipped is not None:
                    on_skipped(rec)
            else:
                yield rec

    results: list[DocResult] = []
    bar = _progress(progress)
    for res in process(documents(), nlp, ontology, config):
        results.append(res)
        summary.documents += 1
        summary.words += len(res.document.text.split())
        if bar is not None:
            bar.update(1)
    if bar is not None:
        bar.close()
    resolution = resolve((m for r in results for m in r.mentions), ontology)
    ds = new_dataset()
    for res in results:
        res, rejected = accept(res, resolution, ontology)
        summary.rejected += len(rejected)
        if on_rejected is not None:
            for r in rejected:
                on_rejected(res.document, r)
        add_document(ds, document_quads(res, resolution, ontology))
    summary.entities = len(resolution.entities)
    relation_iris = {p.iri for n, p in ontology.properties.items() if n != "mentions"}
    summary.triples = len(ds)
    summary.relations = len({(s, p, o) for s, p, o, _ in ds.quads((None, None, None, None))
                             if str(p) in relation_iris})
    return ds, summary


def build_store(paths: Iterable[str], store: str | Path, config: BuildConfig = BuildConfig(),
                *, output: str | Path | None = None, progress: bool = False,
                on_rejected: Callable[[Document, Rejected], None] | None = None,
                on_skipped: Callable[[Skipped], None] | None = None,
                on_stored: Callable[[str, int], None] | None = None,
                nlp=None, ontology: Ontology | None = None) -> Summary:
    """Add ``paths`` to the on-disk store in directory ``store``; with ``output``, export it.

    Incremental and idempotent: an article whose content hash (text, metadata, pipeline) is
    already in the store is skipped; a new or changed one is parsed, its mentions resolved
    against the entities the rest of the store already names (a new "Putin" gets the
    existing kge:Vladimir_Putin), and its graph written, or replaced, in one transaction
    (``on_stored(graph_iri, n_quads)`` after each). Killed half-way, the store holds whole
    articles only, and the next build does the rest. ``nlp`` and ``ontology``, both or
    neither, reuse a pipeline already loaded (``make_nlp(model, ontology)``) instead of ``config``'s.
    """
    from kg.store import (
        CONTENT_HASH,
        content_hash,
        export_store,
        known_entities,
        open_store,
        store_documents,
        stored_hashes,
    )

    if (nlp is None) != (ontology is None):
        raise ValueError("give both nlp and ontology (the pipeline is built from the ontology), or neither")
    db = open_store(store)  # first: a locked store fails before anything is read
    if ontology is None:
        ontology = load_ontology(config.ontology_files, core=config.core_ontology)
    fingerprint = _fingerprint(config, ontology)
    summary = Summary()
    stored = stored_hashes(db)
    hashes: dict[str, str] = {}
    todo: list[Document] = []
    for rec in read_documents(paths, max_bytes=config.max_bytes):
        if isinstance(rec, Skipped):
            summary.skipped.append(rec)
            if on_skipped is not None:
                on_skipped(rec)
            continue
        g = str(doc_iri(rec.id))
        # two inputs with one identifier share a graph (as in build()): hash them together
        h = content_hash(rec, hashes.get(g, fingerprint))
        if g not in hashes and stored.get(g) == h:
            summary.unchanged += 1
            continue
        hashes[g] = h
        todo.append(rec)
    if not todo and not summary.unchanged:
        raise KGError("no document could be read from the given paths"
                      + (f" ({len(summary.skipped)} skipped)" if summary.skipped else "")
                      + "; check the paths and the messages above")
    results: list[DocResult] = []
    if todo:
        if nlp is None:
            nlp = make_nlp(config.model, ontology)  # only when there is something to parse
        check_requirements(nlp, config.extractors)
        bar = _progress(progress)
        for res in process(todo, nlp, ontology, config):
            results.append(res)
            summary.documents += 1
            summary.words += len(res.document.text.split())
            if bar is not None:
                bar.update(1)
        if bar is not None:
            bar.close()
        del todo
    known = known_entities(db, ontology, exclude=hashes) if results else []
    resolution = resolve((m for r in results for m in r.mentions), ontology, known=known)
    relation_iris = {p.iri for n, p in ontology.properties.items() if n != "mentions"}
    relations: set[tuple] = set()
    by_graph: dict[str, list[tuple]] = {}
    for res in results:
        res, rejected = accept(res, resolution, ontology)
        summary.rejected += len(rejected)
        if on_rejected is not None:
            for r in rejected:
                on_rejected(res.document, r)
        quads = by_graph.setdefault(str(doc_iri(res.document.id)), [])
        quads.extend(document_quads(res, resolution, ontology))
    for g, quads in by_graph.items():
        relations |= {(s, p, o) for s, p, o, _ in quads if str(p) in relation_iris}
        node = URIRef(g)
        quads.append((node, CONTENT_HASH, Literal(hashes[g]), node))
    summary.triples = store_documents(db, by_graph, on_stored=on_stored)
    summary.entities = len({resolution.iri(m) for r in results for m in r.mentions} - {None})
    summary.relations = len(relations)
    summary.store = f"{store} ({len(stored_hashes(db))} articles, {len(db)} quads)"
    if output is not None:
        summary.output = str(export_store(db, output))
    return summary


def _fingerprint(config: BuildConfig, ontology: Ontology) -> str:
    """What besides the article decides its graph: kg's version, the model, extractors, ontology."""
    import hashlib

    from kg import __version__

    h = hashlib.sha256()
    for part in (__version__, config.model, ",".join(config.extractors)):
        h.update(f"{part}\x1f".encode())
    for f in sorted(ontology.files):
        try:
            h.update(Path(f).read_bytes())
        except OSError:
            h.update(str(f).encode())
    return h.hexdigest()[:16]


def build(paths: Iterable[str], output: str | Path, config: BuildConfig = BuildConfig(),
          **kwargs) -> Summary:
    """Build a graph from ``paths`` and write it to ``output`` (format by suffix).

    Bad files are skipped and listed in the summary; nothing is written when no document
    could be read.
    """
    ds, summary = build_dataset(paths, config, **kwargs)
    if summary.documents == 0:
        raise KGError("no document could be read from the given paths"
                      + (f" ({len(summary.skipped)} skipped)" if summary.skipped else "")
                      + "; check the paths and the messages above")
    summary.output = str(export(ds, output))
    return summary


def _progress(enabled: bool):
    if not enabled:
        return None
    from tqdm import tqdm

    return tqdm(desc="documents", unit="doc", file=sys.stderr, dynamic_ncols=True,
                disable=None, leave=False)
