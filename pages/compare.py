"""比較 — How do these entities, these years compare?"""
import polars as pl
import streamlit as st

from kpiboard import format as fmt
from kpiboard import charts, comparison, status, ui

ui.page_header("比較", "自治体と自治体、年度と年度を並べる: 判定の内訳、進捗率、同じ指標の推移、ランキング、地図、判定の変化")

SHARE = "順調以上の割合（全KPI）"
MEASURES = {"progress_ratio": "進捗率", "achievement_rate": "達成率", "actual_value": "実績値"}
MAX_BARS = 50  # a ranking longer than this shows the top, the highlighted entity's neighbours and the bottom

PUBLISHED = "公表統計（全国）"
tab_entities, tab_years, tab_published = st.tabs(["自治体の比較", "年度の比較", PUBLISHED], key="view",
                                                 bind="query-params")


def _short_ranking(ranked: pl.DataFrame, highlight: str | None) -> pl.DataFrame:
    if ranked.height <= MAX_BARS:
        return ranked
    pos = ranked["entity"].to_list().index(highlight) if highlight in ranked["entity"].to_list() else -10
    keep = [i < 20 or abs(i - pos) <= 2 or i >= ranked.height - 5 for i in range(ranked.height)]
    return ranked.filter(pl.Series(keep))


with tab_entities:
    if tab_entities.open is not False:
        everyone = ui.entities()
        types = [t for t in ("prefecture", "region", "municipality", "nation") if t in everyone["entity_type"].to_list()]
        bar = ui.filter_bar()
        with bar:
            c1, c2, c3, c4 = st.columns([2, 3, 2, 2])
            etype = c1.selectbox("比べる単位", types, format_func=ui.ENTITY_TYPE_JA.get, key="etype", bind="query-params")
            pool = everyone.filter(pl.col("entity_type") == etype)
            names = pool["entity"].to_list()
            default_hl = next((i for i, n in enumerate(names) if n.startswith("富山")), 0)
            highlight = c2.selectbox("強調する自治体", names, index=default_hl, key="hl", bind="query-params",
                                     help="ランキング・地図・グラフで色と太字で示します")
            year = ui.year_picker(container=c3)
            method = ui.method_picker(c4)
            default_set = names if len(names) <= 8 else [highlight] + [n for n in names if n != highlight][:4]
            chosen = st.multiselect("並べる自治体", names, default=default_set, key="ents", bind="query-params",
                                    max_selections=15, placeholder="自治体を選ぶ（最大15）")
        if not chosen:
            chosen = [highlight]
        ui.context_line(f"{ui.ENTITY_TYPE_JA[etype]} {len(chosen)} 件を比較｜強調: {highlight}｜"
                        f"評価年度: {ui.LATEST if year is None else ui.fy(year)}｜判定方式: {status.METHOD_LABELS[method]}")

        with st.spinner("判定を集計しています…"):
            everything = ui.evaluate(eval_year=year)
        pool_eval = everything.filter(pl.col("entity_type") == etype).join(
            pool.select("entity_id", "code"), on="entity_id", how="left")
        picked = pool_eval.filter(pl.col("entity").is_in(chosen))
        source = "各自治体の計画の KPI・基準値・目標値・実績値（判定は「判定の方式と基準」による）" + (
            "。合成データ（架空の数値）" if ui.is_synthetic() else "")
        indicators = ui.run("shared_indicators", entity_type=etype)

        if picked["status"].is_in(comparison.UNDETERMINED).all() and indicators.is_empty():
            st.info("この単位の自治体には、判定できる KPI（実績値のある KPI）も、共通の指標もありません。判定の内訳だけを表示します。"
                    f"都道府県どうしの公表統計（ランキング・地図・推移）は「{PUBLISHED}」タブで比べられます。")

        # 1. Status mix per entity (for one area or all)
        st.subheader("判定の内訳")
        area_names = picked["area"].drop_nulls().unique(maintain_order=True).to_list()
        with bar:
            area = st.selectbox("分野（判定の内訳・進捗率）", ["すべての分野"] + area_names, key="area", bind="query-params")
        in_area = picked if area == "すべての分野" else picked.filter(pl.col("area") == area)
        ui.chart(charts.status_bar_figure(in_area, group="entity", method=method, normalise=True, highlight=highlight,
                                          title=f"自治体別の判定の内訳（{area}）", source=source), key="cmp_mix")

        judged_any = not picked["status"].is_in(comparison.UNDETERMINED).all()
        # 2. Area × entity (only where something could be judged; else every cell would be empty)
        if judged_any and 1 < len(area_names) <= 30:
            ui.chart(charts.share_heatmap_figure(picked, rows="area", cols="entity", highlight=highlight,
                                                 title="分野別・順調以上の割合", source=source), key="cmp_heat")

        # 3. Progress ratios
        st.subheader("進捗率")
        if method == "abnf":
            st.caption("進捗率は期待値方式の値です（A/B/N/F 方式でも比較のために表示します）。")
        if in_area["progress_ratio"].is_not_null().any():
            ui.chart(charts.progress_figure(in_area, group="entity", bands=ui.bands(), highlight=highlight,
                                            title=f"KPIごとの進捗率（{area}）", source=source), key="cmp_progress")
        else:
            st.info("進捗率を計算できる KPI がありません（実績値が未登録）。")
        summary = comparison.entity_summary(picked)
        ui.show_table(summary.select(
            pl.col("entity").alias("自治体"), pl.col("kpis").alias("KPI数"), pl.col("judged").alias("判定できたKPI"),
            pl.col("on_track").alias("順調以上"),
            *[fmt.ratio(c).alias(name)
              for c, name in (("on_track_share", "順調以上の割合"), ("median_progress", "進捗率の中央値"),
                              ("mean_achievement", "達成率の平均"))]), source)

        # 4. The same indicator, entity by entity
        st.subheader("同じ指標の推移")
        indicator = None
        if indicators.is_empty():
            st.info(f"{ui.ENTITY_TYPE_JA[etype]}の間で共通の指標（同じ指標を測る KPI）がありません。")
        else:
            ind_labels = {r["indicator_id"]: f"{r['kpi_name']}（{r['entities']} 自治体）"
                          for r in indicators.iter_rows(named=True)}
            i1, i2 = ui.columns([3, 1])
            indicator = ui.id_picker("指標", ind_labels, key="ind", container=i1)
            indexed = i2.toggle("基準年 = 100 で比べる", key="idx", bind="query-params",
                                help="規模の違う自治体を、基準年からの伸びで比べます")
            series = ui.run("indicator_series", indicator_id=indicator, entity_type=etype)
            shown = series.filter(pl.col("entity").is_in(chosen))
            name = indicators.filter(pl.col("indicator_id") == indicator)["kpi_name"][0]
            cited = "; ".join(shown["source"].drop_nulls().unique(maintain_order=True).head(2).to_list()) or source
            ui.chart(charts.indicator_lines_figure(shown, highlight=highlight, western_years=ui.western_years(),
                                                   index=indexed, title=f"{name} の推移", source=cited),
                     key="cmp_lines")

        # 5. Ranking of every entity of this kind
        st.subheader("ランキング")
        options = [SHARE] + ([f"{label}（{name}）" for label in MEASURES.values()] if indicator else [])
        measure = st.selectbox("順位をつける値", options, key="rank", bind="query-params")
        if measure == SHARE:
            ranked = comparison.rank(comparison.entity_summary(pool_eval), "on_track_share")
            value, value_label, unit, percent = "on_track_share", SHARE, "", True
        else:
            column = next(c for c, label in MEASURES.items() if measure.startswith(label))
            rows = comparison.indicator_rows(pool_eval, indicator)
            unit = rows["unit"].drop_nulls().mode().to_list()[0] if rows["unit"].drop_nulls().len() else ""
            better_high = column != "actual_value" or rows["direction"].drop_nulls().mode().to_list()[:1] in (
                ["increase"], ["maintain_min"])
            ranked = comparison.rank(rows, column, higher_is_better=better_high)
            value, value_label, percent = column, measure, column != "actual_value"
        if ranked.is_empty():
            st.info("順位をつけられる値がありません（判定できる KPI がない、または実績値が未登録）。")
        else:
            shown_rank = _short_ranking(ranked, highlight)
            note = "" if shown_rank.height == ranked.height else f"（全 {ranked.height} 件のうち上位・強調した自治体の前後・下位を表示）"
            ui.chart(charts.ranking_figure(shown_rank, value=value, value_label=value_label, highlight=highlight,
                                           unit=unit, percent=percent, title=f"{measure} のランキング{note}",
                                           source=source), key="cmp_rank")

        # 6. Prefectures on a tile grid map
        if etype == "prefecture":
            st.subheader("都道府県タイルマップ")
            hl_code = pool.filter(pl.col("entity") == highlight)["code"].to_list()
            if measure == SHARE or indicator is None:
                tiles = comparison.entity_summary(pool_eval).select("entity", "code", pl.col("on_track_share").alias("value"))
                fig = charts.tile_map_figure(tiles, color_by="value", highlight_code=hl_code[0] if hl_code else None,
                                             title=f"{SHARE}（都道府県別）", source=source, legend_title="順調以上<br>（%）")
            else:
                tiles = comparison.indicator_rows(pool_eval, indicator).select("entity", "code", "status")
                fig = charts.tile_map_figure(tiles, color_by="status", highlight_code=hl_code[0] if hl_code else None,
                                             title=f"{name} の判定（都道府県別）", source=source)
            ui.chart(fig, key="cmp_map")
            st.caption("タイルマップ: 各都道府県を同じ大きさの正方形でおおよその位置に並べた図です（境界は正確ではありません）。")

with tab_years:
    if tab_years.open:
        with ui.filter_bar():
            method = ui.method_picker()
            c1, c2, c3, c4 = st.columns([2, 4, 2, 2])
            entity = ui.entity_picker(container=c1)
            plan = ui.plan_picker(entity, only_with_kpis=True, container=c2)
            years = ui.run("plan_years", plan=plan["plan_id"]).get_column("fiscal_year").to_list() if plan else []
            if len(years) >= 2:
                ya = ui.fy_selectbox("前の年度（A）", years, index=1, key="ya", container=c3)
                yb = ui.fy_selectbox("後の年度（B）", years, index=0, key="yb", container=c4)
        if plan is None:
            st.info("KPI のある計画がありません。")
        elif len(years) < 2:
            have = f"実績値のある年度は {ui.fy(years[0])} だけです" if years else "実績値のある年度がありません"
            st.info(f"「{fmt.md(plan['plan'])}」には{have}。年度の比較には実績のある年度が 2 つ以上必要です。")
        else:
            ui.context_line(f"{plan['plan']}（{plan['entity']}）｜{ui.fy(ya)} → {ui.fy(yb)}｜判定方式: {status.METHOD_LABELS[method]}")
            before = ui.evaluate(plan=plan["plan_id"], eval_year=ya)
            after = ui.evaluate(plan=plan["plan_id"], eval_year=yb)
            crosstab, changes = comparison.transitions(before, after, method)
            counts = comparison.change_counts(changes)
            cols = st.columns(4)
            for col, (word, n) in zip(cols, counts.items()):
                col.metric(word, f"{n} 件", border=True)
            source = f"{plan['plan']}（{plan['entity']}）の KPI・実績値（判定は「判定の方式と基準」による）"
            ui.chart(charts.transition_figure(crosstab, before=f"A: {ui.fy(ya)}", after=f"B: {ui.fy(yb)}", method=method,
                                              title=f"判定の変化（{ui.fy(ya)} → {ui.fy(yb)}、件数）", source=source),
                     key="cmp_transition")
            both = pl.concat([before.with_columns(pl.lit(f"A: {ui.fy(ya)}").alias("年度")),
                              after.with_columns(pl.lit(f"B: {ui.fy(yb)}").alias("年度"))], how="diagonal_relaxed")
            ui.chart(charts.status_bar_figure(both, group="年度", method=method, title="判定の内訳（年度別）",
                                              source=source), key="cmp_years_mix")
            st.subheader("KPI ごとの変化")
            ui.show_table(changes.select(
                pl.col("change").alias("変化"), pl.col("area").alias("分野"), pl.col("kpi_name").alias("指標名"),
                status.label_expr("status_before").alias(f"A: {ui.fy(ya)}"),
                status.label_expr("status_after").alias(f"B: {ui.fy(yb)}"),
                fmt.ratio("progress_ratio").alias("進捗率 A"),
                fmt.ratio("progress_after").alias("進捗率 B")),
                source)

with tab_published:
    if tab_published.open:
        dates = ui.run("series_dates")
        complete = dates.filter(pl.col("prefectures") == 47)
        if complete.is_empty():
            st.info("47都道府県がそろった公表統計がありません（データの reference_series）。")
            st.stop()
        linked = ui.run("series_kpis")
        prefectures = ui.entities().filter(pl.col("entity_type") == "prefecture")["entity"].to_list()
        with ui.filter_bar():
            p1, p2, p3, p4 = st.columns([3, 2, 2, 2])
            indicators = complete["indicator"].unique(maintain_order=True).to_list()
            indicator = p1.selectbox("公表統計", indicators, key="series", bind="query-params")
            # the URL holds the date as the picker shows it (2022年12月31日); the queries take ISO dates
            iso = {fmt.date_ja(d): d for d in complete.filter(pl.col("indicator") == indicator)["as_of"].to_list()}
            days = list(iso)  # newest first
            own = linked.filter(pl.col("indicator") == indicator)["entity"].to_list()
            default_hl = prefectures.index(own[0]) if own and own[0] in prefectures else 0
            highlight = p2.selectbox("強調する都道府県", prefectures, index=default_hl, key="series_hl",
                                     bind="query-params", help="ランキング・地図・推移で色と太字で示します")
            day = iso[p3.selectbox("日付", days, index=0, key="series_date", bind="query-params",
                                   help="47都道府県すべての値が公表された日付")]
            earlier = [label for label in days if iso[label] < day]
            since = iso[p4.selectbox("比べる前の日付", earlier, index=min(len(earlier) - 1, 3), key="series_from",
                                     bind="query-params")] if earlier else None
        unit = complete.filter(pl.col("indicator") == indicator)["unit"][0] or ""
        ui.context_line(f"{indicator}｜{fmt.date_ja(day)} 時点の47都道府県｜強調: {highlight}")
        ranking = ui.run("series_ranking", indicator=indicator, as_of=day)
        documents = ranking["document"].drop_nulls().unique(maintain_order=True).to_list()
        urls = ranking["url"].drop_nulls().unique().to_list()
        source = ("; ".join(documents[:2]) + (f" ほか{len(documents) - 2}件" if len(documents) > 2 else "")
                  + (f" {urls[0]}" if len(urls) == 1 else "") + "。各都道府県の公表値をそのまま表示（補間なし）")

        st.subheader("47都道府県のランキング")
        ui.chart(charts.ranking_figure(ranking, value="value", value_label=indicator, highlight=highlight, unit=unit,
                                       title=f"{indicator}（{fmt.date_ja(day)}）", source=source), key="pub_rank")

        st.subheader("都道府県タイルマップ")
        tiles = ranking.select("entity", "code", (pl.col("value") / 100).alias("value"))
        hl_code = ranking.filter(pl.col("entity") == highlight)["code"].to_list()
        ui.chart(charts.tile_map_figure(tiles, color_by="value", highlight_code=hl_code[0] if hl_code else None,
                                        decimals=1, title=f"{indicator}（{fmt.date_ja(day)}、都道府県別）",
                                        source=source, legend_title=f"{indicator[:12]}<br>（{unit}）"),
                 key="pub_map")

        if since:
            st.subheader("2つの日付の間の変化")
            change = ui.run("series_change", indicator=indicator, from_date=since, to_date=day)
            ui.chart(charts.ranking_figure(change, value="change", value_label=f"{indicator}の変化", highlight=highlight,
                                           unit="ポイント", title=f"{fmt.date_ja(since)} → {fmt.date_ja(day)} の変化（ポイント）",
                                           source=source), key="pub_change")
            ui.show_table(change.select(
                pl.col("rank").alias("伸びの順位"), pl.col("entity").alias("都道府県"),
                fmt.value("value_from", unit).alias(fmt.date_ja(since)), fmt.value("value_to", unit).alias(fmt.date_ja(day)),
                fmt.value("change", "ポイント").alias("変化"), pl.col("rank_from").alias("前の順位"),
                pl.col("rank_to").alias("後の順位")), source)

        st.subheader("計画の KPI と全国の値")
        national = ui.run("series_national", indicator=indicator, entity=highlight)
        kpis = linked.filter((pl.col("indicator") == indicator) & (pl.col("entity") == highlight))
        kpi = kpis.row(0, named=True) if kpis.height else None
        points = ui.run("series_kpi_points", kpi_id=kpi["kpi_id"]) if kpi else None
        ui.chart(charts.national_lines_figure(national, entity=highlight, kpi=kpi, points=points, unit=unit,
                                              title=f"{indicator}: {highlight}と全国の中央値・最も高い都道府県",
                                              source=source), key="pub_lines")
        if kpi is None:
            st.caption(f"{highlight}の計画には、この統計を実績とする KPI がありません（線は公表値のみ）。")
        else:
            years = points.filter(pl.col("value_kind") == "actual")["fiscal_year"].to_list()
            verdicts = ui.evaluate(kpi_id=kpi["kpi_id"], eval_years=years) if years else points.head(0)
            st.caption(f"「{kpi['kpi_name']}」（{kpi['plan']}）の実績値は、この統計の各年度内で最も新しい日付の値です。")
            if verdicts.height:
                ui.show_table(verdicts.select(
                    ui.fy_expr("eval_fy").alias("年度"), fmt.value("actual_value", unit).alias("実績値"),
                    fmt.value("expected_value", unit).alias("期待値"), status.label_with_reason_expr().alias("判定")),
                    source)
        st.caption("中央値・最も高い都道府県は、47都道府県すべての値が公表された日付だけで計算しています。")
        ui.show_table(ranking.select(pl.col("rank").alias("順位"), pl.col("entity").alias("都道府県"),
                                     fmt.value("value", unit).alias("値"), pl.col("source").alias("出典"),
                                     pl.col("url").alias("URL")), source, max_rows=47)
