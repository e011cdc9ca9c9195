"""Parsing on a Dask cluster: the same graph as one process, whatever happens to the workers."""

from __future__ import annotations

import logging
import os
import signal
import time
from dataclasses import replace
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kg.build import BuildConfig, build, build_store, process
from kg.cli import app
from kg.cluster import ClusterError, connect, parse_on_cluster
from kg.io import read_documents
from kg.records import Document
from kg.remote import oxigraph_server
from kg.store import export_store, open_store

distributed = pytest.importorskip("distributed")

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "news"


@pytest.fixture(scope="module")
def cluster():
    """A LocalCluster of 2 worker processes (one thread each), as ``--cluster local:2`` starts."""
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=":0", silence_logs=logging.CRITICAL) as c:
        yield c


@pytest.fixture(scope="module")
def single(tmp_path_factory, nlp, ontology):
    """The single-process build of the examples: the reference."""
    out = tmp_path_factory.mktemp("single") / "graph.trig"
    build([str(EXAMPLES)], out, BuildConfig(), nlp=nlp, ontology=ontology)
    return out.read_bytes()


def documents(copies: int = 1) -> list[Document]:
    docs = [d for d in read_documents([str(EXAMPLES)]) if isinstance(d, Document)]
    return [replace(d, id=f"{k}/{d.id}") for k in range(copies) for d in docs]


def test_cluster_build_equals_the_single_process_build(cluster, single, tmp_path, nlp, ontology):
    out = tmp_path / "graph.trig"
    config = BuildConfig(cluster=cluster.scheduler_address, batch_size=2)
    summary = build([str(EXAMPLES)], out, config, nlp=nlp, ontology=ontology)
    assert summary.documents == 8
    assert out.read_bytes() == single


def test_a_worker_killed_mid_build_changes_nothing(cluster, nlp, ontology):
    docs = documents(copies=3)
    config = BuildConfig(cluster=cluster.scheduler_address, batch_size=1)
    expected = list(process(docs, nlp, ontology, config))
    with distributed.Client(cluster) as client:
        before = client.run(os.getpid)
        victim = sorted(before.values())[0]
        killed = []

        def feed():
            for i, d in enumerate(docs):
                if i == 12:  # three partitions of four are out: the workers are busy
                    os.kill(victim, signal.SIGKILL)
                    killed.append(victim)
                yield d

        results = list(parse_on_cluster(feed(), ontology, config))
        assert killed
        deadline = time.monotonic() + 30
        while len(client.run(os.getpid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)  # the nanny restarts the worker
        after = client.run(os.getpid)
    assert victim not in after.values()
    assert [r.document.id for r in results] == [d.id for d in docs]  # none lost, none twice
    assert results == expected
    assert graph(results, ontology) == graph(expected, ontology)


def graph(results, ontology) -> list[str]:
    """The N-Quads the client makes of DocResults: resolve, accept, one graph per article."""
    from kg.build import accept
    from kg.graph import document_graph
    from kg.resolve import resolve

    resolution = resolve((m for r in results for m in r.mentions), ontology)
    parts = [document_graph(accept(r, resolution, ontology)[0], resolution, ontology) for r in results]
    return sorted(line for p in parts for line in p.nquads().splitlines())


def test_cli_local_cluster_into_a_remote_store(single, tmp_path, nlp, ontology):
    """``kg build --cluster local:2 --store URL``: the graph of the single-process build."""
    with oxigraph_server(tmp_path / "oxigraph") as url:
        res = CliRunner().invoke(app, ["build", str(EXAMPLES), "--cluster", "local:2",
                                       "--store", url, "-q", "--batch-size", "4"])
        assert res.exit_code == 0, res.output
        export_store(open_store(url), tmp_path / "remote.trig")
    local = tmp_path / "store"
    build_store([str(EXAMPLES)], local, nlp=nlp, ontology=ontology)
    export_store(open_store(local), tmp_path / "local.trig")
    assert (tmp_path / "remote.trig").read_bytes() == (tmp_path / "local.trig").read_bytes()
    assert (tmp_path / "local.trig").read_bytes() != b""


@pytest.mark.parametrize("address", ["local:0", "local:x"])
def test_a_bad_local_cluster_is_a_clear_error(address):
    with pytest.raises(ClusterError, match="local:N"), connect(address):
        pass


def test_an_unreachable_scheduler_is_a_clear_error(monkeypatch):
    monkeypatch.setattr("kg.cluster.CONNECT_TIMEOUT", "1s")
    with pytest.raises(ClusterError, match="cannot reach the Dask scheduler"), \
            connect("tcp://127.0.0.1:1"):
        pass
