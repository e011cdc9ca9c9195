"""The benchmark harnesses' core functions on a few hand-written examples (not benchmark data)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from kg.nlp import make_nlp
from kg.ontology import load_ontology

BENCH = Path(__file__).resolve().parent.parent / "benchmarks"


def _load(name: str):
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCH / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


conll04 = _load("conll04")
t2k = _load("text2kgbench")


# ------------------------------------------------------------------ CoNLL04
@pytest.mark.parametrize(("tags", "spans"), [
    (["B-Peop", "L-Peop", "O", "U-Org"], [(0, 2, "Peop"), (3, 4, "Org")]),
    (["O", "B-Loc", "I-Loc", "L-Loc"], [(1, 4, "Loc")]),
    (["U-Other", "U-Loc"], [(0, 1, "Other"), (1, 2, "Loc")]),
])
def test_bilou_spans(tags, spans):
    assert conll04.bilou_spans(tags) == spans


def test_token_offsets_map_characters_back_to_tokens():
    tokens = ["Ann", "Lee", "visited", "Oslo", "."]
    offsets = conll04.token_offsets(tokens)
    text = " ".join(tokens)
    assert [text[s:e] for s, e in offsets] == tokens
    assert conll04.char_to_tokens(offsets, 0, 7) == (0, 2)
    assert conll04.char_to_tokens(offsets, 16, 20) == (3, 4)
    assert conll04.char_to_tokens(offsets, 200, 210) is None


def test_strict_scores():
    rec = {"tokens": "Ann Lee works for Zeta Corp in Oslo .".split(),
           "tags": ["B-Peop", "L-Peop", "O", "O", "B-Org", "L-Org", "O", "U-Loc", "O"],
           "relations": [{"head": 0, "tail": 1, "type": "Work_For"},
                         {"head": 1, "tail": 2, "type": "OrgBased_In"}]}
    s = conll04.parse_record(rec)
    perfect = (s.gold_entities(), s.gold_relations())
    wrong_type = ({(0, 2, "Peop"), (4, 6, "Loc"), (7, 8, "Loc")},
                  {((0, 2, "Peop"), (4, 6, "Loc"), "Work_For")})
    assert conll04.score([s], [perfect])["relations"]["f1"] == 1.0
    r = conll04.score([s], [wrong_type])
    assert r["entities"]["tp"] == 2 and r["entities"]["predicted"] == 3
    assert r["relations"]["tp"] == 0 and r["relations"]["gold"] == 2
    assert any(line.startswith("relations micro P 0.000") for line in conll04.lines(r))


@pytest.fixture(scope="module")
def conll_kg(tmp_path_factory):
    f = conll04.write_ontology(tmp_path_factory.mktemp("c04") / "conll04.ttl")
    onto = load_ontology([f], core=False)
    return make_nlp("en_core_web_sm", onto), onto


@pytest.mark.parametrize(("text", "relation"), [
    ("Maria Lopez , a spokeswoman for Acme Corp. , said the plant would close .",
     (("Maria Lopez", "Peop"), ("Acme Corp.", "Org"), "Work_For")),
    ("Tom Becker was born in Springfield , Illinois .",
     (("Springfield", "Loc"), ("Illinois", "Loc"), "Located_In")),
    ("Police said John Carver shot Peter Mills in 1990 .",
     (("John Carver", "Peop"), ("Peter Mills", "Peop"), "Kill")),
])
def test_conll04_ontology_drives_kg(conll_kg, text, relation):
    nlp, onto = conll_kg
    s = conll04.Sentence(tuple(text.split()), (), ())
    [(ents, rels)] = conll04.predict([s], nlp, onto)

    def words(span):
        return " ".join(s.tokens[span[0]:span[1]]), span[2]

    assert relation in {(words(h), words(t), r) for h, t, r in rels}
    assert {words(e) for e in ents} >= {relation[0], relation[1]}


# ------------------------------------------------------------------ Text2KGBench
def test_relation_names_and_normalisation():
    r = t2k.Relation("spacecraft docking/undocking date", "Q1", "")
    assert r.name == "spacecraft_docking/undocking_date"
    assert r.local == "spacecraft_docking_undocking_date"
    assert t2k.normalize("Ann Lee", "member_of", "Zeta Party") == "annleememberofzetaparty"


@pytest.mark.parametrize(("text", "wikidata"), [
    ("1999", "01 January 1999"), ("5 March 2001", "05 March 2001"),
    ("March 5, 2001", "05 March 2001"), ("June 1987", "01 June 1987"), ("soon", "soon"),
    ("the year 1997", "01 January 1997"), ("February 25th, 2000", "25 February 2000"),
    ("1846 and 1848", "1846 and 1848"),
])
def test_wikidata_dates(text, wikidata):
    assert t2k.wikidata_date(text) == wikidata


def test_sentence_score_filters_to_gold_relations():
    gold = [t2k.Triple("Blue Harbor", "director", "Anna Kovacs")]
    system = {("Blue Harbor", "director", "Anna Kovacs"), ("Blue Harbor", "genre", "drama")}
    assert t2k.score_sentence(gold, system) == (1.0, 1.0, 1.0)
    assert t2k.score_sentence(gold, set()) == (0.0, 0.0, 0.0)
    wrong = {("Blue Harbor", "director", "Mark Stone"), ("Blue Harbor", "director", "Anna Kovacs")}
    assert t2k.score_sentence(gold, wrong) == pytest.approx((0.5, 1.0, 2 / 3))


def test_learn_convert_run_and_score(tmp_path):
    onto = t2k.Onto("ont_test", {"Q5": "human", "Q11424": "film"},
                    [t2k.Relation("director", "Q11424", "Q5")])
    train = [
        t2k.Example("Blue Harbor is a 1999 drama film directed by Anna Kovacs.",
                    [t2k.Triple("Blue Harbor", "director", "Anna Kovacs", "Q1", "Q2")]),
        t2k.Example("Red Valley is a 2003 comedy film directed by Mark Stone.",
                    [t2k.Triple("Red Valley", "director", "Mark Stone", "Q3", "Q4")]),
        t2k.Example("Green Lantern Night is a 1987 film directed by Paul Weber.",
                    [t2k.Triple("Green Lantern Night", "director", "Paul Weber", "Q5", "Q6")]),
    ]
    learned = t2k.learn(onto, train, make_nlp("en_core_web_sm"))
    assert learned.frames["director"] == ["direct: obj -> subj"]
    assert "PERSON" in learned.ner["Q5"]
    ttl = tmp_path / "ont_test.ttl"
    t2k.ontology_graph(onto, learned).serialize(ttl, format="turtle")
    ontology = load_ontology([ttl], core=False)
    assert ontology.check("director", "Film", "Human") is None
    valid = [t2k.Example("Silent Meadow is a 2004 film directed by Peter Lang.",
                         [t2k.Triple("Silent Meadow", "director", "Peter Lang")])]
    pred = t2k.predict(onto, valid, make_nlp("en_core_web_sm", ontology), ontology)
    assert pred == [{("Silent Meadow", "director", "Peter Lang")}]
    result = t2k.score(onto, valid, pred)
    assert result["f1"] == 1.0 and result["conformance"] == 1.0


def test_learned_class_features():
    onto = t2k.Onto("ont_test", {"Q5": "human", "Q1": "office", "Q2": "doctrine"}, [
        t2k.Relation("holds", "Q5", "Q1"), t2k.Relation("believes", "Q5", "Q2"),
        t2k.Relation("plays", "Q5", "")])
    offices = ["Mayor of Tarn", "Mayor of Ulm Vale", "Mayor of Brisk", "Lord Warden"]
    doctrines = ["localism", "mutualism", "agrarianism", "pacifism", "federalism", "Red Path"]
    train = [t2k.Example(f"Sentence {i}.", [t2k.Triple("Ann Lee", "holds", o, "Q9", "Q8")])
             for i, o in enumerate(offices)]
    train += [t2k.Example(f"Line {i}.", [t2k.Triple("Ann Lee", "believes", d, "Q9", "Q7")])
              for i, d in enumerate(doctrines)]
    train += [t2k.Example(f"Part {i}.", [t2k.Triple("Ann Lee", "plays", "cello", "Q9", "Q6")])
              for i in range(3)]
    assert t2k.phrase_heads(onto, train) == {"Q1": ["mayor"]}
    assert t2k.suffixes(onto, train) == {"Q2": ["ism"]}
    # a relation without a range whose objects are items gets a class of its own
    with_classes = t2k.with_object_classes(onto, train)
    plays = next(r for r in with_classes.relations if r.label == "plays")
    assert plays.range and with_classes.class_name(plays.range) == "Plays"
    dated = t2k.with_object_classes(onto, [t2k.Example("x", [t2k.Triple("A", "plays", "1999")])])
    assert next(r for r in dated.relations if r.label == "plays").range == ""


def test_class_cues_from_the_sentence():
    doc = make_nlp("en_core_web_sm")("Blue Harbor is a novel by Anna Kovacs.")
    assert "novel" in t2k.class_cues(doc[0:2])
