"""A read-only SPARQL 1.1 Protocol endpoint over one graph, on the standard library HTTP server."""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import gc
import html
import ipaddress
import os
import pickle
import re
import signal
import socket
import struct
import sys
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from rdflib import Graph

from kg.errors import KGError
from kg.query import (
    Query,
    QueryError,
    UpdateNotAllowed,
    list_queries,
    prepare_query,
    render,
    run_query,
)

__all__ = ["DEFAULT_ISOLATION", "Endpoint", "Job", "ProcessRunner", "Reply", "ServeConfig",
           "ServeError", "ThreadRunner", "execute_job", "make_server", "negotiate", "serve"]

SPARQL_PATH = "/sparql"
# media type -> kg.query format; dict order is the preference for wildcards and defaults
RESULT_TYPES = {
    "application/sparql-results+json": "json",
    "application/sparql-results+xml": "xml",
    "text/csv": "csv",
    "text/tab-separated-values": "tsv",
    "application/json": "json",
    "application/xml": "xml",
    "text/xml": "xml",
    "text/plain": "table",
}
GRAPH_TYPES = {
    "text/turtle": "turtle",
    "application/n-triples": "nt",
    "application/ld+json": "jsonld",
    "application/rdf+xml": "rdfxml",
    "application/x-turtle": "turtle",
    "application/json": "jsonld",
    "text/plain": "nt",
}
# ?format=... (an extension for browsers and curl): the media type it stands for
FORMAT_PARAM = {
    "json": "application/sparql-results+json", "xml": "application/sparql-results+xml",
    "csv": "text/csv", "tsv": "text/tab-separated-values", "table": "text/plain",
    "text": "text/plain", "turtle": "text/turtle", "ttl": "text/turtle",
    "nt": "application/n-triples", "jsonld": "application/ld+json",
    "rdfxml": "application/rdf+xml",
}
QUERY_KINDS = {"SelectQuery": "SELECT", "AskQuery": "ASK", "ConstructQuery": "CONSTRUCT",
               "DescribeQuery": "DESCRIBE"}
DEFAULT_ISOLATION = "process" if hasattr(os, "fork") and hasattr(socket, "send_fds") else "thread"
# seconds the server waits past --timeout for a query process that should have ended itself
GRACE = 2.0
READ_ONLY = ("read-only endpoint: SPARQL Update (INSERT, DELETE, LOAD, CLEAR, DROP, CREATE, "
             "ADD, MOVE, COPY) is refused")


class ServeError(KGError):
    """The endpoint cannot start (port in use, bad option)."""


@dataclass(frozen=True)
class ServeConfig:
    """How ``kg serve`` listens and limits queries."""

    host: str = "127.0.0.1"
    port: int = 8000
    timeout: float = 10.0
    max_results: int = 10_000
    viewer: Path | None = None
    workers: int = 4
    isolation: str = DEFAULT_ISOLATION
    max_query_bytes: int = 1_000_000
    quiet: bool = False
    graph_name: str = "graph"


@dataclass(frozen=True)
class Job:
    """One query to run: its text and the negotiated output."""

    text: str
    fmt: str
    media_type: str


@dataclass(frozen=True)
class Reply:
    """An HTTP answer: status, content type, body and extra headers."""

    status: int
    content_type: str
    body: bytes
    headers: tuple[tuple[str, str], ...] = field(default=())


def _text(status: int, message: str) -> Reply:
    return Reply(status, "text/plain; charset=utf-8", (message.rstrip() + "\n").encode("utf-8"))


def _with_charset(media_type: str) -> str:
    textual = media_type.startswith("text/") or media_type.endswith(("json", "xml"))
    return f"{media_type}; charset=utf-8" if textual else media_type


def execute_job(ds: Graph, max_results: int, job: Job) -> Reply:
    """Run one job on the graph and render it; errors become 400 or 500 replies."""
    try:
        result = run_query(ds, Query(job.text), max_results=max_results)
        body = render(result, job.fmt).encode("utf-8")
    except QueryError as exc:
        return _text(400, str(exc))
    except Exception as exc:  # a bug or an rdflib failure: say what, keep serving
        return _text(500, f"query failed: {type(exc).__name__}: {exc}")
    headers = (("X-KG-Truncated", "true"),) if result.truncated else ()
    return Reply(200, _with_charset(job.media_type), body, headers)


def _timeout_reply(timeout: float) -> Reply:
    return _text(503, f"query timed out after {timeout:g} s (kg serve --timeout); "
                      "narrow it with more specific patterns or a LIMIT")


def _busy_reply(workers: int) -> Reply:
    return _text(503, f"server busy: {workers} queries running (kg serve --workers); retry later")


# ---------------------------------------------------------------- running queries with a limit


class ThreadRunner:
    """Runs each job in a thread and answers 503 when it outlasts the time limit.

    rdflib cannot be interrupted, so a timed-out query keeps its thread (and CPU) until it
    ends; it keeps its worker slot too, so runaway queries turn into 'busy' answers instead of
    piling up. Use it where fork is not available.
    """

    def __init__(self, execute: Callable[[Job], Reply], timeout: float, workers: int = 4):
        self.execute, self.timeout, self.workers = execute, timeout, workers
        self._slots = threading.BoundedSemaphore(workers)

    def run(self, job: Job) -> Reply:
        if not self._slots.acquire(timeout=self.timeout):
            return _busy_reply(self.workers)
        box: list[Reply] = []

        def work() -> None:
            try:
                box.append(self.execute(job))
            finally:
                self._slots.release()

        thread = threading.Thread(target=work, name="kg-query", daemon=True)
        thread.start()
        thread.join(self.timeout)
        return box[0] if box else _timeout_reply(self.timeout)

    def close(self) -> None:
        pass


class ProcessRunner:
    """Runs each job in its own process, killed when it outlasts the time limit.

    At start a single-threaded 'zygote' process is forked holding the loaded graph; for each
    job the zygote forks a child (the graph is shared copy-on-write, nothing is reloaded or
    pickled) which arms an alarm for the time limit, runs the query, sends the rendered reply
    back over a socket pair and exits. Forking from the zygote rather than from the threaded
    HTTP server means no lock held by another thread is ever copied into a child.
    """

    def __init__(self, execute: Callable[[Job], Reply], timeout: float, workers: int = 4):
        self.timeout, self.workers = timeout, workers
        self._slots = threading.BoundedSemaphore(workers)
        self._lock = threading.Lock()
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        pid = os.fork()
        if pid == 0:  # the zygote
            code = 0
            try:
                ours.close()
                _zygote(theirs, execute, timeout)
            except BaseException:  # noqa: BLE001 - never return into the caller's code
                code = 1
            finally:
                os._exit(code)
        theirs.close()
        self._ctrl, self._pid = ours, pid

    def run(self, job: Job) -> Reply:
        if not self._slots.acquire(timeout=self.timeout):
            return _busy_reply(self.workers)
        start = time.monotonic()
        try:
            mine, theirs = socket.socketpair()
            with mine:
                try:
                    with theirs, self._lock:
                        socket.send_fds(self._ctrl, [b"q"], [theirs.fileno()])
                    _send_msg(mine, pickle.dumps(job))
                    data = _recv_msg(mine, start + self.timeout + GRACE)
                except OSError as exc:
                    return _text(500, f"query process unavailable ({exc}); restart kg serve")
            if data is not None:
                return pickle.loads(data)
            if time.monotonic() - start >= self.timeout * 0.9:
                return _timeout_reply(self.timeout)
            return _text(500, "the query process ended without an answer (out of memory?)")
        finally:
            self._slots.release()

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self._ctrl.close()  # the zygote reads end-of-file and exits
        deadline = time.monotonic() + 2
        while time.monotonic() < deadline:
            with contextlib.suppress(ChildProcessError):
                if os.waitpid(self._pid, os.WNOHANG)[0]:
                    return
            time.sleep(0.02)
        with contextlib.suppress(ProcessLookupError, ChildProcessError):
            os.kill(self._pid, signal.SIGKILL)
            os.waitpid(self._pid, 0)


def _zygote(ctrl: socket.socket, execute: Callable[[Job], Reply], timeout: float) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the server; we follow it
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children are reaped by the kernel
    gc.freeze()  # the graph stays shared: collections in the children do not touch it
    while True:
        try:
            msg, fds, _flags, _addr = socket.recv_fds(ctrl, 16, 4)
        except InterruptedError:
            continue
        if not msg:  # the server closed its end
            return
        if not fds:
            continue
        try:
            pid = os.fork()
        except OSError:
            pid = -1
        if pid == 0:
            code = 0
            try:
                ctrl.close()
                _child(socket.socket(fileno=fds[0]), execute, timeout)
            except BaseException:  # noqa: BLE001
                code = 1
            finally:
                os._exit(code)
        for fd in fds:
            os.close(fd)  # the child has its copy; a failed fork closes the socket: 500


def _child(conn: socket.socket, execute: Callable[[Job], Reply], timeout: float) -> None:
    signal.signal(signal.SIGALRM, signal.SIG_DFL)
    signal.setitimer(signal.ITIMER_REAL, timeout)  # the default action ends the process
    sys.addaudithook(_no_network)
    data = _recv_msg(conn, time.monotonic() + timeout)
    if data is None:
        return
    reply = execute(pickle.loads(data))
    _send_msg(conn, pickle.dumps(reply))
    conn.close()


def _no_network(event: str, _args: tuple) -> None:
    # defence in depth: SERVICE is refused and FROM loads nothing, but a query never needs
    # the network
    if event in ("socket.connect", "socket.getaddrinfo", "urllib.Request"):
        raise RuntimeError("network access is disabled while a query runs")


def _send_msg(sock: socket.socket, payload: bytes) -> None:
    sock.sendall(struct.pack("!Q", len(payload)) + payload)


def _recv_msg(sock: socket.socket, deadline: float) -> bytes | None:
    header = _recv_exact(sock, 8, deadline)
    if header is None:
        return None
    return _recv_exact(sock, struct.unpack("!Q", header)[0], deadline)


def _recv_exact(sock: socket.socket, n: int, deadline: float) -> bytes | None:
    chunks, got = [], 0
    while got < n:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return None
        sock.settimeout(remaining)
        try:
            chunk = sock.recv(min(n - got, 1 << 20))
        except TimeoutError:
            return None
        if not chunk:
            return None
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


# ---------------------------------------------------------------- the protocol


def negotiate(accept: str | None, kind: str) -> tuple[str, str] | None:
    """(kg.query format, media type) for an Accept header and a query form, or None (406).

    >>> negotiate("text/csv, */*;q=0.1", "SELECT")
    ('csv', 'text/csv')
    >>> negotiate("*/*", "CONSTRUCT")
    ('turtle', 'text/turtle')
    """
    table = GRAPH_TYPES if kind in ("CONSTRUCT", "DESCRIBE") else RESULT_TYPES
    first = next(iter(table.items()))
    default = (first[1], first[0])
    if not accept or not accept.strip():
        return default
    ranges = []
    for i, part in enumerate(accept.split(",")):
        media, *params = (p.strip() for p in part.split(";"))
        q = 1.0
        for p in params:
            if p.lower().startswith("q="):
                try:
                    q = float(p[2:])
                except ValueError:
                    q = 0.0
        if media:
            specificity = 0 if media == "*/*" else 1 if media.endswith("/*") else 2
            ranges.append((-q, -specificity, i, media.lower()))
    for neg_q, _spec, _i, media in sorted(ranges):
        if neg_q >= 0:
            continue
        if media == "*/*":
            return default
        if media.endswith("/*"):
            main = media[:-1]
            for mt, fmt in table.items():
                if mt.startswith(main):
                    return fmt, mt
        elif media in table:
            return table[media], media
    return None


def _query_kind(prepared) -> str:
    return QUERY_KINDS.get(prepared.algebra.name, "SELECT")


def _uses_service(node) -> bool:
    from rdflib.plugins.sparql.parserutils import CompValue

    if isinstance(node, CompValue):
        if node.name == "ServiceGraphPattern":
            return True
        return any(_uses_service(v) for v in node.values())
    if isinstance(node, (list, tuple)):
        return any(_uses_service(v) for v in node)
    return False


def _warm_up(ds: Graph) -> None:
    # import rdflib's lazily loaded SPARQL and serializer plugins once, before the query
    # processes are forked, so that no query pays for the imports
    probe = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 1"
    result = run_query(ds, probe, max_results=1)
    for fmt in ("turtle", "nt", "jsonld", "rdfxml"):
        render(result, fmt)
    for fmt in ("json", "xml", "csv", "tsv", "table"):
        render(run_query(ds, "SELECT * WHERE { ?s ?p ?o } LIMIT 1"), fmt)
        render(run_query(ds, "ASK { ?s ?p ?o }"), fmt)


class Endpoint:
    """The endpoint's logic without HTTP: check a query, negotiate, run it within limits."""

    def __init__(self, ds: Graph, config: ServeConfig):
        import rdflib.plugins.sparql

        # FROM <x> must not fetch x from the web or the disk (rdflib's default does)
        rdflib.plugins.sparql.SPARQL_LOAD_GRAPHS = False
        self.config = config
        self.namespaces = tuple((p, str(ns)) for p, ns in ds.namespaces())
        self.size = len(ds)
        self._parse_lock = threading.Lock()
        _warm_up(ds)
        execute = functools.partial(execute_job, ds, config.max_results)
        if config.isolation == "process":
            if DEFAULT_ISOLATION != "process":
                raise ServeError("--isolation process needs fork (POSIX); use --isolation thread")
            self.runner: ThreadRunner | ProcessRunner = ProcessRunner(
                execute, config.timeout, config.workers)
        elif config.isolation == "thread":
            self.runner = ThreadRunner(execute, config.timeout, config.workers)
        else:
            raise ServeError(f"unknown isolation {config.isolation!r}; use process or thread")

    def answer(self, text: str, accept: str | None, fmt: str | None = None) -> Reply:
        """Check the query (400 syntax, 403 update), negotiate (406), run it (200/400/503)."""
        try:
            with self._parse_lock:  # pyparsing grammars are shared module state
                prepared = prepare_query(text, self.namespaces)
        except UpdateNotAllowed:
            return _text(403, READ_ONLY)
        except QueryError as exc:
            return _text(400, str(exc))
        if _uses_service(prepared.algebra):
            return _text(400, "SERVICE is not allowed: this endpoint queries only its own graph")
        kind = _query_kind(prepared)
        if fmt:
            if fmt not in FORMAT_PARAM:
                return _text(400, f"unknown format {fmt!r}; use one of {', '.join(FORMAT_PARAM)}")
            accept = FORMAT_PARAM[fmt]
        chosen = negotiate(accept, kind)
        if chosen is None:
            table = GRAPH_TYPES if kind in ("CONSTRUCT", "DESCRIBE") else RESULT_TYPES
            return _text(406, f"cannot answer a {kind} query as {accept}; "
                              f"acceptable: {', '.join(table)}")
        return self.runner.run(Job(text, chosen[0], chosen[1]))

    def index_page(self) -> bytes:
        c = self.config
        esc = html.escape
        example = ("PREFIX kgo: <https://w3id.org/kg/ontology#>\n"
                   "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n\n"
                   "SELECT ?leaderLabel ?ledLabel WHERE {\n"
                   "  ?leader kgo:leaderOf ?led ; rdfs:label ?leaderLabel .\n"
                   "  ?led rdfs:label ?ledLabel .\n} LIMIT 100")
        items = []
        for q in list_queries():
            params = "; ".join(f"{p.name} ({'required' if p.required else 'optional'}"
                               f"{': ' + p.description if p.description else ''})"
                               for p in q.params)
            name = esc(q.name or "")
            if not any(p.required for p in q.params):  # runnable without bindings
                body = re.sub(r"\A(?:[ \t]*#[^\n]*\n)+", "", q.text)  # the header is above
                link = SPARQL_PATH + "?" + urllib.parse.urlencode(
                    {"query": body, "format": "table"})
                name = f'<a href="{esc(link)}">{name}</a>'
            items.append(f"<dt>{name}</dt><dd>{esc(q.description)}"
                         f"{'<br>Parameters: ' + esc(params) if params else ''}</dd>")
        viewer = '<p><a href="/view">Open the graph viewer</a></p>' if c.viewer else ""
        options = "".join(f"<option>{f}</option>" for f in
                          ("json", "xml", "csv", "tsv", "table", "turtle", "nt", "jsonld"))
        page = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>kg SPARQL endpoint</title>
<style>body{{font:15px/1.45 system-ui,sans-serif;max-width:56rem;margin:2rem auto;padding:0 1rem}}
textarea{{width:100%;font:13px/1.4 monospace}}dt{{font-weight:600;margin-top:.6rem}}</style>
</head><body>
<h1>kg SPARQL endpoint</h1>
<p>Graph <code>{esc(c.graph_name)}</code>: {self.size:,} triples. The SPARQL 1.1 Protocol
endpoint is <a href="{SPARQL_PATH}"><code>{SPARQL_PATH}</code></a>: <code>GET
{SPARQL_PATH}?query=…</code> or <code>POST</code> (form or <code>application/sparql-query</code>).
Read-only; at most {c.max_results:,} rows and {c.timeout:g} s per query.</p>
{viewer}
<form action="{SPARQL_PATH}" method="get">
<textarea name="query" rows="9">{esc(example)}</textarea>
<label>Format <select name="format">{options}</select></label> <button>Run</button>
</form>
<h2>Canned queries</h2>
<p>Also in the command line: <code>kg query NAME --bind param=value</code>. Those without
required parameters run from here.</p>
<dl>{''.join(items)}</dl>
</body></html>
"""
        return page.encode("utf-8")

    def close(self) -> None:
        self.runner.close()


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address, endpoint: Endpoint):
        self.endpoint = endpoint
        host = address[0]
        with contextlib.suppress(ValueError):
            if ipaddress.ip_address(host.strip("[]")).version == 6:
                self.address_family = socket.AF_INET6
        super().__init__(address, _Handler)


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class _Handler(BaseHTTPRequestHandler):
    server_version = "kg-sparql/1"
    protocol_version = "HTTP/1.1"
    server: _Server

    # -- plumbing

    def _send(self, reply: Reply, extra: tuple[tuple[str, str], ...] = ()) -> None:
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(reply.body)))
        self.send_header("X-Content-Type-Options", "nosniff")
        for name, value in reply.headers + extra:
            self.send_header(name, value)
        if reply.status >= 400:  # simplest after an error: a body may be left unread
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(reply.body)

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - the base signature
        if not self.server.endpoint.config.quiet:
            line = "".join(c if c.isprintable() else "?" for c in format % args)
            sys.stderr.write(f"{self.address_string()} {line[:300]}\n")

    # -- methods

    def _host_ok(self) -> bool:
        """Refuse requests that name another host (a DNS-rebinding page in a browser) while
        the server listens on this machine only."""
        hosts = self.headers.get_all("Host") or []
        bound = str(self.server.server_address[0])
        if not _is_loopback(bound) or not hosts:
            return True
        host = hosts[0] if len(hosts) == 1 else ", ".join(hosts)  # two Host headers: refused
        name = urllib.parse.urlsplit("//" + host).hostname or "" if len(hosts) == 1 else ""
        if name == "localhost" or _is_loopback(name) or name == bound.strip("[]"):
            return True
        self._send(_text(403, f"Host {host!r} is not this server; it answers requests for "
                              "localhost or 127.0.0.1 only (use those names in the URL)"))
        return False

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        if not self._host_ok():
            return
        url = urllib.parse.urlsplit(self.path)
        if url.path == "/":
            csp = ("Content-Security-Policy",
                   "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'")
            self._send(Reply(200, "text/html; charset=utf-8", self.server.endpoint.index_page()),
                       (csp,))
        elif url.path == SPARQL_PATH:
            params = self._params(url.query)
            if params is not None:
                self._sparql(params, None)
        elif url.path == "/view":
            self._viewer()
        else:
            self._send(_text(404, f"no such page: {url.path}; see / and {SPARQL_PATH}"))

    do_HEAD = do_GET

    def do_POST(self) -> None:  # noqa: N802
        if not self._host_ok():
            return
        url = urllib.parse.urlsplit(self.path)
        if url.path != SPARQL_PATH:
            self._send(_text(404, f"POST goes to {SPARQL_PATH}"))
            return
        params = self._params(url.query)
        if params is None:
            return
        body = self._body()
        if body is None:
            return
        ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if ctype == "application/x-www-form-urlencoded":
            try:
                form = self._params(body.decode("utf-8"))
            except UnicodeDecodeError:
                self._send(_text(400, "the form is not UTF-8 text"))
                return
            if form is None:
                return
            for key, values in form.items():
                params.setdefault(key, []).extend(values)
            self._sparql(params, None)
        elif ctype == "application/sparql-query":
            try:
                text = body.decode("utf-8")
            except UnicodeDecodeError:
                self._send(_text(400, "the query is not UTF-8 text"))
                return
            self._sparql(params, text)
        elif ctype == "application/sparql-update":
            self._send(_text(403, READ_ONLY))
        else:
            self._send(_text(415, f"unsupported Content-Type {ctype or '(none)'!r}; send "
                                  "application/x-www-form-urlencoded or application/sparql-query"))

    def _not_allowed(self) -> None:
        self._send(_text(405, f"{self.command} is not allowed: {READ_ONLY}"),
                   (("Allow", "GET, HEAD, POST"),))

    do_PUT = do_DELETE = do_PATCH = _not_allowed

    # -- helpers

    def _params(self, qs: str) -> dict[str, list[str]] | None:
        try:
            return urllib.parse.parse_qs(qs, keep_blank_values=True, strict_parsing=False,
                                         errors="strict", max_num_fields=64)
        except (ValueError, UnicodeDecodeError) as exc:
            self._send(_text(400, f"cannot read the request parameters ({exc})"))
            return None

    def _body(self) -> bytes | None:
        length = self.headers.get("Content-Length")
        if length is None:
            self._send(_text(411, "POST needs a Content-Length"))
            return None
        try:
            n = int(length)
        except ValueError:
            self._send(_text(400, f"bad Content-Length {length!r}"))
            return None
        limit = self.server.endpoint.config.max_query_bytes
        if n < 0 or n > limit:
            self.close_connection = True  # the body stays unread
            self._send(_text(413, f"request body of {n} bytes; the limit is {limit}"))
            return None
        return self.rfile.read(n)

    def _sparql(self, params: dict[str, list[str]], body_query: str | None) -> None:
        if "update" in params or "using-graph-uri" in params:
            self._send(_text(403, READ_ONLY))
            return
        if "default-graph-uri" in params or "named-graph-uri" in params:
            self._send(_text(400, "default-graph-uri and named-graph-uri are not supported: "
                                  "the endpoint serves one dataset; use FROM or GRAPH in the query"))
            return
        queries = params.get("query", [])
        if body_query is not None:
            queries = [*queries, body_query]
        if len(queries) != 1:
            what = "no 'query' parameter" if not queries else "more than one query"
            self._send(_text(400, f"{what}; send GET {SPARQL_PATH}?query=... or POST one query"))
            return
        fmt = (params.get("format") or [None])[-1]
        reply = self.server.endpoint.answer(queries[0], self.headers.get("Accept"), fmt)
        self._send(reply)

    def _viewer(self) -> None:
        path = self.server.endpoint.config.viewer
        if path is None:
            self._send(_text(404, "no viewer: start kg serve with --viewer FILE"))
            return
        try:
            data = path.read_bytes()  # the path comes from the command line, never a request
        except OSError as exc:
            self._send(_text(404, f"the viewer file cannot be read ({exc.strerror})"))
            return
        self._send(Reply(200, "text/html; charset=utf-8", data))


def make_server(ds: Graph, config: ServeConfig) -> ThreadingHTTPServer:
    """An HTTP server (not yet serving) for the graph; ``server.endpoint.close()`` when done.

    The query processes are forked here, before any request thread exists.
    """
    if config.timeout <= 0 or config.max_results < 1 or config.workers < 1:
        raise ServeError("--timeout, --max-results and --workers must be positive")
    endpoint = Endpoint(ds, config)
    try:
        return _Server((config.host, config.port), endpoint)
    except OSError as exc:
        endpoint.close()
        raise ServeError(f"cannot listen on {config.host}:{config.port} ({exc.strerror}); "
                         "choose another --port or --host") from exc


def serve(graph: str | os.PathLike | Graph, config: ServeConfig | None = None, *,
          name: str | None = None) -> None:
    """Serve a graph file, or an in-memory graph (a store's copy), until interrupted.

    The graph is held in memory: the query processes fork from it, and a store copied into
    it is free for builds while it is served.
    """
    from kg.export import load_graph

    config = config or ServeConfig()
    if config.viewer is not None and not Path(config.viewer).is_file():
        raise ServeError(f"{config.viewer}: no such viewer file; build one with kg view")
    if isinstance(graph, Graph):
        ds, shown_name = graph, name or "memory"
    else:
        ds, shown_name = load_graph(graph), Path(graph).name
    config = dataclasses.replace(config, graph_name=shown_name)
    server = make_server(ds, config)
    gc.collect()  # the query processes hold the graph; drop what loading left behind
    host, port = server.server_address[:2]
    shown = f"[{host}]" if ":" in str(host) else host
    if not config.quiet:
        sys.stderr.write(f"kg: serving {server.endpoint.size:,} triples from {shown_name} at "
                         f"http://{shown}:{port}{SPARQL_PATH} (Ctrl-C stops)\n")
        with contextlib.suppress(ValueError):
            if not ipaddress.ip_address(host).is_loopback:
                sys.stderr.write("kg: warning: listening beyond this machine; anyone who can "
                                 "reach it can read the whole graph\n")
        sys.stderr.flush()

    def stop(_signum, _frame) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        server.server_close()
        server.endpoint.close()
