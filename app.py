"""KPI board — entry point and navigation. Run: streamlit run app.py"""
import streamlit as st

from kpiboard import ui

st.set_page_config(page_title="KPI board", page_icon="📊", layout="wide")

# One entry per page; the smoke tests read this list, so a new page is tested by being listed here.
PAGES = {
    "見る": [
        st.Page("pages/overview.py", title="概要", icon="📊", url_path="overview", default=True),
        st.Page("pages/indicator.py", title="指標", icon="🔎", url_path="indicator"),
        st.Page("pages/compare.py", title="比較", icon="⚖️", url_path="compare"),
        st.Page("pages/regions.py", title="連携中枢都市圏", icon="🗾", url_path="regions"),
        st.Page("pages/initiatives.py", title="施策・予算", icon="🗂️", url_path="initiatives"),
    ],
    "データ": [
        st.Page("pages/data.py", title="データ", icon="📋", url_path="data"),
        st.Page("pages/sql.py", title="SQL", icon="🧮", url_path="sql"),
        st.Page("pages/import_data.py", title="データ取込", icon="📥", url_path="import"),
        st.Page("pages/export.py", title="出力", icon="📤", url_path="export"),
    ],
}
nav = st.navigation(PAGES)

with st.sidebar:
    st.toggle("西暦のみで表示", key="western_years", bind="query-params", help="年度を R6（2024） ではなく 2024 と表示します")
    st.caption(f"データ: {ui.data_directory()}")

nav.run()
