"""timesheets: the shifts behind each pay run, for the award check

Revision ID: 0005
Revises: 0004
"""
import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('timesheet_shifts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('employee_id', sa.Integer(), nullable=False),
    sa.Column('pay_run_id', sa.Integer(), nullable=True),
    sa.Column('work_date', sa.Date(), nullable=False),
    sa.Column('start_time', sa.Time(), nullable=False),
    sa.Column('end_time', sa.Time(), nullable=False),
    sa.Column('ends_next_day', sa.Boolean(), nullable=False),
    sa.Column('unpaid_break_minutes', sa.Integer(), nullable=False),
    sa.Column('break_start', sa.Time(), nullable=True),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('school_student', sa.Boolean(), nullable=False),
    sa.Column('source', sa.String(length=40), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.CheckConstraint('unpaid_break_minutes >= 0', name=op.f('ck_timesheet_shifts_break_not_negative')),
    sa.CheckConstraint("kind IN ('worked','public_holiday_not_worked')", name=op.f('ck_timesheet_shifts_kind')),
    sa.ForeignKeyConstraint(['employee_id'], ['employees.id'], name=op.f('fk_timesheet_shifts_employee_id_employees')),
    sa.ForeignKeyConstraint(['pay_run_id'], ['pay_runs.id'], name=op.f('fk_timesheet_shifts_pay_run_id_pay_runs')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_timesheet_shifts')),
    sa.UniqueConstraint('employee_id', 'work_date', 'start_time', name=op.f('uq_timesheet_shifts_employee_id'))
    )
    with op.batch_alter_table('timesheet_shifts', schema=None) as batch_op:
        for column in ('employee_id', 'pay_run_id', 'work_date'):
            batch_op.create_index(batch_op.f(f'ix_timesheet_shifts_{column}'), [column], unique=False)


def downgrade() -> None:
    op.drop_table('timesheet_shifts')
