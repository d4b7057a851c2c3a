"""The README's two set-up commands: one starts the app with everything its exports need, one runs the tests."""
import re
import subprocess

from kpiboard.store import PACKAGE_ROOT as ROOT


def test_readme_has_exactly_the_two_commands_and_their_scripts_parse():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.split("## はじめかた", 1)[1].split("\n#", 1)[0]  # up to the next heading
    commands = re.findall(r"```bash\n(.*?)\n```", start, re.S)
    assert commands == ["bash scripts/start.sh", "bash scripts/test.sh"]
    for script in ("scripts/start.sh", "scripts/test.sh"):
        subprocess.run(["bash", "-n", str(ROOT / script)], check=True)


def test_start_command_installs_what_pdf_and_png_exports_need():
    # PDF/A3/PNG are printed by Chromium, which embeds TrueType fonts only (CFF Noto CJK → Type 3 glyphs)
    start = (ROOT / "scripts" / "start.sh").read_text(encoding="utf-8")
    packages = re.search(r"for pkg in ([^;]+);", start).group(1).split()
    assert {"chromium", "fonts-ipaexfont-gothic"} <= set(packages)
    assert "requirements.txt" in start and "python3 -m kpiboard.serve" in start
