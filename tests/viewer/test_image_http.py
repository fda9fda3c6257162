"""The Image API over HTTP (Flask test client) on real pyramids made like ingest makes them."""
from __future__ import annotations

import io

import pytest
import pyvips
from PIL import Image, ImageChops, ImageStat

from tests.viewer.conftest import IMAGE_BASE, IMAGE_FIXTURE_PNG, IMAGE_VALIDATOR_ID, ImageFakeRef
from viewer.image_api import make_image_app
from viewer.options import ViewerOptions

VID = IMAGE_VALIDATOR_ID
JSONLD = 'application/ld+json;profile="http://iiif.io/api/image/3/context.json"'


def picture(response) -> Image.Image:
    assert response.status_code == 200, response.get_data(as_text=True)
    image = Image.open(io.BytesIO(response.data))
    image.load()
    return image


def mean_difference(a: Image.Image, b: Image.Image) -> float:
    assert a.size == b.size
    return sum(ImageStat.Stat(ImageChops.difference(a.convert("RGB"), b.convert("RGB"))).mean) / 3


def reference(path, box, size) -> Image.Image:
    """The expected pixels, computed the slow way from full resolution."""
    image = pyvips.Image.new_from_file(str(path)).crop(*box)
    image = image.resize(size[0] / box[2], vscale=size[1] / box[3])
    return Image.frombuffer("RGB", (image.width, image.height), image.write_to_memory())


# --- image information ---------------------------------------------------------------------------
def test_info_json(image_client):
    response = image_client.get(f"/iiif/3/{VID}/info.json")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == JSONLD
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert '<http://iiif.io/api/image/3/level2.json>;rel="profile"' in response.headers["Link"]
    info = response.get_json(force=True)
    assert list(info)[0] == "@context"
    assert info["@context"] == "http://iiif.io/api/image/3/context.json"
    assert info["id"] == f"{IMAGE_BASE}/iiif/3/{VID}"
    assert info["type"] == "ImageService3" and info["profile"] == "level2"
    assert info["protocol"] == "http://iiif.io/api/image"
    assert (info["width"], info["height"]) == (1000, 1000)
    assert info["tiles"] == [{"width": 256, "height": 256, "scaleFactors": [1, 2, 4]}]
    assert info["sizes"] == [{"width": 250, "height": 250}, {"width": 500, "height": 500}]
    assert info["maxArea"] == 20_000_000
    assert set(info["extraFormats"]) == {"png", "webp"}
    assert set(info["extraQualities"]) == {"color", "gray", "bitonal"}
    assert {"mirroring", "rotationBy90s", "sizeUpscaling", "cors", "baseUriRedirect"} <= set(info["extraFeatures"])
    assert info["rights"] == "http://creativecommons.org/publicdomain/zero/1.0/"


def test_info_json_of_large_image_lists_pyramid(image_client):
    info = image_client.get("/iiif/3/card/info.json").get_json(force=True)
    assert info["tiles"][0]["scaleFactors"] == [1, 2, 4, 8, 16]
    assert "rights" not in info


@pytest.mark.parametrize(
    "accept, expected",
    [(None, JSONLD), ("application/ld+json", JSONLD), ("application/json", "application/json"),
     ("*/*", "application/json")],
)
def test_info_content_negotiation(image_client, accept, expected):
    headers = {"Accept": accept} if accept else {}
    response = image_client.get(f"/iiif/3/{VID}/info.json", headers=headers)
    assert response.headers["Content-Type"] == expected
    assert response.headers["Vary"] == "Accept"


def test_base_uri_redirects_to_info(image_client):
    response = image_client.get(f"/iiif/3/{VID}")
    assert response.status_code == 303
    assert response.headers["Location"] == f"{IMAGE_BASE}/iiif/3/{VID}/info.json"
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_cors_preflight(image_client):
    response = image_client.options(f"/iiif/3/{VID}/full/max/0/default.jpg",
                                    headers={"Origin": "http://other.example",
                                             "Access-Control-Request-Method": "GET"})
    assert response.status_code == 204
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "GET" in response.headers["Access-Control-Allow-Methods"]


# --- image requests --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "path, box, size",
    [
        ("0,0,256,256/256,256", (0, 0, 256, 256), (256, 256)),  # a tile at scale factor 1
        ("512,512,512,512/256,256", (512, 512, 512, 512), (256, 256)),  # scale factor 2
        ("2048,1024,952,976/119,122", (2048, 1024, 952, 976), (119, 122)),  # sf 8, edge
        ("2560,1792,440,208/220,104", (2560, 1792, 440, 208), (220, 104)),  # sf 2, corner
        ("full/!400,400", (0, 0, 3000, 2000), (400, 267)),  # a thumbnail across tiles (libvips)
        ("full/1024,", (0, 0, 3000, 2000), (1024, 683)),
        ("100,150,700,300/350,", (100, 150, 700, 300), (350, 150)),  # unaligned region
        ("pct:10,10,50,50/max", (300, 200, 1500, 1000), (1500, 1000)),
    ],
)
def test_pixels_match_full_resolution(image_client, image_pyramids, path, box, size):
    # png: 4:2:0 JPEG chroma on this saturated test card would swamp the geometry being checked
    image = picture(image_client.get(f"/iiif/3/card/{path}/0/default.png"))
    assert image.size == size
    assert mean_difference(image, reference(image_pyramids["card"], box, size)) < 3.0


def test_tile_reads_one_stored_tile_without_libvips(image_app, image_client, monkeypatch):
    service = image_app.extensions["iiif_image_service"]

    def no_vips(*args, **kwargs):
        raise AssertionError("a tile request must not open the image in libvips")

    monkeypatch.setattr("viewer.image_backend.Pyramid.vips_page", no_vips)
    for path in ("0,0,256,256/256,256", "1024,1024,1024,976/256,244", "2048,0,952,1024/119,128"):
        assert image_client.get(f"/iiif/3/card/{path}/0/default.jpg").status_code == 200
    assert service.backend  # the service is reachable for inspection


def test_thumbnail_reads_a_reduced_level(image_client, monkeypatch):
    pages = []
    real = __import__("viewer.image_backend", fromlist=["Pyramid"]).Pyramid.vips_page

    def spy(self, page_index):
        pages.append(page_index)
        return real(self, page_index)

    monkeypatch.setattr("viewer.image_backend.Pyramid.vips_page", spy)
    assert image_client.get("/iiif/3/card/full/!400,400/0/default.jpg").status_code == 200
    assert pages == [2]  # 750×500, never the 3000×2000 page


def test_validator_image_full(image_client):
    original = Image.open(IMAGE_FIXTURE_PNG).convert("RGB")
    image = picture(image_client.get(f"/iiif/3/{VID}/full/max/0/default.png"))
    assert image.size == (1000, 1000)
    assert mean_difference(image, original) < 3.0


@pytest.mark.parametrize(
    "rotation, transform",
    [("90", Image.Transpose.ROTATE_270), ("180", Image.Transpose.ROTATE_180),
     ("270", Image.Transpose.ROTATE_90), ("!0", Image.Transpose.FLIP_LEFT_RIGHT)],
)
@pytest.mark.parametrize("size", ["max", "250,250"])  # libvips path and one-tile path
def test_rotation_and_mirroring(image_client, rotation, transform, size):
    original = Image.open(IMAGE_FIXTURE_PNG).convert("RGB")
    image = picture(image_client.get(f"/iiif/3/{VID}/full/{size}/{rotation}/default.png"))
    expected = original.resize(image.size, Image.Resampling.LANCZOS).transpose(transform)
    assert mean_difference(image, expected) < 4.0


def test_mirror_then_rotate(image_client):
    original = Image.open(IMAGE_FIXTURE_PNG).convert("RGB")
    image = picture(image_client.get(f"/iiif/3/{VID}/full/max/!90/default.png"))
    expected = original.transpose(Image.Transpose.FLIP_LEFT_RIGHT).transpose(Image.Transpose.ROTATE_270)
    assert mean_difference(image, expected) < 3.0


def test_arbitrary_rotation_is_transparent_in_png(image_client):
    image = picture(image_client.get(f"/iiif/3/{VID}/full/200,200/45/default.png"))
    assert image.mode == "RGBA"
    assert 280 <= image.size[0] <= 286  # 200·√2, the bounding box of the turned square
    assert image.getpixel((0, 0))[3] == 0


@pytest.mark.parametrize("size", ["max", "256,256"])
def test_gray_and_bitonal(image_client, size):
    gray = picture(image_client.get(f"/iiif/3/{VID}/full/{size}/0/gray.png"))
    assert gray.mode == "L"
    bitonal = picture(image_client.get(f"/iiif/3/{VID}/full/{size}/0/bitonal.png"))
    assert {value for _, value in bitonal.convert("L").getcolors()} <= {0, 255}


@pytest.mark.parametrize("fmt, magic, media", [("jpg", b"\xff\xd8\xff", "image/jpeg"),
                                               ("png", b"\x89PNG", "image/png"),
                                               ("webp", b"RIFF", "image/webp")])
def test_formats(image_client, fmt, magic, media):
    response = image_client.get(f"/iiif/3/{VID}/full/100,/0/default.{fmt}")
    assert response.status_code == 200
    assert response.data.startswith(magic)
    assert response.headers["Content-Type"] == media


def test_upscaling_with_caret(image_client):
    assert picture(image_client.get(f"/iiif/3/{VID}/full/^1200,/0/default.jpg")).size == (1200, 1200)
    assert picture(image_client.get(f"/iiif/3/{VID}/full/^!2000,500/0/default.jpg")).size == (500, 500)


def test_canonical_and_profile_link_headers(image_client):
    response = image_client.get(f"/iiif/3/{VID}/square/pct:50/0/color.jpg")
    assert response.status_code == 200
    link = response.headers["Link"]
    assert f'<{IMAGE_BASE}/iiif/3/{VID}/full/500,500/0/color.jpg>;rel="canonical"' in link
    assert '<http://iiif.io/api/image/3/level2.json>;rel="profile"' in link
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_escaped_identifier(image_client):
    escaped = VID.replace("-", "%2D")
    assert image_client.get(f"/iiif/3/{escaped}/full/100,/0/default.jpg").status_code == 200


def test_head(image_client):
    response = image_client.head(f"/iiif/3/{VID}/full/100,/0/default.jpg")
    assert response.status_code == 200 and response.data == b""


# --- errors ----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "path",
    [
        "bogus/max/0/default.jpg", "full/bogus/0/default.jpg", "full/max/bogus/default.jpg",
        "full/max/0/bogus.jpg", "full/max/0/default.bogus", "full/max/0/default.tif", "full/max/0/default",
        "full/1200,/0/default.jpg", "full/pct:200/0/default.jpg", "full/!2000,3000/0/default.jpg",
        "1000,0,10,10/max/0/default.jpg", "0,0,0,10/max/0/default.jpg", "full/max/400/default.jpg",
        "full/^9000,9000/0/default.jpg",  # over maxArea
    ],
)
def test_bad_requests_are_400(image_client, path):
    response = image_client.get(f"/iiif/3/{VID}/{path}")
    assert response.status_code == 400, path
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.headers["Content-Type"].startswith("text/plain")
    assert response.get_data(as_text=True).startswith("400 ")


@pytest.mark.parametrize("path", ["", "/info.json", "/full/max/0/default.jpg"])
def test_unknown_identifier_is_404(image_client, path):
    assert image_client.get(f"/iiif/3/nosuchimage{path}").status_code == 404


def test_missing_file_is_404(image_client):
    assert image_client.get("/iiif/3/nofile/full/max/0/default.jpg").status_code == 404


@pytest.mark.parametrize("path", ["", "/info.json", "/full/max/0/default.jpg"])
def test_hidden_item_is_403(image_client, path):
    response = image_client.get(f"/iiif/3/secret{path}")
    assert response.status_code == 403
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_slash_in_identifier_is_404(image_client):
    assert image_client.get("/iiif/3/a/b/full/max/0/default.jpg").status_code == 404


# --- caching ---------------------------------------------------------------------------------------
def test_etag_and_304(image_client):
    url = f"/iiif/3/{VID}/0,0,256,256/max/0/default.jpg"
    first = image_client.get(url)
    etag = first.headers["ETag"]
    assert etag.startswith('"') and len(etag) > 10
    assert first.headers["Cache-Control"].startswith("public, max-age=")
    again = image_client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    assert again.headers["ETag"] == etag
    assert again.headers["Access-Control-Allow-Origin"] == "*"
    # the same image asked in another form has the same canonical request, hence the same ETag
    same = image_client.get(f"/iiif/3/{VID}/0,0,256,256/256,/0/default.jpg")
    assert same.headers["ETag"] == etag
    other = image_client.get(f"/iiif/3/{VID}/0,0,256,256/max/0/gray.jpg")
    assert other.headers["ETag"] != etag
    assert image_client.get(url, headers={"If-None-Match": '"nope"'}).status_code == 200


def test_restricted_image_is_private(image_source, image_client):
    image_source.refs["staff"] = ImageFakeRef("staff", "staffonly", 1000, 1000,
                                              "items/val/pages/0001/access.tif", public=False)
    response = image_client.get("/iiif/3/staff/full/100,/0/default.jpg")
    assert response.status_code == 200
    assert response.headers["Cache-Control"].startswith("private")


def test_second_request_comes_from_the_cache(image_app, image_client, monkeypatch):
    url = "/iiif/3/card/0,0,500,500/250,250/0/default.jpg"  # not a whole stored tile: rendered
    first = image_client.get(url).data

    def broken(*args, **kwargs):
        raise AssertionError("rendered twice")

    monkeypatch.setattr(image_app.extensions["iiif_image_service"].backend, "render", broken)
    assert image_client.get(url).data == first
    image_app.extensions["iiif_image_service"].cache.disk.flush()
    image_app.extensions["iiif_image_service"].cache.memory.clear()
    assert image_client.get(url).data == first  # from the disk cache


def test_new_version_of_the_file_changes_etag(tmp_path, image_source, image_store, image_pyramids):
    options = ViewerOptions(base_url=IMAGE_BASE, tile_cache_dir=str(tmp_path / "t"),
                            tile_cache_max_mb=8, jpeg_quality=90, max_area=None, stat_ttl_s=0)
    client = make_image_app(image_source, image_store, options).test_client()
    url = "/iiif/3/card/full/100,/0/default.jpg"
    before = client.get(url)
    image_store.put_file("items/card/pages/0001/access.tif", image_pyramids["validator"])
    after = client.get(url)
    assert before.headers["ETag"] != after.headers["ETag"]
    assert picture(after).size == (100, 100)  # the new file's pixels, not the cached old ones
