"""The planned values against the stored ones (new, updated, unchanged), and the tables to write: those that change."""
from __future__ import annotations

from math import prod
from operator import attrgetter, itemgetter
from typing import Iterable

import polars as pl

from .. import schema
from .cells import key, same_number
from .planner import Planner
from .result import (COLUMN, CUM, FILE, GIVEN, NOTE, ORIGINAL, OWNER_INDEX, PART, QUALIFIER, READING_INDEX, VALUE,
                     WHERE, Observation)


def compare(planner: Planner) -> None:
    """Each observation: new, updated (the old one is listed in result.history) or unchanged; each 施策開始日 too."""
    compare_starts(planner)
    ids = list(planner.reported)  # every KPI with a value here (and maybe a few without: their rows go unused)
    stored = (planner.tables["observations"].filter(pl.col("kpi_id").is_in(ids)) if ids
              else planner.tables["observations"].head(0))
    old = {(r["kpi_id"], r["value_kind"], r["fiscal_year"]): r for r in stored.to_dicts()}
    if not old:
        return
    for k, new in planner.planned.items():  # the result's entries are these objects
        prev = old.get(k)
        if prev is None:
            continue
        r = new.reading
        same = (same_number(prev["value"], r[VALUE]) and same_number(prev["cumulative_value"], r[CUM])
                and (prev["qualifier"] or "") == (r[QUALIFIER] or "")
                and (prev["original_text"] or "").strip() == (r[ORIGINAL] or "").strip()
                and (prev["note"] or "") == (r[NOTE] or "") and prev["part"] == r[PART])
        if same:
            new.status = "unchanged"
            continue
        new.status, new.old = "updated", (prev["value"], prev["original_text"])
        planner.result.history.append({
            "kpi_id": k[0], "value_kind": k[1], "fiscal_year": k[2], "old_value": prev["value"],
            "old_original_text": prev["original_text"], "new_value": r[VALUE],
            "new_original_text": r[ORIGINAL], "changed_at": planner.now.isoformat(timespec="seconds"),
            "file_name": new.owner[FILE], "user_name": planner.user, "import_id": planner.result.import_id,
        })


def compare_starts(planner: Planner) -> None:
    """Each 施策開始日 the sheets give against the stored start of the same plan and 施策 (compared as key() compares
    names): new, updated (a different day) or unchanged, listed in result.starts."""
    stored = {(r["plan_id"], key(r["measure"])): r for r in planner.tables["measure_starts"].to_dicts()
              if r["measure"] is not None and r["initiative_id"] is None}
    for k, row in planner.starts.items():
        prev = stored.get(k)
        status = "new" if prev is None else "unchanged" if prev["started_on"] == row["started_on"] else "updated"
        rec, text, plan_name = planner.start_cells[k]
        planner.result.starts.append({
            "plan_id": row["plan_id"], "plan": plan_name, "measure": row["measure"], "started_on": row["started_on"],
            "start_fy": row["start_fy"], "original_text": text, "status": status,
            "old_started_on": prev["started_on"] if status == "updated" else None, "source": row["source"],
            "file": rec.file, "sheet": rec.sheet, "row": rec.row})


def _starts_frame(planner: Planner) -> pl.DataFrame | None:
    """measure_starts as it is to be: the stored rows of the plans read, a new or changed start of a 施策 in place
    of the stored one (None when no start changes)."""
    changed = {(s["plan_id"], key(s["measure"])) for s in planner.result.starts if s["status"] != "unchanged"}
    if not changed:
        return None
    current = planner.tables["measure_starts"]
    kept = current.filter(pl.Series([not (m is not None and i is None and (p, key(m)) in changed) for p, i, m in
                                     current.select("plan_id", "initiative_id", "measure").iter_rows()],
                                    dtype=pl.Boolean))
    new = pl.DataFrame([planner.starts[k] for k in planner.starts if k in changed],
                       schema=schema.TABLES["measure_starts"]["columns"])
    return schema.conform("measure_starts", pl.concat([kept, new], how="vertical"))


def tables_to_write(planner: Planner, fresh: bool) -> dict[str, pl.DataFrame]:
    """The tables to write: only those that change (all of them for a new data directory)."""
    out: dict[str, pl.DataFrame] = {}

    def add_rows(table: str, rows: Iterable[dict], replace_on: list[str] | None = None):
        rows = list(rows)
        if not rows:
            return
        cols, by = schema.TABLES[table]["columns"], schema.TABLES[table]["sort_by"]
        if isinstance(rows[0], Observation):  # column by column from the readings: a lookup per cell costs seconds
            new = _observations_frame(rows, cols, by)
        else:
            new = pl.DataFrame([pl.Series(c, values, dtype=t) for (c, t), values in zip(cols.items(),
                                                                                       _dict_columns(rows, cols))])
            # not a second dict per row: 100,000 KPI rows as dicts took ~100 MB more
        current = planner.tables[table]
        if replace_on:
            current = current.join(new.select(replace_on), on=replace_on, how="anti", nulls_equal=True)
        parts = _around(current, new, by) if isinstance(rows[0], Observation) and by else None
        if parts is not None:  # in order as they are: conform finds nothing to sort
            out[table] = schema.conform(table, pl.concat(parts, how="vertical"))
            return
        both = pl.concat([current, new], how="vertical")
        del current, new
        out[table] = schema.conform(table, _sorted(both, by) if by and both.height else both)

    add_rows("entities", planner.new_entities.values())
    add_rows("plans", planner.new_plans.values())
    add_rows("areas", planner.new_areas.values())
    add_rows("kpis", planner.kpi_rows.values(), ["kpi_id"])
    changed = _changed_observations(planner)
    add_rows("observations", changed, ["kpi_id", "value_kind", "fiscal_year"])
    starts = _starts_frame(planner)
    if starts is not None:
        out["measure_starts"] = starts
    if fresh:
        for table in schema.TABLES:
            if table not in out:
                out[table] = planner.tables[table]
        if planner.tables["dataset"].is_empty():
            out["dataset"] = schema.conform("dataset", pl.DataFrame([{
                "name": "取込データ", "synthetic": False, "data_as_of": planner.now.date().isoformat(),
                "description": "データ取込（python -m kpiboard import / データ取込ページ）で作成。"
                               "各値の出典は取込ファイル名・シート・行。"}]))
    return out


def _changed_observations(planner: Planner) -> list[dict]:
    return [o for o in planner.planned.values() if o.status != "unchanged"]  # the result's entries are these objects


def _observations_frame(rows: list[Observation], cols: dict, by: list[str]) -> pl.DataFrame:
    """The observations table's rows of `rows`, sorted by `by`. Each distinct reading and KPI row becomes a row of a
    small frame once, and gathered from it for every value: a Python string per value and column took seconds for
    600,000 values. `source` is composed by Polars from the row's place and the value's column."""
    readings, reading_at = _distinct(map(attrgetter("reading"), rows))
    owners, owner_at = _distinct(map(attrgetter("owner"), rows))

    def frame(distinct: list[tuple], index: dict[str, int], names: dict) -> pl.DataFrame:
        return pl.DataFrame([pl.Series(c, list(map(itemgetter(index[c]), distinct)), dtype=t) for c, t in names.items()])

    by_reading = frame(readings, READING_INDEX | {"\0column": COLUMN}, {c: t for c, t in cols.items()
                                                                        if c in READING_INDEX} | {"\0column": pl.String})
    by_owner = frame(owners, OWNER_INDEX | {"\0where": WHERE, "\0given": GIVEN},
                     {c: t for c, t in cols.items() if c in OWNER_INDEX} | {"\0where": pl.String, "\0given": pl.String})
    del readings, owners
    reading_at, owner_at = pl.Series(reading_at, dtype=pl.UInt32), pl.Series(owner_at, dtype=pl.UInt32)
    if by:  # the order from each key's rank among the distinct rows: integers, not 600,000 strings, to sort
        ranks = [(by_reading if c in by_reading.columns else by_owner).get_column(c).rank("dense") for c in by]
        sizes = [int(r.max() or 0) + 2 for r in ranks]  # ranks from 1; a null (last) as the largest
        if prod(sizes) < 2 ** 63:  # one integer per row: rank, then the next key's rank within it …
            key = None
            for c, r, size in zip(by, ranks, sizes):
                r = r.fill_null(size - 1).cast(pl.Int64).gather(reading_at if c in by_reading.columns else owner_at)
                key = r if key is None else key * size + r
            order = key.to_frame("k").select(pl.arg_sort_by("k", maintain_order=True)).to_series()
        else:
            keys = pl.DataFrame([r.gather(reading_at if c in by_reading.columns else owner_at).alias(c)
                                 for c, r in zip(by, ranks)])
            order = keys.select(pl.arg_sort_by(keys.columns, nulls_last=True, maintain_order=True)).to_series()
        reading_at, owner_at = reading_at.gather(order), owner_at.gather(order)
    both = pl.concat([by_reading.select(pl.all().gather(reading_at)), by_owner.select(pl.all().gather(owner_at))],
                     how="horizontal")
    where = pl.concat_str([pl.col("\0where"), pl.lit(" 「"), pl.col("\0column"), pl.lit("」列")])
    source = (pl.when(pl.col("\0given") != "")
              .then(pl.concat_str([pl.col("\0given"), pl.lit("（取込: "), where, pl.lit("）")])).otherwise(where))
    return both.select([source.alias(c) if c == "source" else pl.col(c) if c in both.columns else
                        pl.lit(None, dtype=t).alias(c) for c, t in cols.items()])


def _around(current: pl.DataFrame, new: pl.DataFrame, by: list[str]) -> list[pl.DataFrame] | None:
    """[the rows of `current` before `new`, `new`, those after it] when `new` (sorted by `by`) has no row of `current`
    between its first and its last: the first import into a directory, as a rule. None otherwise."""
    if not new.height:
        return None
    first, last = new.select(by).row(0), new.select(by).row(-1)

    def before(key: tuple, strictly_after: bool = False) -> pl.Expr:  # lexicographic, from the last key column
        out = None
        for c, v in reversed(list(zip(by, key))):
            col = pl.col(c)
            here = (col > v) if strictly_after else (col < v)
            out = here if out is None else here | ((col == v) & out)
        return out

    low = current.filter(before(first))
    high = current.filter(before(last, strictly_after=True))
    if low.height + high.height != current.height:
        return None
    return [low, new, high]


def _dict_columns(rows: list[dict], cols: dict) -> list:
    """The columns `cols` of dict rows, a row at a time (column by column from 100,000 dicts took ~0.7 s)."""
    names = list(cols)
    try:
        table = list(map(itemgetter(*names), rows))
    except KeyError:  # a row without some column: None there
        table = [tuple(map(r.get, names)) for r in rows]
    return list(zip(*table)) if table else [() for _ in names]


def _distinct(items: Iterable) -> tuple[list, list[int]]:
    """(the distinct objects of `items`, by identity, in order; each item's position among them)."""
    seen: dict[int, int] = {}
    distinct: list = []
    at: list[int] = []
    last, i = None, -1
    for item in items:
        if item is not last:  # a row's values follow one another: its owner is the one before
            last = item
            i = seen.get(id(item))
            if i is None:
                i = seen[id(item)] = len(distinct)
                distinct.append(item)
        at.append(i)
    return distinct, at


def _sorted(frame: pl.DataFrame, by: list[str]) -> pl.DataFrame:
    """`frame` in schema.conform's order, a column at a time: conform, finding it sorted, keeps it as it is (its
    sort holds two copies of every column at once, ~200 MB for 600,000 values)."""
    order = frame.select(pl.arg_sort_by(by, nulls_last=True, maintain_order=True)).to_series()
    if (order == pl.int_range(frame.height, eager=True, dtype=order.dtype)).all():
        return frame
    return pl.DataFrame([frame.drop_in_place(name).gather(order) for name in list(frame.columns)])

