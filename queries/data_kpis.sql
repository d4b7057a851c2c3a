-- データ: the KPIs that match the filters of the データ page, with how many observations match.
-- Statuses come from the evaluate query (joined by kpi_id on the page). $kpi_ids: only these (one page of the
-- list; the page reads the whole list as kpi_id and observation_count alone, see db.run_over).
-- Parameters (all optional): $entity (entity_id), $plan (plan_id), $area (area_code of $plan),
--   $text (part of the KPI name, statement, measure, item code, area, plan or entity; any case),
--   $value_kinds (list of baseline|target|actual|estimate), $fy_from, $fy_to (fiscal years)
-- With a value-kind or fiscal-year filter, only KPIs with at least one matching observation are kept.
WITH k AS (
    SELECT * FROM kpi_context
    WHERE ($entity IS NULL OR entity_id = $entity) AND ($plan IS NULL OR plan_id = $plan)
      AND ($area IS NULL OR area_code = $area) AND ($text IS NULL OR contains(search_text, lower($text)))
      AND (CAST($kpi_ids AS VARCHAR[]) IS NULL OR kpi_id IN (SELECT unnest(CAST($kpi_ids AS VARCHAR[]))))
      AND ($plans_from IS NULL OR plan_id BETWEEN $plans_from AND $plans_to)
),
o AS (
    SELECT o.kpi_id, count(*) AS observation_count
    FROM observations o JOIN k ON k.kpi_id = o.kpi_id
    WHERE ($kpis_from IS NULL OR o.kpi_id BETWEEN $kpis_from AND $kpis_to)  -- set by db.run: one plan's rows alone
      AND ($value_kinds IS NULL OR list_contains($value_kinds::VARCHAR[], o.value_kind))
      AND ($fy_from IS NULL OR o.fiscal_year >= $fy_from)
      AND ($fy_to IS NULL OR o.fiscal_year <= $fy_to)
    GROUP BY o.kpi_id
)
SELECT k.entity_id, k.entity, k.entity_type, k.plan_id, k.plan, k.area_code, k.area_name, k.item_code, k.kpi_id,
       k.kpi_name, k.measure, k.unit, k.direction, k.kind, k.cumulative, k.statement, k.note, k.source,
       coalesce(o.observation_count, 0) AS observation_count, k.sort_order
FROM k LEFT JOIN o ON o.kpi_id = k.kpi_id
WHERE ($value_kinds IS NULL AND $fy_from IS NULL AND $fy_to IS NULL) OR o.observation_count > 0
ORDER BY k.entity_type, k.entity, k.plan, k.sort_order NULLS LAST, k.kpi_id
