-- over: evaluate
-- One judged KPI of the indicator $indicator_id per entity (比較's ranking by an indicator, the tile map's
-- verdicts): an entity's first KPI of it in plan order. `evaluated` is evaluate's rows with the same filters.
SELECT entity, entity_id, kpi_id, kpi_name, unit, direction, status, progress_ratio, achievement_rate, actual_value
FROM evaluated
WHERE indicator_id = $indicator_id
QUALIFY row_number() OVER (PARTITION BY entity ORDER BY sort_order NULLS LAST, plan, kpi_id) = 1
ORDER BY entity
