"""The xlsx template staff fill in for データ取込: a KPI sheet with example rows and an instructions sheet."""
from __future__ import annotations

import io

from .limits import HEADER_SEARCH_ROWS, MAX_FILE_BYTES

TEMPLATE_FILE_NAME = "KPI取込テンプレート.xlsx"
HEADERS = ["No.", "自治体", "計画", "分野", "項目", "施策", "指標名", "単位", "方向", "基準値", "基準年度",
           "R5目標", "R6目標", "目標値", "目標年度", "R5実績", "R6見込み", "備考", "出典"]
# Rows marked 例 in No. are skipped by the importer (and reported), so an untouched template stores nothing.
EXAMPLES = [
    ["例", "○○市", "○○市総合計画", "子育て", "1(1)", "保育の受け皿の拡大", "待機児童数", "人", "減少", "25", "R4",
     "15", "10", "0", "R7", "18", "12", "", "○○市総合計画 p.12"],
    ["例", "〃", "〃", "〃", "1(2)", "〃", "放課後児童クラブの登録児童数", "人", "", "1,250", "R4",
     "1,300", "1,400", "1,500以上", "R7", "1,320", "検討中", "方向が空欄のため推定されます（警告）", "○○市総合計画 p.13"],
]

COLUMNS = [
    ("No.", "任意。「例」と書いた行は取り込みません（記入例）。"),
    ("自治体", "都道府県・市区町村・連携中枢都市圏の正式名称（例: 富山県、高岡市、熊本連携中枢都市圏）。"
              "未登録の名称は新しく登録し、警告に表示します。空欄は上の行と同じとみなします（警告に表示）。"),
    ("計画", "計画の名称。登録済みの計画と名称で照合します。空欄は上の行と同じとみなします。"),
    ("分野", "分野・戦略の柱（任意）。"),
    ("項目", "項目番号（例: 2(1)、Ⅳ-1-①）。同じ計画で項目と指標名が同じ行は同じ指標として扱います。"),
    ("施策", "施策・取組の名称（任意）。"),
    ("施策開始日", "任意。その施策を始めた日（例: 2024-04-01、2024/4/1、R6.4.1、令和6年4月1日。見出しは「開始日」「施策の開始日」"
              "「導入日」でも可）。施策ごとに1つで、同じ施策の行には同じ日を書きます（空欄の行は読み飛ばします）。"
              "施策・予算ページの「導入前後の比較」で、開始の年度より前と以後の実績を比べられます。"
              "「施策」列が必要です。読み取れない日付はエラーになります。"),
    ("指標名", "必須。"),
    ("単位", "%、人、件、円 など。千円・百万円・万人のように倍数の付いた単位は、円・人に換算して保存します。"),
    ("方向", "増加（上昇）、減少（低下）、維持（以上）、以下、順位、定性。英語（increase / decrease / "
            "maintain_min / maintain_max / rank / qualitative）も可。空欄なら基準値と目標値から推定し、警告に表示します"
            "（目標値が基準値より小さければ減少。ただし目標値に「以上」「維持」とあれば維持）。"),
    ("基準値・基準年度", "基準値とその年度。年度は R4、令和4年度、2022 のどれでも可。"),
    ("目標値・目標年度", "最終目標とその年度。"),
    ("年度付きの列", "R5目標、令和5年度目標値、目標値（R7）、2023実績、R5実績値、H30実績、2024見込み のように、"
                "年度と種類（目標・実績・見込み・基準）を見出しに書いた列は、いくつでも置けます。"
                "読み取れない見出しはエラーになり、列名を表示します。"),
    ("備考・出典", "任意。出典を書くと、取込ファイル名・行とともに保存します。"),
]
NOTATIONS = [
    ("3,737万8千人 / 9兆1,400億円", "万・億・兆などの倍数を含む数値（人・円の単位で保存）"),
    ("37.5% / ほぼ100% / 4以上", "% はそのまま。ほぼ・以上・以下・見込み・累計 は修飾語として保存"),
    ("▲5 / △5 / －5", "マイナス"),
    ("〃", "上のセルと同じ"),
    ("― / - / 空欄", "値なし"),
    ("検討中", "値なし（文字は備考として保存）"),
    ("7.4%(2014年) / -198 (R3.4～R3.12)", "括弧内の時点・期間は値の期間として保存"),
    ("現状維持以上", "目標値として: 基準値を維持（以上）。目標値は基準値と同じ数値になります"),
    ("1（累計１）", "単年の値と累計値"),
]
RULES = [
    ("ファイル", f".xlsx または .csv（UTF-8、BOM付きUTF-8、Shift_JIS/CP932 のいずれか。自動判別）。"
               f"1ファイル {MAX_FILE_BYTES // 1024 // 1024} MB まで。"),
    ("見出し行", f"先頭{HEADER_SEARCH_ROWS}行以内に「指標名」を含む見出し行が必要です。列の順番は自由、不要な列は削除できます。"
               "「目標値」の下の行に R4・R5 … と年度を書いた2段の見出しも読めます。"),
    ("縦型の表", "1行に1つの値を書く形（自治体・計画・項目・指標名・種別・年度・値 の列）も取り込めます。"
              "種別は 基準値・目標値・実績値・見込み。"),
    ("全部か無しか", "エラーが1つでもあれば何も保存しません。エラーはファイル・行・列とともに表示します。"
                "取込の前にプレビューで読み取り結果を確認できます。"),
    ("再取込", "同じファイルをもう一度取り込んでも何も変わりません。同じ指標・年度・種別の値が変わっていれば置き換え、"
            "以前の値は履歴（日時・ファイル名・取込者）に残します。"),
]


def template_xlsx_bytes() -> bytes:
    import xlsxwriter

    buf = io.BytesIO()
    book = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_numbers": False, "strings_to_formulas": False,
                                     "strings_to_urls": False})
    head = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True, "valign": "top"})
    text = book.add_format({"num_format": "@"})  # typed values stay as written (3,737万8千人, 1/2 …)
    example = book.add_format({"num_format": "@", "font_color": "#7F7F7F", "italic": True, "bg_color": "#F2F2F2"})
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    title = book.add_format({"bold": True, "font_size": 14})

    sheet = book.add_worksheet("KPI")
    widths = {"No.": 6, "指標名": 36, "施策": 22, "計画": 22, "備考": 30, "出典": 24}
    for c, name in enumerate(HEADERS):
        sheet.set_column(c, c, widths.get(name, 12), text)
        sheet.write_string(0, c, name, head)
    for r, values in enumerate(EXAMPLES, start=1):
        for c, value in enumerate(values):
            sheet.write_string(r, c, value, example)
    sheet.freeze_panes(1, 0)
    sheet.write_comment(0, 0, "「例」と書いた行は取り込まれません。3行目から記入してください。")

    info = book.add_worksheet("説明")
    info.set_column(0, 0, 34, wrap)
    info.set_column(1, 1, 100, wrap)
    row = 0
    info.write_string(row, 0, "KPI 取込テンプレートの使い方", title)
    row += 2
    info.write_string(row, 0, "「KPI」シートに1指標1行で記入し、KPI board の「データ取込」ページ、または "
                                "python -m kpiboard import ファイル名 で取り込みます。灰色の「例」の行は取り込まれません。", wrap)
    row += 2
    for heading, items in (("列", COLUMNS), ("値の書き方", NOTATIONS), ("取込のルール", RULES)):
        info.write_string(row, 0, heading, head)
        info.write_string(row, 1, "", head)
        row += 1
        for name, text_ in items:
            info.write_string(row, 0, name, wrap)
            info.write_string(row, 1, text_, wrap)
            row += 1
        row += 1
    book.close()
    return buf.getvalue()
