"""Fuzz the importer with hostile files: every one must be a Japanese error (or an import), never a traceback.

Generates a seeded, reproducible corpus — random bytes, truncated and bit-flipped .xlsx/.csv (from the template and
the test fixtures), zip bombs, XML bombs (billion laughs, external entities), huge numbers, very long cells, NULs,
odd encodings, 5,000 columns, merged-cell bombs, a 100,000-row sheet — and dry-runs each through
`importer.import_files` on a temporary copy of the embedded data directory, each file in a child process so that its
time and peak RSS are its own. Prints figures; exits 1 on any traceback, bad message, timeout or a file over 1 GB.

    python scripts/fuzz_import.py --count 2549          # the full corpus
    python scripts/fuzz_import.py --count 200 --kinds zip_bomb,xml_bomb
"""
from __future__ import annotations

import argparse
import csv
import io
import json
import os
import random
import re
import resource
import signal
import sys
import tempfile
import time
import traceback
import zipfile
from pathlib import Path
from typing import Callable, Iterator

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kpiboard import importer, store  # noqa: E402
from kpiboard.importer import HEADERS, template_xlsx_bytes  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures" / "import"
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
SERVER_PATH = re.compile(r"/(?:work|tmp|root|home|usr|var|etc|opt)\b|site-packages|\.py\b|Traceback")
MAX_RSS_MB = 1024
TIMEOUT_S = 120
WIDE = ["自治体", "計画", "分野", "項目", "指標名", "単位", "方向", "基準値", "基準年度", "目標値", "目標年度", "R5実績"]
GOOD = ["テスト市", "テスト計画", "分野", "1", "指標", "件", "増加", "10", "R4", "20", "R7", "15"]


# ------------------------------------------------------------------------------------------ building blocks

def csv_bytes(rows: list[list[str]], encoding: str = "utf-8", errors: str = "strict") -> bytes:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(rows)
    return buf.getvalue().encode(encoding, errors)


def wide_csv(cells: dict[str, str], encoding: str = "utf-8") -> bytes:
    row = [cells.get(h, g) for h, g in zip(WIDE, GOOD)]
    return csv_bytes([WIDE, row], encoding)


def xlsx_of(rows: list[list], sheet: str = "KPI") -> bytes:
    import xlsxwriter

    buf = io.BytesIO()
    book = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_numbers": False, "strings_to_formulas": False,
                                     "strings_to_urls": False, "constant_memory": True})
    ws = book.add_worksheet(sheet)
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if isinstance(value, str):
                ws.write_string(r, c, value)
            elif value is not None:
                ws.write_number(r, c, value)
    book.close()
    return buf.getvalue()


def zip_with(base: bytes, replace: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    """`base` (an .xlsx) with some members replaced or added."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(base)) as src, zipfile.ZipFile(out, "w", compression) as dst:
        for info in src.infolist():
            if info.filename not in replace:
                dst.writestr(info.filename, src.read(info.filename))
        for name, data in replace.items():
            dst.writestr(name, data)
    return out.getvalue()


def sheet_xml(body: str, head: str = "", dimension: str = "A1") -> bytes:
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>{head}'
            '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            f'<dimension ref="{dimension}"/><sheetData>{body}</sheetData></worksheet>').encode("utf-8")


def header_row_xml() -> str:
    cells = "".join(f'<c r="{chr(65 + i)}1" t="inlineStr"><is><t>{h}</t></is></c>' for i, h in enumerate(WIDE))
    return f'<row r="1">{cells}</row>'


class Corpus:
    """Base files, built once (the template, the fixtures and xlsx copies of them)."""

    def __init__(self):
        self.template = template_xlsx_bytes()
        self.csvs = {p.name: p.read_bytes() for p in sorted(FIXTURES.glob("*.csv"))}
        self.xlsxs = {"template.xlsx": self.template}
        for name, data in self.csvs.items():
            text = data.decode("cp932") if "cp932" in name else data.decode("utf-8-sig")
            self.xlsxs[name.replace(".csv", ".xlsx")] = xlsx_of(list(csv.reader(io.StringIO(text))))
        self.good_xlsx = xlsx_of([WIDE, GOOD])
        self.sheet_name = "xl/worksheets/sheet1.xml"


# ------------------------------------------------------------------------------------------ kinds of bad file

def k_random_bytes(rng: random.Random, c: Corpus) -> tuple[str, bytes]:
    ext = rng.choice([".csv", ".xlsx", ".txt", ".tsv", ".xls", ".pdf"])
    head = rng.choice([b"", b"PK\x03\x04", b"\xef\xbb\xbf", b"\xff\xfe", "自治体,指標名\n".encode()])
    return "random" + ext, head + rng.randbytes(rng.randint(0, 4000))


def _truncated(rng, files: dict[str, bytes]) -> tuple[str, bytes]:
    name, data = rng.choice(sorted(files.items()))
    return "truncated_" + name, data[:rng.randint(1, len(data) - 1)]


def _flipped(rng, files: dict[str, bytes], flips: list[int]) -> tuple[str, bytes]:
    name, data = rng.choice(sorted(files.items()))
    buf = bytearray(data)
    for _ in range(rng.choice(flips)):
        buf[rng.randrange(len(buf))] ^= 1 << rng.randrange(8)
    return "flipped_" + name, bytes(buf)


def k_truncated_xlsx(rng, c):
    return _truncated(rng, c.xlsxs)


def k_bitflip_xlsx(rng, c):
    return _flipped(rng, c.xlsxs, [1, 1, 2, 4, 16, 64])


def k_mutated_sheet_xml(rng, c):
    """A valid zip whose sheet XML is damaged (bytes flipped, cut, or tags swapped)."""
    name, data = rng.choice(sorted(c.xlsxs.items()))
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        member = rng.choice([n for n in z.namelist() if n.endswith((".xml", ".rels"))])
        xml = bytearray(z.read(member))
    how = rng.randrange(4)
    if how == 0 and xml:
        for _ in range(rng.randint(1, 8)):
            xml[rng.randrange(len(xml))] = rng.randrange(256)
    elif how == 1:
        xml = xml[:rng.randint(0, len(xml))]
    elif how == 2:
        xml = bytearray(bytes(xml).replace(b'r="', b'r="' + rng.choice([b"0", b"ZZZZ", b"-1", b"A"]).strip(), 3))
    else:
        xml = bytearray(bytes(xml).replace(b't="s"', rng.choice([b't="b"', b't="e"', b't="d"', b't="n"'])))
    return f"mutated_{member.replace('/', '_')}_{name}", zip_with(data, {member: bytes(xml)})


def k_truncated_csv(rng, c):
    return _truncated(rng, c.csvs)


def k_bitflip_csv(rng, c):
    return _flipped(rng, c.csvs, [1, 2, 8, 32])


def k_zip_bomb(rng, c):
    how = rng.randrange(4)
    if how == 0:  # a sheet member that unpacks to 300 MB of spaces
        return "bomb_big.xlsx", _cached("bomb_big", lambda: zip_with(c.good_xlsx, {c.sheet_name: b" " * (300 << 20)}))
    if how == 1:  # ratio ~1000 under the total limit
        return "bomb_ratio.xlsx", _cached("bomb_ratio", lambda: zip_with(c.good_xlsx, {"xl/media/pad.bin": b"\0" * (60 << 20)}))
    if how == 2:  # many members of 5 MB zeros each
        return "bomb_many.xlsx", _cached("bomb_many", lambda: zip_with(
            c.good_xlsx, {f"xl/pad{i}.xml": b"\0" * (5 << 20) for i in range(60)}))
    # the central directory understates the size (a reader that trusts it gets more than it asked for)
    data = bytearray(zip_with(c.good_xlsx, {c.sheet_name: sheet_xml(header_row_xml() + "<!-- " + "x" * 200000 + " -->")},
                              zipfile.ZIP_DEFLATED))
    start = data.rfind(b"PK\x01\x02", 0)  # the last central directory entry is the sheet
    data[start + 24:start + 28] = (1000).to_bytes(4, "little")
    return "bomb_lying.xlsx", bytes(data)


def k_xml_bomb(rng, c):
    laughs = ('<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
              + "".join(f'<!ENTITY lol{i} "{("&lol%d;" % (i - 1)) * 10}">' for i in range(2, 10)) + "]>")
    external = '<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    head = rng.choice([laughs, external, laughs.replace("UTF-8", "UTF-16")])
    ref = "&lol9;" if "lol" in head else "&xxe;"
    where = rng.randrange(3)
    if where == 0:
        member, xml = c.sheet_name, sheet_xml(header_row_xml() + f'<row r="2"><c r="A2" t="inlineStr"><is><t>{ref}</t></is></c></row>', head)
    elif where == 1:
        member = "xl/sharedStrings.xml"
        xml = (f'<?xml version="1.0"?>{head}<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
               f'count="1" uniqueCount="1"><si><t>{ref}</t></si></sst>').encode()
    else:
        member = "xl/workbook.xml"
        with zipfile.ZipFile(io.BytesIO(c.good_xlsx)) as z:
            xml = z.read(member).replace(b"?>", b"?>" + head.encode(), 1)
    if rng.random() < 0.2:
        xml = xml.decode().encode("utf-16")
    return f"xmlbomb_{where}.xlsx", zip_with(c.good_xlsx, {member: xml})


def k_huge_number(rng, c):
    digits = rng.choice([21, 40, 309, 310, 400, 1000, 4301, 5000])
    number = "".join(rng.choice("123456789") for _ in range(digits))
    form = rng.randrange(5)
    if form == 0:
        return "huge.csv", wide_csv({"基準値": number})
    if form == 1:
        return "huge.csv", wide_csv({"目標値": rng.choice(["1e400", "-1e400", "1e309", number + "万", "0." + number])})
    if form == 2:
        return "huge.csv", wide_csv({"基準年度": number})
    # a numeric cell in the sheet XML (openpyxl makes it an int of that many digits)
    body = header_row_xml() + (f'<row r="2"><c r="A2" t="inlineStr"><is><t>テスト市</t></is></c>'
                               f'<c r="B2" t="inlineStr"><is><t>計画</t></is></c><c r="E2" t="inlineStr"><is><t>指標</t></is></c>'
                               f'<c r="H2"><v>{number if form == 3 else number + "E5"}</v></c>'
                               f'<c r="I2" t="inlineStr"><is><t>R4</t></is></c></row>')
    return "huge.xlsx", zip_with(c.good_xlsx, {c.sheet_name: sheet_xml(body)})


def k_long_cell(rng, c):
    n = rng.choice([28, 90, 200, 201, 1000, 5000, 40000])
    form = rng.randrange(6)
    if form == 0:  # the pathological amount: digits+'x'+digits (exponential in the old pattern)
        left = n // 2
        cell = "1" * left + "x" + "1" * (n - left - 1)
    elif form == 1:
        cell = "1" * n
    elif form == 2:
        cell = "(" * n
    elif form == 3:
        cell = "1 " * (n // 2)
    elif form == 4:
        cell = "".join(rng.choice("0123456789,.万億兆千百()（）【】 x以上") for _ in range(n))
    else:
        return "long_text.csv", wide_csv({"指標名": "長" * rng.choice([5001, 20000, 100000]), "分野": "背景" * 3000})
    column = rng.choice(["基準値", "目標値", "R5実績", "基準年度", "方向", "単位"])
    return "long.csv", wide_csv({column: cell})


def k_nul(rng, c):
    form = rng.randrange(3)
    if form == 0:
        data = bytearray(wide_csv({}))
        data.insert(rng.randrange(len(data)), 0)
        return "nul.csv", bytes(data)
    if form == 1:
        return "nul.csv", wide_csv({"指標名": "指標\x00名", "基準値": "1\x002"})
    body = header_row_xml() + ('<row r="2"><c r="A2" t="inlineStr"><is><t>テスト_x0000_市</t></is></c>'
                               '<c r="E2" t="inlineStr"><is><t>指_x0000_標</t></is></c>'
                               '<c r="H2" t="inlineStr"><is><t>1_x0000_0</t></is></c></row>')
    return "nul.xlsx", zip_with(c.good_xlsx, {c.sheet_name: sheet_xml(body)})


def k_encoding(rng, c):
    text = csv_bytes([WIDE, GOOD, ["テスト市", "テスト計画", "分野", "2", "ｶﾀｶﾅ指標", "人", "減少", "3,737万8千", "R4", "―", "R7", "1"]]
                     ).decode("utf-8")
    form = rng.randrange(8)
    if form == 0:
        return "utf16.csv", text.encode("utf-16")
    if form == 1:
        return "utf16le.csv", text.encode("utf-16-le")
    if form == 2:
        return "utf16be.csv", text.encode("utf-16-be")
    if form == 3:
        return "eucjp.csv", text.encode("euc_jp")
    if form == 4:  # Shift_JIS with invalid bytes
        data = bytearray(text.encode("cp932"))
        for _ in range(rng.randint(1, 5)):
            data.insert(rng.randrange(len(data)), rng.choice([0x81, 0x85, 0xA0, 0xFD, 0xFE, 0xFF]))
        return "sjis_bad.csv", bytes(data)
    if form == 5:
        return "utf32.csv", text.encode("utf-32")
    if form == 6:
        return "latin1.csv", text.encode("cp932").decode("latin-1").encode("utf-8")  # mojibake: UTF-8 of latin-1
    return "iso2022.csv", text.encode("iso2022_jp", "replace")


def k_wide_sheet(rng, c):
    n = rng.choice([1001, 5000, 16384])
    if rng.random() < 0.5:
        return "wide.csv", csv_bytes([WIDE + [f"R{i % 9}目標" for i in range(n)], GOOD + ["1"] * n])
    body = header_row_xml() + f'<row r="2"><c r="A2" t="inlineStr"><is><t>x</t></is></c><c r="XFD2"><v>1</v></c></row>'
    if rng.random() < 0.5:
        return "wide.xlsx", _cached(f"wide{n}", lambda: xlsx_of([WIDE + ["備考"] * (n - len(WIDE)), GOOD + ["1"] * (n - len(GOOD))]))
    return "wide_sparse.xlsx", zip_with(c.good_xlsx, {c.sheet_name: sheet_xml(body, dimension="A1:XFD1048576")})


def k_merge_bomb(rng, c):
    rows = header_row_xml() + "".join(f'<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>テスト市</t></is></c>'
                                      f'<c r="E{r}" t="inlineStr"><is><t>指標{r}</t></is></c></row>' for r in range(2, 200))
    merges = "".join(f'<mergeCell ref="{rng.choice(["A1:XFD1048576", "B2:ZZ199", "A2:A1048576", "a1:b2", "A1", "Z9:A1"])}"/>'
                     for _ in range(rng.choice([1, 10, 1000])))
    xml = sheet_xml(rows, dimension="A1:XFD1048576").replace(b"</sheetData>", f"</sheetData><mergeCells>{merges}</mergeCells>".encode())
    return "merges.xlsx", zip_with(c.good_xlsx, {c.sheet_name: xml})


def k_many_rows(rng, c):
    n = rng.choice([150_001, 1_048_576])
    body = header_row_xml() + f'<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>x</t></is></c></row>'
    if rng.random() < 0.5:
        return "tall_sparse.xlsx", zip_with(c.good_xlsx, {c.sheet_name: sheet_xml(body)})
    return "tall.csv", _cached(f"tall{n}", lambda: ("自治体,指標名\r\n" + "a,b\r\n" * min(n, 1_000_000)).encode())


def k_random_cells(rng, c):
    alphabet = list("0123456789０１,.%万億兆千百円人以上下ほぼ約見込み累計現状維持（）()【】▲△−-〃―①② RHS令和年度～/検討中\"\n\t\x01")
    rows = [WIDE] + [["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12))) for _ in WIDE]
                     for _ in range(rng.randint(1, 8))]
    encoding = rng.choice(["utf-8", "utf-8-sig", "cp932"])
    data = csv_bytes(rows, encoding, errors="replace")
    if rng.random() < 0.3:
        return "random_cells.xlsx", xlsx_of(rows)
    return "random_cells.csv", data


def k_hundred_k_rows(rng, c):
    return "rows100k.csv", _cached("rows100k", lambda: hundred_k_rows())


def hundred_k_rows(n: int = 100_000) -> bytes:
    """The template's columns, n distinct KPIs with six values each."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(HEADERS)
    for i in range(n):
        w.writerow(["", "テスト市", "テスト計画", f"分野{i % 10}", str(i), "施策", f"指標{i}", "人", "増加", str(100 + i % 50),
                    "R4", str(110 + i % 50), str(120 + i % 50), "1,500以上", "R7", str(105 + i % 50),
                    "検討中" if i % 7 == 0 else str(i % 90), "", "出典"])
    return buf.getvalue().encode("utf-8")


_CACHE: dict[str, bytes] = {}


def _cached(key: str, make: Callable[[], bytes]) -> bytes:
    if key not in _CACHE:
        _CACHE[key] = make()
    return _CACHE[key]


KINDS: dict[str, tuple[Callable, int]] = {  # kind → (generator, weight in the corpus)
    "random_bytes": (k_random_bytes, 12), "truncated_xlsx": (k_truncated_xlsx, 14), "bitflip_xlsx": (k_bitflip_xlsx, 14),
    "mutated_xml": (k_mutated_sheet_xml, 10), "truncated_csv": (k_truncated_csv, 6), "bitflip_csv": (k_bitflip_csv, 6),
    "zip_bomb": (k_zip_bomb, 3), "xml_bomb": (k_xml_bomb, 4), "huge_number": (k_huge_number, 6),
    "long_cell": (k_long_cell, 8), "nul": (k_nul, 3), "encoding": (k_encoding, 5), "wide_sheet": (k_wide_sheet, 2),
    "merge_bomb": (k_merge_bomb, 2), "many_rows": (k_many_rows, 1), "random_cells": (k_random_cells, 6),
}


def corpus(count: int, seed: int = 2549, kinds: list[str] | None = None,
           hundred_k: bool = True) -> Iterator[tuple[int, str, str, bytes]]:
    """(index, kind, file name, bytes): the same files for the same count and seed. Every kind appears at least
    once; the 100,000-row sheet once (hundred_k)."""
    names = kinds or list(KINDS)
    base = Corpus()
    rng = random.Random(seed)
    weights = [KINDS[k][1] for k in names]
    plan = list(names) + rng.choices(names, weights, k=max(count - len(names) - hundred_k, 0))
    if hundred_k:
        plan.append("hundred_k_rows")
    for i, kind in enumerate(plan[:count] if count >= len(names) else plan[:count]):
        make = k_hundred_k_rows if kind == "hundred_k_rows" else KINDS[kind][0]
        name, data = make(random.Random(f"{seed}:{i}"), base)
        yield i, kind, name, data


# ------------------------------------------------------------------------------------------ running

def check(name: str, data: bytes, directory: Path) -> dict:
    """One dry run: the problems found (empty = fine), seconds, counts."""
    start = time.perf_counter()
    problems = []
    try:
        result = importer.import_files([(name, data)], directory, dry_run=True, user="fuzz")
    except BaseException:  # noqa: BLE001 - exactly what the fuzzer looks for
        return {"problems": ["traceback: " + traceback.format_exc(limit=6)], "seconds": time.perf_counter() - start,
                "errors": 0}
    for issue in result.errors + result.warnings:
        text = str(issue)
        if not JAPANESE.search(issue.message):
            problems.append(f"not Japanese: {text[:200]}")
        if SERVER_PATH.search(issue.message):
            problems.append(f"server path: {text[:200]}")
    return {"problems": problems, "seconds": time.perf_counter() - start, "errors": len(result.errors),
            "first_error": str(result.errors[0])[:160] if result.errors else ""}


def run_in_child(name: str, data: bytes, directory: Path, timeout: float = TIMEOUT_S) -> dict:
    """check() in a forked child: its own peak RSS (ru_maxrss of the child, baseline interpreter included)."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child
        os.close(read)
        try:
            out = check(name, data, directory)
        except BaseException:  # noqa: BLE001
            out = {"problems": ["traceback: " + traceback.format_exc(limit=6)], "seconds": 0, "errors": 0}
        with os.fdopen(write, "w") as pipe:
            json.dump(out, pipe)
        os._exit(0)
    os.close(write)
    deadline = time.monotonic() + timeout
    while True:
        done, status, usage = os.wait4(pid, os.WNOHANG)
        if done:
            break
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            _, status, usage = os.wait4(pid, 0)
            os.close(read)
            return {"problems": [f"timeout after {timeout:.0f} s"], "seconds": timeout, "errors": 0,
                    "rss_mb": usage.ru_maxrss / 1024}
        time.sleep(0.005)
    with os.fdopen(read) as pipe:
        text = pipe.read()
    out = json.loads(text) if text else {"problems": [f"child died (status {status})"], "seconds": 0, "errors": 0}
    out["rss_mb"] = usage.ru_maxrss / 1024
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--count", type=int, default=2549)
    ap.add_argument("--seed", type=int, default=2549)
    ap.add_argument("--kinds", help="comma-separated subset of: " + ", ".join(KINDS))
    ap.add_argument("--no-100k", action="store_true", help="leave out the 100,000-row sheet")
    ap.add_argument("--in-process", action="store_true", help="no child processes (faster; no per-file RSS)")
    args = ap.parse_args(argv)
    kinds = args.kinds.split(",") if args.kinds else None
    with tempfile.TemporaryDirectory(prefix="kpiboard-fuzz-") as tmp:
        directory = Path(tmp) / "data"
        store.copy_data_dir(store.EMBEDDED_DATA_DIR, directory)
        before = store.directory_digest(directory)
        check("warmup.xlsx", template_xlsx_bytes(), directory)  # imports openpyxl once, before the children fork
        totals, failures, slowest, biggest = {}, [], (0.0, ""), (0.0, "")
        started = time.perf_counter()
        for i, kind, name, data in corpus(args.count, args.seed, kinds, not args.no_100k):
            out = check(name, data, directory) if args.in_process else run_in_child(name, data, directory)
            t = totals.setdefault(kind, {"files": 0, "errors": 0, "failures": 0, "max_s": 0.0, "max_rss_mb": 0.0})
            t["files"] += 1
            t["errors"] += bool(out["errors"])
            t["max_s"] = max(t["max_s"], out["seconds"])
            t["max_rss_mb"] = max(t["max_rss_mb"], out.get("rss_mb", 0.0))
            if out.get("rss_mb", 0) > MAX_RSS_MB:
                out["problems"].append(f"peak RSS {out['rss_mb']:.0f} MB > {MAX_RSS_MB} MB")
            if out["problems"]:
                t["failures"] += 1
                failures.append((i, kind, name, out["problems"]))
            slowest = max(slowest, (out["seconds"], f"#{i} {kind} {name}"))
            biggest = max(biggest, (out.get("rss_mb", 0.0), f"#{i} {kind} {name}"))
        elapsed = time.perf_counter() - started
        unchanged = store.directory_digest(directory) == before
    print(f"{'kind':<16}{'files':>7}{'errors':>8}{'failures':>10}{'max s':>9}{'max RSS MB':>12}")
    for kind, t in sorted(totals.items()):
        print(f"{kind:<16}{t['files']:>7}{t['errors']:>8}{t['failures']:>10}{t['max_s']:>9.2f}{t['max_rss_mb']:>12.0f}")
    files = sum(t["files"] for t in totals.values())
    print(f"\nfiles {files}, rejected with a Japanese error {sum(t['errors'] for t in totals.values())}, "
          f"failures (tracebacks, bad messages, timeouts, > {MAX_RSS_MB} MB) {len(failures)}")
    print(f"max seconds {slowest[0]:.2f} ({slowest[1]}); max RSS {biggest[0]:.0f} MB ({biggest[1]}); "
          f"total {elapsed:.0f} s; data directory unchanged: {unchanged}")
    print(f"this process: peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    for i, kind, name, problems in failures[:20]:
        print(f"\n#{i} {kind} {name}:\n  " + "\n  ".join(p[:1500] for p in problems))
    return 0 if not failures and unchanged else 1


if __name__ == "__main__":
    sys.exit(main())
