"""The acceptance checks on the shared seed corpus (skipped where ../shared is absent)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parent.parent.parent / "shared"
SEEDS = SHARED / "corpus" / "seeds"
GOLD = SHARED / "eval" / "gold" / "seeds.json"
SCORER = SHARED / "eval" / "score.py"

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not SEEDS.is_dir() or not SCORER.is_file(),
                                 reason="the shared seed corpus and scorer are not beside the repo")]


def _kg(*args: str) -> subprocess.CompletedProcess:
    r = subprocess.run([sys.executable, "-m", "kg", *args], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return r


def test_seed_scores_meet_the_bar(tmp_path):
    graph = tmp_path / "seeds.ttl"
    _kg("build", str(SEEDS), "-o", str(graph), "--quiet")
    r = subprocess.run([sys.executable, str(SCORER), "--gold", str(GOLD), "--graph", str(graph),
                        "--min-entity-f1", "0.85", "--min-relation-f1", "0.60"],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr


def test_store_rebuild_is_idempotent_and_removal_leaves_the_other_article(tmp_path):
    store = tmp_path / "store"
    _kg("build", str(SEEDS), "--store", str(store), "--quiet")
    _kg("export", "--store", str(store), "-o", str(tmp_path / "first.nq"))
    _kg("build", str(SEEDS), "--store", str(store), "--quiet")
    _kg("export", "--store", str(store), "-o", str(tmp_path / "second.nq"))
    first = (tmp_path / "first.nq").read_bytes()
    assert first and first == (tmp_path / "second.nq").read_bytes()
    articles = sorted(p.name for p in SEEDS.iterdir() if p.is_file())
    removed, kept = articles[0], articles[1:]
    _kg("remove", removed, "--store", str(store))
    _kg("export", "--store", str(store), "-o", str(tmp_path / "after.nq"))
    only = tmp_path / "only"
    only.mkdir()
    for name in kept:
        shutil.copy(SEEDS / name, only / name)
    _kg("build", str(only), "--store", str(tmp_path / "other"), "--quiet")
    _kg("export", "--store", str(tmp_path / "other"), "-o", str(tmp_path / "other.nq"))
    assert (tmp_path / "after.nq").read_bytes() == (tmp_path / "other.nq").read_bytes()
