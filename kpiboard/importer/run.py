"""Running an import: files → drafts → a plan → one all-or-nothing write; a preview's plan committed as it is."""
from __future__ import annotations

import gc
import getpass
import os
import uuid
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime
from itertools import islice
from pathlib import Path
from typing import Callable, Iterable

import polars as pl

from .. import schema, store
from . import diff
from .cells import cell_text, key, key_once
from .matching import _LOCATE
from .headers import find_layout, norm_header
from .planner import Planner
from .reading import FileRejected, Issue, read_file
from .result import ImportPlan, ImportResult, SheetPreview
from .rows import Draft, records
from .vocabulary import SKIPPED_SHEETS

PREVIEW_ROWS = 2000  # rows of each sheet kept for the preview
_IDENT = ("kpi_id", "entity", "plan", "item_code", "kpi_name")


def default_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no passwd entry in some containers
        return os.environ.get("USER", "") or "unknown"


# What the planner reads: entities, plans and sources whole; areas, KPIs, measure_starts and observations only of the
# plans the sheets name, so an import into one plan of the national data reads that plan, not 64 million values. The
# other tables are only written for a new data directory, where they are empty.
WHOLE = ("entities", "plans", "sources", "dataset")


def _read_tables(directory: Path, version: str, drafts: dict) -> tuple[dict[str, pl.DataFrame], dict]:
    """(the tables the planner needs, the scopes of write_tables: {table: (column, the values read)})."""
    tables = store.read_tables(directory, WHOLE, version)
    named = [d.records[0].texts_of(_LOCATE) for d in drafts.values() if d.records]
    written = {plan for _, _, plan, _ in named if plan}  # a plan may be named by its id too
    plan_keys = {key(plan) for plan in written}
    plans = tables["plans"]
    plan_ids = {plan_id for plan_id, name in zip(plans["plan_id"], plans["name"])
                if plan_id in written or key(name or "") in plan_keys}
    kpi_ids = [k for k, _, _, _ in named if k]
    if kpi_ids:  # a row naming its KPI by id: that KPI's plan
        plan_ids |= set(store.read_tables(directory, ["kpis"], version, {"kpis": ("kpi_id", kpi_ids)})["kpis"]["plan_id"])
    by_plan = ("plan_id", sorted(plan_ids))
    # measure_starts: a 施策開始日 of these plans replaces its 施策's stored start, in the same write as the values
    scopes = {"areas": by_plan, "kpis": by_plan, "measure_starts": by_plan}
    tables |= store.read_tables(directory, list(scopes), version, scopes)
    scopes["observations"] = ("kpi_id", tables["kpis"]["kpi_id"].to_list())  # the values of the KPIs just read
    tables |= store.read_tables(directory, ["observations"], version, scopes)
    for table in schema.TABLES:
        tables.setdefault(table, schema.empty_frame(table))
    return tables, scopes


@contextmanager
def _gc_paused():
    """The cyclic collector off while a sheet is read: millions of acyclic cells and values made it rescan them
    again and again (half of the time of a 100,000-row sheet). Turned back on as it was found."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def import_files(files: Iterable[tuple[str, bytes]], directory: Path | str | None = None, *, dry_run: bool = False,
                 user: str | None = None, progress: Callable[[float, str], None] | None = None,
                 now: datetime | None = None, keep_plan: bool = False) -> ImportResult:
    """Validate every file, then (unless dry_run, or any error, or nothing changed) write the changes.
    A dry run with keep_plan=True keeps the tables it would write in `result.plan`, for `commit`."""
    with _gc_paused():
        return _import_files(files, directory, dry_run, user, progress, now, keep_plan)


def _import_files(files, directory, dry_run: bool, user: str | None, progress, now: datetime | None,
                  keep_plan: bool) -> ImportResult:
    files = list(files)
    directory = Path(directory) if directory else store.data_dir()
    now = now or datetime.now().astimezone()
    for attempt in range(store.WRITE_ATTEMPTS):
        try:
            return _import_once(files, directory, dry_run, user, progress, now, keep_plan)
        except store.StaleData:
            if attempt == store.WRITE_ATTEMPTS - 1:
                return ImportResult("", [n for n, _ in files], dry_run, errors=[Issue(", ".join(n for n, _ in files), None, "",
                                    f"ほかの取込と {store.WRITE_ATTEMPTS} 回続けて重なったため保存できませんでした。"
                                    "データは取込前のままです。もう一度実行してください")])
            # Another import or build committed between our read and our write: read the files again onto it.
            (progress or (lambda fraction, text: None))(0.5, "別の取込と重なったため、最新のデータで照合し直しています")
    raise AssertionError("unreachable")


def _import_once(files: list, directory: Path, dry_run: bool, user: str | None, progress, now: datetime,
                 keep_plan: bool) -> ImportResult:
    result = ImportResult(import_id=f"{now:%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:6]}", files=[n for n, _ in files],
                          dry_run=dry_run)
    user = user or default_user()
    report = progress or (lambda fraction, text: None)
    drafts: dict[tuple, Draft] = {}
    if not files:
        result.errors.append(Issue("", None, "", "ファイルが指定されていません"))
    for i, (name, data) in enumerate(files):
        report(i / max(len(files), 1), f"{name} を読み込んでいます")
        _read_one(name, data, result, drafts)
    report(0.9, "登録済みのデータと照合しています")
    try:
        return _validate_and_write(drafts, directory, result, user, now, dry_run, report, keep_plan)
    finally:
        for issues in (result.errors, result.warnings):
            issues.sort(key=lambda i: (result.files.index(i.file) if i.file in result.files else -1, i.sheet,
                                       i.row or 0))


def _validate_and_write(drafts, directory: Path, result: ImportResult, user: str, now: datetime, dry_run: bool,
                        report, keep_plan: bool = False) -> ImportResult:
    """Planned against one snapshot and written only if it is still the newest (base_version): a write by someone
    else in between raises StaleData, and the caller reads the files again onto their result."""
    if result.errors and not drafts:
        return result
    version = store.data_version(directory)
    fresh = not store.exists(directory)
    tables, scopes = _read_tables(directory, version, drafts)
    planner = _plan(drafts, tables, result, user, now)
    del tables
    if dry_run:
        if keep_plan and not result.errors and result.changed:
            result.plan = ImportPlan(diff.tables_to_write(planner, fresh), str(directory.resolve()), version, scopes)
        return result
    if result.errors or not result.changed:
        return result
    report(0.95, "保存しています")
    try:
        tables = diff.tables_to_write(planner, fresh)
    except Exception as e:  # noqa: BLE001 - reported like a failed write: nothing was written
        return _write_failed(result, e)
    del planner
    if _write(directory, tables, result, user, now, version, scopes):
        report(1.0, "完了")
    return result


def _write(directory: Path, tables: dict[str, pl.DataFrame], result: ImportResult, user: str, now: datetime,
           version: str, scopes: dict | None = None) -> bool:
    """One transaction. StaleData (someone wrote first) goes up to be planned again; any other failure leaves the
    data as it was and says so in `result`."""
    try:
        store.write_tables(directory, tables, {"last_import": {
            "import_id": result.import_id, "at": now.isoformat(timespec="seconds"), "files": result.files,
            "user": user}}, author=user, message="取込: " + ", ".join(result.files), base_version=version,
            scopes=scopes)
    except store.StaleData:
        raise
    except Exception as e:  # the transaction rolled back: nothing of it is visible
        _write_failed(result, e)
        return False
    result.written = True
    return True


def _write_failed(result: ImportResult, e: Exception) -> ImportResult:
    # the exception's text can hold server paths: its kind is enough
    result.errors.append(Issue(", ".join(result.files), None, "",
                               f"保存に失敗しました（{type(e).__name__}）。データは取込前のままです"))
    return result


def commit(preview: ImportResult, files: Iterable[tuple[str, bytes]], directory: Path | str | None = None, *,
           user: str | None = None, progress: Callable[[float, str], None] | None = None,
           now: datetime | None = None) -> ImportResult:
    """Write what a dry run (keep_plan=True) of `files` planned, without reading them again, if the data directory
    is unchanged since; otherwise import `files` afresh. All or nothing either way."""
    directory = Path(directory) if directory else store.data_dir()
    plan = preview.plan
    if plan is not None and not preview.errors and plan.directory == str(directory.resolve()):
        user = user or default_user()
        now = now or datetime.now().astimezone()
        result = replace(preview, dry_run=False, plan=None, errors=[], written=False)
        if store.data_version(directory) == plan.version:
            (progress or (lambda fraction, text: None))(0.95, "保存しています")
            try:
                _write(directory, dict(plan.tables), result, user, now, plan.version, plan.scopes)
                return result
            except store.StaleData:
                pass  # someone wrote after the preview: read the files again, below
    return import_files(files, directory, dry_run=False, user=user, progress=progress, now=now)


def _plan(drafts: dict, tables: dict, result: ImportResult, user: str, now: datetime) -> Planner:
    planner = Planner(tables, result, user, now)
    for ident in list(drafts):
        planner.add_draft(drafts.pop(ident))  # a planned draft's rows and cells can go (a third of the memory)
    planner.finish_plans()
    diff.compare(planner)
    result.created = {"entities": len(planner.new_entities), "plans": len(planner.new_plans),
                      "areas": len(planner.new_areas)}
    return planner


def _read_one(name: str, data: bytes, result: ImportResult, drafts: dict) -> None:
    """Sheets → records grouped by KPI into drafts; problems go to the result."""
    try:
        sheets = read_file(name, data)
    except FileRejected as e:
        result.errors.append(e.issue)
        return
    found_any = False
    missing: list[Issue] = []
    for sheet in sheets:
        if not sheet.rows or norm_header(sheet.name) in {norm_header(s) for s in SKIPPED_SHEETS}:
            continue
        layout, errors, warnings = find_layout(name, sheet)
        if layout is None:
            missing.extend(errors)
            continue
        found_any = True
        result.warnings.extend(warnings)
        result.errors.extend(errors)
        recs, rec_errors, rec_warnings = records(name, sheet, layout)
        result.errors.extend(rec_errors)
        result.warnings.extend(rec_warnings)
        result.previews.append(SheetPreview(
            name, sheet.name, layout.kind, layout.header_row,
            [h for _, h in layout.shown],
            list(islice(((i + 1, [cell_text(row[c]) if c < len(row) else "" for c, _ in layout.shown])
                         for i, row in enumerate(sheet.rows[layout.first_data_row - 1:], start=layout.first_data_row - 1)
                         if any(v is not None for v in row)), PREVIEW_ROWS)),  # only the rows shown
            sheet.encoding))
        if not recs and not rec_errors:
            examples = any("記入例" in w.message for w in rec_warnings)
            result.errors.append(Issue(name, layout.header_row, "", "データ行がありません（見出し行の下に指標の行がありません"
                                       + ("。「例」の行は記入例のため取り込みません" if examples else "") + "）", sheet.name))
        for rec in recs:
            kpi_id, entity, plan, item, kpi_name = rec.texts_of(_IDENT)
            ident = ("id", kpi_id) if kpi_id else ("name", key(entity), key(plan), key_once(item),
                                                     key_once(kpi_name))
            draft = drafts.get(ident)
            if draft is None:
                draft = drafts[ident] = Draft(ident)
            draft.records.append(rec)
    if not found_any:
        result.errors.extend(missing or [Issue(name, None, "", "データのあるシートがありません")])
    else:
        for issue in missing:
            result.warnings.append(Issue(issue.file, None, "", "見出し行（指標名）がないシートは読み飛ばしました",
                                         issue.sheet))


def import_paths(paths: Iterable[Path | str], directory=None, **kwargs) -> ImportResult:
    """import_files for files on disk (the CLI). A missing file is an error like any other."""
    files, missing = [], []
    for p in map(Path, paths):
        try:
            files.append((p.name, p.read_bytes()))
        except OSError as e:
            missing.append(Issue(p.name, None, "", f"ファイルを開けません（{e.strerror or e}）"))
    if missing:
        result = ImportResult("", [Path(p).name for p in paths], kwargs.get("dry_run", False), errors=missing)
        return result
    return import_files(files, directory, **kwargs)
