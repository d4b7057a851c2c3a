-- Plans with their entity and KPI count, for pickers.
SELECT p.plan_id, p.name AS plan, e.entity_id, e.name AS entity, e.entity_type, p.plan_type,
       p.period_start_fy, p.period_end_fy, p.synthetic, count(k.kpi_id) AS kpi_count
FROM plans p
JOIN entities e ON e.entity_id = p.entity_id
LEFT JOIN kpis k ON k.plan_id = p.plan_id
GROUP BY ALL
ORDER BY e.entity_type, e.name, p.name
