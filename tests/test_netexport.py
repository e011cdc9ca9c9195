"""Tests for kg.netexport: the entity network and its GraphML, GEXF and CSV export."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import networkx as nx
import pytest

from kg.errors import OutputError
from kg.export import load_graph
from kg.graph import new_dataset
from kg.netexport import entity_network, export_network, scalar_network

SAMPLE = Path(__file__).parent / "data" / "network_sample.trig"
KGE = "https://w3id.org/kg/id/"
KGO = "https://w3id.org/kg/ontology#"


@pytest.fixture(scope="module")
def ds():
    return load_graph(SAMPLE)


@pytest.fixture(scope="module")
def g(ds):
    return entity_network(ds)


def test_entities_are_nodes_documents_are_not(g):
    assert sorted(g.nodes) == [KGE + n for n in
                               ("Ada_Nkosi", "Freedonia", "Lonely_Sea", "Port_Vale", "Zeta_Corp")]
    assert not any("/doc/" in n or "/evidence/" in n for n in g.nodes)


def test_node_attributes(g):
    zeta = g.nodes[KGE + "Zeta_Corp"]
    assert zeta["label"] == "Zeta <Corp> & Sons"
    assert zeta["cls"] == "Organization" and zeta["class_iri"] == KGO + "Organization"
    assert zeta["aliases"] == ("Zeta",)
    assert zeta["mentions"] == 6  # 2 in a.txt + 4 in b.txt
    assert zeta["documents"] == (("https://w3id.org/kg/doc/b_txt", 4),
                                 ("https://w3id.org/kg/doc/a_txt", 2))
    # an alias from another document's graph is merged
    assert g.nodes[KGE + "Freedonia"]["aliases"] == ("Freedonian",)


def test_relations_are_edges_with_evidence(g):
    edges = {(s, k, o): a for s, o, k, a in g.edges(keys=True, data=True)}
    assert set(edges) == {
        (KGE + "Ada_Nkosi", "leaderOf", KGE + "Zeta_Corp"),
        (KGE + "Ada_Nkosi", "memberOf", KGE + "Zeta_Corp"),
        (KGE + "Port_Vale", "locatedIn", KGE + "Freedonia"),
        (KGE + "Zeta_Corp", "country", KGE + "Freedonia"),
    }
    country = edges[(KGE + "Zeta_Corp", "country", KGE + "Freedonia")]
    assert country["predicate"] == KGO + "country"
    assert country["evidence_count"] == 2
    assert country["evidence"] == ("https://w3id.org/kg/evidence/r4",
                                   "https://w3id.org/kg/evidence/r5")
    assert g.graph["documents"] == 2
    assert g.graph["document_relations"] == {"citesSource": 1}


def test_mentions_is_not_an_edge(g):
    assert "mentions" not in {k for *_, k in g.edges(keys=True)}


def test_same_network_from_turtle(ds, tmp_path):
    # without named graphs (Turtle) the network is the same
    from kg.export import export

    ttl = export(ds, tmp_path / "sample.ttl")
    g2 = entity_network(load_graph(ttl))
    g1 = entity_network(ds)
    assert nx.utils.graphs_equal(scalar_network(g1), scalar_network(g2))


def test_majority_class_wins():
    from rdflib import RDF, RDFS, Literal, URIRef

    from kg.ontology import KGO as NS

    d = new_dataset()
    e = URIRef(KGE + "Springfield")
    for i, cls in enumerate(("City", "City", "Region")):
        graph = d.graph(URIRef(f"https://w3id.org/kg/doc/d{i}"))
        graph.add((e, RDF.type, NS[cls]))
        graph.add((e, RDFS.label, Literal("Springfield")))
    d.default_union = True
    net = entity_network(d)
    assert net.nodes[str(e)]["cls"] == "City"
    assert net.nodes[str(e)]["types"] == ("City", "Region")


def test_graphml_round_trip(g, tmp_path):
    [path] = export_network(g, tmp_path / "net.graphml")
    back = nx.read_graphml(path, force_multigraph=True)
    assert back.number_of_nodes() == 5 and back.number_of_edges() == 4
    assert back.nodes[KGE + "Zeta_Corp"]["label"] == "Zeta <Corp> & Sons"
    assert back.nodes[KGE + "Zeta_Corp"]["class"] == "Organization"
    assert back.nodes[KGE + "Zeta_Corp"]["mentions"] == 6
    assert sorted(a["relation"] for *_, a in back.edges(data=True)) == [
        "country", "leaderOf", "locatedIn", "memberOf"]


def test_gexf_round_trip(ds, tmp_path):
    [path] = export_network(ds, tmp_path / "net.gexf")
    text = path.read_text(encoding="utf-8")
    assert "lastmodifieddate" not in text
    back = nx.read_gexf(path)
    assert back.number_of_nodes() == 5 and back.number_of_edges() == 4
    assert back.nodes[KGE + "Ada_Nkosi"]["label"] == "Ada Nkosi"


def test_csv_files(ds, tmp_path):
    paths = export_network(ds, tmp_path / "net.csv")
    assert [p.name for p in paths] == ["net-nodes.csv", "net-edges.csv"]
    with paths[0].open(encoding="utf-8", newline="") as fh:
        nodes = list(csv.DictReader(fh))
    with paths[1].open(encoding="utf-8", newline="") as fh:
        edges = list(csv.DictReader(fh))
    assert list(nodes[0]) == ["id", "label", "class", "mentions"]
    assert list(edges[0]) == ["source", "target", "relation", "evidence_count"]
    zeta = next(r for r in nodes if r["id"] == KGE + "Zeta_Corp")
    assert zeta == {"id": KGE + "Zeta_Corp", "label": "Zeta <Corp> & Sons",
                    "class": "Organization", "mentions": "6"}
    assert {(r["relation"], r["evidence_count"]) for r in edges} == {
        ("leaderOf", "1"), ("memberOf", "1"), ("locatedIn", "1"), ("country", "2")}


@pytest.mark.parametrize("make", [lambda p: p.mkdir() or p, lambda p: p])
def test_csv_into_a_directory(ds, tmp_path, make):
    target = make(tmp_path / "network")
    paths = export_network(ds, target)
    assert [p.name for p in paths] == ["nodes.csv", "edges.csv"]
    assert all(p.parent == tmp_path / "network" and p.is_file() for p in paths)


@pytest.mark.parametrize("suffix", [".graphml", ".gexf", ".csv"])
def test_same_bytes_across_processes(tmp_path, suffix):
    script = ("import sys; from kg.export import load_graph; "
              "from kg.netexport import export_network; "
              "print(*export_network(load_graph(sys.argv[1]), sys.argv[2]))")
    outputs = []
    for seed in ("1", "2"):
        out = tmp_path / seed / f"net{suffix}"
        proc = subprocess.run([sys.executable, "-c", script, str(SAMPLE), str(out)], check=True,
                              capture_output=True, text=True,
                              env={**os.environ, "PYTHONHASHSEED": seed})
        outputs.append([Path(p).read_bytes() for p in proc.stdout.split()])
    assert outputs[0] == outputs[1]


@pytest.mark.parametrize("name", ["net.json", "net.txt", "net.graph"])
def test_unknown_suffix_is_an_error(ds, tmp_path, name):
    with pytest.raises(OutputError, match=r"unknown network format .*\.graphml, \.gexf, \.csv"):
        export_network(ds, tmp_path / name)


def test_unwritable_path_is_an_error(ds, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(OutputError, match="cannot write"):
        export_network(ds, blocker / "net.graphml")


def test_empty_graph_exports(tmp_path):
    paths = export_network(new_dataset(), tmp_path / "empty.csv")
    assert paths[0].read_text() == "id,label,class,mentions\n"
    assert paths[1].read_text() == "source,target,relation,evidence_count\n"
