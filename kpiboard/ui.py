"""Streamlit helpers shared by the pages: the connection, cached named queries, common widgets.

Caches are keyed on small things (query name, parameters, data version), never on DataFrames.

The filters pages share (entity, plan, year, method) and the app-wide settings (発表モード, 西暦のみ,
the progress bands) are one kpiboard.filters.Filters value: read_filters() reads it from the URL once
per run (app.py), the pickers show it and hold a change (a callback), and _write() is the one place that
puts it back into the URL, as ids. Held in session state, it survives a page switch, which drops the URL's
parameters. A page's own choices (a KPI, an indicator) live in the URL through id_picker.
"""
from __future__ import annotations

import os
import threading
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import plotly.graph_objects as go
import polars as pl
import streamlit as st

from . import charts, citations, db, results, status, store, trajectory
from . import format as fmt
from . import filters as filter_values
from .filters import ALL, Filters
from .settings import SETTINGS, SettingError
from .eras import format_fiscal_year
from .parsing import format_value

ASSETS = Path(__file__).resolve().parent / "assets"
# Widget keys of the shared filters (each is also its URL parameter, see kpiboard.filters).
ENTITY, PLAN, YEAR, METHOD, WESTERN, PRESENT = "entity", "plan", "year", "method", "western_years", "present"
AS_OF = "as_of"
LATEST = "最新の実績年度"
# What a user sees when a page fails (app.py logs the details on the server).
PAGE_FAILED = ("この画面の表示中にエラーが発生しました。条件を変えるか、ページを再読み込みしてください。"
               "続く場合は管理者に連絡してください（詳細はサーバーのログに記録しました）。")
# The plan a newcomer sees first (README: a populated 概要 for 富山県成長戦略).
DEFAULT_PLAN = "富山県成長戦略"
ENTITY_TYPE_JA = {"prefecture": "都道府県", "municipality": "市区町村", "region": "連携中枢都市圏", "nation": "国"}


@st.cache_resource(show_spinner=False, max_entries=8)
def _database(directory: str, version: str) -> db.Database:
    # One per snapshot read: every query of a run reads the version data_version() chose (the newest, or the
    # 時点 shown), even while an import commits another.
    return db.Database(Path(directory), version)


# Pages run their Python a few at a time: with every session's script thread runnable at once, the
# server's event loop (which answers the browser and /_stcore/health) waits its turn for the GIL behind
# all of them. Waiting here releases the GIL; the CPU is no less busy (2 cores), answers come sooner.
PAGE_SLOTS = threading.BoundedSemaphore(max(2, (os.cpu_count() or 2)))


_slot = threading.local()


@contextmanager
def page_slot():
    with PAGE_SLOTS:
        _slot.held = True
        try:
            yield
        finally:
            _slot.held = False


@contextmanager
def slot_lent():
    """Around a long wait inside DuckDB (the GIL released, nothing of Python to run): the slot goes to another
    session's page meanwhile (the SQL page's first snapshot of national data takes a minute)."""
    held = getattr(_slot, "held", False)
    if held:
        PAGE_SLOTS.release()
        _slot.held = False
    try:
        yield
    finally:
        if held:
            PAGE_SLOTS.acquire()
            _slot.held = True


def data_directory() -> Path:
    return store.data_dir()


_PINNED = "_data_version"


def pin_version() -> str:
    """Once per run (app.py, after the filters): the snapshot every query of this run reads, so a run never mixes
    two versions and asks the catalog once, not per query."""
    st.session_state.pop(_PINNED, None)
    st.session_state[_PINNED] = version = data_version()
    return version


def data_version() -> str:
    """The snapshot this run reads: the newest, or the one current at the 時点 chosen (filters.as_of)."""
    pinned = st.session_state.get(_PINNED)
    if pinned is not None:
        return pinned
    held = st.session_state.get(_HELD)  # not filters(): reading the filters may itself run a query
    if held is not None and held.as_of:
        try:
            return str(_version_as_of(str(data_directory()), held.as_of, store.data_version(data_directory())))
        except store.StoreError:
            pass  # no data yet on that day: the newest, and as_of_notice says so
    return store.data_version(data_directory())


@st.cache_data(show_spinner=False, max_entries=64)
def _version_as_of(directory: str, as_of: str, newest: str) -> int:
    return store.version_as_of(Path(directory), as_of)


def as_of_notice() -> None:
    """Above every page while a past 時点 is shown: which day and which snapshot (and when there is none)."""
    as_of = filters().as_of
    if not as_of:
        return
    try:
        version = _version_as_of(str(data_directory()), as_of, store.data_version(data_directory()))
    except store.StoreError:
        st.warning(f"{as_of} の時点にはまだデータがないため、最新のデータを表示しています。", icon=":material/history:")
        return
    snap = store.snapshots(data_directory()).filter(pl.col("snapshot_id") == version)
    when = snap["snapshot_time"][0][:16].replace("T", " ") if snap.height else ""
    st.info(f"{as_of} 時点のデータを表示しています（{when} の更新 #{version} まで）。最新に戻すにはサイドバーの「表示する時点」を空にします。",
            icon=":material/history:")


def as_of_input() -> None:
    """The sidebar's 表示する時点 (URL ?as_of=2025-03-10): every page and export then reads that day's snapshot."""
    held = filters().as_of
    st.session_state[AS_OF] = date.fromisoformat(held) if held else None
    st.date_input("表示する時点", key=AS_OF, format="YYYY/MM/DD",
                  help="この日の終わりの時点のデータで表示・出力します（会議で見たとおりに再現）。空欄は最新のデータ。",
                  on_change=lambda: hold(as_of=st.session_state[AS_OF].isoformat() if st.session_state[AS_OF] else None))


def _run_cached(name: str, directory: str, version: str, params: tuple, outer: str | None = None) -> pl.DataFrame:
    def compute() -> pl.DataFrame:
        with st.spinner("データを集計しています…"):
            return db.run_over(name, _database(directory, version), outer, **dict(params))
    return results.RESULTS.get(("run", name, directory, version, params, outer), compute)


def _given(params: dict) -> tuple:
    # None means "the parameter's default" to db.run, so leaving it out gives the same result and
    # lets calls with and without an explicit None share one cache entry.
    # Lists become tuples: the cache key must be hashable (db.run binds tuples as lists again).
    return tuple(sorted((k, tuple(v) if isinstance(v, (list, set)) else v) for k, v in params.items() if v is not None))


def run(name: str, **params) -> pl.DataFrame:
    """A named query from queries/, cached until the data directory changes."""
    return _run_cached(name, str(data_directory()), data_version(), _given(params))


def run_over(name: str, outer: str, **params) -> pl.DataFrame:
    """A named query read through `outer` (SQL over its rows as q: a count, a few columns), cached like run."""
    return _run_cached(name, str(data_directory()), data_version(), _given(params), outer)


def table(name: str) -> pl.DataFrame:
    return _table_cached(name, str(data_directory()), data_version())


def _table_cached(name: str, directory: str, version: str) -> pl.DataFrame:
    return results.RESULTS.get(("table", name, directory, version),
                               lambda: store.read_table(Path(directory), name, version))


def source_heads() -> tuple[str, ...]:
    """The documents cited in this data (kpiboard.citations), to name a document without its places."""
    return _source_heads_cached(str(data_directory()), data_version())


@st.cache_data(show_spinner=False, max_entries=8)
def _source_heads_cached(directory: str, version: str) -> tuple[str, ...]:
    return citations.heads(store.read_table(Path(directory), "sources"))


def manifest() -> dict:
    directory = data_directory()
    return _manifest_cached(str(directory), store.data_version(directory))


@st.cache_data(show_spinner=False, max_entries=8)
def _manifest_cached(directory: str, newest: str) -> dict:
    # read once per snapshot: at national scale reading the catalog's table list took 37 ms of every rerun
    return store.read_manifest(Path(directory))


def is_synthetic() -> bool:
    ds = table("dataset")
    return bool(ds.height and ds["synthetic"].any())


def synthetic_banner() -> None:
    if is_synthetic():
        st.warning("**合成データ** — 表示中の数値は試験用に生成した架空のものです。実在の自治体の実績ではありません。",
                   icon=":material/science:")


def ensure_app_shell() -> None:
    """Run every page inside app.py's navigation, also when a deep link is the server's first request.

    Streamlit decides once per process whether it serves a legacy `pages/` folder app; if the very
    first request is a deep link (/indicator?kpi=…), it runs the page file alone (no settings, no
    presentation mode) until app.py has run once. Here the page notices, switches to st.navigation
    mode and reruns, so the same URL opens the full app. AppTest runs pages alone on purpose.
    """
    from streamlit import config
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory and not config.get_option("global.appTest"):
        PagesManager.uses_pages_directory = False
        st.rerun()


def page_header(title: str, caption: str = "") -> None:
    """Every page starts here: the 合成データ banner, the title, and a one-line purpose."""
    ensure_app_shell()
    synthetic_banner()
    st.title(title)
    if caption and not presenting():
        st.caption(caption)


# ---------------------------------------------------------------------------------------------
# App-wide settings (set in app.py's sidebar, read by every page)

_HELD, _WRITTEN = "_filters", "_filters_url"


def read_filters() -> Filters:
    """Once per run, before anything is drawn (app.py): the URL's new values over the filters held from
    the last run, then the URL written back."""
    params, written = st.query_params.to_dict(), st.session_state.get(_WRITTEN) or {}
    labels = {}
    if any(k in params and params[k] != written.get(k) for k in (ENTITY, PLAN)):  # an entity or plan from a link
        ents = entities()
        labels = {ENTITY: dict(zip(ents["entity"], ents["entity_id"])),
                  PLAN: {plan_label(r): r["plan_id"] for r in plans().iter_rows(named=True)}}
    read = filter_values.from_url(params, held=st.session_state.get(_HELD), last_written=written, labels=labels,
                                  method_labels=status.METHOD_LABELS)
    _write(read)
    return read


def filters() -> Filters:
    """This run's filters (read from the URL when nothing is held yet: a page run on its own)."""
    held = st.session_state.get(_HELD)
    return held if held is not None else read_filters()


def hold(**values) -> None:
    """A picker's change (called from its callback): held for the next run and put into the URL."""
    _write(filters().changed(**values))


def _write(value: Filters) -> None:
    """The one place that writes the shared filters into the URL (only what differs from the defaults)."""
    st.session_state[_HELD] = value
    wanted = value.to_url()
    for key in (*filter_values.KEYS, *filter_values.LEGACY_BAND_KEYS):
        if key in wanted:
            if st.query_params.get(key) != wanted[key]:
                st.query_params[key] = wanted[key]
        elif key in st.query_params:
            del st.query_params[key]
    st.session_state[_WRITTEN] = wanted


def western_years() -> bool:
    return filters().western_years


def presenting() -> bool:
    """Presentation mode: no sidebar, larger type, one chart per screen (app.py draws the frame)."""
    return filters().present


def method() -> str:
    return filters().method


def chosen_bands() -> tuple:
    """The bands as set in the sidebar (unchecked)."""
    return filters().bands


def bands() -> tuple[float, float, float]:
    """The ratio bands (順調 / 概ね順調 / やや遅れ); the defaults when the chosen ones are refused."""
    try:
        return SETTINGS.bands(chosen_bands())
    except SettingError:
        return SETTINGS.default_bands()


def setting_toggle(label: str, name: str, *, help: str) -> None:
    """An app-wide on/off setting (発表モード, 西暦のみ) in the sidebar, held with the filters."""
    st.session_state[name] = getattr(filters(), name)
    st.toggle(label, key=name, help=help, on_change=lambda: hold(**{name: st.session_state[name]}))


def band_input(label: str, name: str) -> None:
    """One progress band (URL ?band_on_track=0.9 …), held with the filters; checked as a whole by bands()."""
    setting = SETTINGS[name]
    st.session_state[name] = getattr(filters(), name)
    st.number_input(label, min_value=setting.minimum, max_value=setting.maximum, step=0.05, key=name,
                    help=setting.help, on_change=lambda: hold(**{name: float(st.session_state[name])}))


def evaluate(**filters) -> pl.DataFrame:
    """The evaluate query with the app-wide method and bands: statuses as the settings say."""
    return judged("evaluate", **filters)


def judged(name: str, **params) -> pl.DataFrame:
    """evaluate, or a query over its rows (a roll-up such as plan_verdict_mix), with the app-wide method and bands."""
    on, mostly, slightly = bands()
    return run(name, method=method(), band_on_track=on, band_mostly=mostly, band_slightly=slightly, **params)


def fy(value) -> str:
    """Fiscal year as R6（2024）, or 2024 with the Western-years setting."""
    if value is None:
        return "―"
    return format_fiscal_year(int(value), western_only=western_years())


def fy_expr(column) -> pl.Expr:
    """A fiscal-year column as the setting says (vectorised; see kpiboard.format)."""
    return fmt.fiscal_year(column, western_years())


def value_text(value, unit: str | None = "", year=None) -> str:
    """3,980万円（R6（2024））: a figure the Japanese way, with its fiscal year if given.
    One value: the scalar twin of format.value (tests keep the two equal); a column goes through format."""
    if value is None:
        return fmt.NONE_TEXT
    text = format_value(float(value), unit or "")
    return f"{text}（{fy(year)}）" if year is not None else text


def _rounded(v: float) -> float:
    """Rounded to what matters for a derived figure (a pace, a projection): 3,400 / 16.7 / 0.33."""
    return round(v, 0 if abs(v) >= 100 else 1 if abs(v) >= 1 else 2)


def approx_text(value, unit: str | None = "") -> str:
    """A derived figure (projection) the Japanese way, without false precision: 183.3人, 1万2,346人."""
    return "―" if value is None else value_text(_rounded(float(value)), unit)


def change_text(value, unit: str | None = "") -> str:
    """A change per year, signed and rounded to what matters: +1.2ポイント, -0.33位, +3,400人."""
    if value is None:
        return "―"
    v = _rounded(float(value))
    unit = unit or ""
    text = value_text(abs(v), "ポイント" if unit == "%" else unit)
    return ("+" if v > 0 else "-" if v < 0 else "±") + text


def per_year_text(value, unit: str | None = "") -> str:
    """A pace in words: 「1年あたり +25人」; a rank says which way and, under a place a year, how many years a place
    takes (「約3年で1位上昇」 — not 「年 -0.33位」: a smaller rank is a rise, and a third of a place means nothing)."""
    if value is None:
        return "―"
    if unit != "位":
        return "1年あたり " + change_text(value, unit)
    v = _rounded(float(value))
    if v == 0:
        return "順位は変わらず"
    way = "上昇" if v < 0 else "低下"
    if abs(v) < 1:
        return f"約{round(1 / abs(v))}年で1位{way}"
    return f"1年あたり{value_text(abs(v), '位')}{way}"


def ratio_text(value) -> str:
    """0.834 → 83%: the scalar twin of format.ratio."""
    return fmt.NONE_TEXT if value is None else f"{round(value * 100):,}%"  # round(): never 「-0%」


def source_caption(text: str) -> None:
    """The source line under a chart or table. Sources are data: shown as text, never as Markdown."""
    st.caption("出典: " + fmt.md(text))


# ---------------------------------------------------------------------------------------------
# Layout that adapts to presentation mode

def columns(spec, **kwargs):
    """st.columns normally; in presentation mode the same number of stacked containers (one per screen)."""
    n = spec if isinstance(spec, int) else len(spec)
    if presenting():
        return [st.container() for _ in range(n)]
    return st.columns(spec, **kwargs)


def filter_bar():
    """Where a page puts its pickers: in view normally, folded away in presentation mode."""
    if presenting():
        return st.expander("表示条件を変更", icon=":material/tune:")
    return st.container()


def plan_filters(*, allow_all: bool = False):
    """The 自治体・計画・評価年度・判定方式 row that plan pages share (same widgets, same URL keys).

    Returns (entity, plan, year, method) and the container, so a page can add its own inputs below."""
    bar = filter_bar()
    with bar:
        c1, c2, c3, c4 = st.columns([2, 4, 2, 2])
        entity = entity_picker(container=c1)
        plan = plan_picker(entity, allow_all=allow_all, container=c2)
        year = year_picker(plan, entity, container=c3)
        chosen_method = method_picker(c4)
    return entity, plan, year, chosen_method, bar


def context_line(text: str) -> None:
    """What the screen shows (plan, year, method) — in presentation mode the audience needs it.
    The text holds plan names (data): shown escaped, styled through the container's key (app.py CSS)."""
    if presenting():
        with st.container(key="kpi_context"):
            st.markdown(fmt.md(text))
    else:
        st.caption(fmt.md(text))


def chart(fig: go.Figure, *, key: str | None = None) -> None:
    """A Plotly figure without developer controls, its source as a caption beneath (wraps, unlike an
    annotation); large type and one screen high when presenting. Exports keep the in-figure source."""
    config = {"displaylogo": False, "locale": "ja", "responsive": True,
              "displayModeBar": False if presenting() else "hover",
              "modeBarButtonsToRemove": ["select2d", "lasso2d", "autoScale2d", "toggleSpikelines"],
              "toImageButtonOptions": {"format": "png", "scale": 2}}
    fig = go.Figure(fig)
    source = None
    kept = []
    for ann in fig.layout.annotations or ():
        if ann.name == "source" and source is None:
            source = charts.plain_text(ann.text)
        else:
            kept.append(ann)
    if source is not None:
        fig.layout.annotations = kept
        margin_b = fig.layout.margin.b or 96
        fig.update_layout(margin={"b": max(40, margin_b - 60)}, height=(fig.layout.height or 420) - min(60, margin_b - 40))
    if presenting():
        present(fig)
    st.plotly_chart(fig, config=config, key=key, theme=None)
    if source is not None:
        # a projector shows the document's name; the places are in the table beneath or on the page itself
        shown = source if not presenting() or len(source) <= PRESENT_SOURCE_CHARS else \
            source[:PRESENT_SOURCE_CHARS - 1] + "…"
        st.caption(fmt.md(shown))


PRESENT_TEXT_PX = 18  # the smallest chart text on a projector (1920×1080 or 1280×720, read from the back)
PRESENT_SOURCE_CHARS = 90
# The projector's screen → the tallest chart that fits under the browser's chrome: a long ranking is squeezed
# rather than cut by the fold (Plotly thins crowded category labels instead of shrinking them)
PRESENT_SCREENS = {"1080": "1920×1080", "720": "1280×720"}
PRESENT_MAX_HEIGHTS = {"1080": 1000, "720": 660}
SCREEN = "screen"
PRESENT_NOWRAP_CHARS = 12  # table cells this short stay on one line when presenting


def screen_picker() -> None:
    """発表モード's 投影する画面 (URL ?screen=720): charts are sized to fit that screen's height at the same type."""
    st.session_state[SCREEN] = filters().screen
    st.segmented_control("投影する画面", list(PRESENT_SCREENS), format_func=PRESENT_SCREENS.get, key=SCREEN,
                         label_visibility="collapsed", required=True,
                         on_change=lambda: hold(screen=st.session_state[SCREEN] or filters().screen))


def present(fig: go.Figure) -> None:
    """A figure for the projector: every text at least PRESENT_TEXT_PX (ticks, legend, annotations, labels
    on bars), the title larger, one screen high."""
    base = max(fig.layout.font.size or 14, PRESENT_TEXT_PX) + 2
    tallest = PRESENT_MAX_HEIGHTS[filters().screen]
    fig.update_layout(font={"size": base}, height=min(max(fig.layout.height or 0, min(700, tallest)), tallest),
                      title={"font": {"size": base + 10}}, legend={"font": {"size": base}},
                      hoverlabel={"font": {"size": base}})
    fig.update_xaxes(tickfont={"size": base}, title_font={"size": base})
    fig.update_yaxes(tickfont={"size": base}, title_font={"size": base})
    fig.update_traces(textfont={"size": base}, selector=lambda t: hasattr(t, "textfont"))
    for ann in fig.layout.annotations or ():
        ann.font.size = max(ann.font.size or base, base)


def _glued(column: str) -> pl.Expr:
    """A cell's opening words (up to 「（」, at most PRESENT_NOWRAP_CHARS) joined by word joiners: a status word,
    a year or a value stays on one line; a reason in brackets after it may wrap."""
    col = pl.col(column)
    head = col.str.extract(rf"^([^（]{{1,{PRESENT_NOWRAP_CHARS}}})", 1)
    glued = head.str.replace_all(r"(.)", "${1}\u2060")
    return (pl.when(head.is_not_null()).then(pl.concat_str([glued, col.str.slice(head.str.len_chars())]))
            .otherwise(col).alias(column))


def show_table(frame: pl.DataFrame, source: str, *, height: int | str = "auto", column_config=None,
               key: str | None = None, on_select="ignore", selection_mode="single-row", max_rows: int = 30):
    """A table with its source beneath. Presentation mode shows a plain large-type table."""
    if presenting() and on_select == "ignore":
        # st.table reads its cells as Markdown: text cells go in escaped. Short cells (a status word, a year,
        # a value) are glued with word joiners first, so large type never breaks 「判定／不能」 over two lines.
        texts = [c for c, dtype in frame.schema.items() if dtype == pl.Utf8]
        shown = frame.head(max_rows).with_columns(_glued(c) for c in texts).with_columns(
            fmt.markdown_text(c) for c in texts)
        st.table(shown.to_pandas().set_index(shown.columns[0]) if shown.width else shown)
        if frame.height > max_rows:
            st.caption(f"先頭 {max_rows} 行を表示（全 {frame.height} 行）")
        source_caption(source)
        return None
    result = st.dataframe(frame, hide_index=True, width="stretch", height=height, column_config=column_config,
                          key=key, on_select=on_select, selection_mode=selection_mode)
    source_caption(source)
    return result


def status_badge(s: str | None, size: str = "1rem") -> None:
    # Only our own chip markup, picked from a fixed table by status (never data text): see status.badge_html.
    st.markdown(status.badge_html(s, size), unsafe_allow_html=True)


# ---------------------------------------------------------------------------------------------
# Shared pickers (same keys on every page)

def entities() -> pl.DataFrame:
    return run("entities_list")


def plans() -> pl.DataFrame:
    return run("plans_list")


ALL_ENTITIES, ALL_PLANS = "すべての自治体・圏域", "すべての計画"
PICK = "選んでください"  # an empty picker's placeholder (Streamlit's own is English)
LATEST_OPTION = 0  # 「最新の実績年度」 as a selectbox option: None would read as "nothing chosen" (an empty box)


def _select(where, label: str, labels: dict, shown, *, key: str, on_pick, **kwargs):
    """A selectbox showing `shown`; a pick calls on_pick(value) as a callback (before the next run), so the
    choice is held in the filters, never read back from the widget's label."""
    st.session_state[key] = shown
    return where.selectbox(label, list(labels), format_func=labels.get, key=key, placeholder=PICK,
                           on_change=lambda: on_pick(st.session_state[key]), **kwargs)


def plan_label(row: dict) -> str:
    """「富山県｜富山県成長戦略」: how a plan is named in the picker and on screen."""
    return f"{row['entity']}｜{row['plan']}"


def entity_picker(*, label: str = "自治体・圏域", entity_types: tuple[str, ...] | None = None,
                  container=None) -> dict | None:
    """Entity filter (URL ?entity=<entity_id>); None = all."""
    ents = entities()
    if entity_types:
        ents = ents.filter(pl.col("entity_type").is_in(entity_types))
    ids = ents["entity_id"].to_list()
    labels = {ALL: ALL_ENTITIES, **dict(zip(ids, ents["entity"].to_list()))}
    held = filters().entity
    shown = held if held in ids else ALL
    _select(container or st, label, labels, shown, key=ENTITY, help="計画を持つ自治体・連携中枢都市圏で絞り込みます",
            on_pick=lambda v: hold(entity=None if v == ALL else v))
    return None if shown == ALL else ents.row(ids.index(shown), named=True)


def plan_picker(entity: dict | None = None, *, label: str = "計画", allow_all: bool = False,
                only_with_kpis: bool = False, container=None) -> dict | None:
    """Plan filter (URL ?plan=<plan_id>, or all); 富山県成長戦略 by default. None = all plans."""
    ps = plans()
    if entity:
        ps = ps.filter(pl.col("entity_id") == entity["entity_id"])
    if only_with_kpis:
        ps = ps.filter(pl.col("kpi_count") > 0)
    where = container or st
    if ps.is_empty():
        where.selectbox(label, ["（計画がありません）"], disabled=True, placeholder=PICK)
        return None
    ids = ps["plan_id"].to_list()
    labels = {**({ALL: ALL_PLANS} if allow_all else {}), **dict(zip(ids, (plan_label(r) for r in ps.iter_rows(named=True))))}
    names = ps["plan"].to_list()
    default = ids[names.index(DEFAULT_PLAN)] if DEFAULT_PLAN in names else ids[_first_plan(ps)]
    held = filters().plan
    shown = held if held in labels else default
    _select(where, label, labels, shown, key=PLAN, on_pick=lambda v: hold(plan=v))
    return None if shown == ALL else ps.row(ids.index(shown), named=True)


def _first_plan(ps: pl.DataFrame) -> int:
    """Without 富山県成長戦略: a 富山県 plan with KPIs (as in the synthetic data), else the first
    prefecture's plan with KPIs, else the first plan with KPIs."""
    has_kpis = pl.col("kpi_count") > 0
    for condition in (has_kpis & pl.col("entity").str.starts_with("富山県"),
                      has_kpis & (pl.col("entity_type") == "prefecture"), has_kpis):
        hits = ps.with_row_index("_i").filter(condition)["_i"]
        if hits.len():
            return int(hits[0])
    return 0


def method_picker(container=None, *, horizontal: bool = True) -> str:
    """判定方式 (URL ?method=expected|abnf; the same radio, options and labels on every page)."""
    st.session_state[METHOD] = method()
    return (container or st).radio(
        "判定方式", list(status.METHOD_LABELS), format_func=status.METHOD_LABELS.get, key=METHOD,
        horizontal=horizontal, on_change=lambda: hold(method=st.session_state[METHOD]),
        help="期待値方式: 期待値に対する進捗率で5段階。A/B/N/F方式: 達成率と経過期間の比較（国の方式）。"
             "基準はサイドバーの「判定の方式と基準」で説明・変更できます。")


def year_picker(plan: dict | None = None, entity: dict | None = None, *, label: str = "評価年度",
                container=None) -> int | None:
    """Evaluation year (URL ?year=2024): the years with actuals; None = each KPI's latest actual year."""
    years = run("plan_years", plan=plan["plan_id"] if plan else None,
                entity=entity["entity_id"] if entity else None)["fiscal_year"].to_list()
    labels = {LATEST_OPTION: LATEST, **{y: fy(y) for y in years}}
    held = filters().year
    shown = held if held in years else LATEST_OPTION
    _select(container or st, label, labels, shown, key=YEAR, on_pick=lambda v: hold(year=v or None),
            help="実績値のある年度から選びます。既定はKPIごとに実績のある最新の年度です。")
    return None if shown == LATEST_OPTION else shown


def year_choice(label: str, years: list[int], *, key: str, index: int = 0, container=None) -> int:
    """A page's own fiscal-year picker (URL ?<key>=2024, whatever the Western-years setting shows)."""
    labels = {str(y): fy(y) for y in years}
    return int(id_picker(label, labels, key=key, default=str(years[index]), container=container))


def settings_summary(plan: dict | None = None, year: int | None = None) -> str:
    parts = []
    if plan:
        parts.append(f"{plan['plan']}（{plan['entity']}）")
    parts.append(f"評価年度: {LATEST if year is None else fy(year)}")
    parts.append(f"判定方式: {status.METHOD_LABELS[method()]}")
    if bands() != SETTINGS.default_bands():
        parts.append("判定基準: " + " / ".join(f"{b:g}" for b in bands()))
    return "｜".join(parts)


def link_params(**extra) -> dict[str, str]:
    """The shared filters plus `extra`: for links to another page that keep the view."""
    return {**filters().to_url(), **{k: str(v) for k, v in extra.items() if v is not None}}


def open_kpi(kpi_id: str) -> None:
    """Go to the 指標 page showing this KPI, keeping the shared filters."""
    st.switch_page("pages/indicator.py", query_params=link_params(kpi=kpi_id))


def expected_path(kpi: dict) -> list[tuple[int, float]]:
    """(fiscal year, expected value) for each year of the KPI's line, from the rules (evaluate over those
    years), so the chart's expected path is exactly what the status uses."""
    paths = trajectory.expected_paths([kpi], lambda years: evaluate(kpi_id=kpi["kpi_id"], eval_years=years))
    return paths.get(kpi["kpi_id"], [])


def table_height(rows: int, limit: int = 560) -> int:
    """Tall enough to show every row up to `limit` pixels (st.dataframe rows are 35 px)."""
    return min(limit, 38 + 35 * max(rows, 1))


def id_picker(label: str, labels: dict[str, str], *, key: str, default: str | None = None, container=None,
              help: str | None = None) -> str | None:
    """A selectbox whose choice lives in the URL as an id (?key=<id>) rather than as its label.

    For choices whose labels are long or not unique (KPIs, indicators). The id is remembered for the
    session too, so coming back to the page (which drops page-only URL parameters) shows the same item.
    """
    if not labels:
        return None
    ids = list(labels)
    wanted = url_param(key) or st.session_state.get(f"_{key}")
    selected = wanted if wanted in labels else (default if default in labels else ids[0])
    st.session_state[f"_{key}"] = selected
    st.session_state[f"_{key}_pick"] = selected
    set_url_param(key, selected)

    def changed():
        st.session_state[f"_{key}"] = st.session_state[f"_{key}_pick"]
        set_url_param(key, st.session_state[f"_{key}"])

    (container or st).selectbox(label, ids, format_func=labels.get, key=f"_{key}_pick", on_change=changed, help=help,
                                placeholder=PICK)
    return selected


def choose_id(key: str, value: str) -> None:
    """Make `value` the choice of id_picker `key` (from a click elsewhere, e.g. a table row)."""
    st.session_state[f"_{key}"] = value
    set_url_param(key, value)


def url_param(key: str) -> str | None:
    """A URL parameter no widget is bound to (e.g. the KPI id of the 指標 page)."""
    value = st.query_params.get(key)
    return value or None


def set_url_param(key: str, value: str | None) -> None:
    if value:
        if st.query_params.get(key) != value:
            st.query_params[key] = value
    elif key in st.query_params:
        del st.query_params[key]


# ---------------------------------------------------------------------------------------------
# Commentary (所見 …) on 指標

def comment_editor(kpi: dict, years: list[int], written: pl.DataFrame) -> None:
    """A KPI's commentary by year, and for whoever may edit its entity a form to write one year's 所見, 要因分析,
    今後の方向性 and メモ (one store transaction per save, recorded with its author)."""
    from . import auth, comments, views  # late: auth reads roles through this module

    if written.is_empty():
        st.info("まだ所見などの記入はありません。")
    else:
        show_table(views.comment_table(written, western_years()), "担当課の記入（記入者・日時は変更履歴にも残ります）")
    if presenting():
        return
    user = auth.current_user()
    if not user.can_edit(kpi.get("entity_id")):
        st.caption("所見を記入できるのは、この自治体・圏域の編集権限がある人です。")
        return
    if filters().as_of:
        st.caption("過去の時点を表示しているあいだは記入できません（サイドバーの「表示する時点」を空にしてください）。")
        return
    labels = {str(y): fy(y) for y in years}
    default = str(kpi["eval_fy"]) if kpi.get("eval_fy") is not None and str(kpi["eval_fy"]) in labels else next(iter(labels))
    chosen = st.selectbox("記入する年度", list(labels), format_func=labels.get, index=list(labels).index(default),
                          key=f"comment_year_{kpi['kpi_id']}", placeholder=PICK)
    year = int(chosen)
    current = {r["kind"]: r for r in written.filter(pl.col("fiscal_year") == year).iter_rows(named=True)}
    form_key = f"comment_{kpi['kpi_id']}_{year}"
    with st.form(form_key, border=True):
        texts = {kind: st.text_area(label, value=(current.get(kind) or {}).get("text") or "", key=f"{form_key}_{kind}",
                                    max_chars=comments.MAX_CHARS, height=90 if kind != "finding" else 120)
                 for kind, label in comments.KINDS.items()}
        internal = st.checkbox("内部メモ（配布資料・公開データに載せない）",
                               value=any(bool(r.get("internal")) for r in current.values()), key=f"{form_key}_internal")
        author = user.recorded_as
        if not auth.auth_configured():
            author = st.text_input("記入者名（変更履歴に残ります）", key="comment_author",
                                   placeholder=auth.LOCAL_USER).strip() or auth.LOCAL_USER
        saved = st.form_submit_button("保存する", type="primary", icon=":material/save:")
    if saved:
        shown = {kind: (r.get("text") or "") for kind, r in current.items()}
        try:
            with st.spinner("保存しています…"):
                comments.save(data_directory(), kpi["kpi_id"], year, texts, internal=internal, author=author,
                              kpi_name=kpi.get("kpi_name") or "", expected=shown)
        except comments.CommentError as e:
            st.error(str(e), icon=":material/error:")
            return
        except store.StoreError as e:
            st.error(f"保存できませんでした: {e}", icon=":material/error:")
            return
        st.toast(f"{fy(year)}の所見などを保存しました", icon=":material/check_circle:")
        st.rerun()
