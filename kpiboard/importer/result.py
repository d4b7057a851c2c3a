"""What an import returns: each value read (Observation), the sheets' previews, the result and a dry run's plan."""
from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from operator import attrgetter, itemgetter

import polars as pl

from .reading import Issue
from .vocabulary import STATUS_JA

# What the result (and the CLI's JSON) says about each value; its dicts also carry the table's columns.
OBSERVATION_KEYS = ("entity", "plan", "kpi_name", "kpi_id", "item_code", "fiscal_year", "year_text", "year_type",
                    "value_kind", "value", "unit", "qualifier", "original_text", "cumulative_value", "note", "source",
                    "file", "sheet", "row", "column", "status", "old_value", "old_original_text")
OBSERVATION_FIELDS = OBSERVATION_KEYS + ("period_start_fy", "period_end_fy", "part")  # + the table's own columns
_OBSERVATION_FIELD_SET = frozenset(OBSERVATION_FIELDS)

# What a value cell reads as (a tuple, shared by the values read the same way from the same column: most cells of a
# large sheet repeat a text another row has) and what the KPI row adds (shared by the row's values).
READING_FIELDS = ("value_kind", "fiscal_year", "year_type", "period_start_fy", "period_end_fy", "year_text", "value",
                  "unit", "qualifier", "cumulative_value", "original_text", "part", "note", "column", "per_year")
OWNER_FIELDS = ("kpi_id", "entity", "plan", "kpi_name", "item_code", "file", "sheet", "row", "where", "given")
# positions in a reading and in an owner
(KIND, FY, YEAR_TYPE, START, END, YEAR_TEXT, VALUE, UNIT, QUALIFIER, CUM, ORIGINAL, PART, NOTE, COLUMN,
 PER_YEAR) = range(len(READING_FIELDS))
FILE, ROW, WHERE, GIVEN = 5, 7, 8, 9
READING_INDEX = {name: i for i, name in enumerate(READING_FIELDS)}
OWNER_INDEX = {name: i for i, name in enumerate(OWNER_FIELDS)}


def replaced(reading: tuple, **changes) -> tuple:
    out = list(reading)
    for name, value in changes.items():
        out[READING_FIELDS.index(name)] = value
    return tuple(out)


class Observation(Mapping):
    """One value read from a file: its observations-table columns and what the result says about it, read as a
    mapping (o["value"]) or as attributes. Five slots: its `reading`, its KPI row's `owner` (set once planned), its
    `status` and `old` (value, original text) when it replaces one, and its row's `record` until planned
    (600,000 values of a 100,000-row sheet as dicts took ~0.5 GB; with a slot per field ~0.2 GB)."""

    __slots__ = ("reading", "owner", "record", "status", "old")

    def __getitem__(self, name: str):
        if name not in _OBSERVATION_FIELD_SET:
            raise KeyError(name)
        return getattr(self, name, None)  # a field never set is None

    def __setitem__(self, name: str, value) -> None:
        if name not in _OBSERVATION_FIELD_SET:
            raise KeyError(name)
        setattr(self, name, value)

    @property
    def source(self) -> str | None:
        k = getattr(self, "owner", None)
        if k is None:
            return None
        where = f"{k[WHERE]} 「{self.reading[COLUMN]}」列"
        return f"{k[GIVEN]}（取込: {where}）" if k[GIVEN] else where

    def __iter__(self):
        return iter(OBSERVATION_FIELDS)

    def __len__(self) -> int:
        return len(OBSERVATION_FIELDS)

    def update(self, **values) -> None:
        for name, value in values.items():
            self[name] = value

    def __repr__(self) -> str:
        return f"Observation({dict(self)!r})"


def _reading_property(i: int, name: str) -> property:
    def get(self):
        return self.reading[i]

    def set(self, value) -> None:
        self.reading = replaced(self.reading, **{name: value})  # a copy: the reading may be shared
    return property(get, set)


def _owner_property(i: int) -> property:
    def get(self):
        k = getattr(self, "owner", None)
        return None if k is None else k[i]
    return property(get)


def _old_property(i: int) -> property:
    """old_value / old_original_text: the halves of `old` (the stored value an import replaces), set one at a time."""
    def get(self):
        old = getattr(self, "old", None)
        return old[i] if old else None

    def set(self, value) -> None:
        old = list(getattr(self, "old", None) or (None, None))
        old[i] = value
        self.old = tuple(old)
    return property(get, set)


Observation.old_value, Observation.old_original_text = _old_property(0), _old_property(1)
for _i, _name in enumerate(READING_FIELDS):
    setattr(Observation, _name, _reading_property(_i, _name))
for _i, _name in enumerate(OWNER_FIELDS[:8]):
    setattr(Observation, _name, _owner_property(_i))


@dataclass
class SheetPreview:
    file: str
    sheet: str
    layout: str
    header_row: int
    headers: list[str]
    rows: list[tuple[int, list[str]]]  # (spreadsheet row, cell texts)
    encoding: str = ""


@dataclass
class ImportResult:
    import_id: str
    files: list[str]
    dry_run: bool
    kpis: list[dict] = field(default_factory=list)
    observations: list[dict] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)
    errors: list[Issue] = field(default_factory=list)
    history: list[dict] = field(default_factory=list)  # values this import replaces (the store's change feed keeps them)
    starts: list[dict] = field(default_factory=list)  # 施策開始日 cells: one per plan and 施策, with their status
    created: dict[str, int] = field(default_factory=dict)  # entities/plans/areas created
    previews: list[SheetPreview] = field(default_factory=list)
    written: bool = False
    plan: "ImportPlan | None" = field(default=None, repr=False)  # a dry run's tables to write (keep_plan=True)

    @property
    def ok(self) -> bool:
        return not self.errors

    def counts(self) -> dict[str, int]:
        kpis = Counter(map(itemgetter("status"), self.kpis))
        try:  # asked on every rerun of the page: an Observation's status is an attribute, no mapping lookup
            values = Counter(map(attrgetter("status"), self.observations))
        except AttributeError:  # dicts
            values = Counter(o["status"] for o in self.observations)
        out = {f"{t}_{s}": c.get(s, 0) for t, c in (("kpis", kpis), ("observations", values)) for s in STATUS_JA}
        out.update({f"{t}_new": self.created.get(t, 0) for t in ("entities", "plans", "areas")})
        starts = Counter(s["status"] for s in self.starts)
        out.update({f"measure_starts_{s}": starts.get(s, 0) for s in STATUS_JA})
        out.update(warnings=len(self.warnings), errors=len(self.errors))
        return out

    @property
    def changed(self) -> bool:
        c = self.counts()
        return bool(c["kpis_new"] or c["kpis_updated"] or c["observations_new"] or c["observations_updated"]
                    or c["entities_new"] or c["plans_new"] or c["areas_new"] or c["measure_starts_new"]
                    or c["measure_starts_updated"])

    def to_json(self) -> dict:
        out = {"kpis": self.kpis, "observations": [{k: o[k] for k in OBSERVATION_KEYS} for o in self.observations],
               "warnings": [w.as_dict() for w in self.warnings], "errors": [e.as_dict() for e in self.errors]}
        if self.starts:  # only files with a 施策開始日 column: the document's keys stay as they were for the others
            out["measure_starts"] = self.starts
        return out


@dataclass
class ImportPlan:
    """What a dry run would write: `commit` writes it if the data directory is still at `version`."""

    tables: dict[str, pl.DataFrame]
    directory: str
    version: str
    scopes: dict | None = None  # write_tables' scopes: the rows of these plans were read, only they are replaced

