-- One KPI with everything written about it: statement, background, note, plan, entity, area.
SELECT k.kpi_id, k.plan_id, k.area_code, k.item_code, k.measure, k.kpi_name, k.indicator_id, k.unit,
       k.direction, k.kind, k.cumulative, k.statement, k.background, k.note, k.source, k.synthetic,
       p.name AS plan, p.plan_type, p.period_start_fy, p.period_end_fy,
       e.entity_id, e.name AS entity, e.entity_type,
       a.area_name AS area, a.statement AS area_statement
FROM kpis k
JOIN plans p ON p.plan_id = k.plan_id
JOIN entities e ON e.entity_id = p.entity_id
LEFT JOIN areas a ON a.plan_id = k.plan_id AND a.area_code = k.area_code
WHERE k.kpi_id = $kpi_id
