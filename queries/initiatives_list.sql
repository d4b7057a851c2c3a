-- 施策: initiatives with their department(s), budget and roadmap span, and the KPIs they serve.
-- Parameters: $plan        optional: the initiatives' plan (plan_id or name)
--             $department  optional: one department; matches an initiative run jointly (人事課、デジタル化推進室)
WITH i AS (
    SELECT i.*, p.name AS plan, p.source AS plan_source,
           -- "人事課、デジタル化推進室" / "行政経営室・デジタル化推進室" / "デジタル化推進室等" → one name each
           list_filter(list_transform(regexp_split_to_array(coalesce(i.department, ''), '[、・,，]'),
                                      lambda x: regexp_replace(trim(x), '等$', '')), lambda x: x <> '') AS departments
    FROM initiatives i JOIN plans p ON p.plan_id = i.plan_id
    WHERE ($plan IS NULL OR p.plan_id = $plan OR p.name = $plan)
),
budgets AS (
    SELECT initiative_id, count(*) AS budget_rows, sum(amount_yen) AS budget_listed_yen,
           min(fiscal_year) AS budget_fy_from, max(fiscal_year) AS budget_fy_to
    FROM initiative_budgets GROUP BY initiative_id
),
roadmap AS (
    SELECT initiative_id, count(*) AS roadmap_steps, min(fiscal_year) AS roadmap_fy_from, max(fiscal_year) AS roadmap_fy_to
    FROM initiative_roadmap GROUP BY initiative_id
),
links AS (
    SELECT ik.initiative_id, count(*) AS kpi_count,
           string_agg(k.kpi_name || CASE WHEN ik.basis = 'reading' THEN '（読み取り）' ELSE '' END, '／'
                      ORDER BY k.sort_order) AS kpi_names
    FROM initiative_kpis ik JOIN kpis k ON k.kpi_id = ik.kpi_id
    GROUP BY ik.initiative_id
)
SELECT i.initiative_id, i.plan_id, i.plan, i.plan_source, i.code, i.policy, i.measure, i.title, i.department, i.departments,
       i.current_state, i.issues, i.actions_to_date, i.actions_this_year, i.page, i.as_of, i.sort_order, i.source,
       coalesce(b.budget_rows, 0) AS budget_rows, b.budget_listed_yen, b.budget_fy_from, b.budget_fy_to,
       coalesce(r.roadmap_steps, 0) AS roadmap_steps, r.roadmap_fy_from, r.roadmap_fy_to,
       coalesce(l.kpi_count, 0) AS kpi_count, l.kpi_names
FROM i
LEFT JOIN budgets b ON b.initiative_id = i.initiative_id
LEFT JOIN roadmap r ON r.initiative_id = i.initiative_id
LEFT JOIN links l ON l.initiative_id = i.initiative_id
WHERE ($department IS NULL OR list_contains(i.departments, $department))
ORDER BY i.plan_id, i.sort_order
