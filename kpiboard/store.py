"""A data directory: Parquet files (one per table) and a manifest.

Writes are all or nothing: every new file is written next to its target under a temporary name first;
only when all are written are they renamed into place, and if a rename fails the files already
replaced are put back. The manifest is written last, so readers that key caches on it never see a
half-written version.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import uuid
from pathlib import Path

import polars as pl

from . import schema

PACKAGE_ROOT = Path(__file__).resolve().parent.parent
EMBEDDED_DATA_DIR = PACKAGE_ROOT / "data"
MANIFEST = "manifest.json"


def data_dir() -> Path:
    """`KPIBOARD_DATA_DIR`, else the embedded data."""
    env = os.environ.get("KPIBOARD_DATA_DIR")
    return Path(env).expanduser().resolve() if env else EMBEDDED_DATA_DIR


def table_path(directory: Path, table: str) -> Path:
    return Path(directory) / f"{table}.parquet"


def read_table(directory: Path, table: str) -> pl.DataFrame:
    path = table_path(directory, table)
    if not path.exists():
        return schema.empty_frame(table)
    return schema.conform(table, pl.read_parquet(path))


def read_manifest(directory: Path) -> dict:
    path = Path(directory) / MANIFEST
    if not path.exists():
        return {}
    return json.loads(path.read_text(encoding="utf-8"))


def data_version(directory: Path) -> str:
    """A small key that changes whenever the data directory is written (for caches)."""
    manifest = read_manifest(directory)
    return str(manifest.get("version", "")) + ":" + str(_mtime(Path(directory) / MANIFEST))


def _mtime(path: Path) -> int:
    try:
        return path.stat().st_mtime_ns
    except FileNotFoundError:
        return 0


def write_tables(directory: Path, tables: dict[str, pl.DataFrame], manifest_extra: dict | None = None) -> dict:
    """Write the given tables (conformed to the schema) and a new manifest, all or nothing."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    token = uuid.uuid4().hex[:8]
    staged: list[tuple[Path, Path]] = []
    try:
        for table, frame in tables.items():
            final = table_path(directory, table)
            tmp = final.with_name(f".{final.name}.{token}.tmp")
            schema.conform(table, frame).write_parquet(tmp, compression="zstd", statistics=True)
            staged.append((tmp, final))
        manifest = read_manifest(directory)
        manifest.update(manifest_extra or {})
        manifest["version"] = int(manifest.get("version", 0)) + 1
        manifest["tables"] = sorted(set(manifest.get("tables", [])) | set(tables))
        manifest_tmp = directory / f".{MANIFEST}.{token}.tmp"
        manifest_tmp.write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
        staged.append((manifest_tmp, directory / MANIFEST))
    except BaseException:
        for tmp, _ in staged:
            tmp.unlink(missing_ok=True)
        raise
    _swap_in(staged, token)
    return manifest


def _swap_in(staged: list[tuple[Path, Path]], token: str) -> None:
    backups: list[tuple[Path, Path | None]] = []
    try:
        for tmp, final in staged:
            backup = None
            if final.exists():
                backup = final.with_name(f".{final.name}.{token}.bak")
                os.link(final, backup)  # keep the old bytes until every rename has succeeded
            backups.append((final, backup))
            os.replace(tmp, final)
    except BaseException:
        for final, backup in reversed(backups):
            if backup is not None and final.exists() and os.path.samefile(backup, final):
                backup.unlink()  # this rename never happened; renaming a hard link onto itself is a no-op
            elif backup is not None:
                os.replace(backup, final)
            else:
                final.unlink(missing_ok=True)
        for tmp, _ in staged:
            tmp.unlink(missing_ok=True)
        raise
    for _, backup in backups:
        if backup is not None:
            backup.unlink(missing_ok=True)


def directory_digest(directory: Path) -> str:
    """SHA-256 over every file's name and bytes: tests use it to prove nothing changed."""
    digest = hashlib.sha256()
    for path in sorted(Path(directory).rglob("*")):
        if path.is_file():
            digest.update(str(path.relative_to(directory)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def copy_data_dir(source: Path, target: Path) -> None:
    shutil.copytree(source, target, dirs_exist_ok=True)
