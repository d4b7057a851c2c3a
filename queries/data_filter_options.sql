-- データ: what the area and fiscal-year filters of the データ page can offer — the areas of every plan
-- and the fiscal years that have observations.
SELECT 'area' AS kind, a.plan_id, a.area_code, a.area_name, NULL::INTEGER AS fiscal_year, a.sort_order
FROM areas a
UNION ALL
SELECT DISTINCT 'fiscal_year', NULL, NULL, NULL, fiscal_year, NULL
FROM observations WHERE fiscal_year IS NOT NULL
ORDER BY kind, plan_id, sort_order, fiscal_year
