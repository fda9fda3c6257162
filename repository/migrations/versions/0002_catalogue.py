"""General catalogue: MARC records, their ISBN index and their links to digitised items (issue 8).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: Union[str, Sequence[str], None] = "0001"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def _ts(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "catalogue_record",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("control_number", sa.String(length=100), nullable=True),
        sa.Column("format", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("dc", sa.JSON(), nullable=False),
        sa.Column("isbns", sa.JSON(), nullable=False),
        sa.Column("raw", sa.LargeBinary(), nullable=False),
        sa.Column("raw_syntax", sa.String(length=10), nullable=False),
        sa.Column("raw_encoding", sa.String(length=20), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        _ts("created"),
        _ts("updated"),
        _ts("datestamp"),
        _ts("withdrawn_at", nullable=True),
        sa.CheckConstraint("format IN ('marc21', 'unimarc')", name=op.f("ck_catalogue_record_format")),
        sa.CheckConstraint("status IN ('active', 'withdrawn')", name=op.f("ck_catalogue_record_status")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalogue_record")),
        sa.UniqueConstraint("control_number", name=op.f("uq_catalogue_record_control_number")),
    )
    # OAI-PMH date windows and keyset cursors.
    op.create_index("ix_catalogue_record_datestamp_id", "catalogue_record", ["datestamp", "id"], unique=False)

    op.create_table(
        "catalogue_isbn",
        sa.Column("record_id", sa.String(length=64), nullable=False),
        sa.Column("isbn", sa.String(length=13), nullable=False),
        sa.ForeignKeyConstraint(["record_id"], ["catalogue_record.id"],
                                name=op.f("fk_catalogue_isbn_record_id_catalogue_record"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("record_id", "isbn", name=op.f("pk_catalogue_isbn")),
    )
    op.create_index(op.f("ix_catalogue_isbn_isbn"), "catalogue_isbn", ["isbn"], unique=False)

    op.create_table(
        "catalogue_link",
        sa.Column("record_id", sa.String(length=64), nullable=False),
        sa.Column("item_id", sa.String(length=64), nullable=False),
        sa.Column("how", sa.String(length=10), nullable=False),
        _ts("created"),
        sa.CheckConstraint("how IN ('auto', 'manual')", name=op.f("ck_catalogue_link_how")),
        sa.ForeignKeyConstraint(["record_id"], ["catalogue_record.id"],
                                name=op.f("fk_catalogue_link_record_id_catalogue_record"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["item_id"], ["item.id"], name=op.f("fk_catalogue_link_item_id_item"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("record_id", "item_id", name=op.f("pk_catalogue_link")),
    )
    op.create_index(op.f("ix_catalogue_link_item_id"), "catalogue_link", ["item_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_catalogue_link_item_id"), table_name="catalogue_link")
    op.drop_table("catalogue_link")
    op.drop_index(op.f("ix_catalogue_isbn_isbn"), table_name="catalogue_isbn")
    op.drop_table("catalogue_isbn")
    op.drop_index("ix_catalogue_record_datestamp_id", table_name="catalogue_record")
    op.drop_table("catalogue_record")
