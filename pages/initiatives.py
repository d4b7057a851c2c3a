"""施策・予算 — 施策、ロードマップ、予算とKPIの関係"""
from kpiboard import ui

ui.page_header("施策・予算", "準備中: このページは次の作業で実装されます。")
