-- 連携中枢都市圏: in each policy category, how many of the regions set KPIs (総務省 survey), and which
-- regions' example KPIs we hold for it.
-- Parameters: $group  optional: 'ア' | 'イ' | 'ウ'
WITH examples AS (
    SELECT k.area_code, count(*) AS example_kpis, string_agg(DISTINCT e.name, '、' ORDER BY e.name) AS example_regions
    FROM kpis k
    JOIN plans p ON p.plan_id = k.plan_id
    JOIN entities e ON e.entity_id = p.entity_id AND e.entity_type = 'region'
    GROUP BY k.area_code
)
SELECT c.category_code, c.group_code, c.group_label, c.subgroup_code, c.subgroup_label, c.letter, c.label,
       c.regions_with_kpi, c.regions_total,
       c.regions_with_kpi::DOUBLE / nullif(c.regions_total, 0) AS share,
       c.as_of, c.sort_order, c.source,
       coalesce(x.example_kpis, 0) AS example_kpis, x.example_regions
FROM policy_categories c
LEFT JOIN examples x ON x.area_code = c.category_code
WHERE ($group IS NULL OR c.group_code = $group)
ORDER BY c.sort_order
