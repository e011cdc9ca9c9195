"""The kg command line: flags in, calls into kg, one-line errors out."""

from __future__ import annotations

import sys
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


def _fail(exc: Exception) -> None:
    typer.echo(f"kg: error: {exc}", err=True)
    raise typer.Exit(2)


@app.callback()
def main() -> None:
    """kg: news articles to a knowledge graph."""


@app.command()
def build(
    paths: Annotated[list[str], typer.Argument(
        help="Files or folders of articles (.txt, .md, .html, .jsonl, front matter); '-' reads stdin.")],
    output: Annotated[Path, typer.Option(
        "--output", "-o", help="Output file; the format follows the suffix: "
        ".ttl .nt .trig .nq .jsonld .rdf")] = Path("exports/graph.ttl"),
    model: Annotated[str, typer.Option(
        help="spaCy pipeline to use (any installed one, e.g. en_core_web_md).")] = "en_core_web_sm",
    ontology: Annotated[list[Path] | None, typer.Option(
        "--ontology", help="An extra ontology file (Turtle); repeatable.")] = None,
    no_core: Annotated[bool, typer.Option(
        "--no-core", help="Use only the --ontology files, not the core ontology.")] = False,
    batch_size: Annotated[int, typer.Option(help="Documents per spaCy batch.", min=1)] = 16,
    max_bytes: Annotated[int, typer.Option(
        help="Skip files larger than this many bytes.", min=1)] = 50_000_000,
    explain: Annotated[bool, typer.Option(
        "--explain", help="List every rejected candidate triple and why (on stderr).")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar or summary.")] = False,
) -> None:
    """Build one merged RDF graph from articles and write it to OUTPUT.

    Example: kg build examples/news -o exports/example.ttl
    """
    from kg.build import BuildConfig
    from kg.build import build as run_build

    config = BuildConfig(model=model, ontology_files=tuple(map(str, ontology or ())),
                         core_ontology=not no_core, batch_size=batch_size, max_bytes=max_bytes)

    def on_skipped(s) -> None:
        typer.echo(f"kg: skipped {s.message}", err=True)

    def on_rejected(doc, r) -> None:
        c = r.candidate
        subj = "<document>" if c.subject is None else f"{c.subject.text} [{c.subject.cls}]"
        typer.echo(f"rejected {doc.id}: {subj} -{c.predicate}-> {c.object.text} "
                   f"[{c.object.cls}] ({c.evidence.rule}): {r.reason}", err=True)

    try:
        summary = run_build(paths, output, config, progress=not quiet,
                            on_rejected=on_rejected if explain else None, on_skipped=on_skipped)
    except KGError as exc:
        _fail(exc)
    if not quiet:
        for line in summary.lines():
            typer.echo(line, err=True)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
