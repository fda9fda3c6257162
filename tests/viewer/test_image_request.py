"""Image API 3.0 request arithmetic, from the specification's own examples (§4.1-§4.8).

The spec's example image is 300×200 px (region 125,15,200,200 "returns 175,185 px"; !225,100 gives
150,100).
"""
from __future__ import annotations

import pytest

from viewer.errors import BadRequest
from viewer.image_request import (
    Box,
    Limits,
    Rotation,
    SizeSpec,
    canonical_path,
    choose_level,
    format_number,
    level_box,
    level_factor,
    parse_quality_format,
    parse_region,
    parse_request,
    parse_rotation,
    parse_size,
    resolve,
    resolve_region,
    resolve_size,
)

W, H = 300, 200


def region(text: str, width: int = W, height: int = H) -> tuple[int, int, int, int]:
    box = resolve_region(parse_region(text), width, height)
    return box.x, box.y, box.w, box.h


def size(text: str, rw: int = W, rh: int = H, limits: Limits = Limits()) -> tuple[int, int]:
    return resolve_size(parse_size(text), rw, rh, limits)


# --- §4.1 region ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text, expected",
    [
        ("full", (0, 0, 300, 200)),  # example 1
        ("square", (50, 0, 200, 200)),  # example 2: centred in the longer dimension
        ("125,15,120,140", (125, 15, 120, 140)),  # example 3
        ("pct:41.6,7.5,40,70", (125, 15, 120, 140)),  # example 4: the same region in percent
        ("125,15,200,200", (125, 15, 175, 185)),  # example 5: cropped at the edge, 175,185 px
        ("pct:41.6,7.5,66.6,100", (125, 15, 175, 185)),  # example 6
    ],
)
def test_region_examples(text, expected):
    assert region(text) == expected


def test_square_of_portrait_image():
    assert region("square", 200, 300) == (0, 50, 200, 200)


@pytest.mark.parametrize(
    "text",
    ["0,0,0,10", "0,0,10,0", "300,0,10,10", "0,200,10,10", "pct:0,0,0,10", "pct:100,0,5,5"],
)
def test_region_empty_or_outside_is_400(text):
    with pytest.raises(BadRequest):
        region(text)


@pytest.mark.parametrize(
    "text", ["", "fulll", "1,2,3", "1,2,3,4,5", "-1,0,10,10", "pct:1,2,3", "pct:a,1,1,1", "1.5,0,10,10", "x"]
)
def test_region_syntax_is_400(text):
    with pytest.raises(BadRequest) as caught:
        parse_region(text)
    assert caught.value.status == 400


# --- §4.2 size --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text, limits, expected",
    [
        ("max", Limits(max_width=200), (200, 133)),  # example 1: assuming maxWidth 200
        ("^max", Limits(max_width=360), (360, 240)),  # example 1: ^max with maxWidth 360
        ("150,", Limits(), (150, 100)),  # example 2
        ("^360,", Limits(), (360, 240)),  # example 2
        (",150", Limits(), (225, 150)),  # example 3
        ("^,240", Limits(), (360, 240)),  # example 3 (the spec prints ",^240"; §4.2's table has ^,h)
        ("pct:50", Limits(), (150, 100)),  # example 4
        ("^pct:120", Limits(), (360, 240)),  # example 4
        ("225,100", Limits(), (225, 100)),  # example 5: may distort
        ("^360,360", Limits(), (360, 360)),  # example 5
        ("!225,100", Limits(), (150, 100)),  # example 6: "Returned image is 150,100 px"
        ("^!360,360", Limits(), (360, 240)),  # example 6: "Returned image is 360,240 px"
        ("max", Limits(), (300, 200)),
        ("^max", Limits(), (300, 200)),  # no declared limit: nothing to grow to
        ("max", Limits(max_area=15000), (150, 100)),
    ],
)
def test_size_examples(text, limits, expected):
    assert size(text, limits=limits) == expected


@pytest.mark.parametrize("text", ["301,", ",201", "pct:101", "301,200", "300,201", "!400,300"])
def test_size_over_region_without_caret_is_400(text):
    with pytest.raises(BadRequest):
        size(text)


def test_confined_box_smaller_in_one_dimension_is_fine():
    assert size("!400,100") == (150, 100)


@pytest.mark.parametrize("text", ["", "0,", ",0", "0,0", "pct:0", "!0,10", "!10,", "^", "max,", "abc", "-5,", "w,h"])
def test_size_syntax_is_400(text):
    with pytest.raises(BadRequest):
        size(text)


def test_size_over_limits_is_400():
    with pytest.raises(BadRequest):
        size("^1000,1000", limits=Limits(max_area=500_000))


def test_size_never_below_one_pixel():
    assert size("1,", rw=3000, rh=10) == (1, 1)


# --- §4.3 rotation ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text, expected",
    [
        ("0", Rotation(False, 0)),
        ("180", Rotation(False, 180)),
        ("90", Rotation(False, 90)),
        ("22.5", Rotation(False, 22.5)),
        ("!0", Rotation(True, 0)),
        ("!180", Rotation(True, 180)),
        ("360", Rotation(False, 0)),
    ],
)
def test_rotation_examples(text, expected):
    assert parse_rotation(text) == expected


@pytest.mark.parametrize("text", ["", "-90", "361", "!", "90!", "abc", "1e2", "+90"])
def test_rotation_syntax_is_400(text):
    with pytest.raises(BadRequest):
        parse_rotation(text)


# --- §4.4 quality, §4.5 format -----------------------------------------------------------------
@pytest.mark.parametrize(
    "text, expected",
    [("default.jpg", ("default", "jpg")), ("color.jpg", ("color", "jpg")), ("gray.jpg", ("gray", "jpg")),
     ("bitonal.jpg", ("bitonal", "jpg")), ("default.png", ("default", "png")), ("gray.webp", ("gray", "webp"))],
)
def test_quality_and_format(text, expected):
    assert parse_quality_format(text) == expected


@pytest.mark.parametrize("text", ["default", "grey.jpg", "default.tif", "default.gif", "default.xyz", ".jpg", "default."])
def test_quality_or_format_unsupported_is_400(text):
    with pytest.raises(BadRequest):
        parse_quality_format(text)


# --- §4.7 numbers and §4.8 canonical form --------------------------------------------------------
@pytest.mark.parametrize("value, text", [(0, "0"), (90.0, "90"), (22.5, "22.5"), (0.9, "0.9"), (12.25, "12.25")])
def test_format_number(value, text):
    assert format_number(value) == text


@pytest.mark.parametrize(
    "request_path, canonical",
    [
        ("full/max/0/default.jpg", "full/max/0/default.jpg"),
        ("square/max/0/default.jpg", "50,0,200,200/max/0/default.jpg"),
        ("pct:41.6,7.5,40,70/max/0/default.jpg", "125,15,120,140/max/0/default.jpg"),
        ("full/150,/0/default.jpg", "full/150,100/0/default.jpg"),
        ("full/300,/0/default.jpg", "full/max/0/default.jpg"),
        ("full/pct:50/0/default.jpg", "full/150,100/0/default.jpg"),
        ("full/^360,/0/default.jpg", "full/^360,240/0/default.jpg"),
        ("full/!225,100/!90.0/color.png", "full/150,100/!90/color.png"),
        ("125,15,120,140/90,/!345/gray.jpg", "125,15,120,140/90,105/!345/gray.jpg"),  # §4.6 example
        ("0,0,300,200/max/22.50/default.png", "full/max/22.5/default.png"),
    ],
)
def test_canonical_form(request_path, canonical):
    plan = resolve(parse_request(*request_path.split("/")), W, H)
    assert plan.canonical == canonical


def test_canonical_upscaled_max():
    limits = Limits(max_width=360)
    plan = resolve(parse_request("full", "^max", "0", "default.jpg"), W, H, limits)
    assert (plan.width, plan.height) == (360, 240)
    assert plan.canonical == "full/^max/0/default.jpg"


def test_canonical_path_is_pure_arithmetic():
    assert canonical_path(Box(0, 0, 300, 200), (300, 200), Rotation(False, 0), "default", "jpg", 300, 200) == \
        "full/max/0/default.jpg"


# --- pyramid levels ---------------------------------------------------------------------------
FULL = (3000, 2000)
LEVELS = [(3000, 2000), (1500, 1000), (750, 500), (375, 250), (187, 125)]


def test_level_factor_is_nominal_power_of_two():
    assert [level_factor(FULL, s) for s in LEVELS] == [1, 2, 4, 8, 16]
    assert level_factor((2481, 3509), (1240, 1754)) == 2  # floor-halved odd sizes


def test_tile_at_scale_factor_maps_to_one_stored_tile():
    # A viewer's tile at scale factor 4: region 1024,1024,1024,976 at size 256,244.
    box = Box(1024, 1024, 1024, 976)
    k = choose_level(box, (256, 244), FULL, LEVELS)
    assert k == 2
    assert level_box(box, 4, LEVELS[2]) == Box(256, 256, 256, 244)


def test_edge_tile_of_odd_image_reads_the_level_not_the_one_above():
    full, levels = (2481, 3509), [(2481, 3509), (1240, 1754), (620, 877)]
    box = Box(2048, 0, 433, 512)  # last column at scale factor 2: size ceil(433/2)=217 x 256
    assert choose_level(box, (217, 256), full, levels) == 1
    assert level_box(box, 2, levels[1]) == Box(1024, 0, 216, 256)


def test_thumbnail_reads_a_small_level():
    box = Box(0, 0, 3000, 2000)
    assert choose_level(box, (400, 267), FULL, LEVELS) == 2  # 750 px level, not the 375 px one


def test_size_spec_defaults():
    assert SizeSpec("max") == parse_size("max")
