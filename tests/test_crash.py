"""Issue #11: an import killed with SIGKILL at its renames, unlinks, writes, fsyncs (strace fault injection) or at
a random moment leaves the store exactly as before or as after it, with its history complete, and importing
again lands. A sample here; `python scripts/crash_import.py [--catalog postgres]` kills it at every call."""
import importlib.util
import shutil
import sys

import pytest

from kpiboard.store import PACKAGE_ROOT


def _script(name):
    spec = importlib.util.spec_from_file_location(name, PACKAGE_ROOT / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


crash = _script("crash_import")


@pytest.fixture(autouse=True)
def _strace():
    # a missing strace must fail, not skip: scripts/test.sh installs it
    assert shutil.which("strace"), "strace is needed (apt-get install -y strace)"


def _check(report):
    report.print()  # the figures, in the log of a failing run
    assert not report.bad, [(r.how, r.n, r.state, r.detail, r.reimport_note) for r in report.bad]
    injected = [r for r in report.runs if r.how != "random"]
    assert sum(r.killed for r in injected) >= 0.8 * len(injected) >= 4  # strace's injection did kill


def test_sigkill_during_an_import_on_the_local_catalog_leaves_before_or_after():
    report = crash.run("local", limit=2, random_moments=2)
    _check(report)
    # SQLite (WAL) commits with the transaction's last frame: killed as it is written nothing of the import is
    # visible, killed at the next write (the checkpoint) all of it is
    commit_frame, following = report.commit["write"]
    found = {(r.how, r.n): r.state for r in report.runs}
    assert (found["write", commit_frame], found["write", following]) == ("before", "after")

def test_sigkill_during_an_import_on_a_postgres_catalog_leaves_before_or_after(pg):
    report = crash.run("postgres", cluster=pg, limit=1, random_moments=1)
    _check(report)
    # killed before COMMIT is sent nothing shows; killed after it was answered the import is complete
    snapshot_row, commit, after_commit = report.commit["sendto"]
    found = {r.n: r.state for r in report.runs if r.how == "sendto"}
    assert (found[snapshot_row], found[commit], found[after_commit]) == ("before", "before", "after")
