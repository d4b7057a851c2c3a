"""概要 — How is this plan doing?"""
import streamlit as st

from kpiboard import charts, status, ui, views
from kpiboard import format as fmt

ui.page_header("概要", "この計画は順調か: 判定の内訳、まず確認したいKPI、データの鮮度と出典")

# 0. Every plan at a glance (the start page): which plans can be judged, and the latest national comparison.
if not ui.presenting():
    mix = views.plan_mix(ui.judged("plan_verdict_mix", undetermined=status.UNDETERMINED), ui.evaluate, limit=10)
    with st.container(border=True, key="all_plans"):
        left, right = st.columns([3, 2], gap="large")
        with left:
            more = f"（判定できる KPI の多い順に上位 {mix.shown} 計画）" if mix.cut else ""
            ui.chart(charts.status_bar_figure(mix.rows, group="plan_label", method=ui.method(), normalise=True,
                                              title=f"すべての計画の判定の内訳{more}",
                                              source="各計画の KPI・基準値・目標値・実績値（判定は「判定の方式と基準」による）"),
                     key="overview_all_plans")
            st.caption(f"KPI のある {mix.plans} 計画・KPI {mix.kpis} 件のうち、判定できた KPI は {mix.judged} 件。"
                       "判定できる計画を上に並べています。下の「計画」で選ぶと、その計画の概要を表示します。")
        with right:
            st.subheader("最新の全国比較")
            latest = views.national_headline(ui.run, ui.evaluate)
            if latest is None:
                st.caption("47都道府県がそろった公表統計はまだありません。")
            else:
                if latest.place:
                    r = latest.place
                    st.metric(f"{latest.short_name}（{fmt.date_ja(latest.as_of)}）",
                              f"{r['entity']} {ui.value_text(r['value'], latest.unit)}",
                              delta=f"47都道府県中 {r['rank']}位・全国の中央値 {ui.value_text(latest.median, latest.unit)}",
                              delta_color="off", delta_arrow="off", border=True)
                if latest.verdict:
                    kpi, k = latest.kpi, latest.verdict
                    st.caption(fmt.md(f"{kpi['plan']}の KPI「{kpi['kpi_name']}」: {ui.fy(k['eval_fy'])} の実績 "
                                      f"{ui.value_text(k['actual_value'], k['unit'])} → {status.label(k['status'])}"))
                ui.source_caption(latest.document)
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
counts = views.status_counts(rows, method)
cols = st.columns(len(counts))
for col, (s, n) in zip(cols, counts):
    col.metric(status.label(s), f"{n} 件", delta=f"{100 * n / total:.0f}%" if total else "―", delta_color="off",
               delta_arrow="off", border=True)
st.caption(f"KPI {total} 件の判定（{status.METHOD_LABELS[method]}）。割合は全 KPI に占める件数の割合です。")

# 2. Per area/pillar and the KPIs to look at first
left, right = ui.columns([3, 2], gap="large")
with left:
    ui.chart(charts.status_bar_figure(views.by_area(rows), group="area", method=method, title="分野（戦略の柱）別の判定",
                                      source=source), key="overview_area_chart")
with right:
    st.subheader("まず確認したい KPI")
    attention = views.attention(rows, limit=5)
    commentary = views.attention_commentary(attention, ui.run("kpi_comments", plan=plan["plan_id"]))
    if attention.is_empty():
        reason_counts = views.unjudged_reasons(rows)
        if reason_counts is not None:
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
            if r["kpi_id"] in commentary:
                st.text(commentary[r["kpi_id"]])  # the department's own words, never read as Markdown
            if not ui.presenting():
                st.button("詳しく見る", key=f"open_{r['kpi_id']}", on_click=ui.open_kpi, args=(r["kpi_id"],),
                          icon=":material/query_stats:", type="tertiary")
    if not attention.is_empty():
        ui.source_caption("各 KPI の出典は KPI 一覧の「出典」列")

# 3. Per area table
area_table = views.area_breakdown(rows, method)
st.subheader("分野別の内訳")
ui.show_table(area_table, source)

# 4. Every KPI of the plan
st.subheader("KPI 一覧")
view = views.kpi_table(rows, ui.western_years(), ids=not ui.presenting())
if ui.presenting():
    ui.show_table(view, source)
else:
    st.caption("行を選ぶと「指標」ページでその KPI の推移・背景・出典を開きます。")
    picked = ui.show_table(view, source, key="overview_kpis", on_select="rerun",
                           column_config={"kpi_id": None, "指標名": st.column_config.TextColumn(width="large")})
    if picked is not None and picked.selection.rows:
        ui.open_kpi(view["kpi_id"][picked.selection.rows[0]])

# 5. Freshness and sources
st.subheader("データの鮮度と出典")
fresh = views.freshness(ui.run("data_freshness", plan=plan["plan_id"]), ui.table("dataset"), ui.manifest(),
                       ui.is_synthetic())
f1, f2, f3, f4 = st.columns(4)
f1.metric("データの時点", fmt.md(fresh.as_of or "―"), help="データセットに記録された時点（原本資料の作成時点など）")
f2.metric("最新の実績年度", ui.fy(fresh.latest_actual_fy) if fresh.latest_actual_fy else "実績なし")
f3.metric("実績のある KPI", f"{fresh.kpis_with_actual} / {fresh.kpi_count} 件")
f4.metric("最終更新", fmt.md(fresh.last_import.replace("T", " ")), help="この計画の値が追加・更新された最後の日時（データ取込・作成）")
st.caption(fmt.md(f"データの種類: {fresh.kind}｜{fresh.dataset}｜データ版 {fresh.version}｜"
                  f"基準値 {fresh.baseline_count} 件・目標値 {fresh.target_count} 件・実績値 {fresh.actual_count} 件"))
sources = views.plan_sources_table(ui.run("plan_sources", plan=plan["plan_id"]))
ui.show_table(sources, "各 KPI・数値に記録された出典（source 列）を資料ごとに集計")
if fresh.description:
    st.text(fresh.description)
st.caption(status.method_explanation(method, ui.bands()))
