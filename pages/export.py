"""出力 — 会議資料（スライド・配布資料・データ）"""
from kpiboard import ui

ui.page_header("出力", "準備中: このページは次の作業で実装されます。")
