"""build(): read, parse, extract, check, resolve, graph, export — the one pipeline."""

from __future__ import annotations

import multiprocessing
import sys
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from itertools import islice
from pathlib import Path

import pyoxigraph as ox
from rdflib import Dataset

from kg.errors import KGError, OutputError
from kg.export import FORMATS, export_nquads, serialize_triples, write_atomic
from kg.extract import DEFAULT_EXTRACTORS, check, check_requirements, run
from kg.graph import DocResult, GraphPart, add_document, doc_iri, document_graph, new_dataset
from kg.io import model_language, read_documents
from kg.nlp import DEFAULT_MODEL, make_nlp
from kg.ontology import Ontology, load_ontology
from kg.records import Document, Note, Rejected, Skipped
from kg.resolve import Resolution, resolve

__all__ = ["BuildConfig", "Summary", "accept", "build", "build_dataset", "build_store", "parse",
           "process"]

# documents a worker process gets at a time, in spaCy batches; and how many such tasks may
# wait per worker (enough to keep it busy, few enough to keep memory flat)
TASKS_PER_WORKER = 3
# store builds: articles written between two flushes of the store's write buffers to disk
FLUSH_EVERY = 200


@dataclass(frozen=True)
class BuildConfig:
    model: str = DEFAULT_MODEL
    ontology_files: tuple[str, ...] = ()
    core_ontology: bool = True
    batch_size: int = 16  # documents per spaCy batch (and per task sent to a worker)
    max_bytes: int = 50_000_000
    extractors: tuple[str, ...] = DEFAULT_EXTRACTORS
    workers: int = 1  # processes that parse and extract; 1: all in this process
    # languages read besides the model's own (from its name: fr_core_news_sm reads "fr"); codes,
    # scripts ("cyrillic") or "any". A model whose name does not say reads every language.
    allow_languages: tuple[str, ...] = ()
    # store builds: articles resolved together (against the store), then committed one by one;
    # a build holds at most this many articles' mentions and candidates at a time
    store_batch: int = 1000
    # a Dask scheduler ("tcp://HOST:8786") or "local:N": parse and extract there (kg.cluster)
    cluster: str | None = None


@dataclass
class Summary:
    documents: int = 0
    entities: int = 0
    relations: int = 0
    triples: int = 0
    rejected: int = 0
    words: int = 0
    skipped: list[Skipped] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)  # what the reader guessed in articles it read
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
        if self.notes:
            reasons = ", ".join(f"{k} {v}" for k, v in sorted(Counter(n.reason for n in self.notes).items()))
            out.append(f"noted {len(self.notes)} ({reasons})")
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


def parse(docs: Iterable[Document], ontology: Ontology, config: BuildConfig, nlp=None
          ) -> Iterator[DocResult]:
    """``process`` with ``config.workers`` processes: DocResults in input order, streaming.

    With more than one worker, each takes ``config.batch_size`` documents at a time (the
    batches one process would make, so the output does not depend on the number of workers)
    and sends back mentions and candidates, small records, never spaCy Docs. At most
    ``TASKS_PER_WORKER`` tasks per worker wait, so memory stays flat however many
    documents come. ``nlp`` (else loaded from ``config``) is shared with forked workers.
    With ``config.cluster``, the cluster does it (kg.cluster.parse_on_cluster), the same way.
    """
    if config.cluster:
        from kg.cluster import parse_on_cluster

        yield from parse_on_cluster(docs, ontology, config, nlp)
        return
    if config.workers <= 1:
        yield from process(docs, nlp if nlp is not None else make_nlp(config.model, ontology),
                           ontology, config)
        return
    methods = multiprocessing.get_all_start_methods()
    if "fork" in methods:  # the workers inherit the loaded pipeline, nothing is pickled
        context = multiprocessing.get_context("fork")
        if nlp is None:
            nlp = make_nlp(config.model, ontology)
        state = (nlp, ontology, config)
    else:  # each worker loads the pipeline itself
        context = multiprocessing.get_context("spawn")
        state = (None, None, config)
    executor = ProcessPoolExecutor(config.workers, mp_context=context, initializer=_init_worker,
                                   initargs=(state,))
    try:
        pending: deque = deque()
        it = iter(docs)
        while True:
            chunk = list(islice(it, config.batch_size))
            if chunk:
                pending.append((chunk, executor.submit(_parse_chunk, chunk)))
            if pending and (not chunk or len(pending) >= config.workers * TASKS_PER_WORKER):
                done, future = pending.popleft()
                for d, (mentions, cands) in zip(done, future.result(), strict=True):
                    yield DocResult(d, mentions, cands)
            elif not chunk:
                break
    finally:
        executor.shutdown(wait=True, cancel_futures=True)


_WORKER: tuple | None = None  # (nlp, ontology, config) in a worker process


def _init_worker(state: tuple) -> None:
    global _WORKER
    nlp, ontology, config = state
    if nlp is None:
        ontology = load_ontology(config.ontology_files, core=config.core_ontology)
        nlp = make_nlp(config.model, ontology)
    _WORKER = (nlp, ontology, config)


def _parse_chunk(docs: list[Document]) -> list[tuple]:
    nlp, ontology, config = _WORKER
    return [(r.mentions, r.triples) for r in process(docs, nlp, ontology, config)]


def accept(res: DocResult, resolution: Resolution, ontology: Ontology
           ) -> tuple[DocResult, list[Rejected]]:
    """Keep the candidates whose resolved entities fit the property's domain and range."""

    def class_of(m):
        iri = resolution.iri(m)
        return resolution.entities[iri].cls if iri is not None else None

    accepted, rejected = check(list(res.triples), class_of, ontology)
    return DocResult(res.document, res.mentions, tuple(accepted)), rejected


def _read(paths: Iterable[str], config: BuildConfig, summary: Summary,
          on_skipped: Callable[[Skipped], None] | None,
          on_note: Callable[[Note], None] | None) -> Iterator[Document]:
    """The readable documents; skips and notes counted in ``summary`` and reported as they come."""
    model = model_language(config.model)
    languages = None if model is None else (model, *config.allow_languages)
    for rec in read_documents(paths, max_bytes=config.max_bytes, languages=languages):
        if isinstance(rec, Skipped):
            summary.skipped.append(rec)
            if on_skipped is not None:
                on_skipped(rec)
            continue
        for note in rec.notes:
            summary.notes.append(note)
            if on_note is not None:
                on_note(note)
        yield rec


def _no_document(summary: Summary) -> KGError:
    return KGError("no document could be read from the given paths"
                   + (f" ({len(summary.skipped)} skipped)" if summary.skipped else "")
                   + "; check the paths and the messages above")


def _graph_parts(paths: Iterable[str], config: BuildConfig, *, progress: bool = False,
                 on_rejected: Callable[[Document, Rejected], None] | None = None,
                 on_skipped: Callable[[Skipped], None] | None = None,
                 on_note: Callable[[Note], None] | None = None,
                 nlp=None, ontology: Ontology | None = None,
                 ) -> tuple[list[GraphPart], Summary]:
    """The in-memory build: every document parsed, mentions resolved across the whole corpus,
    then each document's graph. Holds the corpus's mentions and candidates (small records;
    the text is dropped once parsed), never spaCy Docs."""
    if (nlp is None) != (ontology is None):
        raise ValueError("give both nlp and ontology (the pipeline is built from the ontology), or neither")
    if ontology is None:
        ontology = load_ontology(config.ontology_files, core=config.core_ontology)
        nlp = make_nlp(config.model, ontology)
    check_requirements(nlp, config.extractors)
    summary = Summary()

    def documents() -> Iterator[Document]:
        return _read(paths, config, summary, on_skipped, on_note)

    results: list[DocResult] = []
    bar = _progress(progress)
    for res in parse(documents(), ontology, config, nlp):
        summary.documents += 1
        summary.words += len(res.document.text.split())
        results.append(DocResult(replace(res.document, text=""), res.mentions, res.triples))
        if bar is not None:
            bar.update(1)
    if bar is not None:
        bar.close()
    resolution = resolve((m for r in results for m in r.mentions), ontology)
    parts = []
    for res in results:
        res, rejected = accept(res, resolution, ontology)
        summary.rejected += len(rejected)
        if on_rejected is not None:
            for r in rejected:
                on_rejected(res.document, r)
        parts.append(document_graph(res, resolution, ontology))
    summary.entities = len(resolution.entities)
    summary.relations = len({t for p in parts for t in p.relations})
    return parts, summary


def build_dataset(paths: Iterable[str], config: BuildConfig = BuildConfig(),
                  *, progress: bool = False,
                  on_rejected: Callable[[Document, Rejected], None] | None = None,
                  on_skipped: Callable[[Skipped], None] | None = None,
                  on_note: Callable[[Note], None] | None = None,
                  nlp=None, ontology: Ontology | None = None,
                  ) -> tuple[Dataset, Summary]:
    """Run the pipeline over ``paths`` and return the merged Dataset and a summary.

    ``nlp`` and ``ontology``, both or neither, reuse a pipeline already loaded.
    """
    parts, summary = _graph_parts(paths, config, progress=progress, on_rejected=on_rejected,
                                  on_skipped=on_skipped, on_note=on_note, nlp=nlp,
                                  ontology=ontology)
    ds = new_dataset()
    add_document(ds, parts)
    summary.triples = len(ds)
    return ds, summary


def build(paths: Iterable[str], output: str | Path, config: BuildConfig = BuildConfig(),
          **kwargs) -> Summary:
    """Build a graph from ``paths`` and write it to ``output`` (format by suffix).

    Bad files are skipped and listed in the summary; nothing is written when no document
    could be read. The graph goes from N-Triples text straight to the file (kg.export.
    serialize_nquads, the writer ``kg export --store`` uses too). Keyword arguments are
    ``build_dataset``'s.
    """
    suffix = Path(output).suffix.lower()
    if suffix not in FORMATS:  # before hours of parsing
        raise OutputError(f"{output}: unknown output format {suffix!r}; use one of "
                          f"{', '.join(sorted(FORMATS))}")
    parts, summary = _graph_parts(paths, config, **kwargs)
    if summary.documents == 0:
        raise _no_document(summary)
    union = {t for p in parts for t in p.triples}
    summary.triples = len(union)
    if suffix in (".nt", ".ttl"):  # the union of the graphs: no need to name them
        del parts
        write_atomic(Path(output), serialize_triples(union, suffix))
        summary.output = str(output)
    else:
        del union
        named = [f"{t} <{p.graph}> ." for p in parts for t in p.triples]
        del parts
        summary.output = str(export_nquads(named, output))
    return summary


def build_store(paths: Iterable[str], store: str | Path, config: BuildConfig = BuildConfig(),
                *, output: str | Path | None = None, progress: bool = False,
                on_rejected: Callable[[Document, Rejected], None] | None = None,
                on_skipped: Callable[[Skipped], None] | None = None,
                on_note: Callable[[Note], None] | None = None,
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

    Streaming: documents are read, parsed and written as they come, ``config.store_batch``
    articles at a time (resolved together, against the store as it is then), so memory does
    not grow with the number of articles.
    """
    from kg.store import (
        CONTENT_HASH,
        KnownEntities,
        content_hash,
        export_store,
        open_store,
        stored_hashes,
        write_graph,
    )

    if (nlp is None) != (ontology is None):
        raise ValueError("give both nlp and ontology (the pipeline is built from the ontology), or neither")
    db = open_store(store)  # first: a locked store fails before anything is read
    if ontology is None:
        ontology = load_ontology(config.ontology_files, core=config.core_ontology)
    fingerprint = _fingerprint(config, ontology)
    summary = Summary()
    stored = stored_hashes(db)
    hashes: dict[str, str] = {}  # graph -> hash, for the articles of this build
    queued: deque[str] = deque()  # the hashes of the documents on their way, in order

    def todo() -> Iterator[Document]:
        for rec in _read(paths, config, summary, on_skipped, on_note):
            g = str(doc_iri(rec.id))
            # two inputs with one identifier share a graph (as in build()): hash them together
            h = content_hash(rec, hashes.get(g, fingerprint))
            if g not in hashes and stored.get(g) == h:
                summary.unchanged += 1
                continue
            hashes[g] = h
            queued.append(h)
            yield rec

    docs = todo()
    first = next(docs, None)  # only parse (and load a model) when there is something to do
    if first is None and not summary.unchanged:
        raise _no_document(summary)
    if first is not None:
        if nlp is None:
            nlp = make_nlp(config.model, ontology)
        check_requirements(nlp, config.extractors)
        known = KnownEntities(db, ontology)
        written: set[str] = set()  # graphs written by this build
        entities: set[str] = set()
        relations: set[int] = set()
        bar = _progress(progress)
        results = parse(_chain(first, docs), ontology, config, nlp)
        while True:
            batch = []
            for res in islice(results, max(1, config.store_batch)):
                summary.documents += 1
                summary.words += len(res.document.text.split())
                batch.append((DocResult(replace(res.document, text=""), res.mentions, res.triples),
                              queued.popleft()))
                if bar is not None:
                    bar.update(1)
            if not batch:
                break
            graphs = {str(doc_iri(r.document.id)) for r, _ in batch}
            replaced = {g for g in graphs
                        if g not in written and db.contains_named_graph(ox.NamedNode(g))}
            resolution = resolve((m for r, _ in batch for m in r.mentions), ontology,
                                 known=known.entities(exclude=replaced))
            # one graph at a time, generated and written (two inputs with one identifier share
            # a graph: their triples go together, with the last one's chained hash)
            by_graph: dict[str, list[tuple[DocResult, str]]] = {}
            for res, h in batch:
                by_graph.setdefault(str(doc_iri(res.document.id)), []).append((res, h))
            del batch
            for g, items in by_graph.items():
                triples: list[str] = []
                for res, _ in items:
                    res, rejected = accept(res, resolution, ontology)
                    summary.rejected += len(rejected)
                    if on_rejected is not None:
                        for r in rejected:
                            on_rejected(res.document, r)
                    part = document_graph(res, resolution, ontology)
                    triples.extend(part.triples)
                    relations.update(map(hash, part.relations))  # a count: hashes do
                    entities.update(iri for m in res.mentions if (iri := resolution.iri(m)))
                if len(items) > 1:
                    triples = list(dict.fromkeys(triples))
                triples.append(f'<{g}> <{CONTENT_HASH}> "{items[-1][1]}"')
                mode = "add" if g in written else "replace" if g in replaced else "new"
                known.update(g, -1)
                n = write_graph(db, g, triples, mode=mode)
                known.update(g, 1)
                written.add(g)
                summary.triples += n
                if on_stored is not None:
                    on_stored(g, n)
                if len(written) % FLUSH_EVERY == 0:
                    db.flush()  # else RocksDB's write buffers grow by ~0.4 MB an article
            del by_graph, resolution
        if bar is not None:
            bar.close()
        summary.entities = len(entities)
        summary.relations = len(relations)
    summary.store = f"{store} ({len(stored_hashes(db))} articles, {len(db)} quads)"
    if output is not None:
        summary.output = str(export_store(db, output))
    return summary


def _chain(first, rest: Iterator) -> Iterator:
    yield first
    yield from rest


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


def _progress(enabled: bool):
    if not enabled:
        return None
    from tqdm import tqdm

    return tqdm(desc="documents", unit="doc", file=sys.stderr, dynamic_ncols=True,
                disable=None, leave=False)
