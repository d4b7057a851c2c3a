"""The importer's limits, declared once: the import page and the template's instructions quote them."""
from __future__ import annotations

MAX_FILE_BYTES = 20 * 1024 * 1024  # a larger upload is refused
MAX_UNZIPPED_BYTES = 200 * 1024 * 1024  # an .xlsx that unpacks to more than this is refused (zip bomb)
MAX_RATIO = 100  # a large member (over RATIO_CHECKED_BYTES) packed tighter than this is a zip bomb (real sheets: ~10)
RATIO_CHECKED_BYTES = 10 * 1024 * 1024
MAX_ROWS = 150_000  # rows of one sheet (a 100,000-row sheet imports in seconds)
MAX_COLUMNS = 1_000
MAX_CELLS = 5_000_000  # cells of one file, blanks inside a row included (bounds every later loop)
MAX_TEXT_CHARS = 5_000  # one cell (a value cell: parsing.MAX_VALUE_CHARS)
HEADER_SEARCH_ROWS = 20  # the header row must be within the first rows (titles may sit above it)
