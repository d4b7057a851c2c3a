"""データ — KPIと観測値の一覧（絞り込み・CSV/Excel ダウンロード）"""
import datetime

import streamlit as st

from kpiboard import downloads, schema, status, tabular, ui, views
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
areas = views.plan_areas(options, plan_id)
area_name = c3.selectbox("分野", [ALL_AREAS] + views.area_names_of(areas), key="area", bind="query-params",
                         disabled=plan_id is None, help="計画を選ぶと分野で絞り込めます", placeholder=ui.PICK)
area_code = None if plan_id is None or area_name == ALL_AREAS else views.area_code(areas, area_name)

kinds = c4.multiselect("値の種類", list(schema.VALUE_KINDS), format_func=schema.VALUE_KIND_JA.get, key="kind",
                       bind="query-params", placeholder="すべて")
years = views.filter_years(options)
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
# The matching KPIs as ids and counts alone; one page of them is read in full, with its observations and verdicts
# (every municipality's plans are 64 million values: the page never holds them).
listing = ui.run_over("data_kpis", "SELECT kpi_id, observation_count FROM q", **params)
plan_total = int(ui.run_over("data_kpis", "SELECT count(DISTINCT plan_id) AS plans FROM q", **params)["plans"][0])
pages = views.page_count(listing.height, views.PAGE_KPIS)
page_no = 1
if pages > 1:
    page_no = st.number_input(f"ページ（全 {pages:,} ページ、1ページ {views.PAGE_KPIS} KPI）", min_value=1, max_value=pages,
                              value=1, step=1, key="page", bind="query-params")
shown_ids = views.page_ids(listing, page_no, views.PAGE_KPIS)
kpis = ui.run("data_kpis", kpi_ids=shown_ids, **params)
observations = ui.run("data_observations", kpi_ids=shown_ids, **params)
evaluated = ui.evaluate(kpi_ids=shown_ids)
# Downloads keep numbers as numbers (machine-readable); the tables on screen show them the Japanese way.
kpi_view = views.data_kpi_table(kpis, evaluated, ui.western_years())
obs_view = views.data_observation_table(observations, kpi_view, ui.western_years())
m = st.columns(3)
m[0].metric("KPI", f"{listing.height:,} 件")
m[1].metric("観測値", f"{views.observation_total(listing):,} 件")
m[2].metric("計画", f"{plan_total:,} 件")

today = datetime.date.today().strftime("%Y%m%d")
filters_text = "、".join(f"{k}: {v}" for k, v in {
    "自治体・圏域": entity["entity"] if entity else ui.ALL_ENTITIES,
    "計画": ui.plan_label(plan) if plan else ui.ALL_PLANS, "分野": area_name if plan_id else ALL_AREAS,
    "値の種類": views.value_kind_names(kinds) or "すべて",
    "年度": f"{ui.fy(fy_from)}～{ui.fy(fy_to)}" if fy_from else "すべて", "文字": text or "なし"}.items())
notes = views.data_notes(filters_text, status.method_explanation(method, ui.bands()), ui.is_synthetic(),
                         ui.data_version(), datetime.date.today())
on, mostly, slightly = ui.bands()


def ticket(kind: str, file_name: str) -> downloads.Ticket:
    return downloads.Ticket(kind, str(ui.data_directory()), ui.data_version(), params,
                            dict(method=method, band_on_track=on, band_mostly=mostly, band_slightly=slightly),
                            ui.western_years(), file_name, notes)


offered = [("KPI一覧（CSV）", ticket("kpis", f"kpi_{today}.csv"), "text/csv"),
           ("観測値（CSV）", ticket("observations", f"observations_{today}.csv"), "text/csv"),
           ("KPIと観測値（Excel）", ticket("xlsx", f"kpi_data_{today}.xlsx"),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")]
for column, (label, order, mime) in zip(st.columns(3), offered):
    if downloads.serving():  # every matching row, streamed by the server as it is read
        column.link_button(label, downloads.issue(order), icon=":material/download:", width="stretch")
    elif views.observation_total(listing) <= views.DOWNLOAD_BUTTON_ROWS:  # no download route: built in memory
        column.download_button(label, data=lambda order=order: downloads.file_bytes(order), file_name=order.file_name,
                               mime=mime, icon=":material/download:", width="stretch")
if not downloads.serving() and views.observation_total(listing) > views.DOWNLOAD_BUTTON_ROWS:
    st.info(f"観測値が {views.DOWNLOAD_BUTTON_ROWS:,} 件を超えるため、この起動方法ではダウンロードできません。"
            "絞り込むか、python -m kpiboard.serve（scripts/start.sh）で起動してください。")
st.caption("CSV は UTF-8（BOM付き）で Excel でそのまま開けます。Excel ファイルには絞り込み条件と判定方式の説明シートが付きます"
           f"（Excel は1シート {tabular.SHEET_ROWS:,} 行まで、超える行は次のシートに続きます）。")


def show_rows(table, screen, empty: str, column_config: dict) -> None:
    """A tab's table: one page of KPIs (every row is in the downloads), and what was left out."""
    if table.is_empty():
        st.info(empty)
    st.dataframe(screen, hide_index=True, width="stretch", column_config=column_config)
    for note in (views.page_note(listing, page_no, views.PAGE_KPIS, kpi_view.height), views.cut_note(table)):
        if note:
            st.caption(note)


tab_kpis, tab_obs, tab_history = st.tabs(["KPI", "観測値", "更新履歴"], key="view", bind="query-params")
if tab_kpis.open is not False:
    with tab_kpis:
        show_rows(kpi_view, views.data_kpi_screen(kpi_view), "条件に合う KPI はありません。絞り込みを緩めてください。", {
            "指標名": st.column_config.TextColumn(width="large", pinned=True),
            "判定": st.column_config.TextColumn(width="medium"),
            "単位": None, "kpi_id": None,
        })
        st.caption(status.method_explanation(method, ui.bands()))
        ui.source_caption("各行の「出典」列。判定は「判定の方式と基準」による")
if tab_obs.open is not False:
    with tab_obs:
        show_rows(obs_view, views.data_observation_screen(obs_view), "条件に合う観測値はありません。絞り込みを緩めてください。", {
            "指標名": st.column_config.TextColumn(width="large", pinned=True),
            "種類": st.column_config.TextColumn(width="small"),
            "単位": None, "年度（西暦）": None, "kpi_id": None,
        })
        st.caption("「原文」は資料の書き方のまま、「値」はそれを読み取った数値です。")
        ui.source_caption("各行の「出典」列")
if tab_history.open is not False:
    with tab_history:
        history = ui.run("store_history", limit=500)
        if history.is_empty():
            st.info("まだ更新の記録がありません。")
        else:
            st.dataframe(views.store_history_table(history), hide_index=True, width="stretch",
                         column_config={"内容": st.column_config.TextColumn(width="large")})
            # A past day's data, exactly as it was (what a committee saw): the same as the sidebar's 表示する時点.
            days = history["written_on"].unique(maintain_order=True).to_list()
            chosen = st.selectbox("この日の時点で表示する", days, index=None, placeholder="日付を選ぶ", key="history_day")
            if chosen:
                st.button(f"{chosen} の時点で表示", key="history_show", icon=":material/history:",
                          on_click=lambda day=chosen: ui.hold(as_of=day))
        ui.source_caption("DuckLake のスナップショット（取込・編集・作成のたびに1つ、実行者と内容つき）")
