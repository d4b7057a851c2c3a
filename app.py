"""KPI board — entry point and navigation. Run: streamlit run app.py"""
import streamlit as st

from kpiboard import ui

st.set_page_config(page_title="KPI board", page_icon="📊", layout="wide")

pages = [
    st.Page("pages/overview.py", title="概要", icon="📊", url_path="overview", default=True),
]
nav = st.navigation(pages)

with st.sidebar:
    st.toggle("西暦のみで表示", key="western_years", bind="query-params", help="年度を R6（2024） ではなく 2024 と表示します")
    st.caption(f"データ: {ui.data_directory()}")

nav.run()
