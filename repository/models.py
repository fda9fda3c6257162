"""The database tables, as SQLAlchemy 2 typed models.

Types are chosen to behave the same on SQLite and PostgreSQL: JSON columns, and timestamps that are
always timezone-aware UTC in Python (SQLite keeps no zone, so `UTCDateTime` restores it on read).
The schema itself is created by the Alembic migrations in `repository/migrations/`; a test checks that
the migrations and these models agree.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

STATUSES = ("draft", "published", "withdrawn")
ACCESS_LEVELS = ("public", "reading-room", "staff")
ROLES = ("admin", "staff")
OUTBOX_OPS = ("upsert", "delete")

# Explicit constraint names keep migrations portable (SQLite batch mode needs names to alter them).
NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and always returned timezone-aware."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use timezone-aware UTC datetimes")
        value = value.astimezone(timezone.utc)
        # SQLite compares timestamps as text: store them without an offset so ordering is by time.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


def _id_string(length: int) -> String:
    """A text id that compares and sorts byte by byte on every database, as SQLite's BINARY does.

    Keyset cursors (`id > :last ORDER BY id`: OAI-PMH lists, reindex, API pages) must give one order on
    SQLite and PostgreSQL, and on PostgreSQL the default order follows the database's collation (with
    en-US, `a0` sorts before `A1`). `COLLATE "C"` on the column keeps the primary key index usable for
    that order; a `COLLATE` in the query could not use it.
    """
    return String(length).with_variant(String(length, collation="C"), "postgresql")


def _choice(column: str, values: tuple[str, ...], name: str) -> CheckConstraint:
    quoted = ", ".join(f"'{v}'" for v in values)
    return CheckConstraint(f"{column} IN ({quoted})", name=name)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Collection(Base):
    """A collection of items; hierarchical through `parent_id`; each one is an OAI set."""

    __tablename__ = "collection"

    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    parent_id: Mapped[str | None] = mapped_column(ForeignKey("collection.id"), index=True)
    # IIIF-style language maps: {"kk-Cyrl": ["…"], "ru": ["…"]}; "none" for untagged text.
    title: Mapped[dict[str, list[str]]] = mapped_column(JSON)
    description: Mapped[dict[str, list[str]] | None] = mapped_column(JSON)
    ocr_languages: Mapped[str | None] = mapped_column(String(100))
    sort: Mapped[int] = mapped_column(Integer, default=0)
    created: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    datestamp: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    parent: Mapped[Collection | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Collection]] = relationship(back_populates="parent", order_by="Collection.sort")


class Item(Base):
    """A digitised object: its Dublin Core record, status, access level and pages."""

    __tablename__ = "item"
    __table_args__ = (
        _choice("status", STATUSES, "status"),
        _choice("access", ACCESS_LEVELS, "access"),
        # OAI-PMH lists by datestamp with a keyset cursor on (datestamp, id).
        Index("ix_item_datestamp_id", "datestamp", "id"),
    )

    id: Mapped[str] = mapped_column(_id_string(64), primary_key=True)
    status: Mapped[str] = mapped_column(String(16), default="draft", index=True)
    access: Mapped[str] = mapped_column(String(16), default="public")
    dc: Mapped[dict[str, Any]] = mapped_column(JSON)  # metadata.dc.DCRecord.to_json()
    collection_id: Mapped[str | None] = mapped_column(ForeignKey("collection.id"), index=True)
    source_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    ocr_languages: Mapped[str | None] = mapped_column(String(100))
    catalogue_ref: Mapped[str | None] = mapped_column(String(100), index=True)
    pdf_key: Mapped[str | None] = mapped_column(String(300))
    text_key: Mapped[str | None] = mapped_column(String(300))
    created: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Moves whenever what OAI exposes changes: metadata, set membership, status, access.
    datestamp: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the item was first published; never cleared. OAI must report an item once published as
    # deleted when it goes back to draft: a harvester that took it keeps it until told otherwise.
    first_published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    collection: Mapped[Collection | None] = relationship()
    pages: Mapped[list[Page]] = relationship(
        back_populates="item", order_by="Page.seq", cascade="all, delete-orphan"
    )


class Page(Base):
    __tablename__ = "page"
    __table_args__ = (UniqueConstraint("item_id", "seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    item_id: Mapped[str] = mapped_column(ForeignKey("item.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)  # 1-based order in the item
    label: Mapped[str] = mapped_column(String(200), default="")
    source_name: Mapped[str] = mapped_column(String(500), default="")
    master_key: Mapped[str] = mapped_column(String(300))
    master_sha256: Mapped[str] = mapped_column(String(64))
    master_mime: Mapped[str] = mapped_column(String(100))
    master_size: Mapped[int] = mapped_column(Integer)
    access_key: Mapped[str] = mapped_column(String(300))
    thumb_key: Mapped[str] = mapped_column(String(300))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    alto_key: Mapped[str | None] = mapped_column(String(300))
    text_key: Mapped[str | None] = mapped_column(String(300))
    pdf_key: Mapped[str | None] = mapped_column(String(300))
    ocr_confidence: Mapped[float | None] = mapped_column(Float)
    ocr_flagged: Mapped[bool] = mapped_column(Boolean, default=False)
    ocr_model: Mapped[str | None] = mapped_column(String(100))
    ocr_evidence: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    item: Mapped[Item] = relationship(back_populates="pages")


class Event(Base):
    """Audit trail: who did what to which object, with the values before and after."""

    __tablename__ = "event"
    __table_args__ = (Index("ix_event_target", "target_type", "target_id", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(50))
    target_type: Mapped[str] = mapped_column(String(30))
    target_id: Mapped[str] = mapped_column(String(100))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class User(Base):
    __tablename__ = "user_account"  # "user" is reserved in PostgreSQL
    __table_args__ = (_choice("role", ROLES, "role"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    password_hash: Mapped[str] = mapped_column(String(300))  # argon2id
    role: Mapped[str] = mapped_column(String(16))
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SearchOutbox(Base):
    """Search index work written in the same transaction as the change it follows.

    The search layer consumes rows in id order and deletes them once indexed; `op` is a hint —
    the consumer re-reads the current state of the target.
    """

    __tablename__ = "search_outbox"
    __table_args__ = (_choice("op", OUTBOX_OPS, "op"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(20), default="item")  # "item"; "catalogue" in issue 8
    target_id: Mapped[str] = mapped_column(String(100))
    op: Mapped[str] = mapped_column(String(10))
    created: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


CATALOGUE_FORMATS = ("marc21", "unimarc")
CATALOGUE_STATUSES = ("active", "withdrawn")
LINK_KINDS = ("auto", "manual")


class CatalogueRecord(Base):
    """A record of the library's general catalogue, imported from MARC (issue 8).

    `dc` is the crosswalked Dublin Core; `raw` the record exactly as it came (ISO 2709 bytes in
    `raw_encoding`, or the MARCXML element), for round trips and OAI formats to come. `content_hash`
    (sha256 of `raw`, format and encoding read with) tells an unchanged record on re-import, so its
    datestamp stays.
    A record deleted in the catalogue stays as a tombstone (status withdrawn) for OAI-PMH.
    """

    __tablename__ = "catalogue_record"
    __table_args__ = (
        _choice("format", CATALOGUE_FORMATS, "format"),
        _choice("status", CATALOGUE_STATUSES, "status"),
        Index("ix_catalogue_record_datestamp_id", "datestamp", "id"),
    )

    # Byte order on every database: OAI-PMH pages the `catalogue` set by this id (migration 0004).
    id: Mapped[str] = mapped_column(_id_string(64), primary_key=True)
    # 001; None for a record without one (stored under an id derived from its content).
    control_number: Mapped[str | None] = mapped_column(String(100), unique=True)
    format: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(16), default="active")
    dc: Mapped[dict[str, Any]] = mapped_column(JSON)
    isbns: Mapped[list[str]] = mapped_column(JSON, default=list)  # ISBN-13s, for linking and display
    raw: Mapped[bytes] = mapped_column(LargeBinary)
    raw_syntax: Mapped[str] = mapped_column(String(10))  # iso2709 | marcxml
    raw_encoding: Mapped[str] = mapped_column(String(20))
    content_hash: Mapped[str] = mapped_column(String(64))
    created: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    datestamp: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    isbn_rows: Mapped[list[CatalogueIsbn]] = relationship(cascade="all, delete-orphan")


class CatalogueIsbn(Base):
    """ISBN-13 -> catalogue record: the index an item's sheet ISBN is looked up in."""

    __tablename__ = "catalogue_isbn"

    record_id: Mapped[str] = mapped_column(ForeignKey("catalogue_record.id", ondelete="CASCADE"), primary_key=True)
    isbn: Mapped[str] = mapped_column(String(13), primary_key=True, index=True)


class CatalogueLink(Base):
    """A digitised item is a copy of a catalogue record: found by its sheet (`auto`) or set by staff (`manual`)."""

    __tablename__ = "catalogue_link"
    __table_args__ = (_choice("how", LINK_KINDS, "how"),)

    record_id: Mapped[str] = mapped_column(ForeignKey("catalogue_record.id", ondelete="CASCADE"), primary_key=True)
    item_id: Mapped[str] = mapped_column(ForeignKey("item.id", ondelete="CASCADE"), primary_key=True, index=True)
    how: Mapped[str] = mapped_column(String(10))
    created: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
