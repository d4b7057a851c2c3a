"""Load test: N concurrent sessions of the app for T seconds, over Streamlit's own websocket protocol.

    python scripts/load.py [--sessions 20] [--duration 120] [--url http://127.0.0.1:PORT --pid PID] [--json]

Without --url it starts `streamlit run app.py` on a free 127.0.0.1 port (KPIBOARD_DATA_DIR as set) and stops it
afterwards. Loopback only; sessions, duration and every wait are bounded, so it always stops by itself.

Each session is one websocket (`/_stcore/stream`) that asks for the pages of app.py's st.navigation in turn,
as a user clicking through them would: a `rerun_script` BackMsg with the page's URL name, then ForwardMsgs until
`script_finished`. Counted as errors: exception elements, st.error alerts, page_not_found, a compile error, a
dropped socket, a page run longer than --page-timeout. Every frame is searched for the text 'Traceback'. Counted
apart: runs without app.py — until the first st.navigation call of a fresh server, Streamlit treats the `pages/`
folder next to app.py as its old pages-folder app and runs a page's file directly (seen in the run's last
navigation message). Meanwhile a thread polls `/_stcore/health` (latency p50/p95/max) and the server's RSS (with
its children's) from /proc. Exit status 0 only if there were no errors and no tracebacks.
"""
from __future__ import annotations

import argparse
import ast
import asyncio
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
MAX_SESSIONS = 100
MAX_DURATION = 900.0
LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def app_pages(app: Path = ROOT / "app.py") -> dict[str, str]:
    """Page title → URL name, read from app.py's st.Page(...) calls (parsed, so calls spanning lines or holding
    nested calls count); the default page is '' (the URL /), a hidden one is keyed 「title（/url）」."""
    pages = {}
    for node in ast.walk(ast.parse(app.read_text(encoding="utf-8"))):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "Page"):
            continue
        kw = {k.arg: k.value for k in node.keywords}
        title = kw["title"].value if isinstance(kw.get("title"), ast.Constant) else None
        url_path = kw["url_path"].value if isinstance(kw.get("url_path"), ast.Constant) else ""
        if title is None:
            continue
        default = isinstance(kw.get("default"), ast.Constant) and kw["default"].value is True
        hidden = isinstance(kw.get("visibility"), ast.Constant) and kw["visibility"].value == "hidden"
        if hidden:  # a URL that is not in the menu (/overview)
            pages[f"{title}（/{url_path}）"] = url_path
        else:  # a page hidden for some roles (_shown(...)) still has its URL
            pages[title] = "" if default else url_path
    return pages


@dataclass
class PageRun:
    page: str
    seconds: float
    errors: list[str] = field(default_factory=list)
    tracebacks: int = 0
    without_app: bool = False


@dataclass
class Report:
    sessions: int
    duration: float
    page_runs: list[PageRun] = field(default_factory=list)
    session_errors: list[str] = field(default_factory=list)
    health_ms: list[float] = field(default_factory=list)
    health_failures: int = 0
    rss_mb: list[float] = field(default_factory=list)
    server_log_tracebacks: int = 0
    elapsed: float = 0.0

    @property
    def errors(self) -> list[str]:
        return [f"{r.page or '/'}: {e}" for r in self.page_runs for e in r.errors] + self.session_errors

    @property
    def tracebacks(self) -> int:
        return sum(r.tracebacks for r in self.page_runs) + self.server_log_tracebacks

    def summary(self) -> dict:
        h = sorted(self.health_ms)

        def pct(p):
            return round(h[min(len(h) - 1, int(p * len(h)))], 1) if h else None

        per_page = {}
        for r in self.page_runs:
            per_page.setdefault(r.page or "/", []).append(r.seconds)
        return {
            "sessions": self.sessions, "duration_s": self.duration, "elapsed_s": round(self.elapsed, 1),
            "page_runs": len(self.page_runs), "health_requests": len(h) + self.health_failures,
            "requests": len(self.page_runs) + len(h) + self.health_failures,
            "errors": len(self.errors), "tracebacks": self.tracebacks, "health_failures": self.health_failures,
            "runs_without_app": [r.page or "/" for r in self.page_runs if r.without_app],
            "health_ms": {"p50": pct(0.50), "p95": pct(0.95), "max": round(h[-1], 1) if h else None},
            "server_rss_mb": {"start": self.rss_mb[0] if self.rss_mb else None,
                              "max": max(self.rss_mb) if self.rss_mb else None,
                              "end": self.rss_mb[-1] if self.rss_mb else None},
            "page_seconds": {p: {"runs": len(s), "median": round(statistics.median(s), 2), "max": round(max(s), 2)}
                             for p, s in sorted(per_page.items())},
            "first_errors": self.errors[:10],
        }


# ------------------------------------------------------------------------------------------ protocol

def _rerun_msg(base_url: str, page_name: str, query: str = "") -> bytes:
    from streamlit.proto.BackMsg_pb2 import BackMsg

    msg = BackMsg()
    state = msg.rerun_script
    state.query_string = query
    state.page_name = page_name
    state.page_script_hash = ""
    state.context_info.timezone = "Asia/Tokyo"
    state.context_info.timezone_offset = -540
    state.context_info.locale = "ja-JP"
    state.context_info.url = f"{base_url}/{page_name}"
    state.context_info.color_scheme = "light"
    state.widget_states.SetInParent()
    return msg.SerializeToString()


async def run_page(ws, base_url: str, page_name: str, timeout: float, app_urls: set[str] | None = None) -> PageRun:
    """Ask for one page and read until its run has finished. `app_urls`: app.py's page URLs; a run whose last
    navigation lists others ran the page file without app.py (Streamlit's old `pages/` folder mode)."""
    from streamlit.proto.Alert_pb2 import Alert
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    start = time.monotonic()
    run = PageRun(page_name, 0.0)
    await ws.send(_rerun_msg(base_url, page_name))
    started = False  # a finish left over from an earlier run must not end this one
    navigation = None
    try:
        async with asyncio.timeout(timeout):
            while True:
                frame = await ws.recv()
                if isinstance(frame, str):
                    continue
                if b"Traceback" in frame:
                    run.tracebacks += 1
                msg = ForwardMsg()
                msg.ParseFromString(frame)
                kind = msg.WhichOneof("type")
                if kind == "new_session":
                    started = True
                elif kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
                    el = msg.delta.new_element
                    if el.WhichOneof("type") == "exception":
                        run.errors.append(f"{el.exception.type}: {el.exception.message}".strip())
                    elif el.WhichOneof("type") == "alert" and el.alert.format == Alert.ERROR:
                        # app.py turns a failing page into st.error; with default filters no page shows one
                        run.errors.append(f"st.error: {el.alert.body[:200]}")
                elif kind == "navigation":
                    navigation = {p.url_pathname for p in msg.navigation.app_pages}
                elif kind == "page_not_found":
                    run.errors.append(f"page not found: {msg.page_not_found.page_name}")
                elif kind == "script_finished" and started:
                    # pages-folder mode lists file names app.py does not have (import_data …); app.py itself may leave out
                    # pages a role may not use (権限管理 without login), so a subset is still app.py
                    run.without_app = app_urls is not None and navigation is not None and not navigation <= app_urls
                    if msg.script_finished == ForwardMsg.FINISHED_WITH_COMPILE_ERROR:
                        run.errors.append("script compile error")
                    if msg.script_finished != ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                        break
    except TimeoutError:
        run.errors.append(f"no script_finished within {timeout:.0f} s")
    run.seconds = time.monotonic() - start
    return run


async def session(base_url: str, index: int, pages: list[str], deadline: float, report: Report,
                  page_timeout: float, max_runs: int | None = None, app_urls: set[str] | None = None) -> None:
    """One browser tab: connect, then visit the pages in turn (each session starting at another page)."""
    from websockets.asyncio.client import connect

    ws_url = base_url.replace("http", "ws", 1) + "/_stcore/stream"
    runs = 0
    try:
        async with connect(ws_url, subprotocols=["streamlit"], max_size=None, open_timeout=30,
                           ping_interval=None, close_timeout=2) as ws:
            while time.monotonic() < deadline and (max_runs is None or runs < max_runs):
                page = pages[(index + runs) % len(pages)]
                report.page_runs.append(await run_page(ws, base_url, page, page_timeout, app_urls))
                runs += 1
    except Exception as e:  # a refused or dropped socket is an error of the run, not of this script
        report.session_errors.append(f"session {index}: {type(e).__name__}: {e}")


# ------------------------------------------------------------------------------------------ server

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def health(url: str, timeout: float = 5.0) -> float:
    """Milliseconds for one /_stcore/health; raises on failure."""
    start = time.perf_counter()
    with urllib.request.urlopen(url + "/_stcore/health", timeout=timeout) as r:
        r.read()
        if r.status != 200:
            raise OSError(f"health {r.status}")
    return (time.perf_counter() - start) * 1000


def rss_mb(pid: int) -> float | None:
    """RSS of the process and its children (MB), from /proc."""
    total, todo, seen = 0, [pid], set()
    while todo:
        p = todo.pop()
        if p in seen:
            continue
        seen.add(p)
        try:
            status = Path(f"/proc/{p}/status").read_text()
            total += int(re.search(r"VmRSS:\s+(\d+)", status).group(1))
            for task in Path(f"/proc/{p}/task").iterdir():
                children = (task / "children").read_text().split()
                todo.extend(int(c) for c in children)
        except (OSError, AttributeError):
            continue
    return round(total / 1024, 1) if total else None


class Server:
    """`streamlit run app.py` on a free loopback port; its output goes to a temporary log file."""

    def __init__(self, env: dict | None = None):
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = tempfile.NamedTemporaryFile(prefix="kpiboard-load-", suffix=".log", delete=False)
        cmd = [sys.executable, "-m", "kpiboard.serve", "--server.headless", "true",
               "--server.port", str(self.port), "--server.address", "127.0.0.1",
               "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"]
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})},
                                     stdout=self.log, stderr=subprocess.STDOUT)

    def wait_healthy(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                break
            try:
                health(self.url, timeout=2)
                return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("streamlit did not start:\n" + self.output()[-3000:])

    def output(self) -> str:
        return Path(self.log.name).read_text(errors="replace")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)
        Path(self.log.name).unlink(missing_ok=True)

    def __enter__(self):
        try:
            self.wait_healthy()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc):
        self.stop()


def _poll(url: str, pid: int | None, report: Report, stop: threading.Event, interval: float) -> None:
    while not stop.is_set():
        try:
            report.health_ms.append(health(url))
        except OSError:
            report.health_failures += 1
        if pid:
            mb = rss_mb(pid)
            if mb:
                report.rss_mb.append(mb)
        stop.wait(interval)


# ------------------------------------------------------------------------------------------ run

def check_loopback(url: str) -> None:
    host = urlparse(url).hostname
    if host not in LOOPBACK:
        raise SystemExit(f"load.py targets loopback only (127.0.0.1 / localhost), not {host}")


def run_load(url: str, sessions: int = 20, duration: float = 120.0, pid: int | None = None,
             pages: list[str] | None = None, page_timeout: float = 60.0, poll_interval: float = 0.5,
             max_runs: int | None = None) -> Report:
    """Drive `sessions` concurrent sessions against a running server for `duration` seconds."""
    check_loopback(url)
    sessions = max(1, min(int(sessions), MAX_SESSIONS))
    duration = max(1.0, min(float(duration), MAX_DURATION))
    app_urls = set(app_pages().values())
    pages = pages if pages is not None else sorted(app_urls)
    report = Report(sessions, duration)
    stop = threading.Event()
    poller = threading.Thread(target=_poll, args=(url, pid, report, stop, poll_interval), daemon=True)
    poller.start()
    start = time.monotonic()

    async def main():
        deadline = time.monotonic() + duration
        tasks = [session(url, i, pages, deadline, report, page_timeout, max_runs, app_urls) for i in range(sessions)]
        # A run in flight at the deadline may finish; nothing waits longer than one page timeout past it.
        await asyncio.wait_for(asyncio.gather(*tasks), duration + page_timeout + 30)

    try:
        asyncio.run(main())
    except TimeoutError:
        report.session_errors.append("the run did not end within duration + page timeout")
    finally:
        stop.set()
        poller.join(timeout=10)
        report.elapsed = time.monotonic() - start
    return report


def run_with_server(sessions: int = 20, duration: float = 120.0, env: dict | None = None, **kwargs) -> Report:
    with Server(env) as server:
        # One visit to the start page first, as on a server somebody has opened: a fresh server's very first
        # deep links can run before the app shell (Streamlit's pages-folder mode; tests/test_cold_start.py).
        run_load(server.url, 1, 1, pages=[""], max_runs=1)
        report = run_load(server.url, sessions, duration, pid=server.proc.pid, **kwargs)
        report.server_log_tracebacks = server.output().count("Traceback")
    return report


def print_report(summary: dict) -> None:
    h, rss = summary["health_ms"], summary["server_rss_mb"]
    print(f"sessions {summary['sessions']} × {summary['duration_s']:.0f} s (elapsed {summary['elapsed_s']} s)")
    print(f"requests {summary['requests']} (page runs {summary['page_runs']}, health {summary['health_requests']})")
    print(f"errors {summary['errors']}, tracebacks {summary['tracebacks']}, health failures {summary['health_failures']}")
    if summary["runs_without_app"]:
        print(f"runs without app.py (pages-folder mode of a fresh server): {summary['runs_without_app']}")
    print(f"health ms p50 {h['p50']} p95 {h['p95']} max {h['max']}")
    print(f"server RSS MB start {rss['start']} max {rss['max']} end {rss['end']}")
    for page, s in summary["page_seconds"].items():
        print(f"  {page:<12} runs {s['runs']:>4}  median {s['median']:>6.2f} s  max {s['max']:>6.2f} s")
    for e in summary["first_errors"]:
        print(f"  error: {e}")


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--sessions", type=int, default=20, help=f"concurrent sessions (at most {MAX_SESSIONS})")
    p.add_argument("--duration", type=float, default=120.0, help=f"seconds (at most {MAX_DURATION:.0f})")
    p.add_argument("--url", help="a running server on loopback (default: start one)")
    p.add_argument("--pid", type=int, help="that server's process id, for its RSS")
    p.add_argument("--page-timeout", type=float, default=60.0, help="longest wait for one page run")
    p.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = p.parse_args(argv)
    if args.url:
        report = run_load(args.url.rstrip("/"), args.sessions, args.duration, pid=args.pid,
                          page_timeout=args.page_timeout)
    else:
        report = run_with_server(args.sessions, args.duration, page_timeout=args.page_timeout)
    summary = report.summary()
    if args.json:
        print(json.dumps(summary, ensure_ascii=False, indent=1))
    else:
        print_report(summary)
    return 0 if not report.errors and not report.tracebacks else 1


if __name__ == "__main__":
    sys.exit(main())
