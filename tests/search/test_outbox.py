"""Index writes follow database writes through the outbox, also across a crash (both backends)."""
from __future__ import annotations

import pytest

from repository import items
from repository.search.base import SearchRequest, Visibility
from repository.search.documents import build_doc
from repository.search.errors import BackendUnavailable
from repository.search.outbox import Drainer, drain, install_commit_hook, pending
from tests.search.db import ingest, make_services


@pytest.fixture
def services(tmp_path):
    services = make_services(tmp_path)
    yield services
    services.close()


def found(backend, q: str, visibility: Visibility | None = None) -> list[str]:
    request = SearchRequest.from_text(q, visibility=visibility or Visibility.anonymous())
    return [h.id for h in backend.search(request).hits]


def test_rows_left_by_a_crash_are_indexed_by_the_next_drain(services, empty_backend):
    # Committed with no drain after it: what a crash between commit and indexing leaves behind.
    ingest(services, "kzcrash1", "Өскемен хабары", ["Бірінші бет", "Ертіс өзені"])
    sessions = services.db.sessions
    assert pending(sessions) > 0
    assert found(empty_backend, "Oskemen") == []
    assert drain(sessions, empty_backend, build_doc(services.store)) > 0
    assert pending(sessions) == 0
    assert found(empty_backend, "Oskemen") == ["kzcrash1"]
    hit = empty_backend.search(SearchRequest.from_text("Ертіс")).hits[0]
    assert hit.pages == (2,)


class Refusing:
    """A backend that fails the way an unreachable engine does."""

    def index_items(self, docs):
        list(docs)
        raise BackendUnavailable("elasticsearch at http://127.0.0.1:1: connection refused")

    def delete_items(self, ids):
        raise BackendUnavailable("refused")


def test_a_failed_drain_keeps_the_rows(services, empty_backend):
    ingest(services, "kzfail01", "Өскемен", ["мәтін"])
    before = pending(services.db.sessions)
    with pytest.raises(BackendUnavailable):
        drain(services.db.sessions, Refusing(), build_doc(services.store))
    assert pending(services.db.sessions) == before
    drain(services.db.sessions, empty_backend, build_doc(services.store))
    assert found(empty_backend, "Өскемен") == ["kzfail01"]


def test_drafts_withdrawals_and_restrictions_follow_the_database(services, empty_backend):
    build = build_doc(services.store)
    ingest(services, "kzdraft1", "Өскемен жобасы", ["мәтін"], publish=False)
    drain(services.db.sessions, empty_backend, build)
    assert found(empty_backend, "Өскемен", Visibility.staff()) == []  # drafts are not indexed
    items.publish(services, "test", "kzdraft1")
    drain(services.db.sessions, empty_backend, build)
    assert found(empty_backend, "Өскемен") == ["kzdraft1"]
    items.set_access(services, "test", "kzdraft1", "staff")
    drain(services.db.sessions, empty_backend, build)
    assert found(empty_backend, "Өскемен") == []
    assert found(empty_backend, "Өскемен", Visibility.staff()) == ["kzdraft1"]
    items.withdraw(services, "test", "kzdraft1")
    drain(services.db.sessions, empty_backend, build)
    assert found(empty_backend, "Өскемен", Visibility.staff()) == []


def test_commit_hook_drains_after_each_write(services, empty_backend):
    drainer = Drainer(services.db.sessions, empty_backend, build_doc(services.store))
    install_commit_hook(services.db.sessions, drainer.after_commit)
    ingest(services, "kzhook01", "Өскемен", ["мәтін"])
    assert found(empty_backend, "Oskemen") == ["kzhook01"]
    assert pending(services.db.sessions) == 0
    items.withdraw(services, "test", "kzhook01")
    assert found(empty_backend, "Oskemen", Visibility.staff()) == []
