"""`python -m kpiboard …` — the command line."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from . import db, store

EVALUATE_COLUMNS = [
    "entity", "plan", "area", "item_code", "kpi_id", "kpi_name", "unit", "direction", "kind",
    "baseline_value", "baseline_fy", "target_value", "target_fy", "eval_fy", "actual_value",
    "expected_value", "progress_ratio", "achievement_rate", "status", "source",
]


def _cmd_build(args) -> int:
    from .build import BuildFailed, build, build_tables

    try:
        if args.check:
            tables = build_tables()
        else:
            tables = build(Path(args.out) if args.out else store.EMBEDDED_DATA_DIR)
    except BuildFailed as e:
        for err in e.errors:
            print(f"エラー: {err}", file=sys.stderr)
        return 1
    for name, frame in tables.items():
        print(f"{name}: {frame.height} 行")
    return 0


def evaluate_frame(year=None, method="expected", entity=None, plan=None, directory=None):
    con = db.connect(directory) if directory else None
    return db.run("evaluate", con, eval_year=year, method=method, entity=entity, plan=plan)


def _cmd_evaluate(args) -> int:
    frame = evaluate_frame(args.year, args.method, args.entity, args.plan).select(EVALUATE_COLUMNS)
    if args.entity and frame.is_empty():
        print(f"エラー: 自治体「{args.entity}」または計画「{args.plan}」に該当する指標がありません", file=sys.stderr)
        return 1
    if args.format == "json":
        json.dump(frame.to_dicts(), sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(frame.write_csv())
    return 0


def _cmd_synth(args) -> int:
    from .synth import SynthSpec, write_synthetic

    start, _, end = args.years.partition("-")
    spec = SynthSpec(prefectures=args.prefectures, municipalities=args.municipalities,
                     kpis_per_entity=args.kpis_per_entity, first_year=int(start), last_year=int(end or start),
                     seed=args.seed)
    counts = write_synthetic(Path(args.out), spec)
    for name, n in counts.items():
        print(f"{name}: {n} 行")
    print(f"合成データを {args.out} に書き出しました（KPIBOARD_DATA_DIR={args.out} で表示できます）")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kpiboard", description="KPI board: KPIの進捗判定・データ管理")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("build", help="data/sources の CSV から埋め込みデータ（Parquet）を作る")
    p.add_argument("--check", action="store_true", help="検証だけ行い、書き込まない")
    p.add_argument("--out", help="出力先（既定: data/）")
    p.set_defaults(func=_cmd_build)

    p = sub.add_parser("evaluate", help="KPIごとの進捗判定を出力する")
    p.add_argument("--year", type=int, help="評価年度（西暦、例 2024）。既定: 指標ごとに実績のある最新年度")
    p.add_argument("--method", choices=["expected", "abnf"], default="expected")
    p.add_argument("--entity", help="自治体・圏域名（例 富山県）")
    p.add_argument("--plan", help="計画名（例 富山県成長戦略）")
    p.add_argument("--format", choices=["csv", "json"], default="csv")
    p.set_defaults(func=_cmd_evaluate)

    p = sub.add_parser("synth", help="合成データ（規模の試験用）を書き出す")
    p.add_argument("--out", required=True)
    p.add_argument("--prefectures", type=int, default=47)
    p.add_argument("--municipalities", type=int, default=1741)
    p.add_argument("--kpis-per-entity", type=int, default=10)
    p.add_argument("--years", default="2016-2026")
    p.add_argument("--seed", type=int, default=1)
    p.set_defaults(func=_cmd_synth)

    args = parser.parse_args(argv)
    return args.func(args)
