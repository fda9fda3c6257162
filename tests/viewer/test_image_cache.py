"""The tile cache: memory LRU by bytes, disk bounded in MiB with LRU eviction, atomic files."""
from __future__ import annotations

import os
import time

from viewer.tile_cache import DiskCache, MemoryLRU, TileCache, key_digest


def test_memory_lru_keeps_recently_used_within_bound():
    lru = MemoryLRU(max_bytes=8000)
    for index in range(10):
        lru.put(f"k{index}", b"x" * 900)  # 900 B each: at most 8 fit
    assert lru.get("k0") is None and lru.get("k1") is None
    assert lru.get("k9") == b"x" * 900
    lru.get("k2")  # touch: k2 is now the most recent
    lru.put("k10", b"y" * 900)
    assert lru.get("k2") is not None and lru.get("k3") is None


def test_memory_lru_ignores_items_too_big_to_keep():
    lru = MemoryLRU(max_bytes=8000)
    lru.put("big", b"z" * 5000)
    assert lru.get("big") is None


def _age(cache: DiskCache, key: str, seconds_ago: float) -> None:
    path = cache.directory / key_digest(key)[:2] / key_digest(key)
    moment = time.time() - seconds_ago
    os.utime(path, (moment, moment))


def test_disk_cache_is_bounded_and_evicts_least_recently_used(tmp_path):
    cache = DiskCache(tmp_path, max_bytes=100_000)
    for index in range(8):
        cache.put(f"k{index}", bytes([index]) * 10_000)
        _age(cache, f"k{index}", 1000 - index)  # k0 oldest
    _age(cache, "k0", 0)  # k0 was read just now
    for index in range(8, 14):
        cache.put(f"k{index}", bytes([index]) * 10_000)
    files = [p for p in tmp_path.glob("??/*")]
    assert sum(p.stat().st_size for p in files) <= 100_000
    assert cache.get("k0") == bytes([0]) * 10_000  # recently used: kept
    assert cache.get("k1") is None  # least recently used: gone
    assert cache.get("k13") == bytes([13]) * 10_000
    assert not [p for p in files if p.name.startswith(".tmp-")]


def test_disk_hit_refreshes_access_time(tmp_path):
    cache = DiskCache(tmp_path, max_bytes=1_000_000)
    cache.put("a", b"1234")
    _age(cache, "a", 3600)
    assert cache.get("a") == b"1234"
    path = tmp_path / key_digest("a")[:2] / key_digest("a")
    assert time.time() - path.stat().st_mtime < 60


def test_tile_cache_promotes_disk_hits(tmp_path):
    first = TileCache(tmp_path, max_mb=1)
    first.put("key", b"tile")
    first.disk.flush()  # the server writes to disk in the background
    second = TileCache(tmp_path, max_mb=1)  # another worker process, same folder
    assert second.memory.get("key") is None
    assert second.get("key") == b"tile"
    assert second.memory.get("key") == b"tile"


def test_tile_cache_without_disk(tmp_path):
    cache = TileCache(None, max_mb=1)
    cache.put("key", b"tile")
    assert cache.get("key") == b"tile"
    assert not list(tmp_path.iterdir())


def test_background_writes_reach_disk_and_survive_a_wiped_folder(tmp_path):
    import shutil

    cache = DiskCache(tmp_path / "c", max_bytes=1_000_000, background=True)
    cache.put("a", b"1")
    cache.flush()
    assert cache.get("a") == b"1"
    shutil.rmtree(tmp_path / "c")
    cache.put("b", b"2")
    cache.flush()
    assert cache.get("b") == b"2"
