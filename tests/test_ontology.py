from __future__ import annotations

import pytest

from kg.errors import OntologyError
from kg.ontology import Frame, load_ontology

CORE_CLASSES = ["Agent", "Person", "Organization", "GovernmentOrganization", "MediaOrganization",
                "Place", "Country", "City", "Region", "Facility", "Artifact", "Spacecraft",
                "LaunchVehicle", "Event", "NewsArticle"]
CORE_PROPERTIES = ["leaderOf", "memberOf", "country", "locatedIn", "launchVehicle", "launchSite",
                   "launched", "operator", "manufacturer", "cooperatesWith", "attacked",
                   "sanctioned", "supplied", "opposes", "visited", "replaced", "citesSource",
                   "publisher", "mentions"]


@pytest.mark.parametrize("name", CORE_CLASSES)
def test_core_classes_are_declared(ontology, name):
    assert name in ontology.classes


@pytest.mark.parametrize("name", CORE_PROPERTIES)
def test_core_properties_are_declared(ontology, name):
    assert name in ontology.properties


def test_hierarchy_and_union_ranges(ontology):
    assert ontology.ancestors("Country") == {"Country", "Place", "Agent"}
    assert ontology.properties["leaderOf"].range == {"Organization", "Country"}
    assert ontology.properties["cooperatesWith"].symmetric
    assert not ontology.properties["attacked"].symmetric


@pytest.mark.parametrize(("prop", "s", "o", "ok"), [
    ("leaderOf", "Person", "Country", True),
    ("leaderOf", "Person", "GovernmentOrganization", True),
    ("leaderOf", "Country", "Person", False),
    ("launchVehicle", "Spacecraft", "LaunchVehicle", True),
    ("launchVehicle", "LaunchVehicle", "Spacecraft", False),
    ("citesSource", "NewsArticle", "MediaOrganization", True),
    ("citesSource", "NewsArticle", "Person", False),
])
def test_domain_range_check(ontology, prop, s, o, ok):
    assert (ontology.check(prop, s, o) is None) is ok


def test_cues_come_from_the_ontology(ontology):
    assert ontology.head_cues["satellite"] == "Spacecraft"
    assert ontology.head_cues["rocket"] == "LaunchVehicle"
    assert ontology.head_cues["news agency"] == "MediaOrganization"
    assert ontology.head_cues["agency"] == "GovernmentOrganization"
    assert "leaderOf" in ontology.title_cues["president"]
    invade = {p for p, _ in ontology.frames_by_lemma["invade"]}
    assert invade == {"attacked"}
    assert ("attacked", Frame("invasion", "NOUN", "poss", "prep:of")) in \
        ontology.frames_by_lemma["invasion"]


def test_gazetteer_demonyms(ontology):
    assert ontology.demonym_index["iranian"].label == "Iran"
    assert ontology.surface_index["u.s."].label == "United States"


def test_user_ontology_adds_a_property(tmp_path):
    f = tmp_path / "extra.ttl"
    f.write_text("""
@prefix kgo: <https://w3id.org/kg/ontology#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
kgo:acquired a owl:ObjectProperty ; rdfs:domain kgo:Organization ; rdfs:range kgo:Organization ;
    kgo:verbCue "acquire", "buy" .
""")
    onto = load_ontology([f])
    assert "acquired" in onto.properties
    assert {p for p, _ in onto.frames_by_lemma["buy"]} == {"acquired"}


@pytest.mark.parametrize(("body", "needle"), [
    ("kgo:p a owl:ObjectProperty ; rdfs:domain kgo:Nowhere .", "Nowhere"),
    ("kgo:p a owl:ObjectProperty ; kgo:frame \"launch obj subj\" .", "bad kgo:frame"),
    ("this is not turtle", "not valid RDF"),
    ("kgo:p a owl:ObjectProperty ; rdfs:domain kgo:Person ; rdfs:range kgo:Organization ;\n"
     "    kgo:titleCue \"boss\" ; kgo:qualifiedTitle kgo:workerOf .",
     r"bad\.ttl: property p has kgo:qualifiedTitle 'workerOf', which no ontology file declares"),
])
def test_bad_ontology_names_file_and_fix(tmp_path, body, needle):
    f = tmp_path / "bad.ttl"
    f.write_text("@prefix kgo: <https://w3id.org/kg/ontology#> .\n"
                 "@prefix owl: <http://www.w3.org/2002/07/owl#> .\n"
                 "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n" + body)
    with pytest.raises(OntologyError, match=needle):
        load_ontology([f])


def test_missing_ontology_file(tmp_path):
    with pytest.raises(OntologyError, match="no such ontology file"):
        load_ontology([tmp_path / "nope.ttl"])


def test_shapes_cover_every_property_with_domain_or_range(ontology):
    from pathlib import Path

    from rdflib import Graph, Namespace

    sh = Namespace("http://www.w3.org/ns/shacl#")
    shapes = Graph().parse(Path(ontology.files[0]).parent / "shapes.ttl")
    targeted = {str(o).rsplit("#", 1)[-1] for o in shapes.objects(None, sh.targetSubjectsOf)
                if str(o).startswith("https://w3id.org/kg/ontology#")}
    expected = {n for n, p in ontology.properties.items() if p.domain}
    assert targeted == expected
