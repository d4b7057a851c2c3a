-- Other KPIs that measure the same indicator (indicator_id) as $kpi_id, in any plan or entity.
SELECT k.kpi_id, k.item_code, k.kpi_name, k.unit, p.name AS plan, e.name AS entity, e.entity_type,
       count(*) OVER () AS total
FROM kpis k
JOIN plans p ON p.plan_id = k.plan_id
JOIN entities e ON e.entity_id = p.entity_id
WHERE k.indicator_id = (SELECT indicator_id FROM kpis WHERE kpi_id = $kpi_id)
  AND k.kpi_id <> $kpi_id
ORDER BY e.entity_type, e.code NULLS LAST, e.name, k.sort_order
LIMIT 50
