"""A SPARQL 1.1 server as kg's store: the few ``pyoxigraph.Store`` methods kg uses, over HTTP."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pyoxigraph as ox

from kg.errors import KGError
from kg.store import StoreError

__all__ = ["RemoteStore", "StoreUnreachable", "endpoints", "is_url", "open_for_reading",
           "oxigraph_server"]

# A batch of article writes goes to the server as one SPARQL update (one transaction in
# Oxigraph) once it holds this many articles or this many bytes; a read flushes it first.
BATCH_GRAPHS = 200
BATCH_BYTES = 4_000_000
# a reading command copies a remote store of up to this many quads into memory (about 1 GB)
COPY_LIMIT = 1_000_000
TIMEOUT = 300.0  # seconds for one request: a batch or a large dump, not a hung server
_URL_RE = re.compile(r"^https?://", re.IGNORECASE)
_TSV = "text/tab-separated-values"
_JSON = "application/sparql-results+json"


def is_url(value: object) -> bool:
    """Whether a ``--store`` value names a SPARQL server (http:// or https://), not a directory."""
    return isinstance(value, str) and _URL_RE.match(value) is not None


def endpoints(url: str) -> tuple[str, str, str | None]:
    """(query, update, graph store) endpoint URLs from the URL given to ``--store``.

    ``http://host:port`` (Oxigraph's layout) and any URL ending in ``/query``, ``/update`` or
    ``/store`` give the three siblings ``/query``, ``/update`` and ``/store``; a URL ending in
    ``/sparql`` is taken as one endpoint for queries and updates, without a Graph Store
    Protocol endpoint (dumps then go through SELECT).
    """
    parts = urlsplit(url)
    if parts.query or parts.fragment:
        raise KGError(f"{url}: give the endpoint URL without '?' or '#' parts")
    path = parts.path.rstrip("/")
    head, _, last = path.rpartition("/")

    def at(p: str) -> str:
        return urlunsplit((parts.scheme, parts.netloc, p, "", ""))

    if last in ("query", "update", "store"):
        return at(f"{head}/query"), at(f"{head}/update"), at(f"{head}/store")
    if last == "sparql":
        return at(path), at(path), None
    return at(f"{path}/query"), at(f"{path}/update"), at(f"{path}/store")


class RemoteStore:
    """A SPARQL 1.1 endpoint used where kg uses an on-disk ``pyoxigraph.Store``.

    What kg.store does with a store works on it unchanged: ``quads_for_pattern``,
    ``contains_named_graph``, ``named_graphs``, ``update``, ``query``, ``dump``, ``len`` and
    iteration; ``write_graph`` (called by ``kg.store.write_graph``) queues one article's
    graph, with the same meaning as for the embedded store (``new``, ``replace``: ``DROP
    SILENT GRAPH`` and ``INSERT DATA`` together, ``add``). Queued writes go out as one
    update request (one transaction on Oxigraph: a build stopped half-way leaves whole
    articles only) when ``BATCH_GRAPHS`` articles or ``BATCH_BYTES`` bytes wait, before any
    read the queue could change, and on ``flush``/``close``. Reads about a queued graph are
    answered from a small in-memory copy, so a build's per-article lookups cost no request.

    The server's default graph must be its own graph, not the union of the named graphs
    (Oxigraph's default; kg writes named graphs only). One writer at a time: unlike the
    embedded store, nothing stops two builds writing to one server at once.

    >>> RemoteStore("http://127.0.0.1:7878").query_url
    'http://127.0.0.1:7878/query'
    """

    def __init__(self, url: str, *, batch_graphs: int = BATCH_GRAPHS,
                 batch_bytes: int = BATCH_BYTES, timeout: float = TIMEOUT) -> None:
        import requests

        if not is_url(url):
            raise KGError(f"{url}: not an http:// or https:// URL")
        self.url = url
        self.query_url, self.update_url, self.store_url = endpoints(url)
        self.batch_graphs, self.batch_bytes, self.timeout = batch_graphs, batch_bytes, timeout
        self._session = requests.Session()
        self._pending: list[str] = []  # update operations not sent yet
        self._pending_bytes = 0
        self._mirror = ox.Store()  # the queued graphs whose whole content is known here
        self._mirrored: set[str] = set()
        self._partial: set[str] = set()  # queued "add"s to graphs not mirrored: read the server
        self._graphs: set[str] | None = None  # named graphs on the server (read once, then kept)
        self._oxigraph: bool | None = None  # whether the server says it is Oxigraph
        try:  # fail now, not after hours of parsing
            self._request("GET", self.query_url, params={"query": "ASK {}"},
                          headers={"Accept": _JSON})
        except StoreUnreachable as exc:
            raise type(exc)(f"{exc}; is the SPARQL server running?") from None

    def __repr__(self) -> str:
        return f"RemoteStore({self.url!r})"

    # --- HTTP ----------------------------------------------------------------------------------

    def _request(self, method: str, url: str, **kwargs):
        import requests

        try:
            resp = self._session.request(method, url, timeout=self.timeout, **kwargs)
        except requests.RequestException as exc:
            raise StoreUnreachable(f"{url}: cannot reach the SPARQL server ({exc})") from None
        if self._oxigraph is None:
            self._oxigraph = resp.headers.get("server", "").lower().startswith("oxigraph")
        if resp.status_code >= 400:
            text = resp.text.strip().replace("\n", " ")[:300]
            raise StoreError(f"{url}: the SPARQL server answered {resp.status_code} ({text})")
        return resp

    def _select(self, query: str) -> ox.QuerySolutions:
        resp = self._request("POST", self.query_url, data=query.encode("utf-8"),
                             headers={"Content-Type": "application/sparql-query", "Accept": _TSV})
        return ox.parse_query_results(resp.content, format=ox.QueryResultsFormat.TSV)

    def _send(self, update: str) -> None:
        self._request("POST", self.update_url, data=update.encode("utf-8"),
                      headers={"Content-Type": "application/sparql-update"})

    # --- writing -------------------------------------------------------------------------------

    def write_graph(self, graph: str, triples: list[str], *, mode: str = "replace") -> int:
        """Queue one article's graph (see ``kg.store.write_graph``); returns len(triples)."""
        from kg.store import CONTENT_HASH

        if mode not in ("new", "replace", "add"):
            raise ValueError(f"unknown mode {mode!r}; use new, replace or add")
        g = f"<{graph}>"
        node = ox.NamedNode(graph)
        body = " .\n".join(triples)
        if triples:  # checked here, as the embedded store checks them on load
            try:
                quads = list(ox.parse((body + " .\n").encode("utf-8"), format=ox.RdfFormat.N_TRIPLES))
            except (SyntaxError, ValueError) as exc:
                raise StoreError(f"cannot write the graph of {graph} to the store ({exc})") from exc
        else:
            quads = []
        ops = []
        if mode == "replace":
            ops.append(f"DROP SILENT GRAPH {g}")
        elif mode == "add":
            ops.append(f"DELETE WHERE {{ GRAPH {g} {{ {g} <{CONTENT_HASH}> ?h }} }}")
        if triples:
            ops.append(f"INSERT DATA {{ GRAPH {g} {{\n{body}\n}} }}")
        # the in-memory copy: whole for new and replace, and for an add to a copied graph
        if mode in ("new", "replace") and graph not in self._partial:
            if graph in self._mirrored:
                self._mirror.remove_graph(node)
            self._mirrored.add(graph)
        elif mode == "add" and graph in self._mirrored:
            for q in list(self._mirror.quads_for_pattern(node, ox.NamedNode(str(CONTENT_HASH)),
                                                         None, node)):
                self._mirror.remove(q)
        else:
            self._partial.add(graph)
        if graph in self._mirrored:
            self._mirror.extend(ox.Quad(q.subject, q.predicate, q.object, node) for q in quads)
        self._pending.extend(ops)
        self._pending_bytes += sum(len(op) for op in ops)
        if self._graphs is not None:
            if triples:
                self._graphs.add(graph)
            elif mode == "replace":
                self._graphs.discard(graph)
        if len(self._mirrored) + len(self._partial) >= self.batch_graphs \
                or self._pending_bytes >= self.batch_bytes:
            self.flush()
        return len(triples)

    def flush(self) -> None:
        """Send the queued writes as one update request (one transaction on Oxigraph)."""
        if not self._pending:
            return
        update = " ;\n".join(self._pending)
        self._pending, self._pending_bytes = [], 0
        self._mirror, self._mirrored, self._partial = ox.Store(), set(), set()
        try:
            self._send(update)
        except KGError:
            self._graphs = None  # not sure what the server holds now: read it again
            raise

    def update(self, update: str) -> None:
        """Run a SPARQL update now (after the queued writes)."""
        self.flush()
        self._graphs = None
        self._send(update)

    def close(self) -> None:
        """Send what is queued and close the connection."""
        try:
            self.flush()
        finally:
            self._session.close()

    # --- reading -------------------------------------------------------------------------------

    def named_graphs_set(self) -> set[str]:
        if self._graphs is None:
            self.flush()
            self._graphs = {row["g"].value for row in self._select(
                "SELECT ?g WHERE { GRAPH ?g { } }")}
        return self._graphs

    def named_graphs(self) -> Iterator[ox.NamedNode]:
        return (ox.NamedNode(g) for g in sorted(self.named_graphs_set()))

    def contains_named_graph(self, graph) -> bool:
        name = graph.value if isinstance(graph, ox.NamedNode) else str(graph)
        return name in self._mirrored or name in self._partial or name in self.named_graphs_set()

    def quads_for_pattern(self, subject=None, predicate=None, object=None, graph_name=None  # noqa: A002
                          ) -> Iterator[ox.Quad]:
        """As ``pyoxigraph.Store.quads_for_pattern``; the quads of one triple come together."""
        if isinstance(graph_name, ox.NamedNode):
            name = graph_name.value
            if name in self._mirrored:
                return iter(list(self._mirror.quads_for_pattern(subject, predicate, object,
                                                                graph_name)))
            if name not in self._partial and self._graphs is not None and name not in self._graphs:
                return iter(())  # not on the server, nothing queued: no need to ask
        self.flush()
        terms = {"s": subject, "p": predicate, "o": object}
        for t in terms.values():
            if isinstance(t, ox.BlankNode):
                return iter(())  # a server's blank nodes cannot be named in a query
        triple = " ".join(str(t) if t is not None else f"?{k}" for k, t in terms.items())
        if graph_name is None:
            where = f"{{ {triple} }} UNION {{ GRAPH ?g {{ {triple} }} }}"
        elif isinstance(graph_name, ox.DefaultGraph):
            where = triple
        else:
            where = f"GRAPH {graph_name} {{ {triple} }}"
        free = [f"?{k}" for k, t in terms.items() if t is None]
        rows = self._select(f"SELECT {' '.join(free)} ?g WHERE {{ {where} }}")
        default = ox.DefaultGraph()
        out = []
        for row in rows:
            vals = {k: t if t is not None else row[k] for k, t in terms.items()}
            g = graph_name if graph_name is not None else (row["g"] or default)
            out.append(ox.Quad(vals["s"], vals["p"], vals["o"], g))
        out.sort(key=lambda q: (str(q.subject), str(q.predicate), str(q.object), str(q.graph_name)))
        return iter(out)

    def __len__(self) -> int:
        self.flush()
        rows = self._select("SELECT (COUNT(*) AS ?n) WHERE { { ?s ?p ?o } UNION "
                            "{ GRAPH ?g { ?s ?p ?o } } }")
        return int(next(iter(rows))["n"].value)

    def __iter__(self) -> Iterator[ox.Quad]:
        return iter(ox.parse(self.dump(format=ox.RdfFormat.N_QUADS), format=ox.RdfFormat.N_QUADS))

    def dump(self, output=None, format=None, *, from_graph=None) -> bytes:  # noqa: A002
        """The store (or graph ``from_graph``) as N-Quads or N-Triples bytes, like the embedded
        store's ``dump``: through the Graph Store Protocol when the server has it."""
        self.flush()
        if output is not None:
            raise TypeError("RemoteStore.dump returns bytes; it writes no file")
        fmt = format or ox.RdfFormat.N_QUADS
        if fmt not in (ox.RdfFormat.N_QUADS, ox.RdfFormat.N_TRIPLES):
            raise ValueError(f"RemoteStore.dump writes N-Quads or N-Triples, not {fmt}")
        if fmt == ox.RdfFormat.N_TRIPLES and from_graph is None:
            raise ValueError("N-Triples holds one graph: give from_graph")
        if self.store_url is not None:
            if from_graph is None:
                params = {}
            elif isinstance(from_graph, ox.DefaultGraph):
                params = {"default": ""}
            else:
                params = {"graph": from_graph.value}
            accept = "application/n-quads" if fmt == ox.RdfFormat.N_QUADS else "application/n-triples"
            try:
                resp = self._request("GET", self.store_url, params=params, headers={"Accept": accept})
            except KGError:
                if from_graph is not None and not isinstance(from_graph, ox.DefaultGraph):
                    raise
                resp = None  # e.g. an empty default graph answers 404 on some servers
            if resp is not None:
                ctype = resp.headers.get("content-type", "").split(";")[0].strip()
                if ctype == accept:
                    return resp.content
        quads = self.quads_for_pattern(None, None, None, from_graph)
        if fmt == ox.RdfFormat.N_TRIPLES:
            return ox.serialize([ox.Triple(q.subject, q.predicate, q.object) for q in quads],
                                format=fmt)
        return ox.serialize(quads, format=fmt)

    def copy(self) -> ox.Store:
        """The whole store as an in-memory ``pyoxigraph.Store`` (one dump, loaded in Rust)."""
        mem = ox.Store()
        mem.bulk_load(self.dump(format=ox.RdfFormat.N_QUADS), format=ox.RdfFormat.N_QUADS)
        return mem

    def query(self, query: str, *, base_iri: str | None = None, prefixes: dict | None = None,
              use_default_graph_as_union: bool = False, default_graph=None, named_graphs=None,
              **_kwargs):
        """As ``pyoxigraph.Store.query``: solutions, a boolean, or triples, parsed by Oxigraph.

        The union default graph is asked for with Oxigraph's ``union-default-graph``
        parameter; another server raises ValueError (kg then answers with rdflib's engine).
        """
        self.flush()
        head = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in (prefixes or {}).items())
        if base_iri:
            head = f"BASE <{base_iri}>\n" + head
        params: list[tuple[str, str]] = []
        if use_default_graph_as_union:
            if self._oxigraph is False:
                raise ValueError("this SPARQL server has no union default graph parameter")
            params.append(("union-default-graph", ""))
        elif default_graph is not None:
            for g in default_graph if isinstance(default_graph, (list, tuple)) else [default_graph]:
                if not isinstance(g, ox.NamedNode):
                    raise ValueError("only named graphs can be the default graph of a remote query")
                params.append(("default-graph-uri", g.value))
        for g in named_graphs or ():
            params.append(("named-graph-uri", g.value))
        resp = self._request("POST", self.query_url, params=params, data=(head + query).encode("utf-8"),
                             headers={"Content-Type": "application/sparql-query",
                                      "Accept": f"{_JSON}, application/n-triples;q=0.9"})
        ctype = resp.headers.get("content-type", "").split(";")[0].strip()
        if ctype == "application/n-triples":
            return iter(list(ox.parse(resp.content, format=ox.RdfFormat.N_TRIPLES)))
        return ox.parse_query_results(resp.content, format=ox.QueryResultsFormat.JSON)


class StoreUnreachable(StoreError):
    """The SPARQL server does not answer."""


def open_for_reading(url: str, copy_limit: int | None = None) -> ox.Store | RemoteStore:
    """The store at ``url`` for a reading command (``kg.store.open_graph``).

    Up to ``copy_limit`` quads (``COPY_LIMIT``) it is copied into memory once, and every
    query, pattern and export runs there at the embedded store's speed. A larger one is read
    in place: the SPARQL queries Oxigraph answers exactly are sent to the server whole
    (``kg.store.oxigraph_plan``), the others are evaluated by rdflib here, one request per
    triple pattern it looks up: slow on a big store.
    """
    remote = RemoteStore(url)
    if len(remote) <= (COPY_LIMIT if copy_limit is None else copy_limit):
        try:
            return remote.copy()
        finally:
            remote.close()
    return remote


@contextmanager
def oxigraph_server(location: str | os.PathLike, *, port: int = 0, timeout: float = 30.0
                    ) -> Iterator[str]:
    """Run ``oxigraph serve`` (the ``oxigraph`` package's server) on 127.0.0.1; yields its URL.

    ``location`` is the server's database directory; ``port`` 0 picks a free one. The server
    is stopped on exit. For tests, benchmarks and trying things out.
    """
    exe = shutil.which("oxigraph") or str(Path(sys.executable).parent / "oxigraph")
    if not Path(exe).is_file():
        raise KGError("the Oxigraph server is not installed; pip install oxigraph")
    if port == 0:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
    log = tempfile.TemporaryFile()  # a file, not a pipe: a chatty server never blocks on it
    proc = subprocess.Popen([exe, "serve", "--location", str(location), "--bind", f"127.0.0.1:{port}"],
                            stdout=subprocess.DEVNULL, stderr=log)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                log.seek(0)
                err = log.read().decode(errors="replace").strip()[-500:]
                raise KGError(f"oxigraph serve exited with status {proc.returncode}: {err}")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise KGError(f"oxigraph serve did not listen on port {port} in {timeout} s") from None
                time.sleep(0.05)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
