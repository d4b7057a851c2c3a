"""Streamlit helpers shared by the pages: the connection, cached named queries, common widgets.

Caches are keyed on small things (query name, parameters, data version), never on DataFrames.
"""
from __future__ import annotations

from pathlib import Path

import polars as pl
import streamlit as st

from . import db, store
from .eras import format_fiscal_year


@st.cache_resource(show_spinner=False)
def _connection(directory: str):
    return db.connect(Path(directory))


def data_directory() -> Path:
    return store.data_dir()


def data_version() -> str:
    return store.data_version(data_directory())


@st.cache_data(show_spinner=False, max_entries=256)
def _run_cached(name: str, directory: str, version: str, params: tuple) -> pl.DataFrame:
    return db.run(name, _connection(directory), **dict(params))


def run(name: str, **params) -> pl.DataFrame:
    """A named query from queries/, cached until the data directory changes."""
    return _run_cached(name, str(data_directory()), data_version(), tuple(sorted(params.items())))


def table(name: str) -> pl.DataFrame:
    return _table_cached(name, str(data_directory()), data_version())


@st.cache_data(show_spinner=False, max_entries=64)
def _table_cached(name: str, directory: str, version: str) -> pl.DataFrame:
    return store.read_table(Path(directory), name)


def is_synthetic() -> bool:
    ds = table("dataset")
    return bool(ds.height and ds["synthetic"].any())


def synthetic_banner() -> None:
    if is_synthetic():
        st.warning("**合成データ** — 表示中の数値は試験用に生成した架空のものです。実在の自治体の実績ではありません。", icon="⚠️")


def page_header(title: str, caption: str = "") -> None:
    """Every page starts here: the 合成データ banner, the title, and a one-line purpose."""
    synthetic_banner()
    st.title(title)
    if caption:
        st.caption(caption)


def western_years() -> bool:
    return bool(st.session_state.get("western_years", False))


def fy(value) -> str:
    """Fiscal year as R6（2024）, or 2024 with the Western-years setting."""
    if value is None:
        return "―"
    return format_fiscal_year(int(value), western_only=western_years())


def source_caption(text: str) -> None:
    st.caption(f"出典: {text}")
