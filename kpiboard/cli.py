"""`python -m kpiboard …` — the command line."""
from __future__ import annotations

import argparse
import codecs
import json
import sys
from pathlib import Path

import polars as pl

from . import comments, db, store, tabular
from .settings import SETTINGS, SettingError

EVALUATE_COLUMNS = [
    "entity", "plan", "area", "item_code", "kpi_id", "kpi_name", "unit", "direction", "kind",
    "baseline_value", "baseline_fy", "baseline_source", "target_value", "target_fy", "eval_fy", "actual_value",
    "expected_value", "progress_ratio", "achievement_rate", "status", "status_reason", "needs_attention",
    "attention_rank", "source", "comment",
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
    except store.StoreError as e:
        print(f"エラー: {e}", file=sys.stderr)
        return 1
    for name, frame in tables.items():
        print(f"{name}: {frame.height} 行")
    return 0


def evaluate_frame(year=None, method="expected", entity=None, plan=None, directory=None, as_of=None):
    """evaluate's rows with the evaluated year's 所見 (`comment`) and every kind (`commentary`), internal notes left out."""
    with db.Database(directory, as_of=as_of) as database:
        evaluated = database.query("evaluate", eval_year=year, method=method, entity=entity, plan=plan)
        return comments.attach(evaluated, database.query("kpi_comments", plan=plan, public_only=True))


def fiscal_year_arg(text: str) -> int:
    """--year as offices write it: 2024, R6, 令和6年度, H30."""
    from .eras import YearParseError, parse_year

    try:
        return parse_year(text).fiscal_year
    except YearParseError as e:
        raise argparse.ArgumentTypeError(str(e)) from e


def _cmd_evaluate(args) -> int:
    directory = store.data_dir()
    if not store.exists(directory) or store.read_table(directory, "kpis").is_empty():
        print(f"エラー: データディレクトリ {directory} に KPI のデータがありません（KPIBOARD_DATA_DIR を確認してください）",
              file=sys.stderr)
        return 1
    try:
        frame = evaluate_frame(args.year, args.method, args.entity, args.plan, as_of=args.as_of).select(EVALUATE_COLUMNS)
    except store.StoreError as e:
        print(f"エラー: {e}", file=sys.stderr)
        return 1
    if (args.entity or args.plan) and frame.is_empty():
        with db.Database(as_of=args.as_of) as database:
            plans = database.query("plans_list")
        names = "、".join(f"{r['plan']}（{r['entity']}）" for r in plans.iter_rows(named=True))
        print(f"エラー: 自治体「{args.entity or '指定なし'}」・計画「{args.plan or '指定なし'}」に該当する指標がありません。"
              f"\n計画の一覧: {names}", file=sys.stderr)
        return 1
    if args.format == "json":
        json.dump(frame.to_dicts(), sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
    else:
        # The exported CSV's cells: text Excel would run as a formula (=HYPERLINK(…), +, -, @) gets a leading
        # apostrophe. No BOM on stdout by default, so pipes and csv readers see a clean first column name;
        # --bom when the output is a file for Excel.
        data = tabular.to_csv_bytes(frame)
        sys.stdout.flush()
        sys.stdout.buffer.write(data if args.bom else data.removeprefix(codecs.BOM_UTF8))
        sys.stdout.buffer.flush()
    return 0


def as_of_arg(text: str):
    from datetime import date, datetime

    try:
        text = text.strip()
        return datetime.fromisoformat(text) if "T" in text or " " in text else date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"日付は 2025-03-10 または 2025-03-10T15:00 の形で指定してください（{text!r}）") from None


def _cmd_history(args) -> int:
    frame = store.snapshots(store.data_dir()).filter(pl.col("snapshot_id") > 0)
    if args.format == "json":
        json.dump(frame.to_dicts(), sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
        return 0
    for row in frame.iter_rows(named=True):
        print(f"{row['snapshot_id']:>6}  {row['snapshot_time']}  {row['author'] or '―'}  {row['commit_message'] or ''}")
    return 0


def _cmd_maintenance(args) -> int:
    from . import verdicts

    try:
        # Verdicts kept by an older rule or other defaults are judged again first (pages read them live meanwhile).
        if store.exists(store.data_dir()) and store.read_manifest(store.data_dir()).get(verdicts.META_KEY) != verdicts.signature():
            store.rejudge(store.data_dir())
            print("判定を現在のルールで計算し直しました")
        done = store.maintain(store.data_dir(), expire_before=args.expire_before)
    except store.StoreError as e:
        print(f"エラー: {e}", file=sys.stderr)
        return 1
    print(f"データファイル {done['data_files_before']} → {done['data_files_after']}、"
          f"消したスナップショット {done['snapshots_expired']}、削除したファイル {done['files_deleted']}")
    return 0


def _cmd_series(args) -> int:
    """Published dated figures of one indicator (reference_series) with their sources."""
    directory = store.data_dir()
    if store.read_table(directory, "reference_series").is_empty():
        print(f"エラー: データディレクトリ {directory} に参考系列（reference_series）のデータがありません", file=sys.stderr)
        return 1
    with db.Database() as database:
        every = database.query("series")
        frame = database.query("series", indicator=args.indicator, entity=args.entity)
    indicators = list(dict.fromkeys(every["indicator"].to_list()))
    if args.indicator not in indicators:
        print(f"エラー: 指標「{args.indicator}」の系列はありません。\n指標の一覧: {'、'.join(indicators) or 'なし'}",
              file=sys.stderr)
        return 1
    if frame.is_empty():
        names = "、".join(dict.fromkeys(every.filter(every["indicator"] == args.indicator)["entity"].to_list()))
        print(f"エラー: 自治体「{args.entity}」の「{args.indicator}」の値はありません。\n自治体の一覧: {names}",
              file=sys.stderr)
        return 1
    if args.format == "json":
        json.dump(frame.to_dicts(), sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
    else:
        data = tabular.to_csv_bytes(frame)  # formula-looking cells neutralised, as in evaluate
        sys.stdout.flush()
        sys.stdout.buffer.write(data if args.bom else data.removeprefix(codecs.BOM_UTF8))
        sys.stdout.buffer.flush()
    return 0


def _add_series_parser(sub) -> None:
    p = sub.add_parser("series", help="公表された参考系列（都道府県別のマイナンバーカード交付率など）を出典つきで出力する")
    p.add_argument("--indicator", required=True, help="指標名（例 マイナンバーカード交付率（人口に対する交付枚数率））")
    p.add_argument("--entity", help="自治体名（例 福島県）")
    p.add_argument("--format", choices=["csv", "json"], default="csv")
    p.add_argument("--bom", action="store_true", help="CSV の先頭に BOM を付ける（Excel で開くファイルに書き出すとき）")
    p.set_defaults(func=_cmd_series)


def _cmd_synth(args) -> int:
    import time

    from .synth import SynthSpec, write_synthetic

    start, end = args.years
    spec = SynthSpec(prefectures=args.prefectures, municipalities=args.municipalities,
                     kpis_per_entity=args.kpis_per_entity, first_year=start, last_year=end, seed=args.seed)
    began = time.perf_counter()
    try:
        counts = write_synthetic(Path(args.out), spec)
    except ValueError as e:
        print(f"エラー: {e}", file=sys.stderr)
        return 2
    except store.StoreError as e:
        print(f"エラー: {e}", file=sys.stderr)
        return 1
    seconds = round(time.perf_counter() - began, 2)
    if args.format == "json":
        print(json.dumps({"tables": counts, "seconds": seconds}, ensure_ascii=False))
        return 0
    for name, n in counts.items():
        print(f"{name}: {n} 行")
    print(f"合成データを {args.out} に書き出しました（{seconds} 秒。KPIBOARD_DATA_DIR={args.out} で表示できます）")
    return 0


def _synth_count(low: int, high: int, what: str):
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{what}は {low}〜{high} の整数で指定してください（{text!r}）")
        return value
    return parse


def _synth_years(text: str) -> tuple[int, int]:
    start, _, end = text.partition("-")
    try:
        first, last = int(start), int(end or start)
    except ValueError:
        first = last = None
    if first is None or not 1900 <= first <= last <= 2200:
        raise argparse.ArgumentTypeError(f"年度の範囲は 2000-2026 のように指定してください（{text!r}）")
    return first, last


def _add_import_parser(sub) -> None:
    """`import FILE... [--dry-run] [--format json]` (issue #3); the work is in kpiboard.importer."""
    p = sub.add_parser("import", help="Excel/CSV の KPI シートをデータディレクトリに取り込む（全部か無しか）")
    p.add_argument("files", nargs="+", metavar="FILE", help=".xlsx または .csv（UTF-8 / BOM付きUTF-8 / CP932）")
    p.add_argument("--dry-run", action="store_true", help="検証と読み取り結果の表示だけ行い、何も保存しない")
    p.add_argument("--format", choices=["text", "json"], default="text")
    p.add_argument("--data-dir", help="取込先のデータディレクトリ（既定: KPIBOARD_DATA_DIR、なければ data/）")
    p.add_argument("--user", help="履歴に残す取込者名（既定: ログイン名）")
    p.set_defaults(func=_cmd_import)


def _cmd_import(args) -> int:
    from .importer import STATUS_JA, import_paths

    directory = Path(args.data_dir).expanduser().resolve() if args.data_dir else store.data_dir()
    result = import_paths(args.files, directory, dry_run=args.dry_run, user=args.user)
    for w in result.warnings:
        print(f"警告: {w}", file=sys.stderr)
    for e in result.errors:
        print(f"エラー: {e}", file=sys.stderr)
    if args.format == "json":
        json.dump(result.to_json(), sys.stdout, ensure_ascii=False, indent=1, default=str)
        sys.stdout.write("\n")
    else:
        c = result.counts()
        print("指標: " + " / ".join(f"{ja} {c['kpis_' + s]}" for s, ja in STATUS_JA.items()) + "、値: "
              + " / ".join(f"{ja} {c['observations_' + s]}" for s, ja in STATUS_JA.items()))
    if result.errors:
        print(f"エラーが {len(result.errors)} 件あるため、何も保存していません。", file=sys.stderr)
    elif args.dry_run:
        print("--dry-run のため保存していません。", file=sys.stderr)
    elif not result.written:
        print("変更はありません（保存していません）。", file=sys.stderr)
    else:
        print(f"{directory} に保存しました（取込ID {result.import_id}）。", file=sys.stderr)
        if directory == store.EMBEDDED_DATA_DIR:
            print("注意: 埋め込みデータ（data/）に取り込みました。python -m kpiboard build で作り直すと取込分は失われます。",
                  file=sys.stderr)
    return 1 if result.errors else 0


def _add_export_parser(sub) -> None:
    """`export --plan PLAN --format pptx|pdf|html|xlsx|csv|png --out PATH` (issue #5); the work is in kpiboard.export."""
    p = sub.add_parser("export", help="会議資料を作る（スライド・配布資料PDF・HTML・xlsx・CSV・グラフPNG）")
    p.add_argument("--plan", required=True, help="計画名（アプリの表示どおり、例 富山県成長戦略）")
    p.add_argument("--entity", help="自治体・圏域名（同名の計画が複数あるとき）")
    p.add_argument("--year", type=fiscal_year_arg, help="評価年度（例 2024, R6, 令和6年度）。既定: 指標ごとに実績のある最新年度")
    p.add_argument("--method", choices=["expected", "abnf"], default="expected")
    p.add_argument("--bands", help="判定基準 順調,概ね順調,やや遅れ（既定 "
                   + ",".join(f"{b:g}" for b in SETTINGS.default_bands()) + "）")
    p.add_argument("--format", required=True, choices=["pptx", "pdf", "html", "xlsx", "csv", "png"])
    p.add_argument("--out", required=True,
                   help="出力ファイル。png で既存のフォルダ（または末尾 /）を指定すると全グラフを書き出す")
    p.add_argument("--western-years", action="store_true", help="年度を R6（2024） ではなく 2024 と書く")
    p.add_argument("--as-of", type=as_of_arg, help="この日（日本時間の終わり）時点のデータで作る（例 2025-03-10）")
    p.set_defaults(func=_cmd_export)


def _cmd_export(args) -> int:
    from .export import ExportError, build_report, export

    try:
        try:
            bands = SETTINGS.bands(args.bands.split(",")) if args.bands else None
        except SettingError as e:
            raise ExportError(f"--bands: {e}") from None
        report = build_report(args.plan, args.entity, args.year, args.method, bands,
                              western_years=args.western_years, as_of=args.as_of)
        out = Path(args.out)
        if args.format == "png" and (out.is_dir() or args.out.endswith(("/", "\\"))):
            from .export.png import render_all

            out.mkdir(parents=True, exist_ok=True)
            for name, data in render_all(report).items():
                (out / name).write_bytes(data)
                print(out / name)
            return 0
        data = export(report, args.format,
                      progress=lambda share, msg: print(f"[{share:4.0%}] {msg}", file=sys.stderr))
    except ExportError as e:
        print(f"エラー: {e}", file=sys.stderr)
        return 1
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.with_name(f".{out.name}.tmp")
        tmp.write_bytes(data)
        tmp.replace(out)  # never a half-written file under the real name
    except OSError as e:
        print(f"エラー: {out} に書き込めません（{e.strerror or e}）", file=sys.stderr)
        return 1
    print(f"{out}（{len(data):,} バイト）を書き出しました", file=sys.stderr)
    return 0


def _add_publish_parser(sub) -> None:
    """`publish --out DIR`: the open data package; the work is in kpiboard.publish."""
    p = sub.add_parser("publish", help="公開用データ（表ごとの CSV・JSON と datapackage.json、CC BY 4.0）を書き出す")
    p.add_argument("--out", required=True, metavar="DIR", help="出力先のフォルダ（まだないか空のフォルダ）")
    p.set_defaults(func=_cmd_publish)


def _cmd_publish(args) -> int:
    from .publish import LICENSE, PublishError, publish

    try:  # a line per table as it is written (「kpis: 99 行」): the national data takes minutes
        done = publish(Path(args.out), progress=lambda share, message: print(message, flush=True))
    except PublishError as e:
        print(f"エラー: {e}", file=sys.stderr)
        return 2
    except store.StoreError as e:
        print(f"エラー: {e}", file=sys.stderr)
        return 1
    print(f"公開用データ（{len(done['tables'])} 表、CSV・JSON・datapackage.json、{LICENSE['name']}）を "
          f"{done['path']} に書き出しました")
    return 0


def _add_bench_parser(sub) -> None:
    """`bench [--data DIR]` (issue #12): cold/warm times of the pages and key queries; the work is in kpiboard.bench."""
    p = sub.add_parser("bench", help="主なクエリと各ページの速度（cold・warm・素の DuckDB との比）とピークメモリを測る")
    p.add_argument("--data", help="測るデータディレクトリ（既定: KPIBOARD_DATA_DIR、なければ data/）")
    p.add_argument("--repeat", type=int, default=3, help="warm の実行回数（中央値を表示、既定 3）")
    p.add_argument("--pages", help="pages/xxx.py の xxx をカンマ区切り（既定: 全ページ、none で測らない）")
    p.add_argument("--queries", help="クエリのキーをカンマ区切り（既定: 全部、none で測らない）")
    p.add_argument("--format", choices=["text", "json"], default="text")
    p.set_defaults(func=_cmd_bench)


def _cmd_bench(args) -> int:
    from .bench import main as bench_main

    return bench_main(args)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kpiboard", description="KPI board: KPIの進捗判定・データ管理")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("build", help="data/sources の CSV から埋め込みデータを作る（DuckLake、ひとつのトランザクション）")
    p.add_argument("--check", action="store_true", help="検証だけ行い、書き込まない")
    p.add_argument("--out", help="出力先（既定: data/）")
    p.set_defaults(func=_cmd_build)

    p = sub.add_parser("evaluate", help="KPIごとの進捗判定を出力する")
    p.add_argument("--year", type=fiscal_year_arg, help="評価年度（例 2024, R6, 令和6年度）。既定: 指標ごとに実績のある最新年度")
    p.add_argument("--method", choices=["expected", "abnf"], default="expected")
    p.add_argument("--entity", help="自治体・圏域名（例 富山県）")
    p.add_argument("--plan", help="計画名（例 富山県成長戦略）")
    p.add_argument("--format", choices=["csv", "json"], default="csv",
                   help="csv は出力ページの CSV と同じ（数式に見える文字列の先頭に ' を付ける、改行 CRLF）")
    p.add_argument("--bom", action="store_true", help="CSV の先頭に BOM を付ける（Excel で開くファイルに書き出すとき）")
    p.add_argument("--as-of", type=as_of_arg, help="この日（日本時間の終わり）時点のデータで判定する（例 2025-03-10）。"
                   "会議で見たとおりの結果を再現する")
    p.set_defaults(func=_cmd_evaluate)

    p = sub.add_parser("history", help="データの変更履歴（スナップショット: 日時・実行者・内容）を出力する")
    p.add_argument("--format", choices=["text", "json"], default="text")
    p.set_defaults(func=_cmd_history)

    p = sub.add_parser("maintenance", help="保存先の整理: 判定の再計算（ルールが変わったとき）、小さなデータファイルの統合、不要になったファイルの削除")
    p.add_argument("--expire-before", type=as_of_arg,
                   help="この日より前のスナップショットを消す（既定: 消さない。変更履歴と --as-of が読めなくなるため）")
    p.set_defaults(func=_cmd_maintenance)

    p = sub.add_parser("synth", help="合成データ（規模の試験用）を書き出す")
    p.add_argument("--out", required=True)
    p.add_argument("--prefectures", type=_synth_count(0, 47, "都道府県の数"), default=47)
    p.add_argument("--municipalities", type=_synth_count(0, 9999, "市区町村の数"), default=1741)
    p.add_argument("--kpis-per-entity", type=_synth_count(1, 2000, "自治体あたりの KPI 数"), default=10,
                   help="自治体あたりの KPI 数（1〜2000）")
    p.add_argument("--years", type=_synth_years, default=(2016, 2026), help="年度の範囲（例 2000-2026）")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--format", choices=["text", "json"], default="text", help="json: 表ごとの行数と所要秒数を出力する")
    p.set_defaults(func=_cmd_synth)

    _add_import_parser(sub)
    _add_export_parser(sub)
    _add_series_parser(sub)
    _add_publish_parser(sub)
    _add_bench_parser(sub)

    args = parser.parse_args(argv)
    return args.func(args)
