"""Tests for kg.view: the offline HTML viewer, its escaping, layout, and a real headless Chromium."""

from __future__ import annotations

import html as htmllib
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kg.cli import app
from kg.errors import OutputError
from kg.export import load_graph
from kg.netexport import entity_network
from kg.view import (
    CLASS_COLORS,
    class_color,
    force_layout,
    render_view,
    strip_remote_resources,
    write_view,
)

SAMPLE = Path(__file__).parent / "data" / "network_sample.trig"
KGE = "https://w3id.org/kg/id/"
MARKUP_SENTENCE = 'The Freedonian firm Zeta </script><img src=x onerror="window.pwned=1"> grew fast.'
MARKUP_TITLE = "Harbour deal </script><b>signed</b>"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                  "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]
# any <script src> or <link href> that reaches out to the network
REMOTE = re.compile(r"<(script|link)\b[^>]*\b(src|href)\s*=\s*[\"']?\s*(https?:)?//",
                    re.IGNORECASE)


@pytest.fixture(scope="module")
def ds():
    return load_graph(SAMPLE)


@pytest.fixture(scope="module")
def page(ds) -> str:
    return render_view(ds, title="Sample <graph>")


def page_data(page: str) -> dict:
    m = re.search(r'<script type="application/json" id="kg-data">(.*?)</script>', page, re.S)
    assert m, "the page carries its data as JSON"
    return json.loads(m.group(1))


def test_page_is_self_contained(page):
    assert not REMOTE.search(page)
    assert "vis.Network" in page and "vis-network" in page  # vis-network in line
    assert "bootstrap" not in page.lower()
    assert not re.search(r"<script\b[^>]*\bsrc\s*=", page, re.IGNORECASE)
    assert not re.search(r"<link\b", page, re.IGNORECASE)


def test_strip_remote_resources_removes_pyvis_cdn_tags():
    from pyvis.network import Network

    net = Network(cdn_resources="in_line")
    net.add_node(1, label="one")
    raw = net.generate_html()
    assert REMOTE.search(raw), "pyvis links Bootstrap from a CDN whatever the setting"
    stripped = strip_remote_resources(raw)
    assert not REMOTE.search(stripped)
    assert "new vis.Network" in stripped


@pytest.mark.parametrize("needle", [
    "<img src=x",
    "<b>signed</b>",
    "<Corp>",
    "</script><b>",
    "Sample <graph>",
])
def test_values_from_articles_are_escaped(page, needle):
    assert needle not in page


def test_article_text_is_only_in_the_json_block(page):
    m = re.search(r'<script type="application/json" id="kg-data">(.*?)</script>', page, re.S)
    assert "<" not in m.group(1)  # so no "</script>" or "<!--" can end or bend the block
    rest = page[:m.start()] + page[m.end():]
    for text in ("Ada Nkosi", "Freedonia", "Harbour deal", "grew fast", "Zeta"):
        assert text in m.group(1) and text not in rest, text


def test_data_round_trips_through_json(page):
    data = page_data(page)
    zeta = data["nodes"][KGE + "Zeta_Corp"]
    assert zeta["label"] == "Zeta <Corp> & Sons"
    assert zeta["aliases"] == ["Zeta"]
    assert zeta["types"] == ["Organization"]
    assert zeta["mentions"] == 6
    assert [data["docs"][i]["identifier"] for i, _ in zeta["docs"]] == ["b.txt", "a.txt"]
    titles = {d["title"] for d in data["docs"]}
    assert MARKUP_TITLE in titles
    country = next(e for e in data["edges"].values() if e["relation"] == "country")
    assert [v["sentence"] for v in country["evidence"]][0] == MARKUP_SENTENCE
    assert country["evidence"][0]["confidence"] == 0.9
    assert country["evidence_total"] == 2
    assert "<title>Sample &lt;graph&gt;</title>" in page


def test_counts_legend_and_relations(page):
    data = page_data(page)
    assert data["counts"] == {"entities": 5, "total_entities": 5, "relations": 4,
                              "total_relations": 4}
    assert not data["truncated"]
    assert {c["name"] for c in data["classes"]} == {"Person", "Organization", "City", "Country",
                                                    "Region"}
    assert all(c["color"] == CLASS_COLORS[c["name"]] for c in data["classes"])
    assert {r["name"]: r["count"] for r in data["relations"]} == {
        "country": 1, "leaderOf": 1, "locatedIn": 1, "memberOf": 1}
    assert "5 entities, 4 relations" in page


def test_top_n_draws_the_best_connected_and_says_so(ds, tmp_path):
    info = write_view(ds, tmp_path / "top.html", top=2)
    assert info.truncated and info.entities == 2 and info.total_entities == 5
    page = info.path.read_text(encoding="utf-8")
    assert "showing 2 of 5 entities (top by degree)" in page
    data = page_data(page)
    # Zeta has degree 3; Ada and Freedonia tie on degree 2 and 3 mentions: the label decides
    assert data["order"] == [KGE + "Zeta_Corp", KGE + "Ada_Nkosi"]
    assert data["relations"] == [{"count": 1, "name": "leaderOf"},
                                 {"count": 1, "name": "memberOf"}]
    assert info.relations == 2


def test_same_graph_same_bytes(ds, tmp_path):
    a = write_view(ds, tmp_path / "a.html").path.read_bytes()
    b = write_view(load_graph(SAMPLE), tmp_path / "b.html").path.read_bytes()
    assert a == b


def test_same_bytes_across_processes(tmp_path):
    script = ("import sys; from kg.export import load_graph; from kg.view import write_view; "
              "write_view(load_graph(sys.argv[1]), sys.argv[2])")
    outs = []
    for seed in ("1", "2"):
        out = tmp_path / f"p{seed}.html"
        subprocess.run([sys.executable, "-c", script, str(SAMPLE), str(out)], check=True,
                       env={**os.environ, "PYTHONHASHSEED": seed})
        outs.append(out.read_bytes())
    assert outs[0] == outs[1]


def test_parallel_relations_bend_apart(page):
    nodes = page_data(page)["vis"]["nodes"]
    assert len(nodes) == 5 and all(isinstance(n["x"], int) for n in nodes)
    edges = page_data(page)["vis"]["edges"]
    between = [e for e in edges if {e["from"], e["to"]} == {KGE + "Ada_Nkosi", KGE + "Zeta_Corp"}]
    assert len(between) == 2
    assert sorted(e["smooth"]["roundness"] for e in between) == [0.15, 0.3]
    assert all("smooth" not in e for e in edges if e not in between)


def test_sizes_follow_mentions(page):
    nodes = {n["id"]: n for n in page_data(page)["vis"]["nodes"]}
    assert nodes[KGE + "Zeta_Corp"]["size"] > nodes[KGE + "Ada_Nkosi"]["size"] \
        > nodes[KGE + "Port_Vale"]["size"]


def test_empty_graph_renders(tmp_path):
    from kg.graph import new_dataset

    info = write_view(new_dataset(), tmp_path / "empty.html")
    assert info.entities == 0
    assert "no entities in this graph" in info.path.read_text(encoding="utf-8")


@pytest.mark.parametrize("top", [0, -3])
def test_bad_top_is_an_error(ds, tmp_path, top):
    with pytest.raises(OutputError, match="at least 1"):
        write_view(ds, tmp_path / "x.html", top=top)


def test_unwritable_output_is_an_error(ds, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(OutputError, match="cannot write"):
        write_view(ds, blocker / "x.html")


def test_class_color_is_stable_for_unknown_classes():
    assert class_color("Person") == CLASS_COLORS["Person"]
    assert class_color("Vessel") == class_color("Vessel")
    assert re.fullmatch(r"#[0-9a-f]{6}", class_color("Vessel"))


def test_force_layout_is_deterministic_and_spreads_nodes():
    nodes = [f"n{i}" for i in range(60)]
    edges = [(f"n{i}", f"n{i + 1}") for i in range(0, 59, 2)]
    a = force_layout(nodes, edges)
    assert a == force_layout(nodes, edges)
    pts = list(a.values())
    closest = min(((x1 - x2) ** 2 + (y1 - y2) ** 2) ** 0.5
                  for i, (x1, y1) in enumerate(pts) for (x2, y2) in pts[i + 1:])
    assert closest > 0.05
    linked = sum(((a[u][0] - a[v][0]) ** 2 + (a[u][1] - a[v][1]) ** 2) ** 0.5 for u, v in edges)
    assert linked / len(edges) < 1.5  # related entities end up near each other


def test_force_layout_packs_isolated_nodes_beside_the_network():
    nodes = ["a", "b", "c", "lone1", "lone2", "lone3"]
    pos = force_layout(nodes, [("a", "b"), ("b", "c")])
    right = max(pos[v][0] for v in "abc")
    assert all(pos[v][0] > right for v in ("lone1", "lone2", "lone3"))
    assert pos["lone1"] < pos["lone2"] or pos["lone1"][1] < pos["lone2"][1]  # in order
    only = force_layout(["x", "y", "z", "w"], [])
    assert len(set(only.values())) == 4


def test_force_layout_large_graph_is_fast():
    n = 5000
    nodes = list(range(n))
    edges = [(i, (i * 7 + 1) % n) for i in range(n)]
    start = time.perf_counter()
    pos = force_layout(nodes, edges)
    assert len(pos) == n
    assert all(abs(x) < 1e6 and abs(y) < 1e6 for x, y in pos.values())
    assert time.perf_counter() - start < 30


def test_cli_view(tmp_path):
    out = tmp_path / "graph.html"
    result = CliRunner().invoke(app, ["view", "--graph", str(SAMPLE), "-o", str(out),
                                      "--top", "3"])
    assert result.exit_code == 0, result.output
    assert out.is_file()
    assert "showing 3 of 5 entities" in result.output


def test_cli_view_missing_graph_is_one_line_error(tmp_path):
    result = CliRunner().invoke(app, ["view", "--graph", str(tmp_path / "nope.ttl"),
                                      "-o", str(tmp_path / "x.html")])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("kg: error: ")


def test_view_of_a_graph_built_by_kg(tmp_path):
    """The pipeline's own output renders, with every entity and relation of the network."""
    from kg.build import build_dataset

    article = tmp_path / "story.txt"
    article.write_text(
        "Amara Okafor, the president of Veltrania, visited Lisbon on Tuesday. "
        "Okafor met executives of Brightwater Shipping, a company based in Lagos.\n",
        encoding="utf-8")
    built, _summary = build_dataset([str(article)])
    g = entity_network(built)
    info = write_view(built, tmp_path / "built.html")
    assert info.entities == g.number_of_nodes() > 0
    assert info.relations == g.number_of_edges()
    data = page_data(info.path.read_text(encoding="utf-8"))
    assert {d["identifier"] for d in data["docs"]} == {"story.txt"}


# ---------------------------------------------------------------- a real browser

def chromium() -> str | None:
    for name in (os.environ.get("KG_CHROMIUM"), "chromium", "chromium-browser",
                 "google-chrome", "google-chrome-stable"):
        if name and (path := shutil.which(name)):
            return path
    return None


def run_chromium(tmp_path: Path, *args: str) -> str:
    profile = tmp_path / f"profile-{len(list(tmp_path.glob('profile-*')))}"
    proc = subprocess.run([chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout


# Runs in the page after it has drawn: clicks like a user (pointer events on the canvas at
# the item's position), searches, filters, and writes what it saw into <pre id="test-result">.
PROBE = r"""
<pre id="test-result">pending</pre>
<script>
window.addEventListener("load", function () {
  setTimeout(function () {
    var out = {errors: []};
    try {
      var v = window.kgView, net = v.network, K = "https://w3id.org/kg/id/";
      var canvas = document.querySelector("#kg-network canvas");
      var rect = canvas.getBoundingClientRect();
      function clickAt(p) {
        var o = {clientX: rect.left + p.x, clientY: rect.top + p.y, pointerId: 1,
                 pointerType: "mouse", isPrimary: true, bubbles: true, buttons: 1, button: 0};
        canvas.dispatchEvent(new PointerEvent("pointerdown", o));
        o.buttons = 0;
        canvas.dispatchEvent(new PointerEvent("pointerup", o));
      }
      function dom(id) { return net.canvasToDOM(net.getPositions([id])[id]); }
      var panel = document.getElementById("kg-details");
      // headless Chromium may not have run an animation frame yet: draw one now
      net.redraw();
      out.nodes = net.body.data.nodes.length;
      out.edges = net.body.data.edges.length;
      out.canvas = [canvas.width, canvas.height];
      // coloured pixels: the Person node is drawn in its class colour
      var px = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
      var person = 0, ink = 0;
      for (var i = 0; i < px.length; i += 4) {
        var r = px[i], g = px[i + 1], b = px[i + 2];
        if (Math.abs(r - 225) < 6 && Math.abs(g - 87) < 6 && Math.abs(b - 89) < 6) { person++; }
        if (px[i + 3] > 0 && (px[i] < 200 || px[i + 1] < 200 || px[i + 2] < 200)) { ink++; }
      }
      out.personPixels = person;
      out.inkPixels = ink;
      clickAt(dom(K + "Ada_Nkosi"));
      out.nodeSelected = net.getSelectedNodes();
      out.nodePanel = panel.textContent;
      var a = dom(K + "Zeta_Corp"), b = dom(K + "Freedonia");
      clickAt({x: (a.x + b.x) / 2, y: (a.y + b.y) / 2});
      out.edgeSelected = net.getSelectedEdges().map(function (e) { return v.data.edges[e].relation; });
      out.edgePanel = panel.textContent;
      document.getElementById("kg-search").value = "freedonian";
      document.getElementById("kg-search-form").requestSubmit();
      out.searchSelected = net.getSelectedNodes();
      out.searchPanel = panel.textContent;
      document.getElementById("kg-search").value = "no such thing";
      document.getElementById("kg-search-form").requestSubmit();
      out.searchMiss = document.getElementById("kg-search-status").textContent;
      var personBox = document.querySelector('#kg-legend input[value="Person"]');
      personBox.click();
      out.hiddenNodes = v.nodes.get({filter: function (n) { return n.hidden; }})
        .map(function (n) { return n.id; });
      out.hiddenEdges = v.edges.get({filter: function (e) { return e.hidden; }}).length;
      personBox.click();
      document.querySelector('#kg-relations input[value="country"]').click();
      out.hiddenByRelation = v.edges.get({filter: function (e) { return e.hidden; }}).length;
      out.legend = document.getElementById("kg-legend").textContent;
      out.pwned = window.pwned === undefined ? null : window.pwned;
      out.injected = document.querySelectorAll("#kg-side img, #kg-side b, body > img").length;
    } catch (err) {
      out.errors.push(String(err && err.stack || err));
    }
    document.getElementById("test-result").textContent = JSON.stringify(out);
  }, 300);
});
window.addEventListener("error", function (e) {
  document.getElementById("test-result").textContent = "page error: " + e.message;
});
</script>
</body>"""


@pytest.mark.slow
@pytest.mark.skipif(chromium() is None, reason="Chromium is not installed "
                    "(apt-get install chromium); CI installs it")
def test_viewer_in_headless_chromium(ds, tmp_path):
    info = write_view(ds, tmp_path / "graph.html", title="Sample <graph>")
    page = info.path.read_text(encoding="utf-8")
    probe = tmp_path / "probe.html"
    # the probe goes in after the page's own script, as the last thing in <body>
    probe.write_text(page[:page.rindex("</body>")] + PROBE + page[page.rindex("</body>") + 7:],
                     encoding="utf-8")
    dom = run_chromium(tmp_path, "--window-size=1280,800", "--virtual-time-budget=5000",
                       "--dump-dom", probe.as_uri())
    m = re.search(r'<pre id="test-result">(.*?)</pre>', dom, re.S)
    assert m, dom[-2000:]
    text = htmllib.unescape(m.group(1))
    assert text.startswith("{"), text
    out = json.loads(text)
    assert out["errors"] == []

    assert out["nodes"] == 5 and out["edges"] == 4
    assert out["personPixels"] > 20 and out["inkPixels"] > 500, out
    # a click on a node shows its types, label, aliases and documents
    assert out["nodeSelected"] == [KGE + "Ada_Nkosi"]
    for text in ("Ada Nkosi", "Person", "Nkosi", "a.txt", MARKUP_TITLE, "leaderOf"):
        assert text in out["nodePanel"], (text, out["nodePanel"])
    # a click on a relation shows its evidence sentences, documents and confidence
    assert out["edgeSelected"] == ["country"], out
    for text in (MARKUP_SENTENCE, "Zeta is the largest Freedonian employer.", "b.txt",
                 "Zeta expands", "confidence 0.90", "Evidence (2)"):
        assert text in out["edgePanel"], (text, out["edgePanel"])
    # search finds by alias; a miss says so
    assert out["searchSelected"] == [KGE + "Freedonia"]
    assert "Freedonia" in out["searchPanel"]
    assert "no entity matches" in out["searchMiss"]
    # filters by class and by relation
    assert out["hiddenNodes"] == [KGE + "Ada_Nkosi"] and out["hiddenEdges"] == 2
    assert out["hiddenByRelation"] == 1
    assert "Organization" in out["legend"] and "Person" in out["legend"]
    # markup from articles stayed text
    assert out["pwned"] is None and out["injected"] == 0

    shot = tmp_path / "viewer.png"
    run_chromium(tmp_path, "--window-size=1280,800", "--virtual-time-budget=3000",
                 f"--screenshot={shot}", info.path.as_uri())
    header = shot.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", header[16:24]) == (1280, 800)
