"""inbox: received messages and IMAP progress

Every message is recorded here (keyed by Message-ID + body hash, and IMAP UIDVALIDITY + UID) in the
same transaction as its audit entry, after its bytes are in the blob store.

Revision ID: 0003
Revises: 0002
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('inbox_imap_state',
    sa.Column('account', sa.String(length=300), nullable=False),
    sa.Column('folder', sa.String(length=200), nullable=False),
    sa.Column('uidvalidity', sa.BigInteger(), nullable=False),
    sa.Column('last_uid', sa.BigInteger(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('account', 'folder', name=op.f('pk_inbox_imap_state'))
    )
    op.create_table('inbox_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.String(length=255), nullable=False),
    sa.Column('body_hash', sa.String(length=64), nullable=False),
    sa.Column('raw_sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('subject', sa.String(length=500), nullable=False),
    sa.Column('sender', sa.String(length=320), nullable=True),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('outcome', sa.String(length=200), nullable=True),
    sa.Column('quarantine_reason', sa.String(length=500), nullable=True),
    sa.Column('imap_account', sa.String(length=400), nullable=True),
    sa.Column('uidvalidity', sa.BigInteger(), nullable=True),
    sa.Column('uid', sa.BigInteger(), nullable=True),
    sa.CheckConstraint("channel IN ('smtp','maildir','imap','api','import')", name=op.f('ck_inbox_messages_channel')),
    sa.CheckConstraint("status <> 'quarantined' OR quarantine_reason IS NOT NULL", name=op.f('ck_inbox_messages_quarantine_has_reason')),
    sa.CheckConstraint("status IN ('received','processing','processed','quarantined')", name=op.f('ck_inbox_messages_status')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inbox_messages')),
    sa.UniqueConstraint('imap_account', 'uidvalidity', 'uid', name=op.f('uq_inbox_messages_imap_account')),
    sa.UniqueConstraint('message_id', 'body_hash', name=op.f('uq_inbox_messages_message_id'))
    )
    with op.batch_alter_table('inbox_messages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inbox_messages_raw_sha256'), ['raw_sha256'], unique=False)
        batch_op.create_index(batch_op.f('ix_inbox_messages_received_at'), ['received_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_inbox_messages_status'), ['status'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('inbox_messages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_inbox_messages_status'))
        batch_op.drop_index(batch_op.f('ix_inbox_messages_received_at'))
        batch_op.drop_index(batch_op.f('ix_inbox_messages_raw_sha256'))
    op.drop_table('inbox_messages')
    op.drop_table('inbox_imap_state')
