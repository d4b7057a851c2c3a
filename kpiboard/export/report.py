"""The report model every export renders: one plan's verdicts, observations, areas and sources, read once
(`kpiboard.export.gather.build_report`), and the words and display strings every format shares."""
from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass, field
from typing import Callable

import polars as pl

from .. import citations, status, views
from ..eras import format_fiscal_year
from ..parsing import format_value

Progress = Callable[[float, str], None]
NO_AREA = "（分野なし）"
ATTENTION_LIMIT = 30  # KPI slides/pages at most; the rest are in the tables


class ExportError(Exception):
    """An export that cannot be made; the message is Japanese and says what to do."""


@dataclass
class AreaSection:
    name: str
    code: str | None
    statement: str
    source: str
    rows: pl.DataFrame


@dataclass
class Report:
    plan_id: str
    plan: str
    entity: str
    plan_type: str
    vision: str
    period_start_fy: int | None
    period_end_fy: int | None
    plan_source: str
    eval_year: int | None
    method: str
    bands: tuple[float, float, float]
    made_on: _dt.date
    data_as_of: str
    dataset_name: str
    synthetic: bool
    evaluated: pl.DataFrame
    observations: pl.DataFrame
    areas: list[AreaSection] = field(default_factory=list)
    attention: pl.DataFrame | None = None
    western_years: bool = False
    source_heads: tuple[str, ...] = ()  # the cited documents (sources table), to group citations by
    expected_paths: dict[str, list[tuple[int, float]]] = field(default_factory=dict)

    # ---- words every format uses -------------------------------------------------------------
    @property
    def method_label(self) -> str:
        return status.METHOD_LABELS.get(self.method, self.method)

    @property
    def method_text(self) -> str:
        return status.method_explanation(self.method, self.bands)

    @property
    def bands_text(self) -> str:
        if self.method == "abnf":
            return "A: 達成率 ≥ 計画期間の経過割合 ／ B: それ未満 ／ N: 実績なし ／ F: 定量目標なし"
        on, mostly, slightly = self.bands
        return (f"進捗率 r ≥ {on:g} 順調 ／ r ≥ {mostly:g} 概ね順調 ／ r ≥ {slightly:g} やや遅れ ／ "
                f"r < {slightly:g} 遅れ（最終目標を満たせば達成）")

    @property
    def eval_year_label(self) -> str:
        if self.eval_year is None:
            return "指標ごとの最新実績年度"
        return self.fy(self.eval_year) + "年度"

    @property
    def made_on_label(self) -> str:
        d = self.made_on
        return f"{d.year}年{d.month}月{d.day}日"

    @property
    def title(self) -> str:
        return f"{self.plan}　KPI進捗状況"

    @property
    def synthetic_note(self) -> str:
        return "合成データ — 試験用に生成した架空の数値です。実在の自治体の実績ではありません。" if self.synthetic else ""

    def fy(self, value) -> str:
        return format_fiscal_year(value, western_only=self.western_years) if value is not None else "―"
    def status_counts(self) -> dict[str, int]:
        """KPIs per status in the method's order, zeros included: the counts 概要 shows (kpiboard.views)."""
        return dict(views.status_counts(self.evaluated, self.method))

    @property
    def sources(self) -> list[str]:
        """Every source behind the figures shown: the plan, its areas, KPIs and observations."""
        found = [self.plan_source] + [a.source for a in self.areas]
        found += self.evaluated["source"].to_list() + self.observations["source"].to_list()
        return list(dict.fromkeys(s for s in found if s))

    @property
    def source_files(self) -> list[str]:
        """The documents cited (titles, publishers, dates), in first-seen order."""
        return list(dict.fromkeys(split_source(s, self.source_heads)[0] for s in self.sources))

    def compact_sources(self, sources: list[str], limit: int | None = None) -> str:
        return compact_sources(sources, limit, self.source_heads)

    def sources_by_file(self, sources: list[str] | None = None) -> dict[str, list[str]]:
        return sources_by_file(self.sources if sources is None else sources, self.source_heads)

    def expected_path(self, kpi_id: str) -> list[tuple[int, float]]:
        return self.expected_paths.get(kpi_id, [])

    def sources_of(self, rows: pl.DataFrame, extra: list[str] | None = None) -> list[str]:
        ids = set(rows["kpi_id"].to_list())
        obs = self.observations.filter(pl.col("kpi_id").is_in(ids))["source"].to_list()
        return list(dict.fromkeys(s for s in (extra or []) + rows["source"].to_list() + obs if s))

    def observations_of(self, kpi_id: str) -> pl.DataFrame:
        return self.observations.filter(pl.col("kpi_id") == kpi_id)

    @property
    def attention_note(self) -> str:
        """What to say when no KPI needs attention (never an empty page)."""
        if self.evaluated.is_empty():
            return "この計画には指標が登録されていません。"
        unjudged = self.evaluated.filter(pl.col("status").is_in(status.UNDETERMINED))
        if unjudged.is_empty():
            return "要注意の指標はありません。"
        # why the others cannot be judged, as evaluate.sql says (実績なし, 定性・評価の記録なし …)
        reasons = "、".join(f"{why} {n} 件" for why, n in unjudged.group_by("status_reason").len()
                           .sort(["len", "status_reason"], descending=[True, False]).iter_rows())
        if unjudged.height == self.evaluated.height:
            return f"要注意の指標はありません（すべて判定できません: {reasons}）。"
        return f"要注意の指標はありません（判定できない {unjudged.height} 件を除く: {reasons}）。"

    def filename(self, fmt: str, suffix: str = "") -> str:
        year = f"{self.eval_year}年度" if self.eval_year else "最新"
        if fmt == "a3":  # the A3 sheet is a PDF too
            fmt, suffix = "pdf", suffix + "_進捗管理表A3"
        stem = f"{self.plan}_{year}_{self.method_label}{suffix}"
        return safe_filename(stem) + "." + fmt


# ---- display helpers shared by the formats ---------------------------------------------------

def value_text(value, unit: str | None) -> str:
    return format_value(value, unit or "")


def rate_text(rate) -> str:
    if rate is None or rate != rate:
        return "―"
    return f"{rate * 100:,.1f}%"


def split_source(source: str, heads: tuple[str, ...] = ()) -> tuple[str, str]:
    """(document, place) of a citation (kpiboard.citations)."""
    return citations.split(source, heads)


def compact_sources(sources: list[str], limit: int | None = None, heads: tuple[str, ...] = ()) -> str:
    """'f.txt A B x', 'f.txt A B y' → 'f.txt A B x／y': one document, shared words once."""
    by_file = sources_by_file(sources, heads)
    parts = []
    for name, sections in by_file.items():
        if not sections:
            parts.append(name)
            continue
        tokens = [s.split(" ") for s in sections]
        common = 0
        while (len(tokens) > 1 and all(len(t) > common + 1 for t in tokens)
               and len({t[common] for t in tokens}) == 1):
            common += 1
        head = " ".join(tokens[0][:common])
        tails = "／".join(" ".join(t[common:]) for t in tokens)
        parts.append(f"{name} {head + ' ' if head else ''}{tails}")
    text = "；".join(parts)
    if limit and len(text) > limit:
        text = text[: limit - 1] + "…"
    return text


def sources_by_file(sources: list[str], heads: tuple[str, ...] = ()) -> dict[str, list[str]]:
    """{document: [sections]} in first-seen order (for lists of every source)."""
    out: dict[str, list[str]] = {}
    for s in sources:
        name, section = split_source(s, heads)
        out.setdefault(name, [])
        if section and section not in out[name]:
            out[name].append(section)
    return out


def safe_filename(text: str) -> str:
    return re.sub(r'[\\/:*?"<>|\s]+', "_", text).strip("_")[:120] or "export"


def kpi_label(row: dict, width: int | None = None) -> str:
    """'ⅰ 指標名', cut to `width` characters in all."""
    name = row.get("kpi_name") or row.get("kpi_id") or ""
    code = row.get("item_code") or ""
    label = f"{code} {name}".strip()
    if width and len(label) > width:
        label = label[: width - 1] + "…"
    return label


def status_rows(report: Report, rows: pl.DataFrame) -> list[dict]:
    """The status table every format shows, as display strings (one dict per KPI)."""
    out = []
    for r in rows.iter_rows(named=True):
        unit = r.get("unit") or ""
        out.append({
            "項目": r.get("item_code") or "",
            "指標名": r.get("kpi_name") or "",
            "基準値": value_text(r["baseline_value"], unit),
            "基準年度": report.fy(r["baseline_fy"]) if r["baseline_value"] is not None else "",
            "目標値": value_text(r["target_value"], unit),
            "目標年度": report.fy(r["target_fy"]) if r["target_value"] is not None else "",
            "実績値": value_text(r["actual_value"], unit) if r["actual_value"] is not None else "未登録",
            "実績年度": report.fy(r["eval_fy"]) if r["actual_value"] is not None else "",
            "達成率": rate_text(r["achievement_rate"]),
            "判定": status.label(r["status"]),
            "所見": r.get("commentary") or "",
            "status": r["status"],
            "source": r.get("source") or "",
        })
    return out
