"""データ取込 — Excel/CSV の KPI シートを読み込む"""
from kpiboard import ui

ui.page_header("データ取込", "準備中: このページは次の作業で実装されます。")
