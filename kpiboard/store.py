"""A data directory: Parquet files (one per table) and a manifest.

Writes are all or nothing: every new file is written next to its target under a temporary name first;
only when all are written are they renamed into place, and if a rename fails the files already
replaced are put back. The manifest is written last, so readers that key caches on it never see a
half-written version.

Writers take `directory_lock(directory)`: an exclusive flock on `<directory>/.kpiboard.lock`, so two
imports (or an import and a build) into one directory run one after the other, each reading what the
other wrote. The lock lives in the directory itself, so every process agrees on it whatever its TMPDIR.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import threading
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import polars as pl

from . import schema

PACKAGE_ROOT = Path(__file__).resolve().parent.parent
EMBEDDED_DATA_DIR = PACKAGE_ROOT / "data"
MANIFEST = "manifest.json"
LOCK_FILE = ".kpiboard.lock"
LOCK_TIMEOUT = 120.0  # seconds; an import takes a few, so this only trips on a stuck writer


class DirectoryLockError(OSError):
    """The data directory's lock could not be taken; the message is Japanese, for the user."""


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


_held = threading.local()  # directories this thread has locked: write_tables inside an import re-enters


@contextmanager
def directory_lock(directory: Path, timeout: float = LOCK_TIMEOUT):
    """Hold the data directory's exclusive lock (re-entrant within a thread). Creates the directory if needed;
    a directory this call created and left empty is removed again, so a failed import leaves nothing behind."""
    directory = Path(directory)
    key = os.path.realpath(directory)
    if not hasattr(_held, "dirs"):
        _held.dirs = {}
    held = _held.dirs
    if key in held:
        held[key] += 1
        try:
            yield
        finally:
            held[key] -= 1
        return
    try:
        import fcntl
    except ImportError:  # Windows: no flock; one user's imports there run one at a time anyway
        yield
        return
    created = not directory.exists()
    fd = _acquire(directory, fcntl, timeout)
    held[key] = 1
    try:
        yield
    finally:
        del held[key]
        try:
            # Unlinked while still held: a waiter that then gets this inode sees it is gone and retries,
            # so the directory is left as it was (byte-for-byte digests, clean git status of data/).
            os.unlink(directory / LOCK_FILE)
        except FileNotFoundError:
            pass
        finally:
            os.close(fd)
        if created:
            try:
                directory.rmdir()
            except OSError:  # not empty (written to, or another writer's lock): keep it
                pass


def _acquire(directory: Path, fcntl, timeout: float) -> int:
    path = directory / LOCK_FILE
    deadline = time.monotonic() + timeout
    while True:
        directory.mkdir(parents=True, exist_ok=True)
        try:
            # O_NOFOLLOW: a symlink planted under the lock's name must not send us to open (and truncate) elsewhere.
            fd = os.open(path, os.O_NOFOLLOW | os.O_CREAT | os.O_RDWR | getattr(os, "O_CLOEXEC", 0), 0o600)
        except FileNotFoundError:  # the directory was removed between mkdir and open: make it again
            continue
        except OSError as e:
            if path.is_symlink():
                raise DirectoryLockError(f"ロックファイル {path} がシンボリックリンクです。安全のため取込・書き込みを中止しました"
                                         "（このファイルを削除してから、もう一度実行してください）") from e
            raise DirectoryLockError(f"データディレクトリ {directory} のロックファイルを作れません（{e.strerror or e}）") from e
        try:
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise DirectoryLockError(f"データディレクトリ {directory} には別の取込・書き込みが実行中です"
                                                 f"（{timeout:.0f} 秒待ちました）。終わってから、もう一度実行してください") from None
                    time.sleep(0.02)
            try:
                current = os.stat(path, follow_symlinks=False)
            except FileNotFoundError:
                current = None
            mine = os.fstat(fd)
            if current is not None and (current.st_dev, current.st_ino) == (mine.st_dev, mine.st_ino):
                return fd
        except BaseException:
            os.close(fd)
            raise
        os.close(fd)  # the holder before us unlinked this file: lock the one now under the name


def write_tables(directory: Path, tables: dict[str, pl.DataFrame], manifest_extra: dict | None = None) -> dict:
    """Write the given tables (conformed to the schema) and a new manifest, all or nothing, under the lock."""
    with directory_lock(directory):
        return _write_tables(Path(directory), tables, manifest_extra)


def _write_tables(directory: Path, tables: dict[str, pl.DataFrame], manifest_extra: dict | None) -> dict:
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
        if path.is_file() and path.name != LOCK_FILE:  # left only by a writer killed mid-write
            digest.update(str(path.relative_to(directory)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def copy_data_dir(source: Path, target: Path) -> None:
    shutil.copytree(source, target, dirs_exist_ok=True)
