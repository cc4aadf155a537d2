"""extracted documents: what each inbound document was read as

Revision ID: 0004
Revises: 0003
"""
from alembic import op
import sqlalchemy as sa

from memory.types import ExactDecimal


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('extracted_documents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('inbox_message_id', sa.Integer(), nullable=True),
    sa.Column('source', sa.String(length=200), nullable=False),
    sa.Column('content_sha256', sa.String(length=64), nullable=False),
    sa.Column('method', sa.String(length=10), nullable=False),
    sa.Column('document_type', sa.String(length=12), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=True),
    sa.Column('supplier_abn', sa.String(length=11), nullable=True),
    sa.Column('invoice_number', sa.String(length=100), nullable=True),
    sa.Column('number_key', sa.String(length=100), nullable=True),
    sa.Column('issue_date', sa.Date(), nullable=True),
    sa.Column('total', ExactDecimal(scale=2, precision=18), nullable=True),
    sa.Column('currency', sa.String(length=3), nullable=True),
    sa.Column('confidence', sa.String(length=10), nullable=False),
    sa.Column('issue_codes', sa.String(length=1000), nullable=False),
    sa.Column('extraction', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], name=op.f('fk_extracted_documents_contact_id_contacts')),
    sa.ForeignKeyConstraint(['inbox_message_id'], ['inbox_messages.id'], name=op.f('fk_extracted_documents_inbox_message_id_inbox_messages')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_extracted_documents')),
    sa.UniqueConstraint('inbox_message_id', 'content_sha256', name=op.f('uq_extracted_documents_inbox_message_id'))
    )
    with op.batch_alter_table('extracted_documents', schema=None) as batch_op:
        for column in ('inbox_message_id', 'content_sha256', 'contact_id', 'supplier_abn', 'number_key'):
            batch_op.create_index(batch_op.f(f'ix_extracted_documents_{column}'), [column], unique=False)
    # Write-once: a record of what was read is never edited or removed.
    if op.get_bind().dialect.name == 'sqlite':
        for event in ('UPDATE', 'DELETE'):
            op.execute(f"""CREATE TRIGGER extracted_documents_no_{event.lower()} BEFORE {event}
                ON extracted_documents BEGIN SELECT RAISE(ABORT,
                'ledger:append_only:extracted_documents rows are write-once'); END""")
        for event, of in (('INSERT', ''), ('UPDATE', ' OF total')):
            op.execute(f"""CREATE TRIGGER extracted_documents_total_exact_{event.lower()}
                BEFORE {event}{of} ON extracted_documents
                WHEN typeof(NEW.total) NOT IN ('integer', 'null')
                BEGIN SELECT RAISE(ABORT, 'ledger:inexact_amount:extracted_documents.total must be an exact decimal, not a float'); END""")
    else:
        op.execute("""CREATE TRIGGER extracted_documents_write_once BEFORE UPDATE OR DELETE
            ON extracted_documents FOR EACH ROW EXECUTE FUNCTION ledger_append_only()""")


def downgrade() -> None:
    op.drop_table('extracted_documents')
