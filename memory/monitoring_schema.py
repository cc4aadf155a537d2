"""Self-monitoring's tables: one heartbeat row per worker, and the alerts' incidents.

A worker upserts its heartbeat once per tick (tools.monitoring.alerts decides from their ages
whether any worker is live). An alert is one incident of a condition: `open_code` holds its code
while it is open and is unique, so two processes that notice the same condition at once cannot
both open it (and both email about it); resolving clears it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from memory.schema import Base

ALERT_STATUSES = ("open", "resolved")


class WorkerHeartbeat(Base):
    __tablename__ = "worker_heartbeats"

    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    host: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_tick_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    runs_processed: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(1000))
    last_error_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class AlertRow(Base):
    __tablename__ = "alerts"
    __table_args__ = (
        CheckConstraint("status IN ('open','resolved')", name="status"),
        CheckConstraint("(status = 'open') = (open_code IS NOT NULL)", name="open_has_code"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), index=True)
    open_code: Mapped[str | None] = mapped_column(String(40), unique=True)
    status: Mapped[str] = mapped_column(String(10))
    summary: Mapped[str] = mapped_column(String(500))
    details: Mapped[str] = mapped_column(Text, default="{}")      # JSON
    opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    opened_by: Mapped[str] = mapped_column(String(200))
    open_notice: Mapped[str | None] = mapped_column(String(300))  # emailed, or why not
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    resolved_by: Mapped[str | None] = mapped_column(String(200))
    resolve_notice: Mapped[str | None] = mapped_column(String(300))
