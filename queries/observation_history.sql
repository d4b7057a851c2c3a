-- Values an import replaced, read from the store's change feed (observation_changes: table_changes of
-- observations) and its snapshots (store_snapshots): a value deleted and inserted again for the same KPI,
-- kind and year in one snapshot. The snapshot is the import: who committed it, and what it said of itself
-- (its id, time and files).
WITH d AS (SELECT * FROM observation_changes WHERE change_type IN ('delete', 'update_preimage')),
     i AS (SELECT * FROM observation_changes WHERE change_type IN ('insert', 'update_postimage')),
     s AS (SELECT snapshot_id, snapshot_time, author, CAST(commit_extra_info AS JSON) -> '$.last_import' AS info
           FROM store_snapshots)
SELECT d.kpi_id, d.value_kind, d.fiscal_year, d.value AS old_value, d.original_text AS old_original_text,
       i.value AS new_value, i.original_text AS new_original_text,
       coalesce(s.info ->> '$.at', strftime(timezone('Asia/Tokyo', s.snapshot_time), '%Y-%m-%dT%H:%M:%S+09:00'))
           AS changed_at,
       array_to_string(from_json(s.info -> '$.files', '["VARCHAR"]'), ', ') AS file_name,
       coalesce(nullif(s.author, ''), s.info ->> '$.user') AS user_name,
       coalesce(s.info ->> '$.import_id', CAST(s.snapshot_id AS VARCHAR)) AS import_id
FROM d
JOIN i ON i.snapshot_id = d.snapshot_id AND i.kpi_id = d.kpi_id AND i.value_kind = d.value_kind
      AND i.fiscal_year IS NOT DISTINCT FROM d.fiscal_year
JOIN s ON s.snapshot_id = d.snapshot_id
