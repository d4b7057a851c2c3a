"""A tile grid map of Japan: one equal square per prefecture, placed roughly where it lies.

Equal tiles keep small prefectures (東京都, 香川県) as visible as 北海道, and need no boundary data.
Keys are JIS X 0401 codes (the `code` of a prefecture entity); (column, row) with row 0 at the top.
"""
from __future__ import annotations

# code: (short name, column, row)
TILES: dict[str, tuple[str, int, int]] = {
    "01": ("北海道", 12, 0),
    "02": ("青森", 12, 1),
    "03": ("岩手", 12, 2),
    "05": ("秋田", 11, 2),
    "04": ("宮城", 12, 3),
    "06": ("山形", 11, 3),
    "07": ("福島", 11, 4),
    "15": ("新潟", 10, 4),
    "16": ("富山", 9, 4),
    "17": ("石川", 8, 4),
    "18": ("福井", 7, 5),
    "21": ("岐阜", 8, 5),
    "20": ("長野", 9, 5),
    "10": ("群馬", 10, 5),
    "09": ("栃木", 11, 5),
    "08": ("茨城", 12, 5),
    "32": ("島根", 3, 6),
    "31": ("鳥取", 4, 6),
    "28": ("兵庫", 5, 6),
    "26": ("京都", 6, 6),
    "25": ("滋賀", 7, 6),
    "23": ("愛知", 8, 6),
    "19": ("山梨", 9, 6),
    "11": ("埼玉", 10, 6),
    "13": ("東京", 11, 6),
    "12": ("千葉", 12, 6),
    "41": ("佐賀", 0, 7),
    "40": ("福岡", 1, 7),
    "35": ("山口", 2, 7),
    "34": ("広島", 3, 7),
    "33": ("岡山", 4, 7),
    "27": ("大阪", 5, 7),
    "29": ("奈良", 6, 7),
    "24": ("三重", 7, 7),
    "22": ("静岡", 9, 7),
    "14": ("神奈川", 10, 7),
    "42": ("長崎", 0, 8),
    "43": ("熊本", 1, 8),
    "44": ("大分", 2, 8),
    "38": ("愛媛", 3, 8),
    "37": ("香川", 4, 8),
    "36": ("徳島", 5, 8),
    "30": ("和歌山", 6, 8),
    "46": ("鹿児島", 1, 9),
    "45": ("宮崎", 2, 9),
    "39": ("高知", 4, 9),
    "47": ("沖縄", 0, 10),
}
COLUMNS = 1 + max(c for _, c, _ in TILES.values())
ROWS = 1 + max(r for _, _, r in TILES.values())


def tile(code: str | None) -> tuple[str, int, int] | None:
    """The tile of a prefecture code ('16', '160008' → 富山), or None."""
    if not code:
        return None
    return TILES.get(str(code).strip()[:2].zfill(2))
