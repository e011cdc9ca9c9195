"""Shared fixtures: the ontology and the real spaCy pipeline, loaded once per session."""

from __future__ import annotations

import pytest

from kg.nlp import make_nlp
from kg.ontology import load_ontology


@pytest.fixture(scope="session")
def ontology():
    return load_ontology()


@pytest.fixture(scope="session")
def nlp(ontology):
    return make_nlp("en_core_web_sm", ontology)


@pytest.fixture(scope="session")
def extract(nlp, ontology):
    """Text -> (mentions, resolution, accepted triples as label tuples, rejected)."""
    from kg.build import accept
    from kg.extract import run
    from kg.graph import DocResult
    from kg.records import Document
    from kg.resolve import resolve

    def _extract(text: str, doc_id: str = "t.txt"):
        doc = nlp(text)
        mentions, cands = run(doc, doc_id, ontology)
        d = Document(id=doc_id, text=text, source=doc_id, format="text")
        res = DocResult(d, tuple(mentions), tuple(cands))
        resolution = resolve(mentions, ontology)
        res, rejected = accept(res, resolution, ontology)

        def label(m):
            if m is None:
                return "<doc>"
            return resolution.entities[resolution.iri(m)].label

        triples = {(label(c.subject), c.predicate, label(c.object)) for c in res.triples}
        return mentions, resolution, triples, rejected

    return _extract
