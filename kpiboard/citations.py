"""Citations 「title（publisher、date）place」: which document a source names, and where in it.

The build writes every figure's `source` as its document's citation followed by the place; the
documents are the rows of the `sources` table. Titles carry their own brackets (「…ＫＰＩ（成果指標）…」),
so a citation is split by the known documents, never by guessing at brackets.
"""
from __future__ import annotations

import os
import re

import polars as pl

# An imported row's source names its file: 'sheet.xlsx 行3'
_FILE = re.compile(r"^(\S+\.(?:txt|csv|tsv|pdf|xlsx?|json|parquet|html?|docx?))(?:\s+(.*))?$", re.IGNORECASE)


def heads(sources: pl.DataFrame) -> tuple[str, ...]:
    """Each document's citation without a place, longest first (so a longer title wins)."""
    from .build import citation

    return tuple(sorted((citation(d, "") for d in sources.iter_rows(named=True)), key=len, reverse=True))


def split(source: str, known: tuple[str, ...] = ()) -> tuple[str, str]:
    """(document, place) of a citation; 'file.txt 節 項' → ('file.txt', '節 項'); else the source whole."""
    text = source.strip()
    for head in known:
        if text.startswith(head):
            return head, text[len(head):].strip()
    m = _FILE.match(text)
    return (m.group(1), m.group(2) or "") if m else (text, "")


# A row read from two documents cites both: 「A（…）P41；B（…）⑥」 (an import's own rows: 'a.txt 節; b.txt 節')
_SEVERAL = re.compile(r"；|; ")


def documents(sources, known: tuple[str, ...] = ()) -> str:
    """The documents behind some citations, each once: 「A（…）・B（…）」."""
    return "・".join(dict.fromkeys(split(part, known)[0] for s in sources if s for part in _SEVERAL.split(str(s))))


def combined_source(sources, max_length: int = 120, heads: tuple[str, ...] = ()) -> str:
    """Several sources as one line: '004_… 施策ごとの… ア・イ・ウA' (shared start written once).

    Longer than `max_length`: only the documents, '003_….txt・000_….txt（各行の「出典」列）' — the
    rows beneath then carry the exact sections.
    """
    items = list(dict.fromkeys(str(s) for s in sources if s))
    if len(items) <= 1:
        return items[0] if items else ""
    prefix = os.path.commonprefix(items)
    prefix = prefix[: prefix.rfind(" ") + 1] if " " in prefix else ""
    text = prefix + "・".join(s[len(prefix):] for s in items) if prefix else "／".join(items)
    if len(text) <= max_length:
        return text
    return documents(items, heads) + "（箇所は各行の「出典」列）"
