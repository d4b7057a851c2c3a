"""Import the KPI sheets policy staff keep in Excel (.xlsx) or CSV into the data directory.

`import_files([...], directory, dry_run=...)` reads every file, parses every cell with
`parsing.parse_value`, matches entities, plans and KPIs by name, and compares each value with the one
stored for the same KPI × fiscal year × kind. Then, and only if no file has an error, it writes all
changed tables in one `store.write_tables` call (temporary files and renames). Nothing is written for a
dry run, for a file with errors, or when nothing changed (so re-importing a file leaves the directory
byte-for-byte as it was). A replaced value is kept in `observation_history` with time, file and user.

Nothing is guessed silently: what the importer infers (a direction, a blank 自治体 taken from the row
above, a new entity) is reported as a warning with file, sheet, row and column; what it cannot read is
an error there. Reading files and headers lives in `importer_read`.
"""
from __future__ import annotations

import gc
import getpass
import os
import re
import unicodedata
import uuid
from collections import Counter
from collections.abc import Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from functools import lru_cache
from itertools import islice
from math import prod
from operator import attrgetter, itemgetter
from pathlib import Path
from typing import Callable, Iterable

import polars as pl

try:  # CPython's own SHA-1: the same digest, without OpenSSL's setup for each of 200,000 short ids
    from _sha1 import sha1 as _sha1
except ImportError:  # pragma: no cover
    from hashlib import sha1 as _sha1

from . import schema, store
from .eras import YearParseError, YearRef, format_fiscal_year as _fy_text, parse_year, value_span
from .importer_read import (GONE, HEADER_SEARCH_ROWS, MAX_FILE_BYTES, SKIPPED_SHEETS, Column, FileRejected, Issue,
                            Record, cell_text, find_layout, norm_header, number_text, read_file, records)
from .parsing import MAX_DIGITS, MULTIPLIERS, ParsedValue, ValueParseError, format_value, normalise_text, parse_value
from .synth import PREFECTURES

__all__ = ["MAX_FILE_BYTES", "HEADER_SEARCH_ROWS", "ImportPlan", "ImportResult", "Issue", "commit", "import_files",
           "import_paths",
           "parse_cell", "try_parse_cell", "split_unit", "direction_of"]

ID_PREFIX = "imp-"
PREVIEW_ROWS = 2000  # rows of each sheet kept for the preview

DIRECTION_WORDS = {
    "increase": ("増加", "増", "上昇", "向上", "拡大", "増やす", "高く", "↑", "↗", "up", "increase", "higher"),
    "decrease": ("減少", "減", "低下", "削減", "縮減", "減らす", "低く", "↓", "↘", "down", "decrease", "lower"),
    "maintain_min": ("維持", "現状維持", "維持以上", "現状維持以上", "以上", "→", "maintain", "maintain_min"),
    "maintain_max": ("維持以下", "現状維持以下", "以下", "maintain_max"),
    "rank": ("順位", "ランク", "上位", "rank"),
    "qualitative": ("定性", "定性的", "定性指標", "qualitative"),
}
_DIRECTION_OF = {w.lower(): d for d, words in DIRECTION_WORDS.items() for w in words}
VALUE_KIND_WORDS = {
    "baseline": ("基準値", "基準", "baseline"),
    "target": ("目標値", "目標", "target"),
    "actual": ("実績値", "実績", "現状値", "現状", "actual"),
    "estimate": ("見込み", "見込", "見込値", "見込み値", "見通し", "estimate"),
}
_VALUE_KIND_OF = {w.lower(): k for k, words in VALUE_KIND_WORDS.items() for w in words}
_IDENT = ("kpi_id", "entity", "plan", "item_code", "kpi_name")
_LOCATE, _NEW_KPI = ("kpi_id", "entity", "plan", "item_code"), ("item_code", "kpi_name", "note")
_EXPLICIT = ("direction", "kind", "unit", "cumulative", "measure", "background", "area", "department")
TRUE_WORDS = {"true", "1", "yes", "はい", "○", "◯", "〇", "✓", "✔", "累計", "該当"}
FALSE_WORDS = {"false", "0", "no", "いいえ", "×", "✕", "単年", "単年度", "非該当"}
ENTITY_TYPE_JA = {"prefecture": "都道府県", "municipality": "市区町村", "region": "連携中枢都市圏・圏域", "nation": "国"}
STATUS_JA = {"new": "新規", "updated": "更新", "unchanged": "変更なし"}
# What the result (and the CLI's JSON) says about each value; its dicts also carry the table's columns.
OBSERVATION_KEYS = ("entity", "plan", "kpi_name", "kpi_id", "item_code", "fiscal_year", "year_text", "year_type",
                    "value_kind", "value", "unit", "qualifier", "original_text", "cumulative_value", "note", "source",
                    "file", "sheet", "row", "column", "status", "old_value", "old_original_text")
OBSERVATION_FIELDS = OBSERVATION_KEYS + ("period_start_fy", "period_end_fy", "part")  # + the table's own columns
_OBSERVATION_FIELD_SET = frozenset(OBSERVATION_FIELDS)
_KEEP = "現状維持"
MAX_YEARLY_TARGET_YEARS = 30  # a yearly target laid out over more years than any plan has is cut to the last 30
MAX_READINGS = 20_000  # value readings kept for the next cell like it (cleared when full: memory stays bounded)
_KEEPS, _YEARLY, _CUMULATIVE = 1, 2, 4  # a reading may be a 現状維持 target, a yearly target, or have a 累計 value


# ------------------------------------------------------------------------------------------ cells

def _key_once(text: str) -> str:
    """key() of a str, not kept: for names met once (a sheet's KPI names and codes)."""
    if text.isascii():  # NFKC leaves ASCII as it is
        return "".join(text.split()).lower()
    return "".join(unicodedata.normalize("NFKC", text).split()).lower()  # split(): the whitespace of re's \s


_key_text = lru_cache(maxsize=65536)(_key_once)


def key(text) -> str:
    """Names compared the way people read them: full/half width, spaces and case do not matter."""
    return _key_text(text if type(text) is str else cell_text(text))


def parse_cell(raw, qualitative: bool = False, part: int | None = None) -> ParsedValue:
    """One value cell (str from a CSV, or int/float/datetime from Excel) → ParsedValue.
    Raises only ValueParseError (Japanese message). A qualitative KPI keeps words as its note."""
    if raw is None:
        return ParsedValue(None)
    if isinstance(raw, bool):
        raise ValueParseError(f"「{raw}」は数値ではありません")
    if isinstance(raw, (int, float)):
        if raw != raw or raw in (float("inf"), float("-inf")):
            raise ValueParseError("数値ではありません（エラー値）")
        if abs(raw) >= 10**MAX_DIGITS:  # float() of a 310-digit int overflows; no plan has such a figure
            raise ValueParseError(f"数値「{number_text(raw)[:30]}…」が大きすぎます（{MAX_DIGITS}桁まで）")
        return ParsedValue(float(raw), original_text=number_text(raw))
    if isinstance(raw, (datetime, date)):
        raise ValueParseError(f"「{cell_text(raw)}」は日付として入力されています。数値を入力してください"
                              "（Excel が日付に変えた場合は、セルの書式を「文字列」にしてください）")
    text = str(raw)
    try:
        parsed = parse_value(text, part=part)
    except ValueError as e:
        if qualitative and text.strip():
            return ParsedValue(None, note=normalise_text(text), original_text=text)
        message = str(e)
        if not re.search(r"\d", normalise_text(text)):
            message += "。定性的な指標なら「方向」列に「定性」と記入してください"
        raise ValueParseError(message) from None
    if parsed.parts:
        raise ValueParseError(f"「{text.strip()}」に複数の値（①②…）があります。指標ごとに行を分けてください")
    if parsed.value is not None and parsed.value != parsed.value:
        raise ValueParseError(f"「{text.strip()}」を数値として読み取れません")
    return parsed


def try_parse_cell(raw, qualitative: bool = False) -> tuple[ParsedValue | None, str | None]:
    """(value, None) or (None, Japanese error): never raises."""
    try:
        return parse_cell(raw, qualitative), None
    except ValueParseError as e:
        return None, str(e)


@lru_cache(maxsize=4096)  # once per KPI row, the same few units
def split_unit(unit: str) -> tuple[str, int]:
    """A unit with a multiplier → (base unit, factor): 千円 → (円, 1000), 百万円 → (円, 10**6), % → (%, 1)."""
    u = normalise_text(unit)
    for prefix in sorted(MULTIPLIERS, key=len, reverse=True):
        if u.startswith(prefix):
            return u[len(prefix):], MULTIPLIERS[prefix]
    return u, 1


def direction_of(text: str) -> str | None:
    """増加/減少/維持/上昇/低下/以上/以下/順位/定性 or English → a direction of schema.DIRECTIONS."""
    return _DIRECTION_OF.get(key(text))


def _year_of(raw) -> YearRef:
    if isinstance(raw, (datetime, date)):
        return parse_year(f"{raw.year}.{raw.month}")
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        return parse_year(number_text(raw))
    return parse_year(str(raw).strip())


def _h(*parts: str) -> str:
    return _sha1("|".join(parts).encode("utf-8")).hexdigest()[:10]


def _failed(issue: tuple) -> tuple[None, tuple, int]:
    return None, (issue,), 0


def _same_number(a, b) -> bool:
    if a is None or b is None or a != a or b != b:
        return (a is None or a != a) and (b is None or b != b)
    return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))


# ------------------------------------------------------------------------------------------ result

# What a value cell reads as (a tuple, shared by the values read the same way from the same column: most cells of a
# large sheet repeat a text another row has) and what the KPI row adds (shared by the row's values).
READING_FIELDS = ("value_kind", "fiscal_year", "year_type", "period_start_fy", "period_end_fy", "year_text", "value",
                  "unit", "qualifier", "cumulative_value", "original_text", "part", "note", "column", "per_year")
OWNER_FIELDS = ("kpi_id", "entity", "plan", "kpi_name", "item_code", "file", "sheet", "row", "where", "given")
(_KIND, _FY, _YEAR_TYPE, _START, _END, _YEAR_TEXT, _VALUE, _UNIT, _QUALIFIER, _CUM, _ORIGINAL, _PART, _NOTE, _COLUMN,
 _PER_YEAR) = range(len(READING_FIELDS))
_FILE, _ROW, _WHERE, _GIVEN = 5, 7, 8, 9
_READING_INDEX = {name: i for i, name in enumerate(READING_FIELDS)}
_OWNER_INDEX = {name: i for i, name in enumerate(OWNER_FIELDS)}


def _replaced(reading: tuple, **changes) -> tuple:
    out = list(reading)
    for name, value in changes.items():
        out[READING_FIELDS.index(name)] = value
    return tuple(out)


class Observation(Mapping):
    """One value read from a file: its observations-table columns and what the result says about it, read as a
    mapping (o["value"]) or as attributes. Five slots: its reading `r`, its KPI row's `k` (set once planned), its
    `status` and `old` (value, original text) when it replaces one, and the record `rec` until planned
    (600,000 values of a 100,000-row sheet as dicts took ~0.5 GB; with a slot per field ~0.2 GB)."""

    __slots__ = ("r", "k", "rec", "status", "old")

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
        k = getattr(self, "k", None)
        if k is None:
            return None
        where = f"{k[_WHERE]} 「{self.r[_COLUMN]}」列"
        return f"{k[_GIVEN]}（取込: {where}）" if k[_GIVEN] else where

    @property
    def old_value(self):
        old = getattr(self, "old", None)
        return old[0] if old else None

    @old_value.setter
    def old_value(self, value) -> None:
        self.old = (value, self.old_original_text)

    @property
    def old_original_text(self):
        old = getattr(self, "old", None)
        return old[1] if old else None

    @old_original_text.setter
    def old_original_text(self, value) -> None:
        self.old = (self.old_value, value)

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
        return self.r[i]

    def set(self, value) -> None:
        self.r = _replaced(self.r, **{name: value})  # a copy: the reading may be shared
    return property(get, set)


def _owner_property(i: int) -> property:
    def get(self):
        k = getattr(self, "k", None)
        return None if k is None else k[i]
    return property(get)


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
    history: list[dict] = field(default_factory=list)  # rows appended to observation_history
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
        out.update(warnings=len(self.warnings), errors=len(self.errors))
        return out

    @property
    def changed(self) -> bool:
        c = self.counts()
        return bool(c["kpis_new"] or c["kpis_updated"] or c["observations_new"] or c["observations_updated"]
                    or c["entities_new"] or c["plans_new"] or c["areas_new"])

    def to_json(self) -> dict:
        return {"kpis": self.kpis, "observations": [{k: o[k] for k in OBSERVATION_KEYS} for o in self.observations],
                "warnings": [w.as_dict() for w in self.warnings], "errors": [e.as_dict() for e in self.errors]}


@dataclass
class ImportPlan:
    """What a dry run would write: `commit` writes it if the data directory is still at `version`."""

    tables: dict[str, pl.DataFrame]
    directory: str
    version: str


# ------------------------------------------------------------------------------------------ planner

class _Draft:
    """One KPI of the import: its rows (one in the wide layout, several in the long layout)."""

    __slots__ = ("ident", "records")

    def __init__(self, ident: tuple):
        self.ident = ident
        self.records: list[Record] = []


class _Planner:
    """Turns records into new/changed rows of the data directory's tables."""

    def __init__(self, tables: dict[str, pl.DataFrame], result: ImportResult, user: str, now: datetime):
        self.t = tables
        self.r = result
        self.user = user
        self.now = now
        self.entities = {r["entity_id"]: r for r in tables["entities"].to_dicts()}
        self.entity_by_name = {key(r["name"]): r for r in self.entities.values()}
        self.plans = {r["plan_id"]: r for r in tables["plans"].to_dicts()}
        self.plan_by_name = {(r["entity_id"], key(r["name"])): r for r in self.plans.values()}
        self.plans_by_key: dict[str, list[dict]] = {}  # a plan's name → the plans of that name
        self.index_plans()
        self.areas = {(r["plan_id"], r["area_code"]): r for r in tables["areas"].to_dicts()}
        self.area_by_name = {(r["plan_id"], key(r["area_name"])): r for r in self.areas.values()}
        self.kpis = {r["kpi_id"]: r for r in tables["kpis"].to_dicts()}
        self.kpi_by_item = {(r["plan_id"], key(r["item_code"]), key(r["kpi_name"])): r for r in self.kpis.values()}
        self.kpi_by_name: dict[tuple, list[dict]] = {}
        for r in self.kpis.values():
            self.kpi_by_name.setdefault((r["plan_id"], key(r["kpi_name"])), []).append(r)
        self.new_entities: dict[str, dict] = {}
        self.new_plans: dict[str, dict] = {}
        self.new_areas: dict[tuple, dict] = {}
        self.kpi_rows: dict[str, dict] = {}  # new or updated KPI rows
        self.obs: dict[tuple, dict] = {}  # (kpi_id, value_kind, fiscal_year) → new row
        self.plan_years: dict[str, dict[str, list[int]]] = {}  # plan_id → kind → [min, max] fiscal year
        self.reported: dict[str, dict] = {}  # kpi_id → its entry in the result
        self.located: dict[tuple, tuple] = {}  # (自治体, 計画) as written → (entity, plan) found for it
        self.unknown_entities: set[str] = set()
        self.parsed: dict[tuple, ParsedValue] = {}
        # (sheet, qualitative, unit, factor) → per value column: cell (and year …) → read_value's answer
        self.readings: dict[tuple, list[dict]] = {}
        self.n_readings = 0
        self.documents = {r["source_id"]: r for r in tables["sources"].to_dicts()} if "sources" in tables else {}
        self.unknown_documents: set[str] = set()
        self.kpi_order: dict[str, int] = {}  # plan_id → the largest sort_order so far
        for r in self.kpis.values():
            self.kpi_order[r["plan_id"]] = max(self.kpi_order.get(r["plan_id"], 0), r["sort_order"] or 0)
        self.area_order: dict[str, int] = {}
        for (plan_id, _), r in self.areas.items():
            self.area_order[plan_id] = max(self.area_order.get(plan_id, 0), r["sort_order"] or 0)

    # -- issues
    def err(self, rec: Record, column: str, message: str) -> None:
        self.r.errors.append(Issue(rec.file, rec.row, column, message, rec.sheet))

    def warn(self, rec: Record, column: str, message: str) -> None:
        self.r.warnings.append(Issue(rec.file, rec.row, column, message, rec.sheet))

    def source(self, rec: Record, column: str | None = None) -> str:
        where, given = self.row_source(rec)
        if column:
            where += f" 「{column}」列"
        return f"{given}（取込: {where}）" if given else where

    def row_source(self, rec: Record) -> tuple[str, str]:
        """(where the row is, the source it names): asked for every value of the row, made once per row."""
        parts = rec.source
        if parts is None:
            where = rec.file + (f" シート「{rec.sheet}」" if rec.sheet else "") + f" {rec.row}行目"
            parts = rec.source = (where, rec.text("source") or self.cited(rec))
        return parts

    def cited(self, rec: Record) -> str:
        """source_id/source_place (the embedded data's CSVs) → the readable source, as the build writes it: ids and
        places separated by ';' in the same order. An id the sources table lacks is kept as written (and said once)."""
        if not rec.text("source_id"):
            return ""
        from .build import citation

        ids = [x.strip() for x in rec.text("source_id").split(";")]
        places = [x.strip() for x in rec.text("source_place").split(";")]
        places += [""] * (len(ids) - len(places))
        out = []
        for i, place in zip(ids, places):
            if i in self.documents:
                out.append(citation(self.documents[i], place))
                continue
            if i not in self.unknown_documents:
                self.unknown_documents.add(i)
                self.warn(rec, rec.header("source_id", "source_id"),
                          f"出典ID「{i}」は出典の一覧（sources）にありません。IDをそのまま出典として記録します")
            out.append(f"{i} {place}".strip())
        return "；".join(x for x in out if x)

    # -- entities, plans, areas
    def index_plans(self) -> None:
        self.plans_by_key.clear()
        for r in self.plans.values():
            self.plans_by_key.setdefault(key(r["name"]), []).append(r)

    def entity(self, name: str, rec: Record) -> dict | None:
        k = key(name)
        found = self.entity_by_name.get(k) or self.entities.get(name)
        if found:
            return found
        kind = entity_type(name)
        if kind is None:
            if k in self.unknown_entities:
                return None  # said once per name
            self.unknown_entities.add(k)
            self.err(rec, rec.header("entity", "自治体"),
                     f"自治体「{name}」は未登録で、都道府県・市区町村・連携中枢都市圏のどれか判定できません。"
                     "正式名称（例: 富山県、高岡市、熊本連携中枢都市圏）を記入してください")
            return None
        entity_type_, code = kind
        row = {"entity_id": ID_PREFIX + _h("entity", k), "name": name, "entity_type": entity_type_, "code": code,
               "central_city": None, "synthetic": False, "source": self.source(rec)}
        self.entity_by_name[k] = self.new_entities[row["entity_id"]] = self.entities[row["entity_id"]] = row
        self.warn(rec, rec.header("entity", "自治体"),
                  f"自治体「{name}」は未登録のため新しく登録します（種別: {ENTITY_TYPE_JA[entity_type_]}）")
        return row

    def plan(self, entity: dict, name: str, rec: Record) -> dict:
        k = (entity["entity_id"], key(name))
        found = self.plan_by_name.get(k)
        if found is None and name in self.plans and self.plans[name]["entity_id"] == entity["entity_id"]:
            found = self.plans[name]
        if found:
            return found
        plan_type = rec.text("plan_type") or plan_type_of(name, entity["entity_type"])
        row = {"plan_id": ID_PREFIX + _h("plan", entity["entity_id"], key(name)), "entity_id": entity["entity_id"],
               "name": name, "plan_type": plan_type, "vision": None, "period_start_fy": None, "period_end_fy": None,
               "note": "データ取込で登録", "synthetic": False, "source": self.source(rec)}
        period = rec.text("plan_period")
        if period:
            try:
                ref = parse_year(period)
                row["period_start_fy"], row["period_end_fy"] = ref.start_fy, ref.end_fy
            except YearParseError as e:
                self.err(rec, rec.header("plan_period", "計画期間"), str(e))
        replaced = row["plan_id"] in self.plans
        self.plan_by_name[k] = self.new_plans[row["plan_id"]] = self.plans[row["plan_id"]] = row
        if replaced:
            self.index_plans()
        else:
            self.plans_by_key.setdefault(key(name), []).append(row)
        self.warn(rec, rec.header("plan", "計画"), f"計画「{name}」（{entity['name']}）は未登録のため新しく登録します")
        return row

    def area(self, plan_id: str, name: str, rec: Record) -> str | None:
        if not name:
            return None
        found = self.area_by_name.get((plan_id, key(name))) or self.areas.get((plan_id, name))
        if found:
            return found["area_code"]
        order = self.area_order[plan_id] = self.area_order.get(plan_id, 0) + 1
        row = {"plan_id": plan_id, "area_code": ID_PREFIX + _h("area", key(name))[:8], "area_name": name,
               "statement": None, "sort_order": order, "source": self.source(rec)}
        self.areas[(plan_id, row["area_code"])] = self.area_by_name[(plan_id, key(name))] = row
        self.new_areas[(plan_id, row["area_code"])] = row
        return row["area_code"]

    # -- one KPI
    def explicit(self, draft: _Draft, name: str):
        """The value a KPI's rows give for an attribute column; different values in its rows are an error."""
        value, where = None, None
        for rec in draft.records:
            text = rec.text(name)
            if not text:
                continue
            if value is None:
                value, where = text, rec
            elif key(text) != key(value):
                self.err(rec, rec.header(name, name),
                         f"同じ指標の「{rec.header(name, name)}」が行によって違います（{where.row}行目「{value}」、"
                         f"この行「{text}」）")
        return value, where

    def locate(self, draft: _Draft) -> tuple[dict | None, dict | None, dict | None]:
        """(entity, plan, existing KPI or None) for a draft; None entity/plan on error."""
        rec = draft.records[0]
        kpi_id, entity_name, plan_name, item = rec.texts_of(_LOCATE)
        if kpi_id:
            kpi = self.kpis.get(kpi_id)
            if kpi is None:
                self.err(rec, rec.header("kpi_id", "kpi_id"), f"指標ID「{kpi_id}」は登録されていません")
                return None, None, None
            plan = self.plans[kpi["plan_id"]]
            return self.entities.get(plan["entity_id"]), plan, kpi
        if not plan_name:
            self.err(rec, rec.header("plan", "計画"), "計画が空欄です（「計画」列に計画名を記入してください）")
            return None, None, None
        if not entity_name:
            same = self.plans_by_key.get(key(plan_name), [])
            if len(same) != 1:
                self.err(rec, rec.header("entity", "自治体"), "自治体が空欄です（「自治体」列に自治体名を記入してください）")
                return None, None, None
            entity = self.entities[same[0]["entity_id"]]
        else:
            found = self.located.get((entity_name, plan_name))
            if found is not None:  # the same 自治体 and 計画 as a row before: found the same way again
                entity, plan = found
            else:
                entity = self.entity(entity_name, rec)
                if entity is None:
                    return None, None, None
                plan = self.plan(entity, plan_name, rec)
                if len(self.located) < 10_000:
                    self.located[(entity_name, plan_name)] = entity, plan
        if not entity_name:
            plan = self.plan(entity, plan_name, rec)
        item_key, name_key = draft.ident[3:]  # key() of item and name, made once
        kpi = self.kpi_by_item.get((plan["plan_id"], item_key, name_key))
        if kpi is None and not item:
            same = self.kpi_by_name.get((plan["plan_id"], name_key), [])
            kpi = same[0] if len(same) == 1 else None
        return entity, plan, kpi

    def add_draft(self, draft: _Draft) -> None:
        rec = draft.records[0]
        errors_before = len(self.r.errors)
        entity, plan, existing = self.locate(draft)
        if plan is None:
            return
        if len(draft.records) == 1:  # nearly every draft of the wide layout: explicit() of each, at once
            given_direction, given_kind, given_unit, given_cum, measure, background, area_name, department = \
                rec.texts_of(_EXPLICIT)
            given_direction, given_kind, given_unit, given_cum = (given_direction or None, given_kind or None,
                                                                  given_unit or None, given_cum or None)
            measure, background, area_name, department = (measure or None, background or None, area_name or None,
                                                          department or None)
            dir_rec, cum_rec, area_rec = (rec if given_direction else None, rec if given_cum else None,
                                          rec if area_name else None)
        else:
            given_direction, dir_rec = self.explicit(draft, "direction")
            given_kind, _ = self.explicit(draft, "kind")
            given_unit, _ = self.explicit(draft, "unit")
            given_cum, cum_rec = self.explicit(draft, "cumulative")
            measure, _ = self.explicit(draft, "measure")
            background, _ = self.explicit(draft, "background")
            area_name, area_rec = self.explicit(draft, "area")
            department, _ = self.explicit(draft, "department")
        direction = None
        if given_direction:
            direction = direction_of(given_direction)
            if direction is None:
                self.err(dir_rec, dir_rec.header("direction", "方向"),
                         f"方向「{given_direction}」を読み取れません（増加・減少・維持・上昇・低下・以上・以下・順位・定性、"
                         "または increase/decrease/maintain_min/maintain_max/rank/qualitative）")
        if given_kind and key(given_kind) in ("定性", "定性的", "qualitative"):
            direction = "qualitative"
        cumulative = None
        if given_cum:
            word = key(given_cum)
            if word in TRUE_WORDS or word in FALSE_WORDS:
                cumulative = word in TRUE_WORDS
            else:
                self.err(cum_rec, cum_rec.header("cumulative", "累計"),
                         f"「{given_cum}」を読み取れません（累計の指標なら「累計」または「○」、そうでなければ空欄）")
        qualitative = direction == "qualitative" or (direction is None and existing is not None
                                                     and existing["direction"] == "qualitative")
        base_unit, factor = split_unit(given_unit) if given_unit else ("", 1)
        if factor != 1 and given_unit:
            self.warn(rec, rec.header("unit", "単位"),
                      f"単位「{given_unit}」の値は {base_unit or '1'} に換算して保存します（×{factor:,}）")

        obs, bits = self.values(draft, qualitative, base_unit if given_unit else "", factor)
        if len(self.r.errors) > errors_before:
            return

        cell_units = Counter(o.r[_UNIT] for o in obs if o.r[_UNIT]) if not given_unit else None
        unit = base_unit if given_unit else (cell_units.most_common(1)[0][0] if cell_units else
                                             (existing["unit"] if existing else ""))
        if not given_unit and len(cell_units) > 1 and existing is None:
            self.warn(rec, "単位", f"セルの単位がそろっていません（{', '.join(cell_units)}）。「単位」列に記入してください")

        inferred = None
        if direction is None:
            if existing is not None:
                direction = existing["direction"]
            else:
                direction, inferred = infer_direction(obs, unit)
                self.warn(rec, rec.header("direction", "方向"), inferred)
        if bits & _KEEPS:
            self.resolve_keep_targets(draft, obs, existing)
        yearly = self.lay_out_yearly_targets(obs, plan) if bits & _YEARLY else False

        if cumulative is None:
            has_cum = bool(bits & _CUMULATIVE)  # any value with a 累計 part
            cumulative = existing["cumulative"] if existing is not None else False
            if has_cum and not cumulative:
                if existing is None:
                    cumulative = True
                    self.warn(rec, "累計", "セルに「累計」の値があるため、累計の指標として扱います")
                else:
                    self.warn(rec, "累計", "セルに「累計」の値がありますが、登録済みの指標は累計ではありません（変更しません）")

        area_code = self.area(plan["plan_id"], area_name, area_rec or rec) if area_name else None
        kind = "qualitative" if direction == "qualitative" else "quantitative"
        if existing is None:
            item, name, notes = rec.texts_of(_NEW_KPI)
            item_key, name_key = draft.ident[3:]  # key(item), key(name): a draft found by name
            kpi_id = f"{plan['plan_id']}:{ID_PREFIX}{_h('kpi', item_key, name_key)}"
            order = self.kpi_order[plan["plan_id"]] = self.kpi_order.get(plan["plan_id"], 0) + 1
            if rec.layout != "wide":
                notes = ""
            if department or inferred:
                notes = [n for n in (notes, f"担当: {department}" if department else "",
                                     f"方向は推定: {inferred}" if inferred else "") if n]
            row = {"kpi_id": kpi_id, "plan_id": plan["plan_id"], "area_code": area_code, "item_code": item or None,
                   "measure": measure, "kpi_name": name, "indicator_id": ID_PREFIX + _h("indicator", name_key),
                   "unit": unit, "direction": direction, "kind": kind, "cumulative": cumulative,
                   "per_year_target": yearly, "statement": None,
                   "background": background, "sort_order": order,
                   "note": (notes if type(notes) is str else " / ".join(notes)) or None,
                   "synthetic": False, "source": self.source(rec), "source_id": None, "source_place": None}
            kpi_source = row["source"]  # the same text for the result's entry: one string, not two
            self.kpis[kpi_id] = self.kpi_rows[kpi_id] = row
            self.kpi_by_item[(plan["plan_id"], item_key, name_key)] = row
            self.kpi_by_name.setdefault((plan["plan_id"], name_key), []).append(row)
            status = "new"
        else:
            kpi_source = None
            row = dict(existing)
            changes = []
            updates = {"unit": unit if given_unit else None, "direction": direction if given_direction or given_kind else None,
                       "kind": kind if given_direction or given_kind else None, "cumulative": cumulative if given_cum else None,
                       "measure": measure, "background": background, "area_code": area_code,
                       "per_year_target": True if yearly else None}
            labels = {"unit": "単位", "direction": "方向", "kind": "種類", "cumulative": "累計", "measure": "施策",
                      "background": "背景", "area_code": "分野", "per_year_target": "毎年の目標"}
            for col, new in updates.items():
                if new is not None and new != existing[col] and not (isinstance(new, str) and key(new) == key(existing[col])):
                    row[col] = new
                    if col == "area_code":
                        old_area = self.areas.get((row["plan_id"], existing[col]), {}).get("area_name", existing[col])
                        changes.append(f"分野: {old_area or '（なし）'} → {area_name}")
                    elif col == "per_year_target":
                        changes.append("目標を毎年の目標として扱う")
                    elif col != "kind":
                        changes.append(f"{labels[col]}: {existing[col]} → {new}")
            if changes:
                self.kpis[row["kpi_id"]] = self.kpi_rows[row["kpi_id"]] = row
                self.warn(rec, "指標名", f"登録済みの指標「{row['kpi_name']}」の属性を更新します（{'; '.join(changes)}）")
            status = "updated" if changes else "unchanged"
        if row["kpi_id"] in self.reported:  # a second draft for the same KPI (kpi_id in one file, its name in another)
            if status == "updated":
                self.reported[row["kpi_id"]]["status"] = "updated"
        else:
            self.r.kpis.append(self.reported.setdefault(row["kpi_id"], {
                "kpi_id": row["kpi_id"], "entity": entity["name"] if entity else "", "plan": plan["name"],
                "area": area_name or "", "item_code": row["item_code"] or "", "measure": row["measure"] or "",
                "kpi_name": row["kpi_name"], "unit": row["unit"] or "", "direction": row["direction"],
                "direction_inferred": bool(inferred), "kind": row["kind"], "cumulative": bool(row["cumulative"]),
                "status": status, "source": kpi_source or self.source(rec), "file": rec.file, "sheet": rec.sheet,
                "row": rec.row,
            }))
        self.add_observations(obs, entity, plan, row)
        if row["plan_id"] in self.new_plans and plan["period_end_fy"] is None:  # what finish_plans reads
            years = self.plan_years.setdefault(plan["plan_id"], {})
            for o in obs:
                kind_, fy = o.r[_KIND], o.r[_FY]
                span = years.get(kind_)
                if span is None:
                    years[kind_] = [fy, fy]
                elif fy < span[0]:
                    span[0] = fy
                elif fy > span[1]:
                    span[1] = fy

    def values(self, draft: _Draft, qualitative: bool, unit: str, factor: int) -> tuple[list[Observation], int]:
        """The observations of a draft's value cells (errors recorded, bad cells left out), and the _KEEPS/_YEARLY/
        _CUMULATIVE bits of their readings. A cell is read once per column, text, year and unit: the next cell like
        it takes the same reading and the same messages."""
        out = []
        bits = 0
        errors, warnings = self.r.errors, self.r.warnings
        new = Observation.__new__
        for rec in draft.records:
            long = rec.layout == "long"
            shape, dittos = rec.shape, rec.dittos
            columns, year_fields = shape.value_columns, shape.year_fields
            memos = self.readings.get((shape, qualitative, unit, factor))
            if memos is None:
                if self.n_readings >= MAX_READINGS:
                    self.readings.clear()  # bounded: a sheet of distinct texts gains nothing from it
                    self.n_readings = 0
                memos = self.readings[(shape, qualitative, unit, factor)] = [{} for _ in columns]
            plain = not (long or dittos or rec.gone)  # a left-out cell changes the headers the messages name
            for j, raw in enumerate(rec.vals):
                if raw is None and not long or raw is GONE:
                    continue  # blank (wide layout): no value, nothing to say
                if plain or not (rec.gone or j in dittos):
                    # the type: 1 == 1.0 == True read differently; -0.0 == 0.0 but reads as -0.0
                    k = raw if type(raw) is str else (type(raw), raw if raw or type(raw) is not float else str(raw))
                    year_field = year_fields[j]
                    if long:
                        year = rec.raw("year")
                        k = (k, rec.text("value_kind"), rec.text("part"), rec.text("note"), type(year), year)
                    elif year_field is not None:
                        year = rec.raw(year_field)
                        k = (k, type(year), year)
                    memo = memos[j]
                    hit = memo.get(k)
                    if hit is None:
                        hit = memo[k] = self.read_value(rec, columns[j], raw, False, qualitative, unit, factor)
                        self.n_readings += 1
                else:  # 〃 is rare
                    hit = self.read_value(rec, columns[j], raw, j in dittos, qualitative, unit, factor)
                reading, issues, flags = hit
                for is_error, column, message in issues:
                    (errors if is_error else warnings).append(Issue(rec.file, rec.row, column, message, rec.sheet))
                if reading is not None:
                    if rec.source is None:
                        self.row_source(rec)
                    o = new(Observation)
                    o.r, o.rec = reading, rec
                    out.append(o)
                    bits |= flags
        return out, bits

    def read_value(self, rec: Record, col: Column, raw, ditto: bool, qualitative: bool, unit: str,
                   factor: int) -> tuple[tuple | None, tuple, int]:
        """(the reading, or None; the (error?, column, message) to report at the cell; its _KEEPS/_YEARLY/_CUMULATIVE
        bits) of one value cell. Depends on the cell's column, value and 〃, the unit arguments and the year, kind,
        part and note of its row only."""
        column = col.header
        long = rec.layout == "long"
        if long:
            kind_text = rec.text("value_kind")
            value_kind = _VALUE_KIND_OF.get(key(kind_text))
            if value_kind is None:
                return _failed((True, rec.header("value_kind", "種別"),
                               f"種別「{kind_text}」を読み取れません（基準値・目標値・実績値・見込み のいずれか）"),)
        else:
            value_kind = col.value_kind
        part = None
        if long and rec.text("part"):
            try:
                part = int(normalise_text(rec.text("part")))
            except ValueError:
                return _failed((True, rec.header("part", "part"), f"「{rec.text('part')}」は番号ではありません"),)
        memo = (type(raw), raw, qualitative, part) if isinstance(raw, str) else None
        parsed = self.parsed.get(memo) if memo else None
        if parsed is None:
            try:
                parsed = parse_cell(raw, qualitative, part)
            except ValueParseError as e:
                return _failed((True, column, str(e)),)
            if memo:
                self.parsed[memo] = parsed  # same text, same reading (never mutated below)
        kept_words = parsed.note and parsed.value is None  # 検討中 and friends: no value, kept as a note
        keep = _KEEP in parsed.qualifier and _KEEP in parsed.qualifiers  # the substring first: split() is rare
        if parsed.value is None and not kept_words and not keep:
            return None, (), 0  # blank, ― , -: no value
        if keep and value_kind != "target":
            return _failed((True, column, f"「{parsed.original_text.strip()}」は目標値の列にだけ書けます"),)
        # the fiscal year: the header's (R5実績), the row's year column (基準年度 / 年度), or the cell's own period
        year_ref, year_text = None, ""
        if col.year is not None:
            year_ref, year_text = col.year, _header_year_text(col.header)
        else:
            year_field = "year" if long else col.year_field
            year_raw = rec.raw(year_field)
            if year_raw is not None:
                try:
                    year_ref = _year_of(year_raw)
                    year_text = cell_text(year_raw).strip()
                except YearParseError as e:
                    return _failed((True, rec.column(year_field).header, str(e)),)
            elif parsed.period:
                try:
                    year_ref, year_text = parse_year(parsed.period), parsed.period
                except YearParseError as e:
                    return _failed((True, column, str(e)),)
            else:
                label = {"baseline_year": "基準年度", "target_year": "目標年度", "actual_year": "実績年度",
                         "estimate_year": "見込年度", "year": "年度"}.get(year_field, "年度")
                return _failed((True, column, f"「{column}」の年度が分かりません。「{label}」列に記入するか、"
                                             f"見出しを「{column}（R7）」のように年度付きにしてください"),)
        issues = []
        notes = [rec.text("note") if long else "", parsed.note]
        start, end = value_span(year_ref, parsed.period)
        if parsed.period:
            notes.append(f"期間: {parsed.period}")
        value, cum = parsed.value, parsed.cumulative_value
        cell_unit = parsed.unit
        if factor != 1 and value is not None:
            if not parsed.unit and parsed.multiplier == 1:
                value, cum = _scale(value, factor), (None if cum is None else _scale(cum, factor))
            else:
                issues.append((False, column, f"「{parsed.original_text.strip()}」はセルに単位・倍数が書かれているため、"
                                              "単位列の倍数を掛けずに読みました"))
        if unit and cell_unit and normalise_text(cell_unit) != normalise_text(unit):
            issues.append((False, column, f"「{parsed.original_text.strip()}」の単位「{cell_unit}」が単位列の「{unit}」と異なります"))
        original = parsed.original_text
        if ditto:  # keep what is written; say what it stood for
            notes.append(f"〃（上の行と同じ: {cell_text(raw).strip()}）")
            original = "〃"
        reading = (value_kind, year_ref.fiscal_year, year_ref.year_type, start, end, year_text, value,
                   cell_unit or unit, parsed.qualifier, cum, original, part, " / ".join(n for n in notes if n), column,
                   bool(parsed.per_year and value_kind == "target"))
        bits = ((_KEEPS if value_kind == "target" and _KEEP in parsed.qualifier else 0)
                | (_YEARLY if parsed.per_year else 0) | (_CUMULATIVE if cum is not None else 0))
        return reading, tuple(issues), bits

    def lay_out_yearly_targets(self, obs: list[Observation], plan: dict) -> bool:
        """A yearly target (32名以上／年, 年約2%, 毎年5件) holds for every fiscal year of its period: one target per
        year (PRODUCT.md rule 5). The period is the cell's own span (R4～R8), else the plan's period up to the
        target's year, else from the year after the baseline. A target already written for a year (a row per
        year, or an R5目標 column) is kept as written."""
        yearly = [o for o in obs if o.r[_PER_YEAR] and o.r[_VALUE] is not None]
        if not yearly:
            return False
        written = {o.r[_FY] for o in obs if o.r[_KIND] == "target"}
        baselines = [o.r[_FY] for o in obs if o.r[_KIND] == "baseline"]
        for o in yearly:
            if o.period_start_fy is not None and o.period_start_fy < o.period_end_fy:
                start, end = o.period_start_fy, o.period_end_fy
            else:
                end = o.fiscal_year
                start = min(plan.get("period_start_fy") or (max(baselines) + 1 if baselines else end), end)
            start = max(start, end - MAX_YEARLY_TARGET_YEARS + 1)
            missing = [fy for fy in range(start, end + 1) if fy not in written]
            if not missing:
                continue
            o.note = " / ".join(n for n in (o.note, f"毎年の目標（{_fy_text(start)}～{_fy_text(end)}の各年度に同じ目標）")
                                if n)
            for fy in missing:
                copy = Observation.__new__(Observation)
                copy.rec = o.rec
                copy.r = _replaced(o.r, fiscal_year=fy, period_start_fy=fy, period_end_fy=fy, year_type="fiscal",
                                   year_text=_fy_text(fy))
                obs.append(copy)
                written.add(fy)
        return True

    def resolve_keep_targets(self, draft: _Draft, obs: list[Observation], existing: dict | None) -> None:
        """現状維持（以上） as a target: keep the baseline, so the target's value is the baseline value."""
        keep = [o for o in obs if (r := o.r)[_KIND] == "target" and _KEEP in r[_QUALIFIER]
                and _KEEP in r[_QUALIFIER].split("・")]
        if not keep:
            return
        baselines = [o for o in obs if o["value_kind"] == "baseline" and o["value"] is not None]
        base = max(baselines, key=lambda o: o["fiscal_year"])["value"] if baselines else None
        if base is None and existing is not None:
            stored = self.t["observations"].filter((pl.col("kpi_id") == existing["kpi_id"])
                                                   & (pl.col("value_kind") == "baseline") & pl.col("value").is_not_null())
            if stored.height:
                base = stored.sort("fiscal_year")["value"][-1]
        for o in keep:
            if base is None:
                self.warn(o.rec, o.column,
                          f"「{o['original_text']}」: 基準値がないため目標値の数値を決められません（判定時に基準値を使います）")
                continue
            o["value"] = base
            o["note"] = " / ".join(n for n in (o["note"], f"{o['original_text'].strip()}: 基準値 {format_value(base, o['unit'])} を目標値とした") if n)

    def add_observations(self, obs: list[Observation], entity: dict | None, plan: dict, kpi: dict) -> None:
        """The draft's values into the plan and the result, each KPI × kind × fiscal year once."""
        kpi_id, entity_name = kpi["kpi_id"], entity["name"] if entity else ""
        plan_name, kpi_name, item = plan["name"], kpi["kpi_name"], kpi["item_code"] or ""
        planned, result = self.obs, self.r.observations
        last = owner = None
        for o in obs:
            rec = o.rec
            o.rec = None  # the row can be freed once planned
            r = o.r
            k = (kpi_id, r[_KIND], r[_FY])
            prev = planned.get(k)
            if prev is not None:
                if not (_same_number(prev.r[_VALUE], r[_VALUE]) and prev.r[_QUALIFIER] == r[_QUALIFIER]):
                    self.err(rec, r[_COLUMN],
                             f"同じ指標・年度・種別の値が2つあります（{prev['row']}行目「{prev['column']}」列の"
                             f"「{prev['original_text']}」と、この「{o['original_text']}」）")
                continue
            if rec is not last:  # one owner per row: the row's values share it
                last = rec
                where, given = rec.source
                owner = (kpi_id, entity_name, plan_name, kpi_name, item, rec.file, rec.sheet, rec.row, where, given)
            o.k, o.status = owner, "new"  # `old` unset: nothing replaced
            planned[k] = o
            result.append(o)

    # -- after all drafts
    def finish_plans(self) -> None:
        for plan_id, row in self.new_plans.items():
            if row["period_end_fy"] is not None:
                continue
            years = self.plan_years.get(plan_id, {})
            targets, baselines = years.get("target"), years.get("baseline")
            if targets:
                row["period_end_fy"] = targets[1]
                row["period_start_fy"] = baselines[1] + 1 if baselines else targets[0]
                row["note"] = ("データ取込で登録。計画期間の記入がないため、取込データの年度"
                               "（基準年度の翌年度～最終目標年度）から設定")

    def compare(self) -> None:
        """Each observation: new, updated (the old one goes to history) or unchanged."""
        ids = list(self.reported)  # every KPI with a value here (and maybe a few without: their rows go unused)
        stored = self.t["observations"].filter(pl.col("kpi_id").is_in(ids)) if ids else self.t["observations"].head(0)
        old = {(r["kpi_id"], r["value_kind"], r["fiscal_year"]): r for r in stored.to_dicts()}
        if not old:
            return
        for k, new in self.obs.items():  # the result's entries are these objects
            prev = old.get(k)
            if prev is None:
                continue
            r = new.r
            same = (_same_number(prev["value"], r[_VALUE]) and _same_number(prev["cumulative_value"], r[_CUM])
                    and (prev["qualifier"] or "") == (r[_QUALIFIER] or "")
                    and (prev["original_text"] or "").strip() == (r[_ORIGINAL] or "").strip()
                    and (prev["note"] or "") == (r[_NOTE] or "") and prev["part"] == r[_PART])
            if same:
                new.status = "unchanged"
                continue
            new.status, new.old = "updated", (prev["value"], prev["original_text"])
            self.r.history.append({
                "kpi_id": k[0], "value_kind": k[1], "fiscal_year": k[2], "old_value": prev["value"],
                "old_original_text": prev["original_text"], "new_value": r[_VALUE],
                "new_original_text": r[_ORIGINAL], "changed_at": self.now.isoformat(timespec="seconds"),
                "file_name": new.k[_FILE], "user_name": self.user, "import_id": self.r.import_id,
            })

    def tables(self, fresh: bool) -> dict[str, pl.DataFrame]:
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
            current = self.t[table]
            if replace_on:
                current = current.join(new.select(replace_on), on=replace_on, how="anti", nulls_equal=True)
            parts = _around(current, new, by) if isinstance(rows[0], Observation) and by else None
            if parts is not None:  # in order as they are: conform finds nothing to sort
                out[table] = schema.conform(table, pl.concat(parts, how="vertical"))
                return
            both = pl.concat([current, new], how="vertical")
            del current, new
            out[table] = schema.conform(table, _sorted(both, by) if by and both.height else both)

        add_rows("entities", self.new_entities.values())
        add_rows("plans", self.new_plans.values())
        add_rows("areas", self.new_areas.values())
        add_rows("kpis", self.kpi_rows.values(), ["kpi_id"])
        changed = self._changed_obs()
        add_rows("observations", changed, ["kpi_id", "value_kind", "fiscal_year"])
        add_rows("observation_history", self.r.history)
        if fresh:
            for table in schema.TABLES:
                if table not in out:
                    out[table] = self.t[table]
            if self.t["dataset"].is_empty():
                out["dataset"] = schema.conform("dataset", pl.DataFrame([{
                    "name": "取込データ", "synthetic": False, "data_as_of": self.now.date().isoformat(),
                    "description": "データ取込（python -m kpiboard import / データ取込ページ）で作成。"
                                   "各値の出典は取込ファイル名・シート・行。"}]))
        return out

    def _changed_obs(self) -> list[dict]:
        return [o for o in self.obs.values() if o.status != "unchanged"]  # the result's entries are these objects


def _observations_frame(rows: list[Observation], cols: dict, by: list[str]) -> pl.DataFrame:
    """The observations table's rows of `rows`, sorted by `by`. Each distinct reading and KPI row becomes a row of a
    small frame once, and gathered from it for every value: a Python string per value and column took seconds for
    600,000 values. `source` is composed by Polars from the row's place and the value's column."""
    readings, reading_at = _distinct(map(attrgetter("r"), rows))
    owners, owner_at = _distinct(map(attrgetter("k"), rows))

    def frame(distinct: list[tuple], index: dict[str, int], names: dict) -> pl.DataFrame:
        return pl.DataFrame([pl.Series(c, list(map(itemgetter(index[c]), distinct)), dtype=t) for c, t in names.items()])

    by_reading = frame(readings, _READING_INDEX | {"\0column": _COLUMN}, {c: t for c, t in cols.items()
                                                                        if c in _READING_INDEX} | {"\0column": pl.String})
    by_owner = frame(owners, _OWNER_INDEX | {"\0where": _WHERE, "\0given": _GIVEN},
                     {c: t for c, t in cols.items() if c in _OWNER_INDEX} | {"\0where": pl.String, "\0given": pl.String})
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


def _scale(value: float, factor: int) -> float:
    out = round(value * factor, 6)
    return float(int(out)) if out == int(out) else out


@lru_cache(maxsize=4096)
def _header_year_text(header: str) -> str:
    """R5実績 → R5; 目標値（R7） → R7 (the year as the header writes it)."""
    text = re.sub(r"[\s※*]", "", unicodedata.normalize("NFKC", header))
    text = re.sub(r"(?:の)?(?:基準|目標|実績|現状|見込|見通)(?:値|み値|み|し)?", "", text)
    return text.strip("()（）[]【】:：") or header


def entity_type(name: str) -> tuple[str, str | None] | None:
    """(entity_type, code) read from a name: 石川県 → prefecture 17; 高岡市 → municipality; …圏域 → region."""
    k = key(name)
    prefs = {key(p): i + 1 for i, p in enumerate(PREFECTURES)}
    if k in prefs:
        return "prefecture", f"{prefs[k]:02d}"
    if k.endswith(("連携中枢都市圏", "都市圏", "圏域", "圏")):
        return "region", None
    if k.endswith(("市", "町", "村", "区")):
        return "municipality", None
    if k in ("国", "日本", "日本国", "政府") or k.endswith(("省", "庁")):
        return "nation", None
    return None


def plan_type_of(name: str, entity_type_: str) -> str:
    k = key(name)
    for word, label in (("dx", "DX推進計画"), ("デジタル", "DX推進計画"), ("成長戦略", "成長戦略"),
                        ("アクションプラン", "アクションプラン"), ("総合戦略", "総合戦略"), ("総合計画", "総合計画")):
        if word in k:
            return label
    if "ビジョン" in k and entity_type_ == "region":
        return "連携中枢都市圏ビジョン"
    return "計画"


def infer_direction(obs: list[dict], unit: str) -> tuple[str, str]:
    """PRODUCT.md's rule when 方向 is not written: target below baseline → decrease unless the target says
    以上 or 維持. Returns (direction, the Japanese reason reported as a warning)."""
    ja = schema.DIRECTION_JA
    if normalise_text(unit) == "位":
        return "rank", "方向の記入がないため、単位「位」から「順位」と判断しました"
    targets = [o for o in obs if o["value_kind"] == "target"]
    baselines = [o for o in obs if o["value_kind"] == "baseline" and o["value"] is not None]
    if not targets:
        if any(o["value"] is None and o["note"] for o in obs) and not any(o["value"] is not None for o in obs):
            return "qualitative", "方向の記入がなく数値もないため「定性」と判断しました"
        return "increase", "方向の記入がなく目標値もないため「増加」としました（必要なら「方向」列に記入してください）"
    final = max(targets, key=lambda o: o["fiscal_year"])
    q = final["qualifier"].split("・")
    if "現状維持" in q:
        d = "maintain_max" if "以下" in q else "maintain_min"
        return d, f"方向の記入がないため、目標値「{final['original_text'].strip()}」から「{ja[d]}」と判断しました"
    if not baselines or final["value"] is None:
        d = "decrease" if "以下" in q else "increase"
        return d, f"方向の記入がなく基準値がないため「{ja[d]}」としました（必要なら「方向」列に記入してください）"
    b = max(baselines, key=lambda o: o["fiscal_year"])["value"]
    t = final["value"]
    if t < b:
        d = "maintain_min" if ("以上" in q or "維持" in final["original_text"]) else "decrease"
    elif t > b:
        d = "maintain_max" if "以下" in q else "increase"
    else:
        d = "maintain_max" if "以下" in q else "maintain_min"
    rel = "より小さい" if t < b else "より大きい" if t > b else "と同じ"
    return d, (f"方向の記入がないため「{ja[d]}」と判断しました（目標値 {format_value(t, unit)} が基準値 "
               f"{format_value(b, unit)} {rel}"
               + ("、目標値に「以上」" if d == "maintain_min" and t < b else "") + "）")


# ------------------------------------------------------------------------------------------ running

def default_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no passwd entry in some containers
        return os.environ.get("USER", "") or "unknown"


def _directory_lock(directory: Path):
    """One writer at a time per data directory, held from reading the tables to writing them: the lock is
    `<directory>/.kpiboard.lock` (store.directory_lock), the same file for every process whatever its TMPDIR."""
    return store.directory_lock(directory)


def _read_tables(directory: Path) -> dict[str, pl.DataFrame]:
    return {t: store.read_table(directory, t) for t in schema.TABLES}


@contextmanager
def _gc_paused():
    """The cyclic collector off while a sheet is read: millions of acyclic cells and values made it rescan them
    again and again (half of the time of a 100,000-row sheet). Turned back on as it was found."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def import_files(files: Iterable[tuple[str, bytes]], directory: Path | str | None = None, *, dry_run: bool = False,
                 user: str | None = None, progress: Callable[[float, str], None] | None = None,
                 now: datetime | None = None, keep_plan: bool = False) -> ImportResult:
    """Validate every file, then (unless dry_run, or any error, or nothing changed) write the changes.
    A dry run with keep_plan=True keeps the tables it would write in `result.plan`, for `commit`."""
    with _gc_paused():
        return _import_files(files, directory, dry_run, user, progress, now, keep_plan)


def _import_files(files, directory, dry_run: bool, user: str | None, progress, now: datetime | None,
                  keep_plan: bool) -> ImportResult:
    files = list(files)
    directory = Path(directory) if directory else store.data_dir()
    now = now or datetime.now().astimezone()
    result = ImportResult(import_id=f"{now:%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:6]}", files=[n for n, _ in files],
                          dry_run=dry_run)
    user = user or default_user()
    report = progress or (lambda fraction, text: None)
    drafts: dict[tuple, _Draft] = {}
    if not files:
        result.errors.append(Issue("", None, "", "ファイルが指定されていません"))
    for i, (name, data) in enumerate(files):
        report(i / max(len(files), 1), f"{name} を読み込んでいます")
        _read_one(name, data, result, drafts)
    report(0.9, "登録済みのデータと照合しています")
    try:
        return _validate_and_write(drafts, directory, result, user, now, dry_run, report, keep_plan)
    finally:
        for issues in (result.errors, result.warnings):
            issues.sort(key=lambda i: (result.files.index(i.file) if i.file in result.files else -1, i.sheet,
                                       i.row or 0))


def _validate_and_write(drafts, directory: Path, result: ImportResult, user: str, now: datetime, dry_run: bool,
                        report, keep_plan: bool = False) -> ImportResult:
    if result.errors and not drafts:
        return result
    if dry_run:
        version = store.data_version(directory)  # read before the tables: a write in between re-plans at commit
        planner = _plan(drafts, _read_tables(directory), result, user, now)
        if keep_plan and not result.errors and result.changed:
            result.plan = ImportPlan(planner.tables(not (directory / store.MANIFEST).exists()),
                                     str(directory.resolve()), version)
        return result
    lock = _locked(directory, result)
    if lock is None:
        return result
    with lock:
        tables = _read_tables(directory)
        planner = _plan(drafts, tables, result, user, now)
        if result.errors or not result.changed:
            return result
        report(0.95, "保存しています")
        try:
            tables = planner.tables(not (directory / store.MANIFEST).exists())
        except Exception as e:  # noqa: BLE001 - reported like a failed write: nothing was written
            return _write_failed(result, e)
        if not _write(directory, tables, result, user, now):
            return result
    report(1.0, "完了")
    return result


def _locked(directory: Path, result: ImportResult) -> ExitStack | None:
    """The directory lock, held by the returned context; None (and an error in `result`) if it cannot be taken."""
    lock = ExitStack()
    try:
        lock.enter_context(_directory_lock(directory))
    except store.DirectoryLockError as e:  # a symlinked lock file, another writer stuck: say so, write nothing
        result.errors.append(Issue(", ".join(result.files), None, "", str(e)))
        return None
    return lock


def _write(directory: Path, tables: dict[str, pl.DataFrame], result: ImportResult, user: str, now: datetime) -> bool:
    try:
        store.write_tables(directory, tables, {"last_import": {
            "import_id": result.import_id, "at": now.isoformat(timespec="seconds"), "files": result.files,
            "user": user}})
    except Exception as e:  # write_tables puts every file back before it re-raises
        _write_failed(result, e)
        return False
    result.written = True
    return True


def _write_failed(result: ImportResult, e: Exception) -> ImportResult:
    # the exception's text can hold server paths: its kind is enough
    result.errors.append(Issue(", ".join(result.files), None, "",
                               f"保存に失敗しました（{type(e).__name__}）。データは取込前のままです"))
    return result


def commit(preview: ImportResult, files: Iterable[tuple[str, bytes]], directory: Path | str | None = None, *,
           user: str | None = None, progress: Callable[[float, str], None] | None = None,
           now: datetime | None = None) -> ImportResult:
    """Write what a dry run (keep_plan=True) of `files` planned, without reading them again, if the data directory
    is unchanged since; otherwise import `files` afresh. All or nothing either way."""
    directory = Path(directory) if directory else store.data_dir()
    plan = preview.plan
    if plan is not None and not preview.errors and plan.directory == str(directory.resolve()):
        user = user or default_user()
        now = now or datetime.now().astimezone()
        result = replace(preview, dry_run=False, plan=None, errors=[], written=False)
        lock = _locked(directory, result)
        if lock is None:
            return result
        with lock:
            if store.data_version(directory) == plan.version:
                (progress or (lambda fraction, text: None))(0.95, "保存しています")
                at = now.isoformat(timespec="seconds")  # the user and the time are the commit's, not the preview's
                result.history = [dict(h, user_name=user, changed_at=at) for h in preview.history]
                tables = dict(plan.tables)
                if result.history:
                    mine = pl.col("import_id") == result.import_id
                    tables["observation_history"] = tables["observation_history"].with_columns(
                        pl.when(mine).then(pl.lit(user)).otherwise(pl.col("user_name")).alias("user_name"),
                        pl.when(mine).then(pl.lit(at)).otherwise(pl.col("changed_at")).alias("changed_at"))
                _write(directory, tables, result, user, now)
                return result
    return import_files(files, directory, dry_run=False, user=user, progress=progress, now=now)


def _plan(drafts: dict, tables: dict, result: ImportResult, user: str, now: datetime) -> _Planner:
    planner = _Planner(tables, result, user, now)
    for ident in list(drafts):
        planner.add_draft(drafts.pop(ident))  # a planned draft's rows and cells can go (a third of the memory)
    planner.finish_plans()
    planner.compare()
    result.created = {"entities": len(planner.new_entities), "plans": len(planner.new_plans),
                      "areas": len(planner.new_areas)}
    return planner


def _read_one(name: str, data: bytes, result: ImportResult, drafts: dict) -> None:
    """Sheets → records grouped by KPI into drafts; problems go to the result."""
    try:
        sheets = read_file(name, data)
    except FileRejected as e:
        result.errors.append(e.issue)
        return
    found_any = False
    missing: list[Issue] = []
    for sheet in sheets:
        if not sheet.rows or norm_header(sheet.name) in {norm_header(s) for s in SKIPPED_SHEETS}:
            continue
        layout, errors, warnings = find_layout(name, sheet)
        if layout is None:
            missing.extend(errors)
            continue
        found_any = True
        result.warnings.extend(warnings)
        result.errors.extend(errors)
        recs, rec_errors, rec_warnings = records(name, sheet, layout)
        result.errors.extend(rec_errors)
        result.warnings.extend(rec_warnings)
        result.previews.append(SheetPreview(
            name, sheet.name, layout.kind, layout.header_row,
            [h for _, h in layout.shown],
            list(islice(((i + 1, [cell_text(row[c]) if c < len(row) else "" for c, _ in layout.shown])
                         for i, row in enumerate(sheet.rows[layout.first_data_row - 1:], start=layout.first_data_row - 1)
                         if any(v is not None for v in row)), PREVIEW_ROWS)),  # only the rows shown
            sheet.encoding))
        if not recs and not rec_errors:
            examples = any("記入例" in w.message for w in rec_warnings)
            result.errors.append(Issue(name, layout.header_row, "", "データ行がありません（見出し行の下に指標の行がありません"
                                       + ("。「例」の行は記入例のため取り込みません" if examples else "") + "）", sheet.name))
        for rec in recs:
            kpi_id, entity, plan, item, kpi_name = rec.texts_of(_IDENT)
            ident = ("id", kpi_id) if kpi_id else ("name", key(entity), key(plan), _key_once(item),
                                                     _key_once(kpi_name))
            draft = drafts.get(ident)
            if draft is None:
                draft = drafts[ident] = _Draft(ident)
            draft.records.append(rec)
    if not found_any:
        result.errors.extend(missing or [Issue(name, None, "", "データのあるシートがありません")])
    else:
        for issue in missing:
            result.warnings.append(Issue(issue.file, None, "", "見出し行（指標名）がないシートは読み飛ばしました",
                                         issue.sheet))


def import_paths(paths: Iterable[Path | str], directory=None, **kwargs) -> ImportResult:
    """import_files for files on disk (the CLI). A missing file is an error like any other."""
    files, missing = [], []
    for p in map(Path, paths):
        try:
            files.append((p.name, p.read_bytes()))
        except OSError as e:
            missing.append(Issue(p.name, None, "", f"ファイルを開けません（{e.strerror or e}）"))
    if missing:
        result = ImportResult("", [Path(p).name for p in paths], kwargs.get("dry_run", False), errors=missing)
        return result
    return import_files(files, directory, **kwargs)
