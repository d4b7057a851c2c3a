"""データ取込 — Excel/CSV の KPI シートを読み込み、プレビューで確かめてから取り込む"""
import hashlib

import pandas as pd
import streamlit as st

from kpiboard import auth, importer, store, ui, views
from kpiboard import format as fmt
from kpiboard.importer import TEMPLATE_FILE_NAME, template_xlsx_bytes

ERROR_CSS = "background-color: #F8D7DA; color: #842029; font-weight: bold"
WARNING_CSS = "background-color: #FFF3CD"
STATUS_CSS = {"新規": "background-color: #D1E7DD", "更新": "background-color: #FFE5B4", "変更なし": "color: #6C757D"}
MB = 1024 * 1024
LOCAL_USER = auth.LOCAL_USER

ui.page_header("データ取込", "Excel・CSV の KPI シートを読み込み、読み取り結果を確かめてから取り込みます。"
                           "取り込むまでは何も保存しません。")
me = auth.require_editor()  # a viewer (also one who opens /import directly) is refused here

left, right = st.columns([3, 1])
with right:
    st.download_button("テンプレート（xlsx）", template_xlsx_bytes(), file_name=TEMPLATE_FILE_NAME, icon=":material/download:",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key="import_template")
    st.caption("記入例の行と「説明」シート（列・値の書き方・取込のルール）付き")
# a new key after an import empties the uploader (Streamlit cannot clear it otherwise)
uploader_key = "import_files" + (f"_{st.session_state['import_round']}" if st.session_state.get("import_round") else "")
with left:
    uploads = st.file_uploader(
        f"KPI シート（.xlsx / .csv、1ファイル {importer.MAX_FILE_BYTES // MB} MB まで）", type=["xlsx", "csv"],
        accept_multiple_files=True, key=uploader_key, max_upload_size=importer.MAX_FILE_BYTES // MB,
        help="CSV の文字コード（UTF-8 / BOM付きUTF-8 / Shift_JIS）は自動で判別します。")
if auth.auth_configured():
    # the login records who imports; an editor sees which entities they may import for
    user = me.email
    st.text(f"取込者: {me.email}")
    if not me.is_admin and auth.ALL not in me.entity_ids:
        st.text("取り込める自治体・圏域: " + "、".join(sorted(auth.entity_names(me.entity_ids, ui.table("entities")))))
else:
    # Never the server's login name: the page is shared; an empty field is recorded as LOCAL_USER.
    user = st.text_input("取込者名（変更履歴に残ります）", key="import_user", placeholder=LOCAL_USER)
# The dataset's name, never the server's path to it (the page is shared).
dataset = ui.table("dataset")
st.caption("取込先: 表示中のデータ（" + fmt.md(dataset["name"][0] if dataset.height else "名前なし") + "）")
if ui.data_directory() == store.EMBEDDED_DATA_DIR:
    st.caption("取込先は埋め込みデータ（data/）です。`python -m kpiboard build` で作り直すと取り込んだ分は消えるため、"
               "運用では環境変数 KPIBOARD_DATA_DIR で別のデータディレクトリを指定してください。")


def show_done(done: dict) -> None:
    """What the last import changed: counts and the values it replaced (from observation_history)."""
    c = done["counts"]
    st.success(f"取り込みました（{fmt.md(', '.join(done['files']))}）: 指標 新規 {c['kpis_new']}・更新 {c['kpis_updated']}、"
               f"値 新規 {c['observations_new']}・更新 {c['observations_updated']}・変更なし {c['observations_unchanged']}"
               f"（取込ID {done['import_id']}）", icon=":material/check_circle:")
    replaced = ui.run("import_history", import_id=done["import_id"])
    if replaced.height:
        st.markdown(f"**置き換えた値（{replaced.height} 件）** — 以前の値は履歴に残っています")
        history_table(replaced)
    st.page_link("pages/overview.py", label="概要で取り込んだ計画を見る", icon=":material/dashboard:")


def history_table(frame) -> None:
    st.dataframe(views.import_history_table(frame, ui.western_years()), hide_index=True, width="stretch")
    ui.source_caption("取込履歴（observation_history: 日時・ファイル名・取込者）")


def show_history() -> None:
    recent = ui.run("import_history", limit=500)
    with st.expander(f"取込履歴: 置き換えた値（最新 {recent.height} 件）", expanded=False):
        if recent.is_empty():
            st.caption("まだ置き換えた値はありません。")
        else:
            history_table(recent)


if uploads:
    st.session_state.pop("import_done", None)  # a new round: the last import's summary is done with
elif "import_done" in st.session_state:
    show_done(st.session_state["import_done"])

if not uploads:
    st.info("ファイルを選ぶと、読み取り結果をプレビューします（まだ保存はしません）。書き方はテンプレートの「説明」シートを見てください。")
    show_history()
    st.stop()

files = [(u.name, u.getvalue()) for u in uploads]
signature = (tuple((n, hashlib.sha256(b).hexdigest()) for n, b in files), ui.data_version(), str(ui.data_directory()))
cached = st.session_state.get("import_preview")
if cached and cached[0] == signature:
    result = cached[1]
else:
    with st.status("ファイルを読み取っています…", expanded=False) as status:
        bar = st.progress(0.0)
        # keep_plan: 取り込む writes this preview's plan instead of reading the files a second time
        result = importer.import_files(files, ui.data_directory(), dry_run=True, keep_plan=True,
                                       user=user.strip() or LOCAL_USER,
                                       progress=lambda fraction, text: bar.progress(min(fraction, 1.0), text=text))
        status.update(label=f"読み取り完了: エラー {len(result.errors)} 件、警告 {len(result.warnings)} 件",
                      state="error" if result.errors else "complete")
    st.session_state["import_preview"] = (signature, result)

counts = result.counts()
st.subheader("プレビュー")
cols = st.columns(6)
cols[0].metric("指標 新規", f"{counts['kpis_new']} 件")
cols[1].metric("指標 更新", f"{counts['kpis_updated']} 件")
cols[2].metric("値 新規", f"{counts['observations_new']} 件")
cols[3].metric("値 更新", f"{counts['observations_updated']} 件")
cols[4].metric("警告", f"{counts['warnings']} 件")
cols[5].metric("エラー", f"{counts['errors']} 件")

if result.errors:
    st.error(f"エラーが {len(result.errors)} 件あります。元のファイルを直してから、もう一度選んでください。"
             "このままでは何も取り込みません。", icon=":material/error:")
    st.dataframe(views.import_issues(result.errors), hide_index=True, width="stretch", key="import_errors")
if result.warnings:
    st.warning(f"警告が {len(result.warnings)} 件あります（推定した内容・新しく登録するもの）。確かめてから取り込んでください。",
               icon=":material/warning:")
    with st.expander("警告の一覧", expanded=not result.errors):
        st.dataframe(views.import_issues(result.warnings), hide_index=True, width="stretch", key="import_warnings")

levels, messages = views.import_problems(result)  # cell → its worst problem; row → its messages

tab_values, tab_kpis, tab_sheet = st.tabs(["読み取った値", "指標", "元の表（問題のあるセルに色）"])
with tab_values:
    if result.observations:
        obs, keys = views.import_values(result, ui.fy)

        def highlight(frame: pd.DataFrame) -> pd.DataFrame:
            css = pd.DataFrame("", index=frame.index, columns=frame.columns)
            css["状態"] = frame["状態"].map(STATUS_CSS).fillna("")
            for idx, k in enumerate(keys):
                if k in levels:
                    css.loc[idx, ["原文", "読み取った値"]] = ERROR_CSS if levels[k] == "error" else WARNING_CSS
            return css

        st.dataframe(obs.style.apply(highlight, axis=None), hide_index=True, width="stretch", key="import_values")
        shown = ("" if len(result.observations) <= views.IMPORT_ROWS_SHOWN
                 else f"先頭 {views.IMPORT_ROWS_SHOWN:,} 件を表示（全 {len(result.observations):,} 件）。")
        st.caption(shown + "「読み取った値」は円・人などの基本単位（% はそのまま）。黄色: 警告のあるセル。")
        ui.source_caption("アップロードしたファイル（各行の「ファイル」「シート」「行」「列」）")
    else:
        st.caption("読み取れた値はありません。")
with tab_kpis:
    if result.kpis:
        st.dataframe(views.import_kpis(result), hide_index=True, width="stretch", key="import_kpis")
        ui.source_caption("アップロードしたファイル（各行の「出典」列）")
    else:
        st.caption("読み取れた指標はありません。")
with tab_sheet:
    if result.previews:
        labels = [f"{p.file}" + (f" ／ {p.sheet}" if p.sheet else "") for p in result.previews]
        pick = st.selectbox("シート", range(len(labels)), format_func=labels.__getitem__, key="import_sheet",
                            placeholder=ui.PICK)
        pv = result.previews[pick]
        grid, headers = views.import_sheet(pv, messages)
        bad_headers = {h: levels.get((pv.file, pv.sheet, pv.header_row, h)) for h in pv.headers}

        def mark(frame: pd.DataFrame) -> pd.DataFrame:
            css = pd.DataFrame("", index=frame.index, columns=frame.columns)
            for col, header in zip(headers, pv.headers):
                if bad_headers[header]:  # a header it cannot place: the whole column
                    css[col] = ERROR_CSS if bad_headers[header] == "error" else WARNING_CSS
            for idx, r in enumerate(frame["行"]):
                for col, header in zip(headers, pv.headers):
                    level = levels.get((pv.file, pv.sheet, int(r), header))
                    if level:
                        css.loc[idx, col] = ERROR_CSS if level == "error" else WARNING_CSS
                row_messages = messages.get((pv.file, pv.sheet, int(r)), [])
                if row_messages:
                    css.loc[idx, "問題"] = ERROR_CSS if any(m.startswith("×") for m in row_messages) else WARNING_CSS
            return css

        st.dataframe(grid.style.apply(mark, axis=None), hide_index=True, width="stretch", key="import_grid")
        header_problems = [h for h, level in bad_headers.items() if level == "error"]
        st.caption(f"見出し行: {pv.header_row} 行目（{'横型: 1行1指標' if pv.layout == 'wide' else '縦型: 1行1値'}）"
                   + (f"。読み取れない見出し: {fmt.md('、'.join(header_problems))}" if header_problems else "")
                   + (f"、文字コード: {fmt.md(pv.encoding)}" if pv.encoding else "") + "。赤: エラー、黄: 警告。")
        ui.source_caption(labels[pick])
    else:
        st.caption("表を読み取れませんでした（エラーを確認してください）。")

st.divider()
# An editor imports only for their entities: a file that changes another entity's KPIs is refused whole.
others = auth.entities_not_given(me, result, {t: ui.table(t) for t in ("entities", "plans", "kpis")})
if result.errors:
    reason = "エラーがあるため取り込めません。"
elif others:
    reason = ("担当していない自治体・圏域の指標が含まれるため取り込めません（" + "、".join(others)
              + "）。これらの行を除くか、管理者に権限を依頼してください。")
elif not result.changed:
    reason = "登録済みのデータと同じです。取り込んでも何も変わりません。"
else:
    reason = ""
clicked = st.button("取り込む", type="primary", disabled=bool(reason), key="import_run",
                    help="すべてのファイルを検証し、問題がなければまとめて保存します（全部か無しか）。")
if others and not result.errors:
    st.error(fmt.md(reason), icon=":material/lock:")  # names entities from the file: data, not Markdown
elif reason:
    st.caption(reason)
if clicked and not reason:
    with st.status("取り込んでいます…", expanded=False) as status:
        bar = st.progress(0.0)
        # the preview's plan if the data is unchanged since (else commit reads the files again); all or nothing
        done = importer.commit(result, files, ui.data_directory(), user=user.strip() or LOCAL_USER,
                               progress=lambda fraction, text: bar.progress(min(fraction, 1.0), text=text))
        status.update(label="完了" if done.written else "取り込めませんでした", state="complete" if done.written else "error")
    if done.errors:
        st.error("取り込めませんでした。データは取込前のままです。", icon=":material/error:")
        st.dataframe(views.import_issues(done.errors), hide_index=True, width="stretch")
    elif not done.written:
        st.info("登録済みのデータと同じため、何も変わりませんでした。")
    else:
        st.session_state["import_done"] = {"import_id": done.import_id, "files": done.files, "counts": done.counts()}
        st.session_state.pop("import_preview", None)
        st.session_state["import_round"] = st.session_state.get("import_round", 0) + 1
        st.rerun()

show_history()
