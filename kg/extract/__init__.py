"""The extension point: registered extractors, and run() to apply them to a parsed document."""

from __future__ import annotations

from collections.abc import Callable

from spacy.language import Language
from spacy.tokens import Doc

from kg import registry
from kg.errors import KGError
from kg.extract import entities, relations
from kg.ontology import Ontology
from kg.records import Candidate, Mention, Rejected

__all__ = ["DEFAULT_EXTRACTORS", "run", "check", "check_requirements"]

registry.register(entities.EXTRACTOR, "entities", ("ner",))(entities.entity_mentions)
registry.register(relations.EXTRACTOR, "relations", ("parser",))(relations.relation_candidates)

DEFAULT_EXTRACTORS = (entities.EXTRACTOR, relations.EXTRACTOR)


def check_requirements(nlp: Language, names: tuple[str, ...] = DEFAULT_EXTRACTORS) -> None:
    """Fail early, naming the component, when the pipeline lacks what an extractor needs."""
    for name in names:
        ex = registry.get(name)
        for comp in ex.requires:
            if comp not in nlp.pipe_names:
                raise KGError(
                    f"extractor {name} needs the spaCy component {comp!r}, which pipeline "
                    f"{nlp.meta.get('name', '?')} lacks (it has {', '.join(nlp.pipe_names)}); "
                    "choose a full pipeline with --model")


def run(doc: Doc, doc_id: str, ontology: Ontology, names: tuple[str, ...] = DEFAULT_EXTRACTORS
        ) -> tuple[list[Mention], list[Candidate]]:
    """Typed mentions and candidate triples (not yet checked) for one document."""
    mentions: list[Mention] = []
    cands: list[Candidate] = []
    for name in names:
        ex = registry.get(name)
        if ex.kind == "entities":
            mentions.extend(ex.func(doc, doc_id, ontology))
        else:
            mentions, new = ex.func(doc, doc_id, mentions, ontology)
            cands.extend(new)
    return mentions, cands


def check(cands: list[Candidate], class_of: Callable[[Mention], str | None], ontology: Ontology
          ) -> tuple[list[Candidate], list[Rejected]]:
    """Split candidates into those that fit domain and range and those that do not (with why).

    ``class_of`` gives a mention's class after resolution (all mentions of one entity agree).
    """
    accepted, rejected = [], []
    for c in cands:
        subject_cls = "NewsArticle" if c.subject is None else class_of(c.subject)
        object_cls = class_of(c.object)
        if subject_cls is None or object_cls is None:
            rejected.append(Rejected(c, "an argument did not resolve to an entity"))
            continue
        reason = ontology.check(c.predicate, subject_cls, object_cls)
        if reason is None:
            accepted.append(c)
        else:
            rejected.append(Rejected(c, reason))
    return accepted, rejected
