"""Counts, central entities and communities of a graph's entity network (networkx)."""

from __future__ import annotations

from collections import Counter

import networkx as nx
from rdflib import Dataset

from kg.netexport import entity_network

__all__ = ["BETWEENNESS_EXACT", "BETWEENNESS_SAMPLE", "graph_stats", "network_stats",
           "render_stats"]

# above this many entities betweenness is estimated from a fixed-seed sample of sources
# (10k entities: about 3 s with 200 sources, 7 s with 500)
BETWEENNESS_EXACT = 1000
BETWEENNESS_SAMPLE = 200


def _simple(g: nx.MultiDiGraph) -> nx.Graph:
    """Undirected, one edge per pair, weight = how many relations join the pair."""
    u = nx.Graph()
    u.add_nodes_from(g.nodes)
    for s, o in g.edges():
        if s == o:
            continue
        if u.has_edge(s, o):
            u[s][o]["weight"] += 1
        else:
            u.add_edge(s, o, weight=1)
    return u


def _entry(g: nx.MultiDiGraph, n: str, **value) -> dict:
    a = g.nodes[n]
    return {"id": n, "label": a["label"], "class": a["cls"], **value}


def _ranked(g: nx.MultiDiGraph, scores: dict[str, float], top: int) -> list[str]:
    # ties go to the better-known entity, then by label, so the order is stable
    return sorted((n for n, v in scores.items() if v > 0),
                  key=lambda n: (-scores[n], -g.nodes[n]["mentions"], g.nodes[n]["label"], n))[:top]


def network_stats(g: nx.MultiDiGraph, *, top: int = 10, seed: int = 0) -> dict:
    """Statistics of an ``entity_network``; see ``graph_stats``."""
    u = _simple(g)
    n = u.number_of_nodes()
    degree = dict(g.degree())
    k = None if n <= BETWEENNESS_EXACT else BETWEENNESS_SAMPLE
    betweenness = nx.betweenness_centrality(u, k=k, seed=seed) if n else {}
    communities = nx.community.louvain_communities(u, weight="weight", seed=seed) if n else []
    groups = sorted((c for c in communities if len(c) > 1),
                    key=lambda c: (-len(c), min(g.nodes[m]["label"] for m in c)))
    modularity = nx.community.modularity(u, communities, weight="weight") \
        if u.number_of_edges() else 0.0
    components = [c for c in nx.connected_components(u) if len(c) > 1]
    return {
        "documents": g.graph.get("documents", 0),
        "entities": g.number_of_nodes(),
        "relations": g.number_of_edges(),
        "evidence": sum(a["evidence_count"] for *_, a in g.edges(data=True)),
        "mentions": sum(a["mentions"] for _, a in g.nodes(data=True)),
        "isolated_entities": sum(1 for x in u.nodes if u.degree(x) == 0),
        "connected_components": len(components),
        "largest_component": max((len(c) for c in components), default=0),
        "classes": dict(sorted(Counter(a["cls"] for _, a in g.nodes(data=True)).items(),
                               key=lambda x: (-x[1], x[0]))),
        "relation_counts": dict(sorted(Counter(a["relation"] for *_, a in g.edges(data=True))
                                       .items(), key=lambda x: (-x[1], x[0]))),
        "document_relations": dict(g.graph.get("document_relations", {})),
        "top_degree": [_entry(g, x, degree=degree[x]) for x in _ranked(g, degree, top)],
        "top_betweenness": [_entry(g, x, betweenness=round(betweenness[x], 4))
                            for x in _ranked(g, betweenness, top)],
        "betweenness_sampled": k is not None,
        "communities": {
            "method": "louvain",
            "seed": seed,
            "count": len(groups),
            "modularity": round(modularity, 4),
            "largest": [{"size": len(c),
                         "members": [g.nodes[m]["label"] for m in
                                     _ranked(g, {m: degree[m] + 1 for m in c}, 8)]}
                        for c in groups[:top]],
        },
    }


def graph_stats(ds: Dataset, *, top: int = 10, seed: int = 0) -> dict:
    """Counts per class and relation, central entities and communities of a kg graph.

    Keys: ``documents``, ``entities``, ``relations`` (entity-to-entity edges), ``evidence``,
    ``mentions``, ``classes`` and ``relation_counts`` (name -> count, largest first),
    ``document_relations`` (relations from an article, e.g. ``citesSource``),
    ``top_degree`` and ``top_betweenness`` (the ``top`` entities), ``communities``
    (Louvain with a fixed ``seed``: same graph, same answer) and component counts.
    Betweenness is exact up to ``BETWEENNESS_EXACT`` entities and estimated from
    ``BETWEENNESS_SAMPLE`` fixed-seed sources above.

    >>> from kg.graph import new_dataset
    >>> graph_stats(new_dataset())["entities"]
    0
    """
    return network_stats(entity_network(ds), top=top, seed=seed)


def _table(rows: dict[str, int], indent: str = "  ") -> list[str]:
    if not rows:
        return [f"{indent}(none)"]
    width = max(len(k) for k in rows)
    return [f"{indent}{k:<{width}}  {v:>6}" for k, v in rows.items()]


def render_stats(stats: dict) -> str:
    """``graph_stats`` as aligned plain text."""
    s = stats
    lines = [
        f"documents             {s['documents']}",
        f"entities              {s['entities']} ({s['isolated_entities']} without relations)",
        f"relations             {s['relations']} between entities, backed by "
        f"{s['evidence']} evidence sentences",
        f"mentions              {s['mentions']}",
        f"connected components  {s['connected_components']} with 2+ entities "
        f"(largest {s['largest_component']})",
        "",
        "classes",
        *_table(s["classes"]),
        "",
        "relations",
        *_table(s["relation_counts"]),
    ]
    if s["document_relations"]:
        lines += ["", "relations from documents", *_table(s["document_relations"])]
    lines += ["", "top entities by degree"]
    lines += [f"  {i:>2}. {e['label']} ({e['class']})  {e['degree']}"
              for i, e in enumerate(s["top_degree"], 1)] or ["  (none)"]
    sampled = ", sampled" if s["betweenness_sampled"] else ""
    lines += ["", f"top entities by betweenness centrality{sampled}"]
    lines += [f"  {i:>2}. {e['label']} ({e['class']})  {e['betweenness']:.4f}"
              for i, e in enumerate(s["top_betweenness"], 1)] or ["  (none)"]
    c = s["communities"]
    lines += ["", f"communities ({c['method']}, seed {c['seed']}): {c['count']} with 2+ "
              f"entities, modularity {c['modularity']:.4f}"]
    for i, group in enumerate(c["largest"], 1):
        more = group["size"] - len(group["members"])
        tail = f", +{more} more" if more > 0 else ""
        lines.append(f"  {i:>2}. {group['size']} entities: {', '.join(group['members'])}{tail}")
    return "\n".join(lines) + "\n"
