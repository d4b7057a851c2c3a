"""Downloads of every row of a filtered view, streamed (issue #12: the データ page at national scale).

st.download_button holds the whole file in the server's memory before the browser gets a byte: fine for a plan,
not for 64 million observations. Here the page issues a ticket (the view's filters, the snapshot it shows, the
method and bands) and links to `/download/<ticket>/<file name>`; a route of the app's server (server.py, an
st.App) reads the rows batch by batch and sends each as it is written, CSV as it comes and xlsx through a file
written with constant memory.

A ticket is 32 random bytes issued to a session that could read the page, valid for TICKET_SECONDS, at most
MAX_TICKETS kept (the oldest go first); nothing else opens the route. A process that does not serve the route
(`streamlit run app.py`, AppTest) says so through `serving()`, and the page falls back to download buttons.
"""
from __future__ import annotations

import json
import os
import secrets
import tempfile
import threading
import time
import urllib.parse
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path

from . import db, tabular, views

ROUTE = "/download"
TICKET_SECONDS = 30 * 60
MAX_TICKETS = 1024
BATCH_ROWS = 50_000  # rows per read (a plan is read alone, its verdicts once)
KINDS = ("kpis", "observations", "xlsx")

_serving = False
_tickets: OrderedDict[str, Ticket] = OrderedDict()  # token -> ticket, oldest first
_by_view: dict[str, str] = {}  # what a ticket asks for -> its token
_lock = threading.Lock()


@dataclass(frozen=True)
class Ticket:
    kind: str                 # kpis | observations (CSV) | xlsx (both, with the notes sheet)
    directory: str
    version: str
    filters: dict             # data_kpis / data_observations parameters
    judging: dict             # evaluate's method and bands
    western: bool
    file_name: str
    notes: dict = field(default_factory=dict)
    issued: float = field(default_factory=time.monotonic)


def serving() -> bool:
    """Whether this process serves the download route (server.py marks it)."""
    return _serving


def mark_serving() -> None:
    global _serving
    _serving = True


def issue(ticket: Ticket) -> str:
    """The URL path that downloads `ticket`, relative (so it works under a proxy's base path too). A page rerun
    asks again for the same view: it gets the same ticket, kept fresh, and the store of tickets stays small."""
    if ticket.kind not in KINDS:
        raise ValueError(ticket.kind)
    key = json.dumps([ticket.kind, ticket.directory, ticket.version, ticket.filters, ticket.judging, ticket.western,
                      ticket.file_name, ticket.notes], ensure_ascii=False, sort_keys=True, default=str)
    with _lock:
        _expire()
        token = _by_view.get(key)
        if token not in _tickets:
            token = secrets.token_urlsafe(32)
            _by_view[key] = token
        _tickets[token] = ticket
        _tickets.move_to_end(token)
        while len(_tickets) > MAX_TICKETS:
            _tickets.popitem(last=False)
        for stale in [k for k, t in _by_view.items() if t not in _tickets]:
            del _by_view[stale]
    return f"{ROUTE.lstrip('/')}/{token}/{urllib.parse.quote(ticket.file_name)}"


def redeem(token: str) -> Ticket | None:
    with _lock:
        _expire()
        return _tickets.get(token)


def _expire() -> None:
    now = time.monotonic()
    for token in [t for t, k in _tickets.items() if now - k.issued > TICKET_SECONDS]:
        del _tickets[token]


# ---------------------------------------------------------------- the rows

def _database(ticket: Ticket) -> db.Database:
    return db.Database(Path(ticket.directory), ticket.version)


def _plans(ticket: Ticket, database: db.Database) -> list[str]:
    """The plans of the view in the page's order (entity kind, entity, plan: the queries' ORDER BY begins so), so
    reading them one by one gives the rows in the same order as one query would, without sorting 64 million."""
    return db.run_over("data_kpis", database, "SELECT plan_id FROM q GROUP BY entity_type, entity, plan, plan_id "
                       "ORDER BY entity_type, entity, plan, plan_id", **ticket.filters)["plan_id"].to_list()


def kpi_frames(ticket: Ticket, database: db.Database | None = None):
    """data_kpi_table's rows (the KPI list with verdicts) in batches; each batch's KPIs judged together. One query:
    1.8 million KPIs sort quickly, and a query per plan cost more than the sort (247 s against 35 s)."""
    database = database or _database(ticket)
    for kpis in db.batches("data_kpis", database, BATCH_ROWS, **ticket.filters):
        judged = db.run("evaluate", database, kpi_ids=tuple(kpis["kpi_id"].to_list()), **ticket.judging)
        yield views.data_kpi_table(kpis, judged, ticket.western)


def observation_frames(ticket: Ticket, database: db.Database | None = None):
    """data_observation_table's rows plan by plan (one query's sort of 64 million rows spilled and held 1.9 GB),
    in batches, each with its KPI's verdict."""
    database = database or _database(ticket)
    for plan_id in _plans(ticket, database):
        judged = views.verdict_labels(db.run("evaluate", database, plan=plan_id, **ticket.judging))
        for observations in db.batches("data_observations", database, BATCH_ROWS, **{**ticket.filters, "plan": plan_id}):
            yield views.data_observation_table(observations, judged, ticket.western)


def csv_chunks(ticket: Ticket):
    frames = kpi_frames(ticket) if ticket.kind == "kpis" else observation_frames(ticket)
    yield from tabular.csv_chunks(frames)


def xlsx_file(ticket: Ticket) -> Path:
    """The KPI list and the observations as one xlsx in a temporary file (constant memory; the caller deletes it)."""
    handle, name = tempfile.mkstemp(prefix="kpiboard-", suffix=".xlsx")
    os.close(handle)
    try:
        database = _database(ticket)
        tabular.write_xlsx(name, {"KPI": kpi_frames(ticket, database), "観測値": observation_frames(ticket, database)},
                           ticket.notes)
    except BaseException:
        os.unlink(name)
        raise
    return Path(name)


def file_bytes(ticket: Ticket) -> bytes:
    """The whole file in memory: for download buttons where no route serves it (a small view)."""
    if ticket.kind != "xlsx":
        return b"".join(csv_chunks(ticket))
    path = xlsx_file(ticket)
    try:
        return path.read_bytes()
    finally:
        path.unlink()


# ---------------------------------------------------------------- the route (Starlette)

def _disposition(file_name: str) -> str:
    return f"attachment; filename=\"download\"; filename*=UTF-8''{urllib.parse.quote(file_name)}"


async def endpoint(request):
    from starlette.background import BackgroundTask
    from starlette.concurrency import run_in_threadpool
    from starlette.responses import FileResponse, PlainTextResponse, StreamingResponse

    ticket = redeem(request.path_params["token"])
    if ticket is None:
        return PlainTextResponse("このダウンロードの有効期限が切れました。ページを開き直してからもう一度押してください。",
                                 status_code=404, media_type="text/plain; charset=utf-8")
    if ticket.kind == "xlsx":
        path = await run_in_threadpool(xlsx_file, ticket)
        return FileResponse(path, media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                            headers={"Content-Disposition": _disposition(ticket.file_name)},
                            background=BackgroundTask(os.unlink, path))
    # a sync iterator: Starlette reads it in its thread pool, a chunk (one batch) at a time
    return StreamingResponse(csv_chunks(ticket), media_type="text/csv; charset=utf-8",
                             headers={"Content-Disposition": _disposition(ticket.file_name),
                                      "Cache-Control": "no-store"})


def routes() -> list:
    from starlette.routing import Route

    return [Route(ROUTE + "/{token}/{name}", endpoint, methods=["GET"])]

