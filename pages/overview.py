"""概要 — How is this plan doing?"""
import polars as pl
import streamlit as st

from kpiboard import charts, comparison, status, ui
from kpiboard import format as fmt

ui.page_header("概要", "この計画は順調か: 判定の内訳、まず確認したいKPI、データの鮮度と出典")

# 0. Every plan at a glance (the start page): which plans can be judged, and the latest national comparison.
if not ui.presenting():
    everything = ui.evaluate()
    plans, shown = comparison.plans_by_verdicts(everything, limit=10)
    with st.container(border=True, key="all_plans"):
        left, right = st.columns([3, 2], gap="large")
        with left:
            more = f"（判定できる KPI の多い順に上位 {shown['plan_id'].n_unique()} 計画）" if plans.height > 10 else ""
            ui.chart(charts.status_bar_figure(shown, group="plan_label", method=ui.method(), normalise=True,
                                              title=f"すべての計画の判定の内訳{more}",
                                              source="各計画の KPI・基準値・目標値・実績値（判定は「判定の方式と基準」による）"),
                     key="overview_all_plans")
            st.caption(f"KPI のある {plans.height} 計画・KPI {everything.height} 件のうち、判定できた KPI は {int(plans['judged'].sum())} 件。"
                       "判定できる計画を上に並べています。下の「計画」で選ぶと、その計画の概要を表示します。")
        with right:
            st.subheader("最新の全国比較")
            dates = ui.run("series_dates").filter(pl.col("prefectures") == 47)
            if dates.is_empty():
                st.caption("47都道府県がそろった公表統計はまだありません。")
            else:
                latest = dates.row(0, named=True)  # newest first
                linked = ui.run("series_kpis", indicator=latest["indicator"])
                who = linked["entity"][0] if linked.height else None
                ranking = ui.run("series_ranking", indicator=latest["indicator"], as_of=latest["as_of"])
                national = ui.run("series_national", indicator=latest["indicator"], entity=who)
                median = national.filter(pl.col("as_of") == latest["as_of"])["median"][0]
                mine = ranking.filter(pl.col("entity") == who) if who else ranking.head(1)
                if mine.height:
                    r = mine.row(0, named=True)
                    short = latest["indicator"].split("（")[0]  # the full name is in the source line
                    st.metric(f"{short}（{fmt.date_ja(latest['as_of'])}）",
                              f"{r['entity']} {ui.value_text(r['value'], latest['unit'])}",
                              delta=f"47都道府県中 {r['rank']}位・全国の中央値 {ui.value_text(median, latest['unit'])}",
                              delta_color="off", delta_arrow="off", border=True)
                if linked.height:
                    kpi = linked.row(0, named=True)
                    judged = everything.filter(pl.col("kpi_id") == kpi["kpi_id"])
                    if judged.height:
                        k = judged.row(0, named=True)
                        st.caption(fmt.md(f"{kpi['plan']}の KPI「{kpi['kpi_name']}」: {ui.fy(k['eval_fy'])} の実績 "
                                          f"{ui.value_text(k['actual_value'], k['unit'])} → {status.label(k['status'])}"))
                ui.source_caption(ranking["document"][0] if ranking.height else "")
                st.page_link("pages/compare.py", label="47都道府県のランキング・地図・推移を見る", icon=":material/leaderboard:",
                             query_params={**ui.link_params(), "view": "公表統計（全国）"})

entity, plan, year, method, _ = ui.plan_filters()

if plan is None:
    st.info("計画がありません。「データ取込」から計画と KPI を読み込んでください。")
    st.stop()
ui.context_line(ui.settings_summary(plan, year))
if plan["kpi_count"] == 0:
    st.info(f"「{fmt.md(plan['plan'])}」には KPI がありません（施策・事業のみの計画です）。施策と予算は「施策・予算」で確認できます。")
    st.page_link("pages/initiatives.py", label="施策・予算を開く", icon=":material/account_tree:",
                 query_params=ui.link_params())
    st.stop()

rows = ui.evaluate(plan=plan["plan_id"], eval_year=year)
source = f"{plan['plan']}（{plan['entity']}）の KPI・基準値・目標値・実績値（各行の出典は KPI 一覧の「出典」列）"
total = rows.height

# 1. Status counts and shares
counts = dict(rows.group_by("status").len().iter_rows())
cols = st.columns(len(status.statuses(method)))
for col, s in zip(cols, status.statuses(method)):
    n = int(counts.get(s, 0))
    col.metric(status.label(s), f"{n} 件", delta=f"{100 * n / total:.0f}%" if total else "―", delta_color="off",
               delta_arrow="off", border=True)
st.caption(f"KPI {total} 件の判定（{status.METHOD_LABELS[method]}）。割合は全 KPI に占める件数の割合です。")

# 2. Per area/pillar and the KPIs to look at first
left, right = ui.columns([3, 2], gap="large")
with left:
    by_area = rows.with_columns(pl.col("area").fill_null("（分野なし）"))
    ui.chart(charts.status_bar_figure(by_area, group="area", method=method, title="分野（戦略の柱）別の判定",
                                      source=source), key="overview_area_chart")
with right:
    st.subheader("まず確認したい KPI")
    attention = status.attention(rows, limit=5)
    undetermined = rows.filter(pl.col("status").is_in(status.UNDETERMINED))
    if attention.is_empty():
        if undetermined.height == total:
            reason_counts = "、".join(f"{r} {n} 件" for r, n in undetermined.group_by("status_reason").len()
                                      .sort("len", descending=True).iter_rows())
            st.info(f"判定できる KPI がありません（{reason_counts}）。実績値を取り込むと進捗を判定できます。"
                    "基準値・目標値は下の KPI 一覧で確認できます。", icon=":material/info:")
        else:
            st.success("遅れ・やや遅れの KPI はありません。", icon=":material/check_circle:")
    for r in attention.iter_rows(named=True):
        with st.container(border=True, key=f"attention_{r['kpi_id']}"):
            ui.status_badge(r["status"], "0.85rem")
            st.markdown(f"**{fmt.md(r['kpi_name'])}**")
            st.caption(fmt.md(f"{r['area'] or ''} {r['item_code'] or ''}｜実績 {ui.value_text(r['actual_value'], r['unit'], r['eval_fy'])}"
                              f"／期待値 {ui.approx_text(r['expected_value'], r['unit'])}／進捗率 {ui.ratio_text(r['progress_ratio'])}"))
            if not ui.presenting():
                st.button("詳しく見る", key=f"open_{r['kpi_id']}", on_click=ui.open_kpi, args=(r["kpi_id"],),
                          icon=":material/query_stats:", type="tertiary")
    if not attention.is_empty():
        ui.source_caption("各 KPI の出典は KPI 一覧の「出典」列")

# 3. Per area table
order = list(status.statuses(method))
area_order = rows["area"].fill_null("（分野なし）").unique(maintain_order=True).to_list()
area_table = (rows.with_columns(pl.col("area").fill_null("（分野なし）"))
              .group_by("area", "status").len()
              .pivot(on="status", index="area", values="len")
              .fill_null(0))
for s in order:
    if s not in area_table.columns:
        area_table = area_table.with_columns(pl.lit(0, pl.UInt32).alias(s))
area_table = (area_table.select("area", *order)
              .with_columns(pl.sum_horizontal(order).alias("計"))
              .with_columns(pl.col("area").replace_strict({a: i for i, a in enumerate(area_order)}, default=999).alias("_o"))
              .sort("_o").drop("_o")
              .rename({"area": "分野（戦略の柱）", **{s: status.label(s) for s in order}}))
st.subheader("分野別の内訳")
ui.show_table(area_table, source)

# 4. Every KPI of the plan
st.subheader("KPI 一覧")
western = ui.western_years()
view = rows.with_columns(
    status.label_with_reason_expr().alias("判定"),
    *[fmt.value_with_year(f"{kind}_value", pl.col("unit"), year, western).alias(name)
      for kind, year, name in (("baseline", "baseline_fy", "基準値"), ("target", "target_fy", "目標値"),
                               ("actual", "eval_fy", "実績値"))],
    fmt.ratio("progress_ratio").alias("進捗率"),
    fmt.ratio("achievement_rate").alias("達成率"),
).select("判定", pl.col("area").alias("分野"), pl.col("item_code").alias("項目"), pl.col("kpi_name").alias("指標名"),
         "基準値", "目標値", "実績値", "進捗率", "達成率", pl.col("source").alias("出典"), "kpi_id")
if ui.presenting():
    ui.show_table(view.drop("kpi_id"), source)
else:
    st.caption("行を選ぶと「指標」ページでその KPI の推移・背景・出典を開きます。")
    picked = ui.show_table(view, source, key="overview_kpis", on_select="rerun",
                           column_config={"kpi_id": None, "指標名": st.column_config.TextColumn(width="large")})
    if picked is not None and picked.selection.rows:
        ui.open_kpi(view["kpi_id"][picked.selection.rows[0]])

# 5. Freshness and sources
st.subheader("データの鮮度と出典")
fresh = ui.run("data_freshness", plan=plan["plan_id"]).row(0, named=True)
dataset = ui.table("dataset")
as_of = dataset["data_as_of"][0] if dataset.height else None
manifest = ui.manifest()
f1, f2, f3, f4 = st.columns(4)
f1.metric("データの時点", fmt.md(as_of or "―"), help="データセットに記録された時点（原本資料の作成時点など）")
f2.metric("最新の実績年度", ui.fy(fresh["latest_actual_fy"]) if fresh["latest_actual_fy"] else "実績なし")
f3.metric("実績のある KPI", f"{fresh['kpis_with_actual']} / {fresh['kpi_count']} 件")
f4.metric("最終取込", fmt.md((fresh["last_changed_at"] or "取込なし")[:16]),
          help="データ取込で値が更新された最後の日時")
kind = "合成データ" if ui.is_synthetic() else ("埋め込みデータ（原本資料から作成）" if manifest.get("built_from") == "data/sources"
                                               else "取込データ")
st.caption(fmt.md(f"データの種類: {kind}｜{dataset['name'][0] if dataset.height else ''}｜データ版 {manifest.get('version', '―')}｜"
                  f"基準値 {fresh['baseline_count']} 件・目標値 {fresh['target_count']} 件・実績値 {fresh['actual_count']} 件"))
sources = ui.run("plan_sources", plan=plan["plan_id"]).select(
    pl.col("document").alias("資料"), pl.col("sections").alias("節の数"), pl.col("kpis").alias("KPI"),
    pl.col("figures").alias("数値"), pl.col("example").alias("出典の例"))
ui.show_table(sources, "各 KPI・数値に記録された出典（source 列）を資料ごとに集計")
if dataset.height and dataset["description"][0]:
    st.text(dataset["description"][0])
st.caption(status.method_explanation(method, ui.bands()))
