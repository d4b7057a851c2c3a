"""Read a KPI value as plan documents write it.

`parse_value("12億978万円")` → 1,209,780,000 円. The parser keeps the number (in base units), the unit,
the qualifier (以上/以下/ほぼ/約/見込み/累計/現状維持 …) and the note, and never guesses silently:
what it cannot read raises `ValueParseError` with a Japanese message that callers extend with
file, row and column.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

# Multipliers, longest first so that 百万 wins over 百 and 万.
MULTIPLIERS = {"兆": 10**12, "千億": 10**11, "億": 10**8, "千万": 10**7, "百万": 10**6, "万": 10**4, "千": 10**3, "百": 10**2}
MINUS_SIGNS = "−－▲△‐‑–—ｰ"  # all read as a leading minus (▲/△ are the accounting way)
NONE_MARKS = {"", "-", "―", "－", "—", "–", "‐", "ー", "−", "✕", "×", "該当なし", "なし"}
DITTO_MARKS = {"〃", "\u3003", "同上", "\"", "''"}
# Words that mean "no value (yet)"; kept as the note rather than rejected.
NO_VALUE_WORDS = {"検討中", "調査中", "集計中", "未集計", "未定", "非公表", "対象外", "未実施", "精査中", "算定中", "未把握"}
SUFFIX_QUALIFIERS = ("以上", "以下", "以内", "未満", "超", "程度", "見込み", "見込", "前後", "（見込み）")
# Words before a number that make it a yearly figure (年約2%, 毎年5件, 年間50万人), longest first.
PER_YEAR_PREFIXES = ("毎年度", "各年度", "毎年", "年間", "年率", "年度", "年")
_PER_YEAR_FOLLOWERS = ("約", "ほぼ", "概ね", "おおむね", "+", "-") + tuple(MINUS_SIGNS)
# 全国上位 = a national rank of 10 or better (PRODUCT.md).
TOP_RANK = 10

# Hostile cells are cut short before any pattern runs (every pattern below is linear anyway).
MAX_VALUE_CHARS = 200  # a value cell longer than this is an error
MAX_DIGITS = 20  # digits in one number (10**20 is far above any plan's figure; float() would lose it anyway)

_CIRCLED = {chr(0x2460 + i): i + 1 for i in range(20)}
# One number at a fixed position: every part after the first digits is optional, so a match never backtracks
# (the amount is tokenised with it in a loop, not matched by one nested pattern, which was exponential).
_NUMBER = re.compile(r"\d+(?:,\d{3})*(?:\.\d+)?|\.\d+")
_MULTIPLIER_NAMES = ("兆", "千億", "億", "千万", "百万", "万", "千", "百")  # the order the old pattern tried
_OPEN, _CLOSE = re.compile(r"[【\[(（]"), re.compile(r"[】\])）]")
_YEARISH = re.compile(r"^(?:[RHS令平昭]|\d{4}年|\d{4}～|\d{4}~)")
_DIGIT = re.compile(r"\d")


class ValueParseError(ValueError):
    """A cell we cannot read. The message is Japanese and names what is wrong."""


@dataclass
class ParsedValue:
    value: float | None
    unit: str = ""
    qualifier: str = ""  # '・'-joined: 以上, ほぼ, 約, 見込み, 累計, 現状維持 …
    note: str = ""
    period: str = ""  # a period written inside the cell: -198 (R3.4～R3.12) → R3.4～R3.12
    cumulative_value: float | None = None  # 1（累計１） → 1
    multiplier: int = 1
    is_ditto: bool = False  # 〃: the caller takes the cell above
    original_text: str = ""
    parts: list["ParsedValue"] = field(default_factory=list)
    per_year: bool = False  # 32名以上／年, 年約2%, 毎年5件: a target that holds for every fiscal year (PRODUCT.md rule 5)

    @property
    def qualifiers(self) -> list[str]:
        return [q for q in self.qualifier.split("・") if q]


def normalise_text(text: str) -> str:
    """NFKC with the minus signs and spaces Japanese documents use mapped explicitly."""
    text = unicodedata.normalize("NFKC", str(text))
    text = text.replace("\u3000", " ").replace("\n", " ").replace("\r", " ")
    return re.sub(r"\s+", " ", text).strip()


def bracket_spans(text: str) -> list[tuple[int, int]]:
    """(open, close) positions of `[【[(（][^】])）]*[】])）]` matches, left to right, found in linear time (the
    pattern itself rescans to the end from every unclosed bracket: quadratic)."""
    spans, pos = [], 0
    while (o := _OPEN.search(text, pos)) and (c := _CLOSE.search(text, o.end())):
        spans.append((o.start(), c.start()))
        pos = c.end()
    return spans


def _amount_tokens(s: str) -> tuple[list[tuple[str, str]], int]:
    """'3,737万8千人' → ([('3,737', '万'), ('8', '千')], 7): numbers with their multipliers, and where they end."""
    tokens, pos = [], 0
    while m := _NUMBER.match(s, pos):
        pos = m.end()
        mult = next((name for name in _MULTIPLIER_NAMES if s.startswith(name, pos)), "")
        pos += len(mult)
        tokens.append((m.group(), mult))
    return tokens, pos


def _to_number(body: str, tokens: list[tuple[str, str]]) -> tuple[float, int]:
    """'3,737万8千' → (37378000, 10**4); '40百万' → (40000000, 10**6)."""
    total = 0.0
    largest = 1
    last_mult = None
    for number_text_, name in tokens:
        number = float(number_text_.replace(",", ""))
        mult = MULTIPLIERS.get(name, 1)
        if last_mult is not None and mult >= last_mult:
            # 12億978万 is fine (億 > 万); 5万3万 or 12 34 is not one number.
            raise ValueParseError(f"数値「{body}」の単位の並びが不正です")
        last_mult = mult
        largest = max(largest, mult)
        total += number * mult
    # Keep integers exact (floating 146.41万 = 1464100.0000000002 otherwise).
    total = round(total, 6)
    return (float(int(total)) if total == int(total) else total), largest


def _numeric(ch: str) -> bool:
    return ch.isdecimal() or ch in ",."  # what `[\\d,.]` matches


def _spaced_numbers(s: str) -> bool:
    """Two numbers separated by spaces ('12 34'): `\\d[\\d,.]* +[\\d,.]*\\d` without its quadratic rescans.
    True when the run of digits/,/. either side of some spaces holds a digit."""
    pieces = s.split()
    for left, right in zip(pieces, pieces[1:]):
        i = len(left)
        while i and _numeric(left[i - 1]):
            i -= 1
        j = 0
        while j < len(right) and _numeric(right[j]):
            j += 1
        if any(ch.isdecimal() for ch in left[i:]) and any(ch.isdecimal() for ch in right[:j]):
            return True
    return False


def _split_parts(text: str) -> list[tuple[int, str]] | None:
    """'①500 ②50' → [(1, '500'), (2, '50')]; None when the cell holds one indicator."""
    if not any(ch in _CIRCLED for ch in text):
        return None
    pieces = re.split(f"([{''.join(_CIRCLED)}])", text)
    parts = []
    if pieces[0].strip():
        raise ValueParseError(f"「{text}」: ①②の前に文字があります")
    for i in range(1, len(pieces), 2):
        parts.append((_CIRCLED[pieces[i]], pieces[i + 1].strip()))
    return parts


def parse_value(text: object, part: int | None = None) -> ParsedValue:
    """Parse one cell. `part` picks one indicator of a ①②-cell."""
    original = "" if text is None else str(text)
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        if text != text:  # NaN from a spreadsheet: an empty cell
            return ParsedValue(None, original_text="")
        if abs(text) >= 10**MAX_DIGITS:  # also keeps float() from overflowing on a 310-digit int
            raise ValueParseError(f"数値「{_quote(original)}」が大きすぎます（{MAX_DIGITS}桁まで）")
        return ParsedValue(float(text), original_text=original)
    if len(original) > MAX_VALUE_CHARS:
        raise ValueParseError(f"「{_quote(original)}」は長すぎます（{len(original):,}文字）。"
                              f"値のセルは{MAX_VALUE_CHARS}文字までです")
    raw = original.strip()
    parts = _split_parts(raw)
    if parts is not None:
        parsed_parts = []
        for number, piece in parts:
            p = parse_value(piece)
            p.note = (p.note + " " if p.note else "") + f"{'①②③④⑤⑥⑦⑧⑨⑩'[number - 1]}"
            parsed_parts.append(p)
        if part is None:
            result = ParsedValue(None, original_text=original, parts=parsed_parts, note="複数の指標を含むセル")
            return result
        if not 1 <= part <= len(parsed_parts):
            raise ValueParseError(f"「{raw}」に{part}番目の値がありません")
        chosen = parsed_parts[part - 1]
        chosen.original_text = original
        return chosen
    if part not in (None, 1):
        raise ValueParseError(f"「{raw}」は①②の形ではありません（{part}番目を指定）")

    s = normalise_text(raw)
    if s in DITTO_MARKS or raw in DITTO_MARKS:
        return ParsedValue(None, is_ditto=True, original_text=original, note="〃（上と同じ）")
    if s in NONE_MARKS:
        return ParsedValue(None, original_text=original)
    if s in NO_VALUE_WORDS:
        return ParsedValue(None, note=s, original_text=original)

    qualifiers: list[str] = []
    notes: list[str] = []
    period = ""
    cumulative_value = None

    # Bracketed parts: （累計１）, 【2月1日時点】, (R3.4～R3.12), (2014年), (見込み)
    def take_bracket(inner: str) -> str:
        nonlocal period, cumulative_value
        inner = inner.strip()
        if inner.startswith("累計"):
            cumulative_value = parse_value(inner[2:]).value
            qualifiers.append("累計")
        elif inner in ("見込み", "見込", "速報値", "暫定値", "推計"):
            qualifiers.append("見込み" if inner.startswith("見込") else inner)
        elif _YEARISH.match(inner):
            period = inner.replace(" ", "")
        else:
            notes.append(inner)
        return " "

    pieces, pos = [], 0
    for start, end in bracket_spans(s):
        pieces.append(s[pos:start])
        pieces.append(take_bracket(s[start + 1:end]))
        pos = end + 1
    s = ("".join(pieces) + s[pos:]).strip()
    if _spaced_numbers(s):
        raise ValueParseError(f"「{raw}」に数値が複数あります（1セルに1つの値を記入してください）")
    s = s.replace(" ", "")
    # 検討中（R5）, ―（R6）, 検討中（見込み）: a no-value word or mark with a period or qualifier beside it
    if s in NONE_MARKS or s in NO_VALUE_WORDS:
        words = ([s] if s in NO_VALUE_WORDS else []) + notes
        return ParsedValue(None, qualifier="・".join(dict.fromkeys(qualifiers)), note="・".join(words),
                           period=period, original_text=original)
    per_year = False
    for prefix in PER_YEAR_PREFIXES:
        rest = s[len(prefix):]
        if s.startswith(prefix) and rest[:1] and (rest[0].isdecimal() or rest.startswith(_PER_YEAR_FOLLOWERS)):
            per_year, s = True, rest  # 年度末100 stays an error: 末 is neither a number nor a qualifier
            break

    if s.startswith("現状維持"):
        rest = s[len("現状維持"):]
        qualifiers.append("現状維持")
        if rest in ("以上", "以下"):
            qualifiers.append(rest)
        elif rest:
            raise ValueParseError(f"「{raw}」を読み取れません（現状維持の後に「{rest}」）")
        return ParsedValue(None, qualifier="・".join(qualifiers), note="・".join(notes), period=period,
                           original_text=original)

    # 全国上位 / 全国12位 / 上位5位以内 / トップ5: ranks (lower is better)
    rank = re.fullmatch(r"(?:全国)?(?:上位|トップ)?(\d+)?位?(以内|以上)?", s)
    if s in ("全国上位", "上位"):
        return ParsedValue(float(TOP_RANK), unit="位", qualifier="以内", note=f"{s} = {TOP_RANK}位以内",
                           period=period, original_text=original)
    if (s.startswith("全国") or s.startswith("上位") or s.startswith("トップ")) and rank and rank.group(1):
        return ParsedValue(float(rank.group(1)), unit="位", qualifier="以内" if rank.group(2) or "上位" in s or "トップ" in s else "",
                           note="・".join(notes), period=period, original_text=original)

    for q in ("ほぼ", "約", "概ね", "おおむね"):
        if s.startswith(q):
            qualifiers.append("ほぼ" if q == "ほぼ" else "約")
            s = s[len(q):]
            break
    changed = True
    while changed:
        changed = False
        for q in SUFFIX_QUALIFIERS:
            if s.endswith(q) and len(s) > len(q):
                qualifiers.append("見込み" if q.startswith(("見込", "（見込")) else q)
                s = s[: -len(q)]
                changed = True
    # 32名以上/年: the per-year suffix sits after the qualifier; a yearly target keeps 名 as its unit
    per = ""
    m = re.search(r"(/|毎)(年度|年|月|日)$", s)
    if m:
        if m.group(2).startswith("年"):
            per_year = True
        else:
            per = "/" + m.group(2)
        s = s[: m.start()]
        for q in SUFFIX_QUALIFIERS:
            if s.endswith(q):
                qualifiers.append(q)
                s = s[: -len(q)]
                break

    negative = False
    if s and s[0] in MINUS_SIGNS + "-":
        negative = True
        s = s[1:]
    elif s.startswith("+"):
        s = s[1:]

    tokens, end = _amount_tokens(s)
    unit = s[end:]
    if not tokens or _DIGIT.search(unit):
        if not _DIGIT.search(s):
            raise ValueParseError(f"「{raw}」は数値ではありません（数値、―、検討中などを記入してください）")
        raise ValueParseError(f"「{raw}」を数値として読み取れません")
    digits = max(sum(ch.isdecimal() for ch in number) for number, _ in tokens)
    if digits > MAX_DIGITS:
        raise ValueParseError(f"「{_quote(raw)}」の数値の桁数が多すぎます（{digits}桁。{MAX_DIGITS}桁まで）")
    unit = unit.strip()
    if unit and len(unit) > 12:
        raise ValueParseError(f"「{raw}」: 単位「{unit}」が長すぎます")
    value, multiplier = _to_number(s[:end], tokens)
    if negative:
        value = -value
    return ParsedValue(
        value,
        unit=(unit + per) if unit or per else "",
        qualifier="・".join(dict.fromkeys(qualifiers)),
        note="・".join(notes),
        period=period,
        cumulative_value=cumulative_value,
        multiplier=multiplier,
        original_text=original,
        per_year=per_year,
    )


def _quote(text: str, limit: int = 30) -> str:
    """The start of a long cell, for a message."""
    text = str(text).strip()
    return text if len(text) <= limit else text[:limit] + "…"


def format_value(value: float | None, unit: str = "") -> str:
    """Japanese notation: 39800000 円 → 3,980万円; 1209780000 → 12億978万円; 37.5 % → 37.5%."""
    if value is None or value != value:
        return "―"
    if unit == "%":
        return _number(value) + "%"
    sign = "-" if value < 0 else ""
    v = abs(value)
    if v >= 10**4 and v == int(v):
        v = int(v)
        chunks = []
        for name, mult in (("兆", 10**12), ("億", 10**8), ("万", 10**4)):
            q, v = divmod(v, mult)
            if q:
                chunks.append(f"{q:,}{name}")
        if v:
            chunks.append(f"{v:,}")
        return sign + "".join(chunks) + unit
    return f"{sign}{_number(v)}{unit}"


def _number(value: float) -> str:
    """At most 4 decimals, as many as the figure needs: 12.5, 0.1235, 3 (format.plain_number's twin)."""
    return f"{value:,.4f}".rstrip("0").rstrip(".")
