-- KGI → KPI → 施策 (committee ask 001「グランドデザインの可視化」): one row per area × KPI × linked initiative
-- of a plan; areas without KPIs and KPIs without initiatives are kept (initiative columns NULL).
-- Parameters: $plan  the KPI plan (plan_id or name)
SELECT p.plan_id, p.name AS plan, p.vision, e.name AS entity,
       a.area_code, a.area_name, a.sort_order AS area_order,
       k.kpi_id, k.item_code, k.kpi_name, k.sort_order AS kpi_order,
       i.initiative_id, i.code AS initiative_code, i.title AS initiative_title, i.department,
       ik.basis, ik.note AS link_note, ik.source AS link_source
FROM plans p
JOIN entities e ON e.entity_id = p.entity_id
LEFT JOIN areas a ON a.plan_id = p.plan_id
LEFT JOIN kpis k ON k.plan_id = p.plan_id AND k.area_code IS NOT DISTINCT FROM a.area_code
LEFT JOIN initiative_kpis ik ON ik.kpi_id = k.kpi_id
LEFT JOIN initiatives i ON i.initiative_id = ik.initiative_id
WHERE p.plan_id = $plan OR p.name = $plan
UNION ALL
-- KPIs whose area is not in the areas table
SELECT p.plan_id, p.name, p.vision, e.name, k.area_code, NULL, NULL, k.kpi_id, k.item_code, k.kpi_name, k.sort_order,
       i.initiative_id, i.code, i.title, i.department, ik.basis, ik.note, ik.source
FROM kpis k
JOIN plans p ON p.plan_id = k.plan_id
JOIN entities e ON e.entity_id = p.entity_id
LEFT JOIN initiative_kpis ik ON ik.kpi_id = k.kpi_id
LEFT JOIN initiatives i ON i.initiative_id = ik.initiative_id
WHERE (p.plan_id = $plan OR p.name = $plan)
  AND NOT EXISTS (SELECT 1 FROM areas a WHERE a.plan_id = k.plan_id AND a.area_code = k.area_code)
ORDER BY area_order NULLS LAST, area_code, kpi_order, kpi_id, initiative_code
