"""AP agent: runs (admission + work claim), approvals, API keys

Revision ID: 0006
Revises: 0005
"""
from alembic import op
import sqlalchemy as sa

from memory.types import ExactDecimal


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

RUN_STATES = "'admitted','running','awaiting_approval','resuming','posted','rejected','quarantined','failed'"
ROLES = "'clerk','approver','owner','auditor','admin'"


def upgrade() -> None:
    op.create_table('ap_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('inbox_message_id', sa.Integer(), nullable=False),
    sa.Column('thread_id', sa.String(length=100), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('claimed_by', sa.String(length=100), nullable=True),
    sa.Column('lease_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('bill_id', sa.Integer(), nullable=True),
    sa.Column('approval_id', sa.Integer(), nullable=True),
    sa.Column('reasons', sa.Text(), nullable=False),
    sa.Column('last_error', sa.String(length=1000), nullable=True),
    sa.Column('admitted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint(f"state IN ({RUN_STATES})", name=op.f('ck_ap_runs_state')),
    sa.ForeignKeyConstraint(['bill_id'], ['invoices.id'], name=op.f('fk_ap_runs_bill_id_invoices')),
    sa.ForeignKeyConstraint(['inbox_message_id'], ['inbox_messages.id'], name=op.f('fk_ap_runs_inbox_message_id_inbox_messages')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ap_runs')),
    sa.UniqueConstraint('inbox_message_id', name=op.f('uq_ap_runs_inbox_message_id')),
    sa.UniqueConstraint('thread_id', name=op.f('uq_ap_runs_thread_id'))
    )
    with op.batch_alter_table('ap_runs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ap_runs_state'), ['state'], unique=False)
        batch_op.create_index(batch_op.f('ix_ap_runs_lease_until'), ['lease_until'], unique=False)
    op.create_table('approvals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('inbox_message_id', sa.Integer(), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('amount', ExactDecimal(scale=2, precision=18), nullable=False),
    sa.Column('required_role', sa.String(length=10), nullable=False),
    sa.Column('confidence', sa.String(length=10), nullable=False),
    sa.Column('proposal_hash', sa.String(length=64), nullable=False),
    sa.Column('proposal', sa.Text(), nullable=False),
    sa.Column('reasons', sa.Text(), nullable=False),
    sa.Column('evidence', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('escalated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decision', sa.String(length=10), nullable=True),
    sa.Column('decided_by', sa.String(length=100), nullable=True),
    sa.Column('decided_role', sa.String(length=10), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decision_key', sa.String(length=200), nullable=True),
    sa.Column('changes', sa.Text(), nullable=True),
    sa.Column('comment', sa.String(length=2000), nullable=True),
    sa.CheckConstraint("status IN ('pending','approved','rejected')", name=op.f('ck_approvals_status')),
    sa.CheckConstraint(f"required_role IN ({ROLES})", name=op.f('ck_approvals_required_role')),
    sa.CheckConstraint("status = 'pending' OR (decided_by IS NOT NULL AND decided_at IS NOT NULL)", name=op.f('ck_approvals_decided_has_who_and_when')),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], name=op.f('fk_approvals_contact_id_contacts')),
    sa.ForeignKeyConstraint(['inbox_message_id'], ['inbox_messages.id'], name=op.f('fk_approvals_inbox_message_id_inbox_messages')),
    sa.ForeignKeyConstraint(['run_id'], ['ap_runs.id'], name=op.f('fk_approvals_run_id_ap_runs')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_approvals')),
    sa.UniqueConstraint('decision_key', name=op.f('uq_approvals_decision_key'))
    )
    with op.batch_alter_table('approvals', schema=None) as batch_op:
        for column in ('run_id', 'inbox_message_id', 'contact_id', 'status', 'created_at'):
            batch_op.create_index(batch_op.f(f'ix_approvals_{column}'), [column], unique=False)
    op.create_table('api_keys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('role', sa.String(length=10), nullable=False),
    sa.Column('prefix', sa.String(length=16), nullable=False),
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint(f"role IN ({ROLES})", name=op.f('ck_api_keys_role')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_keys')),
    sa.UniqueConstraint('key_hash', name=op.f('uq_api_keys_key_hash'))
    )
    with op.batch_alter_table('api_keys', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_keys_prefix'), ['prefix'], unique=False)
    # A decided approval is final: the database refuses to change its decision or its proposal.
    if op.get_bind().dialect.name == 'sqlite':
        op.execute("""CREATE TRIGGER approvals_decided_is_final BEFORE UPDATE ON approvals
            WHEN OLD.status <> 'pending' AND (NEW.status <> OLD.status OR NEW.decision IS NOT OLD.decision
              OR NEW.proposal_hash <> OLD.proposal_hash OR NEW.decided_by IS NOT OLD.decided_by)
            BEGIN SELECT RAISE(ABORT, 'ledger:approval_final:a decided approval cannot be changed'); END""")
        op.execute("""CREATE TRIGGER approvals_no_delete BEFORE DELETE ON approvals
            BEGIN SELECT RAISE(ABORT, 'ledger:append_only:approvals rows cannot be deleted'); END""")
    else:
        op.execute("""CREATE OR REPLACE FUNCTION approvals_guard() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              IF TG_OP = 'DELETE' THEN
                RAISE EXCEPTION '%', 'ledger:append_only:approvals rows cannot be deleted' USING ERRCODE = '23514';
              END IF;
              IF OLD.status <> 'pending' AND (NEW.status <> OLD.status OR NEW.decision IS DISTINCT FROM OLD.decision
                  OR NEW.proposal_hash <> OLD.proposal_hash OR NEW.decided_by IS DISTINCT FROM OLD.decided_by) THEN
                RAISE EXCEPTION '%', 'ledger:approval_final:a decided approval cannot be changed' USING ERRCODE = '23514';
              END IF;
              RETURN NEW;
            END $$""")
        op.execute("""CREATE TRIGGER approvals_guard BEFORE UPDATE OR DELETE ON approvals
            FOR EACH ROW EXECUTE FUNCTION approvals_guard()""")


def downgrade() -> None:
    op.drop_table('api_keys')
    op.drop_table('approvals')
    op.drop_table('ap_runs')
