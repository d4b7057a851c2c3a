-- 導入前後の比較 (the committee's ask, 001: figures before and after a measure). For one start of measure_starts —
-- $plan_id with $initiative_id (a 施策 of initiatives), or $plan_id with $measure (a 施策 as imported KPI sheets
-- name it in kpis.measure) — the KPIs it serves (initiative_kpis; the plan's KPIs whose measure is $measure) and
-- any KPIs in $kpi_ids (added by the user): one row per KPI and fiscal year with an actual (the line drawn), a KPI
-- without actuals once, with fiscal_year NULL. Every row carries its KPI's comparison:
--   before_fy, before_value             the last actual before the start's fiscal year
--   first_after_fy, first_after_value   the first actual from the start's fiscal year on
--   latest_fy, latest_value             the latest actual from the start's fiscal year on
--   change = latest − before; change_ratio = change / |before| (none for ranks, nor when before is 0)
--   baseline_fy, baseline_value         the stated baseline (not an actual: said when there is no actual before)
-- Actuals only (value_kind 'actual'); a cumulative KPI's running totals, as evaluate.sql judges them. No verdict is
-- made here: kpiboard/before_after.py has evaluate.sql judge the before and the latest year ($eval_years) and joins
-- its status by KPI and year. No start found: no rows.
WITH start AS (
    SELECT plan_id, initiative_id, measure, started_on, start_fy, note AS start_note, source AS start_source
    FROM measure_starts
    WHERE plan_id = $plan_id
      AND (($initiative_id IS NOT NULL AND initiative_id = $initiative_id)
           OR ($initiative_id IS NULL AND initiative_id IS NULL AND measure = $measure))
),
chosen AS (
    SELECT ik.kpi_id, true AS served FROM start s JOIN initiative_kpis ik ON ik.initiative_id = s.initiative_id
    UNION ALL
    SELECT k.kpi_id, true FROM start s JOIN kpis k ON k.plan_id = s.plan_id AND k.measure = s.measure
    WHERE s.initiative_id IS NULL
    UNION ALL
    SELECT unnest(CAST($kpi_ids AS VARCHAR[])), false
),
k AS (
    SELECT k.kpi_id, k.kpi_name, k.item_code, k.unit, k.direction, k.sort_order, k.source AS kpi_source,
           k.plan_id AS kpi_plan_id, p.name AS kpi_plan, c.served,
           k.direction = 'rank' OR trim(coalesce(k.unit, '')) = '位' AS is_rank, coalesce(k.cumulative, false) AS cumulative
    FROM (SELECT kpi_id, bool_or(served) AS served FROM chosen WHERE kpi_id IS NOT NULL GROUP BY kpi_id) c
    JOIN kpis k ON k.kpi_id = c.kpi_id
    JOIN plans p ON p.plan_id = k.plan_id
),
obs AS (
    SELECT o.kpi_id, o.value_kind, o.fiscal_year, o.original_text, o.source,
           CASE WHEN k.cumulative AND o.cumulative_value IS NOT NULL THEN o.cumulative_value ELSE o.value END AS value
    FROM observations o JOIN k ON k.kpi_id = o.kpi_id
    WHERE o.value_kind IN ('actual', 'baseline') AND o.fiscal_year IS NOT NULL
),
actuals AS (
    SELECT * FROM obs WHERE value_kind = 'actual' AND value IS NOT NULL
),
summary AS (
    SELECT k.kpi_id,
           max(a.fiscal_year) FILTER (WHERE a.fiscal_year < s.start_fy) AS before_fy,
           arg_max(a.value, a.fiscal_year) FILTER (WHERE a.fiscal_year < s.start_fy) AS before_value,
           min(a.fiscal_year) FILTER (WHERE a.fiscal_year >= s.start_fy) AS first_after_fy,
           arg_min(a.value, a.fiscal_year) FILTER (WHERE a.fiscal_year >= s.start_fy) AS first_after_value,
           max(a.fiscal_year) FILTER (WHERE a.fiscal_year >= s.start_fy) AS latest_fy,
           arg_max(a.value, a.fiscal_year) FILTER (WHERE a.fiscal_year >= s.start_fy) AS latest_value
    FROM k CROSS JOIN start s
    LEFT JOIN actuals a ON a.kpi_id = k.kpi_id
    GROUP BY k.kpi_id
),
baselines AS (
    SELECT kpi_id, max(fiscal_year) AS baseline_fy, arg_max(value, fiscal_year) AS baseline_value
    FROM obs WHERE value_kind = 'baseline' AND value IS NOT NULL
    GROUP BY kpi_id
)
SELECT s.plan_id, s.initiative_id, s.measure, s.started_on, s.start_fy, s.start_note, s.start_source,
       k.kpi_id, k.kpi_name, k.item_code, k.unit, k.direction, k.is_rank, k.cumulative, k.served,
       k.kpi_plan_id, k.kpi_plan, k.kpi_source,
       a.fiscal_year, a.value, a.original_text, a.source,
       CASE WHEN a.fiscal_year < s.start_fy THEN 'before' WHEN a.fiscal_year >= s.start_fy THEN 'after' END AS phase,
       sm.before_fy, sm.before_value, sm.first_after_fy, sm.first_after_value, sm.latest_fy, sm.latest_value,
       sm.latest_value - sm.before_value AS change,
       CASE WHEN NOT k.is_rank AND sm.before_value <> 0
            THEN (sm.latest_value - sm.before_value) / abs(sm.before_value) END AS change_ratio,
       b.baseline_fy, b.baseline_value
FROM start s
CROSS JOIN k
JOIN summary sm ON sm.kpi_id = k.kpi_id
LEFT JOIN actuals a ON a.kpi_id = k.kpi_id
LEFT JOIN baselines b ON b.kpi_id = k.kpi_id
ORDER BY k.served DESC, k.kpi_plan_id, k.sort_order NULLS LAST, k.kpi_id, a.fiscal_year NULLS FIRST
