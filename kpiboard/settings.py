"""The settings that change a verdict, declared once: name, default, help, bounds.

evaluate.sql takes each as a `$name` parameter; the app's sidebar, the CLI and the exports read their
defaults and help here and validate through `bands()` here, so every caller accepts and refuses the same.
"""
from __future__ import annotations

import os
from dataclasses import dataclass


class SettingError(ValueError):
    """A setting given out of bounds or out of order; the message is Japanese."""


@dataclass(frozen=True)
class Setting:
    name: str
    default: object
    help: str
    minimum: float | None = None
    maximum: float | None = None


class Settings:
    def __init__(self, *declared: Setting):
        self._by_name = {s.name: s for s in declared}

    def __contains__(self, name: str) -> bool:
        return name in self._by_name

    def __getitem__(self, name: str) -> Setting:
        return self._by_name[name]

    def __iter__(self):
        return iter(self._by_name.values())

    def default(self, name: str):
        return self._by_name[name].default

    def default_bands(self) -> tuple[float, float, float]:
        return tuple(self.default(n) for n in BAND_SETTINGS)  # type: ignore[return-value]

    def bands(self, values=None) -> tuple[float, float, float]:
        """The ratio bands (順調 / 概ね順調 / やや遅れ) as numbers, checked; the defaults for None."""
        if values is None:
            return self.default_bands()
        try:
            on, mostly, slightly = (float(v) for v in values)
        except (TypeError, ValueError):
            raise SettingError("判定基準は 3 つの数（順調・概ね順調・やや遅れの下限、例 1.0,0.8,0.5）で指定してください。") from None
        for value, name in zip((on, mostly, slightly), BAND_SETTINGS):
            s = self._by_name[name]
            if not s.minimum <= value <= s.maximum:
                raise SettingError(f"判定基準は {s.minimum:g}～{s.maximum:g} の数で指定してください（{value:g}）。")
        if not on >= mostly >= slightly:
            raise SettingError("判定基準は「順調 ≥ 概ね順調 ≥ やや遅れ」の順に大きくしてください。")
        return on, mostly, slightly



BAND_SETTINGS = ("band_on_track", "band_mostly", "band_slightly")
SETTINGS = Settings(
    Setting("method", "expected", "判定方式: expected = 期待値方式, abnf = A/B/N/F（国の方式）"),
    Setting("band_on_track", 1.0, "進捗率がこの値以上で「順調」", 0.0, 2.0),
    Setting("band_mostly", 0.8, "進捗率がこの値以上で「概ね順調」", 0.0, 2.0),
    Setting("band_slightly", 0.5, "進捗率がこの値以上で「やや遅れ」、未満は「遅れ」", 0.0, 2.0),
    Setting("almost_tolerance", 0.05, "「ほぼ X」の目標は、X からこの割合だけ届かなくても達成とみなす（0.05 = 5%）", 0.0, 0.5),
)

# The server's own limits (not verdicts): read from the environment variable named, else the default.
SERVER_SETTINGS = Settings(
    # 1GB: with Python (~0.4 GB) and the result cache (KPIBOARD_CACHE_MB) a server stays under 2 GB at national scale
    Setting("KPIBOARD_DUCKDB_MEMORY", "1GB", "DuckDB が使うメモリの上限（超える問い合わせはディスクに退避するか、日本語のエラー）。"
            "レプリカを1台に複数置くときは、合計がメモリに収まるように"),
    Setting("KPIBOARD_DUCKDB_THREADS", os.cpu_count() or 2, "DuckDB のスレッド数（既定: この機械のコア数）", 1, 256),
    Setting("KPIBOARD_CACHE_MB", 512, "問い合わせ結果を覚えておくメモリの上限（MB、全セッション共通。古いものから捨てる）", 16, 65536),
)


def server_setting(name: str):
    """A server setting: the environment's value (as the default's type), else the default."""
    setting = SERVER_SETTINGS[name]
    raw = os.environ.get(name, "").strip()
    if not raw:
        return setting.default
    if isinstance(setting.default, int):
        try:
            return max(int(setting.minimum), min(int(raw), int(setting.maximum)))
        except ValueError:
            return setting.default
    return raw
