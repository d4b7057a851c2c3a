"""Synthetic national dataset, for trying pages at scale. Never real: every entity, plan and KPI row
has `synthetic = true`, every figure's source says 合成データ, and the app shows a 「合成データ」 banner.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from . import store

SOURCE = "合成データ（python -m kpiboard synth で生成。実在の数値ではありません）"

# Prefecture names and JIS X 0401 codes are public identifiers; the figures attached are invented.
PREFECTURES = (
    "北海道 青森県 岩手県 宮城県 秋田県 山形県 福島県 茨城県 栃木県 群馬県 埼玉県 千葉県 東京都 神奈川県 新潟県 富山県 "
    "石川県 福井県 山梨県 長野県 岐阜県 静岡県 愛知県 三重県 滋賀県 京都府 大阪府 兵庫県 奈良県 和歌山県 鳥取県 島根県 "
    "岡山県 広島県 山口県 徳島県 香川県 愛媛県 高知県 福岡県 佐賀県 長崎県 熊本県 大分県 宮崎県 鹿児島県 沖縄県"
).split()

# (indicator_id, name, unit, direction, area, base range)
INDICATORS = [
    ("online-rate", "行政手続のオンライン利用率", "%", "increase", "行政のＤＸ", (20, 60)),
    ("paper", "コピー用紙購入量", "枚", "decrease", "行政のＤＸ", (5_000_000, 50_000_000)),
    ("opendata", "オープンデータ公開件数", "件", "increase", "行政のＤＸ", (10, 500)),
    ("mynumber", "マイナンバーカード取得率", "%", "increase", "行政のＤＸ", (30, 60)),
    ("startups", "創業者数（年間）", "人", "increase", "産業振興", (50, 2000)),
    ("tourists", "観光入込客数", "人", "increase", "産業振興", (100_000, 10_000_000)),
    ("migrants", "移住者数（累計）", "人", "increase", "地方創生", (10, 500)),
    ("overtime", "職員一人当たり時間外勤務時間（年間）", "時間", "decrease", "働き方改革", (100, 300)),
    ("riders", "公共交通の一日あたり乗車人数", "人/日", "maintain_min", "交通", (1000, 50000)),
    ("checkup", "特定健診受診率", "%", "increase", "健康・医療・福祉", (30, 60)),
    ("waiting", "待機児童数", "人", "decrease", "子育て", (5, 300)),
    ("dci-rank", "デジタル度の全国順位", "位", "rank", "行政のＤＸ", (5, 47)),
    ("disaster-plan", "避難計画を作成している住民の割合", "%", "increase", "安全・安心", (5, 30)),
    ("co2", "温室効果ガス排出量", "千t-CO2", "decrease", "環境", (100, 5000)),
    ("wellbeing", "ウェルビーイング実感度", "点", "maintain_min", "ウェルビーイング", (50, 70)),
]


@dataclass
class SynthSpec:
    prefectures: int = 47
    municipalities: int = 1741
    kpis_per_entity: int = 10
    first_year: int = 2016
    last_year: int = 2026
    seed: int = 1


def generate(spec: SynthSpec) -> dict[str, pl.DataFrame]:
    rng = random.Random(spec.seed)
    entities, plans, areas, kpis, obs = [], [], [], [], []
    for i in range(spec.prefectures):
        name = PREFECTURES[i] if i < len(PREFECTURES) else f"合成県{i + 1:02d}"
        entities.append({"entity_id": f"synth-pref-{i + 1:02d}", "name": f"{name}（合成）",
                         "entity_type": "prefecture", "code": f"{i + 1:02d}"})
    for j in range(spec.municipalities):
        pref = (j % max(spec.prefectures, 1)) + 1
        entities.append({"entity_id": f"synth-muni-{j + 1:04d}", "name": f"合成市{j + 1:04d}",
                         "entity_type": "municipality", "code": f"{pref:02d}{j + 1:04d}"})
    start, end = spec.first_year, spec.last_year
    last_actual = min(end - 1, start + (end - start) * 3 // 4 + 1)
    n_kpis = min(spec.kpis_per_entity, len(INDICATORS))
    for e in entities:
        plan_id = e["entity_id"] + ":plan"
        plans.append({"plan_id": plan_id, "entity_id": e["entity_id"], "name": f"{e['name']} 総合計画（合成）",
                      "plan_type": "総合計画", "vision": "合成データ", "period_start_fy": start + 1,
                      "period_end_fy": end, "note": "合成データ"})
        chosen = rng.sample(INDICATORS, n_kpis)
        seen_areas = {}
        for order, (ind, name, unit, direction, area, (lo, hi)) in enumerate(chosen):
            if area not in seen_areas:
                seen_areas[area] = f"a{len(seen_areas) + 1}"
                areas.append({"plan_id": plan_id, "area_code": seen_areas[area], "area_name": area,
                              "statement": "", "sort_order": len(seen_areas)})
            kpi_id = f"{plan_id}:{ind}"
            kpis.append({"kpi_id": kpi_id, "plan_id": plan_id, "area_code": seen_areas[area],
                         "item_code": f"{len(seen_areas)}({order + 1})", "measure": "", "kpi_name": name,
                         "indicator_id": ind, "unit": unit, "direction": direction, "kind": "quantitative",
                         "cumulative": "累計" in name, "statement": "", "background": "", "sort_order": order,
                         "note": "合成データ"})
            base = rng.uniform(lo, hi)
            if unit in ("人", "件", "枚", "人/日", "位"):
                base = float(round(base))
            sign = -1 if direction in ("decrease", "rank") else 1
            goal = {"maintain_min": base, "rank": max(1.0, round(base * 0.6))}.get(direction, base * (1 + sign * rng.uniform(0.1, 0.5)))
            drift = rng.uniform(-0.3, 1.3)  # how far along the expected path this entity really goes
            obs.append(_row(kpi_id, "baseline", start, base, unit))
            for y in range(start + 1, end + 1):
                share = (y - start) / (end - start)
                if y == end or (y - start) % 3 == 0:
                    obs.append(_row(kpi_id, "target", y, base + (goal - base) * share, unit))
                if y <= last_actual:
                    noise = rng.uniform(-0.05, 0.05) * abs(goal - base or base)
                    obs.append(_row(kpi_id, "actual", y, base + (goal - base) * share * drift + noise, unit))
    tables = {
        "dataset": pl.DataFrame([{"name": "合成データ（全国）", "synthetic": True, "data_as_of": str(last_actual),
                                  "description": f"python -m kpiboard synth（seed={spec.seed}）で生成した架空の数値"}]),
        "entities": pl.DataFrame(entities).with_columns(synthetic=True, source=pl.lit(SOURCE), central_city=pl.lit(None, pl.Utf8)),
        "plans": pl.DataFrame(plans).with_columns(synthetic=True, source=pl.lit(SOURCE)),
        "areas": pl.DataFrame(areas).with_columns(source=pl.lit(SOURCE)),
        "kpis": pl.DataFrame(kpis).with_columns(synthetic=True, source=pl.lit(SOURCE)),
        "observations": pl.DataFrame(obs).with_columns(source=pl.lit(SOURCE)),
    }
    return tables


def _row(kpi_id, kind, year, value, unit):
    value = round(value, 2) if unit in ("%", "点") else float(round(value))
    return {"kpi_id": kpi_id, "value_kind": kind, "fiscal_year": year, "year_type": "fiscal",
            "period_start_fy": year, "period_end_fy": year, "year_text": str(year), "value": value,
            "unit": unit, "qualifier": "", "original_text": f"{value:g}", "note": "合成データ"}


def write_synthetic(out: Path, spec: SynthSpec) -> dict[str, int]:
    from . import schema

    # Every table is written, so nothing real left in the directory mixes with the synthetic rows.
    tables = {name: schema.empty_frame(name) for name in schema.TABLES} | generate(spec)
    store.write_tables(out, tables, {"synthetic": True, "built_from": "python -m kpiboard synth"},
                       author="python -m kpiboard synth", message="合成データを作成")
    return {name: frame.height for name, frame in tables.items()}
