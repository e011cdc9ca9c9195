"""A SPARQL server as the store: same graph as the embedded store, batched writes, reading back."""

from __future__ import annotations

import json
import shutil
from contextlib import closing
from pathlib import Path

import pyoxigraph as ox
import pytest
from typer.testing import CliRunner

from kg.build import build_store
from kg.cli import app
from kg.query import run_query
from kg.remote import RemoteStore, StoreUnreachable, endpoints, is_url, oxigraph_server
from kg.stats import graph_stats
from kg.store import (
    StoreError,
    document_ids,
    export_store,
    open_graph,
    open_store,
    remove_from_store,
    stored_hashes,
)

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "news"
G = "https://w3id.org/kg/doc/t"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """One Oxigraph server for the module; each test gets its own emptied dataset."""
    with oxigraph_server(tmp_path_factory.mktemp("oxigraph")) as url:
        yield url


@pytest.fixture()
def url(server):
    store = RemoteStore(server)
    store.update("DROP ALL")
    store.close()
    return server


@pytest.fixture()
def corpus(tmp_path):
    folder = tmp_path / "news"
    shutil.copytree(EXAMPLES, folder)
    return folder


def both(corpus, url, tmp_path, nlp, ontology):
    """Build ``corpus`` into the server and into an embedded store; return both stores."""
    local = tmp_path / "store"
    a = build_store([str(corpus)], url, nlp=nlp, ontology=ontology)
    b = build_store([str(corpus)], local, nlp=nlp, ontology=ontology)
    assert (a.documents, a.triples, a.entities, a.relations, a.rejected) == \
        (b.documents, b.triples, b.entities, b.relations, b.rejected)
    return a, b, local


def same_export(url, local, tmp_path, suffixes=(".trig", ".nq", ".ttl")) -> None:
    for suffix in suffixes:
        export_store(open_store(url), tmp_path / f"remote{suffix}")
        db = open_store(local)
        export_store(db, tmp_path / f"local{suffix}")
        del db
        remote = (tmp_path / f"remote{suffix}").read_bytes()
        embedded = (tmp_path / f"local{suffix}").read_bytes()
        assert remote == embedded, suffix
        assert len(remote) > 10_000


@pytest.mark.parametrize(("given", "query", "update", "store"), [
    ("http://h:7878", "http://h:7878/query", "http://h:7878/update", "http://h:7878/store"),
    ("http://h:7878/", "http://h:7878/query", "http://h:7878/update", "http://h:7878/store"),
    ("https://h/kg/query", "https://h/kg/query", "https://h/kg/update", "https://h/kg/store"),
    ("http://h/kg/store", "http://h/kg/query", "http://h/kg/update", "http://h/kg/store"),
    ("http://h/ds/sparql", "http://h/ds/sparql", "http://h/ds/sparql", None),
])
def test_endpoints(given, query, update, store):
    assert endpoints(given) == (query, update, store)
    assert is_url(given)


@pytest.mark.parametrize("value", ["exports/store", "/tmp/http", "ftp://h/x"])
def test_a_directory_is_not_a_url(value):
    assert not is_url(value)


def test_remote_and_embedded_store_give_the_same_graph(corpus, url, tmp_path, nlp, ontology):
    a, _, local = both(corpus, url, tmp_path, nlp, ontology)
    assert a.documents == 8 and a.unchanged == 0
    same_export(url, local, tmp_path)
    remote = open_store(url)
    db = open_store(local)
    assert stored_hashes(remote) == stored_hashes(db)
    assert document_ids(remote) == document_ids(db)
    assert len(remote) == len(db)


def test_rebuild_skips_replaces_and_removes_like_the_embedded_store(corpus, url, tmp_path, nlp, ontology):
    both(corpus, url, tmp_path, nlp, ontology)
    a, b, local = both(corpus, url, tmp_path, nlp, ontology)  # nothing changed: all skipped
    assert a.unchanged == b.unchanged == 8 and a.documents == 0
    # a changed article is re-parsed and its graph replaced, resolved against the store
    path = corpus / "port-talks.txt"
    path.write_text(path.read_text(encoding="utf-8").replace("Djibouti City", "Tadjoura"),
                    encoding="utf-8")
    a, b, local = both(corpus, url, tmp_path, nlp, ontology)
    assert a.documents == b.documents == 1 and a.unchanged == 7
    same_export(url, local, tmp_path, suffixes=(".trig",))
    # removal: the same identifiers go, one update for all of them
    assert remove_from_store(url, ["sanctions.html", "port-talks.txt"]) == \
        remove_from_store(local, ["sanctions.html", "port-talks.txt"])
    same_export(url, local, tmp_path, suffixes=(".nq",))
    with pytest.raises(StoreError, match="no article 'nope.txt'"):
        remove_from_store(url, ["nope.txt"])


@pytest.mark.parametrize("copy_limit", [1_000_000, 0], ids=["copied", "in-place"])
def test_reading_commands_read_the_server(corpus, url, tmp_path, nlp, ontology, copy_limit, monkeypatch):
    """A small store is copied into memory; a large one (here: any) is queried in place."""
    monkeypatch.setattr("kg.remote.COPY_LIMIT", copy_limit)
    _, _, local = both(corpus, url, tmp_path, nlp, ontology)
    for name, bindings in (("leaders", {}), ("cooperation", {}), ("entity", {"label": "Kenya"}),
                           ("top-mentioned", {}), ("articles-per-source", {})):
        with closing(open_graph(store=url)) as ds:
            remote = run_query(ds, name, bindings)
        with closing(open_graph(store=local)) as ds:
            embedded = run_query(ds, name, bindings)
        assert remote.rows == embedded.rows, name
        assert remote.rows, name
    with closing(open_graph(store=url)) as ds:
        remote_stats, n = graph_stats(ds, top=5), len(ds)
    with closing(open_graph(store=local)) as ds:
        assert graph_stats(ds, top=5) == remote_stats
        assert len(ds) == n


def test_cli_builds_into_and_reads_from_a_url(corpus, url, tmp_path):
    runner = CliRunner()
    res = runner.invoke(app, ["build", str(corpus), "--store", url, "-q"])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["stats", "--store", url, "--format", "json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["documents"] == 8
    res = runner.invoke(app, ["query", "leaders", "--store", url, "--bind", "country=Kenya", "-f", "csv"])
    assert res.exit_code == 0, res.output
    assert "Grace Wanjiru" in res.stdout
    out = tmp_path / "g.trig"
    res = runner.invoke(app, ["export", "--store", url, "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert out.stat().st_size > 10_000
    res = runner.invoke(app, ["view", "--store", url, "-o", str(tmp_path / "g.html")])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["remove", "wire.jsonl#kenya-radar-sat", "--store", url])
    assert res.exit_code == 0, res.output
    assert "removed 1 article" in res.output


def test_writes_go_in_batches_and_reads_see_them(url, monkeypatch):
    store = RemoteStore(url, batch_graphs=3)
    sent = []
    real = store._send
    monkeypatch.setattr(store, "_send", lambda update: (sent.append(update), real(update)))
    assert not store.contains_named_graph(ox.NamedNode(f"{G}1"))
    for i in range(5):
        store.write_graph(f"{G}{i}", [f'<{G}{i}> <http://www.w3.org/2000/01/rdf-schema#label> "t{i}"'],
                          mode="new")
    assert len(sent) == 1  # three articles in one update; two still queued
    # a queued graph is read from the copy kept here, without sending the queue
    quads = list(store.quads_for_pattern(None, None, None, ox.NamedNode(f"{G}4")))
    assert [q.object.value for q in quads] == ["t4"] and len(sent) == 1
    assert store.contains_named_graph(ox.NamedNode(f"{G}4"))
    # replace and add keep the meaning they have in the embedded store
    store.write_graph(f"{G}4", [f'<{G}4> <http://www.w3.org/2000/01/rdf-schema#label> "new"'], mode="replace")
    store.write_graph(f"{G}4", [f'<{G}4> <https://w3id.org/kg/ontology#contentHash> "h"'], mode="add")
    assert sorted(q.object.value for q in store.quads_for_pattern(None, None, None, ox.NamedNode(f"{G}4"))) \
        == ["h", "new"]
    assert len(store) == 6  # a read of the whole store sends the queue first
    assert len(sent) == 2
    assert sorted(g.value for g in store.named_graphs()) == [f"{G}{i}" for i in range(5)]
    store.close()


def test_a_bad_triple_fails_before_anything_is_sent(url):
    store = RemoteStore(url)
    with pytest.raises(StoreError, match="cannot write the graph"):
        store.write_graph(G, ["<not an iri> <http://p> <http://o>"], mode="new")
    assert len(store) == 0


def test_an_unreachable_server_is_a_clear_error(tmp_path):
    with oxigraph_server(tmp_path / "gone") as gone:
        pass
    with pytest.raises(StoreUnreachable, match="is the SPARQL server running"):
        open_store(gone)
    res = CliRunner().invoke(app, ["stats", "--store", gone])
    assert res.exit_code == 2
    assert "cannot reach the SPARQL server" in res.output


def test_a_url_that_became_a_path_is_refused():
    with pytest.raises(StoreError, match="pass it as a str"):
        open_store(Path("http://127.0.0.1:1/query"))
