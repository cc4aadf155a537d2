"""The one settings object: environment variables with the BACKOFFICE_ prefix, and `.env`.

The LLM is off unless OPENAI_API_KEY (or OPENAI_BASE_URL) and BACKOFFICE_LLM_MODEL are set.
"""

from __future__ import annotations

from decimal import Decimal
from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

MIB = 1024 * 1024


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BACKOFFICE_", env_file=".env", extra="ignore")

    home: Path = Field(default=Path(".backoffice"), description="Data directory")
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; default SQLite at HOME/backoffice.db"
    )
    sqlite_busy_timeout_ms: int = Field(default=10_000, ge=0)

    # Intake
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 2525
    imap_host: str | None = None
    imap_port: int = 993
    imap_user: str | None = None
    imap_password: SecretStr | None = None
    imap_folder: str = "INBOX"
    imap_tls: bool = Field(default=True, description="IMAPS (implicit TLS); False only for loopback tests")
    imap_poll_seconds: int = Field(default=60, ge=1)

    # Limits on untrusted input
    max_message_bytes: int = Field(default=25 * MIB, gt=0)
    max_mime_parts: int = Field(default=200, gt=0)
    max_mime_depth: int = Field(default=8, gt=0)
    max_attachment_bytes: int = Field(default=20 * MIB, gt=0)
    max_xml_bytes: int = Field(default=10 * MIB, gt=0)
    max_pdf_pages: int = Field(default=50, gt=0, description="Pages read from one PDF")

    # LLM (OpenAI-compatible endpoint); off when no model is configured
    openai_api_key: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("OPENAI_API_KEY", "BACKOFFICE_OPENAI_API_KEY"))
    openai_base_url: str | None = Field(
        default=None, validation_alias=AliasChoices("OPENAI_BASE_URL", "BACKOFFICE_OPENAI_BASE_URL"))
    llm_model: str | None = None
    llm_timeout_seconds: float = Field(default=30.0, gt=0)
    llm_max_attempts: int = Field(default=4, ge=1)
    llm_input_price_per_million: Decimal | None = Field(
        default=None, ge=0, description="What the endpoint charges per million prompt tokens")
    llm_output_price_per_million: Decimal | None = Field(
        default=None, ge=0, description="...and per million completion tokens (cost unknown if unset)")
    chat_max_tool_rounds: int = Field(default=6, ge=1, le=20,
                                      description="Model turns with tool calls in one answer")

    # AP agent policy (tools.policies.decide reads these by name)
    auto_approve_limit: Decimal = Field(default=Decimal("5000"), ge=0,
                                        description="Largest bill (incl. GST) that may post with no person")
    # From the extraction eval's calibration ("invoice:overall"): at 0.80, 99.67% of 299 invoices
    # were read exactly (recall 99.3%); tests/evals/test_gate.py keeps this honest.
    ap_min_confidence: float = Field(default=0.80, ge=0, le=1,
                                     description="Calibrated confidence an invoice must reach to auto-post")
    # Bank reconciliation: a line is reconciled with no person when its best suggestion reaches
    # this; the bank-rec eval's calibration sets it (tests/evals keep it honest).
    bank_auto_confidence: float = Field(default=0.90, ge=0, le=1,
                                        description="Calibrated confidence a bank line must reach to reconcile itself")
    bank_tolerance_amount: Decimal = Field(default=Decimal("1.00"), ge=0,
                                           description="A payment may differ from what it settles by this much")
    bank_tolerance_fraction: Decimal = Field(default=Decimal("0.02"), ge=0, le=Decimal("0.10"),
                                             description="...or by this share of it (merchant fees)")
    approver_limit: Decimal = Field(default=Decimal("10000"), ge=0,
                                    description="Above this an owner must approve")
    split_window_days: int = Field(default=7, ge=0)
    # A new approver/owner key may not decide until this long after it was minted or activated
    # (0: at once). Deciding keys minted through the API also wait for a second owner.
    deciding_key_cooling_off_minutes: int = Field(default=0, ge=0, le=60 * 24 * 90)
    split_limit: Decimal | None = Field(default=None, description="Default: the auto-approve limit")
    match_quantity_pct: Decimal = Field(default=Decimal("0"), ge=0)
    match_price_pct: Decimal = Field(default=Decimal("0.01"), ge=0)
    match_price_abs: Decimal = Field(default=Decimal("0.01"), ge=0)
    match_total_abs: Decimal = Field(default=Decimal("1.00"), ge=0)
    match_receipts_required: bool = False
    ap_unclassified_account: str | None = None

    # The worker and approvals
    worker_poll_seconds: float = Field(default=0.5, gt=0)
    worker_lease_seconds: int = Field(default=120, gt=0)
    worker_max_attempts: int = Field(default=5, ge=1)
    approval_escalate_hours: float = Field(default=48, gt=0)
    notify_smtp_host: str | None = Field(default=None, description="Relay for escalation emails")
    notify_smtp_port: int = 25
    notify_from: str = "backoffice@localhost"
    notify_to: str | None = None

    # Self-monitoring: logs, and the watchdog's alerts (emailed through the notify relay above)
    log_format: Literal["text", "json"] = Field(
        default="text", description="text for a person at a terminal; json: one object a line")
    alert_worker_stale_seconds: float = Field(
        default=300, gt=0, description="A worker with no tick for longer is not live")
    alert_queue_age_seconds: float = Field(
        default=3600, gt=0, description="Alert when a message has waited for the machine longer")
    alert_check_seconds: float = Field(
        default=60, gt=0, description="How often the worker and the API run the watchdog")

    # Month-end reports (tools.reports reads these by name)
    report_materiality_amount: Decimal = Field(default=Decimal("1000"), ge=0,
                                               description="A change is material from this many dollars")
    report_materiality_percent: Decimal = Field(default=Decimal("10"), ge=0,
                                                description="...and this % of what it is compared with")
    report_cash_buffer: Decimal = Field(default=Decimal("0"), ge=0,
                                        description="The forecast flags weeks below this cash balance")
    report_gst_cycle: Literal["quarterly", "monthly"] = "quarterly"
    report_payg_cycle: Literal["quarterly", "monthly"] = "quarterly"
    report_max_variances: int = Field(default=4, ge=1, description="Changes named in the commentary")
    report_budget_file: Path | None = Field(default=None, description="Default: HOME/budget.json if present")

    # Payment runs: the business's own direct entry (ABA) details; `backoffice pay write`'s
    # options, when given, win over these
    aba_bank: str | None = Field(default=None, description="Your bank's 3-letter code: CBA, WBC, NAB, ANZ...")
    aba_apca_id: str | None = Field(default=None, description="Your direct entry (APCA) user id")
    aba_user_name: str | None = Field(default=None, description="The user name your bank issued, up to 26")
    aba_bsb: str | None = Field(default=None, description="The BSB the runs are paid from")
    aba_account: str | None = Field(default=None, description="The account the runs are paid from")
    aba_remitter: str | None = Field(default=None, description="What payees' statements show, up to 16 (default: the user name)")
    aba_self_balance: bool = Field(default=True, description="End the file with one debit to your own account")

    # The API
    api_host: str = "127.0.0.1"
    api_port: int = 8000
    api_max_body_bytes: int = Field(default=25 * MIB, gt=0)
    api_inline_reads: Literal["auto", "on", "off"] = Field(
        default="auto", description="Run the API's hot reads on the event loop instead of a worker "
        "thread. auto: on SQLite, and on a PostgreSQL on this machine (loopback or socket), where "
        "a read is a sub-millisecond round trip; off for a remote database")

    # The workplace (the browser pages at /)
    web_session_hours: float = Field(default=8, gt=0, le=24 * 7,
                                     description="How long a browser sign-in lasts")
    web_secure_cookies: bool | None = Field(
        default=None, description="Mark cookies Secure (default: when the request came over https)")

    @cached_property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.home / 'backoffice.db').resolve()}"

    @property
    def maildir_path(self) -> Path:
        return self.home / "mail" / "inbox"

    @property
    def blob_path(self) -> Path:
        """Content-addressed store of every message's bytes."""
        return self.home / "blobs"

    @property
    def knowledge_path(self) -> Path:
        """The policies and awards knowledge base (chromadb, persisted)."""
        return self.home / "knowledge"

    @property
    def llm_enabled(self) -> bool:
        return bool(self.llm_model and (self.openai_api_key or self.openai_base_url))


def load_settings(**overrides: object) -> Settings:
    """Read settings now (never at import time) so tests and the CLI can override them."""
    return Settings(**overrides)  # type: ignore[arg-type]
