-- データ: the observations (基準値・目標値・実績値・見込み) that match the filters of the データ page,
-- with the original text beside the parsed value. Same parameters as data_kpis.sql ($kpi_ids: the KPIs of one page).
WITH k AS (
    SELECT * FROM kpi_context
    WHERE ($entity IS NULL OR entity_id = $entity) AND ($plan IS NULL OR plan_id = $plan)
      AND ($area IS NULL OR area_code = $area) AND ($text IS NULL OR contains(search_text, lower($text)))
      AND (CAST($kpi_ids AS VARCHAR[]) IS NULL OR kpi_id IN (SELECT unnest(CAST($kpi_ids AS VARCHAR[]))))
      AND ($plans_from IS NULL OR plan_id BETWEEN $plans_from AND $plans_to)
)
SELECT k.entity, k.plan, k.area_name, k.item_code, k.kpi_id, k.kpi_name,
       o.value_kind, o.fiscal_year, o.year_text, o.value, coalesce(o.unit, k.unit) AS unit, o.qualifier,
       o.cumulative_value, o.original_text, o.part, o.note, o.source, k.entity_type, k.sort_order
FROM observations o
JOIN k ON k.kpi_id = o.kpi_id
WHERE ($kpis_from IS NULL OR o.kpi_id BETWEEN $kpis_from AND $kpis_to)  -- set by db.run: one plan's rows alone
  AND ($value_kinds IS NULL OR list_contains($value_kinds::VARCHAR[], o.value_kind))
  AND ($fy_from IS NULL OR o.fiscal_year >= $fy_from)
  AND ($fy_to IS NULL OR o.fiscal_year <= $fy_to)
ORDER BY k.entity_type, k.entity, k.plan, k.sort_order NULLS LAST, k.kpi_id, o.fiscal_year,
         CASE o.value_kind WHEN 'baseline' THEN 0 WHEN 'target' THEN 1 WHEN 'actual' THEN 2 ELSE 3 END
