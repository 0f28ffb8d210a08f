"""core.lru: the one in-memory LRU cache (count-bounded, thread-safe) and the eviction the byte-bounded caches on disk share."""

from __future__ import annotations

import threading
from collections import OrderedDict

import pytest

from core.lru import LRUCache, evict_least_recent


def test_the_least_recently_used_goes_first_and_reads_count_as_use():
    cache = LRUCache(2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1  # "b" is now the least recently used
    cache.put("c", 3)
    assert "b" not in cache and cache.get("b") is None and cache.get("b", 0) == 0
    assert cache.values() == [1, 3] and len(cache) == 2
    cache.put("a", 10)  # storing again replaces and refreshes
    cache.put("d", 4)
    assert cache.values() == [10, 4]
    cache.clear()
    assert len(cache) == 0


def test_made_makes_only_what_is_missing():
    cache = LRUCache(2)
    calls = []

    def make(value):
        return lambda: calls.append(value) or value

    assert cache.made(1, make("one")) == "one"
    assert cache.made(1, make("again")) == "one"
    assert calls == ["one"]
    cache.made(2, make("two"))
    cache.made(1, make("x"))  # a hit: 2 is now the oldest
    cache.made(3, make("three"))
    assert 2 not in cache and 1 in cache
    assert calls == ["one", "two", "three"]


def test_threads_share_one_cache_within_its_bound():
    cache = LRUCache(16)

    def work(offset):
        for i in range(2000):
            cache.made((offset + i) % 40, lambda i=i: i)

    threads = [threading.Thread(target=work, args=(n * 7,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(cache) == 16 and len(cache.values()) == 16


def test_a_cache_holds_at_least_one_item():
    with pytest.raises(ValueError, match="at least 1"):
        LRUCache(0)


def test_evicting_by_size_drops_the_least_recent_and_never_the_one_kept():
    sizes = OrderedDict([("a", 40), ("b", 30), ("c", 50)])  # "a" the least recently used
    assert evict_least_recent(sizes, 120, 100) == (["a"], 80)
    assert list(sizes) == ["b", "c"]
    sizes = OrderedDict([("new", 90), ("old", 30)])
    assert evict_least_recent(sizes, 120, 100, keep="new") == (["old"], 90)
    assert evict_least_recent(sizes, 90, 50, keep="new") == ([], 90)  # alone, over the bound: kept
    assert list(sizes) == ["new"]
