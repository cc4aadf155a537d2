"""Assistant: proposals a person must approve (ap_runs.requested_by/request_note), API keys linked
to an employee (api_keys.employee_code)

Revision ID: 0007
Revises: 0006
"""
from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('ap_runs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('requested_by', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('request_note', sa.String(length=1000), nullable=True))
    with op.batch_alter_table('api_keys', schema=None) as batch_op:
        batch_op.add_column(sa.Column('employee_code', sa.String(length=20), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('api_keys', schema=None) as batch_op:
        batch_op.drop_column('employee_code')
    with op.batch_alter_table('ap_runs', schema=None) as batch_op:
        batch_op.drop_column('request_note')
        batch_op.drop_column('requested_by')
