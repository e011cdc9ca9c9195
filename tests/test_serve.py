"""kg serve over HTTP: the SPARQL 1.1 Protocol, content negotiation, limits, read-only."""

from __future__ import annotations

import csv
import io
import json
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from rdflib.query import Result as RdflibResult

from kg.export import load_graph
from kg.serve import Job, Reply, ServeConfig, ThreadRunner, make_server, negotiate

KGO = Namespace("https://w3id.org/kg/ontology#")
KGE = Namespace("https://w3id.org/kg/id/")
TIMEOUT = 2  # the server's --timeout, seconds
MAX_RESULTS = 6
# a small graph of the shape kg build writes, about a made-up article
SAMPLE = """\
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix doc: <https://w3id.org/kg/doc/> .
@prefix ev: <https://w3id.org/kg/evidence/> .
@prefix kge: <https://w3id.org/kg/id/> .
@prefix kgo: <https://w3id.org/kg/ontology#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .

doc:a_md a kgo:NewsArticle ; dcterms:identifier "a.md" ;
    dcterms:title "Ruritania and Freedonia sign space pact" ;
    kgo:mentions kge:Ruritania, kge:Freedonia, kge:Anna_Keller, kge:Tom_Brandt .
kge:Ruritania a kgo:Country ; rdfs:label "Ruritania" ; skos:altLabel "Ruritanian" .
kge:Freedonia a kgo:Country ; rdfs:label "Freedonia" ;
    kgo:cooperatesWith kge:Ruritania .
kge:Anna_Keller a kgo:Person ; rdfs:label "Anna Keller" ; kgo:leaderOf kge:Ruritania .
kge:Tom_Brandt a kgo:Person ; rdfs:label "Tom Brandt" ; kgo:leaderOf kge:Freedonia .
ev:1 a rdf:Statement, kgo:Evidence ; rdf:subject kge:Anna_Keller ;
    rdf:predicate kgo:leaderOf ; rdf:object kge:Ruritania ; prov:wasDerivedFrom doc:a_md ;
    kgo:sentence "Ruritanian President Anna Keller met Tom Brandt." ;
    kgo:startChar 0 ; kgo:endChar 48 ; kgo:confidence 0.85 .
"""
PREFIXES = "PREFIX kgo: <https://w3id.org/kg/ontology#>\n" \
           "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
LEADERS = PREFIXES + ("SELECT ?person ?country WHERE { ?p kgo:leaderOf ?c ; rdfs:label ?person . "
                      "?c rdfs:label ?country } ORDER BY ?person")
SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n2 ?o }"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("serve")
    graph = root / "news & <notes>.ttl"  # the name shows on the page: escaped
    graph.write_text(SAMPLE)
    viewer = root / "viewer.html"
    viewer.write_text("<!doctype html><title>viewer</title><p>the network</p>")
    return graph, viewer


@pytest.fixture(scope="module")
def server(files, tmp_path_factory):
    """A real 'kg serve' process on a free port; yields its base URL."""
    graph, viewer = files
    port = _free_port()
    log = (tmp_path_factory.mktemp("log") / "serve.log").open("w+")
    proc = subprocess.Popen(
        [sys.executable, "-m", "kg", "serve", "--graph", str(graph), "--port", str(port),
         "--timeout", str(TIMEOUT), "--max-results", str(MAX_RESULTS), "--viewer", str(viewer),
         "--workers", "2", "--quiet"],
        stdout=subprocess.DEVNULL, stderr=log)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    try:
        while True:
            try:
                with urllib.request.urlopen(base + "/", timeout=1):
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    pytest.fail(f"kg serve did not start: {log.read()}")
                time.sleep(0.1)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def _request(url: str, *, data: bytes | None = None, headers: dict | None = None):
    """(status, headers, body) without raising on 4xx/5xx."""
    req = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=TIMEOUT + 10) as resp:
            return resp.status, resp.headers, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers, exc.read()


def _get(server: str, query: str, accept: str | None = None, **params):
    qs = urllib.parse.urlencode({"query": query, **params})
    return _request(f"{server}/sparql?{qs}", headers={"Accept": accept} if accept else {})


def _post_form(server: str, accept: str | None = None, **form):
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    if accept:
        headers["Accept"] = accept
    return _request(f"{server}/sparql", data=urllib.parse.urlencode(form).encode(),
                    headers=headers)


def _post_query(server: str, query: str, accept: str, ctype: str = "application/sparql-query"):
    return _request(f"{server}/sparql", data=query.encode(),
                    headers={"Content-Type": ctype, "Accept": accept})


# ---------------------------------------------------------------- queries


def test_select_json_by_get(server):
    status, headers, body = _get(server, LEADERS, "application/sparql-results+json")
    assert status == 200
    assert headers["Content-Type"].startswith("application/sparql-results+json")
    assert "X-KG-Truncated" not in headers
    data = json.loads(body)
    assert data["head"]["vars"] == ["person", "country"]
    rows = [(b["person"]["value"], b["country"]["value"]) for b in data["results"]["bindings"]]
    assert rows == [("Anna Keller", "Ruritania"), ("Tom Brandt", "Freedonia")]


def test_select_csv_by_post_form(server):
    status, headers, body = _post_form(server, "text/csv", query=LEADERS)
    assert status == 200 and headers["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(body.decode())))
    assert rows == [["person", "country"], ["Anna Keller", "Ruritania"],
                    ["Tom Brandt", "Freedonia"]]


@pytest.mark.parametrize("accept, fmt", [
    ("application/sparql-results+xml", "xml"),
    ("text/tab-separated-values", "tsv"),
    ("application/sparql-results+json;q=0.5, text/csv;q=0.1", "json"),
])
def test_select_other_types_by_post_body(server, accept, fmt):
    status, headers, body = _post_query(server, LEADERS, accept)
    assert status == 200
    assert headers["Content-Type"].split(";")[0] == accept.split(";")[0]
    parsed = RdflibResult.parse(io.BytesIO(body), format=fmt)
    assert [tuple(map(str, row)) for row in parsed] == [("Anna Keller", "Ruritania"),
                                                       ("Tom Brandt", "Freedonia")]


@pytest.mark.parametrize("query, answer", [
    ("ASK { <https://w3id.org/kg/id/Anna_Keller> <https://w3id.org/kg/ontology#leaderOf> "
     "<https://w3id.org/kg/id/Ruritania> }", True),
    ("ASK { ?p <https://w3id.org/kg/ontology#leaderOf> <https://w3id.org/kg/id/Atlantis> }",
     False),
])
def test_ask(server, query, answer):
    status, headers, body = _get(server, query)
    assert status == 200 and headers["Content-Type"].startswith("application/sparql-results+json")
    assert json.loads(body) == {"head": {}, "boolean": answer}
    status, _, body = _get(server, query, "application/sparql-results+xml")
    assert RdflibResult.parse(io.BytesIO(body), format="xml").askAnswer is answer


def test_construct_as_turtle_parses_back(server):
    query = PREFIXES + "CONSTRUCT { ?p kgo:leaderOf ?c } WHERE { ?p kgo:leaderOf ?c }"
    status, headers, body = _get(server, query, "text/turtle")
    assert status == 200 and headers["Content-Type"].startswith("text/turtle")
    g = Graph().parse(data=body.decode(), format="turtle")
    assert set(g) == {(KGE.Anna_Keller, KGO.leaderOf, KGE.Ruritania),
                      (KGE.Tom_Brandt, KGO.leaderOf, KGE.Freedonia)}
    for accept, rdflib_fmt in [("application/n-triples", "nt"), ("application/ld+json", "json-ld")]:
        status, headers, body = _get(server, query, accept)
        assert headers["Content-Type"].startswith(accept)
        assert set(Graph().parse(data=body.decode(), format=rdflib_fmt)) == set(g)


def test_describe(server):
    status, _, body = _get(server, "DESCRIBE <https://w3id.org/kg/id/Tom_Brandt>", "text/turtle")
    g = Graph().parse(data=body.decode(), format="turtle")
    assert (KGE.Tom_Brandt, KGO.leaderOf, KGE.Freedonia) in g


def test_results_are_capped(server):
    status, headers, body = _get(server, "SELECT * WHERE { ?s ?p ?o }")
    assert status == 200 and headers["X-KG-Truncated"] == "true"
    assert len(json.loads(body)["results"]["bindings"]) == MAX_RESULTS
    status, headers, body = _get(server, "CONSTRUCT WHERE { ?s ?p ?o }", "application/n-triples")
    assert headers["X-KG-Truncated"] == "true" and len(body.splitlines()) == MAX_RESULTS


def test_prefixes_of_the_graph_need_no_declaration(server):
    status, _, body = _get(server, "SELECT ?l WHERE { kge:Ruritania skos:altLabel ?l }",
                           "text/csv")
    assert (status, body.decode().split()) == (200, ["l", "Ruritanian"])


# ---------------------------------------------------------------- refusals


@pytest.mark.parametrize("send", [
    lambda s: _post_form(s, update="INSERT DATA { <urn:a> <urn:b> <urn:c> }"),
    lambda s: _post_query(s, "DELETE WHERE { ?s ?p ?o }", "*/*", "application/sparql-update"),
    lambda s: _post_form(s, query="INSERT DATA { <urn:a> <urn:b> <urn:c> }"),
    lambda s: _get(s, "CLEAR ALL"),
    lambda s: _get(s, "LOAD <file:///etc/passwd>"),
])
def test_updates_are_refused(server, send):
    status, _, body = send(server)
    assert status == 403
    assert b"read-only" in body
    _, _, body = _get(server, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", "text/csv")
    assert body.decode().split()[1] == str(len(Graph().parse(data=SAMPLE, format="turtle")))


@pytest.mark.parametrize("send, status, message", [
    (lambda s: _get(s, "SELECT ?s WHERE { ?s ?p }"), 400, b"syntax error"),
    (lambda s: _get(s, "SELECT * WHERE { SERVICE <http://localhost:1/sparql> { ?s ?p ?o } }"),
     400, b"SERVICE is not allowed"),
    (lambda s: _get(s, "SELECT * WHERE { ?s ?p ?o }", "image/png"), 406, b"acceptable"),
    (lambda s: _request(f"{s}/sparql"), 400, b"no 'query' parameter"),
    (lambda s: _request(f"{s}/sparql", data=b"query", headers={"Content-Type": "text/x-y"}),
     415, b"Content-Type"),
    (lambda s: _get(s, "SELECT * WHERE { ?s ?p ?o }", None, **{"default-graph-uri": "urn:x"}),
     400, b"not supported"),
    (lambda s: _request(f"{s}/etc/passwd"), 404, b"no such page"),
])
def test_bad_requests(server, send, status, message):
    got, headers, body = send(server)
    assert got == status and message in body
    assert headers["Content-Type"].startswith("text/plain")


def test_from_does_not_load_files(server, files):
    graph, _ = files
    query = f"SELECT * FROM <{graph.resolve().as_uri()}> WHERE {{ ?s ?p ?o }}"
    status, _, body = _get(server, query)
    assert status == 200 and json.loads(body)["results"]["bindings"] == []


def test_timeout_answers_503_and_the_server_goes_on(server):
    start = time.monotonic()
    status, _, body = _get(server, SLOW)
    took = time.monotonic() - start
    assert status == 503 and b"timed out" in body
    assert TIMEOUT * 0.8 < took < TIMEOUT + 3
    assert _get(server, LEADERS)[0] == 200


# ---------------------------------------------------------------- pages and clients


def test_index_page(server):
    status, headers, body = _request(server + "/")
    page = body.decode()
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert '<a href="/sparql">' in page and '<a href="/view">' in page
    assert "news &amp; &lt;notes&gt;.ttl" in page and "<notes>" not in page
    assert ">leaders</a>" in page and "default-src 'none'" in headers["Content-Security-Policy"]


def test_viewer_is_served(server, files):
    status, headers, body = _request(server + "/view")
    assert status == 200 and body == files[1].read_bytes()


@pytest.mark.parametrize("method, fmt", [("GET", "xml"), ("POST_FORM", "json"),
                                         ("POST", "xml")])
def test_rdflib_sparqlstore_can_query(server, method, fmt):
    store = SPARQLStore(server + "/sparql", method=method, returnFormat=fmt)
    rows = Graph(store=store).query(LEADERS)
    assert [(str(p), str(c)) for p, c in rows] == [("Anna Keller", "Ruritania"),
                                                   ("Tom Brandt", "Freedonia")]
    assert (KGE.Tom_Brandt, KGO.leaderOf, KGE.Freedonia) in Graph(store=store)
    store.close()


# ---------------------------------------------------------------- in process


def test_thread_isolation_in_process(files, monkeypatch):
    import rdflib.plugins.sparql

    # make_server switches rdflib's FROM loading off for the process: restore it afterwards
    monkeypatch.setattr(rdflib.plugins.sparql, "SPARQL_LOAD_GRAPHS", True)
    config = ServeConfig(port=_free_port(), isolation="thread", quiet=True, max_results=1)
    httpd = make_server(load_graph(files[0]), config)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        status, headers, body = _get(f"http://127.0.0.1:{config.port}", LEADERS, "text/csv")
        assert status == 200 and headers["X-KG-Truncated"] == "true"
        assert body.decode().split() == ["person,country", "Anna", "Keller,Ruritania"]
    finally:
        httpd.shutdown()
        httpd.server_close()
        httpd.endpoint.close()


def test_thread_runner_gives_up_waiting():
    release = threading.Event()

    def slow(job: Job) -> Reply:
        release.wait(5)
        return Reply(200, "text/plain", b"late")

    runner = ThreadRunner(slow, timeout=0.2, workers=1)
    start = time.monotonic()
    assert runner.run(Job("ASK {}", "json", "application/json")).status == 503
    # the stuck query keeps its slot: the next one is told the server is busy
    assert b"busy" in runner.run(Job("ASK {}", "json", "application/json")).body
    assert time.monotonic() - start < 2
    release.set()


@pytest.mark.parametrize("accept, kind, expected", [
    (None, "SELECT", ("json", "application/sparql-results+json")),
    ("text/*", "SELECT", ("csv", "text/csv")),
    ("application/json", "ASK", ("json", "application/json")),
    ("text/html, application/xml;q=0.9, */*;q=0.8", "SELECT", ("xml", "application/xml")),
    ("application/ld+json", "CONSTRUCT", ("jsonld", "application/ld+json")),
    ("text/turtle;q=0, application/n-triples", "DESCRIBE", ("nt", "application/n-triples")),
    ("text/turtle", "SELECT", None),
])
def test_negotiate(accept, kind, expected):
    assert negotiate(accept, kind) == expected


def test_literal_helper_types():
    # the JSON writer's datatype and language fields, as rdflib reads them back
    from kg.query import Result, render

    result = Result("SELECT", vars=("x",), rows=[(Literal("chat", lang="fr"),),
                                                 (Literal(3),), (URIRef("urn:y"),)])
    parsed = RdflibResult.parse(io.StringIO(render(result, "json")), format="json")
    assert [row[0] for row in parsed] == [Literal("chat", lang="fr"), Literal(3), URIRef("urn:y")]


def test_serve_a_store_from_memory_leaving_it_unlocked(tmp_path):
    """--store serves a copy: the same answers as the file, and the store stays writable."""
    import pyoxigraph as ox

    from kg.store import open_store

    store_dir = tmp_path / "store"
    st = open_store(store_dir)
    st.load(SAMPLE.encode(), ox.RdfFormat.TURTLE,
            to_graph=ox.NamedNode("https://w3id.org/kg/doc/sample_txt"))
    st.flush()
    del st
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "kg", "serve", "--store", str(store_dir),
                             "--port", str(port), "--quiet"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                with urllib.request.urlopen(base + "/", timeout=1):
                    break
            except OSError:
                assert proc.poll() is None, proc.stderr.read().decode()
                assert time.monotonic() < deadline, "kg serve --store did not start"
                time.sleep(0.1)
        query = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
        status, _, body = _get(base, query, accept="application/sparql-results+json")
        served = int(json.loads(body)["results"]["bindings"][0]["n"]["value"])
        assert status == 200 and served == len(Graph().parse(data=SAMPLE, format="turtle"))
        reopened = open_store(store_dir, create=False)  # not locked by the server
        assert len(reopened) == served
    finally:
        proc.terminate()
        proc.wait(timeout=10)
