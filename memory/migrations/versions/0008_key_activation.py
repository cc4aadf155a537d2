"""API keys: the person a key is issued to (api_keys.holder) and its activation
(api_keys.activated_at/activated_by): deciding keys minted through the API wait for an owner.

Revision ID: 0008
Revises: 0007
"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('api_keys', schema=None) as batch_op:
        batch_op.add_column(sa.Column('holder', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('activated_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('activated_by', sa.String(length=100), nullable=True))
    # Keys issued before this revision were active from their creation, held by their name.
    op.execute("UPDATE api_keys SET holder = name, activated_at = created_at, activated_by = created_by")
    with op.batch_alter_table('api_keys', schema=None) as batch_op:
        batch_op.alter_column('holder', existing_type=sa.String(length=100), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table('api_keys', schema=None) as batch_op:
        batch_op.drop_column('activated_by')
        batch_op.drop_column('activated_at')
        batch_op.drop_column('holder')
