"""データ — KPIと観測値の一覧（絞り込み・CSV/Excel ダウンロード）"""
import datetime

import polars as pl
import streamlit as st

from kpiboard import schema, status, tabular, ui
from kpiboard import format as fmt
from kpiboard.eras import format_fiscal_year

ui.page_header("データ", "すべての KPI と観測値（基準値・目標値・実績値・見込み）を絞り込んで表示し、CSV・Excel で取り出せます")

options = ui.run("data_filter_options")
if ui.plans().is_empty():
    st.info("データがありません。データ取込から KPI を読み込んでください。")
    st.stop()

ALL_AREAS = "すべての分野"
with ui.filter_bar():
    c1, c2, c3 = st.columns([2, 3, 2])
    c4, c5, c6, c7 = st.columns([2, 3, 2, 2])
# the shared pickers (URL keys entity / plan / method): a plan chosen on 概要 is still chosen here
entity = ui.entity_picker(container=c1)
plan = ui.plan_picker(entity, allow_all=True, only_with_kpis=True, container=c2)
entity_id = entity["entity_id"] if entity else None
plan_id = plan["plan_id"] if plan else None
areas = options.filter((pl.col("kind") == "area") & (pl.col("plan_id") == plan_id)) if plan_id else options.clear()
area_name = c3.selectbox("分野", [ALL_AREAS] + areas["area_name"].to_list(), key="area", bind="query-params",
                         disabled=plan_id is None, help="計画を選ぶと分野で絞り込めます")
area_code = None if plan_id is None or area_name == ALL_AREAS else \
    areas.filter(pl.col("area_name") == area_name)["area_code"][0]

kinds = c4.multiselect("値の種類", list(schema.VALUE_KINDS), format_func=schema.VALUE_KIND_JA.get, key="kind",
                       bind="query-params", placeholder="すべて")
years = sorted(options.filter(pl.col("kind") == "fiscal_year")["fiscal_year"].to_list())
fy_from = fy_to = None
if len(years) > 1:
    # era + Western year in the slider whatever the display setting: the URL keeps the label, so links stay valid
    chosen = c5.select_slider("年度", years, value=(years[0], years[-1]), format_func=format_fiscal_year,
                              key="fy", bind="query-params")
    if tuple(chosen) != (years[0], years[-1]):
        fy_from, fy_to = chosen
text = c6.text_input("文字で検索", key="q", bind="query-params", placeholder="指標名・分野・計画など",
                     help="指標名・KPIの文・施策・項目・分野・計画・自治体名のどれかに含まれる文字（大文字小文字は区別しません）")
method = ui.method_picker(c7, horizontal=False)

params = dict(entity=entity_id, plan=plan_id, area=area_code, text=(text or "").strip() or None,
              value_kinds=list(kinds) or None, fy_from=fy_from, fy_to=fy_to)
kpis = ui.run("data_kpis", **params)
observations = ui.run("data_observations", **params)
evaluated = ui.evaluate(entity=entity_id, plan=plan_id).select(
    "kpi_id", "baseline_value", "baseline_fy", "target_value", "target_fy", "actual_value", "eval_fy",
    "achievement_rate", "status")
SCREEN_ROWS = 5_000  # rows drawn on screen; the downloads always hold every row


def fy_label(column: str) -> pl.Expr:
    # empty (not 「―」) where there is no year: the downloads keep empty cells empty
    return pl.when(pl.col(column).is_not_null()).then(ui.fy_expr(column))


# Downloads keep numbers as numbers (machine-readable); the tables on screen show them the Japanese way.
kpi_view = kpis.join(evaluated, on="kpi_id", how="left").select(
    pl.col("kpi_name").alias("指標名"),
    status.label_expr().alias("判定"),
    pl.col("baseline_value").alias("基準値"), fy_label("baseline_fy").alias("基準年度"),
    pl.col("target_value").alias("目標値"), fy_label("target_fy").alias("目標年度"),
    pl.col("actual_value").alias("実績値"), fy_label("eval_fy").alias("評価年度"),
    (pl.col("achievement_rate") * 100).round(1).alias("達成率(%)"),
    pl.col("unit").alias("単位"),
    pl.col("entity").alias("自治体・圏域"), pl.col("plan").alias("計画"), pl.col("area_name").alias("分野"),
    pl.col("item_code").alias("項目"),
    pl.col("direction").replace_strict(schema.DIRECTION_JA, default=None).alias("方向"),
    pl.col("cumulative").alias("累計"),
    pl.col("observation_count").alias("観測値の数"),
    pl.col("source").alias("出典"),
    pl.col("kpi_id"),
)
judged = kpi_view.select("kpi_id", pl.col("判定").alias("KPIの判定"))
obs_view = observations.join(judged, on="kpi_id", how="left").select(
    pl.col("kpi_name").alias("指標名"),
    pl.col("value_kind").replace_strict(schema.VALUE_KIND_JA, default=None).alias("種類"),
    fy_label("fiscal_year").alias("年度"),
    pl.col("value").alias("値"), pl.col("unit").alias("単位"),
    pl.col("original_text").alias("原文"),
    pl.col("entity").alias("自治体・圏域"), pl.col("plan").alias("計画"), pl.col("area_name").alias("分野"),
    pl.col("item_code").alias("項目"),
    pl.col("fiscal_year").alias("年度（西暦）"), pl.col("year_text").alias("年度（原文）"),
    pl.col("qualifier").alias("限定"), pl.col("note").alias("注"),
    pl.col("KPIの判定"), pl.col("source").alias("出典"), pl.col("kpi_id"),
)


def japanese(value_col: str, unit_col: str = "単位") -> pl.Expr:
    return fmt.value(value_col, pl.col(unit_col)).alias(value_col)


def kpi_screen() -> pl.DataFrame:
    return kpi_view.head(SCREEN_ROWS).with_columns(
        japanese("基準値"), japanese("目標値"), japanese("実績値"),
        fmt.percent("達成率(%)").alias("達成率(%)"),
        pl.when(pl.col("累計")).then(pl.lit("累計")).otherwise(pl.lit("")).alias("累計"),
        pl.col("基準年度", "目標年度", "評価年度").fill_null("―"),
    ).rename({"達成率(%)": "達成率"})


def obs_screen() -> pl.DataFrame:
    return obs_view.head(SCREEN_ROWS).with_columns(japanese("値"), pl.col("年度").fill_null("―"))


def cut_note(frame: pl.DataFrame) -> None:
    if frame.height > SCREEN_ROWS:
        st.caption(f"全 {frame.height:,} 件のうち先頭 {SCREEN_ROWS:,} 件を表示しています。すべての行はダウンロードで取り出せます。")

m = st.columns(3)
m[0].metric("KPI", f"{kpi_view.height:,} 件")
m[1].metric("観測値", f"{obs_view.height:,} 件")
m[2].metric("計画", f"{kpis['plan_id'].n_unique():,} 件")

today = datetime.date.today().strftime("%Y%m%d")
filters_text = "、".join(f"{k}: {v}" for k, v in {
    "自治体・圏域": entity["entity"] if entity else ui.ALL_ENTITIES,
    "計画": ui.plan_label(plan) if plan else ui.ALL_PLANS, "分野": area_name if plan_id else ALL_AREAS,
    "値の種類": "・".join(schema.VALUE_KIND_JA[k] for k in kinds) or "すべて",
    "年度": f"{ui.fy(fy_from)}～{ui.fy(fy_to)}" if fy_from else "すべて", "文字": text or "なし"}.items())
notes = {
    "内容": "KPI board「データ」ページから出力した KPI と観測値",
    "絞り込み": filters_text,
    "判定方式": status.method_explanation(method, ui.bands()),
    "出典": "各行の「出典」列（資料名と箇所）",
    "データ": ("合成データ（架空の数値）" if ui.is_synthetic() else "埋め込みデータ（各資料から転記）") + f"／版 {ui.data_version()}",
    "出力日": datetime.date.today().isoformat(),
}
d1, d2, d3 = st.columns(3)
d1.download_button("KPI一覧（CSV）", data=lambda: tabular.to_csv_bytes(kpi_view), file_name=f"kpi_{today}.csv",
                   mime="text/csv", icon=":material/download:", width="stretch")
d2.download_button("観測値（CSV）", data=lambda: tabular.to_csv_bytes(obs_view), file_name=f"observations_{today}.csv",
                   mime="text/csv", icon=":material/download:", width="stretch")
d3.download_button("KPIと観測値（Excel）",
                   data=lambda: tabular.to_xlsx_bytes({"KPI": kpi_view, "観測値": obs_view}, notes),
                   file_name=f"kpi_data_{today}.xlsx", icon=":material/download:", width="stretch",
                   mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
st.caption("CSV は UTF-8（BOM付き）で Excel でそのまま開けます。Excel ファイルには絞り込み条件と判定方式の説明シートが付きます。")

tab_kpis, tab_obs = st.tabs(["KPI", "観測値"], key="view", bind="query-params")
if tab_kpis.open is not False:
    with tab_kpis:
        if kpi_view.is_empty():
            st.info("条件に合う KPI はありません。絞り込みを緩めてください。")
        st.dataframe(kpi_screen(), hide_index=True, width="stretch", column_config={
            "指標名": st.column_config.TextColumn(width="large", pinned=True),
            "判定": st.column_config.TextColumn(width="medium"),
            "単位": None, "kpi_id": None,
        })
        cut_note(kpi_view)
        st.caption(status.method_explanation(method, ui.bands()))
        ui.source_caption("各行の「出典」列。判定は「判定の方式と基準」による")
if tab_obs.open is not False:
    with tab_obs:
        if obs_view.is_empty():
            st.info("条件に合う観測値はありません。絞り込みを緩めてください。")
        st.dataframe(obs_screen(), hide_index=True, width="stretch", column_config={
            "指標名": st.column_config.TextColumn(width="large", pinned=True),
            "種類": st.column_config.TextColumn(width="small"),
            "単位": None, "年度（西暦）": None, "kpi_id": None,
        })
        cut_note(obs_view)
        st.caption("「原文」は資料の書き方のまま、「値」はそれを読み取った数値です。")
        ui.source_caption("各行の「出典」列")
