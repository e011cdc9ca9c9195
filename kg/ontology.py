"""Load the ontology (Turtle): classes, properties, cue words, frames and the gazetteer."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from importlib import resources
from pathlib import Path

from rdflib import OWL, RDF, RDFS, SKOS, BNode, Graph, Namespace, URIRef
from rdflib.collection import Collection

from kg.errors import OntologyError

__all__ = [
    "KGO",
    "KGE",
    "Ontology",
    "ClassInfo",
    "PropertyInfo",
    "Frame",
    "GazetteerEntry",
    "load_ontology",
    "default_ontology_files",
    "local_name",
]

KGO = Namespace("https://w3id.org/kg/ontology#")
KGE = Namespace("https://w3id.org/kg/id/")

DEFAULT_FILES = ("kg.ttl", "gazetteer.ttl")
ROLES_RE = re.compile(r"^(subj|obj|doc|poss|amod|prep:[a-z][a-z ]*)$")
FRAME_RE = re.compile(r"^\s*([^:]+?)\s*:\s*(\S.*?)\s*->\s*(\S.*?)\s*$")
# frames every verb or noun cue gets, unless the property gives its own
VERB_FRAMES = (("subj", "obj"),)
SYMMETRIC_VERB_FRAMES = (("subj", "obj"), ("subj", "prep:with"), ("conj", "conj"))
NOUN_FRAMES = (("poss", "prep:of"), ("prep:by", "prep:of"), ("amod", "prep:of"))
SYMMETRIC_NOUN_FRAMES = (
    ("between", "between"),
    ("poss", "prep:with"),
    ("amod", "prep:with"),
    ("conj", "conj"),
    ("subj", "prep:with"),
)


def local_name(term: object) -> str:
    """The part of an IRI after the last '#' or '/'."""
    return re.split(r"[#/]", str(term).rstrip("/#"))[-1]


@dataclass(frozen=True, slots=True)
class Frame:
    """A cue lemma and the two syntactic roles that fill subject and object."""

    lemma: str
    pos: str  # "VERB", "NOUN" or "ANY"
    head: str
    tail: str

    @property
    def name(self) -> str:
        return f"{self.pos.lower()}:{self.lemma}:{self.head}->{self.tail}"


@dataclass(frozen=True, slots=True)
class ClassInfo:
    name: str
    iri: str
    label: str
    parents: tuple[str, ...]
    ner_labels: tuple[str, ...] = ()
    head_cues: tuple[str, ...] = ()
    agent_cues: tuple[str, ...] = ()
    topic_name: bool = False  # a sentence's unrecognised capitalised subject names one
    phrase_cues: tuple[str, ...] = ()  # 'president': 'the President of X' names one
    suffix_cues: tuple[str, ...] = ()  # 'ism': a noun ending so ('federalism') names one
    name_article: bool | None = None  # whether a 'The' before a name is part of it (None: as read)


@dataclass(frozen=True, slots=True)
class PropertyInfo:
    name: str
    iri: str
    label: str
    domain: frozenset[str]
    range: frozenset[str]
    symmetric: bool = False
    frames: tuple[Frame, ...] = ()
    title_cues: tuple[str, ...] = ()
    structures: tuple[str, ...] = ()
    # the property its titles give when narrowed to a field ('director of research')
    qualified_title: str | None = None


@dataclass(frozen=True, slots=True)
class GazetteerEntry:
    iri: str
    label: str
    cls: str
    alt_labels: tuple[str, ...] = ()
    demonyms: tuple[str, ...] = ()


@dataclass(frozen=True)
class Ontology:
    """Everything the extractors read from the ontology files; build it with load_ontology()."""

    classes: dict[str, ClassInfo]
    properties: dict[str, PropertyInfo]
    gazetteer: tuple[GazetteerEntry, ...]
    honorifics: frozenset[str]
    files: tuple[str, ...] = field(default=())
    stop_names: frozenset[str] = frozenset()  # casefolded names that are never entities
    # lower-case words kept in a person's name when written right before it ('Mrs.', 'President'),
    # for annotation schemes that count them as part of the name
    name_titles: frozenset[str] = frozenset()

    def ancestors(self, cls: str) -> frozenset[str]:
        """The class and all its superclasses."""
        return self._ancestors.get(cls, frozenset({cls}))

    @cached_property
    def _ancestors(self) -> dict[str, frozenset[str]]:
        out: dict[str, frozenset[str]] = {}
        for name in self.classes:
            seen, todo = set(), [name]
            while todo:
                c = todo.pop()
                if c in seen:
                    continue
                seen.add(c)
                if c in self.classes:
                    todo.extend(self.classes[c].parents)
            out[name] = frozenset(seen)
        return out

    def is_a(self, cls: str, target: str) -> bool:
        return target in self.ancestors(cls)

    def fits(self, cls: str, allowed: frozenset[str]) -> bool:
        """True when ``cls`` is one of ``allowed`` or a subclass of one (empty = anything)."""
        return not allowed or bool(self.ancestors(cls) & allowed)

    def check(self, prop: str, subject_cls: str, object_cls: str) -> str | None:
        """None when the triple fits the property's domain and range, else the reason."""
        p = self.properties.get(prop)
        if p is None:
            return f"unknown property {prop!r}"
        if not self.fits(subject_cls, p.domain):
            return f"subject is {subject_cls}, {prop} needs {'|'.join(sorted(p.domain))}"
        if not self.fits(object_cls, p.range):
            return f"object is {object_cls}, {prop} needs {'|'.join(sorted(p.range))}"
        return None

    def most_specific(self, classes: Iterable[str]) -> str:
        """The deepest class among ``classes`` (ties: alphabetical, for determinism)."""
        cs = sorted(set(classes))
        return max(cs, key=lambda c: (len(self.ancestors(c)), [-ord(ch) for ch in c]))

    @cached_property
    def ner_map(self) -> dict[str, str]:
        """spaCy label -> class name (the most general class that claims the label)."""
        out: dict[str, str] = {}
        for c in sorted(self.classes.values(), key=lambda c: (len(self.ancestors(c.name)), c.name)):
            for lab in c.ner_labels:
                out.setdefault(lab, c.name)
        return out

    @cached_property
    def person_classes(self) -> frozenset[str]:
        """Classes of people: ``Person``, the classes that claim spaCy's PERSON label, and
        their subclasses (a user ontology may call its class of people anything)."""
        roots = {"Person"} | {c.name for c in self.classes.values() if "PERSON" in c.ner_labels}
        return frozenset({"Person", *(n for n in self.classes if self.ancestors(n) & roots)})

    @cached_property
    def org_cue_words(self) -> frozenset[str]:
        """Last words of organisation head cues ('agency', 'office', 'authority'): a name
        that ends in one is complete ('X Authority'), one that does not may continue."""
        orgs = [c for c in self.classes.values() if "Organization" in self.ancestors(c.name)]
        return frozenset(cue.split()[-1] for c in orgs for cue in c.head_cues)

    def is_person(self, cls: str | None) -> bool:
        return cls is not None and cls in self.person_classes

    @cached_property
    def person_class(self) -> str:
        """The class a name found by a title rule gets ('Ambassador X Y')."""
        return self.ner_map.get("PERSON", "Person")

    @cached_property
    def head_cues(self) -> dict[str, str]:
        """Head-noun cue (lower case, possibly several words) -> class name.

        A cue claimed by two classes goes to the more specific one.
        """
        out: dict[str, str] = {}
        for c in sorted(self.classes.values(), key=lambda c: (len(self.ancestors(c.name)), c.name)):
            for cue in c.head_cues:
                out[cue] = c.name
        return out

    @cached_property
    def phrase_cues(self) -> dict[str, str]:
        """Head noun (lower case) of an 'of' phrase that names an instance -> class name."""
        return {cue: c.name for c in sorted(self.classes.values(), key=lambda c: c.name)
                for cue in c.phrase_cues}

    @cached_property
    def suffix_cues(self) -> dict[str, str]:
        """Word ending (lower case) that makes a noun a name -> class name."""
        return {cue: c.name for c in sorted(self.classes.values(), key=lambda c: c.name)
                for cue in c.suffix_cues}

    @cached_property
    def topic_classes(self) -> tuple[str, ...]:
        """Classes marked kgo:topicName, in name order."""
        return tuple(sorted(c.name for c in self.classes.values() if c.topic_name))

    @cached_property
    def name_articles(self) -> dict[str, bool]:
        """Class -> whether a 'The' right before its names is part of them (kgo:nameArticle),
        for the classes that say so or whose nearest declaring superclass does."""
        out: dict[str, bool] = {}
        for name in self.classes:
            for c in sorted(self.ancestors(name), key=lambda a: -len(self.ancestors(a))):
                flag = self.classes[c].name_article if c in self.classes else None
                if flag is not None:
                    out[name] = flag
                    break
        return out

    @cached_property
    def max_cue_words(self) -> int:
        return max((len(c.split()) for c in self.head_cues), default=1)

    @cached_property
    def agent_cues(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for c in sorted(self.classes.values(), key=lambda c: c.name):
            for lemma in c.agent_cues:
                out[lemma] = c.name
        return out

    @cached_property
    def frames_by_lemma(self) -> dict[str, tuple[tuple[str, Frame], ...]]:
        """Cue lemma -> ((property, frame), ...), in a stable order."""
        out: dict[str, list[tuple[str, Frame]]] = {}
        for name in sorted(self.properties):
            for f in self.properties[name].frames:
                out.setdefault(f.lemma, []).append((name, f))
        return {k: tuple(v) for k, v in out.items()}

    @cached_property
    def title_cues(self) -> dict[str, tuple[str, ...]]:
        """Title noun -> properties it implies (e.g. 'president' -> ('leaderOf',))."""
        out: dict[str, list[str]] = {}
        for name in sorted(self.properties):
            for t in self.properties[name].title_cues:
                out.setdefault(t, []).append(name)
        return {k: tuple(v) for k, v in out.items()}

    @cached_property
    def structures(self) -> dict[str, tuple[str, ...]]:
        """Structural pattern -> properties that use it."""
        out: dict[str, list[str]] = {}
        for name in sorted(self.properties):
            for s in self.properties[name].structures:
                out.setdefault(s, []).append(name)
        return {k: tuple(v) for k, v in out.items()}

    @cached_property
    def surface_index(self) -> dict[str, GazetteerEntry]:
        """Casefolded label, alias or demonym -> gazetteer entry."""
        out: dict[str, GazetteerEntry] = {}
        for e in self.gazetteer:
            for s in (e.label, *e.alt_labels, *e.demonyms):
                out.setdefault(s.casefold(), e)
        return out

    @cached_property
    def demonym_index(self) -> dict[str, GazetteerEntry]:
        return {d.casefold(): e for e in self.gazetteer for d in e.demonyms}


def default_ontology_files() -> list[Path]:
    """The core ontology and gazetteer shipped with kg."""
    checkout = Path(__file__).resolve().parent.parent / "ontology"
    if (checkout / DEFAULT_FILES[0]).exists():  # a source checkout or editable install
        base = checkout
    else:  # a wheel: the ontology/ folder is installed as the package kg.ontology_files
        base = Path(str(resources.files("kg.ontology_files")))
    return [base / name for name in DEFAULT_FILES]


def load_ontology(extra: Sequence[str | Path] = (), *, core: bool = True) -> Ontology:
    """Read the core ontology (unless ``core=False``) and any user files into an Ontology.

    >>> onto = load_ontology()
    >>> onto.check("leaderOf", "Person", "Country") is None
    True
    """
    files = [*(default_ontology_files() if core else []), *map(Path, extra)]
    if not files:
        raise OntologyError("no ontology file given; pass --ontology FILE or keep the core ontology")
    g = Graph()
    origin: dict[URIRef, str] = {}  # term -> the first file that describes it, for errors
    for f in files:
        if not f.exists():
            raise OntologyError(f"{f}: no such ontology file; check the path given to --ontology")
        fg = Graph()
        try:
            fg.parse(f, format=_rdf_format(f))
        except Exception as exc:  # rdflib raises many parser-specific types
            raise OntologyError(
                f"{f}: not valid RDF ({type(exc).__name__}: {str(exc).splitlines()[0][:200]}); "
                "fix the syntax (Turtle expected for .ttl)"
            ) from exc
        for subj in fg.subjects():
            if isinstance(subj, URIRef):
                origin.setdefault(subj, str(f))
        g += fg
    return _from_graph(g, tuple(str(f) for f in files), origin)


def _rdf_format(path: Path) -> str:
    return {".ttl": "turtle", ".nt": "nt", ".rdf": "xml", ".owl": "xml", ".xml": "xml",
            ".jsonld": "json-ld", ".n3": "n3"}.get(path.suffix.lower(), "turtle")


def _strings(g: Graph, s: URIRef, p: URIRef) -> tuple[str, ...]:
    return tuple(sorted({str(o).strip() for o in g.objects(s, p) if str(o).strip()}))


def _flag(g: Graph, s: URIRef, p: URIRef, where: str) -> bool:
    values = {str(o).strip().lower() for o in g.objects(s, p)}
    if values - {"true", "false", "1", "0"}:
        raise OntologyError(f"{where}: {local_name(p)} must be true or false, not "
                            f"{', '.join(sorted(values))}")
    return bool(values & {"true", "1"})


def _class_set(g: Graph, node, where: str) -> frozenset[str]:
    """Class names of a domain/range value: a class IRI or an owl:unionOf blank node."""
    if isinstance(node, BNode):
        members = g.value(node, OWL.unionOf)
        if members is None:
            raise OntologyError(f"{where}: a blank-node domain/range must be an owl:unionOf list")
        return frozenset(local_name(m) for m in Collection(g, members))
    return frozenset({local_name(node)})


def _from_graph(g: Graph, files: tuple[str, ...],
                origin: dict[URIRef, str] | None = None) -> Ontology:
    def file_of(term: URIRef) -> str:
        return (origin or {}).get(term) or (files[-1] if files else "<graph>")

    classes: dict[str, ClassInfo] = {}
    class_nodes = set(g.subjects(RDF.type, OWL.Class)) | set(g.subjects(RDF.type, RDFS.Class))
    class_nodes |= {s for s in g.subjects(RDFS.subClassOf, None) if isinstance(s, URIRef)}
    for c in sorted(n for n in class_nodes if isinstance(n, URIRef)):
        name = local_name(c)
        parents = tuple(sorted(local_name(p) for p in g.objects(c, RDFS.subClassOf)
                               if isinstance(p, URIRef)))
        classes[name] = ClassInfo(
            name=name,
            iri=str(c),
            label=str(g.value(c, RDFS.label) or name),
            parents=parents,
            ner_labels=_strings(g, c, KGO.nerLabel),
            head_cues=tuple(sorted({x.lower() for x in _strings(g, c, KGO.headCue)})),
            agent_cues=tuple(sorted({x.lower() for x in _strings(g, c, KGO.agentCue)})),
            topic_name=_flag(g, c, KGO.topicName, f"{file_of(c)}: class {name}"),
            phrase_cues=tuple(sorted({x.lower() for x in _strings(g, c, KGO.phraseCue)})),
            suffix_cues=tuple(sorted({x.lower().lstrip("-") for x in _strings(g, c, KGO.suffixCue)})),
            name_article=(_flag(g, c, KGO.nameArticle, f"{file_of(c)}: class {name}")
                          if (c, KGO.nameArticle, None) in g else None),
        )
    # parents that are not declared classes (rdf:Statement for kgo:Evidence) are fine
    properties: dict[str, PropertyInfo] = {}
    for p in sorted(set(g.subjects(RDF.type, OWL.ObjectProperty))):
        if not isinstance(p, URIRef):
            continue
        name = local_name(p)
        where = f"{file_of(p)}: property {name}"
        domain = frozenset().union(*(_class_set(g, d, where) for d in g.objects(p, RDFS.domain)))
        rng = frozenset().union(*(_class_set(g, r, where) for r in g.objects(p, RDFS.range)))
        for c in sorted(domain | rng):
            if c not in classes:
                raise OntologyError(
                    f"{where} uses class {c!r} in its domain or range, which no "
                    "ontology file declares; declare it (a owl:Class) or fix the name"
                )
        symmetric = (p, RDF.type, OWL.SymmetricProperty) in g
        properties[name] = PropertyInfo(
            name=name,
            iri=str(p),
            label=str(g.value(p, RDFS.label) or name),
            domain=domain,
            range=rng,
            symmetric=symmetric,
            frames=_frames(g, p, f"{file_of(p)}: property {name}", symmetric),
            title_cues=tuple(sorted({x.lower() for x in _strings(g, p, KGO.titleCue)})),
            structures=_strings(g, p, KGO.structure),
            qualified_title=(local_name(q) if (q := g.value(p, KGO.qualifiedTitle)) is not None
                             else None),
        )
    for name, info in properties.items():
        if info.qualified_title is not None and info.qualified_title not in properties:
            raise OntologyError(
                f"{file_of(URIRef(info.iri))}: property {name} has kgo:qualifiedTitle "
                f"{info.qualified_title!r}, which no ontology file declares as a property; "
                "name a declared property (e.g. kgo:memberOf) or remove it")
    honorifics = frozenset(x.lower() for c in class_nodes for x in _strings(g, c, KGO.honorific))
    stop_names = frozenset(str(o).strip().casefold() for o in g.objects(None, KGO.stopName))
    name_titles = frozenset(x.lower() for c in class_nodes for x in _strings(g, c, KGO.nameTitle))
    return Ontology(classes, properties, _gazetteer(g, classes), honorifics, files, stop_names,
                    name_titles)


def _frames(g: Graph, p: URIRef, where: str, symmetric: bool) -> tuple[Frame, ...]:
    frames: list[Frame] = []
    for lemma in _strings(g, p, KGO.verbCue):
        for head, tail in SYMMETRIC_VERB_FRAMES if symmetric else VERB_FRAMES:
            frames.append(Frame(lemma.lower(), "VERB", head, tail))
    for lemma in _strings(g, p, KGO.nounCue):
        for head, tail in SYMMETRIC_NOUN_FRAMES if symmetric else NOUN_FRAMES:
            frames.append(Frame(lemma.lower(), "NOUN", head, tail))
    for text in _strings(g, p, KGO.frame):
        m = FRAME_RE.match(text)
        if not m or not ROLES_RE.match(m[2]) or not ROLES_RE.match(m[3]):
            raise OntologyError(
                f"{where}: bad kgo:frame {text!r}; write 'LEMMA: ROLE -> ROLE' with roles "
                "subj, obj, doc, poss, amod or prep:P (e.g. 'launch: obj -> prep:from')"
            )
        frames.append(Frame(m[1].lower(), "ANY", m[2], m[3]))
    return tuple(dict.fromkeys(frames))


def _gazetteer(g: Graph, classes: dict[str, ClassInfo]) -> tuple[GazetteerEntry, ...]:
    entries = []
    for s in sorted({s for s in g.subjects(RDF.type, None) if isinstance(s, URIRef)}):
        types = [local_name(t) for t in g.objects(s, RDF.type)]
        cls = [t for t in types if t in classes and str(s) not in {classes[t].iri}]
        label = g.value(s, RDFS.label)
        if not cls or label is None or s in {URIRef(c.iri) for c in classes.values()}:
            continue
        if (s, RDF.type, OWL.Class) in g:
            continue
        entries.append(GazetteerEntry(
            iri=str(s),
            label=str(label),
            cls=sorted(cls)[0],
            alt_labels=_strings(g, s, SKOS.altLabel),
            demonyms=_strings(g, s, KGO.demonym),
        ))
    return tuple(entries)
