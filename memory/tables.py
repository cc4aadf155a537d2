"""Every table's model registered on one metadata: Alembic's comparisons and the demo's reset need
them all, and the models live in several modules."""

from __future__ import annotations

from memory import ap_schema, documents_schema, inbox_schema  # noqa: F401  (registers their tables)
from memory import payroll_schema  # noqa: F401  (registers the timesheet table)
from memory import layouts_schema  # noqa: F401  (registers the supplier layouts table)
from memory import bank_schema  # noqa: F401  (registers the bank tables)
from memory import payments_schema  # noqa: F401  (registers the payment run tables)
from memory import web_schema  # noqa: F401  (registers the browser sessions table)
from memory import monitoring_schema  # noqa: F401  (registers the heartbeats and alerts tables)
from memory.schema import Base

metadata = Base.metadata
