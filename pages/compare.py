"""比較 — 自治体・年度の比較"""
from kpiboard import ui

ui.page_header("比較", "準備中: このページは次の作業で実装されます。")
