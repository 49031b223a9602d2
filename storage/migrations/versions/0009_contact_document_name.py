"""contact_details.document_name: the name a user wants printed on their documents (the DigComp
PDF), asked once and remembered; empty when they chose no name

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 19:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("contact_details", schema=None) as batch_op:
        batch_op.add_column(sa.Column("document_name", sa.String(length=120), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("contact_details", schema=None) as batch_op:
        batch_op.drop_column("document_name")
