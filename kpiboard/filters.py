"""The filters every page shares, as one value: read from the URL once per run, written back in one place.

The URL holds ids and plain values (?entity=toyama&plan=toyama-growth&year=2024&method=abnf), never
labels: a label changes with the data or the Western-years setting, an id does not. Links made before
(?plan=富山県｜富山県成長戦略&year=R6（2024）) are still read: `from_url` maps such a value to its id once.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from datetime import date

from .eras import YearParseError, fiscal_year
from .settings import SETTINGS

ALL = "all"  # plan=all: every plan (pages that can show them all)
METHODS = ("expected", "abnf")
SCREENS = ("1080", "720")
_TRUE, _FALSE = ("true", "1", "yes", "on"), ("false", "0", "no", "off")


@dataclass(frozen=True)
class Filters:
    entity: str | None = None  # entity_id; None = every entity
    plan: str | None = None  # plan_id or ALL; None = the page's default plan
    year: int | None = None  # fiscal year judged; None = each KPI's latest actual
    method: str = "expected"
    western_years: bool = False
    present: bool = False
    screen: str = "1080"  # 発表モード's projector: "1080" (1920×1080) or "720" (1280×720)
    band_on_track: float = SETTINGS.default("band_on_track")
    band_mostly: float = SETTINGS.default("band_mostly")
    band_slightly: float = SETTINGS.default("band_slightly")
    as_of: str | None = None  # ISO date: show the data as it was at the end of that day (None = the newest)

    @property
    def bands(self) -> tuple[float, float, float]:
        return (self.band_on_track, self.band_mostly, self.band_slightly)

    def to_url(self) -> dict[str, str]:
        """The values that differ from the defaults, as URL parameters."""
        out = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if value != f.default:
                out[f.name] = ("true" if value else "false") if isinstance(value, bool) else f"{value:g}" \
                    if isinstance(value, float) else str(value)
        return out

    def changed(self, **values) -> Filters:
        return replace(self, **values)


KEYS = tuple(f.name for f in fields(Filters))
LEGACY_BAND_KEYS = {"b1": "band_on_track", "b2": "band_mostly", "b3": "band_slightly"}  # links before ids


def from_url(params: Mapping[str, str], *, held: Filters | None = None, last_written: Mapping[str, str] | None = None,
             labels: Mapping[str, Mapping[str, str]] | None = None, method_labels: Mapping[str, str] | None = None) -> Filters:
    """The run's filters: a URL value that is new (a link, a hand-typed URL, the browser's back button)
    wins; otherwise the value held from the last run (a widget may just have changed it; a page switch
    drops URL parameters but not the choice).

    labels: {"entity": {name: id}, "plan": {「自治体｜計画」: id}} for links that still hold labels.
    A value that cannot be read is ignored (the held or default value stays)."""
    held = held or Filters()
    last_written = last_written or {}
    values = {}
    for raw_key, raw in params.items():
        key = LEGACY_BAND_KEYS.get(raw_key, raw_key)
        if key not in KEYS or raw is None or raw == last_written.get(raw_key):
            continue
        value = _read(key, str(raw), labels or {}, method_labels or {})
        if value is not _UNREADABLE:
            values[key] = value
    return replace(held, **values)


_UNREADABLE = object()


def _read(key: str, raw: str, labels: Mapping[str, Mapping[str, str]], method_labels: Mapping[str, str]):
    raw = raw.strip()
    if key in ("entity", "plan"):
        if key == "plan" and raw in (ALL, "すべての計画"):
            return ALL
        return labels.get(key, {}).get(raw, raw) or None
    if key == "year":
        if raw in ("", "最新の実績年度"):
            return None
        try:  # 2024, or a label as the picker shows it (R6（2024）, 令和6年度) from an older link
            year = int(raw) if raw.isdigit() else fiscal_year(raw)
        except (YearParseError, ValueError):
            return _UNREADABLE
        return year if 1900 <= year <= 2200 else _UNREADABLE
    if key == "method":
        method = {label: m for m, label in method_labels.items()}.get(raw, raw)
        return method if method in METHODS else _UNREADABLE
    if key == "as_of":
        if raw in ("", "latest"):
            return None
        try:
            return date.fromisoformat(raw).isoformat()
        except ValueError:
            return _UNREADABLE
    if key == "screen":
        return raw if raw in SCREENS else _UNREADABLE
    if key in ("western_years", "present"):
        low = raw.lower()
        return True if low in _TRUE else False if low in _FALSE else _UNREADABLE
    try:  # a band: checked as a whole by SETTINGS.bands when used (the sidebar says why it is refused)
        return float(raw)
    except ValueError:
        return _UNREADABLE
