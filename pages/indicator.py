"""指標 — What exactly is going on with this KPI?"""
import streamlit as st

from kpiboard import charts, status, ui, views
from kpiboard import format as fmt

ui.page_header("指標", "この KPI で何が起きているか: 推移と見通し、目標までに必要な変化、背景・注記・出典、関連する施策")

entity, plan, year, method, bar = ui.plan_filters(allow_all=True)
with bar:
    query = st.text_input("検索", key="q", bind="query-params", placeholder="例: オンライン、ｳｪﾙﾋﾞｰｲﾝｸﾞ、すたーとあっぷ",
                          help="指標名・分野・項目・施策・計画・自治体名から探します。全角/半角、ひらがな/カタカナ、"
                               "大文字/小文字は区別しません。空白で区切ると、すべての語を含む KPI に絞り込みます。")
    wanted = st.pills("判定で絞り込み", list(status.statuses(method)), selection_mode="multi", key="st",
                      bind="query-params")

rows = ui.evaluate(plan=plan["plan_id"] if plan else None, entity=entity["entity_id"] if entity else None,
                   eval_year=year)
found = views.find_kpis(rows, query, wanted)

if rows.is_empty():
    st.info("この条件の KPI はありません。計画や自治体の選択を変えてください。")
    st.stop()
if found.is_empty():
    st.info(f"「{fmt.md(query)}」に一致する KPI はありません（{rows.height} 件から検索）。語を減らすか、計画を「すべての計画」にしてください。")
    st.stop()

# The KPI shown lives in the URL as its id (?kpi=<kpi_id>); the picker and a click in the list write it.
labels = views.kpi_labels(found, with_entity=plan is None)
ids = list(labels)
# Without a choice, open the KPI with the most to show: an actual, else a baseline and a target.
first = views.default_kpi(found)


def _clicked():
    chosen = st.session_state["kpi_list"].selection.rows
    if chosen:
        ui.choose_id("kpi", st.session_state["_kpi_list_ids"][chosen[0]])


if ui.presenting():
    with bar:
        selected = ui.id_picker("表示する KPI", labels, key="kpi", default=first)
    detail_area = st.container()
else:
    list_area, detail_area = st.columns([2, 3], gap="large")
    with list_area:
        selected = ui.id_picker("表示する KPI", labels, key="kpi", default=first, help="下の一覧の行を選んでも切り替わります")
        st.caption(f"{found.height} 件" + (f"（{rows.height} 件中）" if found.height != rows.height else ""))
        listing = views.kpi_listing(found, with_entity=plan is None)
        st.session_state["_kpi_list_ids"] = ids
        st.dataframe(listing, hide_index=True, width="stretch", height=ui.table_height(found.height, 640),
                     key="kpi_list", on_select=_clicked, selection_mode="single-row",
                     column_config={"指標名": st.column_config.TextColumn(width="large")})
        ui.source_caption("判定は「判定の方式と基準」による。各 KPI の出典は右の詳細に表示")

kpi = views.kpi_row(found, selected)
detail = ui.run("kpi_detail", kpi_id=selected).row(0, named=True)
observations = ui.run("kpi_observations", kpi_id=selected)
unit = kpi["unit"] or ""

with detail_area:
    st.subheader(fmt.md(kpi["kpi_name"]))
    ui.status_badge(kpi["status"], "1.1rem")
    st.caption(fmt.md(views.kpi_facts(kpi, ui.fy)))
    ui.context_line(ui.settings_summary(None, year))
    # On a projector the chart comes right under the KPI's name and verdict (one screen); figures follow
    chart_area = st.container() if ui.presenting() else None

    m = st.columns(3)
    m[0].metric("基準値", fmt.md(ui.value_text(kpi["baseline_value"], unit)), help="基準年度: " + ui.fy(kpi["baseline_fy"]))
    m[1].metric(f"実績値（{ui.fy(kpi['eval_fy'])}）" if kpi["eval_fy"] else "実績値",
                fmt.md(ui.value_text(kpi["actual_value"], unit)))
    m[2].metric(f"目標値（{ui.fy(kpi['target_fy'])}）" if kpi["target_fy"] else "目標値",
                fmt.md(ui.value_text(kpi["target_value"], unit)))
    m = st.columns(3)
    m[0].metric("期待値（評価年度）", fmt.md(ui.approx_text(kpi["expected_value"], unit)),
                help="評価年度の目標値、なければ基準値から最終目標値への直線上の値")
    m[1].metric("進捗率", fmt.md(ui.ratio_text(kpi["progress_ratio"])), help="(実績−基準)/(期待値−基準)。100% で期待どおり")
    m[2].metric("達成率", fmt.md(ui.ratio_text(kpi["achievement_rate"])), help="(実績−基準)/(目標−基準)")

    ahead = views.outlook(kpi, observations)
    need, speed, proj = ahead.needed, ahead.pace, ahead.projection
    lines = []
    if need and need.already_met:
        lines.append(f"**最終目標を達成済み**（{ui.fy(need.from_fy)} の実績 {fmt.md(ui.value_text(need.from_value, unit))}）")
    elif need:
        start = "実績" if need.from_kind == "actual" else "基準値"
        years = need.to_fy - need.from_fy
        lines.append(f"**目標達成に必要な変化: {fmt.md(ui.per_year_text(need.per_year, unit))}**"
                     f"（{ui.fy(need.from_fy)} の{start} {fmt.md(ui.value_text(need.from_value, unit))} から "
                     f"{ui.fy(need.to_fy)} の目標 {fmt.md(ui.value_text(need.to_value, unit))} まで {years} 年）")
    if speed is not None:
        lines.append(f"これまでのペース: {fmt.md(ui.per_year_text(speed, unit))}")
    if proj:
        lines.append(f"このペースが続くと {ui.fy(proj[2])} に {fmt.md(ui.approx_text(proj[3], unit))} の見込み"
                     + (f"（目標 {fmt.md(ui.value_text(kpi['target_value'], unit))}）" if kpi["target_value"] is not None else ""))
    if not lines:
        lines.append("目標までに必要な変化は計算できません（基準値か実績値と、最終目標値の両方が必要です）。")
    st.markdown("  \n".join(lines))

    with chart_area or st.container():
        if not views.has_figures(observations):
            st.info("この KPI には数値（基準値・目標値・実績値）の記録がないため、推移のグラフはありません"
                    + ("（定性的な KPI）。" if kpi["direction"] == "qualitative" else "。"))
            ui.source_caption(kpi["source"] or "―")
        else:
            fig = charts.trajectory_figure(kpi, observations, western_years=ui.western_years(),
                                           expected=ui.expected_path(kpi), title="推移と見通し")
            ui.chart(fig, key="indicator_trajectory")

    tabs = st.tabs(["背景・考え方", "所見・今後の方向性", "値の原文と注記", "参考値", "関連する施策", "同じ指標の KPI",
                    "変更履歴"])
    with tabs[0]:
        shown = False
        for title, text in (("KPI の記述", detail["statement"]), ("背景・考え方", detail["background"]),
                            ("施策・取組", detail["measure"]), ("分野（戦略の柱）の方向", detail["area_statement"]),
                            ("注記", detail["note"])):
            if text:
                st.markdown(f"**{title}**")
                st.text(text)  # the documents' own words: shown as written, never read as Markdown
                shown = True
        if not shown:
            st.info("背景・考え方の記述はありません。")
        ui.source_caption(detail["source"] or "―")
    western = ui.western_years()

    def detail_table(query: str, empty: str, table, source: str) -> bool:
        """A tab of the KPI's details: the named query's rows as a table, or what is missing."""
        rows = ui.run(query, kpi_id=selected)
        if rows.is_empty():
            st.info(empty)
            return False
        ui.show_table(table(rows), source)
        return True

    with tabs[1]:
        written = ui.run("kpi_comments", kpi_id=selected)
        years = views.comment_years(kpi, observations, written)
        ui.comment_editor(kpi, years, written)
    with tabs[2]:
        detail_table("kpi_observations", "この KPI には基準値・目標値・実績値が記録されていません。",
                     lambda rows: views.observation_table(rows, western), "各行の「出典」列（原文はそのまま、数値は読み取った値）")
    with tabs[3]:
        detail_table("kpi_references", "参考値（全国平均・順位など）の記録はありません。",
                     lambda rows: views.reference_table(rows, western), "各行の「出典」列")
    with tabs[4]:
        if detail_table("kpi_initiatives", "この KPI に対応付けられた施策はありません。", views.kpi_initiative_table,
                        "各行の「出典」列"):
            st.page_link("pages/initiatives.py", label="施策・予算で見る", icon=":material/account_tree:")
    with tabs[5]:
        same = ui.run("same_indicator", kpi_id=selected)
        if same.is_empty():
            st.info("同じ指標を測る KPI は他にありません。")
        else:
            same_kpis, total = views.same_indicator(same)
            st.caption(f"同じ指標を測る KPI: {total} 件" + ("（先頭 50 件を表示）" if total > 50 else ""))
            ui.show_table(same_kpis, "各 KPI の指標名と項目（同じ指標を測る KPI として当方が対応付けたもの）")
            st.page_link("pages/compare.py", label="比較で並べて見る", icon=":material/compare_arrows:",
                         query_params=ui.link_params(ind=kpi["indicator_id"]))
    with tabs[6]:
        detail_table("kpi_history", "データ取込による値の変更はありません。", lambda rows: views.history_table(rows, western),
                     "観測値の変更履歴（observation_history）")
