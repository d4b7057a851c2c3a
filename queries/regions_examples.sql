-- 連携中枢都市圏: the example KPIs of each region with their policy category and the values as written.
-- Statuses come from the evaluate query (joined by kpi_id on the page).
-- Parameters: $entity  optional: one region (entity_id or name)
WITH values_as_written AS (
    -- the latest row of each kind, as the document writes it
    SELECT kpi_id, value_kind,
           arg_max(original_text, fiscal_year) AS original_text,
           arg_max(year_text, fiscal_year) AS year_text,
           arg_max(note, fiscal_year) AS note
    FROM observations
    GROUP BY kpi_id, value_kind
)
SELECT e.entity_id, e.name AS region, e.central_city, p.plan_id, k.kpi_id, k.measure, k.kpi_name, k.unit,
       k.area_code AS category_code, c.label AS category_label, c.group_code, c.group_label,
       b.original_text AS baseline_text, b.year_text AS baseline_year_text,
       t.original_text AS target_text, t.year_text AS target_year_text,
       a.original_text AS actual_text, a.year_text AS actual_year_text, a.note AS actual_note,
       k.note, k.source
FROM kpis k
JOIN plans p ON p.plan_id = k.plan_id
JOIN entities e ON e.entity_id = p.entity_id AND e.entity_type = 'region'
LEFT JOIN policy_categories c ON c.category_code = k.area_code
LEFT JOIN values_as_written b ON b.kpi_id = k.kpi_id AND b.value_kind = 'baseline'
LEFT JOIN values_as_written t ON t.kpi_id = k.kpi_id AND t.value_kind = 'target'
LEFT JOIN values_as_written a ON a.kpi_id = k.kpi_id AND a.value_kind = 'actual'
WHERE ($entity IS NULL OR e.entity_id = $entity OR e.name = $entity)
ORDER BY c.sort_order NULLS LAST, e.name, k.sort_order
