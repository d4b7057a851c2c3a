-- Where the figures of a plan come from: each source document (the file named first in `source`)
-- and its sections, with how many KPIs and figures cite it.
WITH k AS (
    SELECT k.kpi_id, k.source FROM kpis k JOIN plans p ON p.plan_id = k.plan_id
    WHERE $plan IS NULL OR p.plan_id = $plan OR p.name = $plan
),
cited AS (
    SELECT source, 'kpi' AS what FROM k
    UNION ALL
    SELECT o.source, 'figure' FROM observations o JOIN k ON k.kpi_id = o.kpi_id
)
SELECT split_part(trim(source), ' ', 1) AS document,
       count(DISTINCT source) AS sections,
       count(*) FILTER (WHERE what = 'kpi') AS kpis,
       count(*) FILTER (WHERE what = 'figure') AS figures,
       min(source) AS example
FROM cited
WHERE source IS NOT NULL AND trim(source) <> ''
GROUP BY ALL
ORDER BY document
