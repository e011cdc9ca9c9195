#!/usr/bin/env python3
"""Scale-out: one corpus built single-process, with --workers 2 and on a Dask cluster, into
memory, the embedded store and a remote Oxigraph server; words/second and ratios in one run.

    python benchmarks/scale.py                  # about 6 minutes on 2 cores
    python benchmarks/scale.py --articles 60    # a small corpus, to try the harness

Two views of the same builds:
  * end to end: ``kg build`` as a user runs it, a fresh process each time, so the model loads,
    the worker start-up and (for ``--cluster local:2``) the cluster start-up are all counted;
  * steady state: in one process with the pipeline loaded once and, for the cluster, a
    LocalCluster started and warmed once (what a long build on a standing cluster sees).
And the figures docs/scale.md sizes a deployment with: words/second per core, triples per
article, the client's own cost per article (resolve, graph, store write: the part that does not
scale out), the store load rate (quads/second, embedded and over HTTP) and bytes per quad.
Every build's export is compared byte for byte with the single-process one.

Writes benchmarks/reports/scale.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
KG = str(Path(sys.executable).parent / "kg")
# the 1-minute load average after each build: on a shared machine, other work shows up here
LOAD: dict[str, list[float]] = {}

FIRST = ["Amina", "Bjorn", "Carmen", "Dmitri", "Elif", "Femi", "Giulia", "Hamid", "Ingrid", "Kofi",
         "Leila", "Mateo", "Nadia", "Oskar", "Priya", "Rania", "Sanjay", "Tamara", "Wei", "Zara"]
LAST = ["Abara", "Bergstrom", "Castillo", "Dubois", "Eriksen", "Haddad", "Jovanovic", "Laine",
        "Mbeki", "Novak", "Okafor", "Petrov", "Quispe", "Rahimi", "Santos", "Takahashi", "Varga"]


def generate_corpus(n: int, out: Path, seed: int = 0) -> int:
    """``n`` Markdown articles made from the bundled examples (people renamed, paragraphs after
    the first shuffled); returns their word count as kg counts words."""
    from kg.io import read_documents

    gold = json.loads((ROOT / "examples" / "gold.json").read_text())["documents"]
    bases = []
    for d in read_documents([str(ROOT / "examples" / "news")]):
        if hasattr(d, "text"):
            people = [e["name"] for e in gold.get(d.id, {}).get("entities", ()) if "Person" in e["type"]]
            bases.append((d.id, d.text, d.title or d.id, people))
    bases.sort()
    rng = random.Random(seed)
    out.mkdir(parents=True, exist_ok=True)
    words = 0
    for i in range(n):
        doc_id, text, title, people = bases[i % len(bases)]
        for person in people:
            new = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
            for old, repl in ((person, new), (person.split()[-1], new.split()[-1])):
                text = re.sub(rf"(?<![\w-]){re.escape(old)}(?![\w-])", repl, text)
                title = re.sub(rf"(?<![\w-]){re.escape(old)}(?![\w-])", repl, title)
        paras = [p for p in re.split(r"\n\s*\n", text) if p.strip()]
        tail = paras[1:]
        rng.shuffle(tail)
        body = "\n\n".join(paras[:1] + tail)
        words += len(body.split())
        (out / f"a{i:05d}.md").write_text(
            f"---\ntitle: {json.dumps(title)}\ndate: 2026-{1 + i % 12:02d}-{1 + i % 28:02d}\n"
            f"link: https://example.org/scale/{i:05d}\nsource: Generated Wire\n---\n{body}\n",
            encoding="utf-8")
    return words


# ---------------------------------------------------------------- end to end (the CLI)

def cli_build(corpus: Path, target: list[str], extra: list[str], batch_size: int) -> float:
    """Wall seconds of one ``kg build`` in a fresh process."""
    cmd = [KG, "build", str(corpus), *target, "-q", "--batch-size", str(batch_size), *extra]
    t = time.perf_counter()
    res = subprocess.run(cmd, capture_output=True, text=True,
                         env={**os.environ, "PYTHONWARNINGS": "ignore"})
    elapsed = time.perf_counter() - t
    if res.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{res.stderr[-2000:]}")
    return elapsed


def workers_flag_exists() -> bool:
    res = subprocess.run([KG, "build", "--help"], capture_output=True, text=True)
    return "--workers" in res.stdout


def end_to_end(corpus: Path, words: int, work: Path, batch_size: int, repeat: int, url: str,
               modes: dict[str, list[str]]) -> dict:
    from kg.remote import RemoteStore
    from kg.store import export_store, open_store

    targets = {"memory": lambda tag: ["-o", str(work / f"{tag}.trig")],
               "embedded": lambda tag: ["--store", str(work / f"store-{tag}")],
               "remote": lambda tag: ["--store", url]}
    best: dict[str, float] = {}
    exports: dict[str, bytes] = {}
    for r in range(repeat):
        for mode, extra in modes.items():
            for target, args in targets.items():
                tag = f"{mode}-{target}"
                shutil.rmtree(work / f"store-{tag}", ignore_errors=True)
                if target == "remote":
                    clear = RemoteStore(url)
                    clear.update("DROP ALL")
                    clear.close()
                seconds = cli_build(corpus, args(tag), extra, batch_size)
                best[tag] = min(best.get(tag, seconds), seconds)
                LOAD.setdefault(f"end_to_end {tag}", []).append(round(os.getloadavg()[0], 2))
                print(f"  end to end {tag:22s} {seconds:7.1f} s  {words / seconds:8,.0f} words/s"
                      f"  (load {os.getloadavg()[0]:.1f})", flush=True)
                if r == 0:
                    out = work / f"{tag}.trig"
                    if target != "memory":
                        export_store(open_store(url if target == "remote" else work / f"store-{tag}"), out)
                    exports[tag] = out.read_bytes()
    # a store's export holds each article's kgo:contentHash too: stores compare with a store
    return {"seconds": best, "words_per_second": {k: round(words / v) for k, v in best.items()},
            "identical_exports": {k: v == exports["single-memory" if k.endswith("-memory")
                                                  else "single-embedded"]
                                  for k, v in exports.items()}}


# ---------------------------------------------------------------- steady state (in process)

def steady_state(corpus: Path, words: int, work: Path, batch_size: int, repeat: int, url: str,
                 workers_ok: bool) -> dict:
    from kg.build import BuildConfig, build, build_store
    from kg.cluster import connect, settings_for
    from kg.nlp import make_nlp
    from kg.ontology import load_ontology
    from kg.remote import RemoteStore

    ontology = load_ontology()
    nlp = make_nlp("en_core_web_sm", ontology)
    # the cluster --cluster local:2 starts (workers forked with the pipeline), left running
    base = BuildConfig(batch_size=batch_size)
    t = time.perf_counter()
    with connect("local:2", (settings_for(base), (nlp, ontology, base))) as client:
        address = client.scheduler.address
        warm = BuildConfig(cluster=address, batch_size=batch_size)
        build([str(ROOT / "examples" / "news")], work / "warm.nt", warm, nlp=nlp, ontology=ontology)
        warm_seconds = time.perf_counter() - t
        configs = {"single": BuildConfig(batch_size=batch_size),
                   "cluster_local_2": BuildConfig(batch_size=batch_size, cluster=address)}
        if workers_ok:
            configs["workers_2"] = BuildConfig(batch_size=batch_size, workers=2)
        best: dict[str, float] = {}
        for _ in range(repeat):
            for mode, cfg in configs.items():
                for target in ("memory", "embedded", "remote"):
                    tag = f"{mode}-{target}"
                    t = time.perf_counter()
                    if target == "memory":
                        build([str(corpus)], work / f"steady-{tag}.nt", cfg, nlp=nlp, ontology=ontology)
                    else:
                        if target == "remote":
                            dest = url
                            clear = RemoteStore(url)
                            clear.update("DROP ALL")
                            clear.close()
                        else:
                            dest = work / f"steady-store-{tag}"
                            shutil.rmtree(dest, ignore_errors=True)
                        build_store([str(corpus)], dest, cfg, nlp=nlp, ontology=ontology)
                    seconds = time.perf_counter() - t
                    best[tag] = min(best.get(tag, seconds), seconds)
                    LOAD.setdefault(f"steady {tag}", []).append(round(os.getloadavg()[0], 2))
                    print(f"  steady     {tag:22s} {seconds:7.1f} s  {words / seconds:8,.0f} words/s"
                          f"  (load {os.getloadavg()[0]:.1f})", flush=True)
    return {"seconds": best, "words_per_second": {k: round(words / v) for k, v in best.items()},
            "cluster_start_and_warm_seconds": round(warm_seconds, 2)}


# ---------------------------------------------------------------- stage costs

def stage_costs(corpus: Path, words: int, work: Path, batch_size: int, url: str) -> dict:
    """The client's share per article, triples per article, store load rates, bytes per quad."""
    from dataclasses import replace

    from kg.build import BuildConfig, accept, process
    from kg.graph import document_graph
    from kg.io import read_documents
    from kg.nlp import make_nlp
    from kg.ontology import load_ontology
    from kg.remote import RemoteStore
    from kg.resolve import resolve
    from kg.store import CONTENT_HASH, open_store, write_graph

    ontology = load_ontology()
    nlp = make_nlp("en_core_web_sm", ontology)
    cfg = BuildConfig(batch_size=batch_size)
    t = time.perf_counter()
    docs = [d for d in read_documents([str(corpus)]) if hasattr(d, "text")]
    read_s = time.perf_counter() - t
    t = time.perf_counter()
    results = list(process(docs, nlp, ontology, cfg))
    parse_s = time.perf_counter() - t
    results = [replace(r, document=replace(r.document, text="")) for r in results]
    t = time.perf_counter()
    resolution = resolve((m for r in results for m in r.mentions), ontology)
    parts = [document_graph(accept(r, resolution, ontology)[0], resolution, ontology) for r in results]
    client_s = time.perf_counter() - t
    graphs = [(p.graph, [*p.triples, f'<{p.graph}> <{CONTENT_HASH}> "x"']) for p in parts]
    quads = sum(len(t) for _, t in graphs)

    def load(db) -> float:
        t = time.perf_counter()
        for g, triples in graphs:
            write_graph(db, g, triples, mode="new")
        db.flush()
        return time.perf_counter() - t

    path = work / "load-store"
    shutil.rmtree(path, ignore_errors=True)
    db = open_store(path)
    embedded_s = load(db)
    del db
    size = sum(f.stat().st_size for f in path.rglob("*") if f.is_file())
    remote = RemoteStore(url)
    remote.update("DROP ALL")
    remote_s = load(remote)
    dump_bytes = len(remote.dump())
    remote.close()
    import tracemalloc

    from kg.store import stored_hashes

    reader = RemoteStore(url)
    tracemalloc.start()
    hashes, graphs = stored_hashes(reader), reader.named_graphs_set()
    held = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    reader.close()
    n = len(docs)
    assert len(hashes) == len(graphs) == n
    return {
        "articles": n, "words": words, "words_per_article": round(words / n, 1),
        "read_seconds": round(read_s, 2), "read_articles_per_second": round(n / read_s),
        "parse_extract_words_per_second_1_core": round(words / parse_s),
        "client_resolve_graph_seconds": round(client_s, 2),
        "client_articles_per_second": round(n / client_s),
        "quads": quads, "quads_per_article": round(quads / n, 1),
        "embedded_load_quads_per_second": round(quads / embedded_s),
        "remote_load_quads_per_second": round(quads / remote_s),
        "embedded_bytes_per_quad": round(size / quads, 1),
        "nquads_bytes_per_quad": round(dump_bytes / quads, 1),
        "client_bytes_per_stored_article": round(held / n),
    }


def sizing(report: dict, words_per_article: int, cores: dict[int, int]) -> dict:
    """Time, CPU and storage for 1M and 100M articles from the measured figures (see docs/scale.md).

    Per-word rates are measured on the generated corpus and scaled to ``words_per_article``:
    parsing by words, quads and the client's cost per article in proportion to words.
    """
    st = report["stages"]
    steady = report["steady"]["words_per_second"]
    # a worker core: the 2-worker cluster's rate per worker, else one process's
    per_core = max(steady.get("cluster_local_2-memory", 0) / 2, st["parse_extract_words_per_second_1_core"])
    scale = words_per_article / st["words_per_article"]
    quads_per_article = st["quads_per_article"] * scale
    client_per_s = 1 / (1 / st["read_articles_per_second"] + 1 / st["client_articles_per_second"]) / scale
    out = {"assumptions": {
        "words_per_article": words_per_article,
        "worker_words_per_second_per_core": round(per_core),
        "quads_per_article": round(quads_per_article),
        "client_articles_per_second": round(client_per_s),
        "store_load_quads_per_second": st["remote_load_quads_per_second"],
        "nquads_bytes_per_quad": st["nquads_bytes_per_quad"],
        "client_bytes_per_stored_article": st["client_bytes_per_stored_article"]},
        "rows": []}
    for n, c in cores.items():
        words = n * words_per_article
        parse_h = words / per_core / 3600
        quads = n * quads_per_article
        rates = {"workers": c * per_core / words_per_article, "client": client_per_s,
                 "store": st["remote_load_quads_per_second"] / quads_per_article}
        bottleneck = min(rates, key=rates.get)
        out["rows"].append({
            "articles": n, "words": words, "cpu_core_hours_parse": round(parse_h),
            "worker_cores": c, "hours_workers_alone": round(parse_h / c, 1),
            "hours_client_alone": round(n / client_per_s / 3600, 1),
            "hours_store_load_alone": round(quads / st["remote_load_quads_per_second"] / 3600, 1),
            "bottleneck": bottleneck, "hours_end_to_end": round(n / rates[bottleneck] / 3600, 1),
            "quads": round(quads), "nquads_gb": round(quads * st["nquads_bytes_per_quad"] / 1e9, 1),
            "client_memory_gb": round(n * st["client_bytes_per_stored_article"] / 1e9, 1)})
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--articles", type=int, default=600, help="corpus size (articles)")
    ap.add_argument("--batch-size", type=int, default=8, help="spaCy batch size for every build")
    ap.add_argument("--repeat", type=int, default=1, help="best of this many runs of each build")
    ap.add_argument("--skip-end-to-end", action="store_true")
    ap.add_argument("--words-per-article", type=int, default=600,
                    help="article length the sizing table assumes")
    ap.add_argument("--report", default=str(ROOT / "benchmarks" / "reports" / "scale.json"))
    args = ap.parse_args()

    from kg.remote import oxigraph_server

    work = Path(tempfile.mkdtemp(prefix="kg-scale-"))
    try:
        corpus = work / "corpus"
        words = generate_corpus(args.articles, corpus)
        print(f"corpus: {args.articles} articles, {words:,} words", flush=True)
        workers_ok = workers_flag_exists()
        report: dict = {
            "machine": {"cores": os.cpu_count(), "python": platform.python_version(),
                        "platform": platform.platform()},
            "corpus": {"articles": args.articles, "words": words, "batch_size": args.batch_size,
                       "repeat": args.repeat},
            "workers_flag": workers_ok,
        }
        if not workers_ok:
            report["note"] = "kg build has no --workers option yet: its runs are left out"
        with oxigraph_server(work / "oxigraph") as url:
            print("stage costs", flush=True)
            report["stages"] = stage_costs(corpus, words, work, args.batch_size, url)
            print(json.dumps(report["stages"], indent=2), flush=True)
            print("steady state (pipeline loaded, cluster running)", flush=True)
            report["steady"] = steady_state(corpus, words, work, args.batch_size, args.repeat, url,
                                            workers_ok)
            if not args.skip_end_to_end:
                print("end to end (kg build, fresh process)", flush=True)
                modes = {"single": []}
                if workers_ok:
                    modes["workers2"] = ["--workers", "2"]
                modes["cluster2"] = ["--cluster", "local:2"]
                report["end_to_end"] = end_to_end(corpus, words, work, args.batch_size, args.repeat,
                                                  url, modes)
        ratios = {}
        for view in ("steady", "end_to_end"):
            wps = report.get(view, {}).get("words_per_second", {})
            names = {"steady": ("single", "workers_2", "cluster_local_2"),
                     "end_to_end": ("single", "workers2", "cluster2")}[view]
            one, two, clu = names
            for target in ("memory", "embedded", "remote"):
                if f"{two}-{target}" in wps:
                    ratios[f"{view}: cluster/workers2 ({target})"] = round(
                        wps[f"{clu}-{target}"] / wps[f"{two}-{target}"], 3)
                    ratios[f"{view}: workers2/single ({target})"] = round(
                        wps[f"{two}-{target}"] / wps[f"{one}-{target}"], 3)
                ratios[f"{view}: cluster/single ({target})"] = round(
                    wps[f"{clu}-{target}"] / wps[f"{one}-{target}"], 3) if wps else None
            for mode in names:
                if f"{mode}-remote" in wps:
                    ratios[f"{view}: remote/embedded ({mode})"] = round(
                        wps[f"{mode}-remote"] / wps[f"{mode}-embedded"], 3)
        report["ratios"] = ratios
        report["sizing"] = sizing(report, args.words_per_article, {1_000_000: 32, 100_000_000: 512})
        print(json.dumps(report["sizing"], indent=2))
        report["load_average_after_each_build"] = LOAD
        print(json.dumps(ratios, indent=2))
        Path(args.report).parent.mkdir(parents=True, exist_ok=True)
        Path(args.report).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {args.report}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
