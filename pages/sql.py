"""SQL — 読み取り専用のアドホック分析（上級者向け）"""
import logging
from pathlib import Path

import polars as pl
import streamlit as st

from kpiboard import sql_sandbox, tabular, ui, views
from kpiboard.sql_sandbox import SandboxError, megabytes

ui.page_header("SQL", "表に対して SELECT 文を実行して、その場で集計できます（読み取り専用）")
st.caption(f"実行できるのは SELECT（WITH … SELECT を含む）1文だけです。データの変更、ファイルやネットワークへのアクセスはできません。"
           f"SQL は {sql_sandbox.MAX_QUERY_CHARS:,} 文字まで、結果は最大 {sql_sandbox.ROW_LIMIT:,} 行・"
           f"{megabytes(sql_sandbox.RESULT_BYTE_LIMIT)}、実行時間は最大 {sql_sandbox.TIME_LIMIT_SECONDS:g} 秒、"
           f"メモリは {megabytes(sql_sandbox.MEMORY_BUDGET)} までです。")
ICONS = {"timeout": ":material/timer_off:", "memory": ":material/memory:", "busy": ":material/hourglass_top:"}


@st.cache_data(show_spinner=False, max_entries=16)
def table_columns(directory: str, version: str) -> pl.DataFrame:
    return sql_sandbox.table_columns(Path(directory))


@st.cache_data(show_spinner=False, max_entries=8, ttl=600)
def run(sql: str, directory: str, version: str) -> sql_sandbox.SandboxResult | SandboxError:
    """The result or the refusal, both cached: a URL shared widely runs its query once, not per visit."""
    try:
        return sql_sandbox.run_query(sql, Path(directory))
    except SandboxError as e:
        if e.kind == "busy":  # says nothing about the query: try again next time
            raise
        return e


def outcome(sql: str, directory: str, version: str) -> sql_sandbox.SandboxResult | SandboxError:
    try:
        sql_sandbox.check_text(sql)  # a huge text is refused here, before it is hashed or sent
        with st.spinner(f"実行中…（最大 {sql_sandbox.TIME_LIMIT_SECONDS:g} 秒）"):
            return run(sql, directory, version)
    except SandboxError as e:
        return e
    except Exception:  # a bug of ours must not show a traceback with server paths
        logging.getLogger(__name__).exception("SQL sandbox failed")
        return SandboxError("error", "SQL の実行中に予期しないエラーが発生しました。")


def show_error(error: SandboxError) -> None:
    st.error(error.message, icon=ICONS.get(error.kind, ":material/block:"))
    if error.detail:
        with st.expander("DuckDB のエラー詳細"):
            st.code(error.detail, language=None)


def show_result(result: sql_sandbox.SandboxResult) -> None:
    frame = result.frame
    st.metric("結果", f"{frame.height:,} 行 × {frame.width} 列", help=f"実行時間 {result.seconds:.2f} 秒")
    if result.cut == "rows":
        st.warning(f"結果が {result.row_limit:,} 行を超えたため、最初の {result.row_limit:,} 行だけを表示しています。"
                   "集計するか条件を絞ってください。", icon=":material/content_cut:")
    elif result.cut == "bytes":
        st.warning(f"結果が {megabytes(result.byte_limit)} を超えたため、最初の {frame.height:,} 行だけを表示しています。"
                   "列を絞るか、集計してから実行してください。", icon=":material/content_cut:")
    st.dataframe(frame, hide_index=True, width="stretch")
    ui.source_caption("入力した SQL の結果（元の数値の出典は各表の source 列）")
    st.download_button("結果をダウンロード（CSV）", data=lambda: tabular.to_csv_bytes(frame),
                       file_name="sql_result.csv", mime="text/csv", icon=":material/download:")


directory, version = str(ui.data_directory()), ui.data_version()
with ui.slot_lent(), st.spinner("SQL 用の表を準備しています（データの版ごとに1回、全国規模では1分ほど）…"):
    sql_sandbox.snapshot_dir(Path(directory))  # written inside DuckDB: other sessions' pages run meanwhile
EXAMPLES = dict(sql_sandbox.EXAMPLES)


def use_example():
    title = st.session_state.get("example")
    if title in EXAMPLES:
        st.session_state["sql"] = EXAMPLES[title]


left, right = st.columns([2, 5])
with left:
    st.subheader("表の一覧")
    try:
        columns = table_columns(directory, version)
    except SandboxError as e:
        show_error(e)
    else:
        tables = views.sql_tables(columns)
        names = views.sql_table_names(tables)
        st.dataframe(views.sql_table_list(tables), hide_index=True, width="stretch",
                     height=min(660, 38 + 35 * tables.height))
        shown = st.selectbox("列を見る", names, key="table", bind="query-params",
                             index=names.index(sql_sandbox.STATUS_TABLE) if sql_sandbox.STATUS_TABLE in names else 0,
                             placeholder=ui.PICK)
        st.dataframe(views.sql_columns(columns, shown), hide_index=True, width="stretch")
        ui.source_caption("データディレクトリの各表（information_schema）。kpi_status は判定のルール（evaluate クエリ）の結果")

with right:
    st.selectbox("例から選ぶ", list(EXAMPLES), index=None, key="example", on_change=use_example,
                 placeholder="例: 分野別の判定件数、予算の年度別合計 …")
    # Opens with the first example filled in: 実行 shows a result at once, and the text shows how to ask.
    sql = st.text_area("SQL", value=sql_sandbox.EXAMPLES[0][1], key="sql", bind="query-params", height=240)
    st.button("実行", type="primary", icon=":material/play_arrow:", key="run")

    if sql and sql.strip():
        answer = outcome(sql, directory, version)
        if isinstance(answer, SandboxError):
            show_error(answer)
        else:
            show_result(answer)
    else:
        st.info("SQL を入力して「実行」を押すか、例を選んでください。", icon=":material/lightbulb:")
