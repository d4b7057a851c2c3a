"""A seeded sample of scripts/fuzz_import.py's hostile corpus (every kind): no traceback, every message Japanese and
free of server paths. The full corpus, with per-file time and peak RSS, is `python scripts/fuzz_import.py`."""
import importlib.util
from pathlib import Path

from kpiboard import store

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "fuzz_import.py"


def load_fuzzer():
    spec = importlib.util.spec_from_file_location("fuzz_import", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_sample_of_the_hostile_corpus_gives_japanese_errors_and_no_traceback(tmp_path):
    fuzz = load_fuzzer()
    data = tmp_path / "data"
    store.copy_data_dir(store.EMBEDDED_DATA_DIR, data)
    before = store.directory_digest(data)
    failures, kinds = [], set()
    # the 100,000-row sheet is left out: it takes ~15-30 s on a loaded 2-core machine (the script runs it)
    for i, kind, name, content in fuzz.corpus(200, seed=11, hundred_k=False):
        kinds.add(kind)
        out = fuzz.check(name, content, data)
        if out["problems"]:
            failures.append((i, kind, name, out["problems"]))
    assert failures == []
    assert kinds == set(fuzz.KINDS)
    assert store.directory_digest(data) == before  # dry runs write nothing
