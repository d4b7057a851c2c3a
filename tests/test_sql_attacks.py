"""The SQL page under attack in a real browser: memory, time, parse size, result size, files, network,
settings, extensions — opened as links (`?sql=`) and typed into the editor. Meanwhile a separate
process asks the server's health endpoint every 0.2 s and samples the server's memory: the server
must stay small and answer at once, and every attack must end in a Japanese message on the page —
no traceback, no server path."""
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote, urlparse

import pytest
from playwright.sync_api import expect

from kpiboard import store

pytestmark = pytest.mark.browser

GB = 1024 ** 3
MEMORY = "メモリの上限"
TIMEOUT = "時間切れ"
FILES = "ファイル・ネットワークへのアクセス"
NOT_SELECT = "以外の文は実行できません"
SYNTAX = "構文エラー"

# (SQL, text the page must show). Every text differs, so no cached answer is reused.
LINKED = [  # opened as a shared link would be: a fresh session each
    ("SELECT length(range(300000000))", MEMORY),
    ("SELECT repeat('x', 1000000000)", MEMORY),
    ("SELECT sum(range) FROM range(10000000000)", TIMEOUT),
    ("SELECT 1 AS x" + " " * 25_000, "長すぎます"),
    ("SELECT repeat('x', 20000) AS s FROM range(10000)", "MB を超えたため"),  # 200 MB
    ("SELECT * FROM read_csv('/etc/passwd')", FILES),
    ("SELECT * FROM read_json('https://example.com/data.json')", FILES),
    ("COPY kpis TO '/tmp/kpis_leak.csv'", NOT_SELECT),
    ("INSTALL httpfs", NOT_SELECT),
    ("SET enable_external_access = true", NOT_SELECT),
    ("SELECT getenv('HOME')", "見つかりません"),
    ("SELECT name, value FROM duckdb_settings()", "行 × 2 列"),
    ("SELECT current_setting('secret_directory') AS a, current_setting('home_directory') AS b", "1 行 × 2 列"),
]
TYPED = [  # typed into the editor of one session; neighbours expect different texts (no stale match)
    ("SELECT 1 AS x -- " + "x" * 600_000, "長すぎます"),  # 600 KB
    ("SELECT list(range(400000000))", MEMORY),
    ("SELECT * FROM read_text('/etc/hostname')", FILES),
    ("SELECT count(*) FROM range(1000000) a, range(1000000) b", TIMEOUT),
    ("LOAD httpfs", NOT_SELECT),
    ("SELECT list(range) FROM range(200000000)", MEMORY),
    ("SELECT " + "(" * 3000 + "1" + ")" * 3000, "入れ子が深すぎます"),
    ("SELECT * FROM read_blob('/proc/self/environ')", FILES),
    ("SELECT string_agg(repeat('x', 1000), '') FROM range(2000000)", MEMORY),
    ("ATTACH '/tmp/leak.duckdb' AS leak", NOT_SELECT),
    ("SELECT repeat('x', 30000000) AS s", "結果が大きすぎます"),
    ("SELECT * FROM glob('/*')", FILES),
    ("WITH RECURSIVE r(n, s) AS (SELECT 1, 'x' UNION ALL SELECT n + 1, s || s FROM r WHERE n < 40) "
     "SELECT max(length(s)) FROM r", MEMORY),
    ("PRAGMA version", NOT_SELECT),
    ("SELECT * FROM range(1000000) a, range(1000000) b", "10,000 行を超えた"),
    ("SELECT * FROM read_csv('http://169.254.169.254/latest/meta-data/')", FILES),
    ("EXPORT DATABASE '/tmp/leak_export'", NOT_SELECT),
    ("SELECT length(repeat(repeat('x', 40000), 100000))", MEMORY),
    ("SELECT 1; DROP TABLE kpis", "1つだけ"),
    ("SELECT * FROM parquet_metadata('/etc/passwd')", FILES),
    ("CREATE SECRET s (TYPE s3, KEY_ID 'x', SECRET 'y')", NOT_SELECT),
    ("SELECT * FROM duckdb_extensions()", FILES),
    ("SELECT * FROM query('COPY kpis TO ''/tmp/kpis_leak.csv''')", SYNTAX),
    ("DELETE FROM kpis", NOT_SELECT),
    ("SELECT * FROM read_csv('/etc/shadow')", FILES),
    ("SELECT category_code FROM policy_categories", "27 行 × 1 列"),  # and ordinary queries still work
]

# Runs in its own process, so the test's own threads cannot delay a poll.
POLLER = r"""
import json, os, sys, time, urllib.request
from pathlib import Path
url, pid, parent = sys.argv[1], int(sys.argv[2]), os.getppid()
try:
    os.nice(-5)  # the measuring client itself must not be what waits on a busy machine
except OSError:
    pass

def rss(p):
    try:
        for line in Path(f"/proc/{p}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0

def children(p):
    out = []
    for task in Path(f"/proc/{p}/task").glob("*"):
        try:
            out += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            pass
    return out

while os.getppid() == parent:  # ends with the test, even a killed one
    started = time.monotonic()
    try:
        with urllib.request.urlopen(url + "/_stcore/health", timeout=5) as r:
            r.read()
            status = r.status
    except OSError as e:
        status = repr(e)
    latency = time.monotonic() - started
    workers = max([0] + [rss(c) for c in children(pid)])
    print(json.dumps([started, latency, status, rss(pid), workers]), flush=True)
    time.sleep(max(0.0, 0.2 - (time.monotonic() - started)))
"""


def server_pid(url: str) -> int:
    """The server process (streamlit run, or python -m kpiboard.serve) listening on the URL's port."""
    port = str(urlparse(url).port).encode()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                args = (entry / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            server = any(b"streamlit" in a or b"kpiboard.serve" in a for a in args)  # python -m kpiboard.serve
            if server and b"--server.port" in args and port in args:
                return int(entry.name)
    raise LookupError(url)


def forbidden_texts() -> list[str]:
    return ["Traceback", "kpiboard-sql-", str(store.PACKAGE_ROOT), str(store.EMBEDDED_DATA_DIR),
            os.path.expanduser("~") + "/", ".duckdb/", "site-packages", "File \""]


def lower_browser_priority(server: int) -> None:
    """Chromium runs on the server's machine here; real visitors' browsers do not take its CPU."""
    ours = {os.getpid(), server}  # the server and its workers keep their priority
    for _ in range(4):  # the driver, the browser, its helpers, their children
        for entry in Path("/proc").iterdir():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            if ppid in ours and ppid != server and int(entry.name) not in ours:
                ours.add(int(entry.name))
                try:
                    os.setpriority(os.PRIO_PROCESS, int(entry.name), 10)
                except OSError:
                    pass


def settled(page) -> None:
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]'
                           ' [data-testid="stMain"] [data-testid="stElementContainer"]', timeout=30_000)


def shows(page, expected: str, sql: str) -> None:
    expect(page.get_by_test_id("stMain")).to_contain_text(expected, timeout=30_000)
    settled(page)
    assert page.get_by_test_id("stException").count() == 0, sql[:80]
    # text_content includes collapsed expanders (DuckDB's detail). The attacks name no server paths.
    text = page.locator("body").text_content() or ""
    for bad in forbidden_texts():
        assert bad not in text, (bad, sql[:80])


class Poller:
    """Health and memory samples of the server from a separate process: [time, latency, status, rss, worker rss]."""

    def __init__(self, url: str, log: Path):
        self.log = log
        with open(log, "w") as out:
            self.proc = subprocess.Popen([sys.executable, "-c", POLLER, url, str(server_pid(url))], stdout=out)

    def samples(self) -> list[list]:
        return [json.loads(line) for line in self.log.read_text().splitlines() if line.endswith("]")]

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(5)


@pytest.fixture()
def poller(server, page, tmp_path):
    # The server's first run imports every heavy module (app.py's warm_up): not what is measured here.
    page.goto(server + "/sql?sql=" + quote("SELECT 1 AS warm"))
    shows(page, "1 行 × 1 列", "warm-up")
    lower_browser_priority(server_pid(server))
    p = Poller(server, tmp_path / "polls.jsonl")
    yield p
    p.stop()


def test_attacks_leave_the_server_unhurt(server, page, poller):
    started = time.monotonic()
    marks: list[tuple[float, str]] = [(started, "start")]  # when each attack began, to name the slow one
    for sql, expected in LINKED:
        marks.append((time.monotonic(), sql[:60]))
        page.goto(server + "/sql?sql=" + quote(sql))
        shows(page, expected, sql)

    # While one visitor's query burns its 5 seconds, another visitor's query still answers.
    other = page.context.new_page()
    try:
        marks.append((time.monotonic(), "slow + quick"))
        other.goto(server + "/sql?sql=" + quote("SELECT sum(range) AS slow FROM range(20000000000)"),
                   wait_until="commit")
        time.sleep(1.0)
        quick = time.monotonic()
        page.goto(server + "/sql?sql=" + quote("SELECT count(*) AS n FROM kpis"))
        shows(page, "1 行 × 1 列", "quick")
        assert time.monotonic() - quick < 10
        shows(other, TIMEOUT, "slow")
    finally:
        other.close()

    page.goto(server + "/sql")
    settled(page)
    editor = page.get_by_role("textbox", name="SQL")
    for (sql, expected), (_, before) in zip(TYPED, [("", "")] + TYPED):
        assert expected != before  # else the last answer could pass for this one
        marks.append((time.monotonic(), sql[:60]))
        editor.fill(sql)
        page.get_by_role("button", name="実行").click()
        shows(page, expected, sql)
    elapsed = time.monotonic() - started

    time.sleep(0.5)  # the poller's last samples
    samples = [s for s in poller.samples() if s[0] >= started]
    slowest = max(samples, key=lambda s: s[1])
    during = max(m for m in marks if m[0] <= slowest[0])[1]
    report = (f"{len(LINKED) + len(TYPED) + 1} attacks in {elapsed:.0f} s; health max {slowest[1]:.3f} s over "
              f"{len(samples)} polls (during {during!r}); server RSS {samples[0][3] / 2**20:.0f} → max "
              f"{max(s[3] for s in samples) / 2**20:.0f} MB; worker RSS max {max(s[4] for s in samples) / 2**20:.0f} MB")
    print(report)
    ends = [m[0] for m in marks[1:]] + [started + elapsed]
    print("slow polls:", [(round(x[1], 2), max(m for m in marks if m[0] <= x[0])[1][:30]) for x in samples if x[1] > 0.4])
    print("slowest attacks:", sorted(((round(e - m[0], 1), m[1][:40]) for m, e in zip(marks, ends)), reverse=True)[:8])
    assert all(s[2] == 200 for s in samples), [s for s in samples if s[2] != 200][:3]
    assert len(samples) > 50
    assert slowest[1] < 1.0, report
    assert max(s[3] for s in samples) < 1.5 * GB, report
    assert max(s[4] for s in samples) < 2 * GB, report  # each worker: its idle size plus the 1 GB budget
    assert not Path("/tmp/kpis_leak.csv").exists() and not Path("/tmp/leak.duckdb").exists()
