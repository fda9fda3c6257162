"""Items: `first_published_at` (OAI reports an unpublished item as deleted); item ids in byte order.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26

`first_published_at` is filled from the audit trail: the first event whose `after` has the status
`published` (a publish, or an ingest that published). A published item without such an event (e.g.
rebuilt from item.json) gets its datestamp, the best lower bound left.

On PostgreSQL the item id columns get `COLLATE "C"`, so `ORDER BY id` and `id > :last` follow byte
order as on SQLite whatever the database's collation is (see `repository.models._id_string`).
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: Union[str, Sequence[str], None] = "0002"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

# (table, column) of every item id column: the key first, then the columns referring to it.
ITEM_ID_COLUMNS = (("item", "id"), ("page", "item_id"), ("catalogue_link", "item_id"))

# Both databases store the JSON `after` as the text SQLAlchemy's json.dumps wrote, hence this form.
_FIRST_PUBLISHED = """
UPDATE item SET first_published_at = (
    SELECT MIN(event.at) FROM event
    WHERE event.target_type = 'item' AND event.target_id = item.id
      AND CAST(event.after AS TEXT) LIKE '%"status": "published"%'
)
"""


def upgrade() -> None:
    op.add_column("item", sa.Column("first_published_at", sa.DateTime(timezone=True), nullable=True))
    op.execute(_FIRST_PUBLISHED)
    op.execute("UPDATE item SET first_published_at = datestamp WHERE first_published_at IS NULL AND status = 'published'")
    _set_id_collation("C")


def downgrade() -> None:
    _set_id_collation(None)
    with op.batch_alter_table("item") as batch:
        batch.drop_column("first_published_at")


def _set_id_collation(collation: str | None) -> None:
    """PostgreSQL only: SQLite compares text byte by byte (BINARY) already."""
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, column in ITEM_ID_COLUMNS:
        op.alter_column(table, column, type_=sa.String(length=64, collation=collation),
                        existing_type=sa.String(length=64), existing_nullable=False)
