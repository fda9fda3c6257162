"""Catalogue record ids in byte order on PostgreSQL, as item ids since 0003.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26

OAI-PMH lists the `catalogue` set with a keyset cursor on the record id (`id > :last ORDER BY id`,
`repository/catalogue_oai.py`), as the reindex does (`repository.catalogue.all_record_ids`). Under the
database's collation (e.g. en-US) that order is not SQLite's, and a cursor taken from one order and
applied in another skips or repeats records. `COLLATE "C"` on the column gives byte order and keeps the
primary key index usable for it (see `repository.models._id_string`); the columns referring to it get the
same collation, so joins and foreign keys compare like with like.
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: Union[str, Sequence[str], None] = "0003"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

# (table, column) of every catalogue record id column: the key first, then the columns referring to it.
RECORD_ID_COLUMNS = (("catalogue_record", "id"), ("catalogue_isbn", "record_id"), ("catalogue_link", "record_id"))


def upgrade() -> None:
    _set_id_collation("C")


def downgrade() -> None:
    _set_id_collation(None)


def _set_id_collation(collation: str | None) -> None:
    """PostgreSQL only: SQLite compares text byte by byte (BINARY) already."""
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, column in RECORD_ID_COLUMNS:
        op.alter_column(table, column, type_=sa.String(length=64, collation=collation),
                        existing_type=sa.String(length=64), existing_nullable=False)
