"""The ledger's invariants, enforced by the database itself (SQLite and PostgreSQL).

- A journal is written as a draft, its lines added, then posted; posting checks that it has two or
  more lines, that they balance, and that its date is after the organisation's lock date.
- A posted journal and its lines can never be updated or deleted (corrections are reversals).
- The audit log and the bank-details history are append-only.
- SQLite only: exact-decimal columns hold integers (scaled units), never binary floats.

Messages are "ledger:<code>:<text>" so memory.db.rule_violation turns them into typed errors.

Revision ID: 0002
Revises: 0001
"""
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

IMMUTABLE = "ledger:posted_immutable:A posted journal cannot be changed or deleted; post a reversing journal instead"
TOO_FEW = "ledger:too_few_lines:A journal needs at least one debit and one credit line before it is posted"
UNBALANCED = "ledger:unbalanced:Journal does not balance: its debits and credits differ"
LOCKED = "ledger:period_locked:The books are locked for this date; the journal cannot be posted"
APPEND_ONLY = "ledger:append_only:{table} is append-only; its rows cannot be changed or deleted"

APPEND_ONLY_TABLES = ("audit_log", "contact_bank_details")

# Every exact-decimal column at this revision (SQLite stores them as scaled integers).
EXACT_COLUMNS = {
    "employees": ("ordinary_hours_per_week", "hourly_rate_paid"),
    "tax_codes": ("rate",),
    "payslips": ("ordinary_hours", "gross", "payg_withheld", "net", "superannuation"),
    "journal_lines": ("amount",),
    "invoices": ("subtotal", "tax", "total"),
    "purchase_order_lines": ("quantity", "unit_price"),
    "goods_receipt_lines": ("quantity",),
    "invoice_lines": ("quantity", "unit_price", "amount", "tax_amount"),
    "payments": ("amount",),
}


def _sqlite_statements() -> list[str]:
    statements = [
        f"""CREATE TRIGGER journals_insert_as_draft BEFORE INSERT ON journals
        WHEN NEW.status <> 'draft' BEGIN SELECT RAISE(ABORT, '{TOO_FEW}'); END""",
        f"""CREATE TRIGGER journals_posted_immutable BEFORE UPDATE ON journals
        WHEN OLD.status = 'posted' BEGIN SELECT RAISE(ABORT, '{IMMUTABLE}'); END""",
        f"""CREATE TRIGGER journals_posted_no_delete BEFORE DELETE ON journals
        WHEN OLD.status = 'posted' BEGIN SELECT RAISE(ABORT, '{IMMUTABLE}'); END""",
        f"""CREATE TRIGGER journals_post_check BEFORE UPDATE OF status ON journals
        WHEN OLD.status = 'draft' AND NEW.status = 'posted'
        BEGIN
          SELECT RAISE(ABORT, '{TOO_FEW}')
            WHERE (SELECT COUNT(*) FROM journal_lines WHERE journal_id = NEW.id) < 2;
          SELECT RAISE(ABORT, '{UNBALANCED}')
            WHERE (SELECT COALESCE(SUM(amount), 0) FROM journal_lines WHERE journal_id = NEW.id) <> 0;
          SELECT RAISE(ABORT, '{LOCKED}')
            WHERE EXISTS (SELECT 1 FROM organisation
                          WHERE lock_date IS NOT NULL AND NEW.date <= lock_date);
        END""",
        f"""CREATE TRIGGER journal_lines_posted_no_insert BEFORE INSERT ON journal_lines
        WHEN (SELECT status FROM journals WHERE id = NEW.journal_id) = 'posted'
        BEGIN SELECT RAISE(ABORT, '{IMMUTABLE}'); END""",
        f"""CREATE TRIGGER journal_lines_posted_no_update BEFORE UPDATE ON journal_lines
        WHEN (SELECT status FROM journals WHERE id = OLD.journal_id) = 'posted'
          OR (SELECT status FROM journals WHERE id = NEW.journal_id) = 'posted'
        BEGIN SELECT RAISE(ABORT, '{IMMUTABLE}'); END""",
        f"""CREATE TRIGGER journal_lines_posted_no_delete BEFORE DELETE ON journal_lines
        WHEN (SELECT status FROM journals WHERE id = OLD.journal_id) = 'posted'
        BEGIN SELECT RAISE(ABORT, '{IMMUTABLE}'); END""",
    ]
    for table in APPEND_ONLY_TABLES:
        message = APPEND_ONLY.format(table=table)
        for event in ("UPDATE", "DELETE"):
            statements.append(
                f"""CREATE TRIGGER {table}_no_{event.lower()} BEFORE {event} ON {table}
                BEGIN SELECT RAISE(ABORT, '{message}'); END"""
            )
    for table, columns in EXACT_COLUMNS.items():
        for column in columns:
            message = f"ledger:inexact_amount:{table}.{column} must be an exact decimal, not a float"
            for event, of in (("INSERT", ""), ("UPDATE", f" OF {column}")):
                statements.append(
                    f"""CREATE TRIGGER {table}_{column}_exact_{event.lower()}
                    BEFORE {event}{of} ON {table}
                    WHEN typeof(NEW.{column}) NOT IN ('integer', 'null')
                    BEGIN SELECT RAISE(ABORT, '{message}'); END"""
                )
    return statements


def _postgresql_statements() -> list[str]:
    def fail(message: str) -> str:
        return f"RAISE EXCEPTION '%', '{message}' USING ERRCODE = '23514';"

    statements = [
        f"""CREATE OR REPLACE FUNCTION ledger_journals_guard() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE n integer; total numeric; locked date;
        BEGIN
          IF TG_OP = 'INSERT' THEN
            IF NEW.status <> 'draft' THEN {fail(TOO_FEW)} END IF;
            RETURN NEW;
          END IF;
          IF OLD.status = 'posted' THEN {fail(IMMUTABLE)} END IF;
          IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
          IF NEW.status = 'posted' THEN
            SELECT count(*), coalesce(sum(amount), 0) INTO n, total
              FROM journal_lines WHERE journal_id = NEW.id;
            IF n < 2 THEN {fail(TOO_FEW)} END IF;
            IF total <> 0 THEN {fail(UNBALANCED)} END IF;
            -- FOR SHARE: a concurrent lock-date change waits for this posting, or this for it.
            SELECT lock_date INTO locked FROM organisation WHERE id = 1 FOR SHARE;
            IF locked IS NOT NULL AND NEW.date <= locked THEN {fail(LOCKED)} END IF;
          END IF;
          RETURN NEW;
        END $$""",
        """CREATE TRIGGER journals_guard BEFORE INSERT OR UPDATE OR DELETE ON journals
        FOR EACH ROW EXECUTE FUNCTION ledger_journals_guard()""",
        f"""CREATE OR REPLACE FUNCTION ledger_journal_lines_guard() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF TG_OP IN ('UPDATE', 'DELETE') AND EXISTS (
              SELECT 1 FROM journals WHERE id = OLD.journal_id AND status = 'posted' FOR SHARE) THEN
            {fail(IMMUTABLE)}
          END IF;
          IF TG_OP IN ('INSERT', 'UPDATE') AND EXISTS (
              SELECT 1 FROM journals WHERE id = NEW.journal_id AND status = 'posted' FOR SHARE) THEN
            {fail(IMMUTABLE)}
          END IF;
          IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
          RETURN NEW;
        END $$""",
        """CREATE TRIGGER journal_lines_guard BEFORE INSERT OR UPDATE OR DELETE ON journal_lines
        FOR EACH ROW EXECUTE FUNCTION ledger_journal_lines_guard()""",
        f"""CREATE OR REPLACE FUNCTION ledger_no_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN {fail("ledger:append_only:ledger tables cannot be truncated")} END $$""",
        f"""CREATE OR REPLACE FUNCTION ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION '%', replace('{APPEND_ONLY}', '{{table}}', TG_TABLE_NAME)
          USING ERRCODE = '23514'; END $$""",
    ]
    for table in ("journals", "journal_lines", *APPEND_ONLY_TABLES):
        statements.append(
            f"""CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table}
            FOR EACH STATEMENT EXECUTE FUNCTION ledger_no_truncate()"""
        )
    for table in APPEND_ONLY_TABLES:
        statements.append(
            f"""CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table}
            FOR EACH ROW EXECUTE FUNCTION ledger_append_only()"""
        )
    return statements


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        statements = _sqlite_statements()
    elif dialect == "postgresql":
        statements = _postgresql_statements()
    else:
        raise NotImplementedError(f"Backoffice supports SQLite and PostgreSQL, not {dialect}")
    for statement in statements:
        op.execute(statement)


def downgrade() -> None:
    raise NotImplementedError("The ledger's rules are not removed by a downgrade")
