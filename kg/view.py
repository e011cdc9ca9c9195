"""An interactive HTML view of the entity network (pyvis, vis-network in line: works offline)."""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
from collections import Counter
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import networkx as nx
import numpy as np
from rdflib import Dataset

from kg.errors import OutputError
from kg.export import write_atomic
from kg.netexport import document_info, entity_network, evidence_info

__all__ = ["CLASS_COLORS", "DEFAULT_TOP", "ViewInfo", "class_color", "force_layout",
           "render_view", "strip_remote_resources", "write_view"]

DEFAULT_TOP = 500
DEFAULT_TITLE = "kg knowledge graph"
# one colour per core class; other classes get one from EXTRA_COLORS by a hash of their name
CLASS_COLORS = {
    "Person": "#e15759",
    "Organization": "#4e79a7",
    "GovernmentOrganization": "#2f4b7c",
    "MediaOrganization": "#76b7b2",
    "Country": "#59a14f",
    "City": "#8cd17d",
    "Region": "#b6992d",
    "Place": "#86bcb6",
    "Facility": "#f28e2b",
    "Artifact": "#9c755f",
    "Spacecraft": "#b07aa1",
    "LaunchVehicle": "#ff9da7",
    "Event": "#edc948",
    "Agent": "#79706e",
    "Thing": "#bab0ac",
}
EXTRA_COLORS = ("#d37295", "#499894", "#a0cbe8", "#fabfd2", "#d4a6c8", "#f1ce63", "#8f6d31",
                "#17becf", "#bcbd22", "#7f7f7f")
# the panel lists at most this much; the rest is counted ("and 12 more")
MAX_DOCS_PER_NODE = 50
MAX_EVIDENCE_PER_EDGE = 25
MAX_LABEL = 40
# exact O(n^2) repulsion up to this many nodes, a fixed-seed sample of sources above
EXACT_LAYOUT_NODES = 1000
LAYOUT_SAMPLE = 300
EDGE_LENGTH_PX = 130
GRAVITY = 2.0
# below 1, related entities sit a little further apart than unrelated neighbours in the
# disc, which leaves room for edge labels
ATTRACTION = 0.5
# entities without drawn relations go in a grid beside the network, this far apart
ISOLATED_COLUMN = 1.3
ISOLATED_ROW = 0.8
ISOLATED_GAP = 1.5

_REMOTE_TAG = re.compile(
    r"<script\b[^>]*\bsrc\s*=\s*[\"']?\s*(?:https?:)?//[^>]*>\s*</script\s*>"
    r"|<link\b[^>]*\bhref\s*=\s*[\"']?\s*(?:https?:)?//[^>]*/?>",
    re.IGNORECASE)


@dataclass(frozen=True)
class ViewInfo:
    """What ``write_view`` drew."""

    path: Path
    entities: int
    relations: int
    total_entities: int
    total_relations: int
    size: int

    @property
    def truncated(self) -> bool:
        return self.entities < self.total_entities

    def lines(self) -> list[str]:
        if self.truncated:
            drew = (f"showing {self.entities} of {self.total_entities} entities (top by degree), "
                    f"{self.relations} of {self.total_relations} relations")
        else:
            drew = f"showing all {self.entities} entities and {self.relations} relations"
        return [drew, f"wrote {self.path} ({self.size / 1e6:.1f} MB)"]


def class_color(cls: str) -> str:
    """The colour of a class: fixed for core classes, stable per name for the rest."""
    if cls in CLASS_COLORS:
        return CLASS_COLORS[cls]
    h = int(hashlib.sha1(cls.encode()).hexdigest(), 16)
    return EXTRA_COLORS[h % len(EXTRA_COLORS)]


def _class_label(cls: str) -> str:
    words = re.findall(r"[A-Z]+(?![a-z])|[A-Z]?[a-z0-9]+", cls) or [cls]
    return " ".join([words[0]] + [w if w.isupper() else w.lower() for w in words[1:]])


def force_layout(nodes: Sequence[Hashable], edges: Iterable[tuple[Hashable, Hashable]], *,
                 seed: int = 7, iterations: int | None = None) -> dict[Hashable, tuple[float, float]]:
    """Fruchterman-Reingold positions with gravity, in units of one ideal edge length.

    Nodes without edges do not take part: they are packed in rows and columns right of the
    rest, in the order given, instead of forming a ring around it. Deterministic: the start is a circle in
    the order of ``nodes`` (callers group them by class, so a class starts together) with
    fixed-seed jitter, and the iterations are bounded. Repulsion is exact up to
    ``EXACT_LAYOUT_NODES`` nodes and estimated from a fixed-seed sample above, so 10k nodes
    take seconds, not minutes. Needs only numpy (no scipy).

    >>> pos = force_layout(["a", "b", "c"], [("a", "b")])
    >>> sorted(pos) == ["a", "b", "c"]
    True
    """
    index = {v: i for i, v in enumerate(nodes)}
    pairs = {(min(index[a], index[b]), max(index[a], index[b]))
             for a, b in edges if a in index and b in index and a != b}
    linked = sorted({i for p in pairs for i in p})
    local = {i: k for k, i in enumerate(linked)}
    ij = np.array(sorted((local[a], local[b]) for a, b in pairs), dtype=np.int64).reshape(-1, 2)
    xy = _spring(len(linked), ij, seed, iterations)
    out = {nodes[i]: (float(xy[k, 0]), float(xy[k, 1])) for i, k in local.items()}
    isolated = [v for v, i in index.items() if i not in local]
    if isolated:
        out.update(_pack(isolated, xy))
    return {v: out[v] for v in nodes}


def _pack(isolated: list, xy: np.ndarray) -> dict:
    """Rows and columns for nodes without edges, right of the network ``xy``.

    The number of rows is the one that lets the whole fill a landscape window best.
    """
    k = len(isolated)
    if len(xy):
        left, top = xy[:, 0].max() + ISOLATED_GAP, xy[:, 1].min()
        width, height = xy[:, 0].max() - xy[:, 0].min(), xy[:, 1].max() - xy[:, 1].min()
    else:
        left = top = width = height = 0.0

    def fit(rows: int) -> float:  # how large the drawing can be shown in a 1.4:1 window
        cols = math.ceil(k / rows)
        w = width + ISOLATED_GAP + cols * ISOLATED_COLUMN
        h = max(height, rows * ISOLATED_ROW)
        return min(1.4 / w, 1.0 / h)

    rows = max(range(1, k + 1), key=lambda r: (fit(r), -r))
    cols = math.ceil(k / rows)
    return {v: (float(left + (i % cols) * ISOLATED_COLUMN), float(top + (i // cols) * ISOLATED_ROW))
            for i, v in enumerate(isolated)}


def _spring(n: int, ij: np.ndarray, seed: int, iterations: int | None) -> np.ndarray:
    """Positions (n x 2) of n nodes joined by the index pairs ``ij``; see ``force_layout``."""
    if n <= 1:
        return np.zeros((n, 2))
    rng = np.random.default_rng(seed)
    angle = 2 * np.pi * np.arange(n) / n
    pos = np.c_[np.cos(angle), np.sin(angle)] * math.sqrt(n) * 0.5
    pos += rng.uniform(-0.25, 0.25, size=(n, 2))
    if iterations is None:
        iterations = 150 if n <= 500 else 100 if n <= EXACT_LAYOUT_NODES else 60
    temp = max(1.0, math.sqrt(n) * 0.15)
    cool = temp / (iterations + 1)
    exact = n <= EXACT_LAYOUT_NODES
    x, y = pos[:, 0].copy(), pos[:, 1].copy()
    src, dst = ij[:, 0], ij[:, 1]
    # x and y apart: reductions over a trailing axis of 2 are several times slower
    for _ in range(iterations):
        others = np.arange(n) if exact else rng.choice(n, LAYOUT_SAMPLE, replace=False)
        dx = x[:, None] - x[None, others]
        dy = y[:, None] - y[None, others]
        inv = 1.0 / np.maximum(dx * dx + dy * dy, 1e-4)
        inv[others, np.arange(len(others))] = 0.0  # no force on a node from itself
        weight = 1.0 if exact else n / LAYOUT_SAMPLE
        fx = (dx * inv).sum(1) * weight
        fy = (dy * inv).sum(1) * weight
        if len(ij):
            ex, ey = x[src] - x[dst], y[src] - y[dst]
            d = np.sqrt(ex * ex + ey * ey)
            pull = ATTRACTION * d
            fx -= np.bincount(src, ex * pull, n) - np.bincount(dst, ex * pull, n)
            fy -= np.bincount(src, ey * pull, n) - np.bincount(dst, ey * pull, n)
        # gravity keeps the whole in a disc of radius ~0.7*sqrt(n) edge lengths, small
        # components included (a uniform disc of 1/d repulsion balances g = 1/r^2)
        fx -= x * GRAVITY
        fy -= y * GRAVITY
        length = np.maximum(np.sqrt(fx * fx + fy * fy), 1e-9)
        step = np.minimum(length, temp) / length
        x += fx * step
        y += fy * step
        temp -= cool
    pos = np.c_[x, y]
    return pos - pos.mean(0)


def _select(g: nx.MultiDiGraph, top: int) -> list[str]:
    """The ``top`` entities by degree; ties go to more mentions, then label."""
    return sorted(g.nodes, key=lambda n: (-g.degree(n), -g.nodes[n]["mentions"],
                                          g.nodes[n]["label"], n))[:top]


def _short(label: str) -> str:
    return label if len(label) <= MAX_LABEL else label[:MAX_LABEL - 1].rstrip() + "\u2026"


def _script_json(value) -> str:
    """JSON that is safe inside a <script> element: no '<', '>' or '&' survive literally."""
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return (text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def strip_remote_resources(html: str) -> str:
    """Drop every <script src> and <link href> that points to the network (CDN tags)."""
    return _REMOTE_TAG.sub("", html)


def _network(ds: Dataset, g: nx.MultiDiGraph, drawn: list[str]):
    from pyvis.network import Network

    sub = g.subgraph(drawn)
    # group by class, then rank, so each class starts the layout on one arc of the circle
    rank = {n: i for i, n in enumerate(drawn)}
    order = sorted(drawn, key=lambda n: (g.nodes[n]["cls"], rank[n]))
    pos = force_layout(order, sub.edges())
    scale = EDGE_LENGTH_PX
    net = Network(height="100%", width="100%", directed=True, cdn_resources="in_line")
    docs: set[str] = set()
    nodes_data: dict[str, dict] = {}
    for n in drawn:
        a = g.nodes[n]
        color = class_color(a["cls"])
        net.nodes.append({
            "id": n, "label": _short(a["label"]), "shape": "dot",
            "size": round(min(45.0, 10 + 5 * math.log2(1 + a["mentions"])), 1),
            "x": round(pos[n][0] * scale), "y": round(pos[n][1] * scale),
            "color": {"background": color, "border": "#333333",
                      "highlight": {"background": color, "border": "#000000"},
                      "hover": {"background": color, "border": "#000000"}},
        })
        shown_docs = a["documents"][:MAX_DOCS_PER_NODE]
        docs.update(d for d, _ in shown_docs)
        nodes_data[n] = {"label": a["label"], "class": a["cls"], "types": list(a["types"]),
                         "aliases": list(a["aliases"]), "mentions": a["mentions"],
                         "degree": g.degree(n), "drawn_degree": sub.degree(n),
                         "docs": [[d, c] for d, c in shown_docs],
                         "docs_total": len(a["documents"])}
    pair_count = Counter(frozenset((s, o)) for s, o in sub.edges())
    pair_seen: Counter = Counter()
    edges_data: dict[str, dict] = {}
    edges = sorted(sub.edges(keys=True, data=True), key=lambda e: (e[0], e[2], e[1]))
    for i, (s, o, _k, a) in enumerate(edges):
        eid = f"e{i}"
        pair = frozenset((s, o))
        edge = {"id": eid, "from": s, "to": o, "label": a["relation"],
                "width": round(1 + min(3.0, math.log2(a["evidence_count"] or 1)), 2)}
        if pair_count[pair] > 1:
            # parallel relations bend apart, each one a little more
            k = pair_seen[pair]
            pair_seen[pair] += 1
            edge["smooth"] = {"enabled": True, "type": "curvedCW" if s < o else "curvedCCW",
                              "roundness": round(0.15 * (k + 1), 2)}
        net.edges.append(edge)
        evs = [evidence_info(ds, ev) for ev in a["evidence"]]
        evs.sort(key=lambda v: (-(v["confidence"] or 0), v["document"], v["start"] or 0,
                                v["sentence"]))
        docs.update(v["document"] for v in evs[:MAX_EVIDENCE_PER_EDGE] if v["document"])
        edges_data[eid] = {"relation": a["relation"], "predicate": a["predicate"],
                           "from": s, "to": o, "evidence": evs[:MAX_EVIDENCE_PER_EDGE],
                           "evidence_total": len(evs)}
    # documents are listed once and referred to by index
    doc_list = sorted(docs)
    doc_index = {d: i for i, d in enumerate(doc_list)}
    for nd in nodes_data.values():
        nd["docs"] = [[doc_index[d], c] for d, c in nd["docs"]]
    for ed in edges_data.values():
        for v in ed["evidence"]:
            v["doc"] = doc_index.get(v.pop("document"))
            del v["start"], v["end"], v["extractor"]
    return net, nodes_data, edges_data, [document_info(ds, d) for d in doc_list]


def _options(n_nodes: int) -> dict:
    big = n_nodes > 300
    return {
        "physics": {"enabled": False},
        "layout": {"improvedLayout": False},
        "interaction": {"hover": True, "tooltipDelay": 150, "hideEdgesOnDrag": big,
                        "hideEdgesOnZoom": big, "multiselect": False},
        "nodes": {"shape": "dot", "borderWidth": 1,
                  "font": {"size": 16, "face": "system-ui, sans-serif", "color": "#222222",
                           "strokeWidth": 3, "strokeColor": "#ffffff"}},
        "edges": {"arrows": {"to": {"enabled": True, "scaleFactor": 0.5}},
                  "color": {"color": "#9aa0a6", "highlight": "#202124", "hover": "#5f6368"},
                  "font": {"size": 10, "face": "system-ui, sans-serif", "color": "#5f6368",
                           "strokeWidth": 3, "strokeColor": "#ffffff", "align": "middle"},
                  "smooth": False, "selectionWidth": 2},
    }


def _render(ds: Dataset, top: int, title: str) -> tuple[str, dict[str, int]]:
    from jinja2 import ChoiceLoader, DictLoader, Environment, FileSystemLoader
    from markupsafe import Markup
    from pyvis import network as pyvis_network

    if top < 1:
        raise OutputError(f"--top must be at least 1, not {top}")
    g = entity_network(ds)
    drawn = _select(g, top)
    net, nodes_data, edges_data, docs = _network(ds, g, drawn)
    net.options = _options(len(drawn))
    nodes, edges, _heading, _h, _w, options = net.get_network_data()
    counts = {"entities": len(drawn), "relations": len(edges),
              "total_entities": g.number_of_nodes(), "total_relations": g.number_of_edges()}
    truncated = len(drawn) < g.number_of_nodes()
    if truncated:
        note = f"showing {len(drawn)} of {g.number_of_nodes()} entities (top by degree)"
    elif drawn:
        note = f"{len(drawn)} entities, {len(edges)} relations"
    else:
        note = "no entities in this graph"
    class_counts = Counter(nd["class"] for nd in nodes_data.values())
    class_totals = Counter(a["cls"] for _, a in g.nodes(data=True))
    relation_counts = Counter(ed["relation"] for ed in edges_data.values())
    data = {
        "title": title, "note": note, "truncated": truncated, "counts": counts,
        # what vis-network draws: pyvis's node and edge dicts and the options
        "vis": {"nodes": nodes, "edges": edges, "options": json.loads(options)},
        "order": drawn, "nodes": nodes_data, "edges": edges_data, "docs": docs,
        "classes": [{"name": c, "label": _class_label(c), "color": class_color(c), "count": k,
                     "total": class_totals[c]}
                    for c, k in sorted(class_counts.items(), key=lambda x: (-x[1], x[0]))],
        "relations": [{"name": r, "count": k}
                      for r, k in sorted(relation_counts.items(), key=lambda x: (-x[1], x[0]))],
    }
    # pyvis's own template links Bootstrap from a CDN; this one is self-contained, and the
    # vis-network files come from pyvis's package, in line, exactly as cdn_resources="in_line"
    pyvis_templates = os.path.join(os.path.dirname(pyvis_network.__file__), "templates")
    env = Environment(loader=ChoiceLoader([DictLoader({"kg-view.html": TEMPLATE}),
                                           FileSystemLoader(pyvis_templates)]),
                      autoescape=True, keep_trailing_newline=True)
    html = env.get_template("kg-view.html").render(
        title=title, note=note, truncated=truncated, data_json=Markup(_script_json(data)))
    return strip_remote_resources(html), counts


def render_view(ds: Dataset, *, top: int = DEFAULT_TOP, title: str = DEFAULT_TITLE) -> str:
    """The view page as a string; see ``write_view``."""
    return _render(ds, top, title)[0]


def write_view(ds: Dataset, out_path: str | os.PathLike, *, top: int = DEFAULT_TOP,
               title: str = DEFAULT_TITLE) -> ViewInfo:
    """Write an interactive, self-contained HTML page of the graph's entity network.

    Nodes are coloured by class (legend and class filters on the right), sized by mention
    count and placed by ``force_layout`` beforehand (physics off: draws at once, also for
    big graphs). Clicking an entity shows its types, label, aliases and the documents that
    mention it; clicking a relation shows its evidence sentences with document and
    confidence. A search box finds an entity by name. Only the ``top`` entities by degree
    are drawn, and the page says so. No network access is needed to open it: vis-network is
    in line and no tag points to a CDN. Text from articles enters the page as JSON in a
    ``<script type="application/json">`` and is shown with ``textContent``. The same graph
    gives the same bytes.

    >>> import tempfile, pathlib
    >>> from kg.graph import new_dataset
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "graph.html"
    >>> write_view(new_dataset(), out).entities
    0
    """
    path = Path(out_path)
    html, counts = _render(ds, top, title)
    data = html.encode("utf-8")
    write_atomic(path, data)
    return ViewInfo(path=path, size=len(data), **counts)


TEMPLATE = r"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="kg view (pyvis 0.3.2, vis-network 9.1.2 in line)">
<title>{{ title }}</title>
<style>{% include 'lib/vis-9.1.2/vis-network.css' %}</style>
<script>{% include 'lib/vis-9.1.2/vis-network.min.js' %}</script>
<style>
  html, body { height: 100%; margin: 0; }
  body { font: 14px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; color: #202124;
         display: flex; flex-direction: column; }
  #kg-header { display: flex; align-items: center; gap: 16px; padding: 8px 14px;
               border-bottom: 1px solid #dadce0; background: #f8f9fa; flex-wrap: wrap; }
  #kg-header h1 { font-size: 17px; margin: 0; font-weight: 600; }
  #kg-note { color: #5f6368; }
  #kg-note.truncated { color: #a50e0e; font-weight: 600; }
  #kg-search-form { margin-left: auto; display: flex; gap: 6px; align-items: center; }
  #kg-search { width: 240px; padding: 4px 8px; border: 1px solid #bdc1c6; border-radius: 4px; }
  #kg-search-status { color: #a50e0e; }
  #kg-main { flex: 1; display: flex; min-height: 0; }
  #kg-network { flex: 1; min-width: 0; position: relative; background: #ffffff; }
  #kg-side { width: 360px; border-left: 1px solid #dadce0; overflow-y: auto; padding: 10px 14px;
             box-sizing: border-box; background: #fcfcfc; }
  #kg-side h2 { font-size: 16px; margin: 4px 0 8px; display: flex; align-items: center; gap: 8px;
                overflow-wrap: anywhere; }
  #kg-side h3 { font-size: 13px; margin: 14px 0 6px; text-transform: uppercase;
                letter-spacing: .04em; color: #5f6368; }
  #kg-side details { margin-top: 12px; border-top: 1px solid #e8eaed; padding-top: 6px; }
  #kg-side summary { cursor: pointer; font-weight: 600; }
  #kg-details dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 10px; margin: 0; }
  #kg-details dt { color: #5f6368; }
  #kg-details dd { margin: 0; overflow-wrap: anywhere; }
  .kg-swatch { display: inline-block; width: 12px; height: 12px; border-radius: 50%;
               border: 1px solid #333; flex: none; }
  .kg-check { display: flex; align-items: center; gap: 6px; padding: 1px 0; cursor: pointer; }
  .kg-count { margin-left: auto; color: #5f6368; font-variant-numeric: tabular-nums; }
  .kg-docs { list-style: none; padding: 0; margin: 0; }
  .kg-docs li { padding: 3px 0; border-bottom: 1px solid #f1f3f4; }
  .kg-doc-id { font-family: ui-monospace, monospace; font-size: 12px; color: #1a73e8; }
  .kg-doc-title, .kg-doc-date, .kg-doc-extra, .kg-rule { margin-left: 6px; }
  .kg-doc-date, .kg-doc-extra, .kg-rule, .kg-conf { color: #5f6368; font-size: 12px; }
  .kg-doc-link { margin-left: 6px; font-size: 12px; }
  .kg-evidence { margin: 8px 0; }
  .kg-evidence blockquote { margin: 0; padding: 6px 8px; background: #f1f3f4;
                            border-left: 3px solid #9aa0a6; }
  .kg-meta, .kg-how { margin: 3px 0 0; }
  .kg-link { background: none; border: 0; padding: 0; color: #1a73e8; cursor: pointer;
             font: inherit; text-align: left; }
  .kg-link:hover { text-decoration: underline; }
  .kg-hint, .kg-more { color: #5f6368; }
  .kg-rels { list-style: none; padding: 0; margin: 0; }
</style>
</head>
<body>
<header id="kg-header">
  <h1 id="kg-title">{{ title }}</h1>
  <span id="kg-note"{% if truncated %} class="truncated"{% endif %}>{{ note }}</span>
  <form id="kg-search-form" role="search">
    <input id="kg-search" type="search" list="kg-labels" placeholder="Find an entity by name"
           aria-label="Find an entity by name" autocomplete="off">
    <button type="submit">Find</button>
    <span id="kg-search-status" role="status"></span>
  </form>
  <datalist id="kg-labels"></datalist>
</header>
<main id="kg-main">
  <div id="kg-network"></div>
  <aside id="kg-side">
    <section id="kg-details" aria-live="polite"></section>
    <details open><summary>Classes</summary><div id="kg-legend"></div></details>
    <details open><summary>Relations</summary><div id="kg-relations"></div></details>
  </aside>
</main>
<script type="application/json" id="kg-data">{{ data_json }}</script>
<script>
(function () {
  "use strict";
  var DATA = JSON.parse(document.getElementById("kg-data").textContent);
  var nodes = new vis.DataSet(DATA.vis.nodes);
  var edges = new vis.DataSet(DATA.vis.edges);
  var container = document.getElementById("kg-network");
  var network = new vis.Network(container, {nodes: nodes, edges: edges}, DATA.vis.options);
  // show everything with a margin, and again when the window changes size, until the user
  // has moved the view
  var userMoved = false;
  function fitAll() {
    network.fit({animation: false});
    network.moveTo({scale: network.getScale() * 0.92, animation: false});
  }
  fitAll();
  network.on("dragStart", function () { userMoved = true; });
  network.on("zoom", function () { userMoved = true; });
  if (window.ResizeObserver) {
    new ResizeObserver(function () {
      if (!userMoved) { network.redraw(); fitAll(); }
    }).observe(container);
  }
  var details = document.getElementById("kg-details");
  var colors = {};
  DATA.classes.forEach(function (c) { colors[c.name] = c.color; });
  var hiddenClasses = new Set();
  var hiddenRelations = new Set();

  // every value from the graph goes through textContent, never innerHTML
  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    if (cls) { e.className = cls; }
    return e;
  }
  function clear(node) { while (node.firstChild) { node.removeChild(node.firstChild); } }
  function swatch(color) {
    var s = el("span", null, "kg-swatch");
    s.style.backgroundColor = color;
    return s;
  }
  function field(dl, name, value) {
    dl.appendChild(el("dt", name));
    dl.appendChild(el("dd", value));
  }
  function link(text, onClick) {
    var b = el("button", text, "kg-link");
    b.type = "button";
    b.addEventListener("click", onClick);
    return b;
  }
  function docParts(parent, index) {
    var d = index === null || index === undefined ? null : DATA.docs[index];
    if (!d) { parent.appendChild(el("span", "(unknown document)", "kg-doc-id")); return; }
    parent.appendChild(el("span", d.identifier, "kg-doc-id"));
    if (d.title) { parent.appendChild(el("span", d.title, "kg-doc-title")); }
    if (d.date) { parent.appendChild(el("span", d.date, "kg-doc-date")); }
    if (/^https?:\/\//i.test(d.url)) {
      var a = el("a", "open", "kg-doc-link");
      a.href = d.url;
      a.target = "_blank";
      a.rel = "noopener noreferrer";
      parent.appendChild(a);
    }
  }
  function showIntro() {
    clear(details);
    details.appendChild(el("p", "Click an entity or a relation to see its documents and evidence.",
                           "kg-hint"));
  }
  function showNode(id) {
    var n = DATA.nodes[id];
    if (!n) { return false; }
    clear(details);
    var h = el("h2");
    h.appendChild(swatch(colors[n.class] || "#bab0ac"));
    h.appendChild(el("span", n.label, "kg-label"));
    details.appendChild(h);
    var dl = el("dl");
    field(dl, "Types", n.types.length ? n.types.join(", ") : n.class);
    field(dl, "Label", n.label);
    field(dl, "Aliases", n.aliases.length ? n.aliases.join(", ") : "\u2014");
    field(dl, "Mentions", n.mentions);
    field(dl, "Relations", n.degree + (n.drawn_degree < n.degree ? " (" + n.drawn_degree + " drawn)" : ""));
    field(dl, "IRI", id);
    details.appendChild(dl);
    var rels = network.getConnectedEdges(id).filter(function (e) { return DATA.edges[e]; });
    if (rels.length) {
      details.appendChild(el("h3", "Relations drawn (" + rels.length + ")"));
      var rl = el("ul", null, "kg-rels");
      rels.forEach(function (eid) {
        var e = DATA.edges[eid];
        var other = e.from === id ? e.to : e.from;
        var text = (e.from === id ? e.relation + " \u2192 " : "\u2190 " + e.relation + " ") +
                   DATA.nodes[other].label;
        var li = el("li");
        li.appendChild(link(text, function () { selectEdge(eid); }));
        rl.appendChild(li);
      });
      details.appendChild(rl);
    }
    details.appendChild(el("h3", "Mentioned in " + n.docs_total + " document" +
                              (n.docs_total === 1 ? "" : "s")));
    var ul = el("ul", null, "kg-docs");
    n.docs.forEach(function (pair) {
      var li = el("li");
      docParts(li, pair[0]);
      if (pair[1]) { li.appendChild(el("span", "\u00d7" + pair[1], "kg-doc-extra")); }
      ul.appendChild(li);
    });
    if (n.docs_total > n.docs.length) {
      ul.appendChild(el("li", "and " + (n.docs_total - n.docs.length) + " more", "kg-more"));
    }
    details.appendChild(ul);
    return true;
  }
  function showEdge(id) {
    var e = DATA.edges[id];
    if (!e) { return false; }
    clear(details);
    details.appendChild(el("h2", e.relation, "kg-relation"));
    var p = el("p", null, "kg-triple");
    p.appendChild(link(DATA.nodes[e.from].label, function () { focusNode(e.from); }));
    p.appendChild(el("span", " \u2014 " + e.relation + " \u2192 "));
    p.appendChild(link(DATA.nodes[e.to].label, function () { focusNode(e.to); }));
    details.appendChild(p);
    var dl = el("dl");
    field(dl, "Relation", e.predicate);
    details.appendChild(dl);
    details.appendChild(el("h3", "Evidence (" + e.evidence_total + ")"));
    if (!e.evidence.length) { details.appendChild(el("p", "No evidence recorded.", "kg-hint")); }
    e.evidence.forEach(function (v) {
      var box = el("div", null, "kg-evidence");
      box.appendChild(el("blockquote", v.sentence || "(no sentence recorded)", "kg-sentence"));
      var meta = el("div", null, "kg-meta");
      docParts(meta, v.doc);
      box.appendChild(meta);
      var how = el("div", null, "kg-how");
      if (v.confidence !== null) {
        how.appendChild(el("span", "confidence " + v.confidence.toFixed(2), "kg-conf"));
      }
      if (v.rule) { how.appendChild(el("span", v.rule, "kg-rule")); }
      box.appendChild(how);
      details.appendChild(box);
    });
    if (e.evidence_total > e.evidence.length) {
      details.appendChild(el("p", "and " + (e.evidence_total - e.evidence.length) + " more", "kg-more"));
    }
    return true;
  }
  function isHidden(id) { return hiddenClasses.has(DATA.nodes[id].class); }
  function focusNode(id) {
    if (!DATA.nodes[id] || isHidden(id)) { return false; }
    userMoved = true;
    network.selectNodes([id]);
    network.focus(id, {scale: Math.max(network.getScale(), 1.0), animation: {duration: 300}});
    return showNode(id);
  }
  function selectEdge(id) {
    network.selectEdges([id]);
    return showEdge(id);
  }
  function findNode(query) {
    var q = String(query).trim().toLowerCase();
    if (!q) { return null; }
    var tests = [function (s) { return s === q; },
                 function (s) { return s.indexOf(q) === 0; },
                 function (s) { return s.indexOf(q) >= 0; }];
    for (var t = 0; t < tests.length; t++) {
      for (var i = 0; i < DATA.order.length; i++) {
        var id = DATA.order[i], n = DATA.nodes[id];
        if (isHidden(id)) { continue; }
        var names = [n.label].concat(n.aliases);
        for (var j = 0; j < names.length; j++) {
          if (tests[t](names[j].toLowerCase())) { return id; }
        }
      }
    }
    return null;
  }
  function applyFilters() {
    nodes.update(DATA.order.map(function (id) { return {id: id, hidden: isHidden(id)}; }));
    edges.update(Object.keys(DATA.edges).sort().map(function (id) {
      var e = DATA.edges[id];
      return {id: id, hidden: hiddenRelations.has(e.relation) || isHidden(e.from) || isHidden(e.to)};
    }));
  }
  function checkbox(parent, set, name, text, count, color) {
    var label = el("label", null, "kg-check");
    var box = el("input");
    box.type = "checkbox";
    box.checked = true;
    box.value = name;
    box.addEventListener("change", function () {
      if (box.checked) { set.delete(name); } else { set.add(name); }
      applyFilters();
    });
    label.appendChild(box);
    if (color) { label.appendChild(swatch(color)); }
    label.appendChild(el("span", text));
    label.appendChild(el("span", count, "kg-count"));
    parent.appendChild(label);
  }
  var legend = document.getElementById("kg-legend");
  DATA.classes.forEach(function (c) {
    var count = c.count < c.total ? c.count + " of " + c.total : c.count;
    checkbox(legend, hiddenClasses, c.name, c.label, count, c.color);
  });
  var relBox = document.getElementById("kg-relations");
  DATA.relations.forEach(function (r) { checkbox(relBox, hiddenRelations, r.name, r.name, r.count, null); });
  if (!DATA.relations.length) { relBox.appendChild(el("p", "No relations drawn.", "kg-hint")); }
  var datalist = document.getElementById("kg-labels");
  DATA.order.forEach(function (id) {
    var o = document.createElement("option");
    o.value = DATA.nodes[id].label;
    datalist.appendChild(o);
  });
  var input = document.getElementById("kg-search");
  var status = document.getElementById("kg-search-status");
  document.getElementById("kg-search-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var id = findNode(input.value);
    var q = input.value.trim();
    status.textContent = id || !q ? "" : "no entity matches \u201c" + q + "\u201d";
    if (id) { focusNode(id); }
  });
  network.on("click", function (p) {
    if (p.nodes.length) { showNode(p.nodes[0]); }
    else if (p.edges.length) { showEdge(p.edges[0]); }
    else { showIntro(); }
  });
  showIntro();
  window.kgView = {network: network, nodes: nodes, edges: edges, data: DATA, showNode: showNode,
                   showEdge: showEdge, focusNode: focusNode, selectEdge: selectEdge,
                   findNode: findNode, applyFilters: applyFilters,
                   hiddenClasses: hiddenClasses, hiddenRelations: hiddenRelations};
})();
</script>
</body>
</html>
"""
