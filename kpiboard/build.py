"""Build the embedded dataset: `data/sources/**.csv` (human-readable, one row per fact) → Parquet.

Figures are parsed from their original text here, never typed in as numbers, so every value in the
Parquet can be traced to the words of its source document.
"""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import polars as pl

from . import schema, store
from .eras import DateParseError, YearParseError, fiscal_year_of, parse_date, parse_year, value_span
from .format import date_ja
from .parsing import ValueParseError, parse_value

SOURCES_DIR = store.EMBEDDED_DATA_DIR / "sources"
DATASET_NAME = "埋め込みデータ（原本資料5件）"
# Published dated figures (reference_series) live in sources/series/*.csv; kpi_actuals.csv there says
# which KPI takes its actuals from which series.
SERIES_DIR = "series"
SERIES_LINKS = "kpi_actuals.csv"
SERIES_LINK_COLUMNS = ("kpi_id", "entity_id", "indicator", "note")


@dataclass
class SourceError:
    file: str
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"{self.file} {self.row}行目 「{self.column}」列: {self.message}"


class BuildFailed(Exception):
    def __init__(self, errors: list[SourceError]):
        super().__init__("\n".join(map(str, errors)))
        self.errors = errors


def _read_rows(sources: Path, table: str) -> list[tuple[str, int, dict]]:
    if table == "reference_series":
        paths = sorted(p for p in (sources / SERIES_DIR).glob("*.csv") if p.name != SERIES_LINKS)
    else:
        paths = sorted(p for p in sources.rglob(f"{table}.csv") if p.parent.name != SERIES_DIR)
    rows = []
    for path in paths:
        rows += _read_csv(sources, path, schema.TABLES[table]["columns"])
    return rows


def _read_csv(sources: Path, path: Path, columns) -> list[tuple[str, int, dict]]:
    rows = []
    with path.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        unknown = [c for c in (reader.fieldnames or []) if c not in columns]
        if unknown:
            raise BuildFailed([SourceError(str(path.relative_to(sources)), 1, c, "この表にない列です") for c in unknown])
        for i, row in enumerate(reader, start=2):
            if None in row:
                raise BuildFailed([SourceError(str(path.relative_to(sources)), i, "", "列の数がヘッダーより多い")])
            rows.append((str(path.relative_to(sources)), i, {k: (v or "").strip() for k, v in row.items()}))
    return rows


def _none(s: str):
    return s if s != "" else None


def citation(doc: dict, place: str) -> str:
    """「title（publisher、date）place」: what users cite; the file name stays in the sources table."""
    who = "、".join(x for x in (doc.get("publisher"), date_ja(doc.get("published") or "")) if x)
    return f"{doc['title']}（{who}）{place}" if who else f"{doc['title']} {place}".strip()


class _Builder:
    def __init__(self, sources: Path):
        self.sources = sources
        self.errors: list[SourceError] = []
        self.documents = {r["source_id"]: r for _, _, r in _read_rows(sources, "sources")}

    def rows(self, table: str):
        rows = _read_rows(self.sources, table)
        if "source" in schema.TABLES[table]["columns"]:
            for f, n, r in rows:
                r.update(self.cite(f, n, r))
        return rows

    def cite(self, file, rownum, row) -> dict:
        """source_id/source_place as written → the readable `source`. Several documents: ids and places
        separated by ';' in the same order; the first is the row's source_id, all are cited."""
        if "source" in row:
            self.err(file, rownum, "source", "source 列は build が作ります。source_id と source_place を書いてください")
        ids = [x.strip() for x in row.get("source_id", "").split(";")]
        places = [x.strip() for x in row.get("source_place", "").split(";")]
        if not ids[0]:
            self.err(file, rownum, "source_id", "出典（source_id）がありません")
            return {"source": None, "source_id": None, "source_place": None}
        if len(places) > len(ids):
            self.err(file, rownum, "source_place", "source_place の区切り（;）が source_id より多い")
        places += [""] * (len(ids) - len(places))
        unknown = [i for i in ids if i not in self.documents]
        if unknown:
            self.err(file, rownum, "source_id", f"「{'、'.join(unknown)}」は sources.csv にありません")
            return {"source": None, "source_id": ids[0], "source_place": places[0]}
        return {"source": "；".join(citation(self.documents[i], p) for i, p in zip(ids, places)),
                "source_id": ids[0], "source_place": places[0] or None}

    def err(self, file, row, column, message):
        self.errors.append(SourceError(file, row, column, message))

    def year(self, file, rownum, row, column="year_text"):
        text = row.get(column, "")
        if not text:
            return None
        try:
            return parse_year(text)
        except YearParseError as e:
            self.err(file, rownum, column, str(e))
            return None

    def value(self, file, rownum, row, column="original_text"):
        part = row.get("part") or None
        try:
            return parse_value(row.get(column, ""), part=int(part) if part else None)
        except (ValueParseError, ValueError) as e:
            self.err(file, rownum, column, str(e))
            return None

    def day(self, file, rownum, row, column):
        """A day as written or as read (R3.1.19, 2024-04-01, 令和6年4月1日), parsed by eras.parse_date."""
        try:
            return parse_date(row.get(column, ""))
        except DateParseError as e:
            self.err(file, rownum, column, str(e))
            return None

    def flag(self, file, rownum, row, column):
        v = row.get(column, "").lower()
        if v in ("true", "false", ""):
            return v == "true"
        self.err(file, rownum, column, f"true/false ではありません: {v}")
        return False

    def integer(self, file, rownum, row, column):
        v = row.get(column, "")
        if v == "":
            return None
        try:
            return int(v)
        except ValueError:
            self.err(file, rownum, column, f"整数ではありません: {v}")
            return None

    def check_enum(self, file, rownum, row, column, allowed):
        if row.get(column, "") not in allowed:
            self.err(file, rownum, column, f"「{row.get(column)}」は {', '.join(allowed)} のいずれかでなければなりません")


def build_tables(sources: Path = SOURCES_DIR) -> dict[str, pl.DataFrame]:
    b = _Builder(Path(sources))
    out: dict[str, list[dict]] = {t: [] for t in schema.TABLES}

    out["sources"] = [r for _, _, r in b.rows("sources")]
    for f, n, r in b.rows("entities"):
        b.check_enum(f, n, r, "entity_type", schema.ENTITY_TYPES)
        out["entities"].append({**r, "code": _none(r.get("code", "")), "synthetic": False})
    for f, n, r in b.rows("plans"):
        start = b.year(f, n, r, "period_start_fy")
        end = b.year(f, n, r, "period_end_fy")
        out["plans"].append({**r, "period_start_fy": start and start.start_fy, "period_end_fy": end and end.end_fy,
                             "synthetic": False})
    for f, n, r in b.rows("areas"):
        out["areas"].append({**r, "sort_order": b.integer(f, n, r, "sort_order")})
    for f, n, r in b.rows("kpis"):
        b.check_enum(f, n, r, "direction", schema.DIRECTIONS)
        b.check_enum(f, n, r, "kind", schema.KINDS)
        out["kpis"].append({**r, "cumulative": b.flag(f, n, r, "cumulative"),
                            "per_year_target": b.flag(f, n, r, "per_year_target"),
                            "sort_order": b.integer(f, n, r, "sort_order"), "synthetic": False})
    for f, n, r in b.rows("observations"):
        b.check_enum(f, n, r, "value_kind", schema.VALUE_KINDS)
        y = b.year(f, n, r)
        v = b.value(f, n, r)
        if y is None:
            b.err(f, n, "year_text", "年度がありません")
        if y is None or v is None:
            continue
        notes = [x for x in (r.get("note", ""), v.note) if x]
        start, end = value_span(y, v.period)
        if v.period:
            notes.append(f"期間: {v.period}")
        out["observations"].append({
            "kpi_id": r["kpi_id"], "value_kind": r["value_kind"], "fiscal_year": y.fiscal_year,
            "year_type": y.year_type, "period_start_fy": start, "period_end_fy": end, "year_text": r["year_text"],
            "value": v.value, "unit": v.unit, "qualifier": v.qualifier, "cumulative_value": v.cumulative_value,
            "original_text": r["original_text"], "part": b.integer(f, n, r, "part"), "note": " / ".join(notes),
            "source": r["source"], "source_id": r["source_id"], "source_place": r["source_place"],
        })
    out["reference_series"] = _series(b, {r["entity_id"] for r in out["entities"]})
    out["observations"] += _series_actuals(b, out)
    for f, n, r in b.rows("reference_values"):
        y = b.year(f, n, r)
        v = b.value(f, n, r)
        if v is None:
            continue
        out["reference_values"].append({**r, "fiscal_year": y and y.fiscal_year, "year_type": y and y.year_type,
                                        "value": v.value, "unit": v.unit, "qualifier": v.qualifier,
                                        "note": " / ".join(x for x in (r.get("note", ""), v.note) if x)})
    for f, n, r in b.rows("kpi_evaluations"):
        y = b.year(f, n, r)
        out["kpi_evaluations"].append({**r, "fiscal_year": y and y.fiscal_year})
    for f, n, r in b.rows("initiatives"):
        out["initiatives"].append({**r, "sort_order": b.integer(f, n, r, "sort_order")})
    for f, n, r in b.rows("initiative_roadmap"):
        y = b.year(f, n, r)
        out["initiative_roadmap"].append({**r, "fiscal_year": y and y.fiscal_year,
                                          "year_estimated": b.flag(f, n, r, "year_estimated")})
    for f, n, r in b.rows("initiative_budgets"):
        y = b.year(f, n, r)
        v = b.value(f, n, r)
        if v is not None and v.unit not in ("円",):
            b.err(f, n, "original_text", f"予算の単位が円ではありません: {r['original_text']}")
        out["initiative_budgets"].append({**r, "fiscal_year": y and y.fiscal_year, "amount_yen": v and v.value})
    for f, n, r in b.rows("initiative_facts"):
        y = b.year(f, n, r)
        v = b.value(f, n, r)
        out["initiative_facts"].append({**r, "fiscal_year": y and y.fiscal_year, "value": v and v.value,
                                        "unit": v and v.unit})
    for f, n, r in b.rows("initiative_kpis"):
        b.check_enum(f, n, r, "basis", ("document", "reading"))
        out["initiative_kpis"].append(r)
    for f, n, r in b.rows("measure_starts"):
        # the day as the document writes it (or as read, said in the note); its fiscal year follows from it
        day = b.day(f, n, r, "started_on")
        fy = b.integer(f, n, r, "start_fy")
        if day and fy is not None and fy != fiscal_year_of(day):
            b.err(f, n, "start_fy", f"年度 {fy} は日付 {r['started_on']} の年度（{fiscal_year_of(day)}年度、4月～翌年3月）と一致しません")
        if bool(r.get("initiative_id")) == bool(r.get("measure")):
            b.err(f, n, "initiative_id", "施策（initiative_id）か施策名（measure）のどちらか一方を書いてください")
        out["measure_starts"].append({**r, "initiative_id": _none(r.get("initiative_id", "")),
                                      "measure": _none(r.get("measure", "")),
                                      "started_on": day and day.isoformat(), "start_fy": day and fiscal_year_of(day)})
    for f, n, r in b.rows("policy_categories"):
        out["policy_categories"].append({**r, **{c: b.integer(f, n, r, c) for c in
                                                 ("regions_with_kpi", "regions_total", "sort_order")}})
    for table in ("committee_remarks", "committee_attendance"):
        for f, n, r in b.rows(table):
            out[table].append(r)

    _check_references(b, out)
    if b.errors:
        raise BuildFailed(b.errors)

    as_of = sorted(r["as_of"] for r in out["initiatives"] if r.get("as_of"))
    out["dataset"] = [{"name": DATASET_NAME, "synthetic": False,
                       "data_as_of": as_of[-1] if as_of else "",
                       "description": "原本資料（shared/seeds）から作成。各値に出典（資料名・発行者・日付・箇所）を付記。"
                                      "原本のファイル名は sources 表に記録。"}]
    tables = {}
    for table, rows in out.items():
        columns = schema.TABLES[table]["columns"]
        frame = pl.DataFrame([{c: row.get(c) for c in columns} for row in rows], schema=columns) if rows \
            else schema.empty_frame(table)
        tables[table] = schema.conform(table, frame)
    return tables


def _series(b: _Builder, entity_ids: set[str]) -> list[dict]:
    """reference_series rows: a published figure per entity × indicator × date, parsed from its text."""
    rows, seen = [], set()
    for f, n, r in b.rows("reference_series"):
        if r.get("value"):
            b.err(f, n, "value", "value 列は build が original_text から作ります。数値は original_text に書かれたとおり書いてください")
        if r.get("entity_id") not in entity_ids:
            b.err(f, n, "entity_id", f"「{r.get('entity_id')}」は entities.csv にありません")
        if not r.get("indicator"):
            b.err(f, n, "indicator", "指標名がありません")
        day = None
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", r.get("as_of", "")):
            b.err(f, n, "as_of", f"「{r.get('as_of')}」は ISO 形式の日付（例 2023-03-31）ではありません")
        else:
            try:
                day = date.fromisoformat(r["as_of"])
            except ValueError:
                b.err(f, n, "as_of", f"「{r['as_of']}」はありえない日付です")
        fy = b.integer(f, n, r, "fiscal_year")
        if day and fy is not None and fy != fiscal_year_of(day):
            b.err(f, n, "fiscal_year", f"年度 {fy} は日付 {r['as_of']} の年度（{fiscal_year_of(day)}年度、4月～翌年3月）と一致しません")
        elif day and fy is None:
            b.err(f, n, "fiscal_year", "年度がありません")
        v = b.value(f, n, r)
        if v is not None and (v.value is None or v.qualifier or v.parts):
            # A series holds measured figures only: no ほぼ/以上, no ―, no two-in-one cells.
            b.err(f, n, "original_text", f"「{r.get('original_text')}」は一つの数値として読めません")
            v = None
        if not r.get("unit"):
            b.err(f, n, "unit", "単位がありません")
        elif v is not None and v.unit and v.unit != r["unit"]:
            b.err(f, n, "unit", f"単位「{r['unit']}」が原文の単位「{v.unit}」と違います")
        key = (r.get("entity_id"), r.get("indicator"), r.get("as_of"))
        if key in seen:
            b.err(f, n, "as_of", f"同じ主体・指標・日付の値が2つあります: {'・'.join(map(str, key))}")
        seen.add(key)
        if v is None or day is None:
            continue
        rows.append({**r, "fiscal_year": fy, "value": v.value})
    return rows


def _series_actuals(b: _Builder, out: dict[str, list[dict]]) -> list[dict]:
    """KPI actuals from a series (kpi_actuals.csv): a stock figure dated in FY y is FY y's value, and of
    several dates in one FY the latest is its actual. Derived here, never copied by hand; every dated
    figure stays in reference_series."""
    path = b.sources / SERIES_DIR / SERIES_LINKS
    if not path.exists():
        return []
    kpis = {r["kpi_id"]: r for r in out["kpis"]}
    plan_entity = {r["plan_id"]: r["entity_id"] for r in out["plans"]}
    baseline_fy = {}
    for o in out["observations"]:
        if o["value_kind"] == "baseline" and o["fiscal_year"] is not None:
            baseline_fy[o["kpi_id"]] = max(baseline_fy.get(o["kpi_id"], o["fiscal_year"]), o["fiscal_year"])
    derived = []
    for f, n, link in _read_csv(b.sources, path, SERIES_LINK_COLUMNS):
        kpi = kpis.get(link["kpi_id"])
        if kpi is None:
            b.err(f, n, "kpi_id", f"「{link['kpi_id']}」は kpis.csv にありません")
            continue
        if plan_entity.get(kpi["plan_id"]) != link["entity_id"]:
            b.err(f, n, "entity_id", f"「{link['entity_id']}」はこの KPI の計画の主体ではありません")
            continue
        points = [s for s in out["reference_series"]
                  if s["entity_id"] == link["entity_id"] and s["indicator"] == link["indicator"]]
        if not points:
            b.err(f, n, "indicator", f"「{link['indicator']}」の {link['entity_id']} の値が系列にありません")
            continue
        if kpi.get("unit") and any(s["unit"] != kpi["unit"] for s in points):
            b.err(f, n, "indicator", f"系列の単位が KPI の単位「{kpi['unit']}」と違います")
            continue
        latest: dict[int, dict] = {}
        for s in points:
            if s["fiscal_year"] not in latest or s["as_of"] > latest[s["fiscal_year"]]["as_of"]:
                latest[s["fiscal_year"]] = s
        # Before the baseline year the plan was not running: those figures stay in the series only.
        start = baseline_fy.get(link["kpi_id"])
        for fy, s in sorted(latest.items()):
            if start is not None and fy < start:
                continue
            day = date_ja(s["as_of"])
            note = f"{s['indicator']}の{day}時点の公表値（{fy}年度内で最も新しい日付の値）。{link.get('note', '')}"
            derived.append({
                "kpi_id": link["kpi_id"], "value_kind": "actual", "fiscal_year": fy, "year_type": "fiscal",
                "period_start_fy": fy, "period_end_fy": fy, "year_text": f"{fy}年度", "value": s["value"],
                "unit": s["unit"], "qualifier": "", "cumulative_value": None, "original_text": s["original_text"],
                "part": None, "note": note.strip(), "source": s["source"], "source_id": s["source_id"],
                "source_place": s["source_place"],
            })
    return derived


def _check_references(b: _Builder, out: dict[str, list[dict]]) -> None:
    """Every id a row points to exists; observations are unique per KPI × FY × kind."""
    ids = {
        "entity_id": {r["entity_id"] for r in out["entities"]},
        "plan_id": {r["plan_id"] for r in out["plans"]},
        "kpi_id": {r["kpi_id"] for r in out["kpis"]},
        "initiative_id": {r["initiative_id"] for r in out["initiatives"]},
    }
    checks = [("plans", "entity_id"), ("areas", "plan_id"), ("kpis", "plan_id"), ("observations", "kpi_id"),
              ("reference_values", "kpi_id"), ("kpi_evaluations", "kpi_id"), ("initiatives", "plan_id"),
              ("initiative_roadmap", "initiative_id"), ("initiative_budgets", "initiative_id"),
              ("initiative_facts", "initiative_id"), ("initiative_kpis", "initiative_id"), ("initiative_kpis", "kpi_id")]
    for table, column in checks:
        for r in out[table]:
            if r.get(column) not in ids[column]:
                b.err(f"{table}.csv", 0, column, f"「{r.get(column)}」は定義されていません")
    initiative_plans = {r["initiative_id"]: r["plan_id"] for r in out["initiatives"]}
    starts: set[tuple] = set()
    for r in out["measure_starts"]:
        if r.get("plan_id") not in ids["plan_id"]:
            b.err("measure_starts.csv", 0, "plan_id", f"「{r.get('plan_id')}」は定義されていません")
        if r.get("initiative_id") and initiative_plans.get(r["initiative_id"], r.get("plan_id")) != r.get("plan_id"):
            b.err("measure_starts.csv", 0, "plan_id", f"{r['initiative_id']}: 施策の計画は「{initiative_plans[r['initiative_id']]}」です")
        if r.get("initiative_id") and r["initiative_id"] not in ids["initiative_id"]:
            b.err("measure_starts.csv", 0, "initiative_id", f"「{r['initiative_id']}」は定義されていません")
        key = (r.get("plan_id"), r.get("initiative_id"), r.get("measure"))
        if key in starts:
            b.err("measure_starts.csv", 0, "initiative_id", f"同じ施策の開始日が2つあります: {'・'.join(k for k in key if k)}")
        starts.add(key)
    seen_docs: set[str] = set()
    for r in out["sources"]:
        if r["source_id"] in seen_docs:
            b.err("sources.csv", 0, "source_id", f"「{r['source_id']}」が重複しています")
        seen_docs.add(r["source_id"])
        for column in ("title", "file"):
            if not r.get(column):
                b.err("sources.csv", 0, column, f"{r['source_id']}: {column} がありません")
    seen_kpis: set[str] = set()
    for r in out["kpis"]:
        if r["kpi_id"] in seen_kpis:
            b.err("kpis.csv", 0, "kpi_id", f"「{r['kpi_id']}」が重複しています")
        seen_kpis.add(r["kpi_id"])
    areas = {(r["plan_id"], r["area_code"]) for r in out["areas"]}
    for r in out["kpis"]:
        if r.get("area_code") and (r["plan_id"], r["area_code"]) not in areas:
            b.err("kpis.csv", 0, "area_code", f"{r['kpi_id']}: 分野「{r['area_code']}」が areas.csv にありません")
    seen: set[tuple] = set()
    for r in out["observations"]:
        key = (r["kpi_id"], r["value_kind"], r["fiscal_year"])
        if key in seen:
            b.err("observations.csv", 0, "kpi_id", f"同じ指標・年度・種別の値が2つあります: {key}")
        seen.add(key)


def build(out_dir: Path = store.EMBEDDED_DATA_DIR, sources: Path = SOURCES_DIR) -> dict[str, pl.DataFrame]:
    tables = build_tables(sources)
    store.write_tables(out_dir, tables, {"built_from": "data/sources", "synthetic": False},
                       author="python -m kpiboard build", message="同梱データを data/sources から作成")
    return tables
