"""SQL — 読み取り専用のアドホック分析（上級者向け）"""
from pathlib import Path

import polars as pl
import streamlit as st

from kpiboard import sql_sandbox, tabular, ui

ui.page_header("SQL", "表に対して SELECT 文を実行して、その場で集計できます（読み取り専用）")
st.caption(f"実行できるのは SELECT（WITH … SELECT を含む）1文だけです。データの変更、ファイルやネットワークへのアクセスはできません。"
           f"結果は最大 {sql_sandbox.ROW_LIMIT:,} 行、実行時間は最大 {sql_sandbox.TIME_LIMIT_SECONDS:g} 秒です。")


@st.cache_data(show_spinner=False, max_entries=16)
def table_columns(directory: str, version: str) -> pl.DataFrame:
    return sql_sandbox.table_columns(Path(directory))


@st.cache_data(show_spinner=False, max_entries=32)
def run(sql: str, directory: str, version: str) -> sql_sandbox.SandboxResult:
    return sql_sandbox.run_query(sql, Path(directory))


directory, version = str(ui.data_directory()), ui.data_version()
EXAMPLES = dict(sql_sandbox.EXAMPLES)


def use_example():
    title = st.session_state.get("example")
    if title in EXAMPLES:
        st.session_state["sql"] = EXAMPLES[title]


left, right = st.columns([2, 5])
with left:
    st.subheader("表の一覧")
    columns = table_columns(directory, version)
    tables = columns.group_by("table_name", maintain_order=True).agg(
        pl.col("table_label").first(), pl.col("row_count").first()).sort("table_name")
    st.dataframe(tables.select(pl.col("table_name").alias("表"), pl.col("table_label").alias("内容"),
                               pl.col("row_count").alias("行数")),
                 hide_index=True, width="stretch", height=min(660, 38 + 35 * tables.height))
    shown = st.selectbox("列を見る", tables["table_name"].to_list(), key="table", bind="query-params",
                         index=tables["table_name"].to_list().index("kpi_status") if "kpi_status" in tables["table_name"].to_list() else 0)
    st.dataframe(columns.filter(pl.col("table_name") == shown).select(
        pl.col("column_name").alias("列"), pl.col("data_type").alias("型")), hide_index=True, width="stretch")
    ui.source_caption("データディレクトリの各表（information_schema）。kpi_status は判定のルール（evaluate クエリ）の結果")

with right:
    st.selectbox("例から選ぶ", list(EXAMPLES), index=None, key="example", on_change=use_example,
                 placeholder="例: 分野別の判定件数、予算の年度別合計 …")
    sql = st.text_area("SQL", key="sql", bind="query-params", height=240,
                       placeholder="SELECT plan, status, count(*) AS 件数\nFROM kpi_status\nGROUP BY ALL")
    st.button("実行", type="primary", icon=":material/play_arrow:", key="run")

    if sql and sql.strip():
        try:
            with st.spinner(f"実行中…（最大 {sql_sandbox.TIME_LIMIT_SECONDS:g} 秒）"):
                result = run(sql, directory, version)
        except sql_sandbox.SandboxError as e:
            st.error(e.message, icon="🚫")
            if e.detail:
                with st.expander("DuckDB のエラー詳細"):
                    st.code(e.detail, language=None)
        else:
            frame = result.frame
            st.metric("結果", f"{frame.height:,} 行 × {frame.width} 列",
                      help=f"実行時間 {result.seconds:.2f} 秒")
            if result.truncated:
                st.warning(f"結果が {result.row_limit:,} 行を超えたため、最初の {result.row_limit:,} 行だけを表示しています。"
                           "集計するか条件を絞ってください。", icon="✂️")
            st.dataframe(frame, hide_index=True, width="stretch")
            ui.source_caption("入力した SQL の結果（元の数値の出典は各表の source 列）")
            st.download_button("結果をダウンロード（CSV）", data=lambda: tabular.to_csv_bytes(frame),
                               file_name="sql_result.csv", mime="text/csv", icon=":material/download:")
    else:
        st.info("SQL を入力して「実行」を押すか、例を選んでください。", icon="💡")
