#!/usr/bin/env python3
"""CoNLL04 zero-shot: an ontology file for its five relations, kg on the dev split, strict scores.

    python benchmarks/conll04.py                      # ../shared/bench/conll04/conll04_dev.json
    python benchmarks/conll04.py --split train --limit 200

Only the ontology below describes the task (kg's gazetteer of countries and regions is loaded
beside it, its classes as locations); its cue words were written by hand from the relation
definitions (nothing is fitted to the labels). Each sentence is one document (tokens
joined with spaces); kg's mentions carry character offsets, mapped back to token spans.
Scores are strict micro P/R/F1: an entity is right when its token span and type are; a
relation when both argument spans and types and the relation type are. Writes the ontology to
benchmarks/reports/conll04.ttl and a JSON report to benchmarks/reports/conll04.json.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "bench" / "conll04"
REPORTS = ROOT / "benchmarks" / "reports"

ENTITY_TYPES = ("Peop", "Org", "Loc", "Other")
RELATION_TYPES = ("Work_For", "Kill", "OrgBased_In", "Live_In", "Located_In")

# The ontology: classes named as CoNLL04's types, each claiming the spaCy labels that stand for
# it; properties named as its relations, with domain, range and cues from their definitions.
TITLES_AT_WORK = (
    '"president", "vice president", "chairman", "chairwoman", "chief", "chief executive", '
    '"executive", "director", "head", "leader", "spokesman", "spokeswoman", "spokesperson", '
    '"official", "officer", "member", "secretary", "minister", "ambassador", "envoy", '
    '"correspondent", "reporter", "editor", "analyst", "economist", "adviser", "advisor", '
    '"aide", "employee", "manager", "founder", "administrator", "commissioner", "governor", '
    '"general", "commander", "agent", "lawyer", "attorney", "professor", "researcher", '
    '"scientist", "representative", "senator", "chancellor", "coach", "owner", "partner", '
    '"deputy", "comptroller", "treasurer", "trustee"')
TITLES_OF_PLACE = (
    '"president", "vice president", "prime minister", "premier", "king", "queen", "governor", '
    '"mayor", "senator", "representative", "ambassador", "minister", "foreign minister", '
    '"citizen", "resident", "native", "leader", "chancellor", "dictator", "emperor", '
    '"official", "sheriff", "attorney general", "congressman", "lawmaker", "gov.", "sen.", '
    '"rep."')

ONTOLOGY_TTL = f"""\
# CoNLL04 (Roth & Yih 2004) as a kg ontology: four entity types, five relations.
# Written by benchmarks/conll04.py; cue words come from the relation definitions.
@prefix kgo: <https://w3id.org/kg/ontology#> .
@prefix c04: <https://w3id.org/kg/bench/conll04#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .

c04:Peop a owl:Class ; rdfs:label "People"@en ;
    kgo:nerLabel "PERSON" ;
    kgo:honorific "mr", "mrs", "ms", "dr", "mr.", "mrs.", "ms.", "dr.", "sen.", "rep.", "gov.",
        "gen.", "lt.", "col.", "sgt.", "rev." ;
    kgo:nameTitle "mr", "mrs", "ms", "dr", "mr.", "mrs.", "ms.", "dr.", "rev.", "president",
        "prince", "princess", "king", "queen", "duke", "duchess", "archduke", "emperor",
        "empress", "sultan" .

c04:Org a owl:Class ; rdfs:label "Organization"@en ;
    kgo:nerLabel "ORG" ;
    kgo:headCue "company", "corporation", "agency", "party", "university", "association",
        "institute", "bank", "newspaper", "ministry", "department", "committee", "council",
        "union", "group", "network", "radio", "television", "court", "firm" .

c04:Loc a owl:Class ; rdfs:label "Location"@en ;
    kgo:nerLabel "GPE", "LOC", "FAC" ;
    kgo:headCue "city", "town", "village", "county", "state", "country", "province", "island",
        "river", "mountain", "valley", "street", "avenue", "forest", "range", "channel", "desert",
        "park", "square", "lake", "bay", "beach", "canyon", "bridge", "airport", "harbor",
        "coast", "peninsula", "parish", "district", "region", "capital", "suburb", "hometown" .

# Other: named events and the values CoNLL04 marks as a rule (sums, shares); a look at the
# train split shows dates, times, nationalities and titles of works marked only now and then.
c04:Other a owl:Class ; rdfs:label "Other"@en ;
    kgo:nerLabel "EVENT", "MONEY", "PERCENT", "QUANTITY" .

# time zones in wire headers ('0400 GMT') are no organisations
[] kgo:stopName "GMT", "EST", "EDT", "PST", "PDT", "CST", "CDT" .

kgo:NewsArticle a owl:Class ; rdfs:label "News article"@en .

# kg's gazetteer (countries, continents, seas) is loaded too: its classes are locations here.
kgo:Country a owl:Class ; rdfs:subClassOf c04:Loc ; rdfs:label "Country"@en .
kgo:Region a owl:Class ; rdfs:subClassOf c04:Loc ; rdfs:label "Region"@en .

c04:Work_For a owl:ObjectProperty ; rdfs:label "works for"@en ;
    rdfs:domain c04:Peop ; rdfs:range c04:Org ;
    kgo:titleCue {TITLES_AT_WORK} ;
    kgo:verbCue "join", "lead", "head", "run", "represent", "found" ;
    kgo:frame "work: subj -> prep:for", "work: subj -> prep:at", "work: subj -> prep:with",
        "employ: obj -> subj", "hire: obj -> subj", "serve: subj -> prep:on",
        "serve: subj -> prep:in", "quote: obj -> prep:by" ;
    kgo:structure "prep:of", "prep:at", "prep:with", "prep:for", "path" .

c04:Kill a owl:ObjectProperty ; rdfs:label "kill"@en ;
    rdfs:domain c04:Peop ; rdfs:range c04:Peop ;
    kgo:verbCue "kill", "murder", "assassinate", "shoot", "slay", "stab", "strangle", "execute",
        "poison", "behead" ;
    kgo:nounCue "assassination", "murder", "killing", "slaying", "execution", "shooting" ;
    kgo:titleCue "assassin", "killer", "murderer", "slayer" ;
    kgo:frame "assassin: subj -> prep:of", "killer: subj -> prep:of" ;
    kgo:structure "path" .

c04:OrgBased_In a owl:ObjectProperty ; rdfs:label "organization based in"@en ;
    rdfs:domain c04:Org ; rdfs:range c04:Loc ;
    kgo:frame "base: obj -> prep:in", "headquarter: obj -> prep:in", "locate: obj -> prep:in",
        "base: subj -> prep:in" ;
    kgo:structure "prep:in", "prep:of", "premodifier", "appos", "dateline" .

c04:Live_In a owl:ObjectProperty ; rdfs:label "lives in"@en ;
    rdfs:domain c04:Peop ; rdfs:range c04:Loc ;
    kgo:titleCue {TITLES_OF_PLACE} ;
    kgo:frame "live: subj -> prep:in", "reside: subj -> prep:in", "bear: obj -> prep:in",
        "grow: subj -> prep:in", "move: subj -> prep:to", "return: subj -> prep:to",
        "native: subj -> prep:of", "resident: subj -> prep:of", "citizen: subj -> prep:of",
        "home: poss -> amod", "home: poss -> prep:in", "hometown: poss -> prep:of",
        "hometown: poss -> amod" ;
    kgo:structure "prep:of", "prep:from", "prep:in", "premodifier" .

c04:Located_In a owl:ObjectProperty ; rdfs:label "located in"@en ;
    rdfs:domain c04:Loc ; rdfs:range c04:Loc ;
    kgo:frame "locate: obj -> prep:in", "lie: subj -> prep:in" ;
    kgo:structure "prep:in", "prep:of", "appos", "premodifier", "dateline" .
"""


@dataclass(frozen=True)
class Sentence:
    """One CoNLL04 record: its tokens, gold entity spans (token offsets) and relations."""

    tokens: tuple[str, ...]
    entities: tuple[tuple[int, int, str], ...]  # (start token, end token, type)
    relations: tuple[tuple[int, int, str], ...]  # (head entity index, tail entity index, type)

    @property
    def text(self) -> str:
        return " ".join(self.tokens)

    def gold_entities(self) -> set[tuple[int, int, str]]:
        return set(self.entities)

    def gold_relations(self) -> set[tuple]:
        return {(self.entities[h], self.entities[t], rel) for h, t, rel in self.relations}


def bilou_spans(tags: Sequence[str]) -> list[tuple[int, int, str]]:
    """Entity spans from BILOU tags (B/I/L for a multi-token span, U for one token)."""
    out, start = [], None
    for i, tag in enumerate(tags):
        kind, _, typ = tag.partition("-")
        if kind == "U":
            out.append((i, i + 1, typ))
            start = None
        elif kind == "B":
            start = i
        elif kind == "L" and start is not None:
            out.append((start, i + 1, typ))
            start = None
    return out


def read_split(path: Path, limit: int | None = None) -> list[Sentence]:
    records = json.loads(path.read_text(encoding="utf-8"))[:limit]
    return [parse_record(r) for r in records]


def parse_record(rec: dict) -> Sentence:
    spans = bilou_spans(rec["tags"])
    rels = tuple((r["head"], r["tail"], r["type"]) for r in rec["relations"])
    return Sentence(tuple(rec["tokens"]), tuple(spans), rels)


def token_offsets(tokens: Sequence[str]) -> list[tuple[int, int]]:
    """Character (start, end) of each token in the tokens joined with single spaces."""
    out, pos = [], 0
    for t in tokens:
        out.append((pos, pos + len(t)))
        pos += len(t) + 1
    return out


def char_to_tokens(offsets: Sequence[tuple[int, int]], start: int, end: int
                   ) -> tuple[int, int] | None:
    """The token span covering characters [start, end) (tokens it overlaps), or None."""
    hit = [i for i, (s, e) in enumerate(offsets) if s < end and e > start]
    return (hit[0], hit[-1] + 1) if hit else None


def write_ontology(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(ONTOLOGY_TTL, encoding="utf-8")
    return path


def predict(sentences: Sequence[Sentence], nlp, ontology) -> list[tuple[set, set]]:
    """kg's entities and accepted relations for each sentence, as token spans with types."""
    from kg.build import BuildConfig, accept, process
    from kg.records import Document
    from kg.resolve import resolve

    docs = [Document(id=f"conll04-{i}", text=s.text, source="conll04", format="text")
            for i, s in enumerate(sentences)]
    results = list(process(docs, nlp, ontology, BuildConfig()))
    resolution = resolve((m for r in results for m in r.mentions), ontology)
    out = []
    for s, res in zip(sentences, results, strict=True):
        offsets = token_offsets(s.tokens)
        accepted, _ = accept(res, resolution, ontology)

        def span(m, offsets=offsets):
            iri = resolution.iri(m)
            if iri is None or m.label == "DEMONYM":  # 'Haitian' stands for Haiti, names nothing
                return None
            cls = conll_type(ontology, resolution.entities[iri].cls)
            toks = char_to_tokens(offsets, m.start, m.end)
            return None if toks is None or cls is None else (*toks, cls)

        ents = {x for x in map(span, res.mentions) if x is not None}
        rels = set()
        for c in accepted.triples:
            if c.subject is None:
                continue
            h, t = span(c.subject), span(c.object)
            if h is not None and t is not None and h != t:
                rels.add((h, t, c.predicate))
        out.append((ents, rels))
    return out


def conll_type(ontology, cls: str) -> str | None:
    """The CoNLL04 type a kg class falls under (gazetteer countries are locations)."""
    return next((t for t in ENTITY_TYPES if t in ontology.classes and ontology.is_a(cls, t)), None)


def prf(tp: int, n_pred: int, n_gold: int) -> dict:
    p = tp / n_pred if n_pred else 0.0
    r = tp / n_gold if n_gold else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4),
            "tp": tp, "predicted": n_pred, "gold": n_gold}


def score(sentences: Sequence[Sentence], predictions: Iterable[tuple[set, set]]) -> dict:
    """Strict micro P/R/F1 for entities and relations, overall and per type."""
    counts: dict[str, Counter] = {"entities": Counter(), "relations": Counter()}
    for s, (ents, rels) in zip(sentences, predictions, strict=True):
        for kind, gold, pred, type_of in (
                ("entities", s.gold_entities(), ents, lambda x: x[2]),
                ("relations", s.gold_relations(), rels, lambda x: x[2])):
            c = counts[kind]
            for x in pred:
                c["pred", type_of(x)] += 1
                c["tp", type_of(x)] += x in gold
            for x in gold:
                c["gold", type_of(x)] += 1
    out = {}
    for kind, types in (("entities", ENTITY_TYPES), ("relations", RELATION_TYPES)):
        c = counts[kind]
        total = {k: sum(v for (kk, _), v in c.items() if kk == k) for k in ("tp", "pred", "gold")}
        out[kind] = prf(total["tp"], total["pred"], total["gold"])
        out[kind]["per_type"] = {t: prf(c["tp", t], c["pred", t], c["gold", t]) for t in types}
    return out


SINGULAR = {"entities": "entity", "relations": "relation"}


def lines(result: dict) -> list[str]:
    out = []
    for kind in ("entities", "relations"):
        r = result[kind]
        out.append(f"{kind} micro P {r['precision']:.3f} R {r['recall']:.3f} F1 {r['f1']:.3f} "
                   f"(tp {r['tp']} predicted {r['predicted']} gold {r['gold']})")
        for t, x in r["per_type"].items():
            out.append(f"  {SINGULAR[kind]} {t} P {x['precision']:.3f} R {x['recall']:.3f} "
                       f"F1 {x['f1']:.3f} (tp {x['tp']} predicted {x['predicted']} gold {x['gold']})")
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--split", default="dev", choices=("dev", "train"))
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--model", default="en_core_web_sm")
    ap.add_argument("--limit", type=int, default=None)
    args = ap.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    from kg.nlp import make_nlp
    from kg.ontology import default_ontology_files, load_ontology

    t0 = time.perf_counter()
    onto_file = write_ontology(REPORTS / "conll04.ttl")
    gazetteer = [f for f in default_ontology_files() if f.name == "gazetteer.ttl"]
    ontology = load_ontology([onto_file, *gazetteer], core=False)
    nlp = make_nlp(args.model, ontology)
    sentences = read_split(args.data / f"conll04_{args.split}.json", args.limit)
    result = score(sentences, predict(sentences, nlp, ontology))
    seconds = time.perf_counter() - t0
    for line in lines(result):
        print(line)
    print(f"sentences {len(sentences)}, time {seconds:.1f} s (model {args.model})")
    report = REPORTS / ("conll04.json" if args.split == "dev" and args.limit is None
                        else f"conll04-{args.split}.json")
    report.write_text(json.dumps({"split": args.split, "sentences": len(sentences),
                                  "model": args.model, "ontology": str(onto_file.relative_to(ROOT)),
                                  "seconds": round(seconds, 1), **result}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
