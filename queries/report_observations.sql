-- Every observation of one plan's KPIs (baseline, targets, actuals, estimates) with its citation: the
-- figures behind an export's charts and tables.
SELECT o.*
FROM observations o
JOIN kpis k ON k.kpi_id = o.kpi_id
WHERE k.plan_id = $plan
ORDER BY o.kpi_id, o.fiscal_year, o.value_kind
