-- 進捗判定 as kept at the last write (kpiboard/verdicts.py): evaluate.sql's own rows for the latest year of each
-- KPI, both methods, the default bands. db.run reads this in place of evaluate when that is what is asked, so
-- the filters are evaluate's; the table is one file per method with rows by plan, so the plan range reads one plan's.
SELECT *
FROM verdicts
WHERE method = $method
  AND ($plans_from IS NULL OR plan_id BETWEEN $plans_from AND $plans_to)
  AND ($plan IS NULL OR plan_id = $plan OR plan = $plan)
  AND ($entity IS NULL OR entity_id = $entity OR entity = $entity)
  AND ($entity_type IS NULL OR entity_type = $entity_type)
  AND (CAST($entity_ids AS VARCHAR[]) IS NULL OR entity_id IN (SELECT unnest(CAST($entity_ids AS VARCHAR[]))))
  AND ($kpi_id IS NULL OR kpi_id = $kpi_id)
  AND (CAST($kpi_ids AS VARCHAR[]) IS NULL OR kpi_id IN (SELECT unnest(CAST($kpi_ids AS VARCHAR[]))))
ORDER BY entity, plan, sort_order NULLS LAST, kpi_id, eval_fy
