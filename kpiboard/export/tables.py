"""Data and evaluated statuses as xlsx and CSV (through kpiboard/tabular.py: UTF-8 BOM, formula
neutralisation, numbers as numeric cells). Every row says its method, bands and source."""
from __future__ import annotations

import polars as pl

from .. import tabular
from ..schema import DIRECTION_JA, VALUE_KIND_JA
from .report import Progress, Report, split_source

EVALUATED_COLUMNS = {
    "entity": "自治体", "plan": "計画", "area": "分野", "item_code": "項目", "kpi_id": "指標ID", "kpi_name": "指標名",
    "unit": "単位", "direction": "方向", "baseline_value": "基準値", "baseline_fy": "基準年度",
    "target_value": "目標値", "target_fy": "目標年度", "eval_fy": "評価年度", "actual_value": "実績値",
    "expected_value": "期待値", "progress_ratio": "進捗率", "achievement_rate": "達成率", "status": "判定",
    "commentary": "所見など",
}


def evaluated_table(report: Report) -> pl.DataFrame:
    """One row per KPI: the figures, the status, how it was judged and where the figures come from."""
    frame = report.evaluated.select(list(EVALUATED_COLUMNS) + ["source"])
    return (frame.with_columns(pl.col("direction").replace_strict(DIRECTION_JA, default=pl.col("direction")),
                               pl.lit(report.method_label).alias("判定方式"),
                               pl.lit(report.bands_text).alias("判定基準"),
                               pl.lit(report.data_as_of).alias("データ時点"))
            .rename(EVALUATED_COLUMNS | {"source": "出典"})
            .select(list(EVALUATED_COLUMNS.values()) + ["判定方式", "判定基準", "データ時点", "出典"]))


def observations_table(report: Report) -> pl.DataFrame:
    names = report.evaluated.select("kpi_id", "kpi_name")
    obs = report.observations.join(names, on="kpi_id", how="left")
    return obs.select(
        pl.col("kpi_id").alias("指標ID"), pl.col("kpi_name").alias("指標名"),
        pl.col("value_kind").replace_strict(VALUE_KIND_JA, default=pl.col("value_kind")).alias("種別"),
        pl.col("fiscal_year").alias("年度"), pl.col("year_text").alias("年度（原文）"), pl.col("value").alias("値"),
        pl.col("unit").alias("単位"), pl.col("qualifier").alias("限定語"), pl.col("cumulative_value").alias("累計値"),
        pl.col("original_text").alias("原文"), pl.col("note").alias("注記"), pl.col("source").alias("出典"),
    )


def sources_table(report: Report) -> pl.DataFrame:
    rows = [{"原本資料": name, "該当箇所": section}
            for name, sections in report.sources_by_file().items() for section in (sections or [""])]
    return pl.DataFrame(rows, schema={"原本資料": pl.Utf8, "該当箇所": pl.Utf8})


def notes(report: Report) -> dict[str, str]:
    out = {
        "計画": report.plan, "自治体": report.entity, "評価年度": report.eval_year_label,
        "判定方式": report.method_label, "判定方法": report.method_text, "判定基準": report.bands_text,
        "データ": f"{report.dataset_name}（データ時点 {report.data_as_of or '―'}）", "作成日": report.made_on_label,
        "出典": "、".join(report.source_files) + "（該当箇所は各行の「出典」列と「出典」シート）",
        "作成": "KPI board",
    }
    if report.synthetic:
        out["合成データ"] = report.synthetic_note
    return out


def xlsx(report: Report, progress: Progress | None = None) -> bytes:
    return tabular.to_xlsx_bytes({"判定結果": evaluated_table(report), "観測値": observations_table(report),
                                  "出典": sources_table(report)}, notes=notes(report))


def csv(report: Report, progress: Progress | None = None) -> bytes:
    return tabular.to_csv_bytes(evaluated_table(report))


__all__ = ["csv", "xlsx", "evaluated_table", "observations_table", "sources_table", "split_source"]
