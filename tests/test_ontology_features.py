"""Ontology features for documents about one thing per sentence: kgo:structure "topic",
kgo:topicName, kgo:phraseCue, kgo:suffixCue, cue nouns before names, lifespans."""

from __future__ import annotations

import pytest
from spacy.lang.en import English
from spacy.tokens import Doc

from kg.build import accept
from kg.errors import OntologyError
from kg.extract import run
from kg.extract.entities import _people_by_dates, entity_mentions
from kg.graph import DocResult
from kg.nlp import make_nlp
from kg.ontology import load_ontology
from kg.records import Document, Mention
from kg.resolve import resolve

PREFIXES = """
@prefix kgo: <https://w3id.org/kg/ontology#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix ex: <https://example.org/lit#> .
"""

LITERATURE = PREFIXES + """
ex:Book a owl:Class ; kgo:headCue "novel" ; kgo:topicName true .
ex:Writer a owl:Class ; kgo:nerLabel "PERSON" .
ex:Office a owl:Class ; kgo:phraseCue "governor" .
ex:Doctrine a owl:Class ; kgo:suffixCue "ism" .
ex:Genus a owl:Class ; kgo:headCue "genus" .
ex:Firm a owl:Class ; kgo:headCue "company" .
ex:Year a owl:Class ; kgo:nerLabel "DATE" .
ex:Film a owl:Class ; kgo:headCue "film" .
ex:Town a owl:Class ; kgo:headCue "town" .
ex:author a owl:ObjectProperty ; rdfs:domain ex:Book ; rdfs:range ex:Writer ;
    kgo:structure "topic" .
ex:holds a owl:ObjectProperty ; rdfs:domain ex:Writer ; rdfs:range ex:Office ;
    kgo:structure "topic" .
ex:believesIn a owl:ObjectProperty ; rdfs:domain ex:Writer ; rdfs:range ex:Doctrine ;
    kgo:structure "topic" .
ex:translator a owl:ObjectProperty ; rdfs:domain ex:Book ; rdfs:range ex:Writer ;
    kgo:structure "topic" ; kgo:frame "translate: obj -> subj" .
"""


@pytest.fixture(scope="module")
def lit_ontology(tmp_path_factory):
    f = tmp_path_factory.mktemp("onto") / "lit.ttl"
    f.write_text(LITERATURE)
    return load_ontology([f], core=False)


@pytest.fixture(scope="module")
def lit(lit_ontology):
    onto = lit_ontology
    nlp = make_nlp("en_core_web_sm", onto)

    def _extract(text: str):
        doc = nlp(text)
        mentions, cands = run(doc, "t.txt", onto)
        res = DocResult(Document(id="t.txt", text=text, source="t.txt", format="text"),
                        tuple(mentions), tuple(cands))
        resolution = resolve(mentions, onto)
        res, _ = accept(res, resolution, onto)

        def label(m):
            return resolution.entities[resolution.iri(m)].label

        triples = {(label(c.subject), c.predicate, label(c.object)) for c in res.triples}
        return {(m.text, m.cls) for m in mentions}, triples

    return _extract


def test_features_load_from_turtle(lit_ontology):
    onto = lit_ontology
    assert onto.topic_classes == ("Book",)
    assert onto.phrase_cues == {"governor": "Office"}
    assert onto.suffix_cues == {"ism": "Doctrine"}
    assert onto.structures["topic"] == ("author", "believesIn", "holds", "translator")


def test_topic_name_and_topic_structure(lit):
    mentions, triples = lit("Quiet Rivers Under Glass is a novel by Marta Holm.")
    assert ("Quiet Rivers Under Glass", "Book") in mentions
    assert ("Quiet Rivers Under Glass", "author", "Marta Holm") in triples


@pytest.mark.parametrize(("text", "name"), [
    ("Quiet Rivers: A Winter Tale is a novel by Marta Holm.", "Quiet Rivers: A Winter Tale"),
    ("The 2031 Harbour Cup was a rowing regatta won by Marta Holm.", "2031 Harbour Cup"),
    ("The 1975 Ostland rowing season was the tenth season of the league.",
     "1975 Ostland rowing season"),
    ("In 2014 Lena Varga wrote Quiet Rivers.", None),  # 'In 2014' is no part of a name
    ('"It Will Be Morning" is a novel by Marta Holm.', "It Will Be Morning"),  # quoted title
])
def test_topic_name_extent(lit, text, name):
    mentions, _ = lit(text)
    names = {t for t, cls in mentions if cls == "Book"}
    assert names == ({name} if name else set())


def test_topic_is_a_common_name_without_its_article(lit):
    mentions, _ = lit("The silver lantern was written by Marta Holm.")
    assert ("silver lantern", "Book") in mentions
    # a class's own cue noun is no name: 'the novel' stands for some novel
    mentions, _ = lit("The novel was written by Marta Holm.")
    assert not any(cls == "Book" for _, cls in mentions)


def test_topic_only_where_no_specific_rule_found_the_property(lit):
    _, triples = lit("Quiet Rivers Under Glass was translated by Ola Brandt and praised by "
                     "Marta Holm.")
    assert ("Quiet Rivers Under Glass", "translator", "Ola Brandt") in triples
    assert ("Quiet Rivers Under Glass", "translator", "Marta Holm") not in triples
    # the property without a frame still relates the topic to both
    assert ("Quiet Rivers Under Glass", "author", "Marta Holm") in triples


def test_topic_typed_only_by_the_ner_takes_the_domain_its_sentence_needs(lit):
    # the NER calls the title a person (a Writer here); only a Book can have an author
    mentions, triples = lit("Peter Brandt Abroad was translated into Danish by Marta Holm.")
    assert ("Peter Brandt Abroad", "Book") in mentions
    assert ("Peter Brandt Abroad", "translator", "Marta Holm") in triples
    # a topic whose class fits a property the sentence has an object for keeps its class
    mentions, triples = lit("Lena Varga was the Governor of Nevada and a friend of Marta Holm.")
    assert ("Lena Varga", "Writer") in mentions
    assert ("Lena Varga", "holds", "Governor of Nevada") in triples


def test_phrase_cue_names_an_office(lit):
    mentions, triples = lit("Lena Varga was the fourth Governor of Nevada from 2010 to 2014.")
    assert ("Governor of Nevada", "Office") in mentions
    assert ("Lena Varga", "holds", "Governor of Nevada") in triples


def test_suffix_cue_names_a_doctrine(lit):
    mentions, triples = lit("Lena Varga is a supporter of federalism and democratic socialism.")
    assert {("federalism", "Doctrine"), ("democratic socialism", "Doctrine")} <= mentions
    assert ("Lena Varga", "believesIn", "federalism") in triples
    mentions, _ = lit("Lena Varga liked prism glass.")  # too short a stem
    assert not any(cls == "Doctrine" for _, cls in mentions)


def test_a_cue_noun_names_the_proper_noun_after_it(lit_ontology):
    # a parse as the small model gives it, with no entity found: 'Ortavia' hangs on 'in'
    words = ["It", "is", "in", "the", "genus", "Ortavia", ",", "a", "moth", "."]
    doc = Doc(English().vocab, words=words, spaces=[True] * 5 + [False] + [True] * 2 + [False] * 2,
              pos=["PRON", "AUX", "ADP", "DET", "NOUN", "PROPN", "PUNCT", "DET", "NOUN", "PUNCT"],
              deps=["nsubj", "ROOT", "prep", "det", "pobj", "pobj", "punct", "det", "appos",
                    "punct"],
              heads=[1, 1, 1, 4, 2, 2, 5, 8, 5, 1],
              lemmas=["it", "be", "in", "the", "genus", "Ortavia", ",", "a", "moth", "."])
    found = {(m.text, m.cls, m.label) for m in entity_mentions(doc, "d", lit_ontology)}
    assert found == {("Ortavia", "Genus", "CUE")}


def test_predicate_of_become_types_its_subject(lit):
    mentions, _ = lit("Velto Systems became a company in 2001.")
    assert ("Velto Systems", "Firm") in mentions


def test_the_predicate_noun_beats_the_names_last_word(lit):
    mentions, _ = lit("Ostvale Town is a 1999 film by Marta Holm.")
    assert ("Ostvale Town", "Film") in mentions
    mentions, _ = lit("Ostvale Town lies on a river.")
    assert ("Ostvale Town", "Town") in mentions


def test_a_value_is_not_typed_by_the_noun_it_modifies(lit):
    mentions, _ = lit("Blue Harbor is a 2011 film.")
    assert ("2011", "Year") in mentions
    assert ("2011", "Film") not in mentions


@pytest.mark.parametrize(("after", "person"), [
    (" (born 3 May 1950) is a painter.", True),
    (" (1907 - 1957) was a painter.", True),
    (" (March 4, 1907 – June 2, 1957) was a painter.", True),
    (" (2010) is a company.", False),
    (" is a painter.", False),
])
def test_a_lifespan_makes_a_person(ontology, after, person):
    text = "Arvid Noor" + after
    m = Mention(doc_id="d", text="Arvid Noor", start=0, end=10, cls="Organization", label="ORG")
    (out,) = _people_by_dates(text, [m], ontology)
    assert (out.cls == "Person") is person


def test_topic_name_must_be_a_flag(tmp_path):
    f = tmp_path / "bad.ttl"
    f.write_text(PREFIXES + 'ex:Book a owl:Class ; kgo:topicName "often" .')
    with pytest.raises(OntologyError, match="topicName must be true or false"):
        load_ontology([f], core=False)


ARTICLES = PREFIXES + """
ex:Stream a owl:Class ; kgo:headCue "river" ; kgo:topicName true ; kgo:nameArticle false .
ex:Movie a owl:Class ; kgo:headCue "film" ; kgo:nerLabel "WORK_OF_ART" ; kgo:topicName true ;
    kgo:nameArticle true .
ex:Sequel a owl:Class ; rdfs:subClassOf ex:Movie .
ex:Crew a owl:Class ; kgo:headCue "team" ; kgo:topicName true ; kgo:nameArticle false .
ex:director a owl:ObjectProperty ; rdfs:domain ex:Movie ; rdfs:range ex:Person ;
    kgo:structure "topic" .
ex:Person a owl:Class ; kgo:nerLabel "PERSON" .
ex:Place a owl:Class ; kgo:nerLabel "GPE", "LOC" .
"""


@pytest.fixture(scope="module")
def art_ontology(tmp_path_factory):
    f = tmp_path_factory.mktemp("onto") / "art.ttl"
    f.write_text(ARTICLES)
    return load_ontology([f], core=False)


def test_name_article_loads_and_is_inherited(art_ontology):
    assert art_ontology.name_articles == {"Stream": False, "Movie": True, "Sequel": True,
                                          "Crew": False}
    assert art_ontology.classes["Person"].name_article is None


def test_name_article_false_drops_a_leading_the(art_ontology):
    nlp = make_nlp("en_core_web_sm", art_ontology)
    text = "The Amber Fork is a river in Ostland."
    mentions = entity_mentions(nlp(text), "t.txt", art_ontology)
    assert [(m.text, m.cls, text[m.start:m.end]) for m in mentions if m.cls == "Stream"] == [
        ("Amber Fork", "Stream", "Amber Fork")]


def test_name_article_true_takes_the_capitalised_the_before_a_name(art_ontology):
    from kg.extract.entities import _name_articles

    text = "Filmed in Oslo, The Hour After Midnight and the Quiet Hour are sequels."
    def at(name, cls):
        i = text.index(name)
        return Mention(doc_id="t", text=name, start=i, end=i + len(name), cls=cls, label="X")

    out = _name_articles(text, [at("Oslo", "Place"), at("Hour After Midnight", "Sequel"),
                                at("Quiet Hour", "Sequel")], art_ontology)
    assert [(m.text, text[m.start:m.end]) for m in out] == [
        ("Oslo", "Oslo"), ("The Hour After Midnight", "The Hour After Midnight"),
        ("Quiet Hour", "Quiet Hour")]  # a lower-case 'the' is no part of a title


@pytest.mark.parametrize(("text", "name"), [
    ("The Ostland women's national rowing team represents Ostland in rowing.",
     "Ostland women's national rowing team"),
    ("The national team of Ostland won the cup.", None),  # no name after the article
    ("The team won the Ostland cup.", None),
])
def test_topic_name_may_end_in_a_topic_class_cue(art_ontology, text, name):
    nlp = make_nlp("en_core_web_sm", art_ontology)
    mentions = entity_mentions(nlp(text), "t.txt", art_ontology)
    assert [m.text for m in mentions if m.cls == "Crew"] == ([name] if name else [])


@pytest.mark.parametrize(("text", "expected"), [
    # the subject is no name: the name written as a possessor is what the sentence is about
    ("The score of The Glass Orchard's second act was written by Lena Varga.",
     {("The Glass Orchard", "director", "Lena Varga")}),
    ("Its director, Lena Varga, called The Glass Orchard's ending a surprise.",
     {("The Glass Orchard", "director", "Lena Varga")}),
    # a named subject stays the topic
    ("Lena Varga praised The Glass Orchard's score.", set()),
])
def test_topic_is_a_possessor_when_the_subject_is_no_name(art_ontology, text, expected):
    nlp = make_nlp("en_core_web_sm", art_ontology)
    mentions, cands = run(nlp(text), "t.txt", art_ontology)
    res = DocResult(Document(id="t.txt", text=text, source="t.txt", format="text"),
                    tuple(mentions), tuple(cands))
    resolution = resolve(mentions, art_ontology)
    res, _ = accept(res, resolution, art_ontology)

    def label(m):
        return resolution.entities[resolution.iri(m)].label

    assert {(label(c.subject), c.predicate, label(c.object)) for c in res.triples} == expected
