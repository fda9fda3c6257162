"""Pass-through: a request for one whole stored tile is answered with that tile's own JPEG.

The answers must be exactly the pixels libvips decodes from the pyramid, for the three kinds of
tile libvips writes: RGB without subsampling (Q >= 90), YCbCr 4:2:0 (Q < 90) and grayscale.
"""
from __future__ import annotations

import io
from pathlib import Path

import pytest
import pyvips
from PIL import Image, ImageChops, ImageStat

from storage.local import LocalStore
from tests.viewer.conftest import IMAGE_BASE, ImageFakeRef, ImageFakeSource
from viewer.image_api import make_image_app
from viewer.image_backend import ADOBE_RGB, PyramidError, read_tiff_pages
from viewer.source import ImageRef

WIDTH, HEIGHT = 700, 600  # level 0: 3×3 tiles (last column and row padded), level 1: 2×2, level 2: 1
KINDS = {"rgb90": ("srgb", 90, False), "ycc85": ("srgb", 85, False), "gray90": ("b-w", 90, False),
         "big90": ("srgb", 90, True)}


def _card(interpretation: str) -> pyvips.Image:
    """Gradients and a checkerboard: every tile differs, and chroma errors would show."""
    xyz = pyvips.Image.xyz(WIDTH, HEIGHT)
    red = (xyz[0] * (255.0 / WIDTH)).cast("uchar")
    if interpretation == "b-w":
        return (red ^ (xyz[1] % 37)).cast("uchar").copy(interpretation="b-w")
    green = (xyz[1] * (255.0 / HEIGHT)).cast("uchar")
    blue = ((xyz[0] // 40 + xyz[1] // 40) % 2 * 255).cast("uchar")
    return red.bandjoin([green, blue]).copy(interpretation="srgb")


@pytest.fixture(scope="module")
def pass_pyramids(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("passthrough")
    made = {}
    for name, (interpretation, quality, big) in KINDS.items():
        made[name] = folder / f"{name}.tif"
        _card(interpretation).tiffsave(str(made[name]), tile=True, pyramid=True, compression="jpeg",
                                       Q=quality, tile_width=256, tile_height=256, bigtiff=big)
    return made


@pytest.fixture
def pass_app(tmp_path, pass_pyramids):
    store = LocalStore(tmp_path / "store")
    refs = {}
    for name, path in pass_pyramids.items():
        store.put_file(f"items/{name}/access.tif", path)
        refs[name] = ImageFakeRef(name, name, WIDTH, HEIGHT, f"items/{name}/access.tif")
    refs["plain"] = ImageRef("plain", "plain", WIDTH, HEIGHT, "items/rgb90/access.tif")
    from viewer.options import ViewerOptions

    options = ViewerOptions(base_url=IMAGE_BASE, tile_cache_dir=str(tmp_path / "tiles"), tile_cache_max_mb=8,
                            jpeg_quality=75, max_area=None)
    return make_image_app(ImageFakeSource(refs=refs), store, options)


def whole_tiles():
    """(page, region in full-image pixels, size) of every tile wholly inside the image."""
    for page, factor in ((0, 1), (1, 2)):
        for y in range(0, HEIGHT // factor - 255, 256):
            for x in range(0, WIDTH // factor - 255, 256):
                step = 256 * factor
                yield page, f"{x * factor},{y * factor},{step},{step}", (x, y)


def libvips_tile(path: Path, page: int, x: int, y: int) -> Image.Image:
    region = pyvips.Image.new_from_file(str(path), page=page).crop(x, y, 256, 256)
    mode = "L" if region.bands == 1 else "RGB"
    return Image.frombuffer(mode, (256, 256), region.write_to_memory())


def decoded(body: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(body))
    image.load()
    return image


@pytest.mark.parametrize("name", sorted(KINDS))
def test_whole_tiles_pass_through_pixel_for_pixel(pass_app, pass_pyramids, name):
    client = pass_app.test_client()
    tiles = list(whole_tiles())
    assert len(tiles) == 5  # 2×2 at level 0, 1 at level 1
    for page, region, (x, y) in tiles:
        response = client.get(f"/iiif/3/{name}/{region}/256,256/0/default.jpg")
        assert response.status_code == 200
        assert response.headers["X-Tile-Path"] == "passthrough"
        assert response.headers["Content-Type"] == "image/jpeg"
        image = decoded(response.data)
        expected = libvips_tile(pass_pyramids[name], page, x, y)
        assert image.mode == expected.mode and image.size == (256, 256)
        assert ImageChops.difference(image, expected).getbbox() is None, (name, region)
        # a second decoder (libvips' jpegload, the system libjpeg) reads the same pixels
        again = pyvips.Image.new_from_buffer(response.data, "")
        assert Image.frombuffer(image.mode, (256, 256), again.write_to_memory()) == expected


def test_rgb_tiles_are_marked_rgb_and_ycbcr_or_gray_tiles_are_not(pass_app):
    client = pass_app.test_client()
    bodies = {name: client.get(f"/iiif/3/{name}/0,0,256,256/256,256/0/default.jpg").data for name in KINDS}
    assert bodies["rgb90"].startswith(b"\xff\xd8" + ADOBE_RGB)
    assert bodies["big90"].startswith(b"\xff\xd8" + ADOBE_RGB)
    assert ADOBE_RGB not in bodies["ycc85"] and ADOBE_RGB not in bodies["gray90"]
    assert decoded(bodies["ycc85"]).mode == "RGB" and decoded(bodies["gray90"]).mode == "L"


def test_bigtiff_is_read(pass_pyramids):
    with open(pass_pyramids["big90"], "rb") as stream:
        assert stream.read(4) == b"II+\x00"  # libvips wrote a BigTIFF: the test covers that reader
        stream.seek(0)
        assert [(p.width, p.height) for p in read_tiff_pages(stream)] == [(700, 600), (350, 300), (175, 150)]


def test_a_truncated_tiff_directory_is_a_pyramid_error():
    # Classic little-endian TIFF whose first directory lies past the end of the file.
    with pytest.raises(PyramidError, match="TIFF directory is damaged"):
        read_tiff_pages(io.BytesIO(b"II*\x00\x08\x00\x00\x00\x05"))


@pytest.mark.parametrize("path", [
    "512,0,188,256/188,256",  # right edge: stored padded to 256
    "0,512,256,88/256,88",  # bottom edge
    "512,512,188,88/188,88",  # corner
    "512,0,188,512/94,256",  # right edge of level 1
    "0,0,600,600/150,150",  # whole level 2 (175×150): smaller than its stored tile
])
def test_edge_tiles_are_decoded_and_cropped(pass_app, pass_pyramids, path):
    response = pass_app.test_client().get(f"/iiif/3/rgb90/{path}/0/default.png")
    assert response.status_code == 200 and "X-Tile-Path" not in response.headers
    jpg = pass_app.test_client().get(f"/iiif/3/rgb90/{path}/0/default.jpg")
    assert "X-Tile-Path" not in jpg.headers
    region, size = path.split("/")
    x, y, w, h = map(int, region.split(","))
    width, height = map(int, size.split(","))
    image = decoded(response.data)
    assert image.size == (width, height)
    full = pyvips.Image.new_from_file(str(pass_pyramids["rgb90"])).crop(x, y, w, h)
    full = full.resize(width / w, vscale=height / h)
    expected = Image.frombuffer("RGB", (width, height), full.write_to_memory())
    difference = ImageChops.difference(image, expected)
    if (w, h) == (width, height):
        assert difference.getbbox() is None  # cropped from the decoded tile: libvips' own pixels
    else:
        assert max(ImageStat.Stat(difference).mean) < 8  # resampling differs; a misplaced crop not


@pytest.mark.parametrize("path", [
    "0,0,256,256/256,256/90/default.jpg",  # rotated
    "0,0,256,256/256,256/!0/default.jpg",  # mirrored
    "0,0,256,256/256,256/0/gray.jpg",  # gray of an RGB tile
    "0,0,256,256/256,256/0/bitonal.jpg",
    "0,0,256,256/256,256/0/default.png",  # another format
    "0,0,256,256/128,128/0/default.jpg",  # scaled
    "0,0,256,256/^300,300/0/default.jpg",  # scaled up
    "16,0,256,256/256,256/0/default.jpg",  # off the grid
    "0,0,255,255/255,255/0/default.jpg",
])
def test_other_requests_are_rendered(pass_app, path):
    response = pass_app.test_client().get(f"/iiif/3/rgb90/{path}")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert "X-Tile-Path" not in response.headers


def test_gray_quality_of_a_gray_tile_passes_through(pass_app):
    response = pass_app.test_client().get("/iiif/3/gray90/256,256,256,256/256,256/0/gray.jpg")
    assert response.headers["X-Tile-Path"] == "passthrough"


def test_pass_through_neither_decodes_nor_caches(pass_app, monkeypatch):
    def no_decode(*args, **kwargs):
        raise AssertionError("a whole stored tile must not be decoded")

    monkeypatch.setattr("viewer.image_backend.Pyramid.read_tile", no_decode)
    monkeypatch.setattr("viewer.image_backend.Pyramid.vips_page", no_decode)
    service = pass_app.extensions["iiif_image_service"]
    monkeypatch.setattr(service.cache, "get", no_decode)
    monkeypatch.setattr(service.cache, "put", no_decode)
    client = pass_app.test_client()
    first = client.get("/iiif/3/rgb90/256,256,256,256/max/0/default.jpg")
    assert first.status_code == 200 and first.headers["X-Tile-Path"] == "passthrough"
    # the quality setting (75 here) is not applied: the stored tile's own bytes are the answer
    assert first.data == client.get("/iiif/3/rgb90/256,256,256,256/256,/0/color.jpg").data
    assert client.get("/iiif/3/rgb90/256,256,256,256/max/0/default.jpg",
                      headers={"If-None-Match": first.headers["ETag"]}).status_code == 304


def test_cache_control_follows_the_public_flag(pass_app):
    client = pass_app.test_client()
    assert ImageRef("x", "x", 1, 1, "k").public is False  # not public unless the source says so
    assert client.get("/iiif/3/plain/full/64,/0/default.jpg").headers["Cache-Control"].startswith("private")
    assert client.get("/iiif/3/rgb90/full/64,/0/default.jpg").headers["Cache-Control"].startswith("public")
