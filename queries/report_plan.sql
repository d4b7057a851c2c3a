-- One plan's own row (vision, period, source) and its areas (statements, sources, order) for an export.
SELECT p.*, a.area_code, a.area_name, a.statement AS area_statement, a.source AS area_source,
       a.sort_order AS area_sort_order
FROM plans p
LEFT JOIN areas a ON a.plan_id = p.plan_id
WHERE p.plan_id = $plan
ORDER BY a.sort_order NULLS LAST, a.area_code
