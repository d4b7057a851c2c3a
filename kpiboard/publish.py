"""The open data package (`python -m kpiboard publish --out DIR`, and the 出力 page's zip): the public tables as
CSV (UTF-8 with BOM, header row, RFC 4180, CRLF) and JSON (an array of objects), described by `datapackage.json`
(Frictionless Data Package with a Table Schema per CSV), under CC BY 4.0.

What is public is a list (PUBLISHED), not "everything but": a table added to the schema is withheld until someone
decides. `user_roles` (e-mail addresses) never goes out; a store's `kpi_comments` goes out without its internal
rows and without `author`. The verdicts (`kpi_status`) are the rows of queries/evaluate.sql, nothing judged here.
Every table is read from one snapshot, so the files agree with each other. Values are written as stored: the
formula guard of the Excel exports (a leading ') would change them for the machines this package is for.
"""
from __future__ import annotations

import io
import json
import os
import shutil
import tempfile
import zipfile
from datetime import datetime
from pathlib import Path

import polars as pl

from . import db, status, store
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


def _field_type(dtype) -> str:
    if dtype == pl.Boolean:
        return "boolean"
    if dtype.is_integer():
        return "integer"
    if dtype.is_float():
        return "number"
    return "string"


def _plain(frame: pl.DataFrame) -> pl.DataFrame:
    """Columns as the four Table Schema types: anything else (a timestamp) as its text."""
    return frame.with_columns(pl.col(c).cast(pl.String) for c, t in frame.schema.items()
                              if t != pl.Boolean and not t.is_numeric() and t != pl.String)


# ---------------------------------------------------------------- reading

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


def _comments(directory, version: int, have: set[str]) -> pl.DataFrame:
    """The public rows of a store's kpi_comments, in the public columns."""
    alias = store.attached(store.location(directory), version=version)
    listed = ", ".join(f'"{c}"' for c in COMMENT_COLUMNS if c in have)
    order = ", ".join(f'"{c}"' for c in ("kpi_id", "fiscal_year", "kind", "written_at") if c in have)
    cur = store.cursor()
    try:
        # internal NULL is not known to be public: only an explicit false goes out
        return cur.execute(f'SELECT {listed} FROM {alias}."{COMMENTS_TABLE}" WHERE internal = false'
                           + (f" ORDER BY {order}" if order else "")).pl()
    finally:
        cur.close()


def read_package(directory=None, version=None) -> tuple[dict[str, pl.DataFrame], int]:
    """The published tables ({name: frame}, in package order) from one snapshot (the newest unless `version`);
    a table the store does not have is left out."""
    directory = Path(directory) if directory else store.data_dir()
    if not store.exists(directory):
        raise PublishError(f"データディレクトリ {directory} にデータがありません（KPIBOARD_DATA_DIR を確認してください）")
    version = int(version) if version not in (None, "") else int(store.data_version(directory))
    if not version:
        raise PublishError(f"データディレクトリ {directory} にデータがありません")
    present = _present(directory, version)
    tables = store.read_tables(directory, [t for t in PUBLISHED if t in present], version=version)
    with db.Database(directory, version=version) as database:
        tables[STATUS_TABLE] = database.query("evaluate")  # the verdicts as evaluate.sql gives them, all defaults
    if "internal" in present.get(COMMENTS_TABLE, set()):  # without it the public rows cannot be told: none go out
        tables[COMMENTS_TABLE] = _comments(directory, version, present[COMMENTS_TABLE])
    return {name: _plain(frame) for name, frame in tables.items()}, version


def package_rows(directory=None, version=None) -> int:
    """Rows of the largest table (observations): whether the package is small enough to build in memory."""
    with db.Database(directory, version=version) as database:
        cur = database.cursor()
        try:
            return int(cur.execute("SELECT count(*) FROM observations").fetchone()[0])
        finally:
            cur.close()


# ---------------------------------------------------------------- the descriptor

def _schema(table: str, frame: pl.DataFrame, published) -> dict:
    out = {"fields": [{"name": c, "type": _field_type(t), "description": describe(table, c)}
                      for c, t in frame.schema.items()]}
    if table in PRIMARY_KEYS:
        out["primaryKey"] = PRIMARY_KEYS[table]
    keys = [{"fields": column, "reference": {"resource": target, "fields": column}}
            for column, target in FOREIGN_KEYS.get(table, []) if target in published]  # not to a table left out
    if keys:
        out["foreignKeys"] = keys
    return out


def _synthetic(tables: dict[str, pl.DataFrame]) -> bool:
    return any(frame["synthetic"].any() for frame in tables.values() if "synthetic" in frame.columns)


def descriptor(tables: dict[str, pl.DataFrame], version: int, created: datetime | None = None) -> dict:
    publisher = os.environ.get("KPIBOARD_PUBLISHER", "").strip() or PUBLISHER
    dataset = tables["dataset"].row(0, named=True) if tables.get("dataset", pl.DataFrame()).height else {}
    on, mostly, slightly = SETTINGS.default_bands()
    about = [f"KPI board に登録された計画・KPI・値・施策と、その進捗判定（kpi_status）の公開データです"
             f"（データの版 {version}）。",
             "表ごとに CSV（UTF-8 BOM 付き、ヘッダー行あり）と同じ内容の JSON（オブジェクトの配列）があり、"
             "列の意味と型はこのファイル（datapackage.json）に記しています。値には出典（source 列）を付けています。"]
    if dataset.get("name"):
        about.append(f"データセット: {dataset['name']}" + (f"（{dataset['data_as_of']} 時点）" if dataset.get("data_as_of") else "")
                     + "。")
    if _synthetic(tables):
        about.append(SYNTHETIC_NOTE)
    resources = []
    for name, frame in tables.items():
        resource = {"name": name, "path": f"{name}.csv", "title": TITLES[name], "profile": "tabular-data-resource",
                    "format": "csv", "mediatype": "text/csv", "encoding": "utf-8-sig",
                    "dialect": {"delimiter": ",", "lineTerminator": "\r\n", "quoteChar": '"', "doubleQuote": True,
                                "header": True},
                    "schema": _schema(name, frame, tables)}
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
        "sources": [{"title": row["title"] or row["source_id"], **({"path": row["url"]} if row["url"] else {})}
                    for row in tables.get("sources", pl.DataFrame()).iter_rows(named=True)],
        "resources": resources,
    }


# ---------------------------------------------------------------- writing

def _check_target(out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise PublishError(f"出力先 {out} はフォルダではありません")
    if out.is_dir() and any(out.iterdir()):
        raise PublishError(f"出力先 {out} は空のフォルダではありません（空のフォルダか、まだないフォルダを指定してください）")


def publish(out_dir, directory=None, version=None) -> dict:
    """Write the package into `out_dir` (a new or empty folder): every file is written into a sibling temporary
    folder first and that is renamed into place, so `out_dir` holds a whole package or nothing.
    Returns {"path": out_dir, "tables": {table: rows}}."""
    out = Path(out_dir).expanduser().resolve()
    _check_target(out)
    tables, version = read_package(directory, version)
    package = descriptor(tables, version)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent))
        work.chmod(0o755)  # mkdtemp's folder is the owner's alone; a published folder is for everyone to read
    except OSError as e:
        raise PublishError(f"出力先 {out} に書き込めません（{e.strerror or e}）") from None
    try:
        for name, frame in tables.items():
            frame.write_csv(work / f"{name}.csv", include_bom=True, line_terminator="\r\n")
            frame.write_json(work / f"{name}.json")
        (work / "datapackage.json").write_text(json.dumps(package, ensure_ascii=False, indent=1) + "\n",
                                               encoding="utf-8")
        _check_target(out)  # again: something may have been written there meanwhile
        if out.is_dir():
            out.rmdir()  # rename replaces no folder on every system: the empty one goes first
        work.rename(out)
    except OSError as e:
        shutil.rmtree(work, ignore_errors=True)
        raise PublishError(f"出力先 {out} に書き込めません（{e.strerror or e}）") from None
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return {"path": out, "tables": {name: frame.height for name, frame in tables.items()}}


def package_zip(directory=None, version=None) -> bytes:
    """The package as a zip (its files in a folder kpiboard-open-data/), built in a temporary folder."""
    with tempfile.TemporaryDirectory(prefix="kpiboard-publish-") as tmp:
        out = publish(Path(tmp) / PACKAGE_NAME, directory, version)["path"]
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(out.iterdir()):
                archive.write(path, f"{PACKAGE_NAME}/{path.name}")
        return buffer.getvalue()
