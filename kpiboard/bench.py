"""`python -m kpiboard bench [--data DIR]`: how fast the key queries and the pages are (issue #12).

Speed is measured here and printed, never asserted in tests. Every figure comes from a fresh process (one per
query, one per page), run one after another, so one measurement's caches never warm the next:

- query **cold**: the first `Database.query(name, **params)` in a fresh process, after `Database(directory,
  version)` was opened (attaching the snapshot and loading DuckDB's extensions is timed apart, as `open`). The OS
  file cache is not emptied (that needs root): "cold" is cold for DuckDB and for this process, not for the disk.
- query **warm**: the median of `--repeat` further runs of the same call in that process.
- **raw**: the same question to plain DuckDB, bypassing our layers: the same SQL text (queries/<name>.sql) with the
  same bound parameters, on a fresh in-memory DuckDB whose tables are views `read_parquet([...])` of the Parquet
  data files the DuckLake catalog lists for that snapshot (no DuckLake, no Polars; the result is fetched as an
  Arrow table). A table whose rows are not all in those files (rows inlined in the catalog, deleted rows, a team
  store on S3) is copied into memory instead, and the output says which tables were; the derived views (kpi_context,
  observation_history) are made over them from the same SQL as db.py. raw cold is its first run in the same
  fresh process (after ours: the OS cache is warm), raw warm the median of `--repeat`.
- **ratio** = ours / raw (warm; cold in the JSON too): what our layers (DuckLake's snapshot reading, parameter
  binding, the conversion to Polars) add to DuckDB's own time.
- page **start**: app.py's first AppTest run in a fresh process (imports, attaching the store, 概要 with empty
  caches); **cold**: the page's first run after that with the caches emptied (for 概要 a rerun, for other pages
  the switch to it, as a click in the sidebar); **warm**: the median of `--repeat` reruns (what each click costs).
  `queries` is the time spent inside named queries during the cold run.
- peak RSS (ru_maxrss) of each child process, and of this process and its children per section and at the end.
"""
from __future__ import annotations

import atexit
import json
import os
import re
import resource
import statistics
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from . import store

ROOT = store.PACKAGE_ROOT
BASELINE = ("raw = 同じ SQL 文・同じパラメータを素の DuckDB（インメモリ）で実行。表はこのスナップショットの Parquet "
            "データファイルを read_parquet で直接読む（DuckLake・Polars を通さない、結果は Arrow）")
BASELINE_EN = ("raw = the same SQL text with the same parameters on a plain in-memory DuckDB whose tables are "
               "read_parquet views of the snapshot's Parquet data files (no DuckLake, no Polars; Arrow result)")

# The key questions: (key, label, named query). Their parameters are picked from the data (pick_params).
KEY_QUERIES = [
    ("evaluate_all", "evaluate（全KPI・期待値方式）", "evaluate"),
    ("evaluate_plan", "evaluate（最大の計画ひとつ）", "evaluate"),
    ("evaluate_abnf", "evaluate（全KPI・A/B/N/F）", "evaluate"),
    ("plans_list", "plans_list（計画の一覧）", "plans_list"),
    ("kpi_observations", "kpi_observations（KPIひとつ）", "kpi_observations"),
    ("data_kpis", "data_kpis（最大の計画）", "data_kpis"),
    ("shared_indicators", "shared_indicators（比較: 共通の指標）", "shared_indicators"),
    ("indicator_series", "indicator_series（比較: 同じ指標の推移）", "indicator_series"),
    ("plan_years", "plan_years（比較: 年度の比較）", "plan_years"),
    ("rollup_prefectures", "entity_rollup（比較: 都道府県すべて）", "entity_rollup"),
    ("rollup_municipalities", "entity_rollup（比較: ひとつの県の市町村すべて）", "entity_rollup"),
    ("evaluate_chosen", "evaluate（比較: 並べた5自治体）", "evaluate"),
    ("evaluate_plan_year", "evaluate（最大の計画、評価年度を選んだとき: その場で判定）", "evaluate"),
    ("rollup_prefectures_year", "entity_rollup（都道府県すべて、評価年度を選んだとき: その場で判定）", "entity_rollup"),
    ("indicator_by_entity", "indicator_by_entity（比較: 指標のランキング）", "indicator_by_entity"),
    ("import_history", "import_history（取込履歴 500件）", "import_history"),
]


def _mb(kb: int) -> float:
    return round(kb / 1024, 1)  # ru_maxrss is in KiB on Linux


def rss_mb() -> dict:
    return {"self_mb": _mb(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss),
            "children_mb": _mb(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)}


def page_files() -> list[str]:
    """Every page app.py registers (app.PAGES), read from its text as scripts/bench_pages.py always did."""
    return re.findall(r'st\.Page\("(pages/[^"]+\.py)"', (ROOT / "app.py").read_text(encoding="utf-8"))


def pick_params(database) -> dict[str, dict]:
    """The parameters of each key query, from the data: the plan with the most KPIs, the KPI with the most
    values, the first entity type (in the compare page's order) with a shared indicator, and that indicator."""
    from . import views

    plans = database.query("plans_list")
    plan = plans.sort(["kpi_count", "plan_id"], descending=[True, False]).row(0, named=True)["plan_id"] \
        if plans.height else None
    cur = database.cursor()
    try:
        row = cur.execute("SELECT kpi_id FROM observations GROUP BY kpi_id ORDER BY count(*) DESC, kpi_id LIMIT 1"
                          ).fetchone()
    finally:
        cur.close()
    kpi = row[0] if row else None
    types = views.entity_types(database.query("entities_list"))
    etype, indicator = (types[0] if types else "prefecture"), None
    for kind in types:  # the first kind of entity (in the compare page's order) that shares an indicator
        shared = database.query("shared_indicators", entity_type=kind)
        if shared.height:
            etype, indicator = kind, shared.row(0, named=True)["indicator_id"]
            break
    if indicator is None:  # nothing shared (the embedded data): the indicator of most KPIs of that kind, so the
        cur = database.cursor()  # series query still answers a real question
        try:
            row = cur.execute("""SELECT k.indicator_id FROM kpis k JOIN plans p ON p.plan_id = k.plan_id
                                 JOIN entities e ON e.entity_id = p.entity_id
                                 WHERE e.entity_type = $t AND coalesce(k.indicator_id, '') <> ''
                                 GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1""", {"t": etype}).fetchone()
        finally:
            cur.close()
        indicator = row[0] if row else None
    from . import status

    entities = database.query("entities_list")
    prefectures = views.entity_pool(entities, "prefecture")
    home = (views.municipality_prefectures(entities) or [None])[0]
    municipalities = views.entity_pool(entities, "municipality", home)
    counts = {"on_track": list(status.ON_TRACK), "undetermined": list(status.UNDETERMINED)}
    cur = database.cursor()
    try:  # an evaluation year a user would pick: the year before the latest actual
        year = cur.execute("SELECT max(fiscal_year) - 1 FROM observations WHERE value_kind = 'actual'").fetchone()[0]
    finally:
        cur.close()
    return {
        "rollup_prefectures": {"entity_type": "prefecture", **counts},
        "rollup_municipalities": {"entity_type": "municipality", "entity_ids": municipalities["entity_id"].to_list(),
                                  **counts},
        "evaluate_chosen": {"entity_ids": prefectures["entity_id"].head(5).to_list()},
        "evaluate_plan_year": {"plan": plan, "eval_year": year},
        "rollup_prefectures_year": {"entity_type": "prefecture", "eval_year": year, **counts},
        "indicator_by_entity": {"indicator_id": indicator, "entity_type": etype},
        "evaluate_all": {}, "evaluate_plan": {"plan": plan}, "evaluate_abnf": {"method": "abnf"},
        "plans_list": {}, "kpi_observations": {"kpi_id": kpi}, "data_kpis": {"plan": plan},
        "shared_indicators": {"entity_type": etype},
        "indicator_series": {"indicator_id": indicator, "entity_type": etype},
        "plan_years": {"plan": plan}, "import_history": {"limit": 500},
    }


def bound_params(name: str, params: dict) -> dict:
    """The parameters exactly as db.run binds them (settings' defaults filled in)."""
    from . import db

    bound = db.default_params(name)
    bound.update({k: v for k, v in params.items() if not (v is None and k in db.SETTINGS)})
    return bound


# ---------------------------------------------------------------- raw DuckDB on the Parquet files

FEED_VIEWS = ("observation_changes", "store_snapshots")  # DuckLake's own: copied into raw DuckDB when a query reads them
FEED_ROWS = 1_000_000  # a change feed longer than this is not copied (national data: 64 million inserts)


def reads_feed(name: str) -> bool:
    """Whether a named query reads DuckLake's change feed or snapshots (directly or through observation_history)."""
    from . import db

    text = db.query_text(name) + (db.query_text("evaluate") if db.over_evaluate(name) else "")
    return any(v in text for v in (*FEED_VIEWS, "observation_history"))


def raw_connection(database, feed: bool = True):
    """A fresh in-memory DuckDB with the snapshot's tables as read_parquet views of its data files, and with `feed`
    DuckLake's change feed and snapshots copied (RawSkipped when the feed is too long to copy); returns
    (connection, {table: "parquet N files" | "memory"})."""
    import duckdb

    from . import db, schema

    loc = store.location(database.directory)
    alias = store.attached(loc, version=database.version)
    from .settings import server_setting

    # the server's memory and thread limits: the same question under the same budget (unbounded, evaluate over
    # 64 million values took the machine's 24 GB)
    spill = tempfile.mkdtemp(prefix="kpiboard-bench-raw-")  # its own place to spill (not ./.tmp of the cwd)
    atexit.register(shutil.rmtree, spill, True)
    raw = duckdb.connect(config={"autoinstall_known_extensions": False, "autoload_known_extensions": False,
                                 "memory_limit": str(server_setting("KPIBOARD_DUCKDB_MEMORY")),
                                 "threads": int(server_setting("KPIBOARD_DUCKDB_THREADS")),
                                 "temp_directory": spill})
    how: dict[str, str] = {}
    cur = database.cursor()
    try:
        present = store.columns_of(cur, alias, database.version) if alias else {}
        files = _data_files(cur, alias, database.version, loc) if alias and loc.directory is not None else {}
        for table in sorted(set(schema.TABLES) | set(present)):
            spec = schema.TABLES.get(table, {"columns": {}})
            missing = [c for c in spec["columns"] if c not in present.get(table, ())]
            nulls = "".join(f', CAST(NULL AS {db._sql_type(spec["columns"][c])}) AS "{c}"' for c in missing)
            listed = files.get(table)
            if table not in present:
                raw.execute(f'CREATE VIEW "{table}" AS SELECT ' + ", ".join(
                    f'CAST(NULL AS {db._sql_type(t)}) AS "{c}"' for c, t in spec["columns"].items()) + " WHERE false")
                how[table] = "empty"
            elif listed and listed["complete"] and listed["paths"]:
                paths = ", ".join(store._quote(p) for p in listed["paths"])
                raw.execute(f'CREATE VIEW "{table}" AS SELECT *{nulls} FROM read_parquet([{paths}], union_by_name = true)')
                how[table] = f"parquet {len(listed['paths'])}"
            else:  # rows inlined in the catalog or deleted, or no local files: a copy in memory
                frame = cur.sql(f'SELECT *{nulls} FROM "{table}"').to_arrow_table()
                raw.register("_copy", frame)
                raw.execute(f'CREATE TABLE "{table}" AS FROM _copy')
                raw.unregister("_copy")
                how[table] = f"memory {frame.num_rows}"
        # DuckLake's own views (change feed, snapshots) exist only in DuckLake: copied as they are at the snapshot.
        if feed and cur.execute("SELECT count(*) FROM observation_changes").fetchone()[0] > FEED_ROWS:
            raise RawSkipped(f"raw: 変更フィードが {FEED_ROWS:,} 行を超えるため複製しない")
        for view in FEED_VIEWS if feed else ():
            raw.register("_copy", cur.sql(f"FROM {view}").to_arrow_table())
            raw.execute(f'CREATE TABLE "{view}" AS FROM _copy')
            raw.unregister("_copy")
            how[view] = "ducklake"
    finally:
        cur.close()
    for view in db.DERIVED_VIEWS:
        if feed or view != "observation_history":  # that one reads the change feed
            raw.execute(f'CREATE VIEW "{view}" AS {db.query_text(view)}')
    return raw, how


class RawSkipped(Exception):
    """The raw DuckDB cannot be given this query's tables (a change feed too long to copy)."""


def _data_files(cur, alias: str, version: int, loc) -> dict[str, dict]:
    """{table: {"paths": [...], "complete": every row of the snapshot is in these files, none deleted}}."""
    meta, v = f"__ducklake_metadata_{alias.split('_v')[0]}", int(version)
    rows = cur.execute(f"""
        SELECT t.table_name, s.path, s.path_is_relative, t.path, t.path_is_relative, f.path, f.path_is_relative,
               f.record_count,
               EXISTS (SELECT 1 FROM {meta}.ducklake_delete_file d WHERE d.data_file_id = f.data_file_id
                       AND d.begin_snapshot <= $v AND (d.end_snapshot IS NULL OR d.end_snapshot > $v)) AS deleted
        FROM {meta}.ducklake_table t
        JOIN {meta}.ducklake_schema s ON s.schema_id = t.schema_id
        JOIN {meta}.ducklake_data_file f ON f.table_id = t.table_id
             AND f.begin_snapshot <= $v AND (f.end_snapshot IS NULL OR f.end_snapshot > $v)
        WHERE t.begin_snapshot <= $v AND (t.end_snapshot IS NULL OR t.end_snapshot > $v) AND s.schema_name = 'main'
        ORDER BY t.table_name, f.file_order NULLS LAST, f.data_file_id""", {"v": v}).fetchall()
    out: dict[str, dict] = {}
    for table, spath, srel, tpath, trel, fpath, frel, count, deleted in rows:
        base = loc.data_path
        if not frel:
            full = fpath
        else:
            tdir = (os.path.join(base, spath) if srel else spath)
            tdir = os.path.join(tdir, tpath) if trel else tpath
            full = os.path.join(tdir, fpath)
        entry = out.setdefault(table, {"paths": [], "rows": 0, "deleted": False})
        entry["paths"].append(full)
        entry["rows"] += int(count or 0)
        entry["deleted"] |= bool(deleted)
    for table, entry in out.items():  # rows inlined in the catalog are in no file: compare with the table's count
        total = cur.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
        entry["complete"] = not entry["deleted"] and total == entry["rows"] \
            and all(os.path.exists(p) for p in entry["paths"])
    return out


# ---------------------------------------------------------------- the child processes

def _time(fn) -> tuple[float, object]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def _median(fn, repeat: int) -> float:
    return statistics.median(_time(fn)[0] for _ in range(max(1, repeat)))


def measure_query(directory: str, version: int, key: str, name: str, params: dict, repeat: int) -> dict:
    """In a fresh process: ours cold, raw cold, then ours and raw warm (see the module docstring)."""
    import duckdb

    from . import db

    # As the app opens one (ui._database): data_version first. (A Database of an explicit version in a process that
    # has not attached the store itself fails in store.columns_of: its catalog schema is named after that alias.)
    opened, database = _time(lambda: (store.data_version(Path(directory)), db.Database(Path(directory), version))[1])
    cold, frame = _time(lambda: database.query(name, **params))
    raw, how, setup, raw_error = None, {}, None, ""
    try:
        setup, (raw, how) = _time(lambda: raw_connection(database, reads_feed(name)))
    except RawSkipped as skipped:
        raw_error = str(skipped)
    sql, bound = db.query_text(name), bound_params(name, params)
    if db.over_evaluate(name):  # raw DuckDB judges its `evaluated` rows itself (evaluate.sql, live)
        sql, names = db.over_evaluate_sql(name)
        bound = {k: v for k, v in bound.items() if k in names}
    raw_run = lambda: raw.execute(sql, bound).to_arrow_table()  # noqa: E731
    warm = _median(lambda: database.query(name, **params), repeat)
    raw_cold = raw_warm = None
    if raw is not None:
        try:
            raw_cold, table = _time(raw_run)
            raw_warm = _median(raw_run, repeat)
        except duckdb.OutOfMemoryException:  # what the page would have met without kept verdicts: said, not fatal
            raw_cold = raw_warm = None
            raw_error = (f"raw: memory_limit {raw.execute('SELECT current_setting(?)', ['memory_limit']).fetchone()[0]}"
                         " を超えた")
        else:
            if table.num_rows != frame.height:
                raise RuntimeError(f"{key}: raw DuckDB gave {table.num_rows} rows, ours {frame.height}")
    return {"key": key, "query": name, "params": params, "rows": frame.height, "open_s": opened, "cold_s": cold,
            "warm_s": warm, "raw_cold_s": raw_cold, "raw_warm_s": raw_warm, "raw_setup_s": setup,
            "ratio": warm / raw_warm if raw_warm else None,
            "cold_ratio": cold / raw_cold if raw_cold else None, "raw_error": raw_error,
            "raw_tables": how,
            "rss_mb": _mb(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)}


def measure_page(page: str, repeat: int, query: dict | None = None) -> dict:
    """In a fresh process: app.py as a user opens it (the AppTest harness of tests/helpers.py, copied)."""
    import logging

    from streamlit.testing.v1 import AppTest

    from . import db

    logging.getLogger("streamlit").setLevel(logging.ERROR)
    spent = [0.0]
    real_run = db.run_over

    def timed_run(*args, **kwargs):  # db.run and the pages' ui.run call db.run_over: the time inside named queries
        start = time.perf_counter()
        try:
            return real_run(*args, **kwargs)
        finally:
            spent[0] += time.perf_counter() - start

    db.run_over = timed_run
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=600)
    for key, value in (query or {}).items():  # a link's URL parameters (比較: ?etype=municipality&pref=…)
        at.query_params[key] = value
    started, _ = _time(at.run)
    errors = [e.message for e in at.exception]
    import streamlit as st

    from .results import RESULTS

    st.cache_data.clear()  # the start run filled the caches for 概要
    RESULTS.clear()
    spent[0] = 0.0
    if page != page_files()[0]:
        at.switch_page(page)
    cold, _ = _time(at.run)
    queries = spent[0]
    errors += [e.message for e in at.exception]
    warm = _median(at.run, repeat)
    errors += [e.message for e in at.exception]
    link = "&".join(f"{k}={v}" for k, v in (query or {}).items())
    return {"page": page + (f"?{link}" if link else ""), "start_s": started, "cold_s": cold, "warm_s": warm,
            "queries_s": queries,
            "error": errors[0][:200] if errors else "",
            "rss_mb": _mb(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)}


def _child(argv: list[str]) -> int:
    job = json.loads(argv[0])
    if job["kind"] == "query":
        out = measure_query(job["directory"], job["version"], job["key"], job["query"], job["params"], job["repeat"])
    else:
        out = measure_page(job["page"], job["repeat"], job.get("query"))
    sys.stdout.write("\n@@bench@@" + json.dumps(out, ensure_ascii=False, default=str) + "\n")
    return 0


def _spawn(job: dict, env: dict) -> dict:
    done = subprocess.run([sys.executable, "-m", "kpiboard.bench", json.dumps(job, default=str)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=3600)
    marker = [line for line in done.stdout.splitlines() if line.startswith("@@bench@@")]
    if done.returncode or not marker:
        raise RuntimeError(f"bench child failed ({job}): {done.stderr.strip()[-2000:]}")
    return json.loads(marker[-1].removeprefix("@@bench@@"))


# ---------------------------------------------------------------- the command

def run(directory: Path, repeat: int = 3, pages: list[str] | None = None, queries: list[str] | None = None,
        progress=None) -> dict:
    """Every measurement, as a dict (what --format json prints). pages/queries: None = all, [] = none."""
    from . import db, views

    directory = Path(directory)
    if not store.exists(directory):
        raise store.StoreError(f"データディレクトリ {directory} にデータがありません")
    env = dict(os.environ, KPIBOARD_DATA_DIR=str(directory), PYTHONPATH=os.pathsep.join(
        [str(ROOT)] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]))
    database = db.Database(directory)
    picked = pick_params(database)
    counts = {}
    cur = database.cursor()
    try:
        for table in ("kpis", "observations", "plans", "entities"):
            counts[table] = cur.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
    finally:
        cur.close()
    result = {"data": str(directory), "version": database.version, "counts": counts, "repeat": repeat,
              "baseline": BASELINE, "baseline_en": BASELINE_EN, "queries": [], "pages": []}
    for key, label, name in KEY_QUERIES:
        if queries is not None and key not in queries:
            continue
        if progress:
            progress(f"query {key}")
        job = {"kind": "query", "directory": str(directory), "version": database.version, "key": key,
               "query": name, "params": picked[key], "repeat": repeat}
        try:
            result["queries"].append({"label": label, **_spawn(job, env)})
        except RuntimeError as e:  # one query failing (or killed) still leaves the others' figures
            result["queries"].append({"label": label, "key": key, "query": name, "failed": str(e)[-500:]})
    result["rss_after_queries"] = rss_mb()
    every = page_files()
    home = views.municipality_prefectures(database.query("entities_list"))
    jobs = []
    for page in every if pages is None else [p for p in every if Path(p).stem in pages]:
        jobs.append({"kind": "page", "page": page, "repeat": repeat})
        if Path(page).stem == "compare" and home:  # and every municipality of one prefecture (issue #12's second case)
            jobs.append({**jobs[-1], "query": {"etype": "municipality", "pref": home[0]}})
    for job in jobs:
        if progress:
            progress(f"page {job['page']}" + (f" {job['query']}" if "query" in job else ""))
        try:
            result["pages"].append(_spawn(job, env))
        except RuntimeError as e:  # one page failing (or killed) still leaves the others' figures
            result["pages"].append({"page": job["page"], "failed": str(e)[-500:]})
    result["rss_after_pages"] = rss_mb()
    result["rss"] = rss_mb()
    return result


def _ms(seconds) -> str:
    return "―" if seconds is None else f"{seconds * 1000:,.1f}"


def format_text(result: dict) -> str:
    c = result["counts"]
    lines = [f"データ: {result['data']}（スナップショット {result['version']}、KPI {c['kpis']:,}、値 {c['observations']:,}、"
             f"計画 {c['plans']:,}、自治体 {c['entities']:,}）  warm = {result['repeat']} 回の中央値",
             ""]
    if result["queries"]:
        lines += ["■ 主なクエリ / key queries（ミリ秒 / ms）",
                  f"  {BASELINE}",
                  f"  {BASELINE_EN}",
                  f"  {'query':<40}{'rows':>8}{'open':>9}{'cold':>9}{'warm':>9}{'raw cold':>10}{'raw warm':>10}"
                  f"{'ratio':>7}{'RSS MB':>8}"]
        for q in result["queries"]:
            if "failed" in q:
                lines.append(f"  {q['key']:<40}失敗: {q['failed'][-200:]}")
                continue
            note = f"  {q['raw_error']}" if q.get("raw_error") else ""
            lines.append(f"  {q['key']:<40}{q['rows']:>8,}{_ms(q['open_s']):>9}{_ms(q['cold_s']):>9}"
                         f"{_ms(q['warm_s']):>9}{_ms(q['raw_cold_s']):>10}{_ms(q['raw_warm_s']):>10}"
                         f"{(q['ratio'] or 0):>7.1f}{q['rss_mb']:>8.0f}{note}")
        how = next((q["raw_tables"] for q in result["queries"] if q.get("raw_tables")), {})
        copied = [f"{t}（{h.split()[1]} 行）" for t, h in sorted(how.items()) if h.startswith("memory") and h != "memory 0"]
        lines.append("  raw の表: Parquet " + ", ".join(f"{t}（{h.split()[1]} ファイル）" for t, h in sorted(how.items())
                                                      if h.startswith("parquet")))
        if copied:
            lines.append("  raw でメモリに複製した表（行がカタログにインライン化・削除あり）: " + ", ".join(copied))
        lines.append("  observation_changes・store_snapshots（DuckLake の変更フィード・スナップショット）は raw ではメモリに複製")
        r = result["rss_after_queries"]
        lines += [f"  ピークRSS / peak RSS: このプロセス {r['self_mb']:.0f} MB、子プロセス最大 {r['children_mb']:.0f} MB", ""]
    if result["pages"]:
        lines += ["■ ページ / pages（AppTest、秒 / s）",
                  f"  {'page':<26}{'start':>8}{'cold':>8}{'warm':>8}{'queries':>9}{'RSS MB':>8}  note"]
        for p in result["pages"]:
            if "failed" in p:
                lines.append(f"  {p['page']:<26}失敗: {p['failed'][-200:]}")
                continue
            lines.append(f"  {p['page']:<26}{p['start_s']:>8.2f}{p['cold_s']:>8.2f}{p['warm_s']:>8.2f}"
                         f"{p['queries_s']:>9.2f}{p['rss_mb']:>8.0f}  {('例外: ' + p['error']) if p['error'] else ''}")
        r = result["rss_after_pages"]
        lines += ["  start = 新しいプロセスで app.py の最初の実行（概要）、cold = キャッシュを空にしてそのページの最初の実行、"
                  "warm = 再実行、queries = cold のうち名前付きクエリの時間",
                  f"  ピークRSS / peak RSS: このプロセス {r['self_mb']:.0f} MB、子プロセス最大 {r['children_mb']:.0f} MB", ""]
    r = result["rss"]
    lines.append(f"ピークRSS（全体）/ peak RSS overall: このプロセス {r['self_mb']:.0f} MB、子プロセス最大 {r['children_mb']:.0f} MB")
    return "\n".join(lines)


def _names(text: str | None) -> list[str] | None:
    if text is None or text == "all":
        return None
    return [] if text in ("", "none") else [t.strip() for t in text.split(",") if t.strip()]


def main(args) -> int:
    """The `bench` subcommand (its parser is in cli.py)."""
    directory = Path(args.data).expanduser().resolve() if args.data else store.data_dir()
    try:
        result = run(directory, repeat=args.repeat, pages=_names(args.pages), queries=_names(args.queries),
                     progress=lambda msg: print(f"… {msg}", file=sys.stderr, flush=True))
    except (store.StoreError, RuntimeError) as e:
        print(f"エラー: {e}", file=sys.stderr)
        return 1
    if args.format == "json":
        json.dump(result, sys.stdout, ensure_ascii=False, indent=1, default=str)
        sys.stdout.write("\n")
    else:
        print(format_text(result))
    return 0


if __name__ == "__main__":
    sys.exit(_child(sys.argv[1:]))
