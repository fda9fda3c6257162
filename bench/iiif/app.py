"""The WSGI app the benchmark serves with gunicorn: the Image API over the prepared pyramids.

`create()` reads BENCH_IIIF_DATA (the folder `run.py prepare` fills: images.json and the store) and
BENCH_IIIF_TILES (the tile cache folder). The Source is a dict lookup, as a repository's would be
behind its own cache; every image is public.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from storage.local import LocalStore
from viewer.image_api import make_image_app
from viewer.options import ViewerOptions


@dataclass(frozen=True)
class BenchRef:
    identifier: str
    item_id: str
    width: int
    height: int
    access_key: str
    rights: str | None = None
    public: bool = True


class BenchSource:
    def __init__(self, refs: dict[str, BenchRef]) -> None:
        self.refs = refs

    def image(self, identifier: str) -> BenchRef | None:
        return self.refs.get(identifier)

    def can_view(self, item_id: str) -> bool:
        return True


def create():  # gunicorn 'bench.iiif.app:create()'
    data = Path(os.environ["BENCH_IIIF_DATA"])
    images = json.loads((data / "images.json").read_text())
    refs = {i["id"]: BenchRef(i["id"], i["id"], i["width"], i["height"], i["key"]) for i in images}
    options = ViewerOptions(base_url="", tile_cache_dir=os.environ["BENCH_IIIF_TILES"],
                            tile_cache_max_mb=1024, jpeg_quality=90, max_area=None, tile_memory_mb=128)
    return make_image_app(BenchSource(refs), LocalStore(data / "store"), options)
