"""The open data package (`python -m kpiboard publish --out DIR`, and the 出力 page's zip): the public tables as
CSV (UTF-8 with BOM, header row, RFC 4180, CRLF) and JSON (an array of objects), described by `datapackage.json`
(Frictionless Data Package with a Table Schema per CSV), under CC BY 4.0.

What is public is a list (PUBLISHED), not "everything but": a table added to the schema is withheld until someone
decides. `user_roles` (e-mail addresses) never goes out; a store's `kpi_comments` goes out without its internal
rows and without `author`. The verdicts (`kpi_status`) are the rows of queries/evaluate.sql, nothing judged here.
Every table is read from one snapshot, so the files agree with each other. Values are written as stored: the
formula guard of the Excel exports (a leading ') would change them for the machines this package is for.

Nothing is read into Python: DuckDB writes every file itself (COPY … TO) from the snapshot, table by table, within
the server's memory limit, so the national data (64 million observations, 1.8 million KPIs) goes out as a small
store does. The rows are in the order the store's tables are read in (schema.conform's: `sort_by`, ties as stored).
"""
from __future__ import annotations

import codecs
import io
import json
import os
import shutil
import tempfile
import zipfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb
import polars as pl

from . import db, schema, status, store
from .settings import SETTINGS


class PublishError(ValueError):
    """The package cannot be written; the message is Japanese, for the user."""


PACKAGE_NAME = "kpiboard-open-data"
# The organisation that runs this app publishes the package: KPIBOARD_PUBLISHER names it (e.g. 富山県 DX推進課);
# unset, a neutral name, since the app itself cannot know whose it is.
PUBLISHER = "KPI board 利用自治体"
LICENSE = {"name": "CC-BY-4.0", "path": "https://creativecommons.org/licenses/by/4.0/",
           "title": "クリエイティブ・コモンズ 表示 4.0 国際（政府標準利用規約 第2.0版と互換）"}
SYNTHETIC_NOTE = "合成データを含みます（synthetic 列が true の行）。"

# Store tables published as they are, in this order, with their titles.
PUBLISHED = {
    "dataset": "データセットの情報",
    "sources": "出典資料",
    "entities": "自治体・圏域",
    "plans": "計画",
    "areas": "分野（計画の柱）",
    "kpis": "KPI（重要業績評価指標）",
    "observations": "KPI の値（基準値・目標値・実績値・見込み）",
    "reference_values": "参考値（資料が背景として示す数値）",
    "reference_series": "参考系列（公表された日付つきの数値）",
    "kpi_evaluations": "定性 KPI の記録された評価",
    "initiatives": "施策・事業",
    "initiative_roadmap": "施策の年度別ロードマップ",
    "initiative_budgets": "施策の年度別予算",
    "initiative_facts": "施策の数値（台数・人数など）",
    "initiative_kpis": "施策と KPI の対応",
    "measure_starts": "施策・取組の開始日（導入前後の比較）",
    "policy_categories": "連携中枢都市圏の政策分野別 KPI 設定状況",
    # From the published minutes (the seed documents, with their sources): public as the minutes are.
    "committee_remarks": "会議での委員の主な意見",
    "committee_attendance": "会議の出席者",
}
STATUS_TABLE = "kpi_status"  # evaluate's rows
COMMENTS_TABLE = "kpi_comments"  # in some stores only; public rows, public columns
COMMENT_COLUMNS = ("kpi_id", "fiscal_year", "kind", "text", "written_at")  # not author (an e-mail), not internal
TITLES = {**PUBLISHED, STATUS_TABLE: "KPI の進捗判定", COMMENTS_TABLE: "KPI へのコメント（公開分）"}
# Never published, and why (a test checks every schema table is in PUBLISHED or here).
WITHHELD = {"user_roles": "利用者のメールアドレスと権限（個人情報）"}

PRIMARY_KEYS = {
    "sources": ["source_id"], "entities": ["entity_id"], "plans": ["plan_id"], "areas": ["plan_id", "area_code"],
    "kpis": ["kpi_id"], "observations": ["kpi_id", "value_kind", "fiscal_year"], "initiatives": ["initiative_id"],
    STATUS_TABLE: ["kpi_id"],
}
# The references the build checks (build._check_references), so they hold in every store it or an import writes.
FOREIGN_KEYS = {
    "plans": [("entity_id", "entities")], "areas": [("plan_id", "plans")], "kpis": [("plan_id", "plans")],
    "observations": [("kpi_id", "kpis")], "reference_values": [("kpi_id", "kpis")],
    "kpi_evaluations": [("kpi_id", "kpis")], "initiatives": [("plan_id", "plans")],
    "initiative_roadmap": [("initiative_id", "initiatives")], "initiative_budgets": [("initiative_id", "initiatives")],
    "initiative_facts": [("initiative_id", "initiatives")],
    "initiative_kpis": [("initiative_id", "initiatives"), ("kpi_id", "kpis")], STATUS_TABLE: [("kpi_id", "kpis")],
    "measure_starts": [("plan_id", "plans")],
}

# ---------------------------------------------------------------- what each column means

_STATUSES = "・".join(status.EXPECTED_STATUSES)
_FY = "（開始年の西暦。令和6年度 = 2024）"

# Written once for every table that has the column; COLUMN_OVERRIDES where a table means something else by it.
COLUMNS = {
    "source": "出典（表示用）: 「資料の表題（発行者、日付）資料内の箇所」。取り込んだ行はファイル名と行",
    "source_id": "出典資料の ID（sources 表の source_id）。2つの資料による行は「;」区切りで両方",
    "source_place": "出典資料の中の箇所（章・表・ページなど）",
    "note": "注記。資料の記述が曖昧な箇所で選んだ読み方などを日本語で記す",
    "synthetic": "合成データ（実在の資料によらない試験用の値）の行なら true",
    "fiscal_year": "年度" + _FY,
    "year_text": "資料に書かれたとおりの年・年度の表記（R4、H27～R1、2021年 など）",
    "year_type": "年の種類: fiscal = 年度、calendar = 暦年、month = 年月、span = 期間",
    "period_start_fy": "値が期間のとき、その最初の年度" + _FY,
    "period_end_fy": "値が期間のとき、その最後の年度" + _FY,
    "original_text": "資料に書かれたとおりの数値の表記（全角数字・万・億・%・以上などもそのまま）",
    "value": "original_text から読み取った数値（基本単位: 円・人など。% は書かれたとおりの数、37.5 など）",
    "unit": "単位（%、人、件、円、位 など）",
    "qualifier": "値に付いた限定の語（以上・以内・約・見込み・ほぼ・現状維持・累計 など）",
    "entity_id": "自治体・圏域の ID（entities 表。例 pref-16 = 富山県）",
    "plan_id": "計画の ID（plans 表）",
    "area_code": "分野のコード（areas 表、計画ごと）",
    "kpi_id": "KPI の ID（kpis 表）「計画ID:項目」",
    "initiative_id": "施策の ID（initiatives 表）",
    "sort_order": "資料での並び順",
    "entity_type": "団体の種類: prefecture = 都道府県、municipality = 市区町村、region = 連携中枢都市圏、nation = 国",
    "item_code": "資料での項目番号（2(1)、3(6)ア、ⅰ など）",
    "measure": "KPI が属する施策・取組項目の名前",
    "kpi_name": "KPI（指標）の名前",
    "indicator_id": "同じ指標を測る KPI に共通の ID（複数の項目に載る同じ指標）",
    "direction": "目標の向き: increase = 増やす、decrease = 減らす、maintain_min = 維持（以上）、"
                 "maintain_max = 維持（以下）、rank = 順位（小さいほどよい）、qualitative = 定性",
    "kind": "KPI の種類: quantitative = 定量、qualitative = 定性（数値の目標がない KPI。判定は記録された評価"
            "（kpi_evaluations）による）",
    "cumulative": "値が累計（積み上げ）なら true",
    "per_year_target": "目標が計画期間の毎年度の値（例「32名以上／年」）なら true。年度ごとに1行ずつ持つ",
    "data_as_of": "数値の時点（資料の記載どおり: 2024-11、2021年度 など）",
    "meeting": "会議の名前（回を含む）",
}
COLUMN_OVERRIDES = {
    "dataset": {
        "name": "データセットの名前",
        "synthetic": "データセット全体が合成データ（規模の試験用、実在の資料によらない）なら true",
        "description": "データセットの説明（作り方・出典の付け方）",
    },
    "sources": {
        "title": "資料の表題（資料の見出しどおり。全体の表題がない資料は採った見出しを note に記す）",
        "publisher": "資料の発行者",
        "published": "資料の発行日（ISO 形式の日付または年月。記載がなければ空）",
        "url": "資料の URL（資料自身が示す場合のみ）",
        "file": "原本資料のファイル名（取得した資料の保存名）",
        "data_as_of": "資料の数値の時点（2024-11、2020-03、2021年度 など）",
    },
    "entities": {
        "name": "自治体・圏域の名前",
        "code": "団体コード（都道府県は JIS X 0401、市区町村は全国地方公共団体コード。圏域は空）",
        "central_city": "連携中枢都市圏の中心都市",
    },
    "plans": {
        "name": "計画の名前",
        "plan_type": "計画の種類（成長戦略、DX推進計画、重点政策、連携中枢都市圏ビジョン など）",
        "vision": "計画の目指す姿（資料の記載どおり）",
        "period_start_fy": "計画期間の最初の年度" + _FY,
        "period_end_fy": "計画期間の最後の年度" + _FY,
    },
    "areas": {
        "area_name": "分野・戦略の柱の名前",
        "statement": "分野の説明文（資料の記載どおり）",
    },
    "kpis": {
        "statement": "KPI の文（資料の記載どおり）",
        "background": "KPI の背景・考え方（資料の記載どおり）",
    },
    "observations": {
        "value_kind": "値の種類: baseline = 基準値、target = 目標値、actual = 実績値、estimate = 見込み",
        "cumulative_value": "累計の KPI で、資料が累計を併記している値（3（累計4）の 4）",
        "part": "1つのセルに2つの指標が書かれているとき（①500 ②50）、この行がどちらか（1 または 2）。それ以外は空",
    },
    "reference_values": {
        "label": "参考値の説明（上位10都道府県の平均、全国平均、順位 など）",
    },
    "reference_series": {
        "indicator": "指標の名前（公表どおり）",
        "as_of": "公表値の日付（ISO 形式）",
        "fiscal_year": "as_of を含む年度" + _FY,
    },
    "kpi_evaluations": {
        "status": "記録された評価（定性 KPI の評価。判定 kpi_status はこの評価を使う）",
    },
    "initiatives": {
        "code": "施策の番号（Ⅳ-1-① など）",
        "policy": "重点政策の名前",
        "measure": "具体策の名前",
        "title": "施策の見出し",
        "department": "担当部局",
        "current_state": "現状（資料の記載どおり）",
        "issues": "課題（資料の記載どおり）",
        "actions_to_date": "これまでの取組（資料の記載どおり）",
        "actions_this_year": "今年度の取組（資料の記載どおり）",
        "page": "資料のページ",
        "as_of": "資料の時点（R6.11 など、資料の記載どおり）",
    },
    "initiative_roadmap": {
        "actor": "取組の主体",
        "step": "その年度の工程",
        "year_estimated": "年度が資料の表の列の位置からの読み取り（推定）なら true",
    },
    "initiative_budgets": {
        "program": "事業の名前",
        "amount_yen": "予算額（円）。original_text から読み取った数値",
    },
    "initiative_facts": {
        "label": "数値の項目名（テレワーク対応PC台数、派遣職員数 など）",
    },
    "measure_starts": {
        "initiative_id": "開始日のある施策の ID（資料の施策。取込の施策・取組なら空）",
        "measure": "取込データの施策・取組の名前（kpis の measure と同じ書き方。資料の施策なら空）",
        "started_on": "施策・取組の開始日（ISO 形式。資料が月までなら月の初日とし、その旨を note に記載）",
        "start_fy": "開始日の属する年度" + _FY,
    },
    "initiative_kpis": {
        "basis": "対応の根拠: document = 資料が対応を示している、reading = 資料からの読み取り",
    },
    "policy_categories": {
        "category_code": "政策分野のコード（アa、ウAa など）",
        "group_code": "大分類のコード（ア・イ・ウ）",
        "group_label": "大分類の名前",
        "subgroup_code": "中分類のコード（A・B・C。ない分類は空）",
        "subgroup_label": "中分類の名前",
        "letter": "分野の記号（a、b …）",
        "label": "政策分野の名前",
        "regions_with_kpi": "この分野に KPI を設定している圏域の数",
        "regions_total": "圏域の総数",
        "as_of": "設定圏域数の時点（R2.3 など、資料の記載どおり）",
    },
    "committee_remarks": {
        "held_on": "開催日（ISO 形式）",
        "member": "発言者（議事要旨の記載どおり、例 朝比奈座長）",
        "remark": "発言の要旨（議事要旨の記載どおり）",
        "theme": "発言の主題（KPI設定、オープンデータ など。読み取りによる分類）",
    },
    "committee_attendance": {
        "role_group": "出席者の区分（委員、オブザーバー など）",
        "affiliation": "所属・役職（議事要旨の記載どおり）",
        "name": "氏名（議事要旨の記載どおり）",
        "attendance": "出欠（出席（リアル）、出席（オンライン）、欠席）",
        "remark": "出席者についての備考",
    },
    STATUS_TABLE: {
        "entity": "自治体・圏域の名前",
        "plan": "計画の名前",
        "area": "分野の名前",
        "baseline_value": "判定に使った基準値",
        "baseline_fy": "基準値の年度" + _FY,
        "baseline_source": "基準値の出どころ: stated = 資料の基準値、earliest_actual = 基準値がないため評価年度より前の最も早い実績",
        "target_value": "最終目標値",
        "target_fy": "最終目標の年度" + _FY,
        "eval_fy": "評価年度（KPI ごとに実績のある最新の年度）" + _FY,
        "actual_value": "評価年度の実績値（累計の KPI は累計値）",
        "expected_value": "評価年度の期待値（その年度の目標値。なければ基準値から最終目標値への直線上の値）",
        "progress_ratio": "進捗率 r =（実績−基準）/（期待値−基準）。1.0 = 100%",
        "achievement_rate": "達成率 =（実績−基準）/（目標−基準）。1.0 = 100%（維持の KPI は実績/目標）",
        "status": f"判定（期待値方式: {_STATUSES}）。定性 KPI は記録された評価",
        "status_reason": "判定できない理由（判定できるときは空）",
        "needs_attention": f"要注意（{status.attention_words('expected')}）なら true",
        "attention_rank": "要注意の KPI の、計画ごとの順位（遅れの大きいものから）",
        "source": "KPI の出典（表示用）: 「資料の表題（発行者、日付）資料内の箇所」",
        "target_almost": "目標が「ほぼ X」と書かれていれば true（X に少し届かなくても達成とみなす）",
        "elapsed_share": "評価年度までに経過した計画期間の割合（0〜1。A/B/N/F方式で使う）",
        "method": "判定方式: expected = 期待値方式、abnf = A/B/N/F方式（国）",
    },
    COMMENTS_TABLE: {
        "fiscal_year": "コメントの対象の年度" + _FY,
        "kind": "コメントの種類: finding = 所見、analysis = 要因分析、direction = 今後の方向性、note = メモ",
        "text": "コメントの本文",
        "written_at": "書かれた日時",
    },
}


def describe(table: str, column: str) -> str:
    """What a published column means; a column nobody described is not published (PublishError)."""
    text = COLUMN_OVERRIDES.get(table, {}).get(column) or COLUMNS.get(column)
    if not text:
        raise PublishError(f"表 {table} の列 {column} に説明がないため公開できません（kpiboard/publish.py に説明を書いてください）")
    return text


# ---------------------------------------------------------------- the tables as DuckDB writes them
#
# Nothing of a table passes through Python: each is a SELECT on the snapshot that DuckDB writes itself (COPY … TO),
# in this process's DuckDB with the server's memory limit (store.new_connection: KPIBOARD_DUCKDB_MEMORY, spilling
# to its own temporary directory). Insertion order stays preserved (the stored order is the published one when it
# is already the table's), an ORDER BY only where it is not. The national data (64 million observations) went out
# in 2.5 minutes at a peak RSS of 1.7 GB with the 1GB default, 1.1 GB with 500MB (scripts/bench_publish.py).

# RFC 4180 as the package's dialect says: a field is quoted only when it must be (a delimiter, quote or line break
# in it; DuckDB also quotes a text holding "#", and the empty text as "", so it stays apart from NULL, written as
# nothing), booleans true/false, floats as their shortest round-trip text.
CSV_OPTIONS = "FORMAT csv, HEADER true, DELIMITER ',', QUOTE '\"', ESCAPE '\"', NULL '', NEW_LINE '\r\n'"
JSON_OPTIONS = "FORMAT json, ARRAY true"  # one array of objects (DuckDB writes one object a line)
CHECK_ROWS = 100_000  # rows per batch when checking a table's stored order (a million held 0.3 GB more)
COPY_BUFFER = 4 << 20  # the CSV's bytes are moved behind its BOM this many at a time

_INTEGER_TYPES = {"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT",
                  "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT", "UHUGEINT"}
_FLOAT_TYPES = {"FLOAT", "DOUBLE"}


def _field_type(sql_type: str) -> str:
    """A column's DuckDB type as a Table Schema type (a column of another type is written as text)."""
    if sql_type == "BOOLEAN":
        return "boolean"
    if sql_type in _INTEGER_TYPES:
        return "integer"
    if sql_type in _FLOAT_TYPES:
        return "number"
    return "string"


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _names(columns) -> str:
    return ", ".join(f'"{c}"' for c in columns)


@dataclass
class _Table:
    """One published table: the SELECT that gives its rows in the package's order, and its columns."""
    name: str
    sql: str
    params: dict = field(default_factory=dict)
    fields: list[tuple[str, str]] = field(default_factory=list)  # (column, DuckDB type) as written
    rows: int = 0  # expected, for the progress shares

    def json_sql(self) -> str:
        """The rows for the JSON: a float that is not finite is null there (JSON has no NaN), as before."""
        if not any(t in _FLOAT_TYPES for _, t in self.fields):
            return self.sql
        listed = ", ".join(f'CASE WHEN isfinite("{c}") THEN "{c}" END AS "{c}"' if t in _FLOAT_TYPES else f'"{c}"'
                           for c, t in self.fields)
        return f"SELECT {listed} FROM (\n{self.sql}\n) _rows"


def _present(directory, version: int) -> dict[str, set[str]]:
    """The store's tables at that snapshot and their columns."""
    alias = store.attached(store.location(directory), version=version)
    cur = store.cursor()
    try:
        found: dict[str, set[str]] = {}
        for table, column in cur.execute("SELECT table_name, column_name FROM duckdb_columns() WHERE database_name = ?",
                                         [alias]).fetchall():
            found.setdefault(table, set()).add(column)
        return found
    finally:
        cur.close()


def _in_order(cur, sql: str, keys: list[str]) -> bool:
    """Whether the rows of `sql` (a table as stored) already come in `keys` order, nulls last: schema.conform's own
    test, read batch by batch (only the keys, 64 million of them in seconds)."""
    reader = cur.execute(f"SELECT {_names(keys)} FROM (\n{sql}\n) _keys").to_arrow_reader(CHECK_ROWS)
    last = None
    for batch in reader:
        frame = pl.from_arrow(batch)
        if last is not None:
            frame = pl.concat([last, frame])  # the step from one batch to the next counts too
        order = frame.select(pl.arg_sort_by(keys, nulls_last=True, maintain_order=True)).to_series()
        if not (order == pl.int_range(frame.height, eager=True, dtype=order.dtype)).all():
            return False
        last = frame.tail(1)
    return True


def _stored_table(cur, alias: str, table: str, have: set[str]) -> _Table:
    """A store table as the schema says it (schema.conform, in SQL): its columns in the schema's order and types (a
    column the store did not have yet is empty), its rows as stored, or in `sort_by` order (ties as stored) when they
    are not already."""
    spec = schema.TABLES[table]
    listed = ", ".join(f'CAST({_names([c]) if c in have else "NULL"} AS {store._sql_type(t)}) AS "{c}"'
                       for c, t in spec["columns"].items())
    sql = f'SELECT {listed} FROM {alias}."{table}"'
    keys = spec["sort_by"]
    if keys and not _in_order(cur, sql, keys):
        # a stable sort: the rows DuckLake numbered first (rowid, the order they are stored in) come first
        sql += " ORDER BY " + ", ".join(f'"{k}" NULLS LAST' for k in keys) + ", rowid"
    count = cur.execute(f'SELECT count(*) FROM {alias}."{table}"').fetchone()[0]
    return _Table(table, sql, rows=int(count))


def _comments_table(cur, alias: str, have: set[str]) -> _Table:
    """The public rows of a store's kpi_comments, in the public columns."""
    listed = _names(c for c in COMMENT_COLUMNS if c in have)
    order = _names(c for c in ("kpi_id", "fiscal_year", "kind", "written_at") if c in have)
    # internal NULL is not known to be public: only an explicit false goes out
    where = f'FROM {alias}."{COMMENTS_TABLE}" WHERE internal = false'
    count = cur.execute(f"SELECT count(*) {where}").fetchone()[0]
    return _Table(COMMENTS_TABLE, f"SELECT {listed} {where}" + (f" ORDER BY {order}" if order else ""), rows=int(count))


def _status_table(cur, database: db.Database, kpis: int) -> _Table:
    """The verdicts: evaluate's rows at every default (the kept verdicts when they are those, db.statement)."""
    sql, params = db.statement("evaluate", database, cur)
    return _Table(STATUS_TABLE, sql, params, rows=kpis)


def _typed(cur, table: _Table) -> _Table:
    """The table's columns and DuckDB types; a column of none of the four Table Schema types is written as its text
    (a timestamp), a decimal as a double."""
    described = [(r[0], r[1]) for r in cur.execute(f"DESCRIBE SELECT * FROM (\n{table.sql}\n) _rows",
                                                    table.params or None).fetchall()]
    if all(t == "VARCHAR" or _field_type(t) != "string" for _, t in described):
        table.fields = described
        return table
    listed, fields = [], []
    for column, sql_type in described:
        cast = "DOUBLE" if sql_type.startswith("DECIMAL") else "VARCHAR"
        if sql_type != "VARCHAR" and _field_type(sql_type) == "string":
            listed.append(f'CAST("{column}" AS {cast}) AS "{column}"')
            fields.append((column, cast))
        else:
            listed.append(f'"{column}"')
            fields.append((column, sql_type))
    table.sql, table.fields = f"SELECT {', '.join(listed)} FROM (\n{table.sql}\n) _rows", fields
    return table


def _snapshot(directory, version) -> tuple[Path, int]:
    directory = Path(directory) if directory else store.data_dir()
    if not store.exists(directory):
        raise PublishError(f"データディレクトリ {directory} にデータがありません（KPIBOARD_DATA_DIR を確認してください）")
    version = int(version) if version not in (None, "") else int(store.data_version(directory))
    if not version:
        raise PublishError(f"データディレクトリ {directory} にデータがありません")
    return directory, version


def _tables(cur, database: db.Database, alias: str, present: dict[str, set[str]]) -> list[_Table]:
    """The published tables of the snapshot, in package order; a table the store does not have is left out."""
    tables = [_stored_table(cur, alias, t, present[t]) for t in PUBLISHED if t in present]
    kpis = next((t.rows for t in tables if t.name == "kpis"), 0)
    tables.append(_status_table(cur, database, kpis))
    if "internal" in present.get(COMMENTS_TABLE, set()):  # without it the public rows cannot be told: none go out
        tables.append(_comments_table(cur, alias, present[COMMENTS_TABLE]))
    return [_typed(cur, t) for t in tables]


def _small_rows(cur, table: _Table | None, limit: int | None = None) -> list[dict]:
    """A small table's rows as dicts (the dataset's row, the sources for the descriptor)."""
    if table is None:
        return []
    result = cur.execute(f"SELECT * FROM (\n{table.sql}\n) _rows" + (f" LIMIT {int(limit)}" if limit else ""),
                         table.params or None)
    names = [d[0] for d in result.description]
    return [dict(zip(names, row)) for row in result.fetchall()]


def _synthetic(cur, tables: list[_Table]) -> bool:
    """Whether any published row is synthetic (the dataset's own row first: one row answers for a synthetic set)."""
    for table in tables:
        if any(c == "synthetic" for c, _ in table.fields):
            found = cur.execute(f'SELECT bool_or("synthetic") FROM (\n{table.sql}\n) _rows',
                                table.params or None).fetchone()[0]
            if found:
                return True
    return False


def package_rows(directory=None, version=None) -> int:
    """Rows of the largest table (observations): whether the package is small enough to build in memory."""
    with db.Database(directory, version=version) as database:
        cur = database.cursor()
        try:
            return int(cur.execute("SELECT count(*) FROM observations").fetchone()[0])
        finally:
            cur.close()


# ---------------------------------------------------------------- the descriptor

def _schema(table: str, fields: list[tuple[str, str]], published) -> dict:
    out = {"fields": [{"name": c, "type": _field_type(t), "description": describe(table, c)} for c, t in fields]}
    if table in PRIMARY_KEYS:
        out["primaryKey"] = PRIMARY_KEYS[table]
    keys = [{"fields": column, "reference": {"resource": target, "fields": column}}
            for column, target in FOREIGN_KEYS.get(table, []) if target in published]  # not to a table left out
    if keys:
        out["foreignKeys"] = keys
    return out


def descriptor(fields: dict[str, list[tuple[str, str]]], version: int, *, dataset: dict | None = None,
               sources: list[dict] = (), synthetic: bool = False, created: datetime | None = None) -> dict:
    """datapackage.json: `fields` {table: [(column, DuckDB type)]} in package order, the dataset's row, the sources'
    rows and whether any row is synthetic."""
    publisher = os.environ.get("KPIBOARD_PUBLISHER", "").strip() or PUBLISHER
    dataset = dataset or {}
    on, mostly, slightly = SETTINGS.default_bands()
    about = [f"KPI board に登録された計画・KPI・値・施策と、その進捗判定（kpi_status）の公開データです"
             f"（データの版 {version}）。",
             "表ごとに CSV（UTF-8 BOM 付き、ヘッダー行あり）と同じ内容の JSON（オブジェクトの配列）があり、"
             "列の意味と型はこのファイル（datapackage.json）に記しています。値には出典（source 列）を付けています。"]
    if dataset.get("name"):
        about.append(f"データセット: {dataset['name']}" + (f"（{dataset['data_as_of']} 時点）" if dataset.get("data_as_of") else "")
                     + "。")
    if synthetic:
        about.append(SYNTHETIC_NOTE)
    resources = []
    for name, columns in fields.items():
        resource = {"name": name, "path": f"{name}.csv", "title": TITLES[name], "profile": "tabular-data-resource",
                    "format": "csv", "mediatype": "text/csv", "encoding": "utf-8-sig",
                    "dialect": {"delimiter": ",", "lineTerminator": "\r\n", "quoteChar": '"', "doubleQuote": True,
                                "header": True},
                    "schema": _schema(name, columns, fields)}
        if name == STATUS_TABLE:
            resource["description"] = (f"{status.method_explanation('expected')} 評価年度は KPI ごとに実績のある最新の年度、"
                                       f"判定基準は {on:g}・{mostly:g}・{slightly:g}（既定）。")
        resources.append(resource)
    return {
        "name": PACKAGE_NAME,
        "title": "KPI board 公開データ",
        "description": "".join(about),
        "profile": "tabular-data-package",
        "created": (created or datetime.now(store.JST)).isoformat(timespec="seconds"),
        "contributors": [{"title": publisher, "role": "publisher"}],
        "licenses": [LICENSE],
        "sources": [{"title": row.get("title") or row.get("source_id"), **({"path": row["url"]} if row.get("url") else {})}
                    for row in sources],
        "resources": resources,
    }


# ---------------------------------------------------------------- writing

def _check_target(out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise PublishError(f"出力先 {out} はフォルダではありません")
    if out.is_dir() and any(out.iterdir()):
        raise PublishError(f"出力先 {out} は空のフォルダではありません（空のフォルダか、まだないフォルダを指定してください）")


def _copy(cur, sql: str, params: dict, target: Path, options: str) -> int:
    """DuckDB writes the rows of `sql` into `target`; returns how many."""
    return int(cur.execute(f"COPY (\n{sql}\n) TO {_literal(str(target))} ({options})", params or None).fetchone()[0])


def _write_table(cur, table: _Table, work: Path) -> int:
    """The table's CSV (the BOM, then DuckDB's CSV moved behind it, never whole in memory) and JSON."""
    part = work / f".{table.name}.csv.part"
    rows = _copy(cur, table.sql, table.params, part, CSV_OPTIONS)
    with open(work / f"{table.name}.csv", "wb") as target, open(part, "rb") as source:
        target.write(codecs.BOM_UTF8)
        shutil.copyfileobj(source, target, COPY_BUFFER)
    part.unlink()
    json_rows = _copy(cur, table.json_sql(), table.params, work / f"{table.name}.json", JSON_OPTIONS)
    if json_rows != rows:  # one snapshot, one query: cannot differ, but a package whose files disagree never goes out
        raise PublishError(f"表 {table.name} の CSV（{rows} 行）と JSON（{json_rows} 行）が一致しません")
    return rows


def publish(out_dir, directory=None, version=None, progress=None) -> dict:
    """Write the package into `out_dir` (a new or empty folder): every file is written into a sibling temporary
    folder first and that is renamed into place, so `out_dir` holds a whole package or nothing. Every table is read
    from one snapshot (the newest unless `version`) and written by DuckDB, table by table.
    `progress(share, message)`, if given, is called as each table is written (share 0–1 of the rows, message
    「table: N 行」). Returns {"path": out_dir, "tables": {table: rows}}."""
    out = Path(out_dir).expanduser().resolve()
    _check_target(out)
    directory, version = _snapshot(directory, version)
    present = _present(directory, version)
    alias = store.attached(store.location(directory), version=version)
    database = db.Database(directory, version=version)
    cur = database.cursor()  # the snapshot's tables by name too (evaluate.sql reads them so)
    try:
        tables = _tables(cur, database, alias, present)
        by_name = {t.name: t for t in tables}
        package = descriptor({t.name: t.fields for t in tables}, version,
                             dataset=next(iter(_small_rows(cur, by_name.get("dataset"), 1)), None),
                             sources=_small_rows(cur, by_name.get("sources")), synthetic=_synthetic(cur, tables))
        try:
            out.parent.mkdir(parents=True, exist_ok=True)
            work = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent))
            work.chmod(0o755)  # mkdtemp's folder is the owner's alone; a published folder is for everyone to read
        except OSError as e:
            raise PublishError(f"出力先 {out} に書き込めません（{e.strerror or e}）") from None
        try:
            written: dict[str, int] = {}
            total, done = sum(t.rows + 1 for t in tables), 0
            for table in tables:
                written[table.name] = _write_table(cur, table, work)
                done += table.rows + 1
                if progress is not None:
                    progress(min(done / total, 1.0), f"{table.name}: {written[table.name]} 行")
            (work / "datapackage.json").write_text(json.dumps(package, ensure_ascii=False, indent=1) + "\n",
                                                   encoding="utf-8")
            _check_target(out)  # again: something may have been written there meanwhile
            if out.is_dir():
                out.rmdir()  # rename replaces no folder on every system: the empty one goes first
            work.rename(out)
        except (OSError, duckdb.IOException) as e:
            shutil.rmtree(work, ignore_errors=True)
            raise PublishError(f"出力先 {out} に書き込めません（{getattr(e, 'strerror', None) or e}）") from None
        except BaseException:
            shutil.rmtree(work, ignore_errors=True)
            raise
    finally:
        cur.close()
    return {"path": out, "tables": written}


def package_zip(directory=None, version=None) -> bytes:
    """The package as a zip (its files in a folder kpiboard-open-data/), built in a temporary folder and held in
    memory: for a small store (the 出力 page offers it up to views.DOWNLOAD_BUTTON_ROWS observations)."""
    with tempfile.TemporaryDirectory(prefix="kpiboard-publish-") as tmp:
        out = publish(Path(tmp) / PACKAGE_NAME, directory, version)["path"]
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(out.iterdir()):
                archive.write(path, f"{PACKAGE_NAME}/{path.name}")
        return buffer.getvalue()
