"""Import the KPI sheets policy staff keep in Excel (.xlsx) or CSV into the data directory.

`import_files([...], directory, dry_run=...)` reads every file, parses every cell with
`parsing.parse_value`, matches entities, plans and KPIs by name, and compares each value with the one
stored for the same KPI × fiscal year × kind. Then, and only if no file has an error, it writes all
changed tables in one `store.write_tables` call (temporary files and renames). Nothing is written for a
dry run, for a file with errors, or when nothing changed (so re-importing a file leaves the directory
byte-for-byte as it was). A replaced value stays in the store's history (its snapshots and change feed) with time, files and user.

Nothing is guessed silently: what the importer infers (a direction, a blank 自治体 taken from the row
above, a new entity) is reported as a warning with file, sheet, row and column; what it cannot read is
an error there.

The steps, a module each: `reading` (files → sheets; `xlsx_plain` its fast way through plain .xlsx),
`headers` and `rows` (a sheet → records), `cells` (a cell → value, year, unit), `vocabulary` (the words
read and written), `matching` (entities, plans, KPIs found or new), `planner` (records → rows),
`diff` (against the stored tables; what to write), `result`, `run` (the whole import), `template`.
"""
from __future__ import annotations

from .cells import direction_of, parse_cell, split_unit, try_parse_cell
from .limits import HEADER_SEARCH_ROWS, MAX_COLUMNS, MAX_FILE_BYTES, MAX_TEXT_CHARS
from .reading import FileRejected, Issue, read_file
from .result import ImportPlan, ImportResult
from .run import commit, import_files, import_paths
from .template import HEADERS, TEMPLATE_FILE_NAME, template_xlsx_bytes
from .vocabulary import STATUS_JA

__all__ = ["MAX_FILE_BYTES", "MAX_COLUMNS", "MAX_TEXT_CHARS", "HEADER_SEARCH_ROWS", "STATUS_JA", "ImportPlan",
           "ImportResult", "Issue", "FileRejected", "commit", "import_files", "import_paths", "read_file",
           "parse_cell", "try_parse_cell", "split_unit", "direction_of",
           "HEADERS", "TEMPLATE_FILE_NAME", "template_xlsx_bytes"]
