"""`backoffice pay …`: payment runs. Thin: parse, call services.payment_runs, print.

Who acts: the person at the terminal (`cli:<user>`), or the holder of an API key given with
--api-key / $BACKOFFICE_API_KEY (approving needs an approver or owner key). The run's creator and
whoever last changed a payee's bank details may not approve it.

The business's own direct entry details (the bank, the APCA user id, the account the run is paid
from) come from options, else the BACKOFFICE_ABA_* settings (core.settings).
"""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import click

from api.cli_support import actor, fail, handles_errors
from services import payment_runs
from services.runtime import Runtime
from tools.payments.aba import Remitter

API_KEY_ENV = "BACKOFFICE_API_KEY"


def _emit(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False, default=lambda v: (
        str(v) if isinstance(v, Decimal) else v.isoformat() if isinstance(v, date | datetime)
        else repr(v))))


def _runtime(ctx: click.Context) -> Runtime:
    runtime: Runtime = ctx.obj
    runtime.require_migrated()
    return runtime


def _who(runtime: Runtime, api_key: str | None, permission: str | None) -> str:
    """The acting person: the API key's holder when a key is given, else the terminal's user."""
    if not (api_key or "").strip():
        if permission is not None:
            fail(f"approving a payment run needs an approver's or owner's API key: pass "
                 f"--api-key or set {API_KEY_ENV}", 2)
        return actor()
    from api.views import PERMISSIONS
    from memory import apikeys_store
    from memory.db import unit_of_work

    with unit_of_work(runtime.sessions) as session:
        principal = apikeys_store.authenticate(session, api_key.strip())
    if principal is None:
        fail("the API key is not valid", 2)
    assert principal is not None
    # Until the lead adds "payments.approve" to the matrix, approving bills' roles approve runs.
    allowed = PERMISSIONS.get(permission or "", PERMISSIONS["approvals.decide"])
    if permission is not None and principal.role not in allowed:
        fail(f"a {principal.role} key may not approve payment runs", 2)
    return principal.actor


def _text(run: dict) -> str:
    out = [f"payment run {run['id']} ({run['reference']}) {run['status']}: ${run['total']:,.2f} "
           f"due by {run['due_by']:%d/%m/%Y}, created by {run['created_by']}"
           + (f", approved by {run['approved_by']}" if run.get("approved_by") else "")]
    for s in run.get("suppliers", ()):
        out.append(f"  {s['supplier']}: ${s['amount']:,.2f} to BSB {s['bsb'][:3]}-{s['bsb'][3:]} "
                   f"{s['account_number']} ({', '.join(b['number'] for b in s['bills'])})")
    for left in run.get("left_out", ()):
        out.append(f"  not in the run: {left['supplier']} ({', '.join(left['bills'])}): "
                   f"{left['reason']}")
    if run.get("file"):
        f = run["file"]
        out.append(f"  file {f['filename']} sha256 {f['sha256']} ({f['records']} detail records, "
                   f"processed {f['process_on']:%d/%m/%Y})")
    return "\n".join(out)


@click.group("pay")
def pay() -> None:
    """Payment runs: propose the approved bills due, approve, write the ABA file for the bank,
    send remittance advice. The bills are marked paid when the bank feed shows the payment
    (`backoffice bank reconcile`)."""


_json = click.option("--json", "as_json", is_flag=True, help="Print JSON.")
_key = click.option("--api-key", envvar=API_KEY_ENV, metavar="KEY",
                    help=f"Act as the holder of this key (default: ${API_KEY_ENV}).")


@pay.command("run")
@click.option("--due-by", type=click.DateTime(["%Y-%m-%d"]), required=True,
              help="Pay the approved bills due on or before this date (YYYY-MM-DD).")
@click.option("--idempotency-key", help="The same key again returns the same run.")
@_key
@_json
@click.pass_context
@handles_errors
def pay_run(ctx: click.Context, due_by: datetime, idempotency_key: str | None,
            api_key: str | None, as_json: bool) -> None:
    """Propose a payment run: every approved, unpaid bill due by --due-by that is not already in
    a run, grouped by supplier. Suppliers with no bank details on file are named and left out."""
    runtime = _runtime(ctx)
    run = payment_runs.propose_run(runtime, due_by.date(), actor=_who(runtime, api_key, None),
                                   idempotency_key=idempotency_key)
    _emit(run) if as_json else click.echo(_text(run))


@pay.command("approve")
@click.argument("run_id", type=click.IntRange(1, 2_147_483_647))
@_key
@_json
@click.pass_context
@handles_errors
def pay_approve(ctx: click.Context, run_id: int, api_key: str | None, as_json: bool) -> None:
    """Approve a proposed run, as an approver's or owner's key (not the run's creator, not whoever
    last changed a payee's bank details)."""
    runtime = _runtime(ctx)
    run = payment_runs.approve_run(runtime, run_id, actor=_who(runtime, api_key, "payments.approve"))
    _emit(run) if as_json else click.echo(_text(run))


@pay.command("write")
@click.argument("run_id", type=click.IntRange(1, 2_147_483_647))
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write the ABA file (default: HOME/payments/payrun-ID.aba).")
@click.option("--on", "process_on", type=click.DateTime(["%Y-%m-%d"]),
              help="Processing date (default: today).")
@click.option("--self-balance/--no-self-balance", default=None,
              help="End with one debit to your own account (CommBank, NAB); Westpac and ANZ "
                   "usually want none (default: $BACKOFFICE_ABA_SELF_BALANCE, else yes).")
@click.option("--bank", envvar="BACKOFFICE_ABA_BANK",
              help="Your bank's 3-letter code: CBA, WBC, NAB, ANZ... ($BACKOFFICE_ABA_BANK)")
@click.option("--apca-id", envvar="BACKOFFICE_ABA_APCA_ID",
              help="Your direct entry (APCA) user id ($BACKOFFICE_ABA_APCA_ID)")
@click.option("--user-name", envvar="BACKOFFICE_ABA_USER_NAME",
              help="The user name your bank issued, up to 26 ($BACKOFFICE_ABA_USER_NAME)")
@click.option("--bsb", envvar="BACKOFFICE_ABA_BSB",
              help="The BSB you pay from ($BACKOFFICE_ABA_BSB)")
@click.option("--account", envvar="BACKOFFICE_ABA_ACCOUNT",
              help="The account you pay from ($BACKOFFICE_ABA_ACCOUNT)")
@click.option("--remitter", envvar="BACKOFFICE_ABA_REMITTER",
              help="What payees' statements show, up to 16 (default: the user name)")
@click.option("--no-remittance", is_flag=True, help="Do not email remittance advice now.")
@_key
@_json
@click.pass_context
@handles_errors
def pay_write(ctx: click.Context, run_id: int, out: Path | None, process_on: datetime | None,
              self_balance: bool | None, bank: str | None, apca_id: str | None,
              user_name: str | None, bsb: str | None, account: str | None, remitter: str | None,
              no_remittance: bool, api_key: str | None, as_json: bool) -> None:
    """Write an approved run's ABA file, with every payee's bank details checked again against
    the supplier master; then email each supplier its remittance advice (once). A run already
    written gives back the same file."""
    runtime = _runtime(ctx)
    s = runtime.settings
    bank, apca_id, user_name = bank or s.aba_bank, apca_id or s.aba_apca_id, user_name or s.aba_user_name
    bsb, account, remitter = bsb or s.aba_bsb, account or s.aba_account, remitter or s.aba_remitter
    missing = [opt for opt, value in (("--bank", bank), ("--apca-id", apca_id),
                                      ("--user-name", user_name), ("--bsb", bsb),
                                      ("--account", account)) if not value]
    if missing:
        fail(f"the business's direct entry details are missing: give {', '.join(missing)} (or "
             "set BACKOFFICE_ABA_BANK, _APCA_ID, _USER_NAME, _BSB, _ACCOUNT)", 2)
    assert bank and apca_id and user_name and bsb and account
    self_balance = s.aba_self_balance if self_balance is None else self_balance
    who = _who(runtime, api_key, None)
    target = out or runtime.settings.home / "payments" / f"payrun-{run_id}.aba"
    details = Remitter(bank=bank.upper(), user_name=user_name, apca_id=apca_id, bsb=bsb,
                       account_number=account, remitter_name=remitter or user_name[:16])
    run = payment_runs.write_run(runtime, run_id, details, actor=who, out=target,
                                 process_on=process_on.date() if process_on else None,
                                 self_balance=self_balance)
    run.pop("content", None)
    run["path"] = str(target)
    run["remittances_sent"] = [] if no_remittance else payment_runs.send_remittances(
        runtime, run_id, actor=who)
    if as_json:
        _emit(run)
        return
    click.echo(_text(run) + f"\n  written to {target}"
               + (" (already written: the same file)" if run.get("replayed") else ""))
    for r in run["remittances_sent"]:
        click.echo(f"  remittance to {r['supplier']}: {r['status']}"
                   + (f" ({r['reason']})" if r.get("reason") else ""))


@pay.command("remit")
@click.argument("run_id", type=click.IntRange(1, 2_147_483_647))
@_key
@_json
@click.pass_context
@handles_errors
def pay_remit(ctx: click.Context, run_id: int, api_key: str | None, as_json: bool) -> None:
    """Send a written run's remittance advice that has not been sent yet."""
    runtime = _runtime(ctx)
    sent = payment_runs.send_remittances(runtime, run_id, actor=_who(runtime, api_key, None))
    if as_json:
        _emit(sent)
        return
    for r in sent:
        click.echo(f"{r['supplier']}: {r['status']}" + (f" ({r['reason']})" if r.get("reason") else ""))


@pay.command("cancel")
@click.argument("run_id", type=click.IntRange(1, 2_147_483_647))
@click.option("--reason", default="", help="Why (kept in the audit log).")
@_key
@click.pass_context
@handles_errors
def pay_cancel(ctx: click.Context, run_id: int, reason: str, api_key: str | None) -> None:
    """Cancel a run not yet written: its bills may go into another run."""
    runtime = _runtime(ctx)
    run = payment_runs.cancel_run(runtime, run_id, actor=_who(runtime, api_key, None), reason=reason)
    click.echo(f"payment run {run['id']} cancelled")


@pay.command("show")
@click.argument("run_id", type=click.IntRange(1, 2_147_483_647))
@_json
@click.pass_context
@handles_errors
def pay_show(ctx: click.Context, run_id: int, as_json: bool) -> None:
    """One run: its suppliers, bills, bank details, approval, file and remittances."""
    run = payment_runs.show_run(_runtime(ctx), run_id)
    _emit(run) if as_json else click.echo(_text(run))


@pay.command("list")
@_json
@click.pass_context
@handles_errors
def pay_list(ctx: click.Context, as_json: bool) -> None:
    """Every payment run, newest first."""
    rows = payment_runs.list_runs(_runtime(ctx))
    if as_json:
        _emit(rows)
        return
    for run in rows:
        click.echo(_text(run))
    if not rows:
        click.echo("no payment runs yet")
