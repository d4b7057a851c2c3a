-- The KPIs an initiative serves, with the basis of the link (document = stated in the documents,
-- reading = our reading) and the KPI's plan. Statuses are joined from the evaluate query on the page.
-- Parameters: $initiatives  optional: a list of initiative_id
SELECT ik.initiative_id, i.code, k.kpi_id, k.kpi_name, k.item_code, a.area_name, p.name AS plan,
       ik.basis, ik.note, ik.source
FROM initiative_kpis ik
JOIN initiatives i ON i.initiative_id = ik.initiative_id
JOIN kpis k ON k.kpi_id = ik.kpi_id
JOIN plans p ON p.plan_id = k.plan_id
LEFT JOIN areas a ON a.plan_id = k.plan_id AND a.area_code = k.area_code
WHERE ($initiatives IS NULL OR list_contains($initiatives::VARCHAR[], ik.initiative_id))
ORDER BY i.sort_order, k.sort_order
