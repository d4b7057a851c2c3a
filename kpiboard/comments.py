"""The department's commentary on a KPI's fiscal year — 所見, 要因分析, 今後の方向性 and free notes — as an Excel
進捗管理表 carries it: written on 指標 by whoever may edit the KPI's entity, one store transaction per save (its
author and message in the history), read by the pages, the CLI and every export."""
from __future__ import annotations

import re
import unicodedata
from datetime import datetime, timezone
from pathlib import Path

import polars as pl

from . import store

# kind → the heading staff know it by, in the order a 進捗管理表 prints them
KINDS = {"finding": "所見", "analysis": "要因分析", "direction": "今後の方向性", "note": "メモ"}
MAX_CHARS = 2000  # one text; a 進捗管理表's cell, not a report
TABLE = "kpi_comments"
# Control characters other than newline and tab: pasted from Word/Excel they break CSV readers and PDF text.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")


class CommentError(ValueError):
    """A text that cannot be saved; the message is Japanese."""


def clean(text: str | None, label: str = "所見") -> str:
    """The text as saved: NFC (a macOS paste keeps its dakuten as one character), newlines as \\n, no control
    characters, trimmed; refused over MAX_CHARS."""
    text = unicodedata.normalize("NFC", str(text or "")).replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL.sub("", text).strip()
    if len(text) > MAX_CHARS:
        raise CommentError(f"「{label}」が長すぎます（{len(text):,} 文字）。{MAX_CHARS:,} 文字以内にしてください。")
    return text


def save(directory: Path | str | None, kpi_id: str, fiscal_year: int, texts: dict[str, str | None], *,
         internal: bool = False, author: str, expected: dict[str, str] | None = None, kpi_name: str = "",
         now: datetime | None = None) -> dict:
    """Write the texts of one KPI × year (kind → text; an empty text removes that kind) in one transaction.
    Kinds not given keep what they had. `expected` (kind → text as the editor showed it): if someone saved
    other texts for this year since, nothing is written and a CommentError says so (no silent overwrite)."""
    unknown = set(texts) - set(KINDS)
    if unknown:
        raise CommentError("不明な種類: " + "、".join(sorted(unknown)))
    cleaned = {kind: clean(text, KINDS[kind]) for kind, text in texts.items()}
    scope = {TABLE: ("kpi_id", [kpi_id])}
    current = store.read_tables(directory, [TABLE], None, scope)[TABLE]
    if expected is not None:
        now_there = {r["kind"]: r["text"] or "" for r in current.filter(pl.col("fiscal_year") == fiscal_year)
                     .iter_rows(named=True)}
        if {k: v for k, v in now_there.items() if v} != {k: v for k, v in expected.items() if v}:
            raise CommentError("この年度の所見などは、表示したあとに別の人が更新しました。保存していません。"
                               "ページを読み直して、最新の内容に書き足してください。")
    at = (now or datetime.now(timezone.utc)).astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    kept = current.filter(~((pl.col("fiscal_year") == fiscal_year) & pl.col("kind").is_in(list(cleaned))))
    new = pl.DataFrame([{"kpi_id": kpi_id, "fiscal_year": fiscal_year, "kind": kind, "text": text,
                         "internal": internal, "author": author, "written_at": at}
                        for kind, text in cleaned.items() if text],
                       schema=current.schema)
    # a text saved again unchanged keeps its author and time (no new snapshot for nothing)
    same = current.join(new.select("kpi_id", "fiscal_year", "kind", "text", "internal"),
                        on=["kpi_id", "fiscal_year", "kind", "text", "internal"], how="semi")
    new = new.join(same.select("kpi_id", "fiscal_year", "kind"), on=["kpi_id", "fiscal_year", "kind"], how="anti")
    frame = pl.concat([kept, same, new]).unique(["kpi_id", "fiscal_year", "kind"], keep="last", maintain_order=True)
    words = "、".join(KINDS[k] for k in cleaned)
    return store.write_tables(directory, {TABLE: frame}, author=author, scopes=scope,
                              message=f"{words}を記入: {kpi_name or kpi_id}（{fiscal_year}年度）")


def by_year(comments: pl.DataFrame) -> pl.DataFrame:
    """kpi_id, fiscal_year and one column per kind (finding, analysis, direction, note): what a row of a 進捗管理表
    shows next to its figures; `commentary` is every kind as 「所見: …」 lines (speaker notes, handouts)."""
    frame = comments.select("kpi_id", "fiscal_year", "kind", "text")
    wide = (frame.pivot(on="kind", index=["kpi_id", "fiscal_year"], values="text", aggregate_function="first")
            if frame.height else pl.DataFrame(schema={"kpi_id": pl.Utf8, "fiscal_year": pl.Int32}))
    for kind in KINDS:
        if kind not in wide.columns:
            wide = wide.with_columns(pl.lit(None, dtype=pl.Utf8).alias(kind))
    lines = [pl.when(pl.col(k).is_not_null()).then(pl.lit(f"{label}: ") + pl.col(k)) for k, label in KINDS.items()]
    return wide.select("kpi_id", "fiscal_year", *KINDS,
                       pl.concat_str(lines, separator="\n", ignore_nulls=True).alias("commentary"))


def attach(evaluated: pl.DataFrame, comments: pl.DataFrame) -> pl.DataFrame:
    """The evaluated rows with the evaluated year's commentary: `comment` (the 所見, "" where none) and
    `commentary` (every kind, labelled). Joined on (kpi_id, eval_fy)."""
    wide = by_year(comments).rename({"fiscal_year": "eval_fy", "finding": "comment"})
    joined = evaluated.join(wide.select("kpi_id", "eval_fy", "comment", "commentary").with_columns(
        pl.col("eval_fy").cast(evaluated.schema["eval_fy"])), on=["kpi_id", "eval_fy"], how="left",
        maintain_order="left")
    return joined.with_columns(pl.col("comment").fill_null(""), pl.col("commentary").fill_null(""))
