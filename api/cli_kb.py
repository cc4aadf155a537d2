"""`backoffice kb …`: ingest policies and award summaries into the knowledge base and search it.
Thin: parse the options, call memory.knowledge.kb, print. A refused document or query is one
plain line on stderr and exit code 2 (never a traceback)."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from datetime import date
from functools import wraps
from pathlib import Path
from typing import Any

import click

from core.settings import Settings
from api.cli_support import fail, handles_errors
from adapters.knowledge.errors import KnowledgeError


def handles_knowledge_errors(command: Callable[..., Any]) -> Callable[..., Any]:
    """KnowledgeError → "error: message [code]" and exit 2; other typed errors as every command."""
    @wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except KnowledgeError as exc:
            fail(f"{exc.message} [{exc.code}]", 2)
    return handles_errors(wrapper)


def _settings(ctx: click.Context) -> Settings:
    runtime = ctx.find_root().obj
    settings = getattr(runtime, "settings", None)
    return settings if isinstance(settings, Settings) else Settings()


def _open(ctx: click.Context) -> Any:
    from memory.knowledge.kb import KnowledgeBase

    return KnowledgeBase.open(_settings(ctx))


def _emit_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


@click.group()
def kb() -> None:
    """The knowledge base: the business's policies and the Modern Award summaries, searchable."""


@kb.command("ingest")
@click.argument("paths", nargs=-1, required=True,
                type=click.Path(exists=True, path_type=Path))
@click.option("--audience", default=None, help="Who may read it: all, managers, payroll, ...")
@click.option("--effective-from", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="In force from this date (YYYY-MM-DD)")
@click.option("--document-id", default=None, help="The document's id (one file only)")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.pass_context
@handles_knowledge_errors
def ingest(ctx: click.Context, paths: tuple[Path, ...], audience: str | None,
           effective_from: Any, document_id: str | None, as_json: bool) -> None:
    """Ingest PATHS (PDF, DOCX, HTML or Markdown files, or folders of them). Re-ingesting a
    document replaces its sections; an unchanged document is left alone."""
    if document_id and (len(paths) > 1 or paths[0].is_dir()):
        raise KnowledgeError("bad_metadata", "--document-id names one file, not several.")
    start: date | None = effective_from.date() if effective_from else None
    base = _open(ctx)
    results = []
    for path in paths:
        if path.is_dir():
            results += base.ingest_directory(path, audience=audience, effective_from=start)
        else:
            results.append(base.ingest_path(path, document_id=document_id, audience=audience,
                                            effective_from=start))
    if as_json:
        _emit_json([r.model_dump(mode="json") for r in results])
        return
    for r in results:
        click.echo(f"{r.status:9s} {r.document_id}  {r.title} ({r.chunks} sections)")


@kb.command("search")
@click.argument("query")
@click.option("-k", "k", type=click.IntRange(1, 50), default=5, show_default=True,
              help="How many passages")
@click.option("--document", default=None, help="Only this document id")
@click.option("--as-at", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="Only passages in force on this date")
@click.option("--json", "as_json", is_flag=True, help="Print the hits as JSON.")
@click.pass_context
@handles_knowledge_errors
def search(ctx: click.Context, query: str, k: int, document: str | None, as_at: Any,
           as_json: bool) -> None:
    """The passages that best answer QUERY, each with its document and clause."""
    hits = _open(ctx).search(query, k, document=document,
                             as_at=as_at.date() if as_at else None)
    if as_json:
        _emit_json([h.model_dump(mode="json") for h in hits])
        return
    if not hits:
        click.echo("no passages found", err=True)
        sys.exit(1)
    for h in hits:
        where = f"clause {h.clause}" if h.clause else "(no clause)"
        click.echo(f"{h.score:.3f}  {h.document_title}, {where} {h.heading}")
        click.echo(f"       {' '.join(h.text.split())[:300]}")


@kb.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print the documents as JSON.")
@click.pass_context
@handles_knowledge_errors
def list_documents(ctx: click.Context, as_json: bool) -> None:
    """The documents in the knowledge base."""
    docs = _open(ctx).documents()
    if as_json:
        _emit_json([d.model_dump(mode="json") for d in docs])
        return
    for d in docs:
        span = f"{d.effective_from or '…'} to {d.effective_to or '…'}"
        click.echo(f"{d.document_id:28s} {d.audience:9s} {d.chunks:4d} sections  {span}  {d.title}")
