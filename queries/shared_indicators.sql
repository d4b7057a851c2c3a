-- Indicators measured by KPIs of at least two entities (of $entity_type, if given): what 比較 can set side by side.
SELECT k.indicator_id, mode(k.kpi_name) AS kpi_name, mode(k.unit) AS unit,
       count(DISTINCT p.entity_id) AS entities, count(*) AS kpis
FROM kpis k
JOIN plans p ON p.plan_id = k.plan_id
JOIN entities e ON e.entity_id = p.entity_id
WHERE k.indicator_id IS NOT NULL AND k.indicator_id <> ''
  AND ($entity_type IS NULL OR e.entity_type = $entity_type)
GROUP BY k.indicator_id
HAVING count(DISTINCT p.entity_id) >= 2
ORDER BY entities DESC, kpi_name
