"""Serialise a Dataset by file suffix, byte-identical for the same graph."""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterable
from pathlib import Path

import pyoxigraph as ox
from rdflib import Dataset, Graph, Literal

from kg.errors import OutputError

__all__ = ["FORMATS", "export", "export_nquads", "load_graph", "serialize", "serialize_nquads",
           "serialize_triples", "union_graph", "write_atomic"]

XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
# suffix -> (rdflib format, keeps named graphs)
FORMATS = {
    ".ttl": ("turtle", False),
    ".nt": ("nt", False),
    ".trig": ("trig", True),
    ".nq": ("nquads", True),
    ".jsonld": ("json-ld", True),
    ".rdf": ("xml", False),
}


def union_graph(ds: Dataset) -> Graph:
    """All triples of all named graphs, once each, with the Dataset's prefixes."""
    g = Graph()
    for prefix, ns in ds.namespaces():
        g.bind(prefix, ns, override=True, replace=True)
    for s, p, o, _ in ds.quads((None, None, None, None)):
        g.add((s, p, o))
    return g


def serialize(ds: Dataset, fmt_suffix: str) -> bytes:
    """The Dataset in the format named by a file suffix (".ttl", ".nq", ...)."""
    suffix = fmt_suffix.lower()
    if suffix not in FORMATS:
        raise OutputError(
            f"unknown output format {suffix!r}; use one of {', '.join(sorted(FORMATS))}")
    fmt, quads = FORMATS[suffix]
    if fmt in ("nt", "nquads"):
        # line formats: sort the lines so the output does not depend on insertion order
        data = (ds if quads else union_graph(ds)).serialize(format=fmt, encoding="utf-8")
        lines = sorted(set(data.decode("utf-8").splitlines()) - {""})
        return ("\n".join(lines) + "\n").encode("utf-8") if lines else b""
    target = ds if quads else union_graph(ds)
    if fmt == "xml":
        target = _xml_safe(target)
    kwargs = {"auto_compact": True} if fmt == "json-ld" else {}
    return target.serialize(format=fmt, encoding="utf-8", **kwargs)


def _xml_safe(g: Graph) -> Graph:
    """The graph with characters XML 1.0 cannot hold (control characters) dropped from its
    literals: RDF/XML is the one format that cannot carry them, and a file with them does not
    load back."""
    if not any(isinstance(o, Literal) and XML_INVALID.search(str(o)) for o in g.objects()):
        return g
    out = Graph()
    for prefix, ns in g.namespaces():
        out.bind(prefix, ns, override=True, replace=True)
    for s_, p_, o_ in g:
        if isinstance(o_, Literal) and XML_INVALID.search(str(o_)):
            o_ = Literal(XML_INVALID.sub("", str(o_)), lang=o_.language, datatype=o_.datatype)
        out.add((s_, p_, o_))
    return out


def _prefixes() -> dict[str, str]:
    from kg.graph import PREFIXES

    return {p: str(ns) for p, ns in PREFIXES.items()}


def serialize_triples(triples: Iterable[str], suffix: str) -> bytes:
    """Triples given as ``"<s> <p> <o>"`` N-Triples statements (no final " ."), as .nt or .ttl.

    Duplicates count once. Lines are sorted as text, which orders them by subject, predicate
    and object (a space sorts before any character that can continue a term); Turtle is
    written by Oxigraph in that order, with kg's prefixes.
    """
    data = "".join([f"{t} .\n" for t in sorted(set(triples))]).encode("utf-8")
    if suffix.lower() == ".nt":
        return data
    if suffix.lower() != ".ttl":
        raise OutputError(f"{suffix!r} holds quads; use serialize_nquads")
    return ox.serialize(ox.parse(data, format=ox.RdfFormat.N_TRIPLES),
                        format=ox.RdfFormat.TURTLE, prefixes=_prefixes())


def serialize_nquads(named: Iterable[str], suffix: str, default: Iterable[str] = ()) -> bytes:
    """Graphs given as N-Triples text, in the format named by a file suffix, deterministically.

    ``named`` are N-Quads statements of named graphs (``"<s> <p> <o> <g> ."``), ``default``
    N-Triples statements of the default graph (``"<s> <p> <o> ."``). Duplicates count once;
    the bytes depend on the set of quads only. ``.nt`` and ``.ttl`` hold the union of the
    graphs (see ``serialize_triples``), ``.nq`` and ``.trig`` the graphs, sorted by graph
    (the default graph first), then as text; JSON-LD and RDF/XML go through rdflib.
    """
    suffix = suffix.lower()
    if suffix not in FORMATS:
        raise OutputError(
            f"unknown output format {suffix!r}; use one of {', '.join(sorted(FORMATS))}")
    default = set(default)
    if suffix in (".nt", ".ttl"):
        union = {line[:line.rindex(" ", 0, -2)] for line in named}
        union.update(line[:-2] for line in default)
        return serialize_triples(union, suffix)
    if suffix == ".nq":
        lines = sorted(set(named) | default)
        return "".join([f"{line}\n" for line in lines]).encode("utf-8")
    if suffix == ".trig":
        keyed = {("", line[:-2]) for line in default}
        for line in set(named):
            cut = line.rindex(" ", 0, -2)
            keyed.add((line[cut + 1:-2], line[:cut]))
        data = "".join([f"{t} {g} .\n" if g else f"{t} .\n" for g, t in sorted(keyed)])
        return ox.serialize(ox.parse(data.encode("utf-8"), format=ox.RdfFormat.N_QUADS),
                            format=ox.RdfFormat.TRIG, prefixes=_prefixes())
    # JSON-LD and RDF/XML: through rdflib, as for any Dataset
    from kg.graph import new_dataset

    ds = new_dataset()
    data = "".join([f"{line}\n" for line in sorted(set(named) | default)])
    if data:
        ds.parse(data=data, format="nquads")
    return serialize(ds, suffix)


def export_nquads(named: Iterable[str], path: str | os.PathLike, default: Iterable[str] = ()
                  ) -> Path:
    """Write graphs given as N-Quads text (see ``serialize_nquads``) to ``path``; atomic."""
    path = Path(path)
    write_atomic(path, serialize_nquads(named, path.suffix, default))
    return path


def export(ds: Dataset, path: str | os.PathLike) -> Path:
    """Write the Dataset to ``path`` in the format its suffix names; atomic replace."""
    path = Path(path)
    write_atomic(path, serialize(ds, path.suffix))
    return path


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file, so a reader never sees half a file."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except OSError as exc:
        raise OutputError(f"{path}: cannot write ({exc.strerror}); choose a writable path with -o") from exc


def load_graph(path: str | os.PathLike) -> Dataset:
    """Read a graph file written by ``export`` (any suffix in FORMATS) into a Dataset.

    Triples of formats without named graphs land in the default graph; query the Dataset
    with ``default_union`` semantics (it is set) to see everything.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise OutputError(
            f"{path}: unknown graph format {suffix!r}; use one of {', '.join(sorted(FORMATS))}")
    if not path.is_file():
        raise OutputError(f"{path}: no such graph file; build one with 'kg build ... -o {path}'")
    from kg.graph import new_dataset

    ds = new_dataset()
    ds.default_union = True
    try:
        ds.parse(path, format=FORMATS[suffix][0])
    except Exception as exc:  # parsers raise many types
        raise OutputError(f"{path}: cannot parse as {FORMATS[suffix][0]} ({exc})") from exc
    return ds
