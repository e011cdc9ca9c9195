"""Canned queries, parameter binding and result writers on a small graph of the kg shape."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from rdflib import RDF, RDFS, SKOS, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, PROV
from rdflib.query import Result as RdflibResult
from typer.testing import CliRunner

from kg.cli import app
from kg.export import export, load_graph
from kg.graph import new_dataset
from kg.query import (
    Query,
    QueryError,
    Result,
    UpdateNotAllowed,
    list_queries,
    load_query,
    media_type,
    render,
    run_query,
)

KGO = Namespace("https://w3id.org/kg/ontology#")
KGE = Namespace("https://w3id.org/kg/id/")
DOC = Namespace("https://w3id.org/kg/doc/")
EV = Namespace("https://w3id.org/kg/evidence/")
SCHEMA = Namespace("https://schema.org/")
# a plain Namespace: rdflib's XSD warns when pytest probes module attributes
XSD = Namespace("http://www.w3.org/2001/XMLSchema#")

CANNED = {"leaders", "cooperation", "entity", "evidence", "top-mentioned", "articles-per-source"}
# the sentences of two short made-up articles
S_LEADERS = "Ruritanian President Anna Keller met Freedonia's Prime Minister Tom Brandt on Monday."
S_PACT = "Ruritania and Freedonia signed a cooperation agreement, the Daily Courier reported."
S_AGENCY = ("Freedonia and Ruritania will cooperate on satellites, said Lena Ost, head of the "
            "Ruritanian Space Agency.")


class _Builder:
    """Writes quads the way kg.graph does: one named graph per document, evidence for all."""

    def __init__(self) -> None:
        self.ds = new_dataset()
        self.n = 0

    def entity(self, doc, iri, cls, label, *aliases) -> None:
        g = self.ds.graph(doc)
        g.add((iri, RDF.type, KGO[cls]))
        g.add((iri, RDFS.label, Literal(label)))
        for alias in aliases:
            g.add((iri, SKOS.altLabel, Literal(alias)))

    def document(self, doc, identifier, *, title=None, date=None, url=None, feed=None,
                 publisher=None) -> None:
        g = self.ds.graph(doc)
        g.add((doc, RDF.type, KGO.NewsArticle))
        g.add((doc, DCTERMS.identifier, Literal(identifier)))
        if title:
            g.add((doc, DCTERMS.title, Literal(title)))
        if date:
            g.add((doc, DCTERMS.date, Literal(date, datatype=XSD.date)))
        if url:
            g.add((doc, SCHEMA.url, URIRef(url)))
        if feed:
            g.add((doc, DCTERMS.source, Literal(feed)))
        if publisher:
            g.add((doc, KGO.publisher, publisher))

    def _statement(self, doc, s, p, o):
        self.n += 1
        ev = EV[f"e{self.n}"]
        g = self.ds.graph(doc)
        for t in (RDF.Statement, KGO.Evidence):
            g.add((ev, RDF.type, t))
        g.add((ev, RDF.subject, s))
        g.add((ev, RDF.predicate, p))
        g.add((ev, RDF.object, o))
        g.add((ev, PROV.wasDerivedFrom, doc))
        return ev, g

    def mention(self, doc, entity, count: int) -> None:
        ev, g = self._statement(doc, doc, KGO.mentions, entity)
        g.add((doc, KGO.mentions, entity))
        g.add((ev, KGO.mentionCount, Literal(count)))
        g.add((ev, KGO.extractor, Literal("entities.ner_ruler.v1")))

    def fact(self, doc, s, prop, o, sentence, start, rule, confidence) -> None:
        ev, g = self._statement(doc, s, KGO[prop], o)
        g.add((s, KGO[prop], o))
        g.add((ev, KGO.sentence, Literal(sentence)))
        g.add((ev, KGO.startChar, Literal(start)))
        g.add((ev, KGO.endChar, Literal(start + len(sentence))))
        g.add((ev, KGO.extractor, Literal("relations.dependency.v1")))
        g.add((ev, KGO.rule, Literal(rule)))
        g.add((ev, KGO.confidence, Literal(confidence, datatype=XSD.decimal)))


def sample_dataset():
    b = _Builder()
    a, c = DOC.a_md, DOC.b_txt
    b.document(a, "a.md", title="Ruritania and Freedonia sign space pact", date="2024-03-01",
               url="https://www.news.example.org/a", feed="Example Wire",
               publisher=KGE.Daily_Courier)
    b.document(c, "b.txt", feed="Example Wire")
    people = [(KGE.Ruritania, "Country", "Ruritania", "Ruritanian"),
              (KGE.Freedonia, "Country", "Freedonia"),
              (KGE.Anna_Keller, "Person", "Anna Keller", "Keller"),
              (KGE.Tom_Brandt, "Person", "Tom Brandt"),
              (KGE.Daily_Courier, "MediaOrganization", "Daily Courier")]
    for iri, cls, label, *aliases in people:
        b.entity(a, iri, cls, label, *aliases)
    for iri, n in [(KGE.Ruritania, 3), (KGE.Freedonia, 2), (KGE.Anna_Keller, 1),
                   (KGE.Tom_Brandt, 1), (KGE.Daily_Courier, 1)]:
        b.mention(a, iri, n)
    b.fact(a, KGE.Anna_Keller, "leaderOf", KGE.Ruritania, S_LEADERS, 0, "title:president", "0.85")
    b.fact(a, KGE.Tom_Brandt, "leaderOf", KGE.Freedonia, S_LEADERS, 0, "title:prime minister",
           "0.85")
    start = len(S_LEADERS) + 1
    # symmetric: asserted once, the smaller IRI first (as kg.graph does)
    b.fact(a, KGE.Freedonia, "cooperatesWith", KGE.Ruritania, S_PACT, start, "noun:agreement",
           "0.70")
    b.fact(a, a, "citesSource", KGE.Daily_Courier, S_PACT, start, "frame:report", "0.90")
    b.ds.graph(a).add((a, KGO.citesSource, KGE.Daily_Courier))
    for iri, cls, label, *aliases in [(KGE.Ruritania, "Country", "Ruritania", "Ruritanian"),
                                      (KGE.Freedonia, "Country", "Freedonia"),
                                      (KGE.Lena_Ost, "Person", "Lena Ost"),
                                      (KGE.Ruritanian_Space_Agency, "GovernmentOrganization",
                                       "Ruritanian Space Agency", "RSA")]:
        b.entity(c, iri, cls, label, *aliases)
    for iri in (KGE.Ruritania, KGE.Freedonia, KGE.Lena_Ost, KGE.Ruritanian_Space_Agency):
        b.mention(c, iri, 1)
    b.fact(c, KGE.Freedonia, "cooperatesWith", KGE.Ruritania, S_AGENCY, 0, "verb:cooperate",
           "0.80")
    b.fact(c, KGE.Lena_Ost, "leaderOf", KGE.Ruritanian_Space_Agency, S_AGENCY, 0, "title:head",
           "0.85")
    return b.ds


@pytest.fixture(scope="module")
def ds(tmp_path_factory):
    """The sample written by kg.export and read back by load_graph."""
    path = tmp_path_factory.mktemp("g") / "sample.ttl"
    export(sample_dataset(), path)
    return load_graph(path)


@pytest.fixture(scope="module")
def graph_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("cli") / "sample.ttl"
    export(sample_dataset(), path)
    return path


def _rows(result: Result, *vars_: str) -> list[tuple]:
    return [tuple(None if d[v] is None else d[v].toPython() for v in vars_)
            for d in result.dicts()]


# ---------------------------------------------------------------- loading


def test_canned_queries_have_headers():
    queries = {q.name: q for q in list_queries()}
    assert set(queries) == CANNED
    for q in queries.values():
        assert q.description and q.source.endswith(f"{q.name}.rq")
        assert q.text.startswith(f"# name: {q.name}\n")
    assert [(p.name, p.required) for p in queries["leaders"].params] == [("country", False)]
    assert [(p.name, p.required) for p in queries["entity"].params] == [("label", True)]
    assert [(p.name, p.required) for p in queries["evidence"].params] == [
        ("subject", True), ("relation", False), ("object", False)]


def test_load_query_by_name_file_and_text(tmp_path):
    assert load_query("leaders").name == "leaders"
    path = tmp_path / "mine.rq"
    path.write_text("# name: mine\n# description: persons\n#   of any kind\n"
                    "# params: kind (required: a class)\nSELECT ?s WHERE { ?s a ?kind }\n")
    q = load_query(str(path))
    assert (q.name, q.description, q.params[0].name, q.params[0].required) == (
        "mine", "persons of any kind", "kind", True)
    assert load_query("SELECT * WHERE { ?s ?p ?o }").name is None
    assert load_query("# a comment\nASK { ?s ?p ?o }").params == ()


@pytest.mark.parametrize("spec, message", [
    ("leaderz", "canned queries: articles-per-source, cooperation"),
    ("missing.rq", "no such query file"),
    ("   ", "empty query"),
])
def test_load_query_errors(spec, message):
    with pytest.raises(QueryError, match=message):
        load_query(spec)


# ---------------------------------------------------------------- the canned queries


@pytest.mark.parametrize("bindings, expected", [
    ({}, [("Lena Ost", "Ruritanian Space Agency"), ("Tom Brandt", "Freedonia"),
          ("Anna Keller", "Ruritania")]),
    ({"country": "ruritanian"}, [("Anna Keller", "Ruritania")]),  # an alias, any case
    ({"country": "FREEDONIA"}, [("Tom Brandt", "Freedonia")]),
    ({"country": "rsa"}, [("Lena Ost", "Ruritanian Space Agency")]),
    ({"country": "Atlantis"}, []),
])
def test_leaders(ds, bindings, expected):
    result = run_query(ds, "leaders", bindings)
    assert sorted(_rows(result, "leaderLabel", "ledLabel")) == sorted(expected)
    for d in result.dicts():
        assert (int(d["evidenceCount"]), int(d["documents"])) == (1, 1)
    if bindings.get("country") == "ruritanian":
        assert result.dicts()[0]["ledType"] == Literal("Country")
        assert result.dicts()[0]["led"] == KGE.Ruritania


def test_cooperation_both_documents_once_per_pair(ds):
    rows = _rows(run_query(ds, "cooperation"), "aLabel", "bLabel", "identifier", "title",
                 "evidenceCount", "example")
    assert rows == [
        ("Freedonia", "Ruritania", "a.md", "Ruritania and Freedonia sign space pact", 1, S_PACT),
        ("Freedonia", "Ruritania", "b.txt", None, 1, S_AGENCY),
    ]


def test_cooperation_from_either_side(ds):
    for name, partner in [("ruritania", "Freedonia"), ("Freedonia", "Ruritania")]:
        rows = _rows(run_query(ds, "cooperation", {"entity": name}), "aLabel", "bLabel")
        assert rows == [(name.title(), partner)] * 2


def test_entity_everything_about_one(ds):
    result = run_query(ds, "entity", {"label": "keller"})  # an alias, lower case
    rows = set(_rows(result, "kind", "property", "value", "valueLabel", "evidenceCount"))
    assert {d["entity"] for d in result.dicts()} == {KGE.Anna_Keller}
    assert rows == {
        ("type", str(RDF.type), str(KGO.Person), None, 0),
        ("label", str(RDFS.label), "Anna Keller", None, 0),
        ("alias", str(SKOS.altLabel), "Keller", None, 0),
        ("out", str(KGO.leaderOf), str(KGE.Ruritania), "Ruritania", 1),
        ("in", str(KGO.mentions), str(DOC.a_md), "Ruritania and Freedonia sign space pact", 1),
    }


def test_entity_in_relations_use_other_labels(ds):
    rows = set(_rows(run_query(ds, "entity", {"label": "Ruritania"}),
                     "kind", "property", "valueLabel", "evidenceCount"))
    assert ("in", str(KGO.leaderOf), "Anna Keller", 1) in rows
    assert ("in", str(KGO.cooperatesWith), "Freedonia", 2) in rows
    assert ("in", str(KGO.mentions), "b.txt", 1) in rows  # untitled: by identifier
    assert not any(p in (str(RDF.subject), str(RDF.object)) for _, p, _, _ in rows)


@pytest.mark.parametrize("relation", ["leaderOf", "kgo:leaderOf", str(KGO.leaderOf), "LEADEROF"])
def test_evidence_for_one_fact(ds, relation):
    result = run_query(ds, "evidence", {"subject": "Anna Keller", "relation": relation,
                                        "object": "ruritania"})
    (d,) = result.dicts()
    assert str(d["sentence"]) == S_LEADERS
    assert (str(d["subjectLabel"]), d["predicate"], str(d["objectLabel"])) == (
        "Anna Keller", KGO.leaderOf, "Ruritania")
    assert (d["doc"], str(d["identifier"]), str(d["title"])) == (
        DOC.a_md, "a.md", "Ruritania and Freedonia sign space pact")
    assert (d["startChar"].toPython(), d["endChar"].toPython()) == (0, len(S_LEADERS))
    assert str(d["extractor"]) == "relations.dependency.v1"
    assert str(d["rule"]) == "title:president"
    assert d["confidence"].toPython() == Decimal("0.85")


def test_evidence_by_subject_only_and_for_documents(ds):
    rows = _rows(run_query(ds, "evidence", {"subject": "freedonia"}), "objectLabel", "identifier")
    assert sorted(rows) == [("Ruritania", "a.md"), ("Ruritania", "b.txt")]
    rows = _rows(run_query(ds, "evidence", {"subject": "a.md", "relation": "citesSource"}),
                 "subjectLabel", "objectLabel", "sentence")
    assert rows == [("a.md", "Daily Courier", S_PACT)]


def test_top_mentioned(ds):
    result = run_query(ds, "top-mentioned")
    rows = _rows(result, "label", "types", "mentions", "documents")
    assert rows[:2] == [("Ruritania", "Country", 4, 2), ("Freedonia", "Country", 3, 2)]
    assert len(rows) == 7
    persons = _rows(run_query(ds, "top-mentioned", {"type": "person"}), "label", "mentions")
    assert persons == [("Anna Keller", 1), ("Lena Ost", 1), ("Tom Brandt", 1)]
    top = run_query(ds, "top-mentioned", max_results=1)
    assert (len(top), top.truncated, top.column("label")) == (1, True, ["Ruritania"])


def test_articles_per_source(ds):
    rows = _rows(run_query(ds, "articles-per-source"), "sourceKind", "source", "articles",
                 "firstDate", "lastDate")
    # dates come back as date objects
    as_text = {(k, s, n, str(f)) for k, s, n, f, _ in rows}
    assert as_text == {("cited", "Daily Courier", 1, "2024-03-01"),
                       ("feed", "Example Wire", 2, "2024-03-01"),
                       ("publisher", "Daily Courier", 1, "2024-03-01"),
                       ("site", "news.example.org", 1, "2024-03-01")}
    only = _rows(run_query(ds, "articles-per-source", {"kind": "FEED"}), "source", "articles")
    assert only == [("Example Wire", 2)]


CANNED_BINDINGS = {"leaders": {}, "cooperation": {"entity": "ruritania"},
                   "entity": {"label": "Ruritania"}, "evidence": {"subject": "Freedonia"},
                   "top-mentioned": {}, "articles-per-source": {}}


def test_named_graphs_give_the_same_answers(ds, tmp_path):
    """A TriG file keeps one named graph per document; queries see their union."""
    path = tmp_path / "sample.trig"
    export(sample_dataset(), path)
    quads = load_graph(path)
    assert len(list(quads.graphs())) > 2
    assert set(CANNED_BINDINGS) == CANNED
    for name, bindings in CANNED_BINDINGS.items():
        flat = run_query(ds, name, bindings)
        assert flat.rows, name
        assert run_query(quads, name, bindings).rows == flat.rows, name


# ---------------------------------------------------------------- binding and errors


def test_values_are_bound_never_pasted(ds):
    hostile = 'Ruritania")) } UNION { ?leader ?p ?o } #'
    assert run_query(ds, "leaders", {"country": hostile}).rows == []
    iri = run_query(ds, "SELECT ?l WHERE { ?e rdfs:label ?l }",
                    {"e": f"<{KGE.Lena_Ost}>"})
    assert iri.column("l") == ["Lena Ost"]


@pytest.mark.parametrize("query, bindings, message", [
    ("leaders", {"nation": "x"}, "has no parameter 'nation'; its parameters: country"),
    ("entity", {}, "needs --bind label=VALUE"),
    ("SELECT ?s WHERE { ?s ?p ?o }", {"x": "1"}, r"no variable \?x"),
    ("leaders", {"bad name": "x"}, "bad parameter name"),
    ("SELECT ?s WHERE {\n  ?s ?p \n}", {}, "syntax error at line"),
])
def test_query_errors(ds, query, bindings, message):
    with pytest.raises(QueryError, match=message):
        run_query(ds, query, bindings)


def test_updates_are_refused(ds):
    before = len(ds)
    for text in ("INSERT DATA { <urn:a> <urn:b> <urn:c> }", "CLEAR ALL",
                 "DELETE WHERE { ?s ?p ?o }"):
        with pytest.raises(UpdateNotAllowed, match="read-only"):
            run_query(ds, text)
    assert len(ds) == before


# ---------------------------------------------------------------- writers


def _parse_back(text: str, fmt: str) -> list[tuple]:
    parsed = RdflibResult.parse(io.StringIO(text) if fmt != "xml" else io.BytesIO(text.encode()),
                                format=fmt)
    return [tuple(row) for row in parsed]


@pytest.mark.parametrize("fmt", ["json", "xml", "csv", "tsv"])
def test_result_formats_parse_back_with_rdflib(ds, fmt):
    result = run_query(ds, "evidence", {"subject": "Anna Keller"})
    parsed = _parse_back(render(result, fmt), fmt)
    if fmt == "csv":  # CSV carries no types: everything comes back as text
        expected = [tuple(None if t is None else Literal(str(t)) for t in row)
                    for row in result.rows]
        parsed = [tuple(None if t is None else Literal(str(t)) for t in row) for row in parsed]
    else:
        expected = result.rows
    assert parsed == expected


def test_json_is_sparql_results_json(ds):
    data = json.loads(render(run_query(ds, "leaders", {"country": "Freedonia"}), "json"))
    assert data["head"]["vars"][:4] == ["leader", "leaderLabel", "led", "ledLabel"]
    (b,) = data["results"]["bindings"]
    assert b["leader"] == {"type": "uri", "value": str(KGE.Tom_Brandt)}
    assert b["leaderLabel"] == {"type": "literal", "value": "Tom Brandt"}
    assert b["evidenceCount"] == {"type": "literal", "value": "1", "datatype": str(XSD.integer)}
    ask = run_query(ds, "ASK { kge:Anna_Keller kgo:leaderOf kge:Ruritania }")
    assert json.loads(render(ask, "json")) == {"head": {}, "boolean": True}


def test_csv_and_tsv_escape_awkward_values():
    result = Result("SELECT", vars=("a", "b"),
                    rows=[(Literal('say "hi",\tthen\nleave'), URIRef("urn:x")), (None, None)])
    rows = list(csv.reader(io.StringIO(render(result, "csv"), newline="")))
    assert rows == [["a", "b"], ['say "hi",\tthen\nleave', "urn:x"], ["", ""]]
    assert render(result, "csv").endswith("\r\n")
    tsv = render(result, "tsv").split("\n")
    assert tsv[0] == "?a\t?b"
    assert tsv[1] == '"say \\"hi\\",\\tthen\\nleave"\t<urn:x>'
    assert tsv[2] == "\t"


def test_table_is_aligned_and_cut(ds):
    result = run_query(ds, "evidence", {"subject": "Lena Ost"})
    lines = render(result, "table", max_width=12).splitlines()
    header, rule, row, footer = lines
    assert header.split()[:3] == ["subjectLabel", "predicate", "objectLabel"]
    assert set(rule.replace(" ", "")) == {"-"}
    # every column starts where its header starts
    starts = [i for i, c in enumerate(rule) if c == "-" and (i == 0 or rule[i - 1] == " ")]
    assert all(row[i - 1] == " " for i in starts[1:])
    assert "kgo:leaderOf" in row and "Freedonia a…" in row and "Ruritanian …" in row
    assert footer == "(1 row)"
    wide = render(result, "table", max_width=0)
    assert S_AGENCY in wide


def test_ask_and_construct_outputs(ds):
    ask = run_query(ds, "ASK { ?p kgo:leaderOf kge:Atlantis }")
    assert (render(ask, "table"), render(ask, "csv")) == ("false\n", "_askResult\r\nfalse\r\n")
    assert RdflibResult.parse(io.BytesIO(render(ask, "xml").encode()), format="xml").askAnswer \
        is False
    assert RdflibResult.parse(io.StringIO(render(ask, "json")), format="json").askAnswer is False
    construct = run_query(ds, "CONSTRUCT { ?p kgo:leaderOf ?c } WHERE { ?p kgo:leaderOf ?c }")
    expected = {(KGE.Anna_Keller, KGO.leaderOf, KGE.Ruritania),
                (KGE.Tom_Brandt, KGO.leaderOf, KGE.Freedonia),
                (KGE.Lena_Ost, KGO.leaderOf, KGE.Ruritanian_Space_Agency)}
    for fmt, rdflib_fmt in [("table", "turtle"), ("turtle", "turtle"), ("nt", "nt"),
                            ("json", "json-ld"), ("rdfxml", "xml")]:
        g = Graph().parse(data=render(construct, fmt), format=rdflib_fmt)
        assert set(g) == expected, fmt
    assert render(construct, "turtle").startswith("@prefix kge: <https://w3id.org/kg/id/> .")
    assert media_type(construct, "json") == "application/ld+json"
    rows = list(csv.reader(io.StringIO(render(construct, "csv"))))
    assert rows[0] == ["subject", "predicate", "object"] and len(rows) == 4
    capped = run_query(ds, "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", max_results=5)
    assert (len(capped), capped.truncated) == (5, True)
    with pytest.raises(QueryError, match="unknown format"):
        render(construct, "yaml")


def test_query_objects_run_directly(ds):
    q = Query("SELECT ?l WHERE { ?x rdfs:label ?l } ORDER BY ?l LIMIT 1")
    assert run_query(ds, q).column("l") == ["Anna Keller"]


# ---------------------------------------------------------------- the command line


def test_cli_query(graph_file):
    runner = CliRunner()
    res = runner.invoke(app, ["query", "leaders", "--graph", str(graph_file),
                              "--bind", "country=ruritania", "--format", "json"])
    assert res.exit_code == 0, res.output
    (b,) = json.loads(res.stdout)["results"]["bindings"]
    assert (b["leaderLabel"]["value"], b["ledLabel"]["value"]) == ("Anna Keller", "Ruritania")
    # not a terminal: CSV by default
    res = runner.invoke(app, ["query", "SELECT ?l WHERE { ?e a kgo:Country ; rdfs:label ?l } "
                              "ORDER BY ?l", "--graph", str(graph_file)])
    assert res.stdout.splitlines() == ["l", "Freedonia", "Ruritania"]
    res = runner.invoke(app, ["query", "top-mentioned", "--graph", str(graph_file),
                              "-f", "table", "--limit", "2"])
    assert res.exit_code == 0 and "(2 rows, cut at the row limit)" in res.stdout
    assert "kge:Ruritania" in res.stdout


def test_cli_query_file_and_list(graph_file, tmp_path):
    path = tmp_path / "people.rq"
    path.write_text("# name: people\nSELECT ?l WHERE { ?p a kgo:Person ; rdfs:label ?l } "
                    "ORDER BY ?l\n")
    runner = CliRunner()
    res = runner.invoke(app, ["query", str(path), "--graph", str(graph_file), "-f", "tsv"])
    assert res.stdout.splitlines() == ['?l', '"Anna Keller"', '"Lena Ost"', '"Tom Brandt"']
    res = runner.invoke(app, ["query", "--list"])
    assert res.exit_code == 0
    for name in CANNED:
        assert f"\n{name}\n" in f"\n{res.stdout}"
    assert "--bind label=...  (required)" in res.stdout


@pytest.mark.parametrize("args, message", [
    (["entity"], "needs --bind label=VALUE"),
    (["leaders", "--bind", "country"], "write NAME=VALUE"),
    (["leaders", "--format", "yaml"], "unknown format 'yaml'"),
    (["INSERT DATA { <urn:a> <urn:b> <urn:c> }"], "read-only"),
    ([], "give a query"),
])
def test_cli_query_errors(graph_file, args, message):
    res = CliRunner().invoke(app, ["query", *args, "--graph", str(graph_file)])
    assert res.exit_code == 2
    assert message in res.output


@pytest.mark.parametrize("command", ["query", "serve"])
def test_cli_help(command):
    res = CliRunner().invoke(app, [command, "--help"])
    assert res.exit_code == 0 and "Example: kg" in res.output


# ---------------------------------------------------------------- with a graph kg builds


@pytest.mark.slow
def test_canned_queries_on_a_built_graph(tmp_path):
    text = ("French President Emmanuel Macron visited Berlin on Tuesday. France and Germany "
            "signed a partnership on hydrogen, the Associated Press reported.\n")
    (tmp_path / "visit.txt").write_text(text)
    out = tmp_path / "built.ttl"
    subprocess.run([sys.executable, "-m", "kg", "build", str(tmp_path / "visit.txt"), "-o",
                    str(out), "--quiet"], check=True, timeout=120)
    ds = load_graph(out)
    leaders = _rows(run_query(ds, "leaders", {"country": "france"}), "leaderLabel", "ledLabel")
    assert leaders == [("Emmanuel Macron", "France")]
    (d,) = run_query(ds, "evidence", {"subject": "emmanuel macron", "relation": "leaderOf"}
                     ).dicts()
    assert str(d["sentence"]) == "French President Emmanuel Macron visited Berlin on Tuesday."
    assert (d["startChar"].toPython(), str(d["identifier"])) == (0, "visit.txt")
    top = run_query(ds, "top-mentioned").column("label")
    assert {"France", "Emmanuel Macron", "Berlin"} <= set(top)
