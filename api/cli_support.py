"""What every `backoffice` command module shares: who is acting, and typed failures turned into one
plain line per problem on stderr and an exit code (never a traceback).

Exit codes: 2 refused input (a ledger, payroll or intake refusal: the message says why), 3 the
database is not migrated.
"""

from __future__ import annotations

import getpass
import sys
from collections.abc import Callable
from functools import wraps
from typing import Any

import click

from memory.migrate import DatabaseNotMigrated
from tools.inbox.errors import InboxError
from tools.ledger.problems import LedgerError
from tools.payroll.errors import PayrollError


def actor() -> str:
    """The person at the terminal, for the audit log."""
    try:
        return f"cli:{getpass.getuser()}"
    except Exception:  # noqa: BLE001 — no user name in some containers
        return "cli"


def fail(message: str, code: int) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(code)


def handles_errors(command: Callable[..., Any]) -> Callable[..., Any]:
    """Typed failures become a plain message and an exit code, never a traceback."""
    @wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except (LedgerError, PayrollError) as exc:
            for problem in exc.problems:
                click.echo(f"error: {problem.message} [{problem.code}]", err=True)
            sys.exit(2)
        except InboxError as exc:
            fail(f"{exc.message} [{exc.code}]", 2)
        except DatabaseNotMigrated as exc:
            fail(str(exc), 3)
    return wrapper
