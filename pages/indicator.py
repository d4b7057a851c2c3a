"""指標 — 個別KPIの推移と背景"""
from kpiboard import ui

ui.page_header("指標", "準備中: このページは次の作業で実装されます。")
