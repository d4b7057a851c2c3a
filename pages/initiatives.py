"""施策・予算 — 施策の担当・ロードマップ・予算と、KGI → KPI → 施策 のつながり"""
import polars as pl
import streamlit as st

from kpiboard import charts, citations, status, tree, ui
from kpiboard import format as fmt

ui.page_header("施策・予算", "施策の担当・ロードマップ・年度別予算と、KGI → KPI → 施策 のつながり"
               "（委員会の要望「グランドデザインの可視化」）")

BASIS = tree.BASIS_LABELS
ALL_DEPTS, ALL_INITIATIVES = "すべての担当", "すべての施策"


fy = ui.fy
fy_label = ui.fy_expr


def yen(value) -> str:
    return ui.value_text(value, "円")


def fy_span(a, b) -> str:
    if a is None:
        return "―"
    return fy(a) if a == b else f"{fy(a)}～{fy(b)}"


def pick_tree_plan():
    """The KPI plan of the tree: the shared plan picker (URL key `plan`), so the choice carries across pages."""
    with ui.filter_bar():
        return ui.plan_picker(label="KPIの計画", only_with_kpis=True)


all_initiatives = ui.run("initiatives_list")
ap_plans = all_initiatives.select("plan_id", "plan").unique(maintain_order=True)

with ui.filter_bar():
    f1, f2, f3 = st.columns([3, 2, 3])
ap_plan = None
if ap_plans.height > 1:
    ap_label = f1.selectbox("施策の計画", ap_plans["plan"].to_list(), key="ap", bind="query-params")
    ap_plan = ap_plans.filter(pl.col("plan") == ap_label)["plan_id"][0]
elif ap_plans.height == 1:
    f1.markdown(f"**施策の計画**  \n{fmt.md(ap_plans['plan'][0])}")
in_plan = ui.run("initiatives_list", plan=ap_plan)
departments = sorted(set(in_plan["departments"].explode().drop_nulls().to_list())) if in_plan.height else []
dept = f2.selectbox("担当", [ALL_DEPTS] + departments, key="dept", bind="query-params",
                    help="複数の課が担当する施策は、どの課を選んでも表示されます")
initiatives = ui.run("initiatives_list", plan=ap_plan, department=None if dept == ALL_DEPTS else dept)
codes = initiatives["code"].to_list()
# options are the bare 施策番号 so a copied link stays valid (the URL holds the option text)
pick = f3.selectbox("施策番号", [ALL_INITIATIVES] + codes, key="initiative", bind="query-params")
chosen = initiatives if pick == ALL_INITIATIVES else initiatives.filter(pl.col("code") == pick)
if pick != ALL_INITIATIVES:
    f3.caption(fmt.md(charts.shorten(chosen["title"][0], 60)))
ids = chosen["initiative_id"].to_list()
# the action plan's document and pages; each row's own section is in its 出典 column
ap_source = (chosen["plan_source"][0] if chosen["plan_source"][0] else citations.combined_source(chosen["source"], heads=ui.source_heads())) \
    if chosen.height else ""

tabs = st.tabs(["施策一覧", "ロードマップ", "予算", "KGI→KPI→施策", "対応のないKPI・施策"], key="view", bind="query-params")
tab_list, tab_roadmap, tab_budget, tab_tree, tab_unlinked = tabs
no_initiatives = "施策のデータがありません（表示中のデータセットに施策が含まれていません）。"

if tab_list.open is not False:
    with tab_list:
        if chosen.is_empty():
            st.info(no_initiatives)
        else:
            budgets = ui.run("initiatives_budgets", plan=ap_plan, initiatives=ids)
            total = charts.budget_segments(budgets)["amount_yen"].sum()
            m = st.columns(3)
            m[0].metric("施策", f"{chosen.height} 件")
            m[1].metric("予算の合計（重複掲載は1回）", yen(total) if budgets.height else "―",
                        help="各施策の予算欄に書かれた額の合計。同じ事業が複数の施策に載っている場合は1回だけ数えています。")
            m[2].metric("KPIと対応のある施策", f"{(chosen['kpi_count'] > 0).sum()} / {chosen.height} 件")
            st.dataframe(chosen.select(
                pl.col("code").alias("施策番号"),
                pl.col("title").alias("施策"),
                pl.col("department").alias("担当"),
                pl.when(pl.col("budget_listed_yen").is_null()).then(pl.lit("―")).otherwise(pl.concat_str([
                    fmt.value("budget_listed_yen", "円"), pl.lit("（"),
                    fmt.fiscal_span("budget_fy_from", "budget_fy_to", ui.western_years()), pl.lit("）")]))
                .alias("予算（掲載額の計）"),
                fmt.fiscal_span("roadmap_fy_from", "roadmap_fy_to", ui.western_years()).alias("ロードマップ"),
                pl.col("kpi_names").fill_null("（対応するKPIなし）").alias("対応するKPI"),
                pl.col("source").alias("出典"),
            ), hide_index=True, width="stretch", column_config={
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
                    evaluated = ui.evaluate()
                    judged = dict(zip(evaluated["kpi_id"].to_list(), evaluated["status"].to_list()))
                    st.markdown("**対応するKPI**")
                    for k in links.iter_rows(named=True):
                        st.markdown(f"- {fmt.md(k['kpi_name'])}（{fmt.md(k['plan'])}・{fmt.md(k['area_name'] or '')}）："
                                    f"{fmt.md(status.label(judged.get(k['kpi_id'])))}　**［{fmt.md(BASIS.get(k['basis'], k['basis']))}］**")
                        if k["basis"] == "reading":
                            st.caption("読み取りの根拠: " + fmt.md(k["note"]))
                else:
                    st.markdown("**対応するKPI**: なし")
                facts = ui.run("initiatives_facts", initiatives=ids)
                if facts.height:
                    st.markdown("**施策に関する数値**")
                    st.dataframe(facts.select(
                        pl.col("label").alias("項目"),
                        fy_label("fiscal_year").alias("年度"),
                        pl.col("original_text").alias("原文"),
                        pl.col("note").alias("注"),
                        pl.col("source").alias("出典"),
                    ), hide_index=True, width="stretch")
                    ui.source_caption(citations.combined_source(facts["source"], heads=ui.source_heads()))

if tab_roadmap.open is not False:
    with tab_roadmap:
        roadmap = ui.run("initiatives_roadmap", plan=ap_plan, initiatives=ids) if ids else pl.DataFrame()
        if roadmap.is_empty():
            st.info(no_initiatives if chosen.is_empty() else "ロードマップの記載がありません。")
        else:
            source = f"{ap_source} 各施策のロードマップ（箇所は表の「出典」列）"
            fig = charts.roadmap_figure(roadmap, source=source, western_years=ui.western_years(),
                                              large=ui.presenting())
            ui.chart(fig, key="initiatives_roadmap_chart")
            st.caption("行は取組の系統（「電子入札システム：運用」の「：」の前）、帯の文字は段階です。"
                       "原本（PDF抽出テキスト）では列の位置が崩れており、年度への割付の多くは当方の読み（推定）です。各行の注は下の表にあります。")
            ui.source_caption(source)
            with st.expander("ロードマップを表で見る（年度・取組主体・注）"):
                st.dataframe(roadmap.select(
                    pl.col("code").alias("施策番号"),
                    fy_label("fiscal_year").alias("年度"),
                    pl.col("actor").alias("取組主体"),
                    pl.col("step").alias("取組"),
                    pl.col("note").alias("注（読み方）"),
                    pl.col("source").alias("出典"),
                ), hide_index=True, width="stretch")
                ui.source_caption(source)

if tab_budget.open is not False:
    with tab_budget:
        budgets = ui.run("initiatives_budgets", plan=ap_plan, initiatives=ids) if ids else pl.DataFrame()
        if budgets.is_empty():
            st.info(no_initiatives if chosen.is_empty() else "予算の記載がありません。")
        else:
            segments = charts.budget_segments(budgets)
            shared = budgets.filter(pl.col("listed_under") > 1).unique(["fiscal_year", "program", "amount_yen"],
                                                                        maintain_order=True)
            years = budgets["fiscal_year"].drop_nulls()
            cols = st.columns(3)
            cols[0].metric("予算の合計（重複掲載は1回）", yen(segments["amount_yen"].sum()))
            era = lambda y: fy(y).split("（")[0]  # noqa: E731 — R3, or 2021 with the Western-years setting
            cols[1].metric("年度", f"{era(years.min())}～{era(years.max())}" if years.len() else "―",
                           help=fy_span(years.min(), years.max()) if years.len() else None)
            cols[2].metric("複数の施策に載っている事業", f"{shared.height} 件")
            source = f"{ap_source} 各施策の予算の記載（箇所は表の「出典」列）"
            fig = charts.budget_figure(budgets, source=source, western_years=ui.western_years())
            ui.chart(fig, key="initiatives_budget_chart")
            for r in shared.iter_rows(named=True):
                st.info(f"「{fmt.md(r['program'])}」（{ui.fy(r['fiscal_year'])}、{fmt.md(yen(r['amount_yen']))}）は "
                        f"{fmt.md(r['listed_codes'])} の複数の施策に掲載されています。合計では1回だけ数え、グラフでは「共通」として示します。",
                        icon=":material/info:")
            st.caption("金額は各施策の予算欄の記載（当初予算等）です。年度の明記がない金額の年度は当方の読みで、表の「注」に記しています。")
            ui.source_caption(source)
            st.dataframe(budgets.select(
                fy_label("fiscal_year").alias("年度"),
                pl.col("code").alias("施策番号"),
                pl.col("program").alias("事業"),
                fmt.value("amount_yen", "円").alias("金額"),
                pl.col("original_text").alias("原文"),
                pl.when(pl.col("listed_under") > 1).then(pl.col("listed_codes") + pl.lit(" に重複掲載"))
                .otherwise(pl.lit("")).alias("重複"),
                pl.col("note").alias("注"),
                pl.col("source").alias("出典"),
            ), hide_index=True, width="stretch")
            ui.source_caption(source)

if tab_tree.open is not False:
    with tab_tree:
        plan = pick_tree_plan()
        if plan is None:
            st.info("KPIのある計画がありません。")
        else:
            rows = ui.run("initiatives_tree", plan=plan["plan_id"])
            evaluated = ui.evaluate(plan=plan["plan_id"])
            nodes = tree.build(rows, evaluated)
            ui.context_line(f"{plan['plan']}（{plan['entity']}）の KGI → KPI → 施策｜"
                            f"判定方式: {status.METHOD_LABELS[ui.method()]}")
            linked_ids = rows["initiative_id"].drop_nulls().unique().to_list()
            # initiatives of the same action plan(s) that serve no KPI at all, drawn apart
            unlinked = tree.initiatives_without_kpi(
                all_initiatives.filter(pl.col("plan_id").is_in(
                    all_initiatives.filter(pl.col("initiative_id").is_in(linked_ids))["plan_id"].unique().to_list())))
            kpi_count = int((nodes["level"] == "kpi").sum())
            st.graphviz_chart(charts.tree_dot(nodes, unlinked, fontsize=16 if ui.presenting() else 11),
                              width="stretch")
            st.caption("KGI（計画のビジョン）→ 分野・戦略の柱 → KPI（枠の色・記号は進捗判定）→ 施策。"
                       "破線の矢印は文書に対応の記載がなく当方が読み取った対応、実線は文書に記載のある対応です。")
            link_sources = citations.combined_source(rows["link_source"].drop_nulls().unique(maintain_order=True), 60,
                                                        heads=ui.source_heads())
            plan_source = f"{plan['plan']}（{plan['entity']}）の計画・KPI"
            ui.source_caption(plan_source + (f"／施策との対応: {link_sources}" if link_sources else ""))
            if kpi_count > 40:
                st.caption(f"KPIが {kpi_count} 件あるため図が縦に長くなります。文字の一覧は下にあります。")
            with st.expander("ツリーを文字で見る（対応の出典つき）"):
                lines = []
                for depth, n in tree.outline(nodes):
                    text = fmt.md(f"{n['code']} {n['label']}".strip())
                    if n["level"] == "kpi":
                        text += " — " + fmt.md(status.label(n["status"]))
                    elif n["level"] == "initiative":
                        text += fmt.md(f"（{n['detail']}）[{BASIS.get(n['basis'], n['basis'] or '')}]"
                                       + (f" — 出典: {n['source']}" if n["source"] else ""))
                    elif n["level"] == "kgi":
                        text = f"**KGI: {fmt.md(n['label'])}** — {fmt.md(n['detail'])}"
                    lines.append("  " * depth + "- " + text)
                st.markdown("\n".join(lines))

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
                lonely = tree.kpis_without_initiative(rows, evaluated)
                total_kpis = rows["kpi_id"].drop_nulls().n_unique()
                st.metric("対応する施策のないKPI", f"{lonely.height} / {total_kpis} 件")
                st.dataframe(lonely.select(
                    pl.col("area").alias("分野"), pl.col("item_code").alias("項目"), pl.col("kpi_name").alias("指標名"),
                    status.label_expr().alias("判定"),
                ), hide_index=True, width="stretch")
                ui.source_caption(f"{plan['plan']}（{plan['entity']}）の KPI と initiative_kpis（施策とKPIの対応）")
        with c2:
            st.subheader("KPIと対応していない施策")
            lonely_initiatives = tree.initiatives_without_kpi(initiatives)
            if initiatives.is_empty():
                st.info(no_initiatives)
            else:
                st.metric("対応するKPIのない施策", f"{lonely_initiatives.height} / {initiatives.height} 件")
                st.dataframe(lonely_initiatives.select(
                    pl.col("code").alias("施策番号"), pl.col("title").alias("施策"), pl.col("department").alias("担当"),
                    pl.col("source").alias("出典"),
                ), hide_index=True, width="stretch")
                ui.source_caption(f"{ap_source}、施策とKPIの対応（initiative_kpis）")
        st.caption("施策とKPIの対応は、文書に記載があるもの（文書に記載）と、記載がなく当方が読み取ったもの（読み取り）があります。"
                   "委員会の要望（001）: 各施策がKPIと因果的につながっているかを確認できるようにする。")
