"""Drafts → the new and changed rows of the data directory's tables: each KPI's attributes and its values."""
from __future__ import annotations

from collections import Counter
from datetime import date, datetime

import polars as pl

from .. import schema
from ..eras import (DateParseError, YearParseError, fiscal_year_of, format_fiscal_year as _fy_text, parse_date,
                    parse_year, value_span)
from ..parsing import ParsedValue, ValueParseError, format_value, normalise_text
from .cells import cell_text, direction_of, header_year_text, key, parse_cell, same_number, split_unit, year_of
from .headers import Column
from .matching import ID_PREFIX, Matcher, id_hash
from .reading import Issue
from .result import COLUMN, FY, KIND, PER_YEAR, QUALIFIER, UNIT, VALUE, ImportResult, Observation, replaced
from .rows import GONE, Draft, Record
from .vocabulary import FALSE_WORDS, KEEP, TRUE_WORDS, VALUE_KIND_OF

_NEW_KPI = ("item_code", "kpi_name", "note")
_EXPLICIT = ("direction", "kind", "unit", "cumulative", "measure", "background", "area", "department")
MAX_YEARLY_TARGET_YEARS = 30  # a yearly target laid out over more years than any plan has is cut to the last 30
MAX_READINGS = 20_000  # value readings kept for the next cell like it (cleared when full: memory stays bounded)
_KEEPS, _YEARLY, _CUMULATIVE = 1, 2, 4  # a reading may be a 現状維持 target, a yearly target, or have a 累計 value


def _failed(issue: tuple) -> tuple[None, tuple, int]:
    return None, (issue,), 0


class Planner(Matcher):
    """Turns drafts into new/changed rows of the data directory's tables (finding what they name as a Matcher)."""

    def __init__(self, tables: dict[str, pl.DataFrame], result: ImportResult, user: str, now: datetime):
        super().__init__(tables, result)
        self.user = user
        self.now = now
        self.kpi_rows: dict[str, dict] = {}  # new or updated KPI rows
        self.planned: dict[tuple, Observation] = {}  # (kpi_id, value_kind, fiscal_year) → the value planned
        self.plan_years: dict[str, dict[str, list[int]]] = {}  # plan_id → kind → [min, max] fiscal year
        self.reported: dict[str, dict] = {}  # kpi_id → its entry in the result
        self.parsed: dict[tuple, ParsedValue] = {}
        # (sheet, qualitative, unit, factor) → per value column: cell (and year …) → read_value's answer
        self.readings: dict[tuple, list[dict]] = {}
        self.n_readings = 0
        # (plan_id, key(measure)) → the measure_starts row a 施策開始日 cell gives, and (the row, the text) it came from
        self.starts: dict[tuple, dict] = {}
        self.start_cells: dict[tuple, tuple[Record, str, str]] = {}  # … the row, the cell's text, the plan's name

    # -- one KPI
    def explicit(self, draft: Draft, name: str):
        """The value a KPI's rows give for an attribute column; different values in its rows are an error."""
        value, where = None, None
        for rec in draft.records:
            text = rec.text(name)
            if not text:
                continue
            if value is None:
                value, where = text, rec
            elif key(text) != key(value):
                self.err(rec, rec.header(name, name),
                         f"同じ指標の「{rec.header(name, name)}」が行によって違います（{where.row}行目「{value}」、"
                         f"この行「{text}」）")
        return value, where

    def add_draft(self, draft: Draft) -> None:
        rec = draft.records[0]
        errors_before = len(self.result.errors)
        entity, plan, existing = self.locate(draft)
        if plan is None:
            return
        if len(draft.records) == 1:  # nearly every draft of the wide layout: explicit() of each, at once
            given_direction, given_kind, given_unit, given_cum, measure, background, area_name, department = \
                rec.texts_of(_EXPLICIT)
            given_direction, given_kind, given_unit, given_cum = (given_direction or None, given_kind or None,
                                                                  given_unit or None, given_cum or None)
            measure, background, area_name, department = (measure or None, background or None, area_name or None,
                                                          department or None)
            dir_rec, cum_rec, area_rec = (rec if given_direction else None, rec if given_cum else None,
                                          rec if area_name else None)
        else:
            given_direction, dir_rec = self.explicit(draft, "direction")
            given_kind, _ = self.explicit(draft, "kind")
            given_unit, _ = self.explicit(draft, "unit")
            given_cum, cum_rec = self.explicit(draft, "cumulative")
            measure, _ = self.explicit(draft, "measure")
            background, _ = self.explicit(draft, "background")
            area_name, area_rec = self.explicit(draft, "area")
            department, _ = self.explicit(draft, "department")
        if any("measure_start" in r.shape.fields for r in draft.records):
            stored = existing["measure"] if existing is not None else None
            self.measure_start(draft, plan, stored if stored and (not measure or key(measure) == key(stored)) else measure)
        direction = None
        if given_direction:
            direction = direction_of(given_direction)
            if direction is None:
                self.err(dir_rec, dir_rec.header("direction", "方向"),
                         f"方向「{given_direction}」を読み取れません（増加・減少・維持・上昇・低下・以上・以下・順位・定性、"
                         "または increase/decrease/maintain_min/maintain_max/rank/qualitative）")
        if given_kind and key(given_kind) in ("定性", "定性的", "qualitative"):
            direction = "qualitative"
        cumulative = None
        if given_cum:
            word = key(given_cum)
            if word in TRUE_WORDS or word in FALSE_WORDS:
                cumulative = word in TRUE_WORDS
            else:
                self.err(cum_rec, cum_rec.header("cumulative", "累計"),
                         f"「{given_cum}」を読み取れません（累計の指標なら「累計」または「○」、そうでなければ空欄）")
        qualitative = direction == "qualitative" or (direction is None and existing is not None
                                                     and existing["direction"] == "qualitative")
        base_unit, factor = split_unit(given_unit) if given_unit else ("", 1)
        if factor != 1 and given_unit:
            self.warn(rec, rec.header("unit", "単位"),
                      f"単位「{given_unit}」の値は {base_unit or '1'} に換算して保存します（×{factor:,}）")

        obs, bits = self.values(draft, qualitative, base_unit if given_unit else "", factor)
        if len(self.result.errors) > errors_before:
            return

        cell_units = Counter(o.reading[UNIT] for o in obs if o.reading[UNIT]) if not given_unit else None
        unit = base_unit if given_unit else (cell_units.most_common(1)[0][0] if cell_units else
                                             (existing["unit"] if existing else ""))
        if not given_unit and len(cell_units) > 1 and existing is None:
            self.warn(rec, "単位", f"セルの単位がそろっていません（{', '.join(cell_units)}）。「単位」列に記入してください")

        inferred = None
        if direction is None:
            if existing is not None:
                direction = existing["direction"]
            else:
                direction, inferred = infer_direction(obs, unit)
                self.warn(rec, rec.header("direction", "方向"), inferred)
        if bits & _KEEPS:
            self.resolve_keep_targets(draft, obs, existing)
        yearly = self.lay_out_yearly_targets(obs, plan) if bits & _YEARLY else False

        if cumulative is None:
            has_cum = bool(bits & _CUMULATIVE)  # any value with a 累計 part
            cumulative = existing["cumulative"] if existing is not None else False
            if has_cum and not cumulative:
                if existing is None:
                    cumulative = True
                    self.warn(rec, "累計", "セルに「累計」の値があるため、累計の指標として扱います")
                else:
                    self.warn(rec, "累計", "セルに「累計」の値がありますが、登録済みの指標は累計ではありません（変更しません）")

        area_code = self.area(plan["plan_id"], area_name, area_rec or rec) if area_name else None
        kind = "qualitative" if direction == "qualitative" else "quantitative"
        if existing is None:
            item, name, notes = rec.texts_of(_NEW_KPI)
            item_key, name_key = draft.ident[3:]  # key(item), key(name): a draft found by name
            kpi_id = f"{plan['plan_id']}:{ID_PREFIX}{id_hash('kpi', item_key, name_key)}"
            order = self.kpi_order[plan["plan_id"]] = self.kpi_order.get(plan["plan_id"], 0) + 1
            if rec.layout != "wide":
                notes = ""
            if department or inferred:
                notes = [n for n in (notes, f"担当: {department}" if department else "",
                                     f"方向は推定: {inferred}" if inferred else "") if n]
            row = {"kpi_id": kpi_id, "plan_id": plan["plan_id"], "area_code": area_code, "item_code": item or None,
                   "measure": measure, "kpi_name": name, "indicator_id": ID_PREFIX + id_hash("indicator", name_key),
                   "unit": unit, "direction": direction, "kind": kind, "cumulative": cumulative,
                   "per_year_target": yearly, "statement": None,
                   "background": background, "sort_order": order,
                   "note": (notes if type(notes) is str else " / ".join(notes)) or None,
                   "synthetic": False, "source": self.source(rec), "source_id": None, "source_place": None}
            kpi_source = row["source"]  # the same text for the result's entry: one string, not two
            self.kpis[kpi_id] = self.kpi_rows[kpi_id] = row
            self.kpi_by_item[(plan["plan_id"], item_key, name_key)] = row
            self.kpi_by_name.setdefault((plan["plan_id"], name_key), []).append(row)
            status = "new"
        else:
            kpi_source = None
            row = dict(existing)
            changes = []
            updates = {"unit": unit if given_unit else None, "direction": direction if given_direction or given_kind else None,
                       "kind": kind if given_direction or given_kind else None, "cumulative": cumulative if given_cum else None,
                       "measure": measure, "background": background, "area_code": area_code,
                       "per_year_target": True if yearly else None}
            labels = {"unit": "単位", "direction": "方向", "kind": "種類", "cumulative": "累計", "measure": "施策",
                      "background": "背景", "area_code": "分野", "per_year_target": "毎年の目標"}
            for col, new in updates.items():
                if new is not None and new != existing[col] and not (isinstance(new, str) and key(new) == key(existing[col])):
                    row[col] = new
                    if col == "area_code":
                        old_area = self.areas.get((row["plan_id"], existing[col]), {}).get("area_name", existing[col])
                        changes.append(f"分野: {old_area or '（なし）'} → {area_name}")
                    elif col == "per_year_target":
                        changes.append("目標を毎年の目標として扱う")
                    elif col != "kind":
                        changes.append(f"{labels[col]}: {existing[col]} → {new}")
            if changes:
                self.kpis[row["kpi_id"]] = self.kpi_rows[row["kpi_id"]] = row
                self.warn(rec, "指標名", f"登録済みの指標「{row['kpi_name']}」の属性を更新します（{'; '.join(changes)}）")
            status = "updated" if changes else "unchanged"
        if row["kpi_id"] in self.reported:  # a second draft for the same KPI (kpi_id in one file, its name in another)
            if status == "updated":
                self.reported[row["kpi_id"]]["status"] = "updated"
        else:
            self.result.kpis.append(self.reported.setdefault(row["kpi_id"], {
                "kpi_id": row["kpi_id"], "entity": entity["name"] if entity else "", "plan": plan["name"],
                "area": area_name or "", "item_code": row["item_code"] or "", "measure": row["measure"] or "",
                "kpi_name": row["kpi_name"], "unit": row["unit"] or "", "direction": row["direction"],
                "direction_inferred": bool(inferred), "kind": row["kind"], "cumulative": bool(row["cumulative"]),
                "status": status, "source": kpi_source or self.source(rec), "file": rec.file, "sheet": rec.sheet,
                "row": rec.row,
            }))
        self.add_observations(obs, entity, plan, row)
        if row["plan_id"] in self.new_plans and plan["period_end_fy"] is None:  # what finish_plans reads
            years = self.plan_years.setdefault(plan["plan_id"], {})
            for o in obs:
                kind_, fy = o.reading[KIND], o.reading[FY]
                span = years.get(kind_)
                if span is None:
                    years[kind_] = [fy, fy]
                elif fy < span[0]:
                    span[0] = fy
                elif fy > span[1]:
                    span[1] = fy

    def measure_start(self, draft: Draft, plan: dict, measure: str | None) -> None:
        """A 施策開始日 cell: the day the row's 施策 started, one measure_starts row per plan and 施策 (導入前後の比較).
        Every row of a 施策 that gives a day must give the same day; a day without a 施策 is an error."""
        for rec in draft.records:
            raw = rec.raw("measure_start")
            if raw is None:
                continue
            column = rec.header("measure_start", "施策開始日")
            text = cell_text(raw).strip()
            day = start_day(raw)
            if isinstance(day, str):
                self.err(rec, column, day)
                continue
            if not measure:
                self.err(rec, column, f"「{column}」は施策の開始日です。この行の「施策」列に施策名を書いてください")
                continue
            k = (plan["plan_id"], key(measure))
            before = self.starts.get(k)
            if before is not None:
                if before["started_on"] != day.isoformat():
                    first, first_text, _ = self.start_cells[k]
                    self.err(rec, column, f"施策「{measure}」の開始日が行によって違います（{first.where()}「{first_text}」、"
                                          f"この行「{text}」）")
                continue
            self.starts[k] = {"plan_id": plan["plan_id"], "initiative_id": None, "measure": measure,
                              "started_on": day.isoformat(), "start_fy": fiscal_year_of(day), "note": None,
                              "source": self.source(rec, column), "source_id": None, "source_place": None}
            self.start_cells[k] = (rec, text, plan["name"])

    def values(self, draft: Draft, qualitative: bool, unit: str, factor: int) -> tuple[list[Observation], int]:
        """The observations of a draft's value cells (errors recorded, bad cells left out), and the _KEEPS/_YEARLY/
        _CUMULATIVE bits of their readings. A cell is read once per column, text, year and unit: the next cell like
        it takes the same reading and the same messages."""
        out = []
        bits = 0
        errors, warnings = self.result.errors, self.result.warnings
        new = Observation.__new__
        for rec in draft.records:
            long = rec.layout == "long"
            shape, dittos = rec.shape, rec.dittos
            columns, year_fields = shape.value_columns, shape.year_fields
            memos = self.readings.get((shape, qualitative, unit, factor))
            if memos is None:
                if self.n_readings >= MAX_READINGS:
                    self.readings.clear()  # bounded: a sheet of distinct texts gains nothing from it
                    self.n_readings = 0
                memos = self.readings[(shape, qualitative, unit, factor)] = [{} for _ in columns]
            plain = not (long or dittos or rec.gone)  # a left-out cell changes the headers the messages name
            for j, raw in enumerate(rec.vals):
                if raw is None and not long or raw is GONE:
                    continue  # blank (wide layout): no value, nothing to say
                if plain or not (rec.gone or j in dittos):
                    # the type: 1 == 1.0 == True read differently; -0.0 == 0.0 but reads as -0.0
                    k = raw if type(raw) is str else (type(raw), raw if raw or type(raw) is not float else str(raw))
                    year_field = year_fields[j]
                    if long:
                        year = rec.raw("year")
                        k = (k, rec.text("value_kind"), rec.text("part"), rec.text("note"), type(year), year)
                    elif year_field is not None:
                        year = rec.raw(year_field)
                        k = (k, type(year), year)
                    memo = memos[j]
                    hit = memo.get(k)
                    if hit is None:
                        hit = memo[k] = self.read_value(rec, columns[j], raw, False, qualitative, unit, factor)
                        self.n_readings += 1
                else:  # 〃 is rare
                    hit = self.read_value(rec, columns[j], raw, j in dittos, qualitative, unit, factor)
                reading, issues, flags = hit
                for is_error, column, message in issues:
                    (errors if is_error else warnings).append(Issue(rec.file, rec.row, column, message, rec.sheet))
                if reading is not None:
                    if rec.source is None:
                        self.row_source(rec)
                    o = new(Observation)
                    o.reading, o.record = reading, rec
                    out.append(o)
                    bits |= flags
        return out, bits

    def read_value(self, rec: Record, col: Column, raw, ditto: bool, qualitative: bool, unit: str,
                   factor: int) -> tuple[tuple | None, tuple, int]:
        """(the reading, or None; the (error?, column, message) to report at the cell; its _KEEPS/_YEARLY/_CUMULATIVE
        bits) of one value cell. Depends on the cell's column, value and 〃, the unit arguments and the year, kind,
        part and note of its row only."""
        column = col.header
        long = rec.layout == "long"
        if long:
            kind_text = rec.text("value_kind")
            value_kind = VALUE_KIND_OF.get(key(kind_text))
            if value_kind is None:
                return _failed((True, rec.header("value_kind", "種別"),
                               f"種別「{kind_text}」を読み取れません（基準値・目標値・実績値・見込み のいずれか）"),)
        else:
            value_kind = col.value_kind
        part = None
        if long and rec.text("part"):
            try:
                part = int(normalise_text(rec.text("part")))
            except ValueError:
                return _failed((True, rec.header("part", "part"), f"「{rec.text('part')}」は番号ではありません"),)
        memo = (type(raw), raw, qualitative, part) if isinstance(raw, str) else None
        parsed = self.parsed.get(memo) if memo else None
        if parsed is None:
            try:
                parsed = parse_cell(raw, qualitative, part)
            except ValueParseError as e:
                return _failed((True, column, str(e)),)
            if memo:
                self.parsed[memo] = parsed  # same text, same reading (never mutated below)
        kept_words = parsed.note and parsed.value is None  # 検討中 and friends: no value, kept as a note
        keep = KEEP in parsed.qualifier and KEEP in parsed.qualifiers  # the substring first: split() is rare
        if parsed.value is None and not kept_words and not keep:
            return None, (), 0  # blank, ― , -: no value
        if keep and value_kind != "target":
            return _failed((True, column, f"「{parsed.original_text.strip()}」は目標値の列にだけ書けます"),)
        # the fiscal year: the header's (R5実績), the row's year column (基準年度 / 年度), or the cell's own period
        year_ref, year_text = None, ""
        if col.year is not None:
            year_ref, year_text = col.year, header_year_text(col.header)
        else:
            year_field = "year" if long else col.year_field
            year_raw = rec.raw(year_field)
            if year_raw is not None:
                try:
                    year_ref = year_of(year_raw)
                    year_text = cell_text(year_raw).strip()
                except YearParseError as e:
                    return _failed((True, rec.column(year_field).header, str(e)),)
            elif parsed.period:
                try:
                    year_ref, year_text = parse_year(parsed.period), parsed.period
                except YearParseError as e:
                    return _failed((True, column, str(e)),)
            else:
                label = {"baseline_year": "基準年度", "target_year": "目標年度", "actual_year": "実績年度",
                         "estimate_year": "見込年度", "year": "年度"}.get(year_field, "年度")
                return _failed((True, column, f"「{column}」の年度が分かりません。「{label}」列に記入するか、"
                                             f"見出しを「{column}（R7）」のように年度付きにしてください"),)
        issues = []
        notes = [rec.text("note") if long else "", parsed.note]
        start, end = value_span(year_ref, parsed.period)
        if parsed.period:
            notes.append(f"期間: {parsed.period}")
        value, cum = parsed.value, parsed.cumulative_value
        cell_unit = parsed.unit
        if factor != 1 and value is not None:
            if not parsed.unit and parsed.multiplier == 1:
                value, cum = _scale(value, factor), (None if cum is None else _scale(cum, factor))
            else:
                issues.append((False, column, f"「{parsed.original_text.strip()}」はセルに単位・倍数が書かれているため、"
                                              "単位列の倍数を掛けずに読みました"))
        if unit and cell_unit and normalise_text(cell_unit) != normalise_text(unit):
            issues.append((False, column, f"「{parsed.original_text.strip()}」の単位「{cell_unit}」が単位列の「{unit}」と異なります"))
        original = parsed.original_text
        if ditto:  # keep what is written; say what it stood for
            notes.append(f"〃（上の行と同じ: {cell_text(raw).strip()}）")
            original = "〃"
        reading = (value_kind, year_ref.fiscal_year, year_ref.year_type, start, end, year_text, value,
                   cell_unit or unit, parsed.qualifier, cum, original, part, " / ".join(n for n in notes if n), column,
                   bool(parsed.per_year and value_kind == "target"))
        bits = ((_KEEPS if value_kind == "target" and KEEP in parsed.qualifier else 0)
                | (_YEARLY if parsed.per_year else 0) | (_CUMULATIVE if cum is not None else 0))
        return reading, tuple(issues), bits

    def lay_out_yearly_targets(self, obs: list[Observation], plan: dict) -> bool:
        """A yearly target (32名以上／年, 年約2%, 毎年5件) holds for every fiscal year of its period: one target per
        year (PRODUCT.md rule 5). The period is the cell's own span (R4～R8), else the plan's period up to the
        target's year, else from the year after the baseline. A target already written for a year (a row per
        year, or an R5目標 column) is kept as written."""
        yearly = [o for o in obs if o.reading[PER_YEAR] and o.reading[VALUE] is not None]
        if not yearly:
            return False
        written = {o.reading[FY] for o in obs if o.reading[KIND] == "target"}
        baselines = [o.reading[FY] for o in obs if o.reading[KIND] == "baseline"]
        for o in yearly:
            if o.period_start_fy is not None and o.period_start_fy < o.period_end_fy:
                start, end = o.period_start_fy, o.period_end_fy
            else:
                end = o.fiscal_year
                start = min(plan.get("period_start_fy") or (max(baselines) + 1 if baselines else end), end)
            start = max(start, end - MAX_YEARLY_TARGET_YEARS + 1)
            missing = [fy for fy in range(start, end + 1) if fy not in written]
            if not missing:
                continue
            o.note = " / ".join(n for n in (o.note, f"毎年の目標（{_fy_text(start)}～{_fy_text(end)}の各年度に同じ目標）")
                                if n)
            for fy in missing:
                copy = Observation.__new__(Observation)
                copy.record = o.record
                copy.reading = replaced(o.reading, fiscal_year=fy, period_start_fy=fy, period_end_fy=fy,
                                        year_type="fiscal", year_text=_fy_text(fy))
                obs.append(copy)
                written.add(fy)
        return True

    def resolve_keep_targets(self, draft: Draft, obs: list[Observation], existing: dict | None) -> None:
        """現状維持（以上） as a target: keep the baseline, so the target's value is the baseline value."""
        keep = [o for o in obs if (r := o.reading)[KIND] == "target" and KEEP in r[QUALIFIER]
                and KEEP in r[QUALIFIER].split("・")]
        if not keep:
            return
        baselines = [o for o in obs if o["value_kind"] == "baseline" and o["value"] is not None]
        base = max(baselines, key=lambda o: o["fiscal_year"])["value"] if baselines else None
        if base is None and existing is not None:
            stored = self.tables["observations"].filter((pl.col("kpi_id") == existing["kpi_id"])
                                                        & (pl.col("value_kind") == "baseline")
                                                        & pl.col("value").is_not_null())
            if stored.height:
                base = stored.sort("fiscal_year")["value"][-1]
        for o in keep:
            if base is None:
                self.warn(o.record, o.column,
                          f"「{o['original_text']}」: 基準値がないため目標値の数値を決められません（判定時に基準値を使います）")
                continue
            o["value"] = base
            o["note"] = " / ".join(n for n in (o["note"], f"{o['original_text'].strip()}: 基準値 {format_value(base, o['unit'])} を目標値とした") if n)

    def add_observations(self, obs: list[Observation], entity: dict | None, plan: dict, kpi: dict) -> None:
        """The draft's values into the plan and the result, each KPI × kind × fiscal year once."""
        kpi_id, entity_name = kpi["kpi_id"], entity["name"] if entity else ""
        plan_name, kpi_name, item = plan["name"], kpi["kpi_name"], kpi["item_code"] or ""
        planned, result = self.planned, self.result.observations
        last = owner = None
        for o in obs:
            rec = o.record
            o.record = None  # the row can be freed once planned
            r = o.reading
            k = (kpi_id, r[KIND], r[FY])
            prev = planned.get(k)
            if prev is not None:
                if not (same_number(prev.reading[VALUE], r[VALUE]) and prev.reading[QUALIFIER] == r[QUALIFIER]):
                    self.err(rec, r[COLUMN],
                             f"同じ指標・年度・種別の値が2つあります（{prev['row']}行目「{prev['column']}」列の"
                             f"「{prev['original_text']}」と、この「{o['original_text']}」）")
                continue
            if rec is not last:  # one owner per row: the row's values share it
                last = rec
                where, given = rec.source
                owner = (kpi_id, entity_name, plan_name, kpi_name, item, rec.file, rec.sheet, rec.row, where, given)
            o.owner, o.status = owner, "new"  # `old` unset: nothing replaced
            planned[k] = o
            result.append(o)

    # -- after all drafts
    def finish_plans(self) -> None:
        for plan_id, row in self.new_plans.items():
            if row["period_end_fy"] is not None:
                continue
            years = self.plan_years.get(plan_id, {})
            targets, baselines = years.get("target"), years.get("baseline")
            if targets:
                row["period_end_fy"] = targets[1]
                row["period_start_fy"] = baselines[1] + 1 if baselines else targets[0]
                row["note"] = ("データ取込で登録。計画期間の記入がないため、取込データの年度"
                               "（基準年度の翌年度～最終目標年度）から設定")


def start_day(raw) -> date | str:
    """A 施策開始日 cell → its day, or the Japanese error to report: a date cell of a workbook as it is, text through
    eras.parse_date (2024-04-01, 2024/4/1, R6.4.1, 令和6年4月1日)."""
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    if not isinstance(raw, str):
        return (f"「{cell_text(raw)}」は日付として読めません。日付の書式のセルにするか、文字で書いてください"
                "（例: 2024-04-01、2024/4/1、R6.4.1、令和6年4月1日）")
    try:
        return parse_date(raw)
    except DateParseError as e:
        return str(e)


def _scale(value: float, factor: int) -> float:
    out = round(value * factor, 6)
    return float(int(out)) if out == int(out) else out


def infer_direction(obs: list[dict], unit: str) -> tuple[str, str]:
    """PRODUCT.md's rule when 方向 is not written: target below baseline → decrease unless the target says
    以上 or 維持. Returns (direction, the Japanese reason reported as a warning)."""
    ja = schema.DIRECTION_JA
    if normalise_text(unit) == "位":
        return "rank", "方向の記入がないため、単位「位」から「順位」と判断しました"
    targets = [o for o in obs if o["value_kind"] == "target"]
    baselines = [o for o in obs if o["value_kind"] == "baseline" and o["value"] is not None]
    if not targets:
        if any(o["value"] is None and o["note"] for o in obs) and not any(o["value"] is not None for o in obs):
            return "qualitative", "方向の記入がなく数値もないため「定性」と判断しました"
        return "increase", "方向の記入がなく目標値もないため「増加」としました（必要なら「方向」列に記入してください）"
    final = max(targets, key=lambda o: o["fiscal_year"])
    q = final["qualifier"].split("・")
    if "現状維持" in q:
        d = "maintain_max" if "以下" in q else "maintain_min"
        return d, f"方向の記入がないため、目標値「{final['original_text'].strip()}」から「{ja[d]}」と判断しました"
    if not baselines or final["value"] is None:
        d = "decrease" if "以下" in q else "increase"
        return d, f"方向の記入がなく基準値がないため「{ja[d]}」としました（必要なら「方向」列に記入してください）"
    b = max(baselines, key=lambda o: o["fiscal_year"])["value"]
    t = final["value"]
    if t < b:
        d = "maintain_min" if ("以上" in q or "維持" in final["original_text"]) else "decrease"
    elif t > b:
        d = "maintain_max" if "以下" in q else "increase"
    else:
        d = "maintain_max" if "以下" in q else "maintain_min"
    rel = "より小さい" if t < b else "より大きい" if t > b else "と同じ"
    return d, (f"方向の記入がないため「{ja[d]}」と判断しました（目標値 {format_value(t, unit)} が基準値 "
               f"{format_value(b, unit)} {rel}"
               + ("、目標値に「以上」" if d == "maintain_min" and t < b else "") + "）")

