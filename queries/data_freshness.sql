-- How fresh the figures of a plan ($plan: id or name; NULL = all plans) are: counts per value kind,
-- the newest actual year and the last import that changed one of its values.
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
    (SELECT max(h.changed_at) FROM observation_history h JOIN k ON k.kpi_id = h.kpi_id) AS last_changed_at
