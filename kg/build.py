"""build(): read, parse, extract, check, resolve, graph, export — the one pipeline."""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Dataset

from kg.errors import KGError
from kg.export import export
from kg.extract import DEFAULT_EXTRACTORS, check, check_requirements, run
from kg.graph import DocResult, add_document, document_quads, new_dataset
from kg.io import read_documents
from kg.nlp import DEFAULT_MODEL, make_nlp
from kg.ontology import Ontology, load_ontology
from kg.records import Document, Rejected, Skipped
from kg.resolve import Resolution, resolve

__all__ = ["BuildConfig", "Summary", "accept", "build", "build_dataset", "process"]


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

    def skipped_by_reason(self) -> dict[str, int]:
        return dict(sorted(Counter(s.reason for s in self.skipped).items()))

    def lines(self) -> list[str]:
        out = [f"documents {self.documents}, entities {self.entities}, relations {self.relations}, "
               f"triples {self.triples}, rejected candidates {self.rejected}"]
        if self.skipped:
            reasons = ", ".join(f"{k} {v}" for k, v in self.skipped_by_reason().items())
            out.append(f"skipped {len(self.skipped)} ({reasons})")
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
