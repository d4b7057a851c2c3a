"""実績入力 — 1年度分の実績値・見込みを表に入力し、読み取り結果と判定の変化を確かめてから保存する"""
import hashlib
from datetime import date

import streamlit as st

from kpiboard import auth, entry, importer, status, store, ui, views
from kpiboard.eras import fiscal_year_of

LOCAL_USER = auth.LOCAL_USER
SAVE = ":material/save:"

ui.page_header("実績入力", "1年度分の実績値・見込みを表に入力し、読み取り結果と判定の変化を確かめてから保存します。"
                         "保存するまでは何も変わりません。")
me = auth.require_editor()  # a viewer (also one who opens /enter directly) is refused here

if ui.filters().as_of:
    # the importer writes onto the newest data; a grid read from a past snapshot would mislead
    st.info("過去の時点を表示しているあいだは入力できません（サイドバーの「表示する時点」を空にしてください）。",
            icon=":material/history:")
    st.stop()


with ui.filter_bar():
    c1, c2, c3, c4 = st.columns([2, 4, 2, 2])
    entity = ui.entity_picker(container=c1)
    plan = ui.plan_picker(entity, only_with_kpis=True, container=c2)
    if plan is None:
        st.info("KPI のある計画がありません。「データ取込」から計画と KPI を読み込んでください。")
        st.stop()
    plan_id = plan["plan_id"]
    observations = ui.run("data_observations", plan=plan_id)
    now_fy = fiscal_year_of(date.today())
    years = entry.fiscal_years(observations["fiscal_year"].to_list(),
                               (plan["period_start_fy"], plan["period_end_fy"]), now_fy)
    year = ui.year_choice("入力する年度", years, key="entry_year", index=years.index(entry.default_year(years, now_fy)),
                          container=c3)
    method = ui.method_picker(c4)

if auth.auth_configured():
    # the login records who enters; an editor may save only for the entities they are given
    user = me.email
    st.text(f"入力者: {me.email}")
    if not me.can_edit(plan["entity_id"]):
        st.warning("この計画の自治体・圏域の編集権限がないため、確認はできますが保存はできません。"
                   "必要な場合は管理者に権限を依頼してください。", icon=":material/lock:")
else:
    # Never the server's login name: the page is shared; an empty field is recorded as LOCAL_USER.
    user = st.text_input("入力者名（変更履歴に残ります）", key="entry_user", placeholder=LOCAL_USER).strip() or LOCAL_USER
if ui.data_directory() == store.EMBEDDED_DATA_DIR:
    st.caption("保存先は埋め込みデータ（data/）です。`python -m kpiboard build` で作り直すと入力した分は消えるため、"
               "運用では環境変数 KPIBOARD_DATA_DIR で別のデータディレクトリを指定してください。")

bands = ui.bands()
verdict_params = dict(eval_year=year, method=method, band_on_track=bands[0], band_mostly=bands[1],
                      band_slightly=bands[2])
year_label = ui.fy(year)


def verdict_table(frame, caption: str) -> None:
    st.dataframe(frame, hide_index=True, width="stretch")
    st.caption(caption)


def show_done(done: dict) -> None:
    """What the last save changed: counts, the verdicts of the KPIs saved (before → now) and the values replaced."""
    c = done["counts"]
    st.success(f"保存しました: 値 新規 {c['observations_new']} 件・更新 {c['observations_updated']} 件・"
               f"変更なし {c['observations_unchanged']} 件（取込ID {done['import_id']}）", icon=":material/check_circle:")
    if done["params"] != verdict_params:  # judged another way since: the verdicts before are not comparable
        st.caption("保存前の判定と比べるには、保存したときの判定方式・基準に戻してください。")
        changes = None
    else:
        changes = entry.verdict_changes(done["before"], ui.evaluate(plan=plan_id, eval_year=year), done["kpi_ids"])
    if changes is not None and changes.height:
        st.markdown(f"**保存した指標の判定（{year_label}、{status.METHOD_LABELS[method]}）**")
        verdict_table(changes.rename({"現在の判定": "保存前の判定", "保存後の判定": "現在の判定"}),
                      "判定は「判定の方式と基準」による（evaluate の結果）。")
    replaced = ui.run("import_history", import_id=done["import_id"])
    if replaced.height:
        st.markdown(f"**置き換えた値（{replaced.height} 件）** — 以前の値は履歴に残っています")
        st.dataframe(views.import_history_table(replaced, ui.western_years()), hide_index=True, width="stretch")
    st.page_link("pages/overview.py", label="概要で計画の判定を見る", icon=":material/dashboard:",
                 query_params=ui.link_params())


done_slot = st.container()  # the last save's summary, above the grid (filled once the grid is read)

# The grid: read-only columns as stored, the editable ones empty. A new round (after a save) is a new key,
# which clears the edits.
kpis = ui.run("data_kpis", plan=plan_id)
table = entry.grid(kpis, observations, year, ui.western_years())
names = dict(zip(table["kpi_id"], table[entry.NAME]))
widths = entry.COLUMN_WIDTHS
text = st.column_config.TextColumn
column_config = {
    entry.AREA: text("分野", width=widths[entry.AREA]),
    entry.ITEM: text("項目", width=widths[entry.ITEM]),
    entry.NAME: text("指標名", width=widths[entry.NAME]),
    entry.UNIT: text("単位", width=widths[entry.UNIT]),
    entry.TARGET: text("目標値", width=widths[entry.TARGET], help="この年度の目標値（なければ最終目標とその年度）"),
    entry.STORED: text("現在の実績", width=widths[entry.STORED], help="この年度の登録済みの実績値（原文）"),
    entry.ACTUAL: text("実績値", width=widths[entry.ACTUAL], max_chars=importer.MAX_TEXT_CHARS,
                       help="例: 1,234、45.6%、約1.2万人、検討中。空欄・「―」は値なし（登録済みの値はそのまま）"),
    entry.ESTIMATE: text("見込み", width=widths[entry.ESTIMATE], max_chars=importer.MAX_TEXT_CHARS,
                         help="この年度の見込み（実績が出る前の値）。書き方は実績値と同じ"),
}
st.subheader(f"{year_label} の実績値・見込み")
round_no = st.session_state.get("entry_round", 0)
edited = st.data_editor(
    table.to_pandas().set_index("kpi_id"), key=f"entry_grid_{plan_id}_{year}_{round_no}", hide_index=True,
    num_rows="fixed", disabled=list(entry.READ_ONLY), column_config=column_config, width="content",
    height=ui.table_height(table.height, 640), placeholder="", alt="実績値・見込みの入力表")
st.caption("セルをダブルクリックして入力し、Enter で確定します。Excel からの貼り付けもできます。"
           "値の書き方はデータ取込と同じです（テンプレートの「説明」シート）。")
rows = [{"kpi_id": k, entry.ACTUAL: a, entry.ESTIMATE: e}
        for k, a, e in zip(edited.index, edited[entry.ACTUAL], edited[entry.ESTIMATE])]
file = entry.actuals_file(plan_id, year, rows)
done = st.session_state.get("entry_done")
if done and entry.typed(rows):
    st.session_state.pop("entry_done", None)  # new values typed: the last save's summary is done with
elif done and (done["plan_id"], done["year"]) == (plan_id, year):
    with done_slot:
        show_done(done)
directory = ui.data_directory()
signature = (plan_id, year, hashlib.sha256(file[1]).hexdigest(), ui.data_version(), str(directory))

if st.button("確認する", key="entry_check", icon=":material/fact_check:",
             help="入力した値を読み取り、判定がどう変わるかを表示します（まだ保存しません）。"):
    st.session_state.pop("entry_preview", None)
    if not entry.typed(rows):
        st.info("実績値か見込みを入力してから「確認する」を押してください。")
    else:
        with st.spinner("入力した値を読み取っています…"):
            # keep_plan: 保存する writes this preview's plan instead of reading the grid a second time
            result = importer.import_files([file], directory, dry_run=True, keep_plan=True, user=user)
        st.session_state["entry_preview"] = {"signature": signature, "result": result, "file": file, "rows": rows,
                                             "after": {}}

preview = st.session_state.get("entry_preview")
if preview and preview["signature"] != signature:
    if preview["signature"][:2] == (plan_id, year):  # another plan or year: that preview is simply not shown
        st.caption("確認したあとで表（またはデータ）が変わりました。もう一度「確認する」を押してください。")
    preview = None
if not preview:
    st.stop()

result, preview_rows = preview["result"], preview["rows"]
st.subheader("確認")
counts = result.counts()
cols = st.columns(4)
cols[0].metric("値 新規", f"{counts['observations_new']} 件")
cols[1].metric("値 更新", f"{counts['observations_updated']} 件")
cols[2].metric("警告", f"{counts['warnings']} 件")
cols[3].metric("エラー", f"{counts['errors']} 件")
if result.errors:
    st.error(f"読み取れない値が {len(result.errors)} 件あります。表を直してから、もう一度「確認する」を押してください。"
             "このままでは何も保存しません。", icon=":material/error:")
    st.dataframe(entry.issues_table(result.errors, preview_rows, names, year), hide_index=True, width="stretch",
                 key="entry_errors")
if result.warnings:
    st.warning(f"警告が {len(result.warnings)} 件あります。確かめてから保存してください。", icon=":material/warning:")
    st.dataframe(entry.issues_table(result.warnings, preview_rows, names, year), hide_index=True, width="stretch",
                 key="entry_warnings")
if result.observations:
    st.markdown("**読み取った値**")
    st.dataframe(entry.values_table(result, names), hide_index=True, width="stretch", key="entry_values")
    st.caption("「読み取った値」は円・人などの基本単位（% はそのまま）で保存します。")

before = ui.evaluate(plan=plan_id, eval_year=year)
if not result.errors and result.plan is not None:
    memo = (method, bands)
    if memo not in preview["after"]:
        preview["after"][memo] = entry.planned_verdicts(result, plan_id, **verdict_params)
    changes = entry.verdict_changes(before, preview["after"][memo])
    st.markdown(f"**保存すると変わる判定（{year_label}、{status.METHOD_LABELS[method]}）**")
    if changes.height:
        verdict_table(changes, f"{changes.height} 件の指標の判定が変わります。判定は「判定の方式と基準」による（evaluate の結果）。")
    else:
        st.caption("判定が変わる指標はありません。")

# An editor saves only for their entities: a grid that changes another entity's KPIs is refused whole.
others = auth.entities_not_given(me, result, {t: ui.table(t) for t in ("entities", "plans", "kpis")})
if result.errors:
    reason = "読み取れない値があるため保存できません。"
elif others:
    reason = "担当していない自治体・圏域の指標が含まれるため保存できません。管理者に権限を依頼してください。"
elif not result.changed:
    reason = "登録済みのデータと同じです。保存しても何も変わりません。"
else:
    reason = ""
st.divider()
clicked = st.button("保存する", type="primary", disabled=bool(reason), key="entry_save", icon=SAVE,
                    help="読み取った値をまとめて保存します（全部か無しか）。変更履歴に入力者とともに残ります。")
if others and not result.errors:
    st.error(reason, icon=":material/lock:")
    st.text("対象: " + "、".join(others))  # entity names: data, shown as plain text
elif reason:
    st.caption(reason)
if clicked and not reason:
    with st.status("保存しています…", expanded=False) as progress_box:
        bar = st.progress(0.0)
        # the preview's plan if the data is unchanged since (else the grid's file is read again); all or nothing
        saved = importer.commit(result, [preview["file"]], directory, user=user,
                                progress=lambda fraction, text: bar.progress(min(fraction, 1.0), text=text))
        progress_box.update(label="完了" if saved.written else "保存できませんでした",
                            state="complete" if saved.written else "error")
    if saved.errors:
        st.error("保存できませんでした。データは保存前のままです。", icon=":material/error:")
        st.dataframe(entry.issues_table(saved.errors, preview_rows, names, year), hide_index=True, width="stretch")
    elif not saved.written:
        st.info("登録済みのデータと同じため、何も変わりませんでした。")
    else:
        touched = sorted({o["kpi_id"] for o in saved.observations if o["status"] != "unchanged"})
        st.session_state["entry_done"] = {"import_id": saved.import_id, "counts": saved.counts(), "plan_id": plan_id,
                                          "year": year, "before": before, "params": verdict_params,
                                          "kpi_ids": touched}
        st.session_state.pop("entry_preview", None)
        st.session_state["entry_round"] = round_no + 1
        st.rerun()
