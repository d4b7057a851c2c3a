"""A real Streamlit server and Debian's chromium, for browser tests and screenshots."""
from __future__ import annotations

import os
import socket
import subprocess
import tempfile
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("KPIBOARD_CHROMIUM", "/usr/bin/chromium")
# The closed network refuses Chromium's background connections; these flags keep it quiet.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def streamlit_server(data_dir: Path | None = None, *, port: int | None = None, secrets: Path | None = None):
    """secrets: a secrets.toml for the server instead of ~/.streamlit's and the app's (e.g. an [auth] section);
    port: when the test must know it first (the [auth] redirect_uri names it)."""
    port = port or free_port()
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    if data_dir:
        env["KPIBOARD_DATA_DIR"] = str(data_dir)
    cmd = [sys.executable, "-m", "kpiboard.serve", "--server.headless", "true",
           "--server.port", str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false",
           "--server.fileWatcherType", "none"]
    if secrets:
        cmd += ["--secrets.files", str(secrets)]
    # The server's log goes to a file: an unread pipe would fill up and stall a server that logs a lot.
    log = tempfile.TemporaryFile()
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                if urllib.request.urlopen(url + "/_stcore/health", timeout=2).status == 200:
                    break
            except OSError:
                time.sleep(0.3)
        else:
            log.seek(0)
            raise RuntimeError("streamlit did not start: " + log.read(10000).decode(errors="replace"))
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@contextmanager
def chromium_page(width: int = 1600, height: int = 1000):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": width, "height": height}, locale="ja-JP")
        page = context.new_page()
        try:
            yield page
        finally:
            context.close()
            browser.close()


def wait_for_app(page, timeout: float = 30_000) -> None:
    """Wait until the script run is over: no running indicator, the main block present."""
    # Streamlit marks the app element with its script state; wait for a finished run that drew something.
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]'
                           ' [data-testid="stMain"] [data-testid="stElementContainer"]', timeout=timeout)
    page.wait_for_timeout(400)


def assert_no_exception(page) -> None:
    errors = page.get_by_test_id("stException")
    assert errors.count() == 0, errors.first.inner_text()
