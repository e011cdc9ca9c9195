"""Check a user ontology: what the extractors will read from it, what looks wrong, what fires."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import OWL, RDF, RDFS, Graph, URIRef

from kg.ontology import Ontology, _rdf_format, default_ontology_files, load_ontology, local_name

__all__ = ["Issue", "CueUse", "CheckReport", "check_ontology", "sample_usage", "NER_LABELS",
           "STRUCTURES"]

# spaCy's English entity labels (OntoNotes); a kgo:nerLabel outside these never matches a span
NER_LABELS = frozenset({"PERSON", "NORP", "FAC", "ORG", "GPE", "LOC", "PRODUCT", "EVENT",
                        "WORK_OF_ART", "LAW", "LANGUAGE", "DATE", "TIME", "PERCENT", "MONEY",
                        "QUANTITY", "ORDINAL", "CARDINAL"})
STRUCTURES = ("premodifier", "name", "appos", "path", "dateline", "topic", "prep:P")
STRUCTURE_RE = re.compile(r"^(premodifier|name|appos|path|dateline|topic|prep:[a-z][a-z ]*)$")
# parents from these vocabularies need no declaration (kgo:Evidence is an rdf:Statement)
STANDARD_NAMESPACES = ("http://www.w3.org/", "http://purl.org/dc/", "http://xmlns.com/foaf/",
                       "https://schema.org/", "http://schema.org/")


@dataclass(frozen=True, slots=True)
class Issue:
    """Something in the ontology that will not work as its author probably meant."""

    severity: str  # "error": the file is inconsistent; "warning": a term can never be used
    term: str
    message: str  # what, where, how to fix

    def line(self) -> str:
        return f"{self.severity}: {self.message}"


@dataclass(frozen=True, slots=True)
class CueUse:
    """How a property's cues did on the sample texts."""

    prop: str
    candidates: int  # candidate triples its cues produced
    accepted: int  # of those, how many fit its domain and range
    fired: tuple[str, ...]  # cues that produced at least one candidate
    silent: tuple[str, ...]  # cues that produced none


@dataclass
class CheckReport:
    files: tuple[str, ...]
    ontology: Ontology
    defined: frozenset[str]  # local names of the terms the checked files describe
    issues: list[Issue] = field(default_factory=list)
    sample: dict[str, CueUse] | None = None
    documents: int = 0

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "error"]

    def lines(self) -> list[str]:
        """The report as text: the classes and properties the extractors use, issues, usage."""
        o = self.ontology
        out = [f"ontology {', '.join(self.files)}"]
        classes = [c for n, c in sorted(o.classes.items()) if n in self.defined]
        props = [p for n, p in sorted(o.properties.items()) if n in self.defined]
        out.append(f"classes {len(classes)}")
        for c in classes:
            bits = []
            if c.parents:
                bits.append("parents " + ", ".join(c.parents))
            if c.ner_labels:
                bits.append("NER " + ", ".join(c.ner_labels))
            if c.head_cues:
                bits.append("head cues " + ", ".join(c.head_cues))
            if c.agent_cues:
                bits.append("agent cues " + ", ".join(c.agent_cues))
            if c.phrase_cues:
                bits.append("phrase cues " + ", ".join(c.phrase_cues))
            if c.suffix_cues:
                bits.append("suffix cues " + ", ".join(c.suffix_cues))
            if c.topic_name:
                bits.append("topic names")
            if c.name_article is not None:
                bits.append("names " + ("take" if c.name_article else "drop") + " a 'The' before them")
            entries = sum(1 for e in o.gazetteer if e.cls == c.name)
            if entries:
                bits.append(f"gazetteer entries {entries}")
            if c.name == "NewsArticle":
                bits.append("the documents themselves")
            out.append(f"  {c.name}: " + ("; ".join(bits) if bits else "no way to find it"))
        out.append(f"properties {len(props)}")
        for p in props:
            bits = [f"domain {'|'.join(sorted(p.domain)) or 'any'}",
                    f"range {'|'.join(sorted(p.range)) or 'any'}"]
            if p.symmetric:
                bits.append("symmetric")
            by_roles: dict[str, list[str]] = {}
            for f in p.frames:  # 'subj -> obj: kill, murder' reads better than one per cue
                by_roles.setdefault(f"{f.head} -> {f.tail}", []).append(f.lemma)
            if by_roles:
                bits.append("frames " + " | ".join(f"{roles}: {', '.join(lemmas)}"
                                                   for roles, lemmas in by_roles.items()))
            if p.title_cues:
                bits.append("titles " + ", ".join(p.title_cues))
            if p.structures:
                bits.append("structures " + ", ".join(p.structures))
            if p.qualified_title:
                bits.append(f"titles narrowed to a field give {p.qualified_title}")
            out.append(f"  {p.name}: " + "; ".join(bits))
        if self.sample is not None:
            out.append(f"sample: {self.documents} documents")
            for name, use in sorted(self.sample.items()):
                if name not in self.defined:
                    continue
                line = (f"  {name}: {use.candidates} candidates, {use.accepted} passed "
                        "domain/range")
                if use.silent:
                    line += f"; cues that never fired: {', '.join(use.silent)}"
                out.append(line)
        n_err, n_warn = len(self.errors), len(self.issues) - len(self.errors)
        out.extend(i.line() for i in self.issues)
        out.append(f"{n_err} errors, {n_warn} warnings")
        return out

    def to_dict(self) -> dict:
        return {
            "files": list(self.files),
            "classes": {n: {"parents": list(c.parents), "ner_labels": list(c.ner_labels),
                            "head_cues": list(c.head_cues), "agent_cues": list(c.agent_cues),
                            "phrase_cues": list(c.phrase_cues),
                            "suffix_cues": list(c.suffix_cues), "topic_name": c.topic_name,
                            "name_article": c.name_article}
                        for n, c in sorted(self.ontology.classes.items()) if n in self.defined},
            "properties": {n: {"domain": sorted(p.domain), "range": sorted(p.range),
                               "symmetric": p.symmetric,
                               "frames": [f"{f.lemma}: {f.head} -> {f.tail}" for f in p.frames],
                               "titles": list(p.title_cues), "structures": list(p.structures),
                               "qualified_title": p.qualified_title}
                           for n, p in sorted(self.ontology.properties.items())
                           if n in self.defined},
            "issues": [{"severity": i.severity, "term": i.term, "message": i.message}
                       for i in self.issues],
            "sample": None if self.sample is None else {
                "documents": self.documents,
                "properties": {n: {"candidates": u.candidates, "accepted": u.accepted,
                                   "fired": list(u.fired), "silent": list(u.silent)}
                               for n, u in sorted(self.sample.items())}},
        }


def check_ontology(files: Sequence[str | Path], *, core: bool = True) -> CheckReport:
    """Load ``files`` (on top of the core ontology unless ``core=False``) and list the problems
    of the terms they describe. Load errors raise OntologyError (file, term, fix).

    >>> report = check_ontology([], core=True)
    >>> report.errors
    []
    """
    paths = [Path(f) for f in files]
    ontology = load_ontology(paths, core=core)
    checked = paths or default_ontology_files()
    own = Graph()
    for f in checked:
        own.parse(f, format=_rdf_format(f))
    defined = frozenset(local_name(s) for s in own.subjects() if isinstance(s, URIRef))
    report = CheckReport(tuple(map(str, checked)), ontology, defined)
    report.issues = list(_issues(ontology, own, {str(f) for f in checked}, core))
    return report


def _issues(o: Ontology, own: Graph, files: set[str], core: bool) -> Iterable[Issue]:
    where = ", ".join(sorted(files))
    declared = set(o.classes)
    for c in sorted(own.subjects(RDFS.subClassOf, None), key=str):
        if not isinstance(c, URIRef):
            continue
        for parent in own.objects(c, RDFS.subClassOf):
            if not isinstance(parent, URIRef) or str(parent).startswith(STANDARD_NAMESPACES):
                continue
            if local_name(parent) not in declared:
                yield Issue("error", local_name(c), (
                    f"{where}: class {local_name(c)} has parent {local_name(parent)!r}, which no "
                    "ontology file declares; declare it (a owl:Class) or fix the name"))
    finders = _findable_classes(o)
    mine_p = [p for n, p in sorted(o.properties.items())
              if (URIRef(p.iri), RDF.type, OWL.ObjectProperty) in own]
    for p in mine_p:
        if not p.domain:
            yield Issue("warning", p.name, (
                f"{where}: property {p.name} has no rdfs:domain, so any subject passes; "
                "add rdfs:domain CLASS"))
        if not p.range:
            yield Issue("warning", p.name, (
                f"{where}: property {p.name} has no rdfs:range, so any object passes; "
                "add rdfs:range CLASS"))
        if not (p.frames or p.title_cues or p.structures) and p.name not in ("mentions",
                                                                              "publisher"):
            yield Issue("warning", p.name, (
                f"{where}: property {p.name} has no cue, so no rule extracts it; add kgo:verbCue, "
                "kgo:nounCue, kgo:frame, kgo:titleCue or kgo:structure"))
        for s in p.structures:
            if not STRUCTURE_RE.match(s):
                yield Issue("error", p.name, (
                    f"{where}: property {p.name}: unknown kgo:structure {s!r}; use one of "
                    f"{', '.join(STRUCTURES)} (e.g. 'prep:in')"))
        for side, classes in (("domain", p.domain), ("range", p.range)):
            if classes and p.name not in ("mentions", "publisher", "citesSource") and not any(
                    o.ancestors(f) & classes for f in finders):
                yield Issue("warning", p.name, (
                    f"{where}: property {p.name}: no class in its {side} "
                    f"({'|'.join(sorted(classes))}) or below can be found in text; give one a "
                    "kgo:nerLabel, a kgo:headCue or gazetteer entries"))
    for n, c in sorted(o.classes.items()):
        if (URIRef(c.iri), None, None) not in own or n == "NewsArticle":
            continue
        for lab in c.ner_labels:
            if lab not in NER_LABELS:
                yield Issue("warning", n, (
                    f"{where}: class {n}: kgo:nerLabel {lab!r} is no spaCy entity label; use one "
                    f"of {', '.join(sorted(NER_LABELS))}"))
        used = any(n in p.domain | p.range for p in o.properties.values())
        if used and not any(o.is_a(f, n) for f in finders):
            yield Issue("warning", n, (
                f"{where}: class {n}: no kgo:nerLabel, kgo:headCue or gazetteer entry names it "
                "or a subclass, so no mention gets it; add one"))
    claimed: dict[str, list[str]] = {}
    for n, c in o.classes.items():
        for cue in c.head_cues:
            claimed.setdefault(cue, []).append(n)
    for cue, owners in sorted(claimed.items()):
        mine = [n for n in owners if n in {local_name(s) for s in own.subjects()}]
        unrelated = [a for a in owners for b in owners
                     if a < b and not (o.is_a(a, b) or o.is_a(b, a))]
        if mine and unrelated:
            yield Issue("warning", cue, (
                f"{where}: head cue {cue!r} is claimed by unrelated classes "
                f"{', '.join(sorted(owners))}; keep it on one"))
    if not core and "NewsArticle" not in o.classes:
        yield Issue("error", "NewsArticle", (
            f"{where}: no class NewsArticle; kg types each document with it (kg build --no-core "
            "needs it); add 'kgo:NewsArticle a owl:Class .'"))


def _findable_classes(o: Ontology) -> set[str]:
    """Classes whose instances some rule can find: NER labels, head cues, gazetteer, titles."""
    out = {c.name for c in o.classes.values() if c.ner_labels or c.head_cues or c.agent_cues
           or c.phrase_cues or c.suffix_cues or c.topic_name}
    out |= {e.cls for e in o.gazetteer}
    if o.title_cues:
        out.add(o.person_class)
    return out


def sample_usage(ontology: Ontology, paths: Sequence[str | Path], model: str = "en_core_web_sm"
                 ) -> tuple[dict[str, CueUse], int]:
    """Run kg over the sample texts; per property: candidates, accepted, cues fired or silent."""
    from kg.build import BuildConfig, accept, process
    from kg.io import read_documents
    from kg.nlp import make_nlp
    from kg.records import Skipped
    from kg.resolve import resolve

    nlp = make_nlp(model, ontology)
    docs = (d for d in read_documents([str(p) for p in paths]) if not isinstance(d, Skipped))
    results = list(process(docs, nlp, ontology, BuildConfig(model=model)))
    resolution = resolve((m for r in results for m in r.mentions), ontology)
    cands: Counter = Counter()
    passed: Counter = Counter()
    fired: dict[str, set[str]] = {}
    for res in results:
        accepted, _ = accept(res, resolution, ontology)
        for c in res.triples:
            cands[c.predicate] += 1
            fired.setdefault(c.predicate, set()).add(_cue_of(c.evidence.rule))
        for c in accepted.triples:
            passed[c.predicate] += 1
    out = {}
    for name, p in ontology.properties.items():
        cues = _cues(p)
        if not cues:
            continue
        hit = fired.get(name, set())
        out[name] = CueUse(name, cands[name], passed[name], tuple(sorted(cues & hit)),
                           tuple(sorted(cues - hit)))
    return out, len(results)


def _cues(p) -> set[str]:
    return {f.lemma for f in p.frames} | set(p.title_cues) | set(p.structures)


def _cue_of(rule: str) -> str:
    """The cue named by an evidence rule: 'frame:verb:kill:subj->obj' -> 'kill'."""
    kind, _, rest = rule.partition(":")
    if kind == "frame":
        return rest.split(":")[1]
    if kind == "structure":
        return rest.removesuffix(":anaphor")
    return rest
