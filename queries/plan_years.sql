-- Fiscal years that have an actual value (newest first): the evaluation years a user can pick.
-- $plan (id or name) and $entity (id or name) are optional filters.
SELECT DISTINCT o.fiscal_year
FROM observations o
JOIN kpis k ON k.kpi_id = o.kpi_id
JOIN plans p ON p.plan_id = k.plan_id
JOIN entities e ON e.entity_id = p.entity_id
WHERE o.value_kind = 'actual' AND o.fiscal_year IS NOT NULL
  AND (o.value IS NOT NULL OR o.cumulative_value IS NOT NULL)
  AND ($plan IS NULL OR p.plan_id = $plan OR p.name = $plan)
  AND ($entity IS NULL OR e.entity_id = $entity OR e.name = $entity)
ORDER BY o.fiscal_year DESC
