"""Tests for kg.stats: counts, centrality and communities of the entity network."""

from __future__ import annotations

import json
from pathlib import Path

import networkx as nx
import pytest
from typer.testing import CliRunner

from kg.cli import app
from kg.export import load_graph
from kg.graph import new_dataset
from kg.netexport import entity_network
from kg.stats import graph_stats, network_stats, render_stats

SAMPLE = Path(__file__).parent / "data" / "network_sample.trig"
KGE = "https://w3id.org/kg/id/"


@pytest.fixture(scope="module")
def stats():
    return graph_stats(load_graph(SAMPLE))


def test_counts(stats):
    assert stats["documents"] == 2
    assert stats["entities"] == 5
    assert stats["relations"] == 4
    assert stats["evidence"] == 5
    assert stats["mentions"] == 14
    assert stats["isolated_entities"] == 1
    assert stats["connected_components"] == 1 and stats["largest_component"] == 4


def test_per_class_and_relation(stats):
    assert stats["classes"] == {"City": 1, "Country": 1, "Organization": 1, "Person": 1,
                                "Region": 1}
    assert stats["relation_counts"] == {"country": 1, "leaderOf": 1, "locatedIn": 1,
                                        "memberOf": 1}
    # relations from an article are not entity edges, but they are counted
    assert stats["document_relations"] == {"citesSource": 1}


def test_top_entities(stats):
    assert [(e["label"], e["degree"]) for e in stats["top_degree"]] == [
        ("Zeta <Corp> & Sons", 3), ("Ada Nkosi", 2), ("Freedonia", 2), ("Port Vale", 1)]
    # Zeta and Freedonia are the cut points of the path Ada - Zeta - Freedonia - Port Vale
    assert [e["id"] for e in stats["top_betweenness"]] == [KGE + "Zeta_Corp", KGE + "Freedonia"]
    assert stats["top_betweenness"][0]["betweenness"] == pytest.approx(1 / 3, abs=1e-4)
    assert not stats["betweenness_sampled"]


def test_communities(stats):
    c = stats["communities"]
    assert c["method"] == "louvain" and c["seed"] == 0
    assert sorted(sorted(g["members"]) for g in c["largest"]) == [
        ["Ada Nkosi", "Zeta <Corp> & Sons"], ["Freedonia", "Port Vale"]]
    assert c["modularity"] > 0


def test_same_graph_same_stats():
    a = graph_stats(load_graph(SAMPLE))
    b = graph_stats(load_graph(SAMPLE))
    assert json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


def test_stats_are_json_serialisable(stats):
    assert json.loads(json.dumps(stats)) == stats


def test_render_text(stats):
    text = render_stats(stats)
    for needle in ("documents             2", "entities              5 (1 without relations)",
                   "Organization", "leaderOf", "citesSource", "1. Zeta <Corp> & Sons (Organization)  3",
                   "communities (louvain, seed 0): 2 with 2+ entities"):
        assert needle in text, needle
    assert text.endswith("\n")


def test_empty_graph():
    s = graph_stats(new_dataset())
    assert s["entities"] == 0 and s["relations"] == 0 and s["communities"]["count"] == 0
    assert "(none)" in render_stats(s)


def test_big_network_samples_betweenness():
    g = nx.MultiDiGraph()
    for i in range(1200):
        g.add_node(str(i), label=f"n{i}", cls="Person", mentions=1)
    for i in range(1199):
        g.add_edge(str(i), str(i + 1), key="knows", relation="knows", evidence_count=1)
    s = network_stats(g, top=3)
    assert s["betweenness_sampled"]
    assert len(s["top_betweenness"]) == 3
    assert s["communities"]["count"] >= 2


def test_network_stats_matches_graph_stats():
    ds = load_graph(SAMPLE)
    assert network_stats(entity_network(ds)) == graph_stats(ds)


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_cli_stats(fmt):
    result = CliRunner().invoke(app, ["stats", "--graph", str(SAMPLE), "--format", fmt])
    assert result.exit_code == 0, result.output
    if fmt == "json":
        assert json.loads(result.output)["entities"] == 5
    else:
        assert "top entities by degree" in result.output


@pytest.mark.parametrize("args, message", [
    (["--format", "xml"], "--format must be text or json, not 'xml'"),
    (["--graph", "missing.ttl"], "no such graph file"),
    (["--graph", "graph.csv"], "unknown graph format"),
])
def test_cli_stats_errors(args, message):
    if "--graph" not in args:
        args = ["--graph", str(SAMPLE), *args]
    result = CliRunner().invoke(app, ["stats", *args])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("kg: error: ") and message in lines[0]


def test_every_new_command_has_help():
    for cmd in ("view", "stats"):
        result = CliRunner().invoke(app, [cmd, "--help"])
        assert result.exit_code == 0 and "--graph" in result.output
