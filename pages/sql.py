"""SQL — 読み取り専用のアドホック分析"""
from kpiboard import ui

ui.page_header("SQL", "準備中: このページは次の作業で実装されます。")
