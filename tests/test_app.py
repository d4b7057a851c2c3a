"""AppTest smoke tests: every page runs without exception on the embedded and a synthetic dataset."""
import pytest

from kpiboard.synth import SynthSpec, write_synthetic
from helpers import app_test
from kpiboard.store import PACKAGE_ROOT as ROOT

import re

# Every page app.py registers (st.Page("pages/….py", …)): a new page is smoke-tested by being listed.
PAGES = re.findall(r'st\.Page\("(pages/[^"]+\.py)"', (ROOT / "app.py").read_text(encoding="utf-8"))


def test_pages_are_found():
    assert len(PAGES) >= 9


@pytest.fixture(scope="session")
def synthetic_dir(tmp_path_factory):
    d = tmp_path_factory.mktemp("synth")
    write_synthetic(d, SynthSpec(prefectures=5, municipalities=20, kpis_per_entity=6))
    return d




@pytest.mark.parametrize("page", PAGES)
def test_page_runs_on_embedded_data(page, monkeypatch):
    monkeypatch.delenv("KPIBOARD_DATA_DIR", raising=False)
    at = app_test(page)
    assert not at.exception
    assert not any("合成データ" in w.value for w in at.warning)


@pytest.mark.parametrize("page", PAGES)
def test_page_runs_on_synthetic_data_with_banner(page, monkeypatch, synthetic_dir):
    monkeypatch.setenv("KPIBOARD_DATA_DIR", str(synthetic_dir))
    at = app_test(page)
    assert not at.exception
    assert any("合成データ" in w.value for w in at.warning)


def test_overview_counts_statuses_of_the_chosen_plan(monkeypatch):
    monkeypatch.delenv("KPIBOARD_DATA_DIR", raising=False)
    at = app_test()
    picker = at.selectbox(key="plan")
    assert picker.value == "toyama-growth" and "富山県成長戦略" in picker.options[picker.index]
    picker.select("region-kumamoto-vision").run()
    assert at.query_params["plan"] == "region-kumamoto-vision"  # the id, not the label
    achieved = next(m for m in at.metric if "達成" in m.label)
    assert achieved.value == "1 件"
