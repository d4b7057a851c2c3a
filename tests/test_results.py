"""Query results kept between clicks are bounded in bytes (kpiboard/results.py), not in entries."""
import polars as pl

from kpiboard.results import ResultCache


def frame(rows: int) -> pl.DataFrame:
    return pl.DataFrame({"v": range(rows)}, schema={"v": pl.Int64})  # 8 bytes a row


def test_the_least_recently_used_go_first_when_the_bound_is_reached():
    cache = ResultCache(40_000)
    calls = []
    for key in ("a", "b", "c"):
        cache.get((key,), lambda key=key: calls.append(key) or frame(1000))
    assert len(cache) == 3 and cache.size == 24_000
    cache.get(("a",), lambda: calls.append("a again") or frame(1000))  # a hit: a is now the most recent
    cache.get(("d",), lambda: frame(1000))
    cache.get(("e",), lambda: frame(1000))
    cache.get(("f",), lambda: frame(1000))  # 48 kB asked for: the oldest (b) goes
    assert cache.size <= 40_000
    assert "a again" not in calls
    cache.get(("b",), lambda: calls.append("b again") or frame(1000))  # b was the oldest: it went
    assert calls[-1] == "b again"


def test_a_result_larger_than_a_quarter_of_the_bound_is_answered_but_not_kept():
    cache = ResultCache(40_000)
    big = cache.get(("big",), lambda: frame(2000))  # 16 kB > 10 kB
    assert big.height == 2000 and len(cache) == 0 and cache.size == 0
