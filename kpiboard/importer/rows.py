"""A sheet's data rows → Records (〃 and blank carried cells resolved), and the Records of one KPI (Draft)."""
from __future__ import annotations

from dataclasses import dataclass, field
from operator import itemgetter

from .cells import cell_text, one_line
from .headers import Column, Layout, norm_header
from .limits import MAX_TEXT_CHARS
from .reading import Issue, Sheet
from .vocabulary import DITTO, EXAMPLE_MARKS

CARRIED_FIELDS = ("entity", "plan", "plan_type", "plan_period", "area")  # blank = same as the row above
GONE = object()  # a 〃 cell with nothing above it: reported, and the cell left out as if it were not there


@dataclass(slots=True, eq=False)
class RowShape:
    """What the records of one sheet share: the attribute columns (a record's `raws`/`texts` by position, `fields`
    naming the position of each field) and the value columns (a record's `vals`)."""

    fields: dict[str, int]
    columns: list[Column]
    value_columns: list[Column]
    getters: dict = field(default_factory=dict)  # names → itemgetter of their texts (`Record.texts_of`)
    year_fields: list = field(default_factory=list)  # per value column: the field holding its year, if not its header

    def getter(self, names: tuple[str, ...]):
        get = self.getters.get(names)
        if get is None:  # a field the sheet lacks: the "" after the last text
            get = self.getters[names] = itemgetter(*(self.fields.get(n, len(self.columns)) for n in names))
        return get


@dataclass(slots=True, eq=False)
class Record:
    """One data row of a sheet. Lists by position rather than a Cell per cell: a 100,000-row sheet's records
    took ~250 MB as cells and dicts."""

    file: str
    sheet: str
    row: int
    layout: str
    shape: RowShape
    raws: list  # attribute cells (after 〃 and carried cells), by shape position; GONE: left out
    texts: list[str]  # their one-line texts ("" when blank or left out), and a last ""
    vals: list  # value cells, by shape.value_columns position: None blank, GONE left out
    dittos: tuple = ()  # positions in vals written as 〃
    gone: bool = False  # an attribute cell was left out (its header is then not the column's)
    source: tuple | None = None  # the planner's (where, given), made once

    def text(self, name: str) -> str:
        """A name or code as one line: a line break inside a cell (Alt+Enter, PDF copies) is not part of it."""
        i = self.shape.fields.get(name)
        return "" if i is None else self.texts[i]

    def texts_of(self, names: tuple[str, ...]) -> tuple[str, ...]:
        """text() of each of `names` (two or more)."""
        return self.shape.getter(names)(self.texts)

    def raw(self, name: str):
        """The value of an attribute cell (None: blank, left out, or no such column)."""
        i = self.shape.fields.get(name)
        if i is None:
            return None
        raw = self.raws[i]
        return None if raw is GONE else raw

    def column(self, name: str) -> Column | None:
        """The column of an attribute cell the row has (None when there is none or it was left out)."""
        i = self.shape.fields.get(name)
        if i is None or self.raws[i] is GONE:
            return None
        return self.shape.columns[i]

    def header(self, name: str, default: str) -> str:
        col = self.column(name)
        return col.header if col is not None else default

    def where(self) -> str:
        return f"{self.file}" + (f" シート「{self.sheet}」" if self.sheet else "") + f" {self.row}行目"


def _line_text(raw) -> str:
    """one_line(cell_text(raw)), without the calls for the usual one-line string."""
    if type(raw) is str and "\n" not in raw and "\r" not in raw:
        return raw.strip()
    return "" if raw is None else one_line(cell_text(raw))


def records(file: str, sheet: Sheet, layout: Layout) -> tuple[list[Record], list[Issue], list[Issue]]:
    """Data rows as Records, with (errors, warnings); 〃 and blank 自治体/計画/分野 cells take the value above."""
    errors: list[Issue] = []
    warnings: list[Issue] = []
    out: list[Record] = []
    previous: list = [None] * (max((c.index for c in layout.columns), default=-1) + 1)  # column → last value (〃)
    carried_rows: dict[str, list[int]] = {}
    skipped_blank_kpi: list[int] = []
    marker = layout.by_field("marker")
    attrs = [c for c in layout.columns if c.field not in ("value_col", "value", "marker")]
    vcols = [c for c in layout.columns if c.field in ("value_col", "value")]
    fields: dict[str, int] = {}
    for pos, col in enumerate(attrs):
        fields[col.field] = pos  # two columns for one field (an error of its own): the later one is read
    shape = RowShape(fields, attrs, vcols)
    shape.year_fields = ["year" if layout.kind == "long" else None if c.year is not None else c.year_field
                         for c in vcols]
    carried_order = [fields[f] for f in fields if f in CARRIED_FIELDS]  # where carried cells are looked for
    # per column, once: (column, index, position, 0 = attribute / 1 = value / 2 = marker, carried when blank)
    plan, a, v = [], 0, 0
    for col in layout.columns:
        if col.field in ("value_col", "value"):
            plan.append((col, col.index, v, 1, False))
            v += 1
        elif col.field == "marker":
            plan.append((col, col.index, -1, 2, False))
        else:
            plan.append((col, col.index, a, 0, col.field in CARRIED_FIELDS))
            a += 1
    name_pos, id_pos = fields.get("kpi_name"), fields.get("kpi_id")
    n_attrs = len(attrs)
    rows = sheet.rows
    for index in range(layout.first_data_row - 1, len(rows)):
        row = rows[index]
        number = index + 1
        width = len(row)
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in row):
            continue
        if marker and marker.index < width and row[marker.index] is not None \
                and norm_header(row[marker.index]) in EXAMPLE_MARKS:
            warnings.append(Issue(file, number, marker.header, "記入例の行を読み飛ばしました", sheet.name))
            continue
        raws = [None] * n_attrs
        texts = [""] * (n_attrs + 1)
        vals = []
        dittos = carried = ()
        gone = False
        for col, i, pos, role, carries in plan:
            raw = row[i] if i < width else None
            if raw is not None:
                if type(raw) is str or isinstance(raw, str):
                    text = raw.strip()
                    if not text:
                        raw = None
                    elif len(raw) > MAX_TEXT_CHARS:
                        errors.append(Issue(file, number, col.header, f"セルの文字数が多すぎます（{len(raw):,}文字。"
                                                                      f"1セル{MAX_TEXT_CHARS:,}文字まで）", sheet.name))
                        raw = None
                    elif text in DITTO:
                        raw = previous[i]
                        if raw is None:
                            errors.append(Issue(file, number, col.header, "「〃」の上のセルに値がありません", sheet.name))
                            if role == 1:
                                vals.append(GONE)
                            elif role == 0:
                                raws[pos], gone = GONE, True
                            continue
                        if role == 1:
                            dittos += (pos,)
                            vals.append(raw)
                        elif role == 0:
                            raws[pos] = raw
                            texts[pos] = _line_text(raw)
                        continue  # the cell above stays the one above
                    else:
                        if role == 0:
                            raws[pos] = raw
                            texts[pos] = text if "\n" not in text and "\r" not in text else one_line(raw)
                        elif role == 1:
                            vals.append(raw)
                        previous[i] = raw
                        continue
                else:  # a number, a date …
                    if role == 0:
                        raws[pos] = raw
                        texts[pos] = one_line(cell_text(raw))
                    elif role == 1:
                        vals.append(raw)
                    previous[i] = raw
                    continue
            # blank (or refused): 自治体, 計画 … take the cell above
            if carries:
                raw = previous[i]
                if raw is not None:
                    carried += (pos,)
                    raws[pos] = raw
                    texts[pos] = _line_text(raw)
                    continue
            previous[i] = None
            if role == 1:
                vals.append(None)
        if not (name_pos is not None and texts[name_pos]) and not (id_pos is not None and texts[id_pos]):
            if any(raw is not None and raw is not GONE and j not in dittos for j, raw in enumerate(vals)):
                errors.append(Issue(file, number, "指標名", "指標名が空欄です（値のある行には指標名が必要です）", sheet.name))
            else:
                skipped_blank_kpi.append(number)  # a heading or a footnote
            continue
        if carried:
            for pos in carried_order:
                if pos in carried:
                    carried_rows.setdefault(attrs[pos].header, []).append(number)
        out.append(Record(file, sheet.name, number, layout.kind, shape, raws, texts, vals, dittos, gone))
    for header, rows in carried_rows.items():
        warnings.append(Issue(file, rows[0], header, f"空欄の「{header}」は上の行と同じとみなしました（{_rows_text(rows)}）",
                            sheet.name))
    if skipped_blank_kpi:
        warnings.append(Issue(file, skipped_blank_kpi[0], "指標名",
                            f"指標名も値もない行を読み飛ばしました（{_rows_text(skipped_blank_kpi)}）", sheet.name))
    return out, errors, warnings


def _rows_text(rows: list[int]) -> str:
    shown = ", ".join(str(r) for r in rows[:8])
    return f"{shown} 行目" + (f" ほか{len(rows) - 8}行" if len(rows) > 8 else "")


class Draft:
    """One KPI of the import: its rows (one in the wide layout, several in the long layout)."""

    __slots__ = ("ident", "records")

    def __init__(self, ident: tuple):
        self.ident = ident
        self.records: list[Record] = []

