-- Every recorded figure of one indicator, per KPI and entity (running totals for cumulative KPIs,
-- as the rules judge them): the same-indicator chart of 比較.
SELECT e.entity_id, e.name AS entity, e.code, k.kpi_id, k.item_code, k.kpi_name, k.unit, k.direction,
       o.value_kind, o.fiscal_year,
       CASE WHEN k.cumulative AND o.cumulative_value IS NOT NULL THEN o.cumulative_value ELSE o.value END AS value,
       o.original_text, o.source
FROM kpis k
JOIN plans p ON p.plan_id = k.plan_id
JOIN entities e ON e.entity_id = p.entity_id
JOIN observations o ON o.kpi_id = k.kpi_id
WHERE k.indicator_id = $indicator_id
  AND ($entity_type IS NULL OR e.entity_type = $entity_type)
  AND o.fiscal_year IS NOT NULL
  AND COALESCE(o.value, o.cumulative_value) IS NOT NULL
ORDER BY e.code NULLS LAST, e.name, k.kpi_id, o.fiscal_year
