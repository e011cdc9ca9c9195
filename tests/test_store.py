"""The on-disk store: incremental, idempotent builds, removal, crash safety, locking, export."""

from __future__ import annotations

import functools
import gc
import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
from contextlib import closing
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Literal, URIRef
from typer.testing import CliRunner

from kg.build import build_dataset, build_store
from kg.cli import app
from kg.export import FORMATS, export
from kg.graph import doc_iri
from kg.ontology import KGE
from kg.query import list_queries, run_query
from kg.records import Mention
from kg.resolve import Entity, resolve
from kg.stats import graph_stats
from kg.store import (
    StoreError,
    StoreLockedError,
    document_ids,
    export_store,
    open_graph,
    open_store,
    remove_document,
    store_documents,
    stored_hashes,
)

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "news"
KGO = "https://w3id.org/kg/ontology#"
PYTHON_ENV = {**os.environ, "PYTHONWARNINGS": "ignore"}

# one article per call; entities recur across articles, so resolution and removal interact
COUNTRIES = [("Kenya", "Kenyan"), ("Peru", "Peruvian"), ("Chile", "Chilean"), ("Norway", "Norwegian"),
             ("Ghana", "Ghanaian"), ("Japan", "Japanese"), ("Brazil", "Brazilian"),
             ("Egypt", "Egyptian"), ("Canada", "Canadian"), ("India", "Indian")]
FIRST = ["Amara", "Lucas", "Ingrid", "Kwame", "Hana", "Rafael", "Nadia", "Tomas", "Leila", "Omar"]
LAST = ["Okafor", "Silva", "Berg", "Mensah", "Sato", "Costa", "Haddad", "Novak", "Farah", "Quispe"]
SATELLITES = ["Condor", "Falcon", "Heron", "Ibis", "Kestrel", "Osprey"]


def generated_article(i: int) -> str:
    (c1, d1), (c2, d2), (c3, _) = COUNTRIES[i % 10], COUNTRIES[(i * 3 + 1) % 10], COUNTRIES[(i + 5) % 10]
    p1, p2 = f"{FIRST[i % 10]} {LAST[i * 7 % 10]}", f"{FIRST[(i + 3) % 10]} {LAST[(i * 3 + 2) % 10]}"
    return (f"{d1} President {p1} met {p2}, the foreign minister of {c2}, in the capital on Monday.\n\n"
            f"{c1} and {c2} signed an agreement on satellite data, according to Reuters.\n\n"
            f"The {SATELLITES[i % 6]}-{i % 4 + 1} satellite was launched by a Vega rocket from the "
            "Kourou Spaceport, Agence France-Presse reported.\n\n"
            f"{d2} officials said {c3} would join the programme next year.\n\n"
            f"{p1.split()[1]} said the accord would help farmers in {c1} and {c3}.\n\n"
            f"{c2} imposed sanctions on {c3} last year, the Associated Press reported.\n")


# ---------------------------------------------------------------- helpers

def copy_examples(dest: Path, without: tuple[str, ...] = ()) -> Path:
    dest.mkdir(parents=True)
    for f in EXAMPLES.iterdir():
        if f.name not in without:
            shutil.copy(f, dest / f.name)
    return dest


def export_bytes(store_dir: Path, tmp_path: Path, suffix: str = ".nq") -> bytes:
    out = tmp_path / f"export-{store_dir.name}{suffix}"
    db = open_store(store_dir, create=False)
    try:
        export_store(db, out)
    finally:
        del db
    return out.read_bytes()


def graphs(store_dir: Path) -> dict[str, set[str]]:
    """Graph IRI -> its quads as N-Quads lines."""
    db = open_store(store_dir, create=False)
    out: dict[str, set[str]] = {}
    for line in db.dump(format=ox.RdfFormat.N_QUADS).decode().splitlines():
        g = line.rsplit(" ", 2)[-2].strip("<>")
        out.setdefault(g, set()).add(line)
    del db
    return out


@pytest.fixture(scope="session")
def build(nlp, ontology):
    """build_store with the session's pipeline (no model load per build)."""
    return functools.partial(build_store, nlp=nlp, ontology=ontology)


@pytest.fixture(scope="module")
def example_store(tmp_path_factory, build) -> Path:
    """The bundled examples built into a store once; tests copy it before changing it."""
    d = tmp_path_factory.mktemp("example-store") / "store"
    summary = build([str(EXAMPLES)], d)
    assert summary.documents == 8 and summary.unchanged == 0
    return d


@pytest.fixture
def store_copy(example_store, tmp_path) -> Path:
    d = tmp_path / "store"
    shutil.copytree(example_store, d)
    return d


# ---------------------------------------------------------------- idempotence and equivalence

def test_building_twice_changes_nothing(build, store_copy, tmp_path):
    before = {s: export_bytes(store_copy, tmp_path / "a", s) for s in (".nq", ".ttl", ".trig")}
    n_before = len(graphs(store_copy))
    summary = build([str(EXAMPLES)], store_copy)
    assert (summary.documents, summary.unchanged, summary.triples) == (0, 8, 0)
    assert "8 articles" in summary.store
    after = {s: export_bytes(store_copy, tmp_path / "b", s) for s in (".nq", ".ttl", ".trig")}
    assert after == before
    assert len(graphs(store_copy)) == n_before == 8


def test_store_holds_what_a_plain_build_writes(example_store, tmp_path):
    """Same quads as 'kg build -o' plus one kgo:contentHash per article, once both pass
    Oxigraph's value encoding (it stores xsd:decimal "0.90" as 0.9)."""
    ds, _ = build_dataset([str(EXAMPLES)])
    export(ds, tmp_path / "plain.nq")
    canon = ox.Store()
    canon.load(path=str(tmp_path / "plain.nq"), format=ox.RdfFormat.N_QUADS)
    canon_lines = sorted(set(canon.dump(format=ox.RdfFormat.N_QUADS).decode().splitlines()))
    store_lines = export_bytes(example_store, tmp_path).decode().splitlines()
    hashes = [line for line in store_lines if f"<{KGO}contentHash>" in line]
    assert len(hashes) == 8
    assert [line for line in store_lines if line not in hashes] == canon_lines


def test_export_depends_on_content_only(store_copy, tmp_path):
    """A store holding the same quads after another history writes the same bytes."""
    nq = export_bytes(store_copy, tmp_path)
    other = tmp_path / "other"
    db = open_store(other)
    lines = nq.decode().splitlines()
    for chunk in (lines[1::2], lines[::-2]):  # two transactions, reversed order
        db.extend(ox.parse("\n".join(chunk).encode(), format=ox.RdfFormat.N_QUADS))
    del db
    for suffix in FORMATS:
        ours = export_bytes(other, tmp_path / "o", suffix)
        theirs = export_bytes(store_copy, tmp_path / "s", suffix)
        assert ours == theirs, suffix


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the forked half runs on Linux only")
def test_export_in_two_halves_writes_the_same_bytes(store_copy, tmp_path, monkeypatch):
    """The union sorted and written in two processes, split at a subject, is the file one
    process writes, and so is the half the parent redoes when the child fails."""
    import kg.store

    serial = {s: export_bytes(store_copy, tmp_path / "one", s) for s in (".ttl", ".nt")}
    chunks = [serial[".nt"]]  # the union: what the graphs' dumps hold, once each
    pivot = kg.store._split_point(chunks)
    subjects = {line.split(" ", 1)[0] for line in serial[".nt"].decode().splitlines()}
    assert pivot.decode()[:-1] in subjects  # a whole subject, so no subject is cut in two
    assert serial[".ttl"].count(b"@prefix ") == len(kg.store._PREFIXES)
    upper = kg.store._lines_text(kg.store._union_lines(chunks, low=pivot), ".nt")
    assert 0 < len(upper) < len(serial[".nt"]) and serial[".nt"].endswith(upper)

    halves = []  # the halves this process sorts: ("high",) is its own, ("low",) the child's
    union_lines = kg.store._union_lines
    monkeypatch.setattr(kg.store, "_union_lines", lambda chunks, **kw: halves.append(
        tuple(kw)) or union_lines(chunks, **kw))
    monkeypatch.setattr(kg.store, "_FORK_BYTES", 0)
    for suffix, data in serial.items():
        assert export_bytes(store_copy, tmp_path / "two", suffix) == data, suffix
    assert halves == [("high",), ("high",)]
    # a child that dies: its half is done by the parent, same bytes
    halves.clear()
    monkeypatch.setattr(kg.store, "_upper_half", lambda writer, *args: os._exit(3))
    for suffix, data in serial.items():
        assert export_bytes(store_copy, tmp_path / "failed", suffix) == data, suffix
    assert halves == [("high",), ("low",)] * 2


def test_changed_article_replaces_only_its_graph(build, tmp_path):
    src = copy_examples(tmp_path / "news")
    store = tmp_path / "store"
    build([str(src)], store)
    before = graphs(store)
    text = (src / "port-talks.txt").read_text()
    (src / "port-talks.txt").write_text(
        text + "\nKenyan President Grace Wanjiru met Ethiopian Prime Minister Dawit Alemu in Nairobi.\n")
    summary = build([str(src)], store)
    assert (summary.documents, summary.unchanged) == (1, 7)
    after = graphs(store)
    changed = str(doc_iri("port-talks.txt"))
    assert after.keys() == before.keys()
    assert {g for g in after if after[g] != before[g]} == {changed}
    # the new sentence's people resolve to the IRIs the other articles gave them
    new_lines = after[changed] - before[changed]
    assert any(f"<{KGE}Grace_Wanjiru> <{KGO}leaderOf> <{KGE}Kenya>" in line for line in new_lines)
    assert not any(f"{KGE}Grace_Wanjiru_2" in line for line in new_lines)


# ---------------------------------------------------------------- removal

def test_remove_equals_building_without_the_article(build, store_copy, tmp_path):
    before = graphs(store_copy)
    removed = str(doc_iri("sanctions.html"))
    subjects = {line.split(" ", 1)[0] for g in before for line in before[g]}
    entities = {s for s in subjects if s.startswith(f"<{KGE}")}
    elsewhere = {e for g in before if g != removed for line in before[g] for e in entities if e in line}
    only_there = entities - elsewhere
    assert only_there  # e.g. the European Union, named by that article alone
    db = open_store(store_copy, create=False)
    assert remove_document(db, "sanctions.html") == str(doc_iri("sanctions.html"))
    assert "sanctions.html" not in document_ids(db) and len(document_ids(db)) == 7
    del db
    others = tmp_path / "others"
    build([str(copy_examples(tmp_path / "news", without=("sanctions.html",)))], others)
    # byte for byte: no other article shares a name sanctions.html alone defined (the
    # examples were checked one by one: see the next test for one that does)
    for suffix in (".nq", ".ttl"):
        removed_then = export_bytes(store_copy, tmp_path / "r", suffix)
        assert removed_then == export_bytes(others, tmp_path / "o", suffix), suffix
    # the entities only it named have left the graph with it
    left = export_bytes(store_copy, tmp_path / "r").decode()
    assert not [e for e in only_there if e in left]


def test_adding_then_removing_an_article_restores_the_store(build, tmp_path):
    """orbital-weather.txt changes how other articles resolve in a one-shot build (it types
    ISRO), so removing it from such a build cannot equal a build without it; added to a
    store and removed again, it leaves the other graphs exactly as they were."""
    others = copy_examples(tmp_path / "news", without=("orbital-weather.txt",))
    store = tmp_path / "store"
    build([str(others)], store)
    before = export_bytes(store, tmp_path / "a")
    shutil.copy(EXAMPLES / "orbital-weather.txt", others / "orbital-weather.txt")
    summary = build([str(others)], store)
    assert (summary.documents, summary.unchanged) == (1, 7)
    db = open_store(store, create=False)
    remove_document(db, "orbital-weather.txt")
    del db
    assert export_bytes(store, tmp_path / "b") == before


def test_remove_unknown_article_removes_nothing(store_copy):
    db = open_store(store_copy, create=False)
    n = len(db)
    with pytest.raises(StoreError, match="did you mean 'sanctions.html'"):
        remove_document(db, "sanctions.htm")
    from kg.store import remove_documents

    with pytest.raises(StoreError, match="nothing removed"):
        remove_documents(db, ["sanctions.html", "nope.txt"])
    assert len(db) == n
    del db


# ---------------------------------------------------------------- crash safety

CHILD = textwrap.dedent("""
    import sys
    from kg.build import build_store
    build_store([sys.argv[1]], sys.argv[2], on_stored=lambda g, n: print(g, n, flush=True))
""")


def test_killed_build_leaves_whole_articles_and_resumes(build, tmp_path):
    src = tmp_path / "gen"
    src.mkdir()
    for i in range(30):
        (src / f"a{i:02d}.txt").write_text(generated_article(i))
    store = tmp_path / "store"
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(src), str(store)],
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=PYTHON_ENV)
    committed = [child.stdout.readline() for _ in range(3)]
    child.send_signal(signal.SIGKILL)  # in the middle of writing the next articles
    child.wait()
    assert all(line.strip() for line in committed) and child.returncode == -signal.SIGKILL

    reference = tmp_path / "reference"  # the same build, not interrupted
    build([str(src)], reference)
    full = graphs(reference)
    killed = graphs(store)
    assert 3 <= len(killed) < 30
    for g, quads in killed.items():  # each article is all there, exactly as built, or absent
        assert quads == full[g], g
        assert sum(f"<{KGO}contentHash>" in q for q in quads) == 1
        assert sum("<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>" in q and f"<{KGO}Evidence>" in q
                   for q in quads) > 5

    summary = build([str(src)], store)
    assert (summary.documents, summary.unchanged) == (30 - len(killed), len(killed))
    assert graphs(store) == full


# ---------------------------------------------------------------- transactions and locking

def test_one_update_is_one_transaction(tmp_path):
    """What store_documents relies on: all operations of one SPARQL update commit together."""
    db = open_store(tmp_path / "s")
    g = "https://w3id.org/kg/doc/x"
    db.update(f'INSERT DATA {{ GRAPH <{g}> {{ <{g}> <{KGO}p> "old" }} }}')
    with pytest.raises(RuntimeError):
        db.update(f'DROP SILENT GRAPH <{g}> ; INSERT DATA {{ GRAPH <{g}> {{ <{g}> <{KGO}p> "new" }} }} ;'
                  " DROP GRAPH <https://w3id.org/kg/doc/missing>")
    assert [q.object.value for q in db] == ["old"]
    # a quad for another graph is refused before anything is written
    node = URIRef(g)
    with pytest.raises(ValueError):
        store_documents(db, {g: [(node, URIRef(KGO + "p"), Literal("new"), node),
                                 (node, URIRef(KGO + "p"), Literal("x"), URIRef(g + "2"))]})
    assert [q.object.value for q in db] == ["old"]
    store_documents(db, {g: [(node, URIRef(KGO + "p"), Literal('new "quoted"\nline \\ é'), node)]})
    assert [q.object.value for q in db] == ['new "quoted"\nline \\ é']
    del db


HOLDER = textwrap.dedent("""
    import sys, time
    from kg.store import open_store
    db = open_store(sys.argv[1])
    print("open", flush=True)
    sys.stdin.read()
""")


def test_second_process_gets_a_locked_error(tmp_path):
    store = tmp_path / "store"
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(store)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True, env=PYTHON_ENV)
    try:
        assert holder.stdout.readline().strip() == "open"
        with pytest.raises(StoreLockedError, match="store is locked by another process"):
            open_store(store)
        r = subprocess.run([sys.executable, "-m", "kg", "build", str(EXAMPLES), "--store", str(store)],
                           capture_output=True, text=True, env=PYTHON_ENV)
        assert r.returncode == 2
        lines = r.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("kg: error: ") and "locked" in lines[0]
    finally:
        holder.communicate("")
    del_ok = open_store(store)  # released when the holder exits
    del del_ok


# ---------------------------------------------------------------- resolution against the store

def _m(doc: str, text: str, start: int, cls: str = "Person", label: str = "PERSON") -> Mention:
    return Mention(doc_id=doc, text=text, start=start, end=start + len(text), cls=cls, label=label)


def test_resolve_against_known_entities(ontology):
    putin = Entity(str(KGE.Vladimir_Putin), "Vladimir Putin", "Person", ("Putin",))
    lavrov = Entity(str(KGE.Sergei_Lavrov), "Sergei Lavrov", "Person", ())
    ms = [_m("b.txt", "Putin", 0), _m("b.txt", "Lavrov", 10), _m("b.txt", "Vladimir Putin", 20),
          _m("b.txt", "Maria Ortiz", 40)]
    res = resolve(ms, ontology, known=[putin, lavrov])
    iris = [res.iri(m) for m in ms]
    assert iris == [putin.iri, lavrov.iri, putin.iri, str(KGE.Maria_Ortiz)]
    assert res.entities[putin.iri].label == "Vladimir Putin"
    # without known entities: the plain behaviour, a fresh IRI from the mentions alone
    plain = resolve(ms, ontology)
    assert plain.iri(ms[1]) == str(KGE.Lavrov) and plain.iri(ms[0]) == str(KGE.Vladimir_Putin)
    # the same name is the same entity, with the class the store gave it
    other = Entity(str(KGE.Maria_Ortiz), "Maria Ortiz", "Organization", ())
    same = resolve([_m("c.txt", "Maria Ortiz", 0)], ontology, known=[other])
    assert same.iri(_m("c.txt", "Maria Ortiz", 0)) == other.iri
    assert same.entities[other.iri].cls == "Organization"
    # a new entity never takes an IRI the store already uses for something else
    clash = resolve([_m("c.txt", "María Ortiz", 0)], ontology, known=[other])
    assert clash.iri(_m("c.txt", "María Ortiz", 0)) == str(KGE.Maria_Ortiz) + "_2"
    # two known entities are never merged, even when a short name would join them
    a = Entity(str(KGE.Ana_Silva), "Ana Silva", "Person", ("Silva",))
    b = Entity(str(KGE.Silva_Group), "Silva", "Organization", ())
    res = resolve([_m("d.txt", "Silva", 0)], ontology, known=[a, b])
    assert res.iri(_m("d.txt", "Silva", 0)) == b.iri


def test_incremental_article_links_to_existing_entities(build, tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "one.txt").write_text("Kenyan President Grace Wanjiru visited Peru on Monday.\n")
    store = tmp_path / "store"
    build([str(src)], store)
    (src / "two.txt").write_text("On Tuesday, Wanjiru told reporters in Nairobi that the visit went well.\n")
    summary = build([str(src)], store)
    assert (summary.documents, summary.unchanged) == (1, 1)
    two = graphs(store)[str(doc_iri("two.txt"))]
    assert any(f"<{KGO}mentions> <{KGE}Grace_Wanjiru>" in q for q in two)
    assert any(f'<{KGE}Grace_Wanjiru> <http://www.w3.org/2000/01/rdf-schema#label> "Grace Wanjiru"' in q
               for q in two)
    assert not any(f"<{KGE}Wanjiru>" in q for q in two)


# ---------------------------------------------------------------- reading commands

def test_open_graph_on_a_store_answers_like_the_file(example_store, tmp_path):
    trig = tmp_path / "g.trig"
    db = open_store(example_store, create=False)
    export_store(db, trig)
    del db
    with closing(open_graph(store=example_store)) as from_store:
        from_file = open_graph(graph=trig)
        assert graph_stats(from_store) == graph_stats(from_file)
        for q in list_queries():
            params = {p.name: "Kenya" for p in q.params if p.required}
            assert run_query(from_store, q, params).rows == run_query(from_file, q, params).rows, q.name
        text = "SELECT ?e WHERE { ?e <http://www.w3.org/2000/01/rdf-schema#label> ?l }"
        bound = {"l": Literal("Kenya")}
        rows = list(from_store.query(text, initBindings=bound))
        assert rows == list(from_file.query(text, initBindings=bound)) == [(URIRef(KGE.Kenya),)]
        # the union of the article graphs is a set on both (Oxigraph's own union is a bag:
        # Kenya, typed in several articles, would come back once per article)
        for text in ("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
                     f"SELECT ?s WHERE {{ ?s a <{KGO}Country> }}",
                     f"SELECT ?s ?g WHERE {{ GRAPH ?g {{ ?s a <{KGO}Country> }} }}"):
            assert sorted(from_store.query(text)) == sorted(from_file.query(text)), text
        assert len(from_store) == len(from_file)
        with pytest.raises(StoreLockedError):
            open_store(example_store)
    gc.collect()
    del_ok = open_store(example_store)  # closing the Dataset released the store
    del del_ok
    with pytest.raises(Exception, match="exactly one of --graph FILE"):
        open_graph(graph=trig, store=example_store)
    with pytest.raises(Exception, match="exactly one of --graph FILE"):
        open_graph()
    with pytest.raises(StoreError, match="no kg store there"):
        open_graph(store=tmp_path / "missing")


# ---------------------------------------------------------------- the command line

def test_cli_store_commands(example_store, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    store = tmp_path / "store"
    shutil.copytree(example_store, store)
    runner = CliRunner()
    r = runner.invoke(app, ["build", str(EXAMPLES), "--store", str(store)])
    assert r.exit_code == 0, r.output
    assert "8 unchanged articles skipped" in r.output
    assert not (tmp_path / "exports").exists()  # --store without -o writes nothing else
    r = runner.invoke(app, ["build", str(EXAMPLES), "--store", str(store), "-o", "both.trig", "-q"])
    assert r.exit_code == 0 and (tmp_path / "both.trig").is_file()

    r = runner.invoke(app, ["stats", "--store", str(store), "--format", "json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["documents"] == 8
    r = runner.invoke(app, ["view", "--store", str(store), "-o", "v.html"])
    assert r.exit_code == 0 and (tmp_path / "v.html").is_file()
    r = runner.invoke(app, ["query", "leaders", "--store", str(store), "-f", "csv"])
    assert r.exit_code == 0 and "Dawit Alemu,https://w3id.org/kg/id/Ethiopia" in r.output

    for name in ("g.ttl", "g.nq", "g.jsonld", "net.graphml", "net.gexf", "net.csv"):
        r = runner.invoke(app, ["export", "--store", str(store), "-o", name])
        assert r.exit_code == 0, r.output
    assert (tmp_path / "net-nodes.csv").is_file() and (tmp_path / "net-edges.csv").is_file()
    r = runner.invoke(app, ["export", "--graph", "g.nq", "-o", "again.nq"])
    assert r.exit_code == 0 and (tmp_path / "again.nq").read_bytes() == (tmp_path / "g.nq").read_bytes()

    r = runner.invoke(app, ["remove", "port-talks.txt", "wire.jsonl#nope", "--store", str(store)])
    assert r.exit_code == 2 and "nothing removed" in r.output
    r = runner.invoke(app, ["remove", "port-talks.txt", "--store", str(store)])
    assert r.exit_code == 0 and "removed 1 article; store" in r.output and "7 articles" in r.output

    for args in (["stats", "--store", str(store), "--graph", "g.nq"],
                 ["export", "-o", "x.xyz", "--store", str(store)],
                 ["remove", "a.txt", "--store", str(tmp_path / "none")]):
        r = runner.invoke(app, args)
        lines = r.output.strip().splitlines()
        assert r.exit_code == 2 and len(lines) == 1 and lines[0].startswith("kg: error: "), args


def test_store_commands_have_help():
    for cmd in ("remove", "export", "build", "view", "stats", "query"):
        r = CliRunner().invoke(app, [cmd, "--help"])
        assert r.exit_code == 0 and "--store" in r.output, cmd


def test_stored_hashes_name_every_article(example_store):
    db = open_store(example_store, create=False)
    hashes = stored_hashes(db)
    assert sorted(hashes) == sorted(str(doc_iri(d)) for d in document_ids(db))
    assert all(len(h) == 64 for h in hashes.values())
    del db


def test_a_url_with_characters_iris_forbid_is_stored(build, tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "odd.md").write_text("---\ntitle: Odd link\nlink: https://news.example.org/a|b?q={1}&p=50%\n---\n"
                                "Chilean President Rosa Quispe visited Peru on Monday.\n")
    build([str(src)], tmp_path / "store")
    lines = "\n".join(graphs(tmp_path / "store")[str(doc_iri("odd.md"))])
    assert "<https://news.example.org/a%7Cb?q=%7B1%7D&p=50%25>" in lines


def test_known_entities_count_only_what_has_a_label(example_store, ontology):
    """Types are counted for entities only (not for the many evidence and article nodes), and
    taking a graph away and back leaves the same entities; without one article, those it
    alone named are gone."""
    from kg.store import KnownEntities

    db = open_store(example_store, create=False)
    try:
        known = KnownEntities(db, ontology)
        assert set(known.types) <= set(known.labels) and len(known.types) > 50
        before = known.entities()
        graph = str(doc_iri("sanctions.html"))
        known.update(graph, -1)
        without = {e.label for e in known.entities()}
        assert "European Union" in {e.label for e in before} - without
        known.update(graph, 1)
        assert known.entities() == before
    finally:
        del db
