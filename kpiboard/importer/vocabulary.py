"""The words the importer reads in a sheet (headers, directions, value kinds, yes/no, 〃 …) and the labels it writes."""
from __future__ import annotations

# field → header spellings (compared after NFKC, without spaces, lower case)
ALIASES: dict[str, tuple[str, ...]] = {
    "entity": ("自治体", "自治体名", "団体", "団体名", "都道府県", "都道府県名", "市区町村", "市町村", "市町村名", "圏域",
               "圏域名", "連携中枢都市圏", "entity", "entity_name"),
    "plan": ("計画", "計画名", "plan", "plan_name"),
    "plan_type": ("計画種別", "計画の種類", "plan_type"),
    "plan_period": ("計画期間", "期間", "plan_period"),
    "area": ("分野", "分野名", "戦略の柱", "柱", "政策分野", "基本目標", "政策", "area", "area_name"),
    "item_code": ("項目", "項目番号", "施策番号", "番号", "item_code", "code"),
    "measure": ("施策", "施策名", "取組", "取組項目", "具体的施策", "具体策", "事業", "事業名", "measure"),
    # the day the row's 施策 started (導入前後の比較): one per plan and 施策
    "measure_start": ("施策開始日", "開始日", "施策の開始日", "導入日", "measure_start", "started_on"),
    "kpi_name": ("指標名", "指標", "kpi", "kpi名", "成果指標", "評価指標", "成果指標名", "kpi_name"),
    "kpi_id": ("kpi_id", "指標id"),
    "unit": ("単位", "unit"),
    "direction": ("方向", "方向性", "目指す方向", "目標の方向", "direction"),
    "kind": ("種類", "指標の種類", "定量・定性", "定量/定性", "kind"),
    "cumulative": ("累計", "累計指標", "累計の別", "cumulative"),
    "note": ("備考", "注記", "注", "note"),
    "source": ("出典", "出所", "データ出典", "source"),
    # the embedded data's own CSVs (data/sources): a document of the sources table and the place in it
    "source_id": ("出典id", "source_id"),
    "source_place": ("出典箇所", "source_place"),
    "background": ("背景", "背景・考え方", "考え方", "設定の考え方", "background"),
    "department": ("担当課", "所管課", "担当部局", "担当", "所管", "department"),
    "marker": ("no", "no.", "№", "通し番号", "行番号", "#"),
    # the long layout (one row per value)
    "value_kind": ("種別", "値の種別", "値の種類", "区分", "value_kind"),
    "year": ("年度", "年", "年度・時点", "時点", "year", "year_text", "fiscal_year"),
    "value": ("値", "数値", "原文", "値(原文)", "original_text", "value"),
    "part": ("part", "番号(①②)", "①②"),
    # years of the wide layout's plain value columns
    "baseline_year": ("基準年度", "基準年", "基準値の年度", "基準時点", "基準値年度", "baseline_year"),
    "target_year": ("目標年度", "目標年", "目標値の年度", "目標時点", "目標値年度", "target_year"),
    "actual_year": ("実績年度", "実績年", "実績値の年度", "現状年度", "現状値の年度", "現状時点", "実績時点",
                    "actual_year"),
    "estimate_year": ("見込年度", "見込み年度", "見込みの年度", "estimate_year"),
}
# plain value columns of the wide layout: header → (value_kind, the field holding its year)
VALUE_COLUMNS = {
    "基準値": ("baseline", "baseline_year"), "基準": ("baseline", "baseline_year"), "baseline": ("baseline", "baseline_year"),
    "目標値": ("target", "target_year"), "目標": ("target", "target_year"), "target": ("target", "target_year"),
    "実績値": ("actual", "actual_year"), "実績": ("actual", "actual_year"), "現状値": ("actual", "actual_year"),
    "現状": ("actual", "actual_year"), "actual": ("actual", "actual_year"),
    "見込み": ("estimate", "estimate_year"), "見込": ("estimate", "estimate_year"), "見込値": ("estimate", "estimate_year"),
    "見込み値": ("estimate", "estimate_year"), "estimate": ("estimate", "estimate_year"),
}
FIELD_JA = {
    "entity": "自治体", "plan": "計画", "area": "分野", "item_code": "項目", "measure": "施策", "measure_start": "施策開始日",
    "kpi_name": "指標名",
    "unit": "単位", "direction": "方向", "value_kind": "種別", "year": "年度", "value": "値",
}
ALIAS_TO_FIELD = {alias: f for f, names in ALIASES.items() for alias in names}

# sheet names never read (instructions), No. cells marking an example row, cells meaning "the cell above"
SKIPPED_SHEETS = {"説明", "記入方法", "記入要領", "使い方", "注意事項", "instructions", "readme"}
EXAMPLE_MARKS = {"例", "記入例", "例）", "(例)", "example"}
DITTO = {"〃", "\u3003", "同上", "″", "\"", "''", "”"}

# cell words, compared after key() (NFKC, no spaces, lower case)
DIRECTION_WORDS = {
    "increase": ("増加", "増", "上昇", "向上", "拡大", "増やす", "高く", "↑", "↗", "up", "increase", "higher"),
    "decrease": ("減少", "減", "低下", "削減", "縮減", "減らす", "低く", "↓", "↘", "down", "decrease", "lower"),
    "maintain_min": ("維持", "現状維持", "維持以上", "現状維持以上", "以上", "→", "maintain", "maintain_min"),
    "maintain_max": ("維持以下", "現状維持以下", "以下", "maintain_max"),
    "rank": ("順位", "ランク", "上位", "rank"),
    "qualitative": ("定性", "定性的", "定性指標", "qualitative"),
}
DIRECTION_OF = {w.lower(): d for d, words in DIRECTION_WORDS.items() for w in words}
VALUE_KIND_WORDS = {
    "baseline": ("基準値", "基準", "baseline"),
    "target": ("目標値", "目標", "target"),
    "actual": ("実績値", "実績", "現状値", "現状", "actual"),
    "estimate": ("見込み", "見込", "見込値", "見込み値", "見通し", "estimate"),
}
VALUE_KIND_OF = {w.lower(): k for k, words in VALUE_KIND_WORDS.items() for w in words}
TRUE_WORDS = {"true", "1", "yes", "はい", "○", "◯", "〇", "✓", "✔", "累計", "該当"}
FALSE_WORDS = {"false", "0", "no", "いいえ", "×", "✕", "単年", "単年度", "非該当"}
# what the importer writes
ENTITY_TYPE_JA = {"prefecture": "都道府県", "municipality": "市区町村", "region": "連携中枢都市圏・圏域", "nation": "国"}
STATUS_JA = {"new": "新規", "updated": "更新", "unchanged": "変更なし"}
KEEP = "現状維持"  # a target's qualifier: the baseline is the target
