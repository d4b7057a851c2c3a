"""連携中枢都市圏 — 政策分野別のKPI設定状況"""
from kpiboard import ui

ui.page_header("連携中枢都市圏", "準備中: このページは次の作業で実装されます。")
