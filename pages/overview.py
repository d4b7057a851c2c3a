"""概要 — How is this plan doing?"""
import polars as pl
import streamlit as st

from kpiboard import status, ui

ui.page_header("概要", "計画ごとの KPI と進捗判定")

plans = ui.run("plans_list")
if plans.is_empty():
    st.info("データがありません。データ取込から KPI を読み込んでください。")
    st.stop()

labels = [f"{r['entity']}｜{r['plan']}" for r in plans.iter_rows(named=True)]
default = next((i for i, r in enumerate(plans.iter_rows(named=True)) if r["plan"] == "富山県成長戦略"), 0)
choice = st.selectbox("計画", labels, index=default, key="plan", bind="query-params")
method = st.radio("判定方式", list(status.METHOD_LABELS), format_func=status.METHOD_LABELS.get, horizontal=True,
                  key="method", bind="query-params")
plan = plans.row(labels.index(choice), named=True)

rows = ui.run("evaluate", plan=plan["plan_id"], method=method)
counts = rows.group_by("status").len()
cols = st.columns(len(status.statuses(method)))
for col, s in zip(cols, status.statuses(method)):
    n = counts.filter(pl.col("status") == s)["len"].sum()
    col.metric(status.label(s), f"{n} 件")

view = rows.select(
    pl.col("area").alias("分野"), pl.col("item_code").alias("項目"), pl.col("kpi_name").alias("指標名"),
    pl.col("baseline_value").alias("基準値"), pl.col("target_value").alias("目標値"),
    pl.col("target_fy").map_elements(ui.fy, return_dtype=pl.Utf8).alias("目標年度"),
    pl.col("actual_value").alias("実績値"),
    pl.col("status").map_elements(status.label, return_dtype=pl.Utf8).alias("判定"),
    pl.col("source").alias("出典"),
)
st.dataframe(view, hide_index=True, width="stretch")
st.caption(status.method_explanation(method))
ui.source_caption(f"{plan['plan']}（{plan['entity']}）— 各行の「出典」列")
