#!/usr/bin/env python3
"""Build a corpus with kg and score it with the shared scorer; prints the scorer's lines.

    python benchmarks/quality.py                      # the seed corpus (../shared)
    python benchmarks/quality.py --corpus examples/news --gold examples/gold.json

Writes the graph to exports/ and a JSON report to benchmarks/reports/quality-<name>.json.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=SHARED / "corpus" / "seeds")
    ap.add_argument("--gold", type=Path, default=SHARED / "eval" / "gold" / "seeds.json")
    ap.add_argument("--scorer", type=Path, default=SHARED / "eval" / "score.py")
    ap.add_argument("--model", default="en_core_web_sm")
    ap.add_argument("--name", default=None, help="report name (default: the corpus folder's name)")
    args = ap.parse_args(argv)
    name = args.name or args.corpus.name
    graph = ROOT / "exports" / f"{name}.ttl"
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "kg", "build", str(args.corpus), "-o", str(graph),
                    "--model", args.model, "--quiet"], check=True)
    seconds = time.perf_counter() - t0
    lines = subprocess.run([sys.executable, str(args.scorer), "--gold", str(args.gold), "--graph",
                            str(graph)], check=True, capture_output=True, text=True).stdout
    full = json.loads(subprocess.run(
        [sys.executable, str(args.scorer), "--gold", str(args.gold), "--graph", str(graph), "--json"],
        check=True, capture_output=True, text=True).stdout)
    print(lines, end="")
    print(f"build time {seconds:.1f} s (model {args.model}, including model load)")
    report = ROOT / "benchmarks" / "reports" / f"quality-{name}.json"
    report.parent.mkdir(parents=True, exist_ok=True)
    summary = {k: {m: v for m, v in full[k].items() if not isinstance(v, (list, dict))}
               for k in ("entities", "relations", "documents")}
    report.write_text(json.dumps({"corpus": str(args.corpus.name), "model": args.model,
                                  "build_seconds": round(seconds, 2), **summary}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
