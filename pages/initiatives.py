"""施策・予算 — 施策の担当・ロードマップ・予算と、KGI → KPI → 施策 のつながり"""
import streamlit as st

from kpiboard import before_after, charts, status, ui, views
from kpiboard import format as fmt

ui.page_header("施策・予算", "施策の担当・ロードマップ・年度別予算と、KGI → KPI → 施策 のつながり"
               "（委員会の要望「グランドデザインの可視化」）")

BASIS = views.LINK_BASIS
ALL_DEPTS, ALL_INITIATIVES = "すべての担当", "すべての施策"


def pick_tree_plan():
    """The KPI plan of the tree: the shared plan picker (URL key `plan`), so the choice carries across pages."""
    with ui.filter_bar():
        return ui.plan_picker(label="KPIの計画", only_with_kpis=True)


all_initiatives = ui.run("initiatives_list")
ap_plans = views.initiative_plans(all_initiatives)
western = ui.western_years()

with ui.filter_bar():
    f1, f2, f3 = st.columns([3, 2, 3])
ap_plan = None
if len(ap_plans) > 1:
    ap_plan = ui.id_picker("施策の計画", ap_plans, key="ap", container=f1)
elif len(ap_plans) == 1:
    f1.markdown(f"**施策の計画**  \n{fmt.md(next(iter(ap_plans.values())))}")
departments = views.departments(ui.run("initiatives_list", plan=ap_plan))
dept = f2.selectbox("担当", [ALL_DEPTS] + departments, key="dept", bind="query-params",
                    help="複数の課が担当する施策は、どの課を選んでも表示されます", placeholder=ui.PICK)
initiatives = ui.run("initiatives_list", plan=ap_plan, department=None if dept == ALL_DEPTS else dept)
# options are the bare 施策番号 so a copied link stays valid (the URL holds the option text)
pick = f3.selectbox("施策番号", [ALL_INITIATIVES] + views.initiative_codes(initiatives), key="initiative",
                    bind="query-params", placeholder=ui.PICK)
chosen = views.chosen_initiatives(initiatives, None if pick == ALL_INITIATIVES else pick)
if pick != ALL_INITIATIVES:
    f3.caption(fmt.md(charts.shorten(chosen["title"][0], 60)))
ids = views.initiative_ids(chosen)
# the action plan's document and pages; each row's own section is in its 出典 column
ap_source = views.action_plan_source(chosen, ui.source_heads())

tabs = st.tabs(["施策一覧", "ロードマップ", "予算", "KGI→KPI→施策", "対応のないKPI・施策", "導入前後の比較"], key="view",
               bind="query-params")
tab_list, tab_roadmap, tab_budget, tab_tree, tab_unlinked, tab_before_after = tabs
no_initiatives = "施策のデータがありません（表示中のデータセットに施策が含まれていません）。"


def chosen_rows(query: str, missing: str):
    """The rows of a named query for the chosen initiatives; None (saying why) when there are none."""
    rows = ui.run(query, plan=ap_plan, initiatives=ids) if ids else None
    if rows is None or rows.is_empty():
        st.info(no_initiatives if chosen.is_empty() else missing)
        return None
    return rows


if tab_list.open is not False:
    with tab_list:
        if chosen.is_empty():
            st.info(no_initiatives)
        else:
            budgets = ui.run("initiatives_budgets", plan=ap_plan, initiatives=ids)
            m = st.columns(3)
            m[0].metric("施策", f"{chosen.height} 件")
            m[1].metric("予算の合計（重複掲載は1回）", ui.value_text(views.budget_total(budgets), "円") if budgets.height else "―",
                        help="各施策の予算欄に書かれた額の合計。同じ事業が複数の施策に載っている場合は1回だけ数えています。")
            m[2].metric("KPIと対応のある施策", f"{views.linked_initiatives(chosen)} / {chosen.height} 件")
            st.dataframe(views.initiative_table(chosen, western), hide_index=True, width="stretch", column_config={
                "施策番号": st.column_config.TextColumn(width="small"),
                "施策": st.column_config.TextColumn(width="large"),
                "対応するKPI": st.column_config.TextColumn(width="medium"),
            })
            ui.source_caption(f"{ap_source}（{chosen['as_of'][0]} 時点）、各行の「出典」列。"
                              "「読み取り」は文書に対応の記載がなく当方が対応付けたもの")

            if pick != ALL_INITIATIVES:
                r = chosen.row(0, named=True)
                st.subheader(fmt.md(f"{r['code']} {r['title']}"))
                st.caption(fmt.md(f"{r['policy']}　／　{r['measure']}　／　担当: {r['department']}　／　{r['page']}"))
                c1, c2 = st.columns(2)
                # The documents' own words: shown as written (st.text), never read as Markdown.
                for where, title, text in ((c1, "現状", r["current_state"]), (c1, "課題", r["issues"]),
                                           (c2, "R5年度までの取組", r["actions_to_date"]),
                                           (c2, "R6年度の取組", r["actions_this_year"])):
                    where.markdown(f"**{title}**")
                    where.text(text or "―")
                ui.source_caption(r["source"])
                links = ui.run("initiatives_kpi_links", initiatives=ids)
                if links.height:
                    st.markdown("**対応するKPI**")
                    for k in views.initiative_statuses(links, ui.evaluate).iter_rows(named=True):
                        st.markdown(f"- {fmt.md(k['kpi_name'])}（{fmt.md(k['plan'])}・{fmt.md(k['area_name'] or '')}）："
                                    f"{fmt.md(status.label(k['status']))}　**［{fmt.md(BASIS.get(k['basis'], k['basis']))}］**")
                        if k["basis"] == "reading":
                            st.caption("読み取りの根拠: " + fmt.md(k["note"]))
                else:
                    st.markdown("**対応するKPI**: なし")
                facts = ui.run("initiatives_facts", initiatives=ids)
                if facts.height:
                    st.markdown("**施策に関する数値**")
                    st.dataframe(views.initiative_facts_table(facts, western), hide_index=True, width="stretch")
                    ui.source_caption(views.combined_source(facts, heads=ui.source_heads()))

if tab_roadmap.open is not False:
    with tab_roadmap:
        roadmap = chosen_rows("initiatives_roadmap", "ロードマップの記載がありません。")
        if roadmap is not None:
            source = f"{ap_source} 各施策のロードマップ（箇所は表の「出典」列）"
            ui.chart(charts.roadmap_figure(roadmap, source=source, western_years=western, large=ui.presenting()),
                     key="initiatives_roadmap_chart")
            st.caption("行は取組の系統（「電子入札システム：運用」の「：」の前）、帯の文字は段階です。"
                       "原本（PDF抽出テキスト）では列の位置が崩れており、年度への割付の多くは当方の読み（推定）です。各行の注は下の表にあります。")
            ui.source_caption(source)
            with st.expander("ロードマップを表で見る（年度・取組主体・注）"):
                st.dataframe(views.roadmap_table(roadmap, western), hide_index=True, width="stretch")
                ui.source_caption(source)

if tab_budget.open is not False:
    with tab_budget:
        budgets = chosen_rows("initiatives_budgets", "予算の記載がありません。")
        if budgets is not None:
            summary = views.budget_summary(budgets, western)
            cols = st.columns(3)
            cols[0].metric("予算の合計（重複掲載は1回）", ui.value_text(summary.total, "円"))
            cols[1].metric("年度", summary.years, help=summary.span)
            cols[2].metric("複数の施策に載っている事業", f"{summary.shared.height} 件")
            source = f"{ap_source} 各施策の予算の記載（箇所は表の「出典」列）"
            ui.chart(charts.budget_figure(budgets, source=source, western_years=western), key="initiatives_budget_chart")
            for r in summary.shared.iter_rows(named=True):
                st.info(f"「{fmt.md(r['program'])}」（{ui.fy(r['fiscal_year'])}、{fmt.md(ui.value_text(r['amount_yen'], '円'))}）は "
                        f"{fmt.md(r['listed_codes'])} の複数の施策に掲載されています。合計では1回だけ数え、グラフでは「共通」として示します。",
                        icon=":material/info:")
            st.caption("金額は各施策の予算欄の記載（当初予算等）です。年度の明記がない金額の年度は当方の読みで、表の「注」に記しています。")
            ui.source_caption(source)
            st.dataframe(views.budget_table(budgets, western), hide_index=True, width="stretch")
            ui.source_caption(source)

if tab_tree.open is not False:
    with tab_tree:
        plan = pick_tree_plan()
        if plan is None:
            st.info("KPIのある計画がありません。")
        else:
            rows = ui.run("initiatives_tree", plan=plan["plan_id"])
            evaluated = ui.evaluate(plan=plan["plan_id"])
            nodes = views.initiative_tree(rows, evaluated)
            ui.context_line(f"{plan['plan']}（{plan['entity']}）の KGI → KPI → 施策｜"
                            f"判定方式: {status.METHOD_LABELS[ui.method()]}")
            # initiatives of the same action plan(s) that serve no KPI at all, drawn apart
            unlinked = views.unlinked_initiatives(all_initiatives, rows)
            kpi_count = views.tree_kpis(nodes)
            st.graphviz_chart(charts.tree_dot(nodes, unlinked, fontsize=16 if ui.presenting() else 11),
                              width="stretch")
            st.caption("KGI（計画のビジョン）→ 分野・戦略の柱 → KPI（枠の色・記号は進捗判定）→ 施策。"
                       "破線の矢印は文書に対応の記載がなく当方が読み取った対応、実線は文書に記載のある対応です。")
            link_sources = views.combined_source(rows, "link_source", heads=ui.source_heads(), max_length=60)
            plan_source = f"{plan['plan']}（{plan['entity']}）の計画・KPI"
            ui.source_caption(plan_source + (f"／施策との対応: {link_sources}" if link_sources else ""))
            if kpi_count > 40:
                st.caption(f"KPIが {kpi_count} 件あるため図が縦に長くなります。文字の一覧は下にあります。")
            with st.expander("ツリーを文字で見る（対応の出典つき）"):
                st.markdown(views.tree_outline(nodes))

if tab_unlinked.open is not False:
    with tab_unlinked:
        plan = pick_tree_plan()
        c1, c2 = ui.columns(2)
        with c1:
            st.subheader("施策と対応していないKPI")
            if plan is None:
                st.info("KPIのある計画がありません。")
            else:
                rows = ui.run("initiatives_tree", plan=plan["plan_id"])
                evaluated = ui.evaluate(plan=plan["plan_id"])
                lonely, total_kpis = views.lonely_kpis(rows, evaluated)
                st.metric("対応する施策のないKPI", f"{lonely.height} / {total_kpis} 件")
                st.dataframe(lonely, hide_index=True, width="stretch")
                ui.source_caption(f"{plan['plan']}（{plan['entity']}）の KPI と initiative_kpis（施策とKPIの対応）")
        with c2:
            st.subheader("KPIと対応していない施策")
            if initiatives.is_empty():
                st.info(no_initiatives)
            else:
                lonely_initiatives = views.lonely_initiatives(initiatives)
                st.metric("対応するKPIのない施策", f"{lonely_initiatives.height} / {initiatives.height} 件")
                st.dataframe(lonely_initiatives, hide_index=True, width="stretch")
                ui.source_caption(f"{ap_source}、施策とKPIの対応（initiative_kpis）")
        st.caption("施策とKPIの対応は、文書に記載があるもの（文書に記載）と、記載がなく当方が読み取ったもの（読み取り）があります。"
                   "委員会の要望（001）: 各施策がKPIと因果的につながっているかを確認できるようにする。")

if tab_before_after.open is not False:
    with tab_before_after:
        starts = ui.run("measure_starts")
        start_labels = before_after.start_options(starts, western)
        st.info(before_after.CAUTION, icon=":material/info:")  # always: what a before/after comparison cannot say
        if not start_labels:
            st.info(before_after.NO_STARTS, icon=":material/info:")
        else:
            with ui.filter_bar():
                b1, b2 = st.columns([3, 2])
            start_id = ui.id_picker("施策・取組（開始日の記録があるもの）", start_labels, key="ba_start", container=b1)
            start = before_after.chosen_start(starts, start_id, western)
            params = before_after.query_params(start)
            served = before_after.kpi_ids(ui.run("before_after", **params), served_only=True)
            choices = before_after.kpi_options(ui.evaluate(entity=start["entity_id"]), served)
            added = b2.multiselect("比べるKPIを追加（任意）", list(choices), format_func=choices.get,
                                   key=f"ba_kpis_{start_id}", placeholder=ui.PICK,
                                   help="施策と対応付けられていないKPIも、同じ自治体の計画から選んで比べられます")
            rows = ui.run("before_after", **params, kpi_ids=added or None)
            years = before_after.verdict_years(rows)
            # the verdicts at each KPI's before year and latest year: evaluate.sql's, for those years
            verdicts = ui.evaluate(kpi_ids=before_after.kpi_ids(rows), eval_years=years) if years else None
            heads = ui.source_heads()
            comparison = before_after.comparison(rows, verdicts, start, western=western, heads=heads)
            ui.context_line(f"{start['name']}｜{start['mark']}（{start['day']}。{start['fy']}以降を導入後とする）｜"
                            f"判定方式: {status.METHOD_LABELS[ui.method()]}")
            if start["note"]:
                st.caption("開始日の読み方: " + fmt.md(start["note"]))
            ui.source_caption(start["source"] or "―")
            if comparison.kpis.is_empty():
                st.info("この施策に対応するKPIがありません。「比べるKPIを追加」でKPIを選ぶと、その導入前後を比べられます。",
                        icon=":material/info:")
            else:
                for kpi in comparison.kpis.iter_rows(named=True):
                    missing = before_after.missing_message(kpi, western)
                    if missing:
                        st.warning(fmt.md(missing), icon=":material/warning:")
                    fig = before_after.figure(comparison, kpi["kpi_id"], start, western_years=western, heads=heads)
                    if fig is not None:
                        ui.chart(fig, key=f"before_after_{kpi['kpi_id']}")
                st.subheader("導入前と導入後")
                st.caption("導入前は開始の年度より前の最後の実績、導入後は開始の年度以降の最初と最新の実績です。"
                           "変化は導入後（最新）− 導入前、判定はそれぞれの年度を評価年度とした進捗判定です。")
                ui.show_table(comparison.table, comparison.source)
