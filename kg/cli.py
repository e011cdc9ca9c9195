"""The kg command line: flags in, calls into kg, one-line errors out."""

from __future__ import annotations

import sys
from contextlib import closing
from pathlib import Path
from typing import Annotated

import typer

from kg.errors import KGError

app = typer.Typer(
    name="kg",
    help="Build an ontology-typed RDF knowledge graph from news articles, with evidence for every fact.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


EXIT_ERROR = 2  # a KGError or a bad option: nothing (more) was done
EXIT_SKIPPED = 3  # kg build --strict: the build finished, but some inputs were skipped


def _fail(exc: Exception) -> None:
    typer.echo(f"kg: error: {exc}", err=True)
    raise typer.Exit(EXIT_ERROR)


@app.callback()
def main() -> None:
    """kg: news articles to a knowledge graph."""


@app.command()
def build(
    paths: Annotated[list[str], typer.Argument(
        help="Files or folders of articles (.txt, .md, .html, .jsonl, front matter); '-' reads stdin.")],
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", help="Output file; the format follows the suffix: "
        ".ttl .nt .trig .nq .jsonld .rdf [default: exports/graph.ttl, none with --store]")] = None,
    store: Annotated[str | None, typer.Option(
        "--store", help="Add the articles to this on-disk store (a directory), or to a SPARQL "
        "1.1 server (http://HOST:PORT, Oxigraph's layout, or its .../query URL) instead: "
        "unchanged articles are skipped, changed ones replaced; with -o, also export it.")] = None,
    model: Annotated[str, typer.Option(
        help="spaCy pipeline to use (any installed one, e.g. en_core_web_md).")] = "en_core_web_sm",
    ontology: Annotated[list[Path] | None, typer.Option(
        "--ontology", help="An extra ontology file (Turtle); repeatable.")] = None,
    no_core: Annotated[bool, typer.Option(
        "--no-core", help="Use only the --ontology files, not the core ontology.")] = False,
    batch_size: Annotated[int, typer.Option(help="Documents per spaCy batch.", min=1)] = 16,
    workers: Annotated[int, typer.Option(
        help="Processes that parse and extract (the output is the same for any number).",
        min=1)] = 1,
    cluster: Annotated[str | None, typer.Option(
        "--cluster", help="Parse and extract on a Dask cluster: a scheduler address "
        "(tcp://HOST:8786) or local:N for N local worker processes; the output is the same.",
        show_default=False)] = None,
    max_bytes: Annotated[int, typer.Option(
        help="Skip files larger than this many bytes.", min=1)] = 50_000_000,
    explain: Annotated[bool, typer.Option(
        "--explain", help="List every rejected candidate triple and why (on stderr).")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar or summary.")] = False,
    allow_language: Annotated[list[str] | None, typer.Option(
        "--allow-language", help="Also read articles in this language (a code such as fr, a "
        "script such as cyrillic, or any); repeatable. The model's own language is always read.",
        show_default=False)] = None,
    strict: Annotated[bool, typer.Option(
        "--strict", help="Exit with status 3 when any input was skipped (the graph is still "
        "written).")] = False,
) -> None:
    """Build one merged RDF graph from articles and write it to OUTPUT, or add them to a store.

    Example: kg build examples/news -o exports/example.ttl

    Example: kg build examples/news --store exports/store
    """
    from kg.build import BuildConfig, build_store
    from kg.build import build as run_build

    config = BuildConfig(model=model, ontology_files=tuple(map(str, ontology or ())),
                         core_ontology=not no_core, batch_size=batch_size, max_bytes=max_bytes,
                         workers=workers, cluster=cluster,
                         allow_languages=tuple(allow_language or ()))

    def on_skipped(s) -> None:
        typer.echo(f"kg: skipped {s.message}", err=True)

    def on_note(n) -> None:
        typer.echo(f"kg: note: {n.message}", err=True)

    def on_rejected(doc, r) -> None:
        c = r.candidate
        subj = "<document>" if c.subject is None else f"{c.subject.text} [{c.subject.cls}]"
        typer.echo(f"rejected {doc.id}: {subj} -{c.predicate}-> {c.object.text} "
                   f"[{c.object.cls}] ({c.evidence.rule}): {r.reason}", err=True)

    if store is not None:
        summary = _call(build_store, paths, store, config, output=output, progress=not quiet,
                        on_rejected=on_rejected if explain else None, on_skipped=on_skipped,
                        on_note=on_note)
    else:
        summary = _call(run_build, paths, output or Path("exports/graph.ttl"), config, progress=not quiet,
                        on_rejected=on_rejected if explain else None, on_skipped=on_skipped,
                        on_note=on_note)
    if not quiet:
        for line in summary.lines():
            typer.echo(line, err=True)
    if strict and summary.skipped:
        n = len(summary.skipped)
        typer.echo(f"kg: error: {n} input{'' if n == 1 else 's'} skipped and --strict is set; "
                   "fix or remove them (see the 'kg: skipped' lines)", err=True)
        raise typer.Exit(EXIT_SKIPPED)


DEFAULT_GRAPH = Path("exports/graph.ttl")
GRAPH_HELP = ("Graph file written by 'kg build -o' (.ttl .nt .trig .nq .jsonld .rdf) "
              "[default: exports/graph.ttl unless --store is given].")
STORE_HELP = ("Store directory, or SPARQL server URL, written by 'kg build --store' "
              "(instead of --graph).")


def _call(fn, *args, **kwargs):
    """``fn(*args, **kwargs)``; a KGError exits with its message once its traceback is gone
    (its frames may hold a store open, and an in-process caller may open it next)."""
    try:
        return fn(*args, **kwargs)
    except KGError as exc:
        message = str(exc)
    _fail(KGError(message))


def _open_graph(graph: Path | None, store: Path | None):
    """The Dataset a reading command works on: --graph FILE or --store DIR (not both)."""
    from kg.store import open_graph

    return open_graph(graph if graph is not None or store is not None else DEFAULT_GRAPH, store)


@app.command()
def remove(
    doc_ids: Annotated[list[str], typer.Argument(
        help="Article identifiers as in the graph's dcterms:identifier, e.g. andes.txt or "
        "wire.jsonl#item-3.")],
    store: Annotated[str, typer.Option(
        "--store", help="Store directory, or SPARQL server URL, written by 'kg build --store'.")],
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No summary.")] = False,
) -> None:
    """Remove articles from a store, with every fact, alias and entity only they supported.

    All the named articles go in one transaction; an unknown identifier removes nothing.

    Example: kg remove andes.txt --store exports/store
    """
    from kg.store import remove_from_store

    removed, n_articles, n_quads = _call(remove_from_store, store, doc_ids)
    if not quiet:
        typer.echo(f"removed {len(removed)} article{'' if len(removed) == 1 else 's'}; store {store} "
                   f"({n_articles} articles, {n_quads} quads)", err=True)


@app.command("export")
def export_graph(
    output: Annotated[Path, typer.Option(
        "--output", "-o", help="File to write; the suffix picks the format: RDF .ttl .nt .trig .nq "
        ".jsonld .rdf, or the entity network as .graphml .gexf .csv.")],
    graph: Annotated[Path | None, typer.Option("--graph", help=GRAPH_HELP)] = None,
    store: Annotated[str | None, typer.Option("--store", help=STORE_HELP)] = None,
) -> None:
    """Write a store or a graph file in another format (RDF, or GraphML/GEXF/CSV for Gephi).

    The same graph gives the same bytes. .trig, .nq and .jsonld keep one named graph per article.

    Example: kg export --store exports/store -o exports/graph.trig
    """
    from kg.export import FORMATS, export
    from kg.netexport import NETWORK_FORMATS, export_network

    def run() -> list[Path]:
        suffix = output.suffix.lower()
        if suffix not in FORMATS and suffix not in NETWORK_FORMATS:
            raise KGError(f"{output}: unknown output format {suffix!r}; use one of "
                          f"{', '.join(sorted(FORMATS))}, {', '.join(NETWORK_FORMATS)}")
        if store is not None and graph is None and suffix in FORMATS:
            from kg.store import export_store, open_store

            return [export_store(open_store(store, create=False), output)]
        with closing(_open_graph(graph, store)) as ds:
            return export_network(ds, output) if suffix in NETWORK_FORMATS else [export(ds, output)]

    for path in _call(run):
        typer.echo(f"wrote {path}", err=True)


@app.command()
def view(
    graph: Annotated[Path | None, typer.Option("--graph", help=GRAPH_HELP)] = None,
    store: Annotated[str | None, typer.Option("--store", help=STORE_HELP)] = None,
    output: Annotated[Path, typer.Option(
        "--output", "-o", help="HTML file to write.")] = Path("exports/graph.html"),
    top: Annotated[int, typer.Option(
        help="Draw at most this many entities, the best connected first.", min=1)] = 500,
    title: Annotated[str | None, typer.Option(
        help="Page title (default: the graph file's name).")] = None,
) -> None:
    """Write an interactive HTML view of the entity network; it opens offline.

    Click an entity for its documents, a relation for its evidence sentences.

    Example: kg view --graph exports/example.ttl -o exports/graph.html --top 300
    """
    from kg.view import write_view

    name = Path(graph or store or DEFAULT_GRAPH).name
    try:
        with closing(_open_graph(graph, store)) as ds:  # closing releases the store
            info = write_view(ds, output, top=top, title=title or f"kg: {name}")
    except KGError as exc:
        _fail(exc)
    for line in info.lines():
        typer.echo(line, err=True)


@app.command()
def stats(
    graph: Annotated[Path | None, typer.Option("--graph", help=GRAPH_HELP)] = None,
    store: Annotated[str | None, typer.Option("--store", help=STORE_HELP)] = None,
    fmt: Annotated[str, typer.Option("--format", help="Output format: text or json.")
                   ] = "text",
    top: Annotated[int, typer.Option(help="How many top entities to list.", min=1)] = 10,
) -> None:
    """Count classes, relations and documents; rank entities; find communities.

    Entities are ranked by degree and betweenness centrality; communities come from Louvain
    with a fixed seed, so the same graph gives the same answer.

    Example: kg stats --graph exports/example.ttl --format json
    """
    import json

    from kg.stats import graph_stats, render_stats

    if fmt not in ("text", "json"):
        _fail(ValueError(f"--format must be text or json, not {fmt!r}"))
    try:
        with closing(_open_graph(graph, store)) as ds:
            result = graph_stats(ds, top=top)
    except KGError as exc:
        _fail(exc)
    if fmt == "json":
        typer.echo(json.dumps(result, indent=2, ensure_ascii=False))
    else:
        typer.echo(render_stats(result), nl=False)


@app.command("query")
def query_command(
    query: Annotated[str | None, typer.Argument(
        help="A canned query name (see --list), a .rq file, or SPARQL text.",
        show_default=False)] = None,
    graph: Annotated[Path | None, typer.Option("--graph", help=GRAPH_HELP)] = None,
    store: Annotated[str | None, typer.Option("--store", help=STORE_HELP)] = None,
    fmt: Annotated[str | None, typer.Option(
        "--format", "-f", help="table, csv, tsv, json (SPARQL results JSON) or xml; CONSTRUCT and "
        "DESCRIBE also turtle, nt, jsonld, rdfxml. Default: table on a terminal, else csv; "
        "Turtle for graphs.",
        show_default=False)] = None,
    bind: Annotated[list[str] | None, typer.Option(
        "--bind", "-b", help="A query parameter NAME=VALUE (repeatable); text binds a literal, "
        "<...> an IRI.", show_default=False)] = None,
    limit: Annotated[int | None, typer.Option(
        "--limit", help="Keep at most this many rows (or triples).", min=1,
        show_default=False)] = None,
    max_width: Annotated[int, typer.Option(
        "--max-width", help="Cut table cells to this many characters (0: never).", min=0)] = 40,
    list_queries_: Annotated[bool, typer.Option(
        "--list", help="List the canned queries and their parameters, then exit.")] = False,
) -> None:
    """Run a SPARQL query on a graph: a canned query by name, a .rq file, or query text.

    Parameters are bound as values (never pasted into the text); the canned queries match
    labels and aliases in any case. kg's prefixes (kgo:, kge:, doc:, rdfs:, ...) need no PREFIX.

    Example: kg query leaders --bind country=Iran --graph exports/example.ttl
    """
    import textwrap

    from kg.query import list_queries, render, run_query

    if list_queries_:
        for q in list_queries():
            typer.echo(q.name)
            typer.echo(textwrap.fill(q.description, width=88, initial_indent="    ",
                                     subsequent_indent="    "))
            for p in q.params:
                kind = "required" if p.required else "optional"
                typer.echo(f"    --bind {p.name}=...  ({kind}) {p.description}")
        return
    if query is None:
        _fail(ValueError("give a query: a canned name (kg query --list), a .rq file or SPARQL "
                         "text"))
    bindings: dict[str, str] = {}
    for item in bind or []:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            _fail(ValueError(f"--bind {item!r}: write NAME=VALUE, e.g. --bind country=Iran"))
        bindings[name.strip().lstrip("?$")] = value
    try:
        with closing(_open_graph(graph, store)) as ds:  # closing releases a store
            result = run_query(ds, query, bindings, max_results=limit)
        if fmt is None:
            fmt = "turtle" if result.is_graph else "table" if sys.stdout.isatty() else "csv"
        text = render(result, fmt, max_width=max_width)
    except KGError as exc:
        _fail(exc)
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except BrokenPipeError:  # kg query ... | head
        sys.stderr.close()
        raise typer.Exit(0) from None
    if result.truncated and fmt != "table":
        typer.echo(f"kg: stopped after {limit} (--limit)", err=True)


@app.command("serve")
def serve_command(
    graph: Annotated[Path | None, typer.Option(
        "--graph", help="Graph file written by 'kg build' (.ttl .nt .trig .nq .jsonld .rdf) "
        "[default: exports/graph.ttl unless --store is given].", show_default=False)] = None,
    store: Annotated[str | None, typer.Option(
        "--store", help=STORE_HELP + " Served from an in-memory copy, so builds may go on.")
    ] = None,
    host: Annotated[str, typer.Option(
        help="Address to listen on; the default answers this machine only.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port (0: any free one).", min=0, max=65535)
                    ] = 8000,
    timeout: Annotated[float, typer.Option(
        help="Seconds a query may run before the answer is 503.", min=0.01)] = 10.0,
    max_results: Annotated[int, typer.Option(
        "--max-results", help="Rows (or triples) kept per answer; more sets the "
        "X-KG-Truncated: true header.", min=1)] = 10_000,
    viewer: Annotated[Path | None, typer.Option(
        "--viewer", help="An HTML file (from 'kg view') to serve at /view.",
        show_default=False)] = None,
    workers: Annotated[int, typer.Option(help="Queries that may run at once.", min=1)] = 4,
    isolation: Annotated[str, typer.Option(
        help="process: each query in a forked process, killed at the time limit (POSIX); "
        "thread: a thread the server stops waiting for (rdflib cannot be interrupted); "
        "auto: process where possible.")] = "auto",
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No request log.")] = False,
) -> None:
    """Serve the graph as a read-only SPARQL 1.1 Protocol endpoint at /sparql.

    GET /sparql?query=... or POST (form or application/sparql-query); results as JSON, XML,
    CSV or TSV, graphs as Turtle, N-Triples or JSON-LD, by the Accept header. Updates are
    refused. GET / has a query form and the canned queries.

    Example: kg serve --graph exports/example.ttl --port 8000 --viewer exports/graph.html
    or:      kg serve --store exports/store
    """
    from kg.serve import DEFAULT_ISOLATION, ServeConfig, serve

    config = ServeConfig(host=host, port=port, timeout=timeout, max_results=max_results,
                         viewer=viewer, workers=workers, quiet=quiet,
                         isolation=DEFAULT_ISOLATION if isolation == "auto" else isolation)
    try:
        if store is not None:
            if graph is not None:
                raise KGError("give --graph FILE or --store DIR, not both")
            from kg.store import open_store, to_dataset

            st = open_store(store, create=False)
            ds = to_dataset(st)
            del st  # releases the store's lock
            serve(ds, config, name=Path(store).name)
        else:
            serve(graph or DEFAULT_GRAPH, config)
    except KGError as exc:
        _fail(exc)


ontology_app = typer.Typer(help="Inspect and validate ontology files.", no_args_is_help=True)
app.add_typer(ontology_app, name="ontology")


@ontology_app.command("check")
def ontology_check(
    file: Annotated[Path, typer.Argument(help="The ontology file (Turtle) to check.")],
    sample: Annotated[list[Path] | None, typer.Option(
        "--sample", help="Texts (files or folders) to run the cues on; repeatable.")] = None,
    no_core: Annotated[bool, typer.Option(
        "--no-core", help="Check the file alone, as 'kg build --no-core' would use it.")] = False,
    model: Annotated[str, typer.Option(help="spaCy pipeline for --sample.")] = "en_core_web_sm",
    fmt: Annotated[str, typer.Option("--format", help="Output format: text or json.")] = "text",
) -> None:
    """Validate an ontology file and print what the extractors will use from it.

    Lists classes (NER labels, head cues) and properties (domain, range, frames, titles,
    structures); reports unknown parents, properties without domain or range or cues, and
    with --sample how many candidates each property's cues produced, how many passed domain
    and range, and which cues never fired. Exits 1 when there are errors.

    Example: kg ontology check my.ttl --no-core --sample examples/news
    """
    import json

    from kg.ontology_check import check_ontology, sample_usage

    if fmt not in ("text", "json"):
        _fail(ValueError(f"--format must be text or json, not {fmt!r}"))
    try:
        report = check_ontology([file], core=not no_core)
        if sample:
            report.sample, report.documents = sample_usage(report.ontology, sample, model)
    except KGError as exc:
        _fail(exc)
    if fmt == "json":
        typer.echo(json.dumps(report.to_dict(), indent=2, ensure_ascii=False))
    else:
        for line in report.lines():
            typer.echo(line)
    if report.errors:
        raise typer.Exit(1)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
