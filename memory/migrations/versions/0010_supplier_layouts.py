"""supplier layouts: versioned lessons from approvers' corrections, per supplier (write-once)

Revision ID: 0010
Revises: 0009
"""
from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('supplier_layouts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('supplier_abn', sa.String(length=11), nullable=False),
    sa.Column('version', sa.Integer(), nullable=True),
    sa.Column('outcome', sa.String(length=10), nullable=False),
    sa.Column('layout', sa.Text(), nullable=True),
    sa.Column('approval_id', sa.Integer(), nullable=True),
    sa.Column('taught_by', sa.String(length=100), nullable=False),
    sa.Column('lesson', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("outcome IN ('learned','refused','unchanged')", name=op.f('ck_supplier_layouts_outcome')),
    sa.CheckConstraint("(outcome = 'learned') = (version IS NOT NULL AND layout IS NOT NULL)",
                       name=op.f('ck_supplier_layouts_learned_has_version')),
    sa.ForeignKeyConstraint(['approval_id'], ['approvals.id'], name=op.f('fk_supplier_layouts_approval_id_approvals')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_supplier_layouts')),
    sa.UniqueConstraint('approval_id', name=op.f('uq_supplier_layouts_approval_id')),
    sa.UniqueConstraint('supplier_abn', 'version', name=op.f('uq_supplier_layouts_supplier_abn'))
    )
    with op.batch_alter_table('supplier_layouts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_supplier_layouts_supplier_abn'), ['supplier_abn'], unique=False)
    # Write-once: every version is kept; a new lesson is a new row.
    if op.get_bind().dialect.name == 'sqlite':
        for event in ('UPDATE', 'DELETE'):
            op.execute(f"""CREATE TRIGGER supplier_layouts_no_{event.lower()} BEFORE {event}
                ON supplier_layouts BEGIN SELECT RAISE(ABORT,
                'ledger:append_only:supplier_layouts rows are write-once'); END""")
    else:
        op.execute("""CREATE TRIGGER supplier_layouts_write_once BEFORE UPDATE OR DELETE
            ON supplier_layouts FOR EACH ROW EXECUTE FUNCTION ledger_append_only()""")


def downgrade() -> None:
    op.drop_table('supplier_layouts')
