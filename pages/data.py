"""データ — KPIと観測値の一覧・ダウンロード"""
from kpiboard import ui

ui.page_header("データ", "準備中: このページは次の作業で実装されます。")
