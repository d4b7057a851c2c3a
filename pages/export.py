"""出力 — 会議資料（スライド・配布資料・Webページ・データ・グラフ画像）を作る"""
import streamlit as st

from kpiboard import export, publish, status, store, ui, views
from kpiboard.format import md as fmt_md
from kpiboard.export import browser, figures, png

ui.page_header("出力", "会議に持っていく資料を作ります。どの形式も同じ判定結果・判定方法・出典を載せます。")

# The same pickers (and URL keys) as the other pages, so a view opened elsewhere exports as it is.
entity, plan, year, method, _ = ui.plan_filters()
if plan is None:
    st.info("計画がありません。「データ取込」から計画と KPI を読み込んでください。")
    st.stop()
bands = ui.bands()  # the app-wide bands (sidebar「判定の方式と基準」)
ui.context_line(ui.settings_summary(plan, year))
st.caption(status.method_explanation(method, bands))

has_browser = browser.available()
choices = [f for f in export.FORMATS if f != "png"]
formats = st.multiselect("形式", choices, default=choices, format_func=lambda f: export.FORMATS[f][0], key="export_formats",
                         placeholder=ui.PICK)
if not has_browser:
    st.warning(browser.MISSING + " PDF・A3 進捗管理表・PNG はそれまで作れません（スライド・HTML・xlsx・CSV は作れます）。")
    formats = [f for f in formats if f not in export.NEEDS_BROWSER]

# What the files were made from: when the choice changes, the old files are not offered any more.
settings = (plan["plan_id"], plan["entity_id"], year, method, tuple(bands), ui.data_version(), ui.western_years())


@st.cache_data(show_spinner=False, max_entries=16)
def report_for(plan_id, entity_id, year, method, bands, version, western):
    return export.build_report(plan_id, entity_id, year, method, bands, directory=ui.data_directory(),
                               western_years=western, version=version)  # the 時点 shown (or the newest)


if st.button("作成", type="primary", disabled=not formats, key="export_make", icon=":material/description:"):
    files = {}
    with st.status("資料を作成中…", expanded=True) as box:
        bar = st.progress(0.0, text="判定結果を集めています")
        try:
            report = report_for(*settings)
            for i, fmt in enumerate(formats):
                name = export.FORMATS[fmt][0]
                box.update(label=f"作成中: {name}（{i + 1}/{len(formats)}）")

                def step(share, message, i=i, name=name):
                    bar.progress(min(1.0, (i + share) / len(formats)), text=f"{name}: {message}")

                step(0.0, "開始")
                files[fmt] = (report.filename(fmt), export.export(report, fmt, step))
                st.write(f":material/check: {name}（{len(files[fmt][1]) / 1024:,.0f} KB）")  # our own format label
            bar.progress(1.0, text="完了")
            box.update(label=f"作成しました（{len(files)} 件）", state="complete", expanded=False)
        except export.ExportError as e:
            box.update(label="作成できませんでした", state="error")
            st.error(fmt_md(str(e)))
    st.session_state["export_files"] = {"settings": settings, "files": files}

made = st.session_state.get("export_files")
if made and made["files"]:
    if made["settings"] != settings:
        st.info("計画・評価年度・判定方式などを変えました。新しい設定で「作成」を押してください。")
    else:
        st.subheader("ダウンロード")
        cols = st.columns(min(len(made["files"]), 5))
        for col, (fmt, (name, data)) in zip(cols * 2, made["files"].items()):
            col.download_button(export.FORMATS[fmt][0], data, file_name=name, mime=export.FORMATS[fmt][1],
                                key=f"export_dl_{fmt}", icon=":material/download:", on_click="ignore")

st.subheader("グラフ画像（PNG・1920px）")
try:
    report = report_for(*settings)
except export.ExportError as e:
    st.error(fmt_md(str(e)))
    st.stop()
charts = figures.report_charts(report)
picked = st.selectbox("グラフ", range(len(charts)), format_func=lambda i: charts[i][1], key="export_chart",
                      placeholder=ui.PICK)
key, title, make = charts[picked]
fig = make()
ui.chart(fig, key="export_chart_preview")
if has_browser:
    png.chart_download(fig, f"{report.plan}_{key}", key="export_png")
else:
    st.caption("PNG で保存するには Chromium が必要です。")
ui.source_caption(f"{report.plan}（{report.entity}）— 各指標の出典はグラフ下、全出典は資料の最終ページ／xlsx の「出典」シート")

st.subheader("オープンデータ（CSV・JSON・datapackage.json）")
st.caption("公開している表（計画・KPI・値・施策・出典と進捗判定 `kpi_status`）を、表ごとの CSV（UTF-8 BOM 付き）と JSON、"
           "列の意味・型・出典・利用条件を記した `datapackage.json`（Frictionless Data）にまとめた zip です。"
           f"利用条件: {publish.LICENSE['title']}。表示する時点によらず最新のデータから作ります"
           "（コマンドラインでは `python -m kpiboard publish --out DIR`）。")
open_dir = str(ui.data_directory())
newest = store.data_version(open_dir)  # the package is of the newest data: its cache key


@st.cache_data(show_spinner=False, max_entries=8)
def open_data_rows(directory, version):
    return publish.package_rows(directory, version)


@st.cache_data(show_spinner=False, max_entries=2)
def open_data_zip(directory, version):
    return publish.package_zip(directory, version)


if open_data_rows(open_dir, newest) > views.DOWNLOAD_BUTTON_ROWS:  # a zip that large is not built in memory
    st.info(f"観測値が {views.DOWNLOAD_BUTTON_ROWS:,} 件を超えるため、この画面では作れません。"
            "python -m kpiboard publish --out DIR で書き出してください。")
else:  # built when clicked (not on every run of the page), once per data version
    st.download_button("オープンデータ（zip）", data=lambda: open_data_zip(open_dir, newest),
                       file_name=f"{publish.PACKAGE_NAME}-v{newest}.zip", mime="application/zip",
                       key="export_open_data", icon=":material/download:", on_click="ignore")
