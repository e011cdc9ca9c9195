"""The attribute ruler's indexed matcher finds exactly what spaCy's Matcher finds."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pytest
import spacy
from spacy.attrs import DEP, HEAD, LEMMA, MORPH, POS, TAG
from spacy.matcher import Matcher
from spacy.tokens import Doc, Span

from kg.attrmatch import IndexedMatcher, index_attribute_ruler
from kg.io import read_documents

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "news"
# the ruler's rare rules: contractions, "gonna", "let's", whitespace tokens, a regex
TRICKY = ("I ain't sure we're gonna make it, let's see.  She'd've said so.\n\n"
          "They gotta go; Y'all don't know what 's up.\t\tWhat's that?  It's 5 o'clock.")


def texts() -> list[str]:
    return [TRICKY, "", " ", "Hi"] + [d.text for d in read_documents([str(EXAMPLES)])]


def both(matcher: IndexedMatcher, doc: Doc) -> tuple[list, list]:
    return (sorted(matcher.matcher(doc, allow_missing=True)),
            sorted(matcher(doc, allow_missing=True)))


def test_kg_pipeline_ruler_files_every_rule_and_matches_as_spacy(nlp):
    ruler = nlp.get_pipe("attribute_ruler")
    indexed = ruler.matcher
    assert isinstance(indexed, IndexedMatcher)
    # every rule of the model's ruler is in the index: no call falls back to the Matcher
    assert indexed.unfiled == 0 and indexed.rest is None
    assert indexed.filed == len(indexed.matcher) == len(ruler.attrs) > 100
    with nlp.select_pipes(disable=["attribute_ruler", "lemmatizer", "ner"]):
        docs = list(nlp.pipe(texts()))
    total = 0
    for doc in docs:
        spacy_matches, ours = both(indexed, doc)
        assert ours == spacy_matches, doc.text[:60]
        assert len(set(ours)) == len(ours)  # each match once, as the Matcher gives it
        total += len(ours)
    assert total > sum(len(d) for d in docs)  # most tokens match a tag rule, some several


def test_same_annotations_as_spacys_ruler(nlp):
    """The whole pipeline with the index sets the same tags, POS, morphology and lemmas."""
    ruler = nlp.get_pipe("attribute_ruler")
    fast = list(nlp.pipe(texts()))
    indexed = ruler.matcher
    try:
        ruler.matcher = indexed.matcher
        slow = list(nlp.pipe(texts()))
    finally:
        ruler.matcher = indexed
    cols = [TAG, POS, MORPH, LEMMA, DEP, HEAD]
    for a, b in zip(fast, slow, strict=True):
        assert np.array_equal(a.to_array(cols), b.to_array(cols))
        assert [str(t.morph) for t in a] == [str(t.morph) for t in b]
        assert [(e.text, e.label_) for e in a.ents] == [(e.text, e.label_) for e in b.ents]
    # and the ruler did its work: "ai" of "ain't" lemmatised to "be" by a two-token rule
    assert [t.lemma_ for t in fast[0] if t.lower_ == "ai"] == ["be"]


def annotated(vocab) -> Doc:
    words = ["The", "big", "dog", "ran", " ", "home", "quickly", "!", "Dogs", "run", "."]
    tags = ["DT", "JJ", "NN", "VBD", "_SP", "NN", "RB", ".", "NNS", "VBP", "."]
    deps = ["det", "amod", "nsubj", "ROOT", "dep", "advmod", "advmod", "punct", "nsubj", "ROOT",
            "punct"]
    heads = [2, 2, 3, 3, 3, 3, 3, 3, 9, 9, 9]
    return Doc(vocab, words=words, tags=tags, deps=deps, heads=heads)


def test_each_kind_of_rule_matches_as_spacy_and_unfiled_ones_fall_back():
    nlp = spacy.blank("en")
    m = Matcher(nlp.vocab)
    m.add("tag", [[{"TAG": "NN"}]])
    m.add("tag_in", [[{"TAG": {"IN": ["NN", "NNS"]}}], [{"TAG": "NN"}]])  # two ways to one span
    m.add("lower_and_dep", [[{"LOWER": "dog", "DEP": "nsubj"}]])
    m.add("not_in", [[{"TAG": {"NOT_IN": ["NN", "DT"]}, "IS_SPACE": False}]])
    m.add("regex", [[{"LOWER": {"REGEX": "^d.g"}}]])
    m.add("flag", [[{"IS_SPACE": True}]])
    m.add("two", [[{"TAG": "JJ"}, {"LOWER": "dog"}], [{"TEXT": "ran"}, {"IS_PUNCT": False}]])
    m.add("at_end", [[{"TAG": "VBP"}, {"ORTH": "."}, {"ORTH": "x"}]])  # runs off the end
    m.add("empty_in", [[{"TAG": {"IN": []}}]])
    m.add("operator", [[{"TAG": "RB", "OP": "+"}]])  # quantifier: left to the Matcher
    m.add("length", [[{"LENGTH": 3}]])  # attribute the index does not read
    indexed = IndexedMatcher(m)
    assert (indexed.filed, indexed.unfiled) == (9, 2)
    doc = annotated(nlp.vocab)
    spacy_matches, ours = both(indexed, doc)
    assert ours == spacy_matches
    names = {nlp.vocab.strings[k] for k, _, _ in ours}
    assert names == {"tag", "tag_in", "lower_and_dep", "not_in", "regex", "flag", "two",
                     "operator", "length"}
    # a rule added afterwards is filed before the next call
    m.add("later", [[{"LOWER": "home"}]])
    spacy_matches, ours = both(indexed, doc)
    assert ours == spacy_matches and (indexed.filed, indexed.unfiled) == (10, 2)
    m.add("later", [[{"LOWER": "run"}]])  # one more pattern under a rule it has
    spacy_matches, ours = both(indexed, doc)
    assert ours == spacy_matches and ("later", 9, 10) in {(nlp.vocab.strings[k], s, e)
                                                          for k, s, e in ours}
    # calls other than the ruler's go to the Matcher as they are
    spans = indexed(doc, as_spans=True, allow_missing=True)
    assert all(isinstance(s, Span) for s in spans) and len(spans) == len(ours)
    assert len(indexed) == len(m) and "later" in indexed
    # it pickles (spawned processes get pipelines so): the copy files the same rules
    copy = pickle.loads(pickle.dumps(indexed))
    assert (copy.filed, copy.unfiled) == (10, 2)
    assert sorted(copy(annotated(copy.vocab), allow_missing=True)) == sorted(
        copy.matcher(annotated(copy.vocab), allow_missing=True))


def test_pipeline_without_attribute_ruler_is_left_alone():
    nlp = spacy.blank("en")
    assert index_attribute_ruler(nlp) is None
    assert nlp("a b").text == "a b"


def test_a_matcher_it_cannot_read_is_kept(monkeypatch):
    """A spaCy whose Matcher keeps its rules elsewhere: the ruler keeps spaCy's Matcher."""
    import kg.attrmatch

    nlp = spacy.blank("en")
    ruler = nlp.add_pipe("attribute_ruler")
    ruler.add([[{"LOWER": "dogs"}]], {"LEMMA": "dog"})

    def unreadable(matcher):
        raise AttributeError("'Matcher' object has no attribute '_patterns'")

    monkeypatch.setattr(kg.attrmatch, "IndexedMatcher", unreadable)
    assert index_attribute_ruler(nlp) is None
    assert isinstance(ruler.matcher, Matcher)
    assert [t.lemma_ for t in nlp("dogs")] == ["dog"]


@pytest.mark.parametrize("text", ["", "  \n  ", "x"])
def test_tiny_docs(nlp, text):
    indexed = nlp.get_pipe("attribute_ruler").matcher
    with nlp.select_pipes(disable=["attribute_ruler", "lemmatizer", "ner"]):
        doc = nlp(text)
    spacy_matches, ours = both(indexed, doc)
    assert ours == spacy_matches
