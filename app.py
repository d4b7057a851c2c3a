"""KPI board — entry point and navigation. Run: streamlit run app.py"""
import logging

import streamlit as st
import streamlit.components.v1 as components

from kpiboard.warmup import warm_up

warm_up()  # heavy imports once, under a lock, before this session's imports race other sessions' (see warmup.py)

from kpiboard import auth, status, ui  # noqa: E402
from kpiboard import format as fmt
from kpiboard.settings import BAND_SETTINGS, SETTINGS, SettingError

# A local icon: a Material icon as page_icon makes every browser fetch its SVG from Google's font servers.
# No menu_items: with toolbarMode "minimal" (.streamlit/config.toml) the app then has no English menu at all.
st.set_page_config(page_title="KPI board", page_icon=str(ui.ASSETS / "icon.png"), layout="wide")
# With [auth] in secrets: a visitor not logged in gets the login screen and nothing else (the run stops here).
USER = auth.current_user()


def _shown(allowed: bool) -> str:
    # A page the user may not use stays registered but hidden: its URL opens the page's own Japanese refusal
    # rather than Streamlit's English "Page not found".
    return "visible" if allowed else "hidden"


# One entry per page; the smoke tests read this list, so a new page is tested by being listed here.
# Pages a role may not use are hidden (_shown), never left out.
PAGES = {
    "見る": [
        st.Page("pages/overview.py", title="概要", icon=":material/dashboard:", url_path="start", default=True),
        st.Page("pages/indicator.py", title="指標", icon=":material/query_stats:", url_path="indicator"),
        st.Page("pages/compare.py", title="比較", icon=":material/compare_arrows:", url_path="compare"),
        st.Page("pages/regions.py", title="連携中枢都市圏", icon=":material/hub:", url_path="regions"),
        st.Page("pages/initiatives.py", title="施策・予算", icon=":material/account_tree:", url_path="initiatives"),
    ],
    "データ": [
        st.Page("pages/data.py", title="データ", icon=":material/table_view:", url_path="data"),
        st.Page("pages/sql.py", title="SQL", icon=":material/terminal:", url_path="sql"),
        st.Page("pages/import_data.py", title="データ取込", icon=":material/upload_file:", url_path="import",
                visibility=_shown(USER.may_edit_some)),
        st.Page("pages/enter_actuals.py", title="実績入力", icon=":material/edit_note:", url_path="enter",
                visibility=_shown(USER.may_edit_some)),
        st.Page("pages/export.py", title="出力", icon=":material/download:", url_path="export"),
        # Roles matter only with login; without [auth] the page is there by URL for preparing them.
        st.Page("pages/roles.py", title="権限管理", icon=":material/admin_panel_settings:", url_path="roles",
                visibility=_shown(auth.auth_configured() and USER.is_admin)),
    ],
}
OVERVIEW = PAGES["見る"][0]


def _to_overview():
    # The start page lives at "/" (Streamlit reserves its url_path, "start", and serves nothing there); a link
    # to /overview opens it instead of Streamlit's English "Page not found".
    st.switch_page(OVERVIEW, query_params=st.query_params.to_dict())


nav = st.navigation({**PAGES, "": [st.Page(_to_overview, title="概要", url_path="overview", visibility="hidden")]})
st.session_state.pop("_data_version", None)  # a new run reads the newest snapshot (or the 時点 chosen) …
ui.read_filters()  # the shared filters, from the URL, before the sidebar and the page draw them
ui.pin_version()  # … once, for every query of this run

# Streamlit's file uploader has no Japanese texts: its English words are hidden and Japanese ones shown in
# their place (constant text, no data in it).
UPLOADER_CSS = """
<style>
[data-testid="stFileUploaderDropzoneInstructions"] span { font-size: 0; }
[data-testid="stFileUploaderDropzoneInstructions"] span::after { content: "ここにファイルをドラッグ＆ドロップ（.xlsx / .csv）"; font-size: 0.875rem; }
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] p { font-size: 0; }
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] p::after { content: "ファイルを選ぶ"; font-size: 0.875rem; }
</style>
"""

# Presentation mode (for a projector): no sidebar or toolbar, large type, one chart per screen.
PRESENTATION_CSS = """
<style>
[data-testid="stSidebar"], [data-testid="stExpandSidebarButton"], [data-testid="stSidebarCollapseButton"],
[data-testid="stHeader"], [data-testid="stToolbar"], [data-testid="stStatusWidget"], [data-testid="stMainMenu"],
[data-testid="stAppDeployButton"], [data-testid="stElementToolbar"], .modebar-container { display: none !important; }
html { font-size: 20px; }
[data-testid="stMainBlockContainer"] { max-width: 100% !important; padding: 1rem 2.5rem 4rem !important; }
[data-testid="stMain"] { scroll-snap-type: y proximity; }
[data-testid="stPlotlyChart"] { scroll-snap-align: start; margin-bottom: 2rem; }
h1 { font-size: 2.2rem !important; padding-top: 0 !important; }
.st-key-kpi_context p { font-size: 1.15rem; color: #222; border-left: 0.35rem solid #0072B2; padding: 0.1rem 0 0.1rem 0.6rem; margin: 0 0 0.8rem; }
[data-testid="stTable"] table { font-size: 1rem; }
[data-testid="stMetricValue"] { font-size: 2.6rem !important; }
</style>
"""


# Keyboard paging while presenting: → / PageDown / j next chart, ← / PageUp / k previous. A constant script
# (no data in it) in a component frame, listening on the app's document.
PAGING_JS = """<script>
const doc = window.parent.document;
if (!doc.kpiPaging) {
  doc.kpiPaging = true;
  doc.addEventListener("keydown", (e) => {
    const t = e.target;
    if (t && (["INPUT", "TEXTAREA", "SELECT"].includes(t.tagName) || t.isContentEditable)) return;
    const next = ["PageDown", "ArrowRight", "j"].includes(e.key), prev = ["PageUp", "ArrowLeft", "k"].includes(e.key);
    if (!next && !prev) return;
    const charts = [...doc.querySelectorAll('[data-testid="stPlotlyChart"]')];
    const tops = charts.map((c) => c.getBoundingClientRect().top);
    const i = next ? tops.findIndex((y) => y > 8) : tops.map((y) => y < -8).lastIndexOf(true);
    if (i < 0) return;
    e.preventDefault();
    charts[i].scrollIntoView({ block: "start" });
  });
}
</script>"""


def _leave_presentation():
    ui.hold(present=False)


with st.sidebar:
    if auth.auth_configured():
        # st.text: the name and email come from the login provider, not Markdown
        st.text(f"{USER.name}（{auth.ROLE_JA[USER.role]}）")
        if USER.email and USER.email != USER.name:
            st.text(USER.email)
        if st.button("ログアウト", key="auth_logout", icon=":material/logout:"):
            st.logout()
    ui.setting_toggle("発表モード", ui.PRESENT,
                      help="プロジェクター向け: サイドバーを隠し、文字を大きく、グラフを1画面に1つずつ表示します。")
    ui.setting_toggle("西暦のみで表示", ui.WESTERN, help="年度を R6（2024） ではなく 2024 と表示します")
    ui.as_of_input()
    with st.expander("判定の方式と基準", icon=":material/rule:"):
        # The method itself is picked on each page (URL key `method`); the bands apply to every page.
        st.caption(status.method_explanation("expected", ui.bands()))
        for name, word in zip(BAND_SETTINGS, status.BAND_WORDS):
            ui.band_input(f"「{word}」とする進捗率の下限", name)
        try:
            SETTINGS.bands(ui.chosen_bands())
        except SettingError as e:
            defaults = " / ".join(f"{b:g}" for b in SETTINGS.default_bands())
            st.error(f"{e} 既定値（{defaults}）で判定しています。")
        st.caption(status.method_explanation("abnf"))
    # The dataset's name, never the server's path to it.
    dataset = ui.table("dataset")
    st.caption("データ: " + fmt.md(dataset["name"][0] if dataset.height else "（名前なし）"))

st.html(UPLOADER_CSS)
if ui.presenting():
    st.html(PRESENTATION_CSS)
    with st.container(horizontal=True, horizontal_alignment="right", vertical_alignment="center"):
        # The projector's screen (URL ?screen=720): charts are sized to fit its height at the same large type
        ui.screen_picker()
        st.button("発表モードを終了", key="leave_presentation", on_click=_leave_presentation, type="secondary",
                  icon=":material/close:")

try:
    with ui.page_slot():
        ui.as_of_notice()
        nav.run()
except Exception:
    if st.get_option("global.appTest"):
        raise  # under AppTest the tests see the exception itself (at.exception)
    # A bug, not bad input (that gets its own Japanese message where it is read): the traceback goes to
    # the server's log only, since it shows paths and code; the user gets a message they can act on.
    logging.getLogger("kpiboard").exception("page %s failed", nav.url_path or "overview")
    st.error(ui.PAGE_FAILED, icon=":material/error:")

if ui.presenting():  # after the page, so the page's own elements come first (an empty frame at the end)
    components.html(PAGING_JS, height=0)
