-- Every KPI with its plan, entity and area names, and the text the データ page's search looks in.
-- A view (kpiboard/db.py DERIVED_VIEWS): data_kpis and data_observations select from it, so the two
-- tables of the page always match the same KPIs.
SELECT k.*, p.name AS plan, e.entity_id, e.name AS entity, e.entity_type, a.area_name,
       lower(concat_ws(' ', k.kpi_name, k.statement, k.measure, k.item_code, a.area_name, p.name, e.name,
                       k.kpi_id)) AS search_text
FROM kpis k
JOIN plans p ON p.plan_id = k.plan_id
JOIN entities e ON e.entity_id = p.entity_id
LEFT JOIN areas a ON a.plan_id = k.plan_id AND a.area_code = k.area_code
