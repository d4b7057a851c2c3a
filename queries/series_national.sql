-- Per date of a published series: the median and the top of the prefectures published that day, and
-- $entity's own figure, for a plan KPI's line drawn against the national picture. Medians only where
-- every prefecture was published (a partial list would make a biased median).
WITH pref AS (
    SELECT s.as_of, s.value, e.name, e.entity_id
    FROM reference_series s JOIN entities e USING (entity_id)
    WHERE s.indicator = $indicator AND e.entity_type = 'prefecture' AND s.value IS NOT NULL
)
SELECT as_of, count(*) AS prefectures,
       CASE WHEN count(*) = 47 THEN median(value) END AS median,
       CASE WHEN count(*) = 47 THEN max(value) END AS top_value,
       CASE WHEN count(*) = 47 THEN arg_max(name, value) END AS top_entity,
       max(value) FILTER (WHERE name = $entity OR entity_id = $entity) AS entity_value
FROM pref
GROUP BY as_of
ORDER BY as_of
