-- How fresh the figures of a plan ($plan: id or name; NULL = all plans) are: counts per value kind,
-- the newest actual year and the last write (import, build) that changed one of its values.
WITH k AS (
    SELECT k.kpi_id FROM kpis k JOIN plans p ON p.plan_id = k.plan_id
    WHERE $plan IS NULL OR p.plan_id = $plan OR p.name = $plan
),
o AS (SELECT o.* FROM observations o JOIN k ON k.kpi_id = o.kpi_id)
SELECT
    (SELECT count(*) FROM k) AS kpi_count,
    (SELECT count(DISTINCT kpi_id) FROM o WHERE value_kind = 'actual') AS kpis_with_actual,
    (SELECT count(*) FROM o WHERE value_kind = 'baseline') AS baseline_count,
    (SELECT count(*) FROM o WHERE value_kind = 'target') AS target_count,
    (SELECT count(*) FROM o WHERE value_kind = 'actual') AS actual_count,
    (SELECT max(fiscal_year) FROM o WHERE value_kind = 'actual') AS latest_actual_fy,
    (SELECT max(fiscal_year) FROM o WHERE value_kind = 'baseline') AS latest_baseline_fy,
    -- the newest write that added, replaced or removed one of its values (the store's change feed), as JST text
    (SELECT strftime(timezone('Asia/Tokyo', max(s.snapshot_time)), '%Y-%m-%dT%H:%M:%S+09:00')
     FROM observation_changes c JOIN k ON k.kpi_id = c.kpi_id
     JOIN store_snapshots s ON s.snapshot_id = c.snapshot_id) AS last_changed_at
