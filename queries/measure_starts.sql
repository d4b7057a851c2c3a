-- 導入前後の比較: the starts a comparison can pick (measure_starts), one row each: what started (an initiative's
-- 施策番号 and title, or a 施策 as imported KPI sheets name it), its plan and entity, the day it started and that
-- day's fiscal year, how the day was read (note), its source, and how many KPIs it serves (initiative_kpis for an
-- initiative; the plan's KPIs whose measure is the 施策, for an imported one). start_id names a start in a link.
-- Parameters: $plan    optional: the start's plan (plan_id or name)
--             $entity  optional: the plan's entity (entity_id or name)
WITH s AS (
    SELECT ms.*, p.name AS plan, p.entity_id, e.name AS entity, i.code, i.title, i.sort_order
    FROM measure_starts ms
    JOIN plans p ON p.plan_id = ms.plan_id
    JOIN entities e ON e.entity_id = p.entity_id
    LEFT JOIN initiatives i ON i.initiative_id = ms.initiative_id
    WHERE ($plan IS NULL OR p.plan_id = $plan OR p.name = $plan)
      AND ($entity IS NULL OR e.entity_id = $entity OR e.name = $entity)
),
served AS (
    SELECT s.plan_id, s.initiative_id, CAST(NULL AS VARCHAR) AS measure, count(*) AS kpis
    FROM s JOIN initiative_kpis ik ON ik.initiative_id = s.initiative_id
    GROUP BY s.plan_id, s.initiative_id
    UNION ALL
    SELECT s.plan_id, CAST(NULL AS VARCHAR), s.measure, count(*)
    FROM s JOIN kpis k ON k.plan_id = s.plan_id AND k.measure = s.measure
    WHERE s.initiative_id IS NULL
    GROUP BY s.plan_id, s.measure
)
SELECT CASE WHEN s.initiative_id IS NOT NULL THEN s.initiative_id ELSE s.plan_id || '／' || s.measure END AS start_id,
       CASE WHEN s.initiative_id IS NOT NULL THEN concat_ws(' ', s.code, s.title) ELSE s.measure END AS name,
       s.plan_id, s.plan, s.entity_id, s.entity, s.initiative_id, s.code, s.measure,
       s.started_on, s.start_fy, s.note, s.source, coalesce(sv.kpis, 0) AS kpi_count
FROM s
LEFT JOIN served sv ON sv.plan_id = s.plan_id AND sv.initiative_id IS NOT DISTINCT FROM s.initiative_id
                   AND sv.measure IS NOT DISTINCT FROM (CASE WHEN s.initiative_id IS NULL THEN s.measure END)
ORDER BY s.entity, s.plan, s.sort_order NULLS LAST, s.measure, s.initiative_id
