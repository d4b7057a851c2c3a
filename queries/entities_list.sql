-- Entities that own at least one plan, for pickers: prefectures (by JIS code), regions, municipalities.
SELECT e.entity_id, e.name AS entity, e.entity_type, e.code, e.central_city,
       count(DISTINCT p.plan_id) AS plan_count, count(k.kpi_id) AS kpi_count
FROM entities e
JOIN plans p ON p.entity_id = e.entity_id
LEFT JOIN kpis k ON k.plan_id = p.plan_id
GROUP BY e.entity_id, e.name, e.entity_type, e.code, e.central_city
ORDER BY CASE e.entity_type WHEN 'prefecture' THEN 0 WHEN 'region' THEN 1 WHEN 'municipality' THEN 2 ELSE 3 END,
         e.code NULLS LAST, e.name
