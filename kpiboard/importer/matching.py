"""Finding a row's entity, plan, area and KPI among the stored ones, and registering new ones under stable ids."""
from __future__ import annotations

import polars as pl

try:  # CPython's own SHA-1: the same digest, without OpenSSL's setup for each of 200,000 short ids
    from _sha1 import sha1 as _sha1
except ImportError:  # pragma: no cover
    from hashlib import sha1 as _sha1

from ..eras import YearParseError, parse_year
from ..synth import PREFECTURES
from .cells import key
from .reading import Issue
from .result import ImportResult
from .rows import Draft, Record
from .vocabulary import ENTITY_TYPE_JA

ID_PREFIX = "imp-"
_LOCATE = ("kpi_id", "entity", "plan", "item_code")


def id_hash(*parts: str) -> str:
    """The short hash of `parts` that new ids end with: the same rows get the same ids in every import."""
    return _sha1("|".join(parts).encode("utf-8")).hexdigest()[:10]


class Matcher:
    """The stored entities, plans, areas and KPIs by id and by name, the new ones added as rows name them; the
    issues found on the way go to the result."""

    def __init__(self, tables: dict[str, pl.DataFrame], result: ImportResult):
        self.tables = tables
        self.result = result
        self.entities = {r["entity_id"]: r for r in tables["entities"].to_dicts()}
        self.entity_by_name = {key(r["name"]): r for r in self.entities.values()}
        self.plans = {r["plan_id"]: r for r in tables["plans"].to_dicts()}
        self.plan_by_name = {(r["entity_id"], key(r["name"])): r for r in self.plans.values()}
        self.plans_by_key: dict[str, list[dict]] = {}  # a plan's name → the plans of that name
        self.index_plans()
        self.areas = {(r["plan_id"], r["area_code"]): r for r in tables["areas"].to_dicts()}
        self.area_by_name = {(r["plan_id"], key(r["area_name"])): r for r in self.areas.values()}
        self.kpis = {r["kpi_id"]: r for r in tables["kpis"].to_dicts()}
        self.kpi_by_item = {(r["plan_id"], key(r["item_code"]), key(r["kpi_name"])): r for r in self.kpis.values()}
        self.kpi_by_name: dict[tuple, list[dict]] = {}
        for r in self.kpis.values():
            self.kpi_by_name.setdefault((r["plan_id"], key(r["kpi_name"])), []).append(r)
        self.new_entities: dict[str, dict] = {}
        self.new_plans: dict[str, dict] = {}
        self.new_areas: dict[tuple, dict] = {}
        self.located: dict[tuple, tuple] = {}  # (自治体, 計画) as written → (entity, plan) found for it
        self.unknown_entities: set[str] = set()
        self.documents = {r["source_id"]: r for r in tables["sources"].to_dicts()} if "sources" in tables else {}
        self.unknown_documents: set[str] = set()
        self.kpi_order: dict[str, int] = {}  # plan_id → the largest sort_order so far
        for r in self.kpis.values():
            self.kpi_order[r["plan_id"]] = max(self.kpi_order.get(r["plan_id"], 0), r["sort_order"] or 0)
        self.area_order: dict[str, int] = {}
        for (plan_id, _), r in self.areas.items():
            self.area_order[plan_id] = max(self.area_order.get(plan_id, 0), r["sort_order"] or 0)

    # -- issues, and the source a row names
    def err(self, rec: Record, column: str, message: str) -> None:
        self.result.errors.append(Issue(rec.file, rec.row, column, message, rec.sheet))

    def warn(self, rec: Record, column: str, message: str) -> None:
        self.result.warnings.append(Issue(rec.file, rec.row, column, message, rec.sheet))

    def source(self, rec: Record, column: str | None = None) -> str:
        where, given = self.row_source(rec)
        if column:
            where += f" 「{column}」列"
        return f"{given}（取込: {where}）" if given else where

    def row_source(self, rec: Record) -> tuple[str, str]:
        """(where the row is, the source it names): asked for every value of the row, made once per row."""
        parts = rec.source
        if parts is None:
            where = rec.file + (f" シート「{rec.sheet}」" if rec.sheet else "") + f" {rec.row}行目"
            parts = rec.source = (where, rec.text("source") or self.cited(rec))
        return parts

    def cited(self, rec: Record) -> str:
        """source_id/source_place (the embedded data's CSVs) → the readable source, as the build writes it: ids and
        places separated by ';' in the same order. An id the sources table lacks is kept as written (and said once)."""
        if not rec.text("source_id"):
            return ""
        from ..build import citation

        ids = [x.strip() for x in rec.text("source_id").split(";")]
        places = [x.strip() for x in rec.text("source_place").split(";")]
        places += [""] * (len(ids) - len(places))
        out = []
        for i, place in zip(ids, places):
            if i in self.documents:
                out.append(citation(self.documents[i], place))
                continue
            if i not in self.unknown_documents:
                self.unknown_documents.add(i)
                self.warn(rec, rec.header("source_id", "source_id"),
                          f"出典ID「{i}」は出典の一覧（sources）にありません。IDをそのまま出典として記録します")
            out.append(f"{i} {place}".strip())
        return "；".join(x for x in out if x)

    # -- entities, plans, areas
    def index_plans(self) -> None:
        self.plans_by_key.clear()
        for r in self.plans.values():
            self.plans_by_key.setdefault(key(r["name"]), []).append(r)

    def entity(self, name: str, rec: Record) -> dict | None:
        k = key(name)
        found = self.entity_by_name.get(k) or self.entities.get(name)
        if found:
            return found
        kind = entity_type(name)
        if kind is None:
            if k in self.unknown_entities:
                return None  # said once per name
            self.unknown_entities.add(k)
            self.err(rec, rec.header("entity", "自治体"),
                     f"自治体「{name}」は未登録で、都道府県・市区町村・連携中枢都市圏のどれか判定できません。"
                     "正式名称（例: 富山県、高岡市、熊本連携中枢都市圏）を記入してください")
            return None
        entity_type_, code = kind
        row = {"entity_id": ID_PREFIX + id_hash("entity", k), "name": name, "entity_type": entity_type_, "code": code,
               "central_city": None, "synthetic": False, "source": self.source(rec)}
        self.entity_by_name[k] = self.new_entities[row["entity_id"]] = self.entities[row["entity_id"]] = row
        self.warn(rec, rec.header("entity", "自治体"),
                  f"自治体「{name}」は未登録のため新しく登録します（種別: {ENTITY_TYPE_JA[entity_type_]}）")
        return row

    def plan(self, entity: dict, name: str, rec: Record) -> dict:
        k = (entity["entity_id"], key(name))
        found = self.plan_by_name.get(k)
        if found is None and name in self.plans and self.plans[name]["entity_id"] == entity["entity_id"]:
            found = self.plans[name]
        if found:
            return found
        plan_type = rec.text("plan_type") or plan_type_of(name, entity["entity_type"])
        row = {"plan_id": ID_PREFIX + id_hash("plan", entity["entity_id"], key(name)), "entity_id": entity["entity_id"],
               "name": name, "plan_type": plan_type, "vision": None, "period_start_fy": None, "period_end_fy": None,
               "note": "データ取込で登録", "synthetic": False, "source": self.source(rec)}
        period = rec.text("plan_period")
        if period:
            try:
                ref = parse_year(period)
                row["period_start_fy"], row["period_end_fy"] = ref.start_fy, ref.end_fy
            except YearParseError as e:
                self.err(rec, rec.header("plan_period", "計画期間"), str(e))
        replaced = row["plan_id"] in self.plans
        self.plan_by_name[k] = self.new_plans[row["plan_id"]] = self.plans[row["plan_id"]] = row
        if replaced:
            self.index_plans()
        else:
            self.plans_by_key.setdefault(key(name), []).append(row)
        self.warn(rec, rec.header("plan", "計画"), f"計画「{name}」（{entity['name']}）は未登録のため新しく登録します")
        return row

    def area(self, plan_id: str, name: str, rec: Record) -> str | None:
        if not name:
            return None
        found = self.area_by_name.get((plan_id, key(name))) or self.areas.get((plan_id, name))
        if found:
            return found["area_code"]
        order = self.area_order[plan_id] = self.area_order.get(plan_id, 0) + 1
        row = {"plan_id": plan_id, "area_code": ID_PREFIX + id_hash("area", key(name))[:8], "area_name": name,
               "statement": None, "sort_order": order, "source": self.source(rec)}
        self.areas[(plan_id, row["area_code"])] = self.area_by_name[(plan_id, key(name))] = row
        self.new_areas[(plan_id, row["area_code"])] = row
        return row["area_code"]

    def locate(self, draft: Draft) -> tuple[dict | None, dict | None, dict | None]:
        """(entity, plan, existing KPI or None) for a draft; None entity/plan on error."""
        rec = draft.records[0]
        kpi_id, entity_name, plan_name, item = rec.texts_of(_LOCATE)
        if kpi_id:
            kpi = self.kpis.get(kpi_id)
            if kpi is None:
                self.err(rec, rec.header("kpi_id", "kpi_id"), f"指標ID「{kpi_id}」は登録されていません")
                return None, None, None
            plan = self.plans[kpi["plan_id"]]
            return self.entities.get(plan["entity_id"]), plan, kpi
        if not plan_name:
            self.err(rec, rec.header("plan", "計画"), "計画が空欄です（「計画」列に計画名を記入してください）")
            return None, None, None
        if not entity_name:
            same = self.plans_by_key.get(key(plan_name), [])
            if len(same) != 1:
                self.err(rec, rec.header("entity", "自治体"), "自治体が空欄です（「自治体」列に自治体名を記入してください）")
                return None, None, None
            entity = self.entities[same[0]["entity_id"]]
        else:
            found = self.located.get((entity_name, plan_name))
            if found is not None:  # the same 自治体 and 計画 as a row before: found the same way again
                entity, plan = found
            else:
                entity = self.entity(entity_name, rec)
                if entity is None:
                    return None, None, None
                plan = self.plan(entity, plan_name, rec)
                if len(self.located) < 10_000:
                    self.located[(entity_name, plan_name)] = entity, plan
        if not entity_name:
            plan = self.plan(entity, plan_name, rec)
        item_key, name_key = draft.ident[3:]  # key() of item and name, made once
        kpi = self.kpi_by_item.get((plan["plan_id"], item_key, name_key))
        if kpi is None and not item:
            same = self.kpi_by_name.get((plan["plan_id"], name_key), [])
            kpi = same[0] if len(same) == 1 else None
        return entity, plan, kpi


def entity_type(name: str) -> tuple[str, str | None] | None:
    """(entity_type, code) read from a name: 石川県 → prefecture 17; 高岡市 → municipality; …圏域 → region."""
    k = key(name)
    prefs = {key(p): i + 1 for i, p in enumerate(PREFECTURES)}
    if k in prefs:
        return "prefecture", f"{prefs[k]:02d}"
    if k.endswith(("連携中枢都市圏", "都市圏", "圏域", "圏")):
        return "region", None
    if k.endswith(("市", "町", "村", "区")):
        return "municipality", None
    if k in ("国", "日本", "日本国", "政府") or k.endswith(("省", "庁")):
        return "nation", None
    return None


def plan_type_of(name: str, entity_type_: str) -> str:
    k = key(name)
    for word, label in (("dx", "DX推進計画"), ("デジタル", "DX推進計画"), ("成長戦略", "成長戦略"),
                        ("アクションプラン", "アクションプラン"), ("総合戦略", "総合戦略"), ("総合計画", "総合計画")):
        if word in k:
            return label
    if "ビジョン" in k and entity_type_ == "region":
        return "連携中枢都市圏ビジョン"
    return "計画"
