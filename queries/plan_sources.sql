-- Where the figures of a plan come from: each source document (its title from `sources`) and its
-- sections, with how many KPIs and figures cite it. Imported rows have no source_id: their document
-- is the file named first in `source`.
WITH k AS (
    SELECT k.kpi_id, k.source_id, k.source FROM kpis k JOIN plans p ON p.plan_id = k.plan_id
    WHERE $plan IS NULL OR p.plan_id = $plan OR p.name = $plan
),
cited AS (
    SELECT source_id, source, 'kpi' AS what FROM k
    UNION ALL
    SELECT o.source_id, o.source, 'figure' FROM observations o JOIN k ON k.kpi_id = o.kpi_id
)
SELECT coalesce(s.title, split_part(trim(c.source), ' ', 1)) AS document,
       count(DISTINCT c.source) AS sections,
       count(*) FILTER (WHERE c.what = 'kpi') AS kpis,
       count(*) FILTER (WHERE c.what = 'figure') AS figures,
       min(c.source) AS example
FROM cited c LEFT JOIN sources s ON s.source_id = c.source_id
WHERE c.source IS NOT NULL AND trim(c.source) <> ''
GROUP BY c.source_id, s.title, coalesce(s.title, split_part(trim(c.source), ' ', 1))
ORDER BY document
