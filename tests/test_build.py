"""End to end: files in, graph out, through the real pipeline and the real CLI."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic

from kg.build import BuildConfig, build, build_dataset
from kg.export import FORMATS, load_graph, serialize

KGO = "https://w3id.org/kg/ontology#"
EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "news"

ARTICLE_TXT = (
    "Chilean President Rosa Quispe visited Peru on Monday.\n\n"
    "The Condor-2 satellite was launched by a Vega rocket from the Kourou Spaceport, "
    "Agence France-Presse reported.\n"
)
ARTICLE_MD = """---
title: "Andean partners sign a space accord"
date: 2026-02-03
link: https://news.example.org/andes-accord
tags: [space, diplomacy]
---
<p>Chile and Peru signed an agreement on satellite data, according to Reuters.</p>
<p><a href="https://news.example.org/other"><strong>READ: ANOTHER STORY ENTIRELY</strong></a></p>
<p>Quispe said the accord would help farmers.</p>
"""

EVIDENCE_QUERY = """
PREFIX kgo: <https://w3id.org/kg/ontology#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX dcterms: <http://purl.org/dc/terms/>
SELECT ?sentence ?id ?start ?end ?extractor ?confidence WHERE {
  ?s kgo:leaderOf ?o .
  ?ev rdf:subject ?s ; rdf:predicate kgo:leaderOf ; rdf:object ?o ;
      kgo:sentence ?sentence ; kgo:startChar ?start ; kgo:endChar ?end ;
      kgo:extractor ?extractor ; kgo:confidence ?confidence ; prov:wasDerivedFrom ?doc .
  ?doc dcterms:identifier ?id .
}
"""


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    d = tmp_path_factory.mktemp("corpus")
    (d / "andes.txt").write_text(ARTICLE_TXT)
    (d / "accord.md").write_text(ARTICLE_MD)
    (d / "empty.txt").write_text("")
    (d / "broken.md").write_text("---\ntitle: [unclosed\n---\nBody text here.\n")
    (d / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(64))
    return d


@pytest.fixture(scope="module")
def built(corpus):
    return build_dataset([str(corpus)], BuildConfig())


def test_bad_files_are_skipped_and_the_rest_builds(built):
    ds, summary = built
    assert summary.documents == 2
    reasons = summary.skipped_by_reason()
    assert reasons.get("empty") == 1 and reasons.get("bad-front-matter") == 1
    assert sum(reasons.values()) == 3  # the PNG too
    assert any("broken.md" in s.message for s in summary.skipped)


def test_facts_and_their_evidence_are_queryable(built):
    ds, _ = built
    rows = list(ds.query(EVIDENCE_QUERY))
    assert len(rows) == 1
    sentence, doc_id, start, end, extractor, confidence = rows[0]
    assert str(sentence) == "Chilean President Rosa Quispe visited Peru on Monday."
    assert str(doc_id) == "andes.txt"
    assert ARTICLE_TXT[int(start):int(end)] == str(sentence)
    assert str(extractor) == "relations.dependency.v1"
    assert 0 < float(confidence) <= 1


def test_document_metadata_and_cross_document_resolution(built):
    ds, _ = built
    g = Graph()
    for s, p, o, _ in ds.quads():
        g.add((s, p, o))
    doc = next(s for s, o in g.subject_objects(URIRef("http://purl.org/dc/terms/identifier"))
               if str(o) == "accord.md")
    values = {str(o) for o in g.objects(doc, None)}
    assert "Andean partners sign a space accord" in values
    assert "2026-02-03" in values
    assert "https://news.example.org/andes-accord" in values
    # 'Quispe' in one article and 'Rosa Quispe' in the other are one node
    quispe = set(g.subjects(URIRef("http://www.w3.org/2000/01/rdf-schema#label"),
                            Literal("Rosa Quispe")))
    assert len(quispe) == 1
    alt = {str(o) for o in g.objects(next(iter(quispe)),
                                     URIRef("http://www.w3.org/2004/02/skos/core#altLabel"))}
    assert alt == {"Quispe"}
    coop = URIRef(KGO + "cooperatesWith")
    pairs = {(str(g.value(s, URIRef("http://www.w3.org/2000/01/rdf-schema#label"))),
              str(g.value(o, URIRef("http://www.w3.org/2000/01/rdf-schema#label"))))
             for s, o in g.subject_objects(coop)}
    assert pairs == {("Chile", "Peru")}
    # the link-only teaser paragraph is not in the graph
    assert not any("ANOTHER STORY" in str(o) for o in g.objects())


@pytest.mark.parametrize("suffix", sorted(FORMATS))
def test_every_format_round_trips(built, suffix, tmp_path):
    ds, _ = built
    out = tmp_path / f"g{suffix}"
    out.write_bytes(serialize(ds, suffix))
    back = load_graph(out)
    a, b = Graph(), Graph()
    for s, p, o, _ in ds.quads():
        a.add((s, p, o))
    for s, p, o, _ in back.quads():
        b.add((s, p, o))
    assert len(a) == len(b) and isomorphic(a, b)


def test_build_writes_the_file_and_refuses_an_unknown_suffix(corpus, tmp_path):
    summary = build([str(corpus)], tmp_path / "g.ttl")
    assert (tmp_path / "g.ttl").stat().st_size > 0 and summary.output
    from kg.errors import OutputError

    with pytest.raises(OutputError, match="unknown output format"):
        build([str(corpus)], tmp_path / "g.xyz")


@pytest.mark.slow
def test_cli_output_is_byte_identical_across_runs(tmp_path):
    """Two separate processes (different hash seeds) write the same bytes."""
    outs = []
    for i, seed in enumerate(("1", "2")):
        out = tmp_path / f"run{i}.ttl"
        r = subprocess.run([sys.executable, "-m", "kg", "build", str(EXAMPLES), "-o", str(out)],
                           capture_output=True, text=True, env={"PYTHONHASHSEED": seed,
                                                                "PATH": "/usr/bin:/bin"})
        assert r.returncode == 0, r.stderr
        assert "documents 8" in r.stderr
        outs.append(out.read_bytes())
    assert outs[0] == outs[1]


def test_cli_reports_a_missing_model_clearly(tmp_path):
    r = subprocess.run([sys.executable, "-m", "kg", "build", str(EXAMPLES), "-o",
                        str(tmp_path / "x.ttl"), "--model", "no_such_model"],
                       capture_output=True, text=True)
    assert r.returncode == 2
    assert "no_such_model" in r.stderr and "not installed" in r.stderr
    assert "Traceback" not in r.stderr


def test_cli_explain_lists_rejections(tmp_path):
    src = tmp_path / "a.txt"
    src.write_text("Chilean President Rosa Quispe visited Peru.\n\nRosa Quispe said the plan was sound.\n")
    r = subprocess.run([sys.executable, "-m", "kg", "build", str(src), "-o",
                        str(tmp_path / "x.ttl"), "--explain"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert "rejected a.txt: <document> -citesSource-> Rosa Quispe [Person]" in r.stderr
    assert "citesSource needs Organization" in r.stderr


def test_cli_reads_stdin(tmp_path):
    out = tmp_path / "s.nt"
    r = subprocess.run([sys.executable, "-m", "kg", "build", "-", "-o", str(out)],
                       input=ARTICLE_TXT, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert "Rosa Quispe" in out.read_text()


@pytest.mark.parametrize("command", [[], ["build"]])
def test_every_command_has_help(command):
    r = subprocess.run([sys.executable, "-m", "kg", *command, "--help"], capture_output=True,
                       text=True)
    assert r.returncode == 0 and "Usage" in r.stdout


def test_built_graph_conforms_to_the_shapes(built):
    pyshacl = pytest.importorskip("pyshacl")
    from kg.export import union_graph
    from kg.ontology import default_ontology_files

    ds, _ = built
    onto = Graph().parse(default_ontology_files()[0])  # classes only; not the gazetteer's labels
    shapes = Graph().parse(default_ontology_files()[0].parent / "shapes.ttl")
    conforms, _, text = pyshacl.validate(union_graph(ds), shacl_graph=shapes, ont_graph=onto,
                                         inference="rdfs")
    assert conforms, text
