"""Synthetic national dataset, for trying pages at scale. Never real: every entity, plan and KPI row
has `synthetic = true`, every figure's source says 合成データ, and the app shows a 「合成データ」 banner.

Generated in DuckDB, not in Python: every table is one SQL query over `range()`, and every random draw is a
hash of (seed, row, salt), so a seed always gives the same rows and nothing is held in Python. The rows go
straight into the store in one transaction (store.write_generated); 1,788 entities × 1,000 KPIs × 27 years
make about 60 million observations.

What a KPI looks like (all drawn per KPI from the seed):
- its template (INDICATORS: name, unit, direction, area, value range) and a qualifier (QUALIFIERS: 地区 or 対象),
  so an entity's KPIs have distinct names 「{template}（{qualifier}）」 for up to 2,000 KPIs;
- a baseline in its first year (30% of KPIs start late), targets every year, every third year or only at the end,
  actuals up to a year or three before the last year with some years missing (and 7% with no actual at all),
  見込み (estimate) for the years after the last actual; qualitative templates have no figures, and most of them a
  recorded evaluation (kpi_evaluations) for the last years.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from . import schema, status, store

SOURCE = "合成データ（python -m kpiboard synth で生成。実在の数値ではありません）"
NOTE = "合成データ"
MAX_KPIS_PER_ENTITY = 2000
MAX_MUNICIPALITIES = 9999  # synth-muni-0001 … synth-muni-9999

# Prefecture names and JIS X 0401 codes are public identifiers; the figures attached are invented.
PREFECTURES = (
    "北海道 青森県 岩手県 宮城県 秋田県 山形県 福島県 茨城県 栃木県 群馬県 埼玉県 千葉県 東京都 神奈川県 新潟県 富山県 "
    "石川県 福井県 山梨県 長野県 岐阜県 静岡県 愛知県 三重県 滋賀県 京都府 大阪府 兵庫県 奈良県 和歌山県 鳥取県 島根県 "
    "岡山県 広島県 山口県 徳島県 香川県 愛媛県 高知県 福岡県 佐賀県 長崎県 熊本県 大分県 宮崎県 鹿児島県 沖縄県"
).split()

# Municipality names are made of two invented parts and 市/町/村: no real place is meant (they all say （合成）).
NAME_HEADS = list("青緑若桜梅松竹杉桐柳星月朝夕虹雪霞泉森林丘浜磯沢谷原野里宮城坂岡島崎瀬岩石江波峰風葉花稲麦栗")
NAME_TAILS = ["見", "山", "川", "田", "野", "原", "台", "沢", "浦", "崎", "津", "平", "瀬", "ヶ丘", "の里", "が浜",
              "谷", "尾", "木", "森", "井", "畑", "宿", "浜", "郷", "岡", "島", "江", "戸", "根", "橋", "室",
              "内", "口", "辺", "屋", "松", "賀", "布", "和", "成", "富", "栄", "美", "豊", "幸", "光", "穂"]

AREAS = ["行政のＤＸ", "産業振興", "地方創生", "働き方改革", "交通", "健康・医療・福祉", "子育て", "安全・安心", "環境",
         "ウェルビーイング", "教育・文化", "観光", "農林水産業", "まちづくり"]

# (indicator_id, name, unit, direction, area, (low, high) for a prefecture, decimals, scales with size)
# A municipality's figure of a template that `scales` is a prefecture's times 0.02–0.22.
INDICATORS = [
    ("online-rate", "行政手続のオンライン利用率", "%", "increase", "行政のＤＸ", (20, 60), 1, False),
    ("paper", "コピー用紙購入量", "枚", "decrease", "行政のＤＸ", (5_000_000, 50_000_000), 0, True),
    ("opendata", "オープンデータ公開件数", "件", "increase", "行政のＤＸ", (10, 500), 0, True),
    ("mynumber", "マイナンバーカード取得率", "%", "increase", "行政のＤＸ", (30, 60), 1, False),
    ("dci-rank", "デジタル度の全国順位", "位", "rank", "行政のＤＸ", (5, 47), 0, False),
    ("cashless", "窓口のキャッシュレス決済対応率", "%", "increase", "行政のＤＸ", (10, 50), 1, False),
    ("dx-plan", "自治体ＤＸ推進計画の推進", "", "qualitative", "行政のＤＸ", (0, 0), 0, False),
    ("startups", "創業者数（年間）", "人", "increase", "産業振興", (50, 2000), 0, True),
    ("jobs", "企業誘致による新規雇用者数（累計）", "人", "increase", "産業振興", (50, 3000), 0, True),
    ("shipments", "製造品出荷額等", "億円", "increase", "産業振興", (1000, 50000), 0, True),
    ("employment", "就業率", "%", "maintain_min", "産業振興", (55, 65), 1, False),
    ("migrants", "移住者数（累計）", "人", "increase", "地方創生", (10, 500), 0, True),
    ("population", "総人口", "人", "maintain_min", "地方創生", (500_000, 5_000_000), 0, True),
    ("births", "出生数", "人", "maintain_min", "地方創生", (3000, 60000), 0, True),
    ("out-migration", "転出超過数", "人", "decrease", "地方創生", (500, 10000), 0, True),
    ("furusato", "ふるさと納税寄附件数", "件", "increase", "地方創生", (1000, 200_000), 0, True),
    ("overtime", "職員一人当たり時間外勤務時間（年間）", "時間", "decrease", "働き方改革", (100, 300), 0, False),
    ("telework", "テレワークを実施した職員の割合", "%", "increase", "働き方改革", (5, 40), 1, False),
    ("women-managers", "管理職に占める女性職員の割合", "%", "increase", "働き方改革", (5, 25), 1, False),
    ("paid-leave", "年次休暇の平均取得日数", "日", "increase", "働き方改革", (8, 15), 1, False),
    ("riders", "公共交通の一日あたり乗車人数", "人/日", "maintain_min", "交通", (1000, 50000), 0, True),
    ("bus-routes", "路線バスの運行系統数", "系統", "maintain_min", "交通", (20, 300), 0, True),
    ("traffic-deaths", "交通事故死者数", "人", "decrease", "交通", (10, 150), 0, True),
    ("transit-plan", "地域公共交通計画の見直し", "", "qualitative", "交通", (0, 0), 0, False),
    ("checkup", "特定健診受診率", "%", "increase", "健康・医療・福祉", (30, 60), 1, False),
    ("healthy-life", "健康寿命（男性）", "年", "increase", "健康・医療・福祉", (71, 74), 2, False),
    ("cancer-screening", "がん検診受診率", "%", "increase", "健康・医療・福祉", (30, 50), 1, False),
    ("care-rate", "要介護認定率", "%", "maintain_max", "健康・医療・福祉", (15, 21), 1, False),
    ("care-volunteers", "介護予防ボランティア登録者数", "人", "increase", "健康・医療・福祉", (100, 5000), 0, True),
    ("waiting", "待機児童数", "人", "decrease", "子育て", (5, 300), 0, True),
    ("after-school", "放課後児童クラブの待機児童数", "人", "decrease", "子育て", (5, 400), 0, True),
    ("childcare-satisfaction", "子育て環境に満足している保護者の割合", "%", "increase", "子育て", (40, 70), 1, False),
    ("disaster-plan", "避難計画を作成している住民の割合", "%", "increase", "安全・安心", (5, 30), 1, False),
    ("shelters", "指定避難所の数", "箇所", "maintain_min", "安全・安心", (100, 1500), 0, True),
    ("crimes", "刑法犯認知件数", "件", "decrease", "安全・安心", (2000, 80000), 0, True),
    ("quake-proof", "住宅の耐震化率", "%", "increase", "安全・安心", (75, 90), 1, False),
    ("fire-corps", "消防団員数", "人", "maintain_min", "安全・安心", (1000, 30000), 0, True),
    ("co2", "温室効果ガス排出量", "千t-CO2", "decrease", "環境", (100, 5000), 0, True),
    ("waste", "一人一日当たりのごみ排出量", "g", "maintain_max", "環境", (850, 1000), 0, False),
    ("recycling", "リサイクル率", "%", "increase", "環境", (15, 30), 1, False),
    ("solar", "太陽光発電の導入容量", "kW", "increase", "環境", (10000, 500_000), 0, True),
    ("zero-carbon", "ゼロカーボンシティの実現に向けた取組", "", "qualitative", "環境", (0, 0), 0, False),
    ("wellbeing", "ウェルビーイング実感度", "点", "maintain_min", "ウェルビーイング", (50, 70), 2, False),
    ("life-satisfaction", "生活満足度", "点", "increase", "ウェルビーイング", (5, 7), 2, False),
    ("community", "地域活動に参加している住民の割合", "%", "increase", "ウェルビーイング", (20, 50), 1, False),
    ("reading", "読書が好きな児童生徒の割合", "%", "increase", "教育・文化", (60, 80), 1, False),
    ("absence", "不登校児童生徒数", "人", "decrease", "教育・文化", (100, 5000), 0, True),
    ("library", "図書館の貸出冊数", "冊", "increase", "教育・文化", (100_000, 5_000_000), 0, True),
    ("sports", "成人の週1回以上のスポーツ実施率", "%", "increase", "教育・文化", (40, 65), 1, False),
    ("culture-plan", "文化芸術振興の推進", "", "qualitative", "教育・文化", (0, 0), 0, False),
    ("tourists", "観光入込客数", "人", "increase", "観光", (100_000, 10_000_000), 0, True),
    ("overnight", "延べ宿泊者数", "人泊", "increase", "観光", (50_000, 5_000_000), 0, True),
    ("foreign-overnight", "外国人延べ宿泊者数", "人泊", "increase", "観光", (1000, 1_000_000), 0, True),
    ("tourism-spending", "観光消費額", "億円", "increase", "観光", (100, 5000), 0, True),
    ("abandoned-farmland", "荒廃農地の面積", "ha", "decrease", "農林水産業", (100, 10000), 0, True),
    ("new-farmers", "新規就農者数（累計）", "人", "increase", "農林水産業", (10, 500), 0, True),
    ("farm-output", "農業産出額", "億円", "maintain_min", "農林水産業", (300, 5000), 0, True),
    ("forest-care", "森林整備面積（累計）", "ha", "increase", "農林水産業", (500, 20000), 0, True),
    ("vacant-houses", "空き家の利活用件数（累計）", "件", "increase", "まちづくり", (10, 800), 0, True),
    ("parks", "住民一人当たりの都市公園面積", "㎡", "increase", "まちづくり", (5, 15), 1, False),
    ("barrier-free", "鉄道駅のバリアフリー化率", "%", "increase", "まちづくり", (50, 95), 1, False),
    ("density", "居住誘導区域内の人口密度", "人/ha", "maintain_min", "まちづくり", (30, 80), 1, False),
    ("location-plan", "立地適正化計画の推進", "", "qualitative", "まちづくり", (0, 0), 0, False),
]

# Qualifier 0 is none (the template's own name); the others make 「{template}（{qualifier}）」.
QUALIFIERS = ["", "中央地区", "北部地区", "南部地区", "東部地区", "西部地区", "沿岸地区", "山間地区", "市街地", "郊外",
              "旧町村部", "島しょ部", "高齢者", "若年層", "子育て世帯", "女性", "障害のある人", "外国人住民", "事業者",
              "中小企業", "小規模事業者", "農村部", "学校", "公共施設", "第1地区", "第2地区", "第3地区", "第4地区",
              "第5地区", "第6地区", "第7地区", "第8地区", "重点区域", "モデル地区", "駅周辺", "中山間地域", "観光地",
              "商店街", "工業団地", "住宅団地"]

# recorded for qualitative KPIs: the verdict words of the expected method (kpiboard.status)
EVALUATION_STATUSES = [s for s in status.EXPECTED_STATUSES if s not in status.UNDETERMINED]

assert len(INDICATORS) * len(QUALIFIERS) >= MAX_KPIS_PER_ENTITY
assert len({i[0] for i in INDICATORS}) == len(INDICATORS) and all(i[4] in AREAS for i in INDICATORS)
assert len(NAME_HEADS) * len(NAME_TAILS) >= 1741


@dataclass
class SynthSpec:
    prefectures: int = 47
    municipalities: int = 1741
    kpis_per_entity: int = 10
    first_year: int = 2016
    last_year: int = 2026
    seed: int = 1

    def check(self) -> None:
        if not 0 <= self.prefectures <= len(PREFECTURES):
            raise ValueError(f"都道府県の数は 0〜{len(PREFECTURES)} で指定してください（{self.prefectures}）")
        if not 0 <= self.municipalities <= MAX_MUNICIPALITIES:
            raise ValueError(f"市区町村の数は 0〜{MAX_MUNICIPALITIES} で指定してください（{self.municipalities}）")
        if self.prefectures + self.municipalities == 0:
            raise ValueError("都道府県か市区町村を 1 つ以上指定してください")
        if not 1 <= self.kpis_per_entity <= MAX_KPIS_PER_ENTITY:
            raise ValueError(f"自治体あたりの KPI 数は 1〜{MAX_KPIS_PER_ENTITY} で指定してください（{self.kpis_per_entity}）")
        if not 1900 <= self.first_year <= self.last_year <= 2200:
            raise ValueError(f"年度の範囲が正しくありません（{self.first_year}-{self.last_year}）")


# ---------------------------------------------------------------- SQL pieces

def _q(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _list(values) -> str:
    """A DuckDB list literal (indexed from 1)."""
    return "[" + ", ".join(_q(v) if isinstance(v, str) else repr(v) for v in values) + "]"


def _stride(n: int) -> int:
    """A step through the templates that visits each once (coprime with their number) and changes area each time."""
    step = max(1, n // 6)
    while math.gcd(step, n) != 1:
        step += 1
    return step


class _Sql:
    """The SQL of each table for one spec. Uniform draws are hash(seed, key…, salt) / 2^64."""

    def __init__(self, spec: SynthSpec):
        spec.check()
        self.spec = spec
        self.P, self.M, self.N = spec.prefectures, spec.municipalities, spec.kpis_per_entity
        self.E = self.P + self.M
        self.Y0, self.Y1 = spec.first_year, spec.last_year
        self.seed = int(spec.seed)

    def u(self, *keys) -> str:
        return f"(hash({self.seed}::BIGINT, {', '.join(str(k) for k in keys)}) / 18446744073709551616.0)"

    # Entities are numbered in their id order: municipalities (synth-muni-0001 …) first, then prefectures
    # (synth-pref-01 …), so KPI number g = entity number × N + slot is also the order of kpi_id.
    def entity_columns(self, ord_: str) -> str:
        M, P = self.M, max(self.P, 1)
        j = f"({ord_} - {M} + 1)"
        pref_of_muni = f"(({ord_}) % {P} + 1)"
        hn, tn = len(NAME_HEADS), len(NAME_TAILS)
        pick = f"((({ord_}) * 1031 + {self.seed * 7919 % (hn * tn)}) % {hn * tn})"
        town = f"CASE WHEN {self.u(ord_, 11)} < 0.45 THEN '市' WHEN {self.u(ord_, 11)} < 0.88 THEN '町' ELSE '村' END"
        return f"""
            ({ord_}) < {M} AS is_muni,
            CASE WHEN ({ord_}) < {M} THEN 'synth-muni-' || lpad(CAST(({ord_}) + 1 AS VARCHAR), 4, '0')
                 ELSE 'synth-pref-' || lpad(CAST({j} AS VARCHAR), 2, '0') END AS entity_id,
            CASE WHEN ({ord_}) < {M}
                 THEN {_list(NAME_HEADS)}[{pick} // {tn} + 1] || {_list(NAME_TAILS)}[{pick} % {tn} + 1] || {town}
                 ELSE {_list(PREFECTURES)}[{j}] END || '（合成）' AS name,
            CASE WHEN ({ord_}) < {M} THEN 'municipality' ELSE 'prefecture' END AS entity_type,
            CASE WHEN ({ord_}) < {M} THEN lpad(CAST({pref_of_muni} AS VARCHAR), 2, '0') || lpad(CAST(({ord_}) + 1 AS VARCHAR), 4, '0')
                 ELSE lpad(CAST({j} AS VARCHAR), 2, '0') END AS code"""

    def entities(self) -> str:
        return f"""SELECT {self.entity_columns('e')}, true AS synthetic, {_q(SOURCE)} AS source
                   FROM range({self.E}) r(e) ORDER BY entity_type, code, entity_id"""

    def plans(self) -> str:
        return f"""SELECT entity_id || ':plan' AS plan_id, entity_id, name || ' 総合計画（合成）' AS name,
                          '総合計画' AS plan_type, {_q(NOTE)} AS vision, {min(self.Y0 + 1, self.Y1)} AS period_start_fy,
                          {self.Y1} AS period_end_fy, {_q(NOTE)} AS note, true AS synthetic, {_q(SOURCE)} AS source
                   FROM (SELECT {self.entity_columns('e')} FROM range({self.E}) r(e))
                   ORDER BY plan_id"""

    def kpi_params(self) -> str:
        """One row per KPI g (in kpi_id order) with everything its rows are drawn from."""
        N, T, Y0, Y1 = self.N, len(INDICATORS), self.Y0, self.Y1
        span = Y1 - Y0
        col = lambda i: _list([ind[i] for ind in INDICATORS])  # noqa: E731
        t, ord_ = "t", "ent"
        return f"""
        WITH g AS (
            SELECT g, g // {N} AS ent, g % {N} AS s FROM range({self.E * N}) r(g)
        ), slot AS (
            SELECT g, ent, s, ent < {self.M} AS is_muni,
                   CAST((hash({self.seed}::BIGINT, ent, 1) % {T} + s * {_stride(T)}) % {T} AS BIGINT) AS t,
                   s // {T} AS q
            FROM g
        ), tpl AS (
            SELECT *, {col(0)}[{t} + 1] AS ind, {col(1)}[{t} + 1] AS tname, {col(2)}[{t} + 1] AS unit,
                   {col(3)}[{t} + 1] AS direction, {_list([AREAS.index(i[4]) for i in INDICATORS])}[{t} + 1] AS area,
                   {_list([float(i[5][0]) for i in INDICATORS])}[{t} + 1] AS lo,
                   {_list([float(i[5][1]) for i in INDICATORS])}[{t} + 1] AS hi,
                   {col(6)}[{t} + 1] AS decimals, {_list([i[7] for i in INDICATORS])}[{t} + 1] AS scales
            FROM slot
        ), drawn AS (
            SELECT *,
                   CASE WHEN is_muni THEN 'synth-muni-' || lpad(CAST({ord_} + 1 AS VARCHAR), 4, '0')
                        ELSE 'synth-pref-' || lpad(CAST({ord_} - {self.M} + 1 AS VARCHAR), 2, '0') END || ':plan' AS plan_id,
                   direction = 'qualitative' AS qualitative,
                   (lo + (hi - lo) * {self.u('g', 2)})
                     * CASE WHEN NOT is_muni THEN 1.0 WHEN direction = 'rank' THEN 37.0
                            WHEN scales THEN 0.02 + 0.2 * {self.u('g', 3)} ELSE 1.0 END AS raw_base,
                   0.1 + 0.4 * {self.u('g', 4)} AS gain,
                   -0.3 + 1.6 * {self.u('g', 5)} AS drift,
                   {Y0} + CASE WHEN {self.u('g', 6)} < 0.3 THEN CAST(floor({self.u('g', 7)} * {span} * 0.6) AS INTEGER)
                               ELSE 0 END AS y0,
                   CASE WHEN {self.u('g', 8)} < 0.6 THEN 1 WHEN {self.u('g', 8)} < 0.85 THEN 2 ELSE 3 END AS lag,
                   {self.u('g', 9)} >= 0.07 AS has_actual,
                   CASE WHEN {self.u('g', 10)} < 0.3 THEN 0.25 ELSE 0.03 END AS gap_rate,
                   CASE WHEN {self.u('g', 12)} < 0.55 THEN 1 WHEN {self.u('g', 12)} < 0.85 THEN 3 ELSE 0 END AS target_every,
                   {self.u('g', 13)} < 0.6 AS has_estimate
            FROM tpl
        )
        SELECT *,
               plan_id || ':k' || lpad(CAST(s + 1 AS VARCHAR), 4, '0') AS kpi_id,
               round(raw_base, decimals) AS base,
               CASE direction WHEN 'increase' THEN round(raw_base, decimals) * (1 + gain)
                              WHEN 'decrease' THEN round(raw_base, decimals) * (1 - gain)
                              WHEN 'rank' THEN greatest(1, round(raw_base * 0.6))
                              ELSE round(raw_base, decimals) END AS goal,
               greatest(y0 + 1, {Y1} - lag) AS last_actual
        FROM drawn"""

    def kpis(self) -> str:
        return f"""
        SELECT kpi_id, plan_id, 'a' || CAST(area + 1 AS VARCHAR) AS area_code,
               CAST(area + 1 AS VARCHAR) || '(' || CAST(s + 1 AS VARCHAR) || ')' AS item_code, '' AS measure,
               CASE WHEN q = 0 THEN tname ELSE tname || '（' || {_list(QUALIFIERS)}[q + 1] || '）' END AS kpi_name,
               CASE WHEN q = 0 THEN ind ELSE ind || '-q' || lpad(CAST(q AS VARCHAR), 2, '0') END AS indicator_id,
               unit, direction, CASE WHEN qualitative THEN 'qualitative' ELSE 'quantitative' END AS kind,
               contains(tname, '累計') AS cumulative, false AS per_year_target, '' AS statement, '' AS background,
               s AS sort_order, {_q(NOTE)} AS note, true AS synthetic, {_q(SOURCE)} AS source
        FROM ({self.kpi_params()})"""

    def areas(self) -> str:
        return f"""
        SELECT plan_id, 'a' || CAST(area + 1 AS VARCHAR) AS area_code, {_list(AREAS)}[area + 1] AS area_name,
               '' AS statement, area + 1 AS sort_order, {_q(SOURCE)} AS source
        FROM (SELECT DISTINCT plan_id, area FROM ({self.kpi_params()}))
        ORDER BY plan_id, sort_order"""

    def observations(self) -> str:
        """Candidates (KPI, year, kind) in kpi_id / fiscal_year / value_kind order, kept by the KPI's pattern.
        Kinds sort as actual < baseline < estimate < target, and are numbered so."""
        Y1 = self.Y1
        share = f"(CAST(y - y0 AS DOUBLE) / greatest({Y1} - y0, 1))"
        noise = f"(2 * {self.u('g', 'y', 14)} - 1)"
        path = f"""CASE WHEN direction = 'maintain_min' THEN base * (1 + (drift - 0.6) * 0.12 * {share} + 0.02 * {{n}})
                        WHEN direction = 'maintain_max' THEN base * (1 - (drift - 0.6) * 0.12 * {share} + 0.02 * {{n}})
                        ELSE base + (goal - base) * {share} * drift + 0.05 * abs(CASE WHEN goal = base THEN base ELSE goal - base END) * {{n}}
                   END"""
        raw = f"""CASE kind WHEN 1 THEN base
                            WHEN 3 THEN CASE WHEN direction IN ('maintain_min', 'maintain_max') THEN goal
                                             ELSE base + (goal - base) * {share} END
                            WHEN 0 THEN {path.format(n=noise)}
                            ELSE {path.format(n='0')} END"""
        value = f"""round(CASE WHEN unit = '%' THEN least(greatest({raw}, 0), 100)
                               WHEN direction = 'rank' THEN greatest({raw}, 1)
                               ELSE greatest({raw}, 0) END, decimals)"""
        keep = f"""CASE kind WHEN 1 THEN y = y0
                             WHEN 0 THEN has_actual AND y > y0 AND y <= last_actual AND {self.u('g', 'y', 15)} >= gap_rate
                             WHEN 2 THEN has_actual AND has_estimate AND y > y0 AND y > last_actual
                             ELSE y > y0 AND (y = {Y1} OR (target_every > 0 AND (y - y0) % target_every = 0)) END"""
        return f"""
        SELECT kpi_id, {_list(list(("actual", "baseline", "estimate", "target")))}[kind + 1] AS value_kind,
               y AS fiscal_year, 'fiscal' AS year_type, y AS period_start_fy, y AS period_end_fy,
               CAST(y AS VARCHAR) AS year_text, v AS value, unit, '' AS qualifier,
               CASE WHEN decimals = 0 THEN CAST(CAST(v AS BIGINT) AS VARCHAR) ELSE CAST(v AS VARCHAR) END AS original_text,
               {_q(NOTE)} AS note, {_q(SOURCE)} AS source
        FROM (
            SELECT *, {value} AS v FROM (
                SELECT *, y0 + j // 4 AS y, j % 4 AS kind FROM (
                    SELECT g, kpi_id, unit, direction, decimals, base, goal, drift, y0, last_actual, has_actual,
                           gap_rate, target_every, has_estimate, unnest(range(0, ({Y1} - y0 + 1) * 4)) AS j
                    FROM ({self.kpi_params()}) WHERE NOT qualitative))
            WHERE {keep})"""

    def kpi_evaluations(self) -> str:
        """Qualitative KPIs: 70% have a recorded evaluation for each of the last three years before the last."""
        first = max(self.Y0 + 1, self.Y1 - 3)
        last = max(first, self.Y1 - 1)
        status = f"{_list(EVALUATION_STATUSES)}[CAST(floor({self.u('g', 'y', 16)} * {len(EVALUATION_STATUSES)}) AS INTEGER) + 1]"
        return f"""
        SELECT kpi_id, y AS fiscal_year, CAST(y AS VARCHAR) AS year_text, {status} AS status,
               {_q(NOTE)} AS note, {_q(SOURCE)} AS source
        FROM (SELECT g, kpi_id, unnest(range({first}, {last} + 1)) AS y
              FROM ({self.kpi_params()}) WHERE qualitative AND {self.u('g', 17)} >= 0.3)"""

    def dataset(self) -> str:
        s = self.spec
        as_of = max(self.Y1 - 1, min(self.Y0 + 1, self.Y1))
        description = (f"python -m kpiboard synth（seed={s.seed}、{self.E} 自治体 × {self.N} KPI、"
                       f"{self.Y0}〜{self.Y1} 年度）で生成した架空の数値")
        return (f"SELECT '合成データ（全国）' AS name, true AS synthetic, {_q(str(as_of))} AS data_as_of, "
                f"{_q(description)} AS description")

    def tables(self) -> dict[str, str | None]:
        # Every table is written, so nothing real left in the directory mixes with the synthetic rows.
        made = {"dataset": self.dataset(), "entities": self.entities(), "plans": self.plans(), "areas": self.areas(),
                "kpis": self.kpis(), "observations": self.observations(), "kpi_evaluations": self.kpi_evaluations()}
        return {name: made.get(name) for name in schema.TABLES}


def queries(spec: SynthSpec) -> dict[str, str | None]:
    """{table: SQL} of the synthetic dataset (None: the table is emptied)."""
    return _Sql(spec).tables()


def write_synthetic(out: Path, spec: SynthSpec) -> dict[str, int]:
    """Write the synthetic dataset into the store at `out` (one transaction); returns {table: rows}."""
    counts = store.write_generated(out, queries(spec), {"synthetic": True, "built_from": "python -m kpiboard synth"},
                                   author="python -m kpiboard synth", message="合成データを作成")
    return {name: counts[name] for name in schema.TABLES if name in counts}
