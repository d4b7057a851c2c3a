-- The change of a published figure between two dates, per prefecture that has both (no gap filled),
-- largest rise first, with both ranks.
WITH a AS (
    SELECT entity_id, value, rank() OVER (ORDER BY value DESC) AS rank
    FROM reference_series s JOIN entities e USING (entity_id)
    WHERE s.indicator = $indicator AND s.as_of = $from_date AND e.entity_type = 'prefecture' AND s.value IS NOT NULL
), b AS (
    SELECT entity_id, value, rank() OVER (ORDER BY value DESC) AS rank
    FROM reference_series s JOIN entities e USING (entity_id)
    WHERE s.indicator = $indicator AND s.as_of = $to_date AND e.entity_type = 'prefecture' AND s.value IS NOT NULL
)
SELECT e.name AS entity, e.code, a.value AS value_from, b.value AS value_to, b.value - a.value AS change,
       a.rank AS rank_from, b.rank AS rank_to, rank() OVER (ORDER BY b.value - a.value DESC) AS rank
FROM a JOIN b USING (entity_id) JOIN entities e USING (entity_id)
ORDER BY change DESC, e.code
