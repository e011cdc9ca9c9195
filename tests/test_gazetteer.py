"""Checks on the bundled general-knowledge gazetteer (ontology/gazetteer.ttl)."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest
from rdflib import RDF, RDFS, SKOS, Graph, Literal, Namespace

KGO = Namespace("https://w3id.org/kg/ontology#")
KGE = Namespace("https://w3id.org/kg/id/")

GAZETTEER = Path(__file__).resolve().parents[1] / "ontology" / "gazetteer.ttl"
SURFACE_PREDICATES = (RDFS.label, SKOS.altLabel, KGO.demonym)


@pytest.fixture(scope="module")
def graph() -> Graph:
    g = Graph()
    g.parse(GAZETTEER, format="turtle")
    return g


def _entries(g: Graph, cls=None):
    classes = (cls,) if cls is not None else (KGO.Country, KGO.Region, KGO.City)
    return {s for c in classes for s in g.subjects(RDF.type, c)}


def _label(g: Graph, entry) -> str:
    return str(g.value(entry, RDFS.label))


def _by_label(g: Graph, label: str):
    hits = [s for s in _entries(g) if _label(g, s) == label]
    assert len(hits) == 1, f"expected exactly one entry labelled {label!r}, got {hits}"
    return hits[0]


def _owners(g: Graph, predicate, text: str) -> set:
    key = text.casefold()
    return {s for s, o in g.subject_objects(predicate) if str(o).casefold() == key}


def test_file_starts_with_explanatory_comment():
    head = GAZETTEER.read_text(encoding="utf-8").splitlines()[0:20]
    assert head[0].startswith("#")
    assert any("--ontology" in line for line in head)


def test_country_and_region_counts(graph):
    countries = _entries(graph, KGO.Country)
    regions = _entries(graph, KGO.Region)
    assert len(countries) >= 190
    assert len(regions) >= 30
    cities = _entries(graph, KGO.City)
    assert len(cities) >= 200
    assert not countries & regions, "an entry is typed both Country and Region"
    assert not cities & (countries | regions), "a city is typed Country or Region too"


def test_every_entry_has_exactly_one_english_label(graph):
    for entry in _entries(graph):
        labels = list(graph.objects(entry, RDFS.label))
        assert len(labels) == 1, f"{entry} has labels {labels}"
        assert isinstance(labels[0], Literal) and labels[0].language == "en"


def test_every_subject_is_a_typed_entry(graph):
    entries = _entries(graph)
    for s in set(graph.subjects()):
        assert s in entries, f"{s} is not typed kgo:Country, kgo:Region or kgo:City"
        assert str(s).startswith(str(KGE))


def test_no_surface_string_shared_between_entries(graph):
    owners: dict[str, set] = defaultdict(set)
    for predicate in SURFACE_PREDICATES:
        for s, o in graph.subject_objects(predicate):
            owners[str(o).casefold()].add(s)
    shared = {text: sorted(map(str, ss)) for text, ss in owners.items() if len(ss) > 1}
    assert not shared, f"surface strings on several entries: {shared}"


def test_region_labels_differ_from_country_labels(graph):
    country_labels = {_label(graph, s).casefold() for s in _entries(graph, KGO.Country)}
    region_labels = {_label(graph, s).casefold() for s in _entries(graph, KGO.Region)}
    assert not country_labels & region_labels


def test_region_labels_have_no_leading_article(graph):
    for entry in _entries(graph, KGO.Region):
        assert not _label(graph, entry).lower().startswith("the ")


@pytest.mark.parametrize(
    "label",
    [
        "United States", "United Kingdom", "Russia", "China", "Iran", "Ukraine",
        "South Korea", "North Korea", "Czech Republic", "Vatican City", "Palestine",
        "Kosovo", "Taiwan", "Soviet Union", "Yugoslavia", "Czechoslovakia",
        "East Germany", "West Germany", "Democratic Republic of the Congo",
        "Republic of the Congo",
    ],
)
def test_expected_countries_present(graph, label):
    assert (_by_label(graph, label), RDF.type, KGO.Country) in graph


@pytest.mark.parametrize(
    "label",
    [
        "Middle East", "Europe", "Africa", "Latin America", "Arctic", "Balkans",
        "Caucasus", "Sahel", "Horn of Africa", "Indo-Pacific", "Persian Gulf",
        "Southeast Asia", "Sub-Saharan Africa", "Caribbean", "Atlantic",
    ],
)
def test_expected_regions_present(graph, label):
    assert (_by_label(graph, label), RDF.type, KGO.Region) in graph


@pytest.mark.parametrize(
    ("text", "predicate", "label"),
    [
        ("U.S.", SKOS.altLabel, "United States"),
        ("USA", SKOS.altLabel, "United States"),
        ("America", SKOS.altLabel, "United States"),
        ("American", KGO.demonym, "United States"),
        ("Americans", KGO.demonym, "United States"),
        ("UK", SKOS.altLabel, "United Kingdom"),
        ("Britain", SKOS.altLabel, "United Kingdom"),
        ("British", KGO.demonym, "United Kingdom"),
        ("Britons", KGO.demonym, "United Kingdom"),
        ("Russian Federation", SKOS.altLabel, "Russia"),
        ("Iranian", KGO.demonym, "Iran"),
        ("Islamic Republic", SKOS.altLabel, "Iran"),
        ("UAE", SKOS.altLabel, "United Arab Emirates"),
        ("DRC", SKOS.altLabel, "Democratic Republic of the Congo"),
        ("Ivory Coast", SKOS.altLabel, "Cote d'Ivoire"),
        ("Dutch", KGO.demonym, "Netherlands"),
        ("Filipino", KGO.demonym, "Philippines"),
        ("Philippine", KGO.demonym, "Philippines"),
        ("USSR", SKOS.altLabel, "Soviet Union"),
        ("Soviet", KGO.demonym, "Soviet Union"),
        ("GDR", SKOS.altLabel, "East Germany"),
        ("Middle Eastern", KGO.demonym, "Middle East"),
        ("Gulf", SKOS.altLabel, "Persian Gulf"),
    ],
)
def test_spot_checks(graph, text, predicate, label):
    owners = _owners(graph, predicate, text)
    assert owners == {_by_label(graph, label)}


def test_iri_local_names(graph):
    assert (KGE.United_States, RDFS.label, Literal("United States", lang="en")) in graph
    assert (KGE.Cote_dIvoire, RDF.type, KGO.Country) in graph
    assert (KGE.Middle_East, RDF.type, KGO.Region) in graph


@pytest.mark.parametrize(
    "text",
    ["Western", "European", "Arab", "Asian", "African", "Latin",
     "Congolese", "Korean", "Sudanese", "Dominican"],
)
def test_bloc_and_ambiguous_demonyms_absent(graph, text):
    assert not _owners(graph, KGO.demonym, text)


def test_ambiguous_names_absent(graph):
    for text in ("Congo", "Korea", "mainland China"):
        for predicate in SURFACE_PREDICATES:
            assert not _owners(graph, predicate, text), text
