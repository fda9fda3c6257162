"""viewer.source.Source as the repository implements it, directly and through the mounted /iiif routes."""
from __future__ import annotations

import pytest

from repository import collections, items, users
from repository.catalog_adapter import RepositoryCatalog
from repository.viewer_adapter import RepositorySource, parse_image_id
from tests.repository.conftest import ingested
from viewer.source import Source


@pytest.fixture
def archive(app):
    services = app.extensions["olketanu"]
    collections.create_collection(services, "t", "east", {"kk-Cyrl": ["Шығыс"], "ru": ["Восток"]})
    catalog = RepositoryCatalog(services)
    catalog.register_item(ingested("kzpublic1", pages=3, publish=True, collection_id="east"))
    catalog.register_item(ingested("kzstaff1", publish=True, collection_id="east"))
    items.set_access(services, "t", "kzstaff1", "staff")
    catalog.register_item(ingested("kzdraft1", collection_id="east"))
    return services


@pytest.mark.parametrize("identifier, parsed", [
    ("kzabc~3", ("kzabc", 3)), ("kzabc~0003", ("kzabc", 3)), ("kzabc", None), ("../x~1", None),
    ("kzabc~-1", None), ("kzabc~1~2", None), ("kzabc~١", None), ("kz\x00~1", None),
])
def test_parse_image_id(identifier, parsed):
    assert parse_image_id(identifier) == parsed


def test_source_answers(app, archive):
    source: Source = RepositorySource(archive)
    image = source.image("kzpublic1~2")
    assert (image.item_id, image.width, image.height) == ("kzpublic1", 2000, 3000)
    assert image.access_key == "items/kzpublic1/pages/0002/access.tif"
    assert source.image("kzpublic1~9") is None and source.image("nonsense") is None
    view = source.item("kzpublic1")
    assert [p.image_id for p in view.pages] == ["kzpublic1~1", "kzpublic1~2", "kzpublic1~3"]
    assert view.record.first("title") == "Өскемен хабары" and view.collection_ids == ("east",)
    assert view.oai_identifier == "oai:olketanu.kz:kzpublic1"
    assert source.item("../etc") is None
    assert list(source.top_collection_ids()) == ["east"]
    with app.test_request_context("/iiif/collection/east"):
        collection = source.collection("east")
        assert collection.label == {"kk-Cyrl": ["Шығыс"], "ru": ["Восток"]}
        assert list(collection.item_ids) == ["kzpublic1"]  # published and visible to anonymous only
        assert source.can_view("kzpublic1") and not source.can_view("kzstaff1") and not source.can_view("kzdraft1")
        assert not source.can_view("..")


def test_iiif_routes_apply_access_rules(app, client, archive):
    assert client.get("/iiif/manifest/kzpublic1").status_code == 200
    assert client.get("/iiif/manifest/kzstaff1").status_code in (403, 404)
    assert client.get("/iiif/manifest/kzdraft1").status_code in (403, 404)
    user = users.create_user(archive, "t", "staff1", "a long enough password", "staff")
    with client.session_transaction() as session:
        session["user_id"] = user.id
    assert client.get("/iiif/manifest/kzstaff1").status_code == 200
    assert client.get("/iiif/manifest/kzdraft1").status_code == 200
