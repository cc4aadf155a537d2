"""Report errors: a LedgerError (problems as values) so the CLI and API handle them like the rest."""

from __future__ import annotations

from tools.ledger.problems import LedgerError


class ReportError(LedgerError):
    """A report that cannot be produced as asked: a bad month, a budget file that does not parse."""
