"""Serialise a Dataset by file suffix, byte-identical for the same graph."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from rdflib import Dataset, Graph

from kg.errors import OutputError

__all__ = ["FORMATS", "export", "serialize", "union_graph"]

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
    kwargs = {"auto_compact": True} if fmt == "json-ld" else {}
    return target.serialize(format=fmt, encoding="utf-8", **kwargs)


def export(ds: Dataset, path: str | os.PathLike) -> Path:
    """Write the Dataset to ``path`` in the format its suffix names; atomic replace."""
    path = Path(path)
    data = serialize(ds, path.suffix)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except OSError as exc:
        raise OutputError(f"{path}: cannot write ({exc.strerror}); choose a writable path with -o") from exc
    return path
