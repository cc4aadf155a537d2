"""`backoffice apikey …`, `backoffice approvals …`, `backoffice worker` and `backoffice serve`.

The approvals commands act as the holder of an API key (`--api-key`, or BACKOFFICE_API_KEY), with
the same role matrix as the HTTP API (api.views.PERMISSIONS) and through the same service
(services.approvals), so a decision on the command line is checked, recorded and resumed
exactly as one through the API. Exit codes: 0 done; 1 the decision was refused (stale proposal,
already decided, over your limit, segregation of duties, no such approval…); 2 no valid key, a
role that may not do this, or bad arguments; 3 the database is not migrated.
"""

from __future__ import annotations

import json
import logging
import threading
import uuid
from collections.abc import Callable
from datetime import datetime
from functools import partial, wraps
from typing import Any

import click

from services.runtime import Runtime
from api.views import (
    PERMISSIONS,
    apikey_view,
    approval_detail,
    approval_summary,
    jsonable,
    run_view,
)
from api.cli_support import actor, fail, handles_errors
from memory.ap_schema import ROLES
from memory.apikeys_store import Principal
from memory.db import unit_of_work
from tools.inbox.errors import InboxError

API_KEY_ENV = "BACKOFFICE_API_KEY"


class _Refused(Exception):
    def __init__(self, message: str, code: str, exit_code: int) -> None:
        super().__init__(message)
        self.message, self.code, self.exit_code = message, code, exit_code


def _handles_errors(command: Callable[..., Any]) -> Callable[..., Any]:
    """Approval refusals (exit 1; 2 for unusable input) and this module's own refusals, on top of
    the typed failures every command handles (api.cli_support)."""
    from services.approvals import ApprovalRefused

    @wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except ApprovalRefused as exc:
            fail(f"{exc.message} [{exc.code}]", 2 if exc.status == 422 else 1)
        except _Refused as exc:
            fail(f"{exc.message} [{exc.code}]", exc.exit_code)
    return handles_errors(wrapper)


def _runtime(ctx: click.Context) -> Runtime:
    runtime: Runtime = ctx.obj
    runtime.require_migrated()
    return runtime


def _emit_json(data: Any) -> None:
    click.echo(json.dumps(jsonable(data), indent=2))


# -- API keys ---------------------------------------------------------------------------------

@click.group("apikey")
def apikey() -> None:
    """API keys for the HTTP API and the approvals commands: create (the key is shown once),
    list, revoke. Roles: clerk, approver, owner, auditor, admin."""


@apikey.command("create")
@click.option("--name", required=True, help="Who or what holds the key (1-100 characters).")
@click.option("--role", required=True, type=click.Choice(ROLES))
@click.option("--employee", "employee", default=None,
              help="Link the key to this employee's code (e.g. E007): they may check their own pay.")
@click.option("--holder", default=None,
              help="The person the key is issued to (default: the name).")
@click.option("--json", "as_json", is_flag=True, help='Print {"key": …, "id", …} as JSON.')
@click.pass_context
@_handles_errors
def apikey_create(ctx: click.Context, name: str, role: str, employee: str | None,
                  holder: str | None, as_json: bool) -> None:
    """Create a key. It is printed this once and kept only as a hash: store it now. Keys made
    here, on the host, are active at once (deciding keys minted through the API wait for an
    owner to activate them)."""
    from memory import apikeys_store

    runtime = _runtime(ctx)
    with unit_of_work(runtime.sessions) as session:
        try:
            created = apikeys_store.create(session, runtime.clock, name=name, role=role,
                                           created_by=actor(), employee_id=employee, holder=holder)
        except ValueError as exc:
            raise _Refused(str(exc), "invalid_key_request", 2) from None
    if as_json:
        _emit_json({"key": created.key, "id": created.principal.key_id, "name": created.principal.name,
                    "role": role, "prefix": created.prefix, "employee": created.principal.employee_id,
                    "holder": created.principal.holder})
        return
    click.echo(f"key {created.principal.key_id} ({created.principal.name}, {role}) created:")
    click.echo(created.key)
    click.echo("This is the only time the key is shown; store it now.", err=True)


@apikey.command("list")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
@_handles_errors
def apikey_list(ctx: click.Context, as_json: bool) -> None:
    """Every key (revoked ones too) with its first characters; never the secret."""
    from memory import apikeys_store

    runtime = _runtime(ctx)
    with unit_of_work(runtime.sessions) as session:
        rows = [apikey_view(row) for row in apikeys_store.list_keys(session)]
    if as_json:
        _emit_json(rows)
        return
    for r in rows:
        state = f"revoked {r['revoked_at'][:16]}" if r["revoked_at"] else r["status"]
        click.echo(f"#{r['id']:<4} {r['prefix']}…  {r['role']:<8} {state:<24} {r['name']}")


@apikey.command("revoke")
@click.argument("key_id", type=click.IntRange(1, 2_147_483_647))
@click.pass_context
@_handles_errors
def apikey_revoke(ctx: click.Context, key_id: int) -> None:
    """Revoke key KEY_ID: it stops working at once."""
    from memory import apikeys_store

    runtime = _runtime(ctx)
    with unit_of_work(runtime.sessions) as session:
        if not apikeys_store.revoke(session, runtime.clock, key_id, actor=actor()):
            raise _Refused(f"There is no active key {key_id}.", "not_found", 2)
    click.echo(f"key {key_id} revoked")


# -- approvals --------------------------------------------------------------------------------

def _api_key_option(command: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--api-key", envvar=API_KEY_ENV, metavar="KEY",
                        help=f"Act as the holder of this key (default: ${API_KEY_ENV}).")(command)


def _principal(runtime: Runtime, key: str | None, permission: str) -> Principal:
    from memory import apikeys_store

    with unit_of_work(runtime.sessions) as session:
        principal = apikeys_store.authenticate(session, (key or "").strip() or None)
    if principal is None:
        raise _Refused(f"a valid API key is required: pass --api-key or set {API_KEY_ENV}",
                       "unauthorized", 2)
    if principal.role not in PERMISSIONS[permission]:
        raise _Refused(f"a {principal.role} key may not do this", "forbidden", 2)
    return principal


def _get_approval(runtime: Runtime, approval_id: int) -> Any:
    from memory import approvals_store
    from memory.approvals_store import ApprovalNotFound

    with unit_of_work(runtime.sessions) as session:
        try:
            return approvals_store.get(session, approval_id)
        except ApprovalNotFound:
            raise _Refused(f"There is no approval {approval_id}.", "not_found", 1) from None


@click.group("approvals")
def approvals() -> None:
    """Bills waiting for a person: list, show, approve, reject, edit.

    Each command acts as the holder of --api-key (or $BACKOFFICE_API_KEY): approvers and owners
    decide; auditors and admins may list and show. Exit 1: the decision was refused; 2: no valid
    key or not allowed; 3: database not migrated."""


@approvals.command("list")
@click.option("--status", type=click.Choice(["pending", "approved", "rejected", "all"]),
              default="pending", show_default=True)
@click.option("--limit", type=click.IntRange(1, 500), default=100, show_default=True)
@click.option("--json", "as_json", is_flag=True)
@_api_key_option
@click.pass_context
@_handles_errors
def approvals_list(ctx: click.Context, status: str, limit: int, as_json: bool,
                   api_key: str | None) -> None:
    """Approvals, oldest first (the queue by default)."""
    from memory import approvals_store

    runtime = _runtime(ctx)
    _principal(runtime, api_key, "approvals.read")
    with unit_of_work(runtime.sessions) as session:
        rows = approvals_store.list_approvals(session, status=None if status == "all" else status,
                                              limit=limit)
    items = [approval_summary(a) for a in rows]
    if as_json:
        _emit_json(items)
        return
    for a in items:
        reasons = ", ".join(r.get("code", "?") for r in a["reasons"])
        click.echo(f"#{a['id']:<4} {a['status']:<8} {_dollars(a['amount']):>12}  "
                   f"{a['required_role']:<8} conf {a['confidence']:<6} "
                   f"{(a['supplier'] or '(unknown supplier)')[:32]:<32} {a['invoice_number'] or ''}"
                   f"  [{reasons}]")
    if not items:
        click.echo("no approvals" if status == "all" else f"no {status} approvals")


def _dollars(amount: str) -> str:
    from decimal import Decimal

    return f"${Decimal(amount):,.2f}"


@approvals.command("show")
@click.argument("approval_id", type=click.IntRange(1, 2_147_483_647))
@click.option("--json", "as_json", is_flag=True)
@_api_key_option
@click.pass_context
@_handles_errors
def approvals_show(ctx: click.Context, approval_id: int, as_json: bool, api_key: str | None) -> None:
    """One approval: why it waits, the proposed bill (lines numbered from 1, as `edit --line`
    takes them), the evidence, and the proposal hash a decision refers to."""
    runtime = _runtime(ctx)
    _principal(runtime, api_key, "approvals.read")
    a = approval_detail(_get_approval(runtime, approval_id))
    if as_json:
        _emit_json(a)
        return
    p = a["proposal"]
    click.echo(f"Approval {a['id']}: {a['status']}"
               + (f" ({a['decision']} by {a['decided_by']} at {a['decided_at']})" if a["decision"] else ""))
    click.echo(f"  bill        {p.get('number') or '?'} from {a['supplier'] or '(unknown supplier)'}, "
               f"issued {p.get('issue_date')}, due {p.get('due_date')}")
    click.echo(f"  amount      {_dollars(a['amount'])} (GST {p.get('tax')}), needs the "
               f"{a['required_role']}; confidence {a['confidence']}")
    click.echo("  reasons")
    for r in a["reasons"]:
        click.echo(f"    - {r.get('code')}: {r.get('message')}")
    click.echo("  lines")
    for n, line in enumerate(p.get("lines", []), start=1):
        click.echo(f"    {n}. {line.get('description', '')[:50]:<50} {line.get('amount'):>12}  "
                   f"account {line.get('account') or '(none)'}")
    document = a["evidence"].get("document", {})
    if document:
        click.echo(f"  evidence    {document.get('source')} read by {document.get('method')}")
    click.echo(f"  proposal    {a['proposal_hash']}")


def _decide(ctx: click.Context, approval_id: int, verdict: str, *, api_key: str | None,
            proposal_hash: str | None, comment: str | None, idempotency_key: str | None,
            changes: dict[str, Any] | None, as_json: bool) -> None:
    from agent import decisions
    from api.app import run_context

    runtime = _runtime(ctx)
    principal = _principal(runtime, api_key, "approvals.decide")
    if proposal_hash is None:
        proposal_hash = _get_approval(runtime, approval_id).proposal_hash
        click.echo(f"deciding on the approval's current proposal {proposal_hash}", err=True)
    key = idempotency_key or f"cli-{uuid.uuid4()}"
    outcome = decisions.decide(run_context(runtime), principal, approval_id, verdict=verdict,  # type: ignore[arg-type]
                                      proposal_hash=proposal_hash, key=key, changes=changes,
                                      comment=comment)
    with unit_of_work(runtime.sessions) as session:
        run = run_view(session, outcome.approval.run_id)
    if as_json:
        _emit_json({"approval": approval_detail(outcome.approval), "replayed": outcome.replayed,
                    "run": run, "idempotency_key": key})
        return
    a = outcome.approval
    text = f"approval {a.id} {a.status} by {a.decided_by}"
    if outcome.replayed:
        text += " (already recorded with this idempotency key: nothing new happened)"
    if run is not None:
        text += f"; run {run['id']} {run['state']}"
        if run["bill_id"] is not None:
            text += f", bill {run['bill_id']}"
    click.echo(text)


def _decision_options(command: Any) -> Any:
    options: list[Any] = [
        click.argument("approval_id", type=click.IntRange(1, 2_147_483_647)),
        click.option("--comment", help="Why (kept with the decision and in the audit log)."),
        click.option("--hash", "proposal_hash", metavar="H",
                     help="The proposal hash you are deciding on (see `show`); default: the "
                          "approval's current one, printed."),
        click.option("--idempotency-key", metavar="K",
                     help="Repeat a decision safely (default: a fresh one per command)."),
        click.option("--json", "as_json", is_flag=True),
        _api_key_option,
    ]
    for option in reversed(options):
        command = option(command)
    return command


@approvals.command("approve")
@_decision_options
@click.pass_context
@_handles_errors
def approvals_approve(ctx: click.Context, approval_id: int, comment: str | None,
                      proposal_hash: str | None, idempotency_key: str | None, as_json: bool,
                      api_key: str | None) -> None:
    """Approve the bill as proposed; it is posted at once."""
    _decide(ctx, approval_id, "approve", api_key=api_key, proposal_hash=proposal_hash,
            comment=comment, idempotency_key=idempotency_key, changes=None, as_json=as_json)


@approvals.command("reject")
@_decision_options
@click.pass_context
@_handles_errors
def approvals_reject(ctx: click.Context, approval_id: int, comment: str | None,
                     proposal_hash: str | None, idempotency_key: str | None, as_json: bool,
                     api_key: str | None) -> None:
    """Reject the bill: nothing is posted."""
    _decide(ctx, approval_id, "reject", api_key=api_key, proposal_hash=proposal_hash,
            comment=comment, idempotency_key=idempotency_key, changes=None, as_json=as_json)


def _line_edit(value: str) -> dict[str, Any]:
    number, sep, account = value.partition("=")
    if not sep or not number.strip().isdigit() or int(number) < 1 or not account.strip():
        raise click.BadParameter(f"{value!r}: expected N=ACCOUNT, N counting lines from 1")
    return {"index": int(number) - 1, "account_code": account.strip()}


CORRECTABLE = ("invoice_number", "issue_date", "purchase_order", "subtotal", "tax", "total")


def _correction(value: str) -> tuple[str, str]:
    name, sep, text = value.partition("=")
    if not sep or name.strip() not in CORRECTABLE or not text.strip():
        raise click.BadParameter(f"{value!r}: expected FIELD=VALUE, FIELD one of {', '.join(CORRECTABLE)}")
    return name.strip(), text.strip()


@approvals.command("edit")
@_decision_options
@click.option("--line", "lines", multiple=True, metavar="N=ACCOUNT",
              help="Code line N (from 1, as `show` numbers them) to ACCOUNT; repeatable.")
@click.option("--due-date", type=click.DateTime(["%Y-%m-%d"]), help="A new due date (YYYY-MM-DD).")
@click.option("--set", "corrections", multiple=True, metavar="FIELD=VALUE",
              help="Correct what the invoice was read as: " + ", ".join(CORRECTABLE) + " (dates "
                   "YYYY-MM-DD, amounts 1234.50; subtotal + tax must equal total); repeatable. "
                   "Learned for the supplier's next invoices.")
@click.pass_context
@_handles_errors
def approvals_edit(ctx: click.Context, approval_id: int, comment: str | None,
                   proposal_hash: str | None, idempotency_key: str | None, as_json: bool,
                   api_key: str | None, lines: tuple[str, ...], due_date: datetime | None,
                   corrections: tuple[str, ...]) -> None:
    """Approve the bill with changes to its coding or due date, or corrections of its reading;
    it is posted at once."""
    changes: dict[str, Any] = {"lines": [_line_edit(v) for v in lines]}
    if due_date is not None:
        changes["due_date"] = due_date.date().isoformat()
    changes.update(dict(_correction(v) for v in corrections))
    if not lines and due_date is None and not corrections:
        raise click.UsageError("give at least one --line N=ACCOUNT, --due-date or --set FIELD=VALUE")
    _decide(ctx, approval_id, "edit", api_key=api_key, proposal_hash=proposal_hash,
            comment=comment, idempotency_key=idempotency_key, changes=changes, as_json=as_json)


# -- the worker and the server ----------------------------------------------------------------

def _configure_logging(settings: Any) -> None:
    from adapters.logs import configure_logging

    configure_logging(settings.log_format)  # BACKOFFICE_LOG_FORMAT=text|json (adapters.logs)


@click.command("worker")
@click.option("--once", is_flag=True, help="One pass (Maildir, admit, advance every runnable run, "
              "escalate), print what happened, and exit.")
@click.option("--json", "as_json", is_flag=True, help="With --once: print the pass as JSON.")
@click.pass_context
@_handles_errors
def worker(ctx: click.Context, once: bool, as_json: bool) -> None:
    """The AP worker: picks up every received message (API, SMTP via the Maildir, IMAP, imports)
    and runs it through the invoice graph, resuming runs whose approval was decided. Runs every
    BACKOFFICE_WORKER_POLL_SECONDS until Ctrl-C or SIGTERM; several may run at once."""
    from agent.checkpointer import open_checkpointer
    from agent.graphs.invoice import build_invoice_graph
    from agent.worker import Worker
    from api.app import result_line, run_context
    from adapters.inbox.lifecycle import stop_on_signals

    runtime = _runtime(ctx)
    settings = runtime.settings
    w = Worker(run_context(runtime))
    if once:
        with open_checkpointer(settings.resolved_database_url,
                               busy_timeout_ms=settings.sqlite_busy_timeout_ms) as saver:
            report = w.tick(build_invoice_graph().compile(checkpointer=saver))
        if as_json:
            _emit_json({"recorded": report.recorded, "admitted": report.admitted,
                        "escalated": report.escalated,
                        "results": [r.__dict__ for r in report.results]})
            return
        for r in report.results:
            click.echo(result_line(r))
        click.echo(f"{report.recorded} recorded from the Maildir, {report.admitted} admitted, "
                   f"{len(report.results)} run(s) advanced, {report.escalated} escalated")
        return
    _configure_logging(settings)
    stop = threading.Event()
    with stop_on_signals(stop):
        click.echo(f"worker {w.name} running every {settings.worker_poll_seconds}s (Ctrl-C stops)")
        w.run(stop)  # it logs each run's result, escalations and alerts
    click.echo("worker stopped")


@click.command("serve")
@click.option("--host", help="Interface to listen on (default BACKOFFICE_API_HOST, 127.0.0.1).")
@click.option("--port", type=click.IntRange(1, 65535), help="Default BACKOFFICE_API_PORT, 8000.")
@click.option("--worker/--no-worker", "with_worker", default=None,
              help="Run the AP worker in this process (default: yes with the embedded SQLite "
                   "database; with PostgreSQL run `backoffice worker` processes instead).")
@click.option("--smtp/--no-smtp", "with_smtp", default=None,
              help="Run the SMTP receiver (BACKOFFICE_SMTP_HOST:PORT) in this process (default: "
                   "yes with the embedded database).")
@click.option("--access-log/--no-access-log", default=True, show_default=True)
@click.pass_context
@_handles_errors
def serve(ctx: click.Context, host: str | None, port: int | None, with_worker: bool | None,
          with_smtp: bool | None, access_log: bool) -> None:
    """The HTTP API; in the embedded setup also the AP worker, the SMTP receiver and (when
    BACKOFFICE_IMAP_HOST is set) an IMAP poller. Ctrl-C or SIGTERM stops them all cleanly."""
    import uvicorn

    from api.app import create_app
    from adapters.inbox.lifecycle import stop_on_signals

    runtime = _runtime(ctx)
    settings = runtime.settings
    embedded = runtime.engine.dialect.name == "sqlite"
    with_worker = embedded if with_worker is None else with_worker
    with_smtp = embedded if with_smtp is None else with_smtp
    with_imap = bool(settings.imap_host) and (embedded or with_worker)
    host, port = host or settings.api_host, port or settings.api_port
    _configure_logging(settings)

    stop = threading.Event()
    controller = None
    imap_thread = None
    with stop_on_signals(stop):
        try:
            if with_smtp:
                controller = _start_smtp(settings)
            if with_imap:
                imap_thread = _start_imap(runtime, stop)
            click.echo(f"serving the API on http://{host}:{port}/v1 (worker {'on' if with_worker else 'off'}"
                       f", SMTP {f'{controller.hostname}:{controller.port}' if controller else 'off'}"
                       f", IMAP {'on' if imap_thread else 'off'}); Ctrl-C stops")
            if not stop.is_set():
                # The access log is the app's own (api.metrics: with the request id, in the
                # configured format); uvicorn's loggers go to the same handler (log_config=None).
                config = uvicorn.Config(partial(create_app, runtime, start_worker=with_worker,
                                                watchdog=True, log_requests=access_log),
                                        factory=True, host=host, port=port, lifespan="on",
                                        log_level="info", access_log=False, log_config=None,
                                        timeout_graceful_shutdown=10)
                try:
                    uvicorn.Server(config).run()
                except SystemExit as exc:  # uvicorn could not start (it logged why)
                    if exc.code not in (0, None):
                        raise _Refused(f"the API could not start on {host}:{port}; see above",
                                       "serve_failed", 2) from None
        finally:
            stop.set()
            if controller is not None:
                controller.stop()
            if imap_thread is not None:
                imap_thread.join(timeout=30)
    click.echo("stopped")


def _start_smtp(settings: Any) -> Any:
    from adapters.inbox.smtp import smtp_controller

    controller = smtp_controller(settings)
    try:
        controller.start()
    except (OSError, RuntimeError) as exc:
        raise InboxError("smtp_bind_failed", f"Cannot listen on {settings.smtp_host}:"
                         f"{settings.smtp_port}: {getattr(exc, 'strerror', None) or exc}") from None
    return controller


def _start_imap(runtime: Runtime, stop: threading.Event) -> threading.Thread:
    from memory.inbox_store import InboxStore
    from services.intake import MessageIntake
    from memory.blobs import BlobStore
    from adapters.inbox.imap import ImapPoller
    from tools.inbox.parsing import MessageLimits

    settings = runtime.settings
    store = MessageIntake(InboxStore(runtime.sessions, runtime.clock, BlobStore(settings.blob_path),
                                  actor="imap"), MessageLimits.from_settings(settings))
    poller = ImapPoller.from_settings(settings, store)  # InboxError when half-configured
    log = logging.getLogger("backoffice.imap")

    def run() -> None:
        while not stop.is_set():
            try:
                poller.run(settings.imap_poll_seconds, stop)
            except Exception:
                log.exception("IMAP poller failed; retrying")
                stop.wait(settings.imap_poll_seconds)

    thread = threading.Thread(target=run, name="backoffice-imap", daemon=True)
    thread.start()
    return thread

