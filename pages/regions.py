"""連携中枢都市圏 — 政策分野別のKPI設定状況と、圏域ごとのKPI設定例"""
import streamlit as st

from kpiboard import format as fmt
from kpiboard import charts, status, ui, views

ui.page_header("連携中枢都市圏", "各政策分野でKPIを設定している圏域の数（全34圏域）と、圏域ごとのKPI設定例の進捗")

categories = ui.run("regions_categories")
examples = ui.run("regions_examples")
if categories.is_empty() and examples.is_empty():
    st.info("連携中枢都市圏のデータがありません（表示中のデータセットに政策分野別の集計・圏域のKPIが含まれていません）。")
    st.stop()

GROUPS = {"すべて": "すべて", "ア": "ア 経済成長のけん引", "イ": "イ 高次の都市機能", "ウ": "ウ 生活関連機能サービス"}
ORDERS = {"document": "資料の順", "count": "設定圏域の多い順"}

tab_categories, tab_examples = st.tabs(["政策分野別の設定状況", "圏域別のKPI設定例"], key="view", bind="query-params")

if tab_categories.open is not False:
    with tab_categories:
        if categories.is_empty():
            st.info("政策分野別の集計がありません。")
        else:
            with ui.filter_bar():
                c1, c2 = st.columns([3, 2])
            group = c1.segmented_control("政策分野のまとまり", list(GROUPS), format_func=GROUPS.get, default="すべて",
                                         required=True, key="group", bind="query-params")
            order = c2.segmented_control("並び順", list(ORDERS), format_func=ORDERS.get, default="document",
                                         required=True, key="order", bind="query-params")
            rows = views.categories_in_group(categories, None if group in (None, "すべて") else group)
            summary = views.category_summary(rows)
            source = views.category_source(rows, ui.source_heads())
            top, low = summary.most, summary.fewest
            m = st.columns(4)
            m[0].metric("政策分野", f"{summary.categories} 分野")
            m[1].metric("平均の設定圏域数", f"{summary.mean:.1f} / {summary.regions} 圏域")
            m[2].metric("最も多い分野", f"{top['regions_with_kpi']} 圏域", help=fmt.md(f"{top['category_code']} {top['label']}"))
            m[3].metric("最も少ない分野", f"{low['regions_with_kpi']} 圏域", help=fmt.md(f"{low['category_code']} {low['label']}"))
            ui.context_line(f"連携中枢都市圏（全{summary.regions}圏域）の政策分野別 KPI 設定状況（{summary.as_of} 時点）："
                            f"{GROUPS[group or 'すべて']}、{ORDERS[order or 'document']}")
            ui.chart(charts.policy_category_figure(rows, source=source, order=order), key="regions_categories_chart")
            st.caption("★ はこのページに設定例のKPIがある分野です。色と模様は ア・イ・ウ のまとまりを表します。"
                       "ウ は A 生活機能の強化、B 結びつきやネットワークの強化、C 圏域マネジメント能力の強化 に分かれます。")
            ui.source_caption(source)
            with st.expander("表で見る"):
                st.dataframe(views.category_table(rows), hide_index=True, width="stretch")
                ui.source_caption(source)

if tab_examples.open is not False:
    with tab_examples:
        if examples.is_empty():
            st.info("圏域のKPI設定例がありません。")
            st.stop()
        names = ["すべての圏域"] + views.region_names(examples)
        with ui.filter_bar():
            c1, c2 = st.columns([3, 2])
        choice = c1.selectbox("圏域", names, key="region", bind="query-params", placeholder=ui.PICK)
        method = ui.method_picker(c2)
        entity = None if choice == "すべての圏域" else views.region_id(examples, choice)
        evaluated = views.region_evaluations(ui.evaluate(entity=entity))
        ui.context_line(f"{choice}のKPI設定例 {evaluated.height} 件｜判定方式: {status.METHOD_LABELS[method]}")
        shown = views.of_region(examples, entity)

        counts = views.status_counts(evaluated, method)
        cols = st.columns(len(counts))
        for col, (s, n) in zip(cols, counts):
            col.metric(status.label(s), f"{n} 件")

        # the documents the examples were read from (each KPI's own place is in its box below)
        source = views.examples_source(shown, ui.source_heads()) + "（事業ごとの箇所は下の各圏域の欄）"
        ui.chart(charts.achievement_figure(evaluated, source=source, western_years=ui.western_years()),
                 key="regions_achievement_chart")
        st.caption(status.method_explanation(method, ui.bands()) + " 達成率が100%を超えるのは、実績が目標を上回った場合です。")
        ui.source_caption(source)

        for region, kpis in views.region_cards(shown, evaluated, ui.western_years()):
            with st.container(border=True):
                st.subheader(fmt.md(region["region"]))
                st.caption("中心市: " + fmt.md(region["central_city"] or "―"))
                for k in kpis:
                    a, b, t, s = st.columns([4, 2, 2, 2])
                    a.markdown(f"**{fmt.md(k['kpi_name'])}**  \n事業: {fmt.md(k['measure'] or '―')}  \n"
                               f"政策分野: {fmt.md(k['category_code'] or '')} {fmt.md(k['category_label'] or '')}")
                    b.markdown(f"基準値  \n**{fmt.md(k['baseline'])}**")
                    t.markdown(f"目標値  \n**{fmt.md(k['target'])}**")
                    rate = k["achievement_rate"]
                    s.markdown(f"現状値  \n**{fmt.md(k['actual'])}**  \n"
                               f"判定: **{fmt.md(status.label(k['status']))}**"
                               + (f"（達成率 {fmt.md(ui.ratio_text(rate))}）" if rate is not None else ""))
                    ui.source_caption(k["source"] + (f"　注: {k['actual_note']}" if k["actual_note"] else ""))
