"""The general catalogue: importing MARC records, and linking them to their digitised copies.

Import (`import_files`) streams records from `repository.marc_import` and writes them in batches, one
transaction per batch. Per record, matched by control number (001):
- new -> created; same content hash -> unchanged (nothing written, the datestamp stays);
- different content -> updated (datestamp moves); leader/05 'd' -> withdrawn (a tombstone for OAI).
Every write adds a SearchOutbox row (kind "catalogue") in the same transaction.

Links: an item whose `catalogue_ref` (from its sheet) names a record's control number or one of its
ISBNs is linked to it automatically — when the record is imported and when the item is registered.
Staff link by hand with `link_item` (audited). Automatic links follow the data: they are recomputed
when either side changes; manual links stay until staff remove them.
"""
from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from metadata.marc import control_number, is_deleted, isbns, normalise_isbn, to_dc
from repository import events, outbox
from repository.errors import BadRequest, NotFound
from repository.marc_import import Failure, ImportReport, Notice, ReadRecord, read_file
from repository.models import CatalogueIsbn, CatalogueLink, CatalogueRecord, Item, utcnow
from repository.services import Services

KIND = "catalogue"  # SearchOutbox.kind and OAI record kind
DEFAULT_BATCH = 500
_ID_SAFE = re.compile(r"[A-Za-z0-9_-]+")
_RECORD_ID = re.compile(r"cat-[A-Za-z0-9_-]{1,60}")


# --- identifiers ------------------------------------------------------------------------------


def record_id_for(control: str | None, content_hash: str) -> str:
    """`cat-<control number>` when it is URL-safe and short; else a slug plus a hash of it; without a
    control number, `cat-h<hash of the content>`."""
    if control is None:
        return f"cat-h{content_hash[:20]}"
    if _ID_SAFE.fullmatch(control) and len(control) <= 60:
        return f"cat-{control}"
    slug = "-".join(_ID_SAFE.findall(control))[:40].strip("-_") or "x"
    return f"cat-{slug}-{hashlib.sha256(control.encode()).hexdigest()[:12]}"


def check_record_id(value: str) -> str:
    if _RECORD_ID.fullmatch(value) is None:
        raise BadRequest(f"not a catalogue record identifier: {value!r}")
    return value


def content_hash(read: ReadRecord) -> str:
    digest = hashlib.sha256(read.raw)
    digest.update(f"\0{read.fmt}\0{read.encoding}".encode())
    return digest.hexdigest()


def ref_key(ref: str) -> str:
    """How a sheet's catalogue reference is compared: an ISBN as ISBN-13, anything else as written."""
    return normalise_isbn(ref) or ref.strip()


# --- import -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Pending:
    """A read record with what tells whether it changed: id, control number, content hash, deletion."""

    read: ReadRecord
    file: str
    record_id: str
    control: str | None
    hash: str
    deleted: bool


@dataclass(frozen=True)
class Prepared:
    """A changed record ready to store: its Dublin Core and ISBNs (the crosswalk runs only for these)."""

    pending: Pending
    dc: dict[str, Any]
    isbns: tuple[str, ...]


def pending(file: str, read: ReadRecord) -> Pending:
    digest = content_hash(read)
    control = control_number(read.record)
    return Pending(read, file, record_id_for(control, digest), control, digest, is_deleted(read.record))


def prepare(p: Pending) -> Prepared:
    record = to_dc(p.read.record, p.read.fmt)
    return Prepared(p, record.to_json(), tuple(isbns(record)))


def import_files(
    services: Services, actor: str, paths: Iterable[Path], fmt: str = "auto", encoding: str = "auto",
    batch_size: int = DEFAULT_BATCH, progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Import every record of the files; a broken record is reported and the rest go in."""
    report = ImportReport()
    refs = item_refs(services)
    batch: list[Pending] = []
    for path in paths:
        for outcome in read_file(path, fmt, encoding):
            if progress is not None:
                progress(1)
            prepared = _prepare_or_fail(path.name, outcome, report)
            if prepared is None:
                continue
            batch.append(prepared)
            if len(batch) >= batch_size:
                write_batch(services, actor, batch, report, refs)
                batch = []
    if batch:
        write_batch(services, actor, batch, report, refs)
    return report


def _prepare_or_fail(file: str, outcome: ReadRecord | Failure, report: ImportReport) -> Pending | None:
    if isinstance(outcome, Failure):
        report.failures.append(outcome)
        return None
    report.warnings.extend(Notice(file, outcome.number, w) for w in outcome.warnings)
    found = pending(file, outcome)
    if found.control is None:
        report.warnings.append(Notice(file, outcome.number, "no control number (001): stored under an id made "
                                      "from its content, so a changed version will be a new record"))
    elif len(found.control) > 100:
        report.failures.append(Failure(file, outcome.number, "control number (001) longer than 100 characters",
                                       found.control[:100]))
        return None
    return found


def write_batch(
    services: Services, actor: str, batch: list[Pending], report: ImportReport, refs: dict[str, list[str]],
) -> None:
    """One transaction for the batch: each record created, updated, withdrawn or left alone.

    Hashes are compared first, so an unchanged record costs one hash and no crosswalk. The changes are
    collected in memory and written with a few statements per batch (records, ISBN index, outbox rows,
    links): on a first import, an ORM object per row cost as much as the crosswalk itself."""
    with services.db.transaction() as session:
        writes = BatchWrites(stored_state(session, batch))
        for p in batch:
            outcome = writes.add(p)
            setattr(report, outcome, getattr(report, outcome) + 1)
        writes.store(session)
        report.linked += relink_records(session, writes.rows(), refs)


def stored_state(session: Session, batch: list[Pending]) -> dict[str, dict[str, Any]]:
    """What deciding each record's outcome needs of the stored records: the hash of every record of the
    batch, and status, ISBNs and withdrawal time of those whose hash differs — one query each, and the
    second one not at all when nothing changed (a re-import of the same file)."""
    hashes = dict(session.execute(select(CatalogueRecord.id, CatalogueRecord.content_hash)
                                  .where(CatalogueRecord.id.in_({p.record_id for p in batch}))).all())
    changed = {p.record_id for p in batch if p.record_id in hashes and hashes[p.record_id] != p.hash}
    details = {row.id: row._asdict() for row in session.execute(
        select(CatalogueRecord.id, CatalogueRecord.status, CatalogueRecord.isbns, CatalogueRecord.withdrawn_at)
        .where(CatalogueRecord.id.in_(changed)))} if changed else {}
    return {record_id: {"content_hash": digest, **details.get(record_id, {})} for record_id, digest in hashes.items()}


class BatchWrites:
    """The rows one batch writes, decided record by record and sent in bulk by `store`.

    A record id may come twice in a batch (the same 001 twice in a file): the later version is compared
    with the earlier one, exactly as if they had been written one after the other, and only the last
    state goes to the database. Each write still gets its own outbox row, in file order."""

    def __init__(self, stored: dict[str, dict[str, Any]]) -> None:
        self.stored = stored  # as the database has them before the batch
        self.inserts: dict[str, dict[str, Any]] = {}  # records new to the database
        self.updates: dict[str, dict[str, Any]] = {}  # records the database has, in their new state
        self.outbox: list[tuple[str, str]] = []  # (record id, op) per write

    def current(self, record_id: str) -> dict[str, Any] | None:
        return self.inserts.get(record_id) or self.updates.get(record_id) or self.stored.get(record_id)

    def add(self, p: Pending) -> str:
        """The record's outcome: 'unchanged', 'created', 'updated' or 'deleted'."""
        before = self.current(p.record_id)
        if before is not None and before["content_hash"] == p.hash:
            return "unchanged"
        now = utcnow()
        row = record_row(prepare(p), before, now)
        if p.record_id in self.stored:
            self.updates[p.record_id] = row
        else:
            row["created"] = self.inserts[p.record_id]["created"] if p.record_id in self.inserts else now
            self.inserts[p.record_id] = row
        self.outbox.append((p.record_id, "delete" if p.deleted else "upsert"))
        if before is None:
            return "deleted" if p.deleted else "created"
        return "deleted" if p.deleted and before["status"] != "withdrawn" else "updated"

    def rows(self) -> list[tuple[dict[str, Any], bool]]:
        """(row, new to the database) of every record written."""
        return [(row, True) for row in self.inserts.values()] + [(row, False) for row in self.updates.values()]

    def store(self, session: Session) -> None:
        if self.inserts:
            session.execute(insert(CatalogueRecord), list(self.inserts.values()))
        if self.updates:
            session.execute(update(CatalogueRecord), list(self.updates.values()))
        self._store_isbns(session)
        outbox.enqueue_many(session, self.outbox, kind=KIND)

    def _store_isbns(self, session: Session) -> None:
        """The ISBN index of new records, and of stored ones whose ISBNs changed (only those are rewritten)."""
        changed = [rid for rid, row in self.updates.items() if row["isbns"] != self.stored[rid]["isbns"]]
        if changed:
            session.execute(delete(CatalogueIsbn).where(CatalogueIsbn.record_id.in_(changed)))
        rows = [{"record_id": row["id"], "isbn": isbn}
                for row in [*self.inserts.values(), *(self.updates[rid] for rid in changed)]
                for isbn in row["isbns"]]
        if rows:
            session.execute(insert(CatalogueIsbn), rows)


def record_row(prepared: Prepared, before: dict[str, Any] | None, now: datetime) -> dict[str, Any]:
    """The catalogue_record columns of a record written now (`before`: its state until now, if any).
    `created` is left to the caller: only a new record gets one."""
    p = prepared.pending
    return {
        "id": p.record_id, "control_number": p.control, "format": p.read.fmt,
        "status": "withdrawn" if p.deleted else "active", "dc": prepared.dc, "isbns": list(prepared.isbns),
        "raw": p.read.raw, "raw_syntax": p.read.syntax, "raw_encoding": p.read.encoding,
        "content_hash": p.hash, "updated": now, "datestamp": now,
        # A record withdrawn again keeps the time it first went.
        "withdrawn_at": ((before or {}).get("withdrawn_at") or now) if p.deleted else None,
    }


# --- links ------------------------------------------------------------------------------------


def item_refs(services: Services) -> dict[str, list[str]]:
    """Every item's catalogue reference (as `ref_key`) -> item ids; read once per import."""
    refs: dict[str, list[str]] = defaultdict(list)
    with services.db.read() as session:
        for item_id, ref in session.execute(select(Item.id, Item.catalogue_ref).where(Item.catalogue_ref.is_not(None))):
            if ref and ref.strip():
                refs[ref_key(ref)].append(item_id)
    return dict(refs)


def record_keys(control: str | None, isbns_: Iterable[str]) -> list[str]:
    return [k for k in (control, *isbns_) if k]


def relink_records(session: Session, written: list[tuple[dict[str, Any], bool]], refs: dict[str, list[str]]) -> int:
    """Make each written record's automatic links those its keys find in `refs`; returns how many were
    added. `written`: (record row, new to the database) — a new record has no links yet, so only the
    others' links are read, in one query."""
    wanted = {row["id"]: {item_id for key in record_keys(row["control_number"], row["isbns"])
                          for item_id in refs.get(key, ())}
              for row, _ in written}
    current = current_links(session, [row["id"] for row, new in written if not new])
    now = utcnow()
    added: list[dict[str, Any]] = []
    for record_id, items in wanted.items():
        links = current.get(record_id, {})
        for item_id, link in links.items():
            if link.how == "auto" and item_id not in items:
                session.delete(link)
        added += [{"record_id": record_id, "item_id": item_id, "how": "auto", "created": now}
                  for item_id in sorted(items - links.keys())]
    if added:
        session.execute(insert(CatalogueLink), added)
    return len(added)


def current_links(session: Session, record_ids: list[str]) -> dict[str, dict[str, CatalogueLink]]:
    """record id -> item id -> link, for the given records."""
    found: dict[str, dict[str, CatalogueLink]] = defaultdict(dict)
    if record_ids:
        for link in session.scalars(select(CatalogueLink).where(CatalogueLink.record_id.in_(record_ids))):
            found[link.record_id][link.item_id] = link
    return found


def find_record_for_ref(session: Session, ref: str | None) -> CatalogueRecord | None:
    """The catalogue record an item's sheet reference names (control number, else ISBN), if any."""
    if not ref or not ref.strip():
        return None
    found = session.scalar(select(CatalogueRecord).where(CatalogueRecord.control_number == ref.strip()))
    if found is not None:
        return found
    isbn = normalise_isbn(ref)
    if isbn is None:
        return None
    return session.scalar(
        select(CatalogueRecord).join(CatalogueIsbn, CatalogueIsbn.record_id == CatalogueRecord.id)
        .where(CatalogueIsbn.isbn == isbn).order_by(CatalogueRecord.id).limit(1)
    )


def relink_item(session: Session, item: Item) -> str | None:
    """Inside the item's own transaction (registration, creation): its automatic link follows its
    `catalogue_ref`. Returns the linked record id, if any."""
    record = find_record_for_ref(session, item.catalogue_ref)
    for link in session.scalars(select(CatalogueLink).where(CatalogueLink.item_id == item.id, CatalogueLink.how == "auto")):
        if record is None or link.record_id != record.id:
            session.delete(link)
    if record is None:
        return None
    if session.get(CatalogueLink, (record.id, item.id)) is None:
        session.flush()
        session.add(CatalogueLink(record_id=record.id, item_id=item.id, how="auto", created=utcnow()))
        outbox.enqueue(session, record.id, "upsert", kind=KIND)
    return record.id


def get_record(session: Session, record_id: str) -> CatalogueRecord:
    record = session.get(CatalogueRecord, check_record_id(record_id))
    if record is None:
        raise NotFound(f"no catalogue record {record_id!r}")
    return record


def link_item(services: Services, actor: str, item_id: str, record_id: str) -> CatalogueLink:
    """Staff: mark the item as a digitised copy of the record (an audited, manual link)."""
    with services.db.transaction() as session:
        record = get_record(session, record_id)
        if session.get(Item, item_id) is None:
            raise NotFound(f"no item {item_id!r}")
        link = session.get(CatalogueLink, (record.id, item_id))
        before = None if link is None else {"how": link.how}
        if link is None:
            link = CatalogueLink(record_id=record.id, item_id=item_id, how="manual", created=utcnow())
            session.add(link)
        link.how = "manual"
        events.record(session, actor, "link-catalogue", "catalogue", record.id, before,
                      {"item": item_id, "how": "manual"})
        outbox.enqueue(session, record.id, "upsert", kind=KIND)
    return link


def unlink_item(services: Services, actor: str, item_id: str, record_id: str) -> None:
    """Staff: remove the link between the item and the record (manual or automatic)."""
    with services.db.transaction() as session:
        record = get_record(session, record_id)
        link = session.get(CatalogueLink, (record.id, item_id))
        if link is None:
            raise NotFound(f"item {item_id!r} is not linked to {record_id!r}")
        events.record(session, actor, "unlink-catalogue", "catalogue", record.id,
                      {"item": item_id, "how": link.how}, None)
        session.delete(link)
        outbox.enqueue(session, record.id, "upsert", kind=KIND)


def linked_items(session: Session, record_id: str) -> list[Item]:
    return list(session.scalars(
        select(Item).join(CatalogueLink, CatalogueLink.item_id == Item.id)
        .where(CatalogueLink.record_id == record_id).order_by(Item.id)))


def records_of_item(session: Session, item_id: str) -> list[CatalogueRecord]:
    return list(session.scalars(
        select(CatalogueRecord).join(CatalogueLink, CatalogueLink.record_id == CatalogueRecord.id)
        .where(CatalogueLink.item_id == item_id).order_by(CatalogueRecord.id)))


# --- listing (OAI, reindex) ---------------------------------------------------------------------


@dataclass(frozen=True)
class RecordHeader:
    id: str
    datestamp: datetime
    deleted: bool
    dc: dict[str, Any] | None


def list_records(
    session: Session, after: str | None = None, limit: int = 100, start: datetime | None = None,
    end: datetime | None = None, with_dc: bool = True,
) -> list[RecordHeader]:
    """Records in keyset order by id (after `after`), optionally within [start, end) by datestamp."""
    columns: list[Any] = [CatalogueRecord.id, CatalogueRecord.datestamp, CatalogueRecord.status]
    if with_dc:
        columns.append(CatalogueRecord.dc)
    query = select(*columns).order_by(CatalogueRecord.id).limit(limit)
    if after is not None:
        query = query.where(CatalogueRecord.id > after)
    if start is not None:
        query = query.where(CatalogueRecord.datestamp >= start)
    if end is not None:
        query = query.where(CatalogueRecord.datestamp < end)
    return [RecordHeader(row.id, row.datestamp, row.status == "withdrawn",
                         row.dc if with_dc and row.status != "withdrawn" else None)
            for row in session.execute(query)]


def all_record_ids(session: Session, batch: int = 1000) -> Iterator[str]:
    """Every active record id, in keyset batches (for a full reindex)."""
    after = ""
    while True:
        ids = list(session.scalars(select(CatalogueRecord.id).where(
            CatalogueRecord.id > after, CatalogueRecord.status == "active").order_by(CatalogueRecord.id).limit(batch)))
        if not ids:
            return
        yield from ids
        after = ids[-1]
