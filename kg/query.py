"""SPARQL over a kg graph: canned queries (kg/queries/*.rq), bound parameters, result writers."""

from __future__ import annotations

import csv
import io
import json
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import TextIO
from xml.sax.saxutils import escape as xml_escape
from xml.sax.saxutils import quoteattr

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from kg.errors import KGError

__all__ = ["FORMATS", "GRAPH_FORMATS", "Param", "Query", "QueryError", "Result", "UpdateNotAllowed",
           "list_queries", "load_query", "media_type", "prepare_query", "render", "run_query",
           "to_term", "write_result"]

QUERY_PACKAGE = "kg.queries"
HEADER_KEYS = ("name", "description", "params")
# a string that starts like SPARQL (after comments) is query text, not a name or a path
SPARQL_START = re.compile(
    r"^\s*(?:#[^\n]*\n\s*)*(?:PREFIX|BASE|SELECT|ASK|CONSTRUCT|DESCRIBE|INSERT|DELETE|LOAD|CLEAR|"
    r"DROP|CREATE|ADD|MOVE|COPY|WITH)\b", re.IGNORECASE)
# formats for SELECT and ASK results; CONSTRUCT and DESCRIBE also take GRAPH_FORMATS
FORMATS = {
    "table": "text/plain",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
}
GRAPH_FORMATS = {
    "turtle": ("turtle", "text/turtle"),
    "nt": ("nt", "application/n-triples"),
    "jsonld": ("json-ld", "application/ld+json"),
    "rdfxml": ("xml", "application/rdf+xml"),
}
# what a result-set format means for a graph result
GRAPH_FALLBACK = {"table": "turtle", "json": "jsonld", "xml": "rdfxml"}
SPARQL_RESULTS_NS = "http://www.w3.org/2005/sparql-results#"


class QueryError(KGError):
    """A query that cannot be loaded, parsed, bound or run."""


class UpdateNotAllowed(QueryError):
    """SPARQL Update text where only queries are accepted."""


@dataclass(frozen=True)
class Param:
    """A parameter a canned query declares in its ``# params:`` header line."""

    name: str
    required: bool = False
    description: str = ""


@dataclass(frozen=True)
class Query:
    """SPARQL query text with what its comment header declares."""

    text: str
    name: str | None = None
    description: str = ""
    params: tuple[Param, ...] = ()
    source: str = "<text>"

    def param(self, name: str) -> Param | None:
        return next((p for p in self.params if p.name == name), None)


@dataclass
class Result:
    """A query's answer: rows for SELECT, a boolean for ASK, a graph for CONSTRUCT/DESCRIBE.

    ``rows`` hold rdflib terms (None where a variable is unbound), in ``vars`` order;
    ``truncated`` says rows or triples were cut at ``max_results``.
    """

    kind: str
    vars: tuple[str, ...] = ()
    rows: list[tuple[Node | None, ...]] = field(default_factory=list)
    boolean: bool | None = None
    graph: Graph | None = None
    truncated: bool = False
    namespaces: tuple[tuple[str, str], ...] = field(default=(), repr=False)

    @property
    def is_graph(self) -> bool:
        return self.kind in ("CONSTRUCT", "DESCRIBE")

    def __len__(self) -> int:
        if self.is_graph:
            return len(self.graph) if self.graph is not None else 0
        return len(self.rows) if self.kind == "SELECT" else 1

    def dicts(self) -> list[dict[str, Node | None]]:
        """SELECT rows as dicts, variable name -> term (None when unbound)."""
        return [dict(zip(self.vars, row, strict=True)) for row in self.rows]

    def column(self, var: str) -> list[str | None]:
        """One SELECT column as strings (None when unbound)."""
        i = self.vars.index(var)
        return [None if row[i] is None else str(row[i]) for row in self.rows]


# ---------------------------------------------------------------- loading


def list_queries() -> list[Query]:
    """The canned queries shipped in ``kg/queries``, sorted by name.

    >>> [q.name for q in list_queries()][:2]
    ['articles-per-source', 'cooperation']
    """
    queries = []
    for entry in resources.files(QUERY_PACKAGE).iterdir():
        if entry.name.endswith(".rq"):
            queries.append(_parse_query_text(entry.read_text(encoding="utf-8"),
                                             default_name=entry.name[:-3],
                                             source=f"{QUERY_PACKAGE}/{entry.name}"))
    return sorted(queries, key=lambda q: q.name or "")


def load_query(spec: str | Path | Query) -> Query:
    """A canned query by name, a query file (.rq) by path, or SPARQL text.

    >>> load_query("leaders").params[0].name
    'country'
    """
    if isinstance(spec, Query):
        return spec
    if isinstance(spec, Path):
        return _read_query_file(spec)
    text = spec.strip()
    if not text:
        raise QueryError("empty query; give a canned query name (kg query --list), "
                         "a .rq file or SPARQL text")
    canned = {q.name: q for q in list_queries()}
    if text in canned:
        return canned[text]
    if SPARQL_START.match(spec):
        return _parse_query_text(spec)
    if "\n" not in text and len(text) < 1024:
        path = Path(text)
        if path.is_file():
            return _read_query_file(path)
        if path.suffix.lower() in (".rq", ".sparql", ".txt"):
            raise QueryError(f"{text}: no such query file")
    raise QueryError(f"{text[:60]!r} is not a canned query, a query file or SPARQL text; "
                     f"canned queries: {', '.join(sorted(canned))}")


def _read_query_file(path: Path) -> Query:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise QueryError(f"{path}: cannot read ({exc.strerror})") from exc
    except UnicodeDecodeError as exc:
        raise QueryError(f"{path}: not UTF-8 text ({exc.reason})") from exc
    return _parse_query_text(text, default_name=None, source=str(path))


def _parse_query_text(text: str, default_name: str | None = None, source: str = "<text>") -> Query:
    header: dict[str, str] = {}
    key = None
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped:
            continue
        if not stripped.startswith("#"):
            break
        m = re.match(r"#\s*([A-Za-z]+)\s*:\s*(.*)$", stripped)
        if m and m.group(1).lower() in HEADER_KEYS:
            key = m.group(1).lower()
            header[key] = m.group(2).strip()
        elif key is not None:  # a continuation line of the previous key
            header[key] = f"{header[key]} {stripped.lstrip('#').strip()}".strip()
    return Query(text=text, name=header.get("name") or default_name,
                 description=header.get("description", ""),
                 params=_parse_params(header.get("params", ""), source), source=source)


def _parse_params(spec: str, source: str) -> tuple[Param, ...]:
    """``country (optional: label ...); label (required: ...)``; bare names are optional."""
    if spec.strip().lower() in ("", "none", "-"):
        return ()
    parts, depth, current = [], 0, []
    for ch in spec:  # split on ; or , outside parentheses
        depth += (ch == "(") - (ch == ")")
        if ch in ";," and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    parts.append("".join(current))
    params = []
    for part in filter(None, (p.strip() for p in parts)):
        m = re.fullmatch(r"([A-Za-z_]\w*)\s*(?:\(\s*(optional|required)?\s*:?\s*(.*?)\s*\))?", part,
                         re.DOTALL)
        if not m:
            raise QueryError(f"{source}: cannot read parameter {part!r} in the '# params:' line; "
                             "write 'name (optional: what it is)' or 'name (required: ...)'")
        params.append(Param(m.group(1), m.group(2) == "required", m.group(3) or ""))
    return tuple(params)


# ---------------------------------------------------------------- running


def prepare_query(text: str, namespaces: Mapping[str, str] | Iterable[tuple[str, str]] = ()):
    """Parse SPARQL query text into an rdflib prepared query.

    Raises ``UpdateNotAllowed`` for SPARQL Update text and ``QueryError`` for anything else
    that does not parse, with the parser's line and column.
    """
    init_ns = tuple(namespaces.items() if isinstance(namespaces, Mapping) else namespaces)
    return _prepare(text, init_ns)


@lru_cache(maxsize=64)
def _prepare(text: str, init_ns: tuple[tuple[str, str], ...]):
    """``prepare_query``, remembered: rdflib's parser takes 30-70 ms for a canned query, more
    than Oxigraph takes to answer one about a single entity on a million triples. rdflib
    never changes a prepared query, so one serves every run."""
    from pyparsing import ParseException
    from rdflib.plugins.sparql import prepareQuery
    from rdflib.plugins.sparql.parser import parseUpdate

    try:
        return prepareQuery(text, initNs=dict(init_ns))
    except ParseException as exc:
        try:
            parseUpdate(text)
        except Exception:
            pass
        else:
            raise UpdateNotAllowed("SPARQL Update is not allowed: this is a read-only query "
                                   "interface (INSERT, DELETE, LOAD, CLEAR, DROP, CREATE, ADD, "
                                   "MOVE and COPY are refused)") from None
        raise QueryError(f"SPARQL syntax error at line {exc.lineno}, column {exc.col}: "
                         f"{exc.msg}; near {exc.line.strip()[:80]!r}") from None
    except Exception as exc:  # rdflib raises plain Exceptions for unknown prefixes and such
        raise QueryError(f"cannot prepare the query: {exc}") from None


def to_term(value: object) -> Node:
    """A binding value as an rdflib term: ``<iri>`` is an IRI, other text a plain literal.

    >>> to_term("Iran"), to_term("<https://w3id.org/kg/id/Iran>")
    (rdflib.term.Literal('Iran'), rdflib.term.URIRef('https://w3id.org/kg/id/Iran'))
    """
    if isinstance(value, Node):
        return value
    if isinstance(value, str):
        if len(value) > 2 and value.startswith("<") and value.endswith(">"):
            return URIRef(value[1:-1])
        return Literal(value)
    if isinstance(value, (bool, int, float, Decimal, date, datetime)):
        return Literal(value)
    raise QueryError(f"cannot bind a {type(value).__name__} ({value!r}); give text, a number, "
                     "a date or an rdflib term")


def _check_bindings(query: Query, bindings: Mapping[str, object]) -> None:
    label = f"query {query.name!r}" if query.name else "the query"
    for name in bindings:
        if not re.fullmatch(r"[A-Za-z_]\w*", name):
            raise QueryError(f"bad parameter name {name!r}; use a SPARQL variable name "
                             "without '?' (e.g. --bind country=Iran)")
    if query.params:
        known = {p.name for p in query.params}
        unknown = sorted(set(bindings) - known)
        if unknown:
            raise QueryError(f"{label} has no parameter {unknown[0]!r}; "
                             f"its parameters: {', '.join(p.name for p in query.params)}")
        missing = [p for p in query.params if p.required and p.name not in bindings]
        if missing:
            p = missing[0]
            raise QueryError(f"{label} needs --bind {p.name}=VALUE ({p.description or 'required'})")
        return
    for name in bindings:
        if not re.search(rf"[?$]{re.escape(name)}\b", query.text):
            raise QueryError(f"{label} has no variable ?{name} to bind")


def run_query(ds: Graph, query: str | Path | Query, bindings: Mapping[str, object] | None = None,
              *, max_results: int | None = None) -> Result:
    """Run a query (name, file or text) on a graph or Dataset, parameters bound with initBindings.

    Text values bind as plain literals (the canned queries compare labels case-insensitively),
    ``<...>`` as IRIs. At most ``max_results`` rows (or triples) are kept; ``Result.truncated``
    says whether more were there.

    >>> from kg.graph import new_dataset
    >>> run_query(new_dataset(), "ASK { ?s ?p ?o }").boolean
    False
    """
    q = load_query(query)
    bindings = dict(bindings or {})
    _check_bindings(q, bindings)
    namespaces = tuple((p, str(ns)) for p, ns in ds.namespaces())
    prepared = prepare_query(q.text, namespaces)
    terms = {name: to_term(value) for name, value in bindings.items()}
    try:
        res = ds.query(prepared, initBindings=terms)
        return _collect(res, max_results, namespaces)
    except QueryError:
        raise
    except Exception as exc:  # evaluation errors come as many types
        raise QueryError(f"the query failed: {type(exc).__name__}: {exc}") from exc


def _collect(res, max_results: int | None, namespaces) -> Result:
    if res.type == "ASK":
        return Result("ASK", boolean=bool(res.askAnswer), namespaces=namespaces)
    if res.type in ("CONSTRUCT", "DESCRIBE"):
        g = Graph(bind_namespaces="none")
        truncated = False
        for i, triple in enumerate(res.graph):
            if max_results is not None and i >= max_results:
                truncated = True
                break
            g.add(triple)
        # only the prefixes the triples use: JSON-LD would put every bound one in its context
        used = {str(t) for triple in g for t in triple if isinstance(t, URIRef)}
        for prefix, ns in namespaces:
            if any(iri.startswith(ns) for iri in used):
                g.bind(prefix, ns, override=True, replace=True)
        return Result(res.type, graph=g, truncated=truncated, namespaces=namespaces)
    names = tuple(str(v) for v in res.vars or ())
    rows: list[tuple[Node | None, ...]] = []
    truncated = False
    for row in res:  # lazy: stops the evaluation early where rdflib allows
        if max_results is not None and len(rows) >= max_results:
            truncated = True
            break
        rows.append(tuple(row))
    return Result("SELECT", vars=names, rows=rows, truncated=truncated, namespaces=namespaces)


# ---------------------------------------------------------------- writing


def media_type(result: Result, fmt: str) -> str:
    """The media type of ``render(result, fmt)``."""
    fmt = _graph_format(result, fmt) if result.is_graph else _check_format(result, fmt)
    if fmt in GRAPH_FORMATS:
        return GRAPH_FORMATS[fmt][1]
    return FORMATS[fmt]


def render(result: Result, fmt: str = "table", *, max_width: int = 40) -> str:
    """The result as text in ``fmt`` (FORMATS, or GRAPH_FORMATS for CONSTRUCT/DESCRIBE)."""
    out = io.StringIO()
    write_result(result, out, fmt, max_width=max_width)
    return out.getvalue()


def write_result(result: Result, out: TextIO, fmt: str = "table", *, max_width: int = 40) -> None:
    """Write the result to a text stream.

    SELECT and ASK: table (aligned, cells cut at ``max_width``), csv and tsv (SPARQL 1.1
    CSV/TSV), json and xml (SPARQL 1.1 Query Results JSON/XML). CONSTRUCT and DESCRIBE:
    turtle, nt, jsonld, rdfxml; table means Turtle, json JSON-LD, xml RDF/XML, and csv/tsv a
    subject, predicate, object table.
    """
    if result.is_graph:
        fmt = _graph_format(result, fmt)
        if fmt in ("csv", "tsv"):
            result = _triples_as_rows(result)
        else:
            out.write(_serialize_graph(result, GRAPH_FORMATS[fmt][0]))
            return
    fmt = _check_format(result, fmt)
    {"table": _write_table, "csv": _write_csv, "tsv": _write_tsv, "json": _write_json,
     "xml": _write_xml}[fmt](result, out, max_width)


def _check_format(result: Result, fmt: str) -> str:
    if fmt not in FORMATS:
        raise QueryError(f"unknown format {fmt!r} for a {result.kind} result; "
                         f"use one of {', '.join(FORMATS)}")
    return fmt


def _graph_format(result: Result, fmt: str) -> str:
    fmt = GRAPH_FALLBACK.get(fmt, fmt)
    if fmt not in GRAPH_FORMATS and fmt not in ("csv", "tsv"):
        raise QueryError(f"unknown format {fmt!r} for a {result.kind} result; use one of "
                         f"{', '.join([*GRAPH_FORMATS, 'table', 'json', 'xml', 'csv', 'tsv'])}")
    return fmt


def _serialize_graph(result: Result, rdflib_format: str) -> str:
    g = result.graph if result.graph is not None else Graph()
    if rdflib_format == "nt":  # sorted lines: the same graph always gives the same text
        lines = sorted(set(g.serialize(format="nt").splitlines()) - {""})
        return "".join(line + "\n" for line in lines)
    kwargs = {"auto_compact": True} if rdflib_format == "json-ld" else {}
    return g.serialize(format=rdflib_format, **kwargs)


def _triples_as_rows(result: Result) -> Result:
    g = result.graph if result.graph is not None else Graph()
    rows = sorted(g, key=lambda t: tuple(map(str, t)))
    return Result("SELECT", vars=("subject", "predicate", "object"), rows=rows,
                  truncated=result.truncated, namespaces=result.namespaces)


def _write_json(result: Result, out: TextIO, _width: int) -> None:
    if result.kind == "ASK":
        json.dump({"head": {}, "boolean": bool(result.boolean)}, out)
        out.write("\n")
        return
    bindings = [{var: _json_term(term) for var, term in zip(result.vars, row, strict=True)
                 if term is not None} for row in result.rows]
    json.dump({"head": {"vars": list(result.vars)}, "results": {"bindings": bindings}}, out,
              ensure_ascii=False)
    out.write("\n")


def _json_term(term: Node) -> dict[str, str]:
    if isinstance(term, URIRef):
        return {"type": "uri", "value": str(term)}
    if isinstance(term, BNode):
        return {"type": "bnode", "value": str(term)}
    if isinstance(term, Literal):
        d = {"type": "literal", "value": str(term)}
        if term.language:
            d["xml:lang"] = term.language
        elif term.datatype is not None:
            d["datatype"] = str(term.datatype)
        return d
    return {"type": "literal", "value": str(term)}


def _write_xml(result: Result, out: TextIO, _width: int) -> None:
    out.write(f'<?xml version="1.0" encoding="UTF-8"?>\n<sparql xmlns="{SPARQL_RESULTS_NS}">\n')
    if result.kind == "ASK":
        out.write(f"  <head/>\n  <boolean>{'true' if result.boolean else 'false'}</boolean>\n"
                  "</sparql>\n")
        return
    out.write("  <head>\n")
    for var in result.vars:
        out.write(f"    <variable name={quoteattr(var)}/>\n")
    out.write("  </head>\n  <results>\n")
    for row in result.rows:
        out.write("    <result>\n")
        for var, term in zip(result.vars, row, strict=True):
            if term is not None:
                out.write(f"      <binding name={quoteattr(var)}>{_xml_term(term)}</binding>\n")
        out.write("    </result>\n")
    out.write("  </results>\n</sparql>\n")


def _xml_text(text: str) -> str:
    # characters XML 1.0 cannot carry at all
    return xml_escape(re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]", "\ufffd", text))


def _xml_term(term: Node) -> str:
    if isinstance(term, URIRef):
        return f"<uri>{_xml_text(str(term))}</uri>"
    if isinstance(term, BNode):
        return f"<bnode>{_xml_text(str(term))}</bnode>"
    attrs = ""
    if isinstance(term, Literal) and term.language:
        attrs = f" xml:lang={quoteattr(term.language)}"
    elif isinstance(term, Literal) and term.datatype is not None:
        attrs = f" datatype={quoteattr(str(term.datatype))}"
    return f"<literal{attrs}>{_xml_text(str(term))}</literal>"


def _write_csv(result: Result, out: TextIO, _width: int) -> None:
    writer = csv.writer(out, lineterminator="\r\n")
    if result.kind == "ASK":  # no standard: the convention of Jena and others
        writer.writerows([["_askResult"], ["true" if result.boolean else "false"]])
        return
    writer.writerow(result.vars)
    for row in result.rows:
        writer.writerow(["" if t is None else f"_:{t}" if isinstance(t, BNode) else str(t)
                         for t in row])


def _write_tsv(result: Result, out: TextIO, _width: int) -> None:
    if result.kind == "ASK":
        out.write(f"?_askResult\n{'true' if result.boolean else 'false'}\n")
        return
    out.write("\t".join(f"?{v}" for v in result.vars) + "\n")
    for row in result.rows:
        out.write("\t".join("" if t is None else _tsv_term(t) for t in row) + "\n")


def _tsv_term(term: Node) -> str:
    if isinstance(term, URIRef):
        return f"<{term}>"
    if isinstance(term, BNode):
        return f"_:{term}"
    text = (str(term).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
            .replace("\r", "\\r").replace("\t", "\\t"))
    if isinstance(term, Literal) and term.language:
        return f'"{text}"@{term.language}'
    if isinstance(term, Literal) and term.datatype is not None:
        return f'"{text}"^^<{term.datatype}>'
    return f'"{text}"'


def _write_table(result: Result, out: TextIO, max_width: int) -> None:
    if result.kind == "ASK":
        out.write(("true" if result.boolean else "false") + "\n")
        return
    namespaces = sorted(result.namespaces, key=lambda pn: -len(pn[1]))
    header = list(result.vars)
    cells = [[_cut(_table_term(t, namespaces), max_width) for t in row] for row in result.rows]
    widths = [max([_width(h)] + [_width(r[i]) for r in cells]) for i, h in enumerate(header)]
    for line in [header, ["-" * w for w in widths], *cells]:
        out.write("  ".join(_pad(c, w) for c, w in zip(line, widths, strict=True)).rstrip() + "\n")
    n = len(result.rows)
    more = ", cut at the row limit" if result.truncated else ""
    out.write(f"({n} row{'' if n == 1 else 's'}{more})\n")


def _table_term(term: Node | None, namespaces: list[tuple[str, str]]) -> str:
    if term is None:
        return ""
    if isinstance(term, URIRef):
        iri = str(term)
        for prefix, ns in namespaces:
            local = iri[len(ns):]
            if iri.startswith(ns) and re.fullmatch(r"[\w-]*(?:[\w.-]*[\w-])?", local):
                return f"{prefix}:{local}"
        return f"<{iri}>"
    if isinstance(term, BNode):
        return f"_:{term}"
    return " ".join(str(term).split())  # newlines and tabs would break the columns


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _cut(text: str, max_width: int) -> str:
    if max_width < 2 or _width(text) <= max_width:
        return text
    kept, w = [], 0
    for c in text:
        w += _width(c)
        if w > max_width - 1:
            break
        kept.append(c)
    return "".join(kept) + "…"


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))
