"""Views: the tables and the figures' data that pages (and exports) draw, in one place.

A view is what a screen shows, computed from the results of named queries (queries/*.sql, run by the
caller: a page passes `ui.run(...)` / `ui.evaluate(...)` results in, or a callable where a view needs
queries that depend on each other) with vectorised Polars expressions: the rows chosen, joined, pivoted,
ranked and renamed to the columns a table shows, and the decisions about them (which KPI opens first,
which way a ranking runs, which entities a long ranking keeps). Pages only pick filters, call a named
query and a view, and draw the result.

Rules kept here as everywhere: a verdict (status, reason, expected value, attention) comes only from the
evaluate query and is never recomputed; how a status reads comes from kpiboard/status.py; display
formats are kpiboard/format.py's expressions; no Python callbacks inside Polars. Nothing here imports
Streamlit, so every view can be tested on plain query results.
"""
from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Callable

import pandas as pd
import polars as pl

from . import citations, comments, comparison, schema, search, status, trajectory, tree
from . import format as fmt
from .eras import fiscal_year_of
from .parsing import format_value
from .charts.initiatives import budget_segments

Run = Callable[..., pl.DataFrame]  # a named query by name and parameters (ui.run, or db.run bound to a connection)

NO_AREA = "（分野なし）"
PREFECTURES = 47  # a published statistic compares prefectures only on dates all 47 have a value


def _renamed(frame: pl.DataFrame, columns: dict[str, str]) -> pl.DataFrame:
    """`frame`'s columns, in this order, under the names a table shows."""
    return frame.select(pl.col(c).alias(name) for c, name in columns.items())


def status_counts(rows: pl.DataFrame, method: str) -> list[tuple[str, int]]:
    """(status, KPIs) for every status of the method, in the method's order (zeros included)."""
    counts = dict(rows.group_by("status").len().iter_rows())
    return [(s, int(counts.get(s, 0))) for s in status.statuses(method)]


# ---------------------------------------------------------------------------------------------
# 概要

@dataclass(frozen=True)
class PlanMix:
    """Every plan's verdict mix for the start page."""
    rows: pl.DataFrame   # evaluated rows of the plans drawn, labelled `plan_label`, plans with verdicts first
    plans: int           # plans with KPIs
    shown: int           # plans drawn
    cut: bool            # more plans than drawn
    kpis: int
    judged: int


def plan_mix(summary: pl.DataFrame, evaluate: Callable[..., pl.DataFrame], limit: int = 10) -> PlanMix:
    """`summary`: the plan_verdict_mix query (every plan's counts, in order); the rows drawn are evaluate's for
    the first `limit` plans only (`evaluate(plan=…)`), so the whole country is never read into the page."""
    top = summary.head(limit)
    rows = [evaluate(plan=p).with_columns(plan_label=pl.lit(label)) for p, label in zip(top["plan_id"], top["plan_label"])]
    rows = pl.concat(rows) if rows else pl.DataFrame(schema={"plan_id": pl.Utf8, "plan_label": pl.Utf8, "status": pl.Utf8})
    return PlanMix(rows=rows, plans=summary.height, shown=top.height, cut=summary.height > limit,
                   kpis=int(summary["kpis"].sum()), judged=int(summary["judged"].sum()))


@dataclass(frozen=True)
class NationalHeadline:
    """The latest published statistic that all prefectures have, and the plan KPI it is the actual of."""
    indicator: str
    short_name: str          # the name without its bracketed qualifier (the full name is in the source line)
    as_of: str
    unit: str | None
    place: dict | None       # the ranking row shown: entity, value, rank
    median: float | None     # the national median on that date
    kpi: dict | None         # the plan KPI that takes this statistic as its actual (plan, kpi_name, kpi_id)
    verdict: dict | None     # that KPI's evaluated row
    document: str            # the ranking's source document


def national_headline(run: Run, evaluate: Callable[..., pl.DataFrame]) -> NationalHeadline | None:
    """The start page's 最新の全国比較; None when no statistic has every prefecture."""
    dates = complete_dates(run("series_dates"))
    if dates.is_empty():
        return None
    latest = dates.row(0, named=True)  # newest first
    linked = run("series_kpis", indicator=latest["indicator"])
    who = linked["entity"][0] if linked.height else None
    ranking = run("series_ranking", indicator=latest["indicator"], as_of=latest["as_of"])
    national = run("series_national", indicator=latest["indicator"], entity=who)
    median = national.filter(pl.col("as_of") == latest["as_of"])["median"]
    mine = ranking.filter(pl.col("entity") == who) if who else ranking.head(1)
    kpi = linked.row(0, named=True) if linked.height else None
    judged = evaluate(kpi_id=kpi["kpi_id"]) if kpi else None
    return NationalHeadline(
        indicator=latest["indicator"], short_name=latest["indicator"].split("（")[0], as_of=latest["as_of"],
        unit=latest["unit"], place=mine.row(0, named=True) if mine.height else None,
        median=median[0] if median.len() else None, kpi=kpi,
        verdict=judged.row(0, named=True) if judged is not None and judged.height else None,
        document=ranking["document"][0] if ranking.height else "")


def by_area(rows: pl.DataFrame) -> pl.DataFrame:
    """Evaluated rows with 「（分野なし）」 for a KPI without an area (a chart's group)."""
    return rows.with_columns(pl.col("area").fill_null(NO_AREA))


def attention(rows: pl.DataFrame, limit: int | None = 10) -> pl.DataFrame:
    """The KPIs to look at first, as evaluate marks and ranks them (kpiboard.status.attention)."""
    return status.attention(rows, limit=limit)


def unjudged_reasons(rows: pl.DataFrame) -> str | None:
    """When no KPI could be judged: evaluate's reasons with their counts, most first 「実績なし 3 件、…」.
    None when some KPI has a verdict."""
    undetermined = rows.filter(pl.col("status").is_in(status.UNDETERMINED))
    if undetermined.height != rows.height:
        return None
    counts = undetermined.group_by("status_reason", maintain_order=True).len().sort("len", descending=True,
                                                                                    maintain_order=True)
    return "、".join(f"{r} {n} 件" for r, n in counts.iter_rows())


def area_breakdown(rows: pl.DataFrame, method: str) -> pl.DataFrame:
    """KPIs per area (rows, in the plan's order) and status (columns, in the method's order), and 計."""
    order = list(status.statuses(method))
    areas = by_area(rows)
    area_order = areas["area"].unique(maintain_order=True).to_list()
    table = areas.group_by("area", "status").len().pivot(on="status", index="area", values="len").fill_null(0)
    table = table.with_columns(pl.lit(0, pl.UInt32).alias(s) for s in order if s not in table.columns)
    return (table.select("area", *order)
            .with_columns(pl.sum_horizontal(order).alias("計"))
            .with_columns(pl.col("area").replace_strict({a: i for i, a in enumerate(area_order)}, default=999).alias("_o"))
            .sort("_o").drop("_o")
            .rename({"area": "分野（戦略の柱）", **{s: status.label(s) for s in order}}))


def kpi_table(rows: pl.DataFrame, western: bool = False, *, ids: bool = True) -> pl.DataFrame:
    """Every KPI of a plan: verdict (with evaluate's reason), figures with their years, ratios, source; and
    (`ids`) kpi_id last, for a table whose rows open the KPI."""
    figures = (("baseline", "baseline_fy", "基準値"), ("target", "target_fy", "目標値"), ("actual", "eval_fy", "実績値"))
    return rows.with_columns(
        status.label_with_reason_expr().alias("判定"),
        *[fmt.value_with_year(f"{kind}_value", pl.col("unit"), year, western).alias(name) for kind, year, name in figures],
        fmt.ratio("progress_ratio").alias("進捗率"),
        fmt.ratio("achievement_rate").alias("達成率"),
    ).select("判定", pl.col("area").alias("分野"), pl.col("item_code").alias("項目"), pl.col("kpi_name").alias("指標名"),
             "基準値", "目標値", "実績値", "進捗率", "達成率", pl.col("source").alias("出典"), *(["kpi_id"] if ids else []))


@dataclass(frozen=True)
class Freshness:
    """How current a plan's data is, and what the dataset is."""
    as_of: str | None            # the dataset's data_as_of
    latest_actual_fy: int | None
    kpis_with_actual: int
    kpi_count: int
    last_import: str             # date and time of the last write that changed one of its values, or 取込なし
    kind: str                    # 合成データ / 埋め込みデータ / 取込データ
    dataset: str
    version: str
    baseline_count: int
    target_count: int
    actual_count: int
    description: str | None


def freshness(fresh: pl.DataFrame, dataset: pl.DataFrame, manifest: dict, synthetic: bool) -> Freshness:
    """From the data_freshness query of a plan, the dataset table and the data directory's manifest."""
    f = fresh.row(0, named=True)
    first = dataset.row(0, named=True) if dataset.height else {}
    kind = "合成データ" if synthetic else ("埋め込みデータ（原本資料から作成）" if manifest.get("built_from") == "data/sources"
                                           else "取込データ")
    return Freshness(as_of=first.get("data_as_of"), latest_actual_fy=f["latest_actual_fy"],
                     kpis_with_actual=f["kpis_with_actual"], kpi_count=f["kpi_count"],
                     last_import=(f["last_changed_at"] or "取込なし")[:16], kind=kind, dataset=first.get("name", ""),
                     version=str(manifest.get("version", "―")), baseline_count=f["baseline_count"],
                     target_count=f["target_count"], actual_count=f["actual_count"],
                     description=first.get("description"))


def plan_sources_table(sources: pl.DataFrame) -> pl.DataFrame:
    """The plan_sources query: documents and how many sections, KPIs and figures cite each."""
    return _renamed(sources, {"document": "資料", "sections": "節の数", "kpis": "KPI", "figures": "数値",
                              "example": "出典の例"})


# ---------------------------------------------------------------------------------------------
# 指標

SEARCH_COLUMNS = ["kpi_name", "area", "item_code", "measure", "entity", "plan", "unit", "kpi_id"]
BASIS_JA = {"document": "資料に記載", "reading": "当方の読み（資料に記載なし）"}
_MARKS = {code: s["mark"] for code, s in status.STATUS_STYLE.items()}


def find_kpis(rows: pl.DataFrame, query: str | None, statuses: list[str] | None = None) -> pl.DataFrame:
    """The evaluated KPIs matching every word of the search (kpiboard.search) and one of the statuses."""
    found = search.filter_frame(rows, query, SEARCH_COLUMNS)
    return found.filter(pl.col("status").is_in(statuses)) if statuses else found


def kpi_labels(found: pl.DataFrame, with_entity: bool) -> dict[str, str]:
    """kpi_id → 「○ 2(1) 指標名 ［自治体］」 for the KPI picker (the entity when several plans are listed)."""
    item = pl.col("item_code")
    label = pl.concat_str([
        pl.col("status").replace_strict(_MARKS, default="", return_dtype=pl.Utf8).fill_null(""), pl.lit(" "),
        pl.when(item.is_not_null() & (item != "")).then(item + pl.lit(" ")).otherwise(pl.lit("")),
        pl.col("kpi_name").fill_null(""), pl.lit(" "),
        pl.concat_str([pl.lit("［"), pl.col("entity"), pl.lit("］")]) if with_entity else pl.lit(""),
    ]).str.strip_chars()
    return dict(found.select("kpi_id", label.alias("label")).iter_rows())


def default_kpi(found: pl.DataFrame) -> str:
    """The KPI to open without a choice: the first with the most to show (an actual, else a baseline and a
    target, else a target)."""
    score = (pl.col("actual_value").is_not_null().cast(pl.Int8) * 4
             + (pl.col("baseline_value").is_not_null() & pl.col("target_value").is_not_null()).cast(pl.Int8) * 2
             + pl.col("target_value").is_not_null().cast(pl.Int8))
    return found.with_columns(score.alias("_score")).sort("_score", descending=True, maintain_order=True)["kpi_id"][0]


def kpi_row(found: pl.DataFrame, kpi_id: str) -> dict:
    return found.filter(pl.col("kpi_id") == kpi_id).row(0, named=True)


def kpi_listing(found: pl.DataFrame, with_entity: bool) -> pl.DataFrame:
    """The list beside a KPI: verdict with reason, (entity), item, name."""
    return found.select(status.label_with_reason_expr().alias("判定"),
                        *([pl.col("entity").alias("自治体")] if with_entity else []),
                        pl.col("item_code").alias("項目"), pl.col("kpi_name").alias("指標名"))


def kpi_facts(kpi: dict, fy: Callable[[int | None], str]) -> str:
    """One line about an evaluated KPI: entity, plan, area, item, unit, direction, cumulative, and why it
    cannot be judged or which actual stood in for a missing baseline (evaluate's own words)."""
    unit = kpi["unit"] or ""
    facts = [kpi["entity"], kpi["plan"], kpi["area"], f"項目 {kpi['item_code']}" if kpi["item_code"] else None,
             f"単位 {unit}" if unit else None, f"方向 {schema.DIRECTION_JA.get(kpi['direction'], kpi['direction'])}",
             "累計値で判定" if kpi["cumulative"] else None,
             f"判定できない理由: {kpi['status_reason']}" if kpi["status_reason"] else None,
             status.baseline_note(kpi, fy)]
    return "｜".join(f for f in facts if f)


@dataclass(frozen=True)
class Outlook:
    needed: trajectory.Needed | None   # the yearly change the final target needs (or that it is met)
    pace: float | None                 # the change per year so far
    projection: tuple | None           # (from_fy, from_value, to_fy, value) if the pace went on


def outlook(kpi: dict, observations: pl.DataFrame) -> Outlook:
    return Outlook(trajectory.required_yearly_change(kpi), trajectory.pace(kpi, observations),
                   trajectory.projection(kpi, observations))


def has_figures(observations: pl.DataFrame) -> bool:
    """Whether a KPI has any number to draw (a value or a running total)."""
    return not observations.filter(pl.col("value").is_not_null() | pl.col("cumulative_value").is_not_null()).is_empty()


def _value_kind() -> pl.Expr:
    return pl.col("value_kind").replace_strict(schema.VALUE_KIND_JA, default=pl.col("value_kind"))


def observation_table(observations: pl.DataFrame, western: bool = False) -> pl.DataFrame:
    """A KPI's observations as written: kind, year (with the document's own year text), text, value read."""
    year_text = (pl.when(pl.col("year_text").fill_null("") != "")
                 .then(pl.concat_str([pl.lit("（原文 "), pl.col("year_text"), pl.lit("）")])).otherwise(pl.lit("")))
    return observations.select(
        _value_kind().alias("種別"),
        pl.concat_str([fmt.fiscal_year("fiscal_year", western), year_text]).alias("年度"),
        pl.col("original_text").alias("原文"),
        fmt.value("value", pl.col("unit")).alias("読み取った値"),
        pl.col("qualifier").alias("修飾（以上・見込み等）"), fmt.value("cumulative_value", pl.col("unit")).alias("累計値"),
        pl.col("note").alias("注記"), pl.col("source").alias("出典"))


def reference_table(references: pl.DataFrame, western: bool = False) -> pl.DataFrame:
    """Reference values (national averages, ranks) of a KPI: the year as written, else the fiscal year."""
    year = (pl.when(pl.col("year_text").fill_null("") != "").then(pl.col("year_text"))
            .otherwise(fmt.fiscal_year("fiscal_year", western)))
    return references.select(pl.col("label").alias("項目"), year.alias("年"), pl.col("original_text").alias("原文"),
                             pl.col("note").alias("注記"), pl.col("source").alias("出典"))


def kpi_initiative_table(linked: pl.DataFrame) -> pl.DataFrame:
    """The initiatives serving a KPI, with the basis of each link."""
    return linked.select(
        pl.col("code").alias("施策番号"), pl.col("title").alias("施策"), pl.col("department").alias("担当"),
        pl.col("basis").replace_strict(BASIS_JA, default=pl.col("basis")).alias("対応の根拠"),
        pl.col("note").alias("注記"), pl.col("source").alias("出典"))


def same_indicator(same: pl.DataFrame) -> tuple[pl.DataFrame, int]:
    """(the KPIs measuring the same indicator, how many there are in all: the query lists the first 50)."""
    table = _renamed(same, {"entity": "自治体", "plan": "計画", "item_code": "項目", "kpi_name": "指標名"})
    return table, int(same["total"][0]) if same.height else 0


def history_table(history: pl.DataFrame, western: bool = False) -> pl.DataFrame:
    """Values an import replaced (observation_history)."""
    return history.select(
        pl.col("changed_at").alias("日時"), _value_kind().alias("種別"),
        fmt.fiscal_year("fiscal_year", western).alias("年度"),
        pl.col("old_original_text").alias("変更前"), pl.col("new_original_text").alias("変更後"),
        pl.col("file_name").alias("ファイル"), pl.col("user_name").alias("取込者"))


def comment_years(kpi: dict, observations: pl.DataFrame, written: pl.DataFrame) -> list[int]:
    """The fiscal years a KPI's commentary can be written for, newest first: the evaluated year, years with a
    figure or a comment, and the plan period up to the current fiscal year."""
    years = set(observations["fiscal_year"].drop_nulls().to_list()) | set(written["fiscal_year"].drop_nulls().to_list())
    if kpi.get("eval_fy") is not None:
        years.add(kpi["eval_fy"])
    current_fy = fiscal_year_of(datetime.date.today())
    start = min(years) if years else current_fy
    years |= set(range(start, current_fy + 1))
    return sorted((y for y in years if y <= max(current_fy, kpi.get("eval_fy") or current_fy)), reverse=True)


def comment_table(written: pl.DataFrame, western: bool = False) -> pl.DataFrame:
    """A KPI's commentary, newest year first: 年度, 種類, 内容, 記入者, 記入日時, and whether it is internal."""
    return written.select(
        fmt.fiscal_year("fiscal_year", western).alias("年度"),
        pl.col("kind").replace_strict(comments.KINDS, default=pl.col("kind")).alias("種類"),
        pl.col("text").alias("内容"),
        pl.when(pl.col("internal").fill_null(False)).then(pl.lit("内部メモ")).otherwise(pl.lit("公開")).alias("区分"),
        pl.col("author").alias("記入者"),
        fmt.jst_time("written_at").alias("記入日時"))


def attention_commentary(attention: pl.DataFrame, written: pl.DataFrame) -> dict[str, str]:
    """概要's cards: kpi_id → the department's words on that KPI's evaluated year (every kind, labelled)."""
    joined = comments.attach(attention.select("kpi_id", "eval_fy"), written)
    return {k: c for k, c in zip(joined["kpi_id"], joined["commentary"]) if c}


# ---------------------------------------------------------------------------------------------
# データ取込

IMPORT_ROWS_SHOWN = 2000  # rows of errors or warnings a preview lists (colouring huge tables makes the page slow)


def import_issues(issues) -> pl.DataFrame:
    """An import's errors or warnings (kpiboard.importer Issue), the first IMPORT_ROWS_SHOWN."""
    return pl.DataFrame([{"ファイル": i.file, "シート": i.sheet, "行": i.row, "列": i.column, "内容": i.message}
                         for i in issues[:IMPORT_ROWS_SHOWN]],
                        schema={"ファイル": pl.Utf8, "シート": pl.Utf8, "行": pl.Int64, "列": pl.Utf8, "内容": pl.Utf8})


def import_history_table(history: pl.DataFrame, western: bool = False) -> pl.DataFrame:
    """What imports replaced, newest first: when, who, which file, and the value before and after."""
    return history.select(
        pl.col("changed_at").str.slice(0, 19).str.replace("T", " ").alias("日時"), pl.col("user_name").alias("取込者"),
        pl.col("file_name").alias("ファイル"), pl.col("entity").alias("自治体"), pl.col("kpi_name").alias("指標名"),
        _value_kind().alias("種別"), fmt.fiscal_year("fiscal_year", western).alias("年度"),
        pl.col("old_original_text").alias("以前の値（原文）"), fmt.value("old_value", pl.col("unit")).alias("以前の値"),
        pl.col("new_original_text").alias("新しい値（原文）"), fmt.value("new_value", pl.col("unit")).alias("新しい値"))


def store_history_table(history: pl.DataFrame) -> pl.DataFrame:
    """Every write of the store, newest first: when, who, what (queries/store_history.sql)."""
    return history.select(pl.col("snapshot_id").alias("更新番号"), pl.col("written_at").alias("日時"),
                          pl.col("author").fill_null("―").alias("実行者"), pl.col("message").fill_null("―").alias("内容"))


def import_problems(result) -> tuple[dict[tuple, str], dict[tuple, list[str]]]:
    """(file, sheet, row, column) → "error" or "warning" (an error outranks a warning), and
    (file, sheet, row) → the row's messages marked × / △ (glyphs every Japanese font has): what the preview colours and lists."""
    levels: dict[tuple, str] = {}
    messages: dict[tuple, list[str]] = {}
    for level, issues in (("error", result.errors), ("warning", result.warnings)):
        for i in issues:
            if i.row:
                levels.setdefault((i.file, i.sheet, i.row, i.column), level)
                messages.setdefault((i.file, i.sheet, i.row), []).append(("× " if level == "error" else "△ ") + i.message)
    return levels, messages


def import_values(result, fy: Callable[[int | None], str]) -> tuple[pd.DataFrame, list[tuple]]:
    """The values a preview read (the first IMPORT_ROWS_SHOWN), and each row's cell (file, sheet, row, column).
    A pandas frame: the preview colours its cells through pandas' Styler."""
    from .importer import STATUS_JA

    shown = result.observations[:IMPORT_ROWS_SHOWN]
    frame = pd.DataFrame([{
        "状態": STATUS_JA[o["status"]], "指標名": o["kpi_name"], "種別": schema.VALUE_KIND_JA[o["value_kind"]],
        "年度": fy(o["fiscal_year"]) + ("" if o["year_type"] == "fiscal" else f"／{o['year_text']}"),
        "原文": o["original_text"], "読み取った値": format_value(o["value"], o["unit"] or ""),
        "修飾": o["qualifier"], "備考": o["note"],
        "以前の値": "" if o["old_original_text"] is None else o["old_original_text"],
        "自治体": o["entity"], "計画": o["plan"],
        "場所": o["file"] + (f" ／ {o['sheet']}" if o["sheet"] else "") + f" {o['row']}行目「{o['column']}」列",
    } for o in shown])
    return frame, [(o["file"], o["sheet"], o["row"], o["column"]) for o in shown]


def import_kpis(result) -> pl.DataFrame:
    """The KPIs a preview read (new, updated or unchanged), the first IMPORT_ROWS_SHOWN."""
    from .importer import STATUS_JA

    return pl.DataFrame([{
        "状態": STATUS_JA[k["status"]], "自治体": k["entity"], "計画": k["plan"], "分野": k["area"],
        "項目": k["item_code"], "指標名": k["kpi_name"], "単位": k["unit"],
        "方向": schema.DIRECTION_JA.get(k["direction"], k["direction"]) + ("（推定）" if k["direction_inferred"] else ""),
        "累計": "累計" if k["cumulative"] else "", "出典": k["source"],
    } for k in result.kpis[:IMPORT_ROWS_SHOWN]])


def import_sheet(preview, messages: dict[tuple, list[str]]) -> tuple[pd.DataFrame, list[str]]:
    """A sheet as uploaded (its first rows) with each row's problems, and the column names shown
    (a repeated header numbered, so every column is there)."""
    headers = [h if preview.headers.count(h) == 1 else f"{h}（{i + 1}）" for i, h in enumerate(preview.headers)]
    rows = [[r, " / ".join(messages.get((preview.file, preview.sheet, r), []))] + cells for r, cells in preview.rows]
    return pd.DataFrame(rows, columns=["行", "問題"] + headers), headers


# ---------------------------------------------------------------------------------------------
# 比較: entities

ENTITY_TYPES = ("prefecture", "region", "municipality", "nation")
SHARE = "順調以上の割合（全KPI）"
MEASURES = {"progress_ratio": "進捗率", "achievement_rate": "達成率", "actual_value": "実績値"}
MAX_BARS = 50  # a ranking longer than this shows the top, the highlighted entity's neighbours and the bottom


def entity_types(entities: pl.DataFrame) -> list[str]:
    """The kinds of entity present, in a fixed order (prefectures first)."""
    present = set(entities["entity_type"].to_list())
    return [t for t in ENTITY_TYPES if t in present]


def entity_pool(entities: pl.DataFrame, entity_type: str, prefecture: str | None = None) -> pl.DataFrame:
    """The entities of one kind; municipalities of one prefecture (by the JIS code's first two digits) if given."""
    pool = entities.filter(pl.col("entity_type") == entity_type)
    if prefecture and entity_type == "municipality":
        code = entities.filter((pl.col("entity_type") == "prefecture") & (pl.col("entity") == prefecture))["code"]
        pool = pool.filter(pl.col("code").str.slice(0, 2) == (code[0] if code.len() else ""))
    return pool


def municipality_prefectures(entities: pl.DataFrame) -> list[str]:
    """The prefectures that have municipalities with plans, in JIS order (for narrowing a long list)."""
    held = entities.filter(pl.col("entity_type") == "municipality")["code"].str.slice(0, 2).unique()
    return entities.filter((pl.col("entity_type") == "prefecture") & pl.col("code").is_in(held))["entity"].to_list()


def entity_names(entities: pl.DataFrame) -> list[str]:
    return entities["entity"].to_list()


def default_highlight(names: list[str]) -> int:
    """The entity highlighted without a choice: the first 富山…, else the first."""
    return next((i for i, n in enumerate(names) if n.startswith("富山")), 0)


def default_entities(names: list[str], highlight: str, limit: int = 8) -> list[str]:
    """The entities set side by side without a choice: all up to `limit`, else the highlighted and 4 more."""
    return names if len(names) <= limit else [highlight] + [n for n in names if n != highlight][:4]


def pool_filter(pool: pl.DataFrame, entity_type: str, narrowed: bool) -> dict:
    """evaluate's filters for a pool: the kind of entity, and its entity_ids when narrowed (to one prefecture)."""
    return {"entity_type": entity_type, "entity_ids": tuple(pool["entity_id"].to_list()) if narrowed else None}


def entity_ids(entities: pl.DataFrame, names: list[str]) -> tuple[str, ...]:
    """The entity_ids of these names (evaluate's $entity_ids), in the given frame's order."""
    return tuple(entities.filter(pl.col("entity").is_in(names))["entity_id"].to_list())


def with_codes(rows: pl.DataFrame, pool: pl.DataFrame) -> pl.DataFrame:
    """Rows per entity (entity_rollup, indicator_by_entity) with each entity's code (for the tile map)."""
    return rows.join(pool.select("entity_id", "code"), on="entity_id", how="left")


def of_entities(rows: pl.DataFrame, names: list[str]) -> pl.DataFrame:
    return rows.filter(pl.col("entity").is_in(names))


def any_judged(rows: pl.DataFrame) -> bool:
    """Whether evaluate could judge any of these KPIs."""
    return not rows["status"].is_in(status.UNDETERMINED).all()


def area_names(rows: pl.DataFrame) -> list[str]:
    return rows["area"].drop_nulls().unique(maintain_order=True).to_list()


def in_area(rows: pl.DataFrame, area: str | None) -> pl.DataFrame:
    """The rows of one area; all rows for None."""
    return rows if area is None else rows.filter(pl.col("area") == area)


def has_progress(rows: pl.DataFrame) -> bool:
    return bool(rows["progress_ratio"].is_not_null().any())


def entity_summary_table(rollup: pl.DataFrame) -> pl.DataFrame:
    """Per entity (the entity_rollup query): KPIs, judged, 順調以上, and the shares and ratios as percents."""
    return rollup.select(
        pl.col("entity").alias("自治体"), pl.col("kpis").alias("KPI数"), pl.col("judged").alias("判定できたKPI"),
        pl.col("on_track").alias("順調以上"),
        *[fmt.ratio(c).alias(name) for c, name in (("on_track_share", "順調以上の割合"), ("median_progress", "進捗率の中央値"),
                                                 ("mean_achievement", "達成率の平均"))])


def indicator_labels(indicators: pl.DataFrame) -> dict[str, str]:
    """indicator_id → 「指標名（n 自治体）」 (the shared_indicators query)."""
    label = pl.format("{}（{} 自治体）", "kpi_name", "entities")
    return dict(indicators.select("indicator_id", label.alias("label")).iter_rows())


def indicator_name(indicators: pl.DataFrame, indicator_id: str) -> str:
    return indicators.filter(pl.col("indicator_id") == indicator_id)["kpi_name"][0]


def lines_source(series: pl.DataFrame, fallback: str) -> str:
    """The first two sources of an indicator's lines, else `fallback`."""
    return "; ".join(series["source"].drop_nulls().unique(maintain_order=True).head(2).to_list()) or fallback


def ranking_measures(indicator: str | None) -> list[str]:
    """What a ranking can be by: the share of 順調以上, and with an indicator its ratios and actual."""
    return [SHARE] + ([f"{label}（{indicator}）" for label in MEASURES.values()] if indicator else [])


@dataclass(frozen=True)
class Ranking:
    ranked: pl.DataFrame   # entities best first, with `rank`
    value: str             # the ranked column
    value_label: str
    unit: str
    percent: bool          # the value is a ratio (shown as %)


def ranking(rollup: pl.DataFrame, measure: str, by_indicator: pl.DataFrame | None = None) -> Ranking:
    """Every entity of a kind ranked by `measure` (one of ranking_measures): by the share of 順調以上 (`rollup`: the
    entity_rollup query), or by the indicator's progress, achievement or actual (`by_indicator`: indicator_by_entity).
    An actual ranks higher-is-better when most of the entities' KPIs of that indicator go up (increase / maintain_min)."""
    if measure == SHARE or by_indicator is None:
        return Ranking(comparison.rank(rollup, "on_track_share"), "on_track_share", SHARE, "", True)
    column = next(c for c, label in MEASURES.items() if measure.startswith(label))
    units = by_indicator["unit"].drop_nulls()
    unit = units.mode().sort().to_list()[0] if units.len() else ""
    better_high = column != "actual_value" or by_indicator["direction"].drop_nulls().mode().sort().to_list()[:1] in (
        ["increase"], ["maintain_min"])
    return Ranking(comparison.rank(by_indicator, column, higher_is_better=better_high), column, measure, unit,
                   column != "actual_value")


def short_ranking(ranked: pl.DataFrame, highlight: str | None, limit: int = MAX_BARS, *, top: int = 20,
                  around: int = 2, bottom: int = 5) -> pl.DataFrame:
    """A ranking of at most `limit` rows as it is; a longer one keeps the first `top`, the highlighted
    entity and `around` on each side of it, and the last `bottom`."""
    if ranked.height <= limit:
        return ranked
    places = ranked.with_row_index("_i").filter(pl.col("entity").eq_missing(highlight))["_i"]
    i = pl.int_range(pl.len())
    keep = (i < top) | (i >= ranked.height - bottom)
    if highlight is not None and places.len():
        keep = keep | ((i - int(places[0])).abs() <= around)
    return ranked.filter(keep)


def share_tiles(rollup: pl.DataFrame) -> pl.DataFrame:
    """Per entity the share of 順調以上 (entity, code, value) for the tile map (rollup: entity_rollup with codes)."""
    return rollup.select("entity", "code", pl.col("on_track_share").alias("value"))


def status_tiles(by_indicator: pl.DataFrame) -> pl.DataFrame:
    """Per entity the verdict of its KPI of the indicator (entity, code, status) for the tile map."""
    return by_indicator.select("entity", "code", "status")


def entity_code(frame: pl.DataFrame, entity: str | None) -> str | None:
    codes = frame.filter(pl.col("entity").eq_missing(entity))["code"]
    return codes[0] if codes.len() else None


# ---------------------------------------------------------------------------------------------
# 比較: years

def fiscal_years(plan_years: pl.DataFrame) -> list[int]:
    """The plan_years query as a list (newest first)."""
    return plan_years["fiscal_year"].to_list()


def transitions(before: pl.DataFrame, after: pl.DataFrame, method: str) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(every pair of statuses with its count, each KPI's change) between two evaluations."""
    return comparison.transitions(before, after, method)


def change_counts(changes: pl.DataFrame) -> dict[str, int]:
    return comparison.change_counts(changes)


def years_side_by_side(before: pl.DataFrame, after: pl.DataFrame, label_before: str, label_after: str) -> pl.DataFrame:
    """Both evaluations in one frame, grouped by a 年度 column (a status bar per year)."""
    return pl.concat([before.with_columns(pl.lit(label_before).alias("年度")),
                      after.with_columns(pl.lit(label_after).alias("年度"))], how="diagonal_relaxed")


def changes_table(changes: pl.DataFrame, label_before: str, label_after: str) -> pl.DataFrame:
    return changes.select(
        pl.col("change").alias("変化"), pl.col("area").alias("分野"), pl.col("kpi_name").alias("指標名"),
        status.label_expr("status_before").alias(label_before), status.label_expr("status_after").alias(label_after),
        fmt.ratio("progress_ratio").alias("進捗率 A"), fmt.ratio("progress_after").alias("進捗率 B"))


# ---------------------------------------------------------------------------------------------
# 比較: published statistics

def complete_dates(dates: pl.DataFrame) -> pl.DataFrame:
    """The series_dates rows on which every prefecture has a value (newest first)."""
    return dates.filter(pl.col("prefectures") == PREFECTURES)


def prefecture_names(entities: pl.DataFrame) -> list[str]:
    return entity_names(entity_pool(entities, "prefecture"))


def series_indicators(complete: pl.DataFrame) -> list[str]:
    return complete["indicator"].unique(maintain_order=True).to_list()


def series_days(complete: pl.DataFrame, indicator: str) -> dict[str, str]:
    """「2022年12月31日」 → '2022-12-31' for the complete dates of an indicator (newest first): the picker
    and the URL hold the Japanese date, the queries take the ISO one."""
    return {fmt.date_ja(d): d for d in complete.filter(pl.col("indicator") == indicator)["as_of"].to_list()}


def series_highlight(linked: pl.DataFrame, indicator: str, prefectures: list[str]) -> int:
    """The prefecture highlighted without a choice: the one whose plan KPI this statistic is, else the first."""
    own = linked.filter(pl.col("indicator") == indicator)["entity"].to_list()
    return prefectures.index(own[0]) if own and own[0] in prefectures else 0


def earlier_days(days: dict[str, str], day: str) -> list[str]:
    """The picker labels of the dates before `day` (ISO)."""
    return [label for label, iso in days.items() if iso < day]


def series_unit(complete: pl.DataFrame, indicator: str) -> str:
    return complete.filter(pl.col("indicator") == indicator)["unit"][0] or ""


def published_source(ranking: pl.DataFrame) -> str:
    """The documents behind a ranking of published values (two named, and how many more), its URL if one."""
    documents = ranking["document"].drop_nulls().unique(maintain_order=True).to_list()
    urls = ranking["url"].drop_nulls().unique().to_list()
    return ("; ".join(documents[:2]) + (f" ほか{len(documents) - 2}件" if len(documents) > 2 else "")
            + (f" {urls[0]}" if len(urls) == 1 else "") + "。各都道府県の公表値をそのまま表示（補間なし）")


def published_tiles(ranking: pl.DataFrame) -> pl.DataFrame:
    """A published percentage per prefecture as a ratio (entity, code, value) for the tile map."""
    return ranking.select("entity", "code", (pl.col("value") / 100).alias("value"))


def series_change_table(change: pl.DataFrame, unit: str, since: str, day: str) -> pl.DataFrame:
    """The series_change query as a table; `since` and `day` are the two dates' column names."""
    return change.select(
        pl.col("rank").alias("伸びの順位"), pl.col("entity").alias("都道府県"),
        fmt.value("value_from", unit).alias(since), fmt.value("value_to", unit).alias(day),
        fmt.value("change", "ポイント").alias("変化"), pl.col("rank_from").alias("前の順位"),
        pl.col("rank_to").alias("後の順位"))


def series_kpi(linked: pl.DataFrame, indicator: str, entity: str) -> dict | None:
    """The plan KPI of `entity` that takes the statistic as its actual, if any."""
    kpis = linked.filter((pl.col("indicator") == indicator) & (pl.col("entity") == entity))
    return kpis.row(0, named=True) if kpis.height else None


def actual_years(points: pl.DataFrame) -> list[int]:
    """The fiscal years with an actual among a KPI's points (series_kpi_points)."""
    return points.filter(pl.col("value_kind") == "actual")["fiscal_year"].to_list()


def verdict_table(verdicts: pl.DataFrame, unit: str, western: bool = False) -> pl.DataFrame:
    """A KPI evaluated in several years: year, actual, expected, verdict."""
    return verdicts.select(
        fmt.fiscal_year("eval_fy", western).alias("年度"), fmt.value("actual_value", unit).alias("実績値"),
        fmt.value("expected_value", unit).alias("期待値"), status.label_with_reason_expr().alias("判定"))


def series_ranking_table(ranking: pl.DataFrame, unit: str) -> pl.DataFrame:
    return ranking.select(pl.col("rank").alias("順位"), pl.col("entity").alias("都道府県"),
                          fmt.value("value", unit).alias("値"), pl.col("source").alias("出典"),
                          pl.col("url").alias("URL"))


# ---------------------------------------------------------------------------------------------
# 連携中枢都市圏

def categories_in_group(categories: pl.DataFrame, group: str | None) -> pl.DataFrame:
    """The policy categories of one group (ア・イ・ウ; None = all), from the one regions_categories result."""
    return categories if group is None else categories.filter(pl.col("group_code") == group)


@dataclass(frozen=True)
class CategorySummary:
    categories: int
    as_of: str
    regions: int          # regions surveyed
    mean: float           # mean regions setting a KPI per category
    most: dict            # the category most regions set KPIs in
    fewest: dict


def category_summary(rows: pl.DataFrame) -> CategorySummary:
    return CategorySummary(categories=rows.height, as_of=rows["as_of"][0] if rows.height else "",
                           regions=int(rows["regions_total"].max()) if rows.height else 0,
                           mean=rows["regions_with_kpi"].mean(),
                           most=rows.sort("regions_with_kpi", descending=True).row(0, named=True),
                           fewest=rows.sort("regions_with_kpi").row(0, named=True))


def category_source(rows: pl.DataFrame, heads: tuple[str, ...] = ()) -> str:
    """The categories' sources in one line, with the survey's date."""
    as_of = rows["as_of"][0] if rows.height else ""
    return f"{citations.combined_source(rows.sort('sort_order')['source'], heads=heads)}（{as_of} 時点）"


def category_table(rows: pl.DataFrame) -> pl.DataFrame:
    return rows.select(
        pl.col("category_code").alias("分野"),
        pl.concat_str(pl.col("group_code"), pl.lit(" "), pl.col("group_label")).alias("まとまり"),
        pl.col("subgroup_label").alias("小分類"), pl.col("label").alias("政策分野"),
        pl.col("regions_with_kpi").alias("設定圏域数"), (pl.col("share") * 100).round(1).alias("割合(%)"),
        pl.col("example_regions").fill_null(fmt.NONE_TEXT).alias("設定例のある圏域"), pl.col("source").alias("出典"))


def example_regions(examples: pl.DataFrame) -> pl.DataFrame:
    """The regions with example KPIs (entity_id, region, central_city), in the query's order."""
    return examples.select("entity_id", "region", "central_city").unique(maintain_order=True)


def region_names(examples: pl.DataFrame) -> list[str]:
    return example_regions(examples)["region"].to_list()


def region_id(examples: pl.DataFrame, region: str) -> str:
    return example_regions(examples).filter(pl.col("region") == region)["entity_id"][0]


def of_region(examples: pl.DataFrame, entity_id: str | None) -> pl.DataFrame:
    """The example KPIs of one region (all for None)."""
    return examples.filter(pl.col("entity_id") == entity_id) if entity_id else examples


def region_evaluations(evaluated: pl.DataFrame) -> pl.DataFrame:
    return evaluated.filter(pl.col("entity_type") == "region")


def examples_source(examples: pl.DataFrame, heads: tuple[str, ...] = ()) -> str:
    return citations.documents(examples["source"], heads)


def _as_written(text: str, year_text: str, fiscal_year: str, western: bool) -> pl.Expr:
    """「16,454人（R元（2019））」: a figure as the document writes it, with its period as written when it is a
    span (H27～R1), else the fiscal year evaluate read; 「―」 without a figure."""
    when = (pl.when(pl.col(year_text).str.contains("～", literal=True).fill_null(False)).then(pl.col(year_text))
            .otherwise(fmt.fiscal_year(fiscal_year, western)))
    return (pl.when(pl.col(text).fill_null("") == "").then(pl.lit(fmt.NONE_TEXT))
            .otherwise(pl.concat_str([pl.col(text), pl.lit("（"), when, pl.lit("）")])))


def region_cards(examples: pl.DataFrame, evaluated: pl.DataFrame, western: bool = False) -> list[tuple[dict, list[dict]]]:
    """(region, its example KPIs) in the query's order; each KPI with baseline / target / actual as written
    and the KPI's verdict and achievement rate from evaluate."""
    verdicts = evaluated.select("kpi_id", "baseline_fy", "target_fy", "eval_fy", "status", "achievement_rate") \
        .unique("kpi_id", keep="last", maintain_order=True)
    kpis = examples.join(verdicts, on="kpi_id", how="left", maintain_order="left").with_columns(
        _as_written("baseline_text", "baseline_year_text", "baseline_fy", western).alias("baseline"),
        _as_written("target_text", "target_year_text", "target_fy", western).alias("target"),
        _as_written("actual_text", "actual_year_text", "eval_fy", western).alias("actual"))
    return [(region, kpis.filter(pl.col("entity_id") == region["entity_id"]).to_dicts())
            for region in example_regions(examples).iter_rows(named=True)]


# ---------------------------------------------------------------------------------------------
# 施策・予算

LINK_BASIS = tree.BASIS_LABELS  # how an initiative–KPI link is known: 文書に記載 / 読み取り


def initiative_plans(initiatives: pl.DataFrame) -> dict[str, str]:
    """plan_id → name of the plans the initiatives belong to, in the query's order."""
    plans = initiatives.select("plan_id", "plan").unique(maintain_order=True)
    return dict(zip(plans["plan_id"], plans["plan"]))


def departments(initiatives: pl.DataFrame) -> list[str]:
    """Every department named by the initiatives, sorted (an initiative may have several)."""
    return sorted(set(initiatives["departments"].explode().drop_nulls().to_list())) if initiatives.height else []


def initiative_codes(initiatives: pl.DataFrame) -> list[str]:
    return initiatives["code"].to_list()


def initiative_ids(initiatives: pl.DataFrame) -> list[str]:
    return initiatives["initiative_id"].to_list()


def chosen_initiatives(initiatives: pl.DataFrame, code: str | None) -> pl.DataFrame:
    """One initiative by its 施策番号, or all for None."""
    return initiatives if code is None else initiatives.filter(pl.col("code") == code)


def action_plan_source(chosen: pl.DataFrame, heads: tuple[str, ...] = ()) -> str:
    """The action plan's document and pages (each row's own section is in its 出典 column)."""
    if chosen.is_empty():
        return ""
    return chosen["plan_source"][0] or citations.combined_source(chosen["source"], heads=heads)


def budget_total(budgets: pl.DataFrame) -> float:
    """The budgets' sum, a programme listed under several initiatives counted once."""
    return budget_segments(budgets)["amount_yen"].sum()


def linked_initiatives(initiatives: pl.DataFrame) -> int:
    """How many of the initiatives serve at least one KPI."""
    return int((initiatives["kpi_count"] > 0).sum())


def initiative_table(initiatives: pl.DataFrame, western: bool = False) -> pl.DataFrame:
    budget = (pl.when(pl.col("budget_listed_yen").is_null()).then(pl.lit(fmt.NONE_TEXT))
              .otherwise(pl.concat_str([fmt.value("budget_listed_yen", "円"), pl.lit("（"),
                                        fmt.fiscal_span("budget_fy_from", "budget_fy_to", western), pl.lit("）")])))
    return initiatives.select(
        pl.col("code").alias("施策番号"), pl.col("title").alias("施策"), pl.col("department").alias("担当"),
        budget.alias("予算（掲載額の計）"),
        fmt.fiscal_span("roadmap_fy_from", "roadmap_fy_to", western).alias("ロードマップ"),
        pl.col("kpi_names").fill_null("（対応するKPIなし）").alias("対応するKPI"), pl.col("source").alias("出典"))


def initiative_statuses(links: pl.DataFrame, evaluate: Callable[..., pl.DataFrame]) -> pl.DataFrame:
    """The initiatives_kpi_links rows with each KPI's status, evaluating only those KPIs
    (`evaluate(kpi_id=…)`: the evaluate query with the app's method and bands)."""
    ids = links["kpi_id"].drop_nulls().unique(maintain_order=True).to_list()
    if not ids:
        return links.with_columns(pl.lit(None, pl.Utf8).alias("status"))
    judged = pl.concat([evaluate(kpi_id=k).select("kpi_id", "status") for k in ids])
    return links.join(judged.unique("kpi_id", keep="first", maintain_order=True), on="kpi_id", how="left",
                      maintain_order="left")


def initiative_facts_table(facts: pl.DataFrame, western: bool = False) -> pl.DataFrame:
    return facts.select(pl.col("label").alias("項目"), fmt.fiscal_year("fiscal_year", western).alias("年度"),
                        pl.col("original_text").alias("原文"), pl.col("note").alias("注"), pl.col("source").alias("出典"))


def combined_source(rows: pl.DataFrame, column: str = "source", heads: tuple[str, ...] = (),
                    max_length: int = 120) -> str:
    """The sources of some rows in one line (kpiboard.citations.combined_source)."""
    return citations.combined_source(rows[column].drop_nulls().unique(maintain_order=True), max_length, heads=heads)


def roadmap_table(roadmap: pl.DataFrame, western: bool = False) -> pl.DataFrame:
    return roadmap.select(pl.col("code").alias("施策番号"), fmt.fiscal_year("fiscal_year", western).alias("年度"),
                          pl.col("actor").alias("取組主体"), pl.col("step").alias("取組"),
                          pl.col("note").alias("注（読み方）"), pl.col("source").alias("出典"))


@dataclass(frozen=True)
class BudgetSummary:
    total: float                 # each programme once
    years: str                   # 「R3～R6」 (2021～2024 with Western years), 「―」 without years
    span: str | None             # the same span with both calendars, for the help text
    shared: pl.DataFrame         # programmes listed under several initiatives, each once


def budget_summary(budgets: pl.DataFrame, western: bool = False) -> BudgetSummary:
    shared = budgets.filter(pl.col("listed_under") > 1).unique(["fiscal_year", "program", "amount_yen"],
                                                                maintain_order=True)
    span = budgets.select(pl.col("fiscal_year").min().alias("a"), pl.col("fiscal_year").max().alias("b")).select(
        pl.concat_str([fmt.fiscal_year_short("a", western), pl.lit("～"), fmt.fiscal_year_short("b", western)])
        .alias("years"),
        fmt.fiscal_span("a", "b", western).alias("span"),
        pl.col("a").is_not_null().alias("any")).row(0, named=True)
    return BudgetSummary(total=budget_segments(budgets)["amount_yen"].sum(),
                         years=span["years"] if span["any"] else fmt.NONE_TEXT,
                         span=span["span"] if span["any"] else None, shared=shared)


def budget_table(budgets: pl.DataFrame, western: bool = False) -> pl.DataFrame:
    return budgets.select(
        fmt.fiscal_year("fiscal_year", western).alias("年度"), pl.col("code").alias("施策番号"),
        pl.col("program").alias("事業"), fmt.value("amount_yen", "円").alias("金額"),
        pl.col("original_text").alias("原文"),
        pl.when(pl.col("listed_under") > 1).then(pl.col("listed_codes") + pl.lit(" に重複掲載")).otherwise(pl.lit(""))
        .alias("重複"),
        pl.col("note").alias("注"), pl.col("source").alias("出典"))


def initiative_tree(rows: pl.DataFrame, evaluated: pl.DataFrame) -> pl.DataFrame:
    """The KGI → area → KPI → initiative nodes of a plan (kpiboard.tree), KPIs with evaluate's status."""
    return tree.build(rows, evaluated)


def tree_kpis(nodes: pl.DataFrame) -> int:
    return int((nodes["level"] == "kpi").sum())


def unlinked_initiatives(initiatives: pl.DataFrame, rows: pl.DataFrame) -> pl.DataFrame:
    """The initiatives of the action plan(s) a tree links to that serve no KPI at all (drawn apart)."""
    linked = rows["initiative_id"].drop_nulls().unique().to_list()
    plans = initiatives.filter(pl.col("initiative_id").is_in(linked))["plan_id"].unique().to_list()
    return tree.initiatives_without_kpi(initiatives.filter(pl.col("plan_id").is_in(plans)))


def tree_outline(nodes: pl.DataFrame) -> str:
    """The tree as an indented Markdown list (data text escaped): KPIs with their status, initiatives with
    their department, the basis of the link and its source."""
    basis = tree.BASIS_LABELS
    lines = []
    for depth, n in tree.outline(nodes):
        text = fmt.md(f"{n['code']} {n['label']}".strip())
        if n["level"] == "kpi":
            text += " — " + fmt.md(status.label(n["status"]))
        elif n["level"] == "initiative":
            text += fmt.md(f"（{n['detail']}）[{basis.get(n['basis'], n['basis'] or '')}]"
                           + (f" — 出典: {n['source']}" if n["source"] else ""))
        elif n["level"] == "kgi":
            text = f"**KGI: {fmt.md(n['label'])}** — {fmt.md(n['detail'])}"
        lines.append("  " * depth + "- " + text)
    return "\n".join(lines)


def lonely_kpis(rows: pl.DataFrame, evaluated: pl.DataFrame) -> tuple[pl.DataFrame, int]:
    """(the plan's KPIs no initiative serves, as a table with their status; how many KPIs the plan has)."""
    lonely = tree.kpis_without_initiative(rows, evaluated)
    table = lonely.select(pl.col("area").alias("分野"), pl.col("item_code").alias("項目"),
                          pl.col("kpi_name").alias("指標名"), status.label_expr().alias("判定"))
    return table, rows["kpi_id"].drop_nulls().n_unique()


def lonely_initiatives(initiatives: pl.DataFrame) -> pl.DataFrame:
    """The initiatives that serve no KPI, as a table."""
    return _renamed(tree.initiatives_without_kpi(initiatives),
                    {"code": "施策番号", "title": "施策", "department": "担当", "source": "出典"})


# ---------------------------------------------------------------------------------------------
# データ

SCREEN_ROWS = 5_000  # rows drawn on screen; the downloads always hold every row
PAGE_KPIS = 100  # KPIs per page of the データ page (with all their observations)
DOWNLOAD_BUTTON_ROWS = 200_000  # observations a download button may build in memory (where no route streams)


def plan_areas(options: pl.DataFrame, plan_id: str | None) -> pl.DataFrame:
    """The areas (area_code, area_name) of a plan among data_filter_options; none without a plan."""
    return options.filter((pl.col("kind") == "area") & (pl.col("plan_id") == plan_id)) if plan_id else options.clear()


def area_names_of(areas: pl.DataFrame) -> list[str]:
    return areas["area_name"].to_list()


def area_code(areas: pl.DataFrame, name: str) -> str:
    return areas.filter(pl.col("area_name") == name)["area_code"][0]


def filter_years(options: pl.DataFrame) -> list[int]:
    """The fiscal years the data has, oldest first."""
    return sorted(options.filter(pl.col("kind") == "fiscal_year")["fiscal_year"].to_list())


def value_kind_names(kinds: list[str]) -> str:
    """「基準値・実績値」 for the chosen value kinds ('' for none)."""
    return "・".join(schema.VALUE_KIND_JA[k] for k in kinds)


def data_kpi_table(kpis: pl.DataFrame, evaluated: pl.DataFrame, western: bool = False) -> pl.DataFrame:
    """Every KPI of data_kpis with its verdict and the figures evaluate judged it on, for download:
    numbers stay numbers, a missing year stays empty."""
    verdicts = evaluated.select("kpi_id", "baseline_value", "baseline_fy", "target_value", "target_fy", "actual_value",
                                "eval_fy", "achievement_rate", "status")
    year = lambda c: fmt.fiscal_year_or_empty(c, western)  # noqa: E731
    return kpis.join(verdicts, on="kpi_id", how="left").select(
        pl.col("kpi_name").alias("指標名"), status.label_expr().alias("判定"),
        pl.col("baseline_value").alias("基準値"), year("baseline_fy").alias("基準年度"),
        pl.col("target_value").alias("目標値"), year("target_fy").alias("目標年度"),
        pl.col("actual_value").alias("実績値"), year("eval_fy").alias("評価年度"),
        (pl.col("achievement_rate") * 100).round(1).alias("達成率(%)"),
        pl.col("unit").alias("単位"),
        pl.col("entity").alias("自治体・圏域"), pl.col("plan").alias("計画"), pl.col("area_name").alias("分野"),
        pl.col("item_code").alias("項目"),
        pl.col("direction").replace_strict(schema.DIRECTION_JA, default=None).alias("方向"),
        pl.col("cumulative").alias("累計"), pl.col("observation_count").alias("観測値の数"),
        pl.col("source").alias("出典"), pl.col("kpi_id"))


def verdict_labels(evaluated: pl.DataFrame) -> pl.DataFrame:
    """kpi_id and 判定 (the status as the tables word it) of evaluated KPIs."""
    return evaluated.select("kpi_id", status.label_expr().alias("判定"))


def data_observation_table(observations: pl.DataFrame, judged: pl.DataFrame, western: bool = False) -> pl.DataFrame:
    """Every observation of data_observations with its KPI's verdict (`judged`: kpi_id and 判定, as data_kpi_table
    or verdict_labels give them), for download."""
    judged = judged.select("kpi_id", pl.col("判定").alias("KPIの判定"))
    return observations.join(judged, on="kpi_id", how="left").select(
        pl.col("kpi_name").alias("指標名"),
        pl.col("value_kind").replace_strict(schema.VALUE_KIND_JA, default=None).alias("種類"),
        fmt.fiscal_year_or_empty("fiscal_year", western).alias("年度"),
        pl.col("value").alias("値"), pl.col("unit").alias("単位"), pl.col("original_text").alias("原文"),
        pl.col("entity").alias("自治体・圏域"), pl.col("plan").alias("計画"), pl.col("area_name").alias("分野"),
        pl.col("item_code").alias("項目"),
        pl.col("fiscal_year").alias("年度（西暦）"), pl.col("year_text").alias("年度（原文）"),
        pl.col("qualifier").alias("限定"), pl.col("note").alias("注"),
        pl.col("KPIの判定"), pl.col("source").alias("出典"), pl.col("kpi_id"))


def _japanese(column: str, unit: str = "単位") -> pl.Expr:
    return fmt.value(column, pl.col(unit)).alias(column)


def data_kpi_screen(kpi_table: pl.DataFrame, rows: int = SCREEN_ROWS) -> pl.DataFrame:
    """The first `rows` of data_kpi_table as the screen shows them: figures the Japanese way, 「―」 for none."""
    return kpi_table.head(rows).with_columns(
        _japanese("基準値"), _japanese("目標値"), _japanese("実績値"),
        fmt.percent("達成率(%)").alias("達成率(%)"),
        pl.when(pl.col("累計")).then(pl.lit("累計")).otherwise(pl.lit("")).alias("累計"),
        pl.col("基準年度", "目標年度", "評価年度").fill_null(fmt.NONE_TEXT),
    ).rename({"達成率(%)": "達成率"})


def data_observation_screen(observation_table: pl.DataFrame, rows: int = SCREEN_ROWS) -> pl.DataFrame:
    """The first `rows` of data_observation_table as the screen shows them."""
    return observation_table.head(rows).with_columns(_japanese("値"), pl.col("年度").fill_null(fmt.NONE_TEXT))


def cut_note(frame: pl.DataFrame, rows: int = SCREEN_ROWS) -> str | None:
    """What a table drawn from the first `rows` of `frame` leaves out, if anything."""
    if frame.height > rows:
        return f"全 {frame.height:,} 件のうち先頭 {rows:,} 件を表示しています。すべての行はダウンロードで取り出せます。"
    return None


def page_count(rows: int, size: int) -> int:
    return max(1, -(-rows // size))


def page_ids(listing: pl.DataFrame, page: int, size: int) -> tuple[str, ...]:
    """The kpi_ids of page `page` (from 1) of the data_kpis listing."""
    return tuple(listing["kpi_id"].slice((max(1, int(page)) - 1) * size, size).to_list())


def observation_total(listing: pl.DataFrame) -> int:
    return int(listing["observation_count"].sum()) if listing.height else 0


def page_note(listing: pl.DataFrame, page: int, size: int, shown: int) -> str | None:
    """Which KPIs a page shows when there are several pages."""
    if listing.height <= size:
        return None
    first = (max(1, int(page)) - 1) * size + 1
    return (f"全 {listing.height:,} KPI のうち {first:,}〜{first + shown - 1:,} 件目を表示しています（観測値は全 "
            f"{observation_total(listing):,} 件）。ページを変えて順に見られます。すべての行はダウンロードで取り出せます。")


def data_notes(filters: str, method_text: str, synthetic: bool, version: str, today: datetime.date) -> dict[str, str]:
    """The notes sheet of the データ page's Excel download."""
    return {
        "内容": "KPI board「データ」ページから出力した KPI と観測値",
        "絞り込み": filters,
        "判定方式": method_text,
        "出典": "各行の「出典」列（資料名と箇所）",
        "データ": ("合成データ（架空の数値）" if synthetic else "埋め込みデータ（各資料から転記）") + f"／版 {version}",
        "出力日": today.isoformat(),
    }


# ---------------------------------------------------------------------------------------------
# SQL

def sql_tables(columns: pl.DataFrame) -> pl.DataFrame:
    """One row per table of the sandbox's information_schema listing (table_name, table_label, row_count)."""
    return columns.group_by("table_name", maintain_order=True).agg(
        pl.col("table_label").first(), pl.col("row_count").first()).sort("table_name")


def sql_table_names(tables: pl.DataFrame) -> list[str]:
    return tables["table_name"].to_list()


def sql_table_list(tables: pl.DataFrame) -> pl.DataFrame:
    return _renamed(tables, {"table_name": "表", "table_label": "内容", "row_count": "行数"})


def sql_columns(columns: pl.DataFrame, table: str) -> pl.DataFrame:
    return _renamed(columns.filter(pl.col("table_name") == table), {"column_name": "列", "data_type": "型"})
