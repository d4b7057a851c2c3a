"""比較 — How do these entities, these years compare?"""
import streamlit as st

from kpiboard import format as fmt
from kpiboard import charts, status, ui, views

ui.page_header("比較", "自治体と自治体、年度と年度を並べる: 判定の内訳、進捗率、同じ指標の推移、ランキング、地図、判定の変化")

SHARE = views.SHARE
ALL_AREAS = "すべての分野"
ALL_PREFECTURES = "すべての都道府県"
PUBLISHED = "公表統計（全国）"
tab_entities, tab_years, tab_published = st.tabs(["自治体の比較", "年度の比較", PUBLISHED], key="view",
                                                 bind="query-params")

with tab_entities:
    if tab_entities.open is not False:
        everyone = ui.entities()
        types = views.entity_types(everyone)
        bar = ui.filter_bar()
        with bar:
            c1, c2, c3, c4 = st.columns([2, 3, 2, 2])
            etype = c1.selectbox("比べる単位", types, format_func=ui.ENTITY_TYPE_JA.get, key="etype", bind="query-params",
                                 placeholder=ui.PICK)
            prefecture = None
            if etype == "municipality":  # 1,741 names: narrowed to one prefecture first
                prefecture = c1.selectbox("都道府県で絞り込み", [ALL_PREFECTURES] + views.municipality_prefectures(everyone),
                                          key="pref", bind="query-params", placeholder=ui.PICK)
                prefecture = None if prefecture == ALL_PREFECTURES else prefecture
            pool = views.entity_pool(everyone, etype, prefecture)
            names = views.entity_names(pool)
            highlight = c2.selectbox("強調する自治体", names, index=views.default_highlight(names), key="hl", bind="query-params",
                                     help="ランキング・地図・グラフで色と太字で示します", placeholder=ui.PICK)
            year = ui.year_picker(container=c3)
            method = ui.method_picker(c4)
            # Each unit keeps its own choice: back from 連携中枢都市圏, the prefectures set side by side are still there.
            kept = [n for n in st.session_state.setdefault("_ents_by_unit", {}).get(etype, []) if n in names]
            chosen = st.multiselect("並べる自治体", names, default=kept or views.default_entities(names, highlight),
                                    key=f"ents_{etype}", bind="query-params", max_selections=15,
                                    placeholder="自治体を選ぶ（最大15）")
            st.session_state["_ents_by_unit"][etype] = chosen
        if not chosen:
            chosen = [highlight]
        ui.context_line(f"{ui.ENTITY_TYPE_JA[etype]} {len(chosen)} 件を比較｜強調: {highlight}｜"
                        f"評価年度: {ui.LATEST if year is None else ui.fy(year)}｜判定方式: {status.METHOD_LABELS[method]}")

        # Only what is drawn is read: every KPI of the ≤15 chosen, one row per entity of the pool (kept verdicts at
        # the defaults; judged live for a chosen year or other bands).
        in_pool = views.pool_filter(pool, etype, narrowed=prefecture is not None)
        with st.spinner("判定を集計しています…"):
            picked = ui.evaluate(eval_year=year, entity_ids=views.entity_ids(pool, chosen))
            rollup = views.with_codes(ui.judged("entity_rollup", eval_year=year, on_track=status.ON_TRACK,
                                                undetermined=status.UNDETERMINED, **in_pool), pool)
        source = "各自治体の計画の KPI・基準値・目標値・実績値（判定は「判定の方式と基準」による）" + (
            "。合成データ（架空の数値）" if ui.is_synthetic() else "")
        indicators = ui.run("shared_indicators", entity_type=etype)

        judged_any = views.any_judged(picked)
        if not judged_any and indicators.is_empty():
            st.info("この単位の自治体には、判定できる KPI（実績値のある KPI）も、共通の指標もありません。判定の内訳だけを表示します。"
                    f"都道府県どうしの公表統計（ランキング・地図・推移）は「{PUBLISHED}」タブで比べられます。")

        # 1. Status mix per entity (for one area or all)
        st.subheader("判定の内訳")
        area_names = views.area_names(picked)
        with bar:
            area = st.selectbox("分野（判定の内訳・進捗率）", [ALL_AREAS] + area_names, key="area", bind="query-params",
                                placeholder=ui.PICK)
        in_area = views.in_area(picked, None if area == ALL_AREAS else area)
        ui.chart(charts.status_bar_figure(in_area, group="entity", method=method, normalise=True, highlight=highlight,
                                          title=f"自治体別の判定の内訳（{area}）", source=source), key="cmp_mix")

        # 2. Area × entity (only where something could be judged; else every cell would be empty)
        if judged_any and 1 < len(area_names) <= 30:
            ui.chart(charts.share_heatmap_figure(picked, rows="area", cols="entity", highlight=highlight,
                                                 title="分野別・順調以上の割合", source=source), key="cmp_heat")

        # 3. Progress ratios
        st.subheader("進捗率")
        if method == "abnf":
            st.caption("進捗率は期待値方式の値です（A/B/N/F 方式でも比較のために表示します）。")
        if views.has_progress(in_area):
            ui.chart(charts.progress_figure(in_area, group="entity", bands=ui.bands(), highlight=highlight,
                                            title=f"KPIごとの進捗率（{area}）", source=source), key="cmp_progress")
        else:
            st.info("進捗率を計算できる KPI がありません（実績値が未登録）。")
        ui.show_table(views.entity_summary_table(views.of_entities(rollup, chosen)), source)

        # 4. The same indicator, entity by entity
        st.subheader("同じ指標の推移")
        indicator = None
        if indicators.is_empty():
            st.info(f"{ui.ENTITY_TYPE_JA[etype]}の間で共通の指標（同じ指標を測る KPI）がありません。")
        else:
            ind_labels = views.indicator_labels(indicators)
            i1, i2 = ui.columns([3, 1])
            indicator = ui.id_picker("指標", ind_labels, key="ind", container=i1)
            indexed = i2.toggle("基準年 = 100 で比べる", key="idx", bind="query-params",
                                help="規模の違う自治体を、基準年からの伸びで比べます")
            shown = views.of_entities(ui.run("indicator_series", indicator_id=indicator, entity_type=etype), chosen)
            name = views.indicator_name(indicators, indicator)
            ui.chart(charts.indicator_lines_figure(shown, highlight=highlight, western_years=ui.western_years(),
                                                   index=indexed, title=f"{name} の推移",
                                                   source=views.lines_source(shown, source)),
                     key="cmp_lines")

        # 5. Ranking of every entity of this kind
        st.subheader("ランキング")
        measure = st.selectbox("順位をつける値", views.ranking_measures(name if indicator else None), key="rank",
                               bind="query-params", placeholder=ui.PICK)
        by_indicator = None
        if indicator is not None and measure != SHARE:
            by_indicator = views.with_codes(ui.judged("indicator_by_entity", indicator_id=indicator, eval_year=year,
                                                      **in_pool), pool)
        ranking = views.ranking(rollup, measure, by_indicator)
        ranked = ranking.ranked
        if ranked.is_empty():
            st.info("順位をつけられる値がありません（判定できる KPI がない、または実績値が未登録）。")
        else:
            shown_rank = views.short_ranking(ranked, highlight)
            note = "" if shown_rank.height == ranked.height else f"（全 {ranked.height} 件のうち上位・強調した自治体の前後・下位を表示）"
            ui.chart(charts.ranking_figure(shown_rank, value=ranking.value, value_label=ranking.value_label,
                                           highlight=highlight, unit=ranking.unit, percent=ranking.percent,
                                           title=f"{measure} のランキング{note}", source=source), key="cmp_rank")

        # 6. Prefectures on a tile grid map
        if etype == "prefecture":
            st.subheader("都道府県タイルマップ")
            hl_code = views.entity_code(pool, highlight)
            if by_indicator is None:
                fig = charts.tile_map_figure(views.share_tiles(rollup), color_by="value", highlight_code=hl_code,
                                             title=f"{SHARE}（都道府県別）", source=source, legend_title="順調以上<br>（%）")
            else:
                fig = charts.tile_map_figure(views.status_tiles(by_indicator), color_by="status",
                                             highlight_code=hl_code, title=f"{name} の判定（都道府県別）", source=source)
            ui.chart(fig, key="cmp_map")
            st.caption("タイルマップ: 各都道府県を同じ大きさの正方形でおおよその位置に並べた図です（境界は正確ではありません）。")

with tab_years:
    if tab_years.open:
        with ui.filter_bar():
            method = ui.method_picker()
            c1, c2, c3, c4 = st.columns([2, 4, 2, 2])
            entity = ui.entity_picker(container=c1)
            plan = ui.plan_picker(entity, only_with_kpis=True, container=c2)
            years = views.fiscal_years(ui.run("plan_years", plan=plan["plan_id"])) if plan else []
            if len(years) >= 2:
                ya = ui.year_choice("前の年度（A）", years, index=1, key="ya", container=c3)
                yb = ui.year_choice("後の年度（B）", years, index=0, key="yb", container=c4)
        if plan is None:
            st.info("KPI のある計画がありません。")
        elif len(years) < 2:
            have = f"実績値のある年度は {ui.fy(years[0])} だけです" if years else "実績値のある年度がありません"
            st.info(f"「{fmt.md(plan['plan'])}」には{have}。年度の比較には実績のある年度が 2 つ以上必要です。")
        else:
            ui.context_line(f"{plan['plan']}（{plan['entity']}）｜{ui.fy(ya)} → {ui.fy(yb)}｜判定方式: {status.METHOD_LABELS[method]}")
            before = ui.evaluate(plan=plan["plan_id"], eval_year=ya)
            after = ui.evaluate(plan=plan["plan_id"], eval_year=yb)
            crosstab, changes = views.transitions(before, after, method)
            counts = views.change_counts(changes)
            cols = st.columns(4)
            for col, (word, n) in zip(cols, counts.items()):
                col.metric(word, f"{n} 件", border=True)
            source = f"{plan['plan']}（{plan['entity']}）の KPI・実績値（判定は「判定の方式と基準」による）"
            ui.chart(charts.transition_figure(crosstab, before=f"A: {ui.fy(ya)}", after=f"B: {ui.fy(yb)}", method=method,
                                              title=f"判定の変化（{ui.fy(ya)} → {ui.fy(yb)}、件数）", source=source),
                     key="cmp_transition")
            label_a, label_b = f"A: {ui.fy(ya)}", f"B: {ui.fy(yb)}"
            ui.chart(charts.status_bar_figure(views.years_side_by_side(before, after, label_a, label_b), group="年度",
                                              method=method, title="判定の内訳（年度別）", source=source),
                     key="cmp_years_mix")
            st.subheader("KPI ごとの変化")
            ui.show_table(views.changes_table(changes, label_a, label_b), source)

with tab_published:
    if tab_published.open:
        complete = views.complete_dates(ui.run("series_dates"))
        if complete.is_empty():
            st.info("47都道府県がそろった公表統計がありません（データの reference_series）。")
            st.stop()
        linked = ui.run("series_kpis")
        prefectures = views.prefecture_names(ui.entities())
        with ui.filter_bar():
            p1, p2, p3, p4 = st.columns([3, 2, 2, 2])
            indicator = p1.selectbox("公表統計", views.series_indicators(complete), key="series", bind="query-params",
                                     placeholder=ui.PICK)
            # the URL holds the date as the picker shows it (2022年12月31日); the queries take ISO dates
            iso = views.series_days(complete, indicator)
            days = list(iso)  # newest first
            highlight = p2.selectbox("強調する都道府県", prefectures, index=views.series_highlight(linked, indicator, prefectures),
                                     key="series_hl",
                                     bind="query-params", help="ランキング・地図・推移で色と太字で示します", placeholder=ui.PICK)
            day = iso[p3.selectbox("日付", days, index=0, key="series_date", bind="query-params",
                                   help="47都道府県すべての値が公表された日付", placeholder=ui.PICK)]
            earlier = views.earlier_days(iso, day)
            since = iso[p4.selectbox("比べる前の日付", earlier, index=min(len(earlier) - 1, 3), key="series_from",
                                     bind="query-params", placeholder=ui.PICK)] if earlier else None
        unit = views.series_unit(complete, indicator)
        ui.context_line(f"{indicator}｜{fmt.date_ja(day)} 時点の47都道府県｜強調: {highlight}")
        ranking = ui.run("series_ranking", indicator=indicator, as_of=day)
        source = views.published_source(ranking)

        st.subheader("47都道府県のランキング")
        ui.chart(charts.ranking_figure(ranking, value="value", value_label=indicator, highlight=highlight, unit=unit,
                                       title=f"{indicator}（{fmt.date_ja(day)}）", source=source), key="pub_rank")

        st.subheader("都道府県タイルマップ")
        ui.chart(charts.tile_map_figure(views.published_tiles(ranking), color_by="value",
                                        highlight_code=views.entity_code(ranking, highlight),
                                        decimals=1, title=f"{indicator}（{fmt.date_ja(day)}、都道府県別）",
                                        source=source, legend_title=f"{indicator[:12]}<br>（{unit}）"),
                 key="pub_map")

        if since:
            st.subheader("2つの日付の間の変化")
            change = ui.run("series_change", indicator=indicator, from_date=since, to_date=day)
            ui.chart(charts.ranking_figure(change, value="change", value_label=f"{indicator}の変化", highlight=highlight,
                                           unit="ポイント", title=f"{fmt.date_ja(since)} → {fmt.date_ja(day)} の変化（ポイント）",
                                           source=source), key="pub_change")
            ui.show_table(views.series_change_table(change, unit, fmt.date_ja(since), fmt.date_ja(day)), source)

        st.subheader("計画の KPI と全国の値")
        national = ui.run("series_national", indicator=indicator, entity=highlight)
        kpi = views.series_kpi(linked, indicator, highlight)
        points = ui.run("series_kpi_points", kpi_id=kpi["kpi_id"]) if kpi else None
        ui.chart(charts.national_lines_figure(national, entity=highlight, kpi=kpi, points=points, unit=unit,
                                              title=f"{indicator}: {highlight}と全国の中央値・最も高い都道府県",
                                              source=source), key="pub_lines")
        if kpi is None:
            st.caption(f"{highlight}の計画には、この統計を実績とする KPI がありません（線は公表値のみ）。")
        else:
            years = views.actual_years(points)
            verdicts = ui.evaluate(kpi_id=kpi["kpi_id"], eval_years=years) if years else None
            st.caption(f"「{kpi['kpi_name']}」（{kpi['plan']}）の実績値は、この統計の各年度内で最も新しい日付の値です。")
            if verdicts is not None and verdicts.height:
                ui.show_table(views.verdict_table(verdicts, unit, ui.western_years()), source)
        st.caption("中央値・最も高い都道府県は、47都道府県すべての値が公表された日付だけで計算しています。")
        ui.show_table(views.series_ranking_table(ranking, unit), source, max_rows=47)
