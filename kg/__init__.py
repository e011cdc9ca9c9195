"""kg: news articles to an ontology-typed RDF knowledge graph with evidence for every fact."""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__", "build", "build_dataset", "BuildConfig", "load_ontology", "make_nlp",
           "read_documents"]


def __getattr__(name: str):
    # lazy: importing kg loads no model and reads no file
    if name in ("build", "build_dataset", "BuildConfig"):
        from kg import build as _build

        return getattr(_build, name)
    if name == "load_ontology":
        from kg.ontology import load_ontology

        return load_ontology
    if name == "make_nlp":
        from kg.nlp import make_nlp

        return make_nlp
    if name == "read_documents":
        from kg.io import read_documents

        return read_documents
    raise AttributeError(name)
