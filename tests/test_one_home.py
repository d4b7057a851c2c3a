"""One home per rule: statuses, band defaults and the attention rule are written once.

The verdict is queries/evaluate.sql; how a status looks is kpiboard/status.py (STATUS_TABLE); the
settings that change a verdict are kpiboard/settings.py. Anywhere else, a status word as a literal, or the
band defaults written out, is a second copy of the rule waiting to disagree with the first.
"""
import ast
from pathlib import Path

import pytest

from kpiboard import status
from kpiboard.settings import SETTINGS
from kpiboard.store import PACKAGE_ROOT

HOMES = {PACKAGE_ROOT / "kpiboard" / "status.py", PACKAGE_ROOT / "kpiboard" / "settings.py"}
SOURCES = sorted([*(PACKAGE_ROOT / "kpiboard").rglob("*.py"), *(PACKAGE_ROOT / "pages").glob("*.py"),
                  PACKAGE_ROOT / "app.py"])
STATUS_CODES = {s.code for s in status.STATUS_TABLE}
BANDS = SETTINGS.default_bands()


def _literals(path: Path):
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield node.lineno, node.value
        if isinstance(node, ast.Tuple) and len(node.elts) == 3 and all(
                isinstance(e, ast.Constant) and isinstance(e.value, float) for e in node.elts):
            yield node.lineno, tuple(e.value for e in node.elts)


@pytest.mark.parametrize("path", [p for p in SOURCES if p not in HOMES], ids=lambda p: str(p.relative_to(PACKAGE_ROOT)))
def test_no_status_word_or_band_default_outside_its_home(path):
    found = []
    for line, value in _literals(path):
        if isinstance(value, tuple):
            if value == BANDS:
                found.append((line, value))
        elif value in STATUS_CODES:
            found.append((line, value))
        elif any(f"{a:g}{sep}{b:g}{sep}{c:g}" in value for a, b, c in [BANDS] for sep in (",", " / ", "/")):
            found.append((line, value))
    assert not found, f"{path.name}: the rule is written again at " + ", ".join(f"line {n} {v!r}" for n, v in found)


def test_the_check_finds_a_copy(tmp_path):
    copy = tmp_path / "copy.py"
    copy.write_text('NEEDING = ("遅れ", "やや遅れ")\nBANDS = (1.0, 0.8, 0.5)\n', encoding="utf-8")
    assert {v for _, v in _literals(copy) if v in STATUS_CODES or v == BANDS} == {"遅れ", "やや遅れ", (1.0, 0.8, 0.5)}
