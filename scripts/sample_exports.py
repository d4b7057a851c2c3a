"""Sample committee material for 富山県成長戦略, rendered to PNG for a look before a release.

    python scripts/sample_exports.py [--plan 富山県成長戦略] [--out artifacts/samples]

Writes the deck (.pptx) and the handout (.pdf), the handout's pages as PNG (pdftoppm) and the deck's
slides as PNG: through LibreOffice (pptx → PDF → pdftoppm) when `soffice` is installed, else the
chart pictures the deck holds. Needs Chromium and poppler-utils; LibreOffice is optional.
"""
from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kpiboard.export import build_report, export  # noqa: E402


def pdf_pages(pdf: Path, prefix: Path, dpi: int = 70) -> list[Path]:
    subprocess.run(["pdftoppm", "-png", "-r", str(dpi), str(pdf), str(prefix)], check=True)
    return sorted(prefix.parent.glob(prefix.name + "-*.png"))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plan", default="富山県成長戦略")
    parser.add_argument("--method", default="expected", choices=["expected", "abnf"])
    parser.add_argument("--out", default=str(ROOT / "artifacts" / "samples"))
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    report = build_report(args.plan, method=args.method)

    deck = out / report.filename("pptx")
    deck.write_bytes(export(report, "pptx"))
    handout = out / report.filename("pdf")
    handout.write_bytes(export(report, "pdf"))
    print(deck)
    print(handout)
    for old in out.glob("handout-*.png"):
        old.unlink()
    for page in pdf_pages(handout, out / "handout"):
        print(page)

    for old in out.glob("slide-*.png"):
        old.unlink()
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice:
        with tempfile.TemporaryDirectory() as tmp:
            subprocess.run([soffice, "--headless", "--convert-to", "pdf", "--outdir", tmp, str(deck)], check=True,
                           capture_output=True, timeout=300)
            converted = next(Path(tmp).glob("*.pdf"))
            for page in pdf_pages(converted, out / "slide"):
                print(page)
    else:
        print("LibreOffice がないため、スライドの代わりにスライドに載せたグラフを PNG で書き出します。", file=sys.stderr)
        from kpiboard.export.png import render_all

        for name, data in render_all(report).items():
            (out / f"slide-chart-{name}").write_bytes(data)
            print(out / f"slide-chart-{name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
