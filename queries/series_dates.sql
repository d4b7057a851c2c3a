-- The dates of a published series (reference_series), newest first, with how many entities each covers:
-- 比較 offers the dates; a ranking of every prefecture needs a date that lists all of them.
SELECT s.indicator, s.as_of, any_value(s.fiscal_year) AS fiscal_year, count(*) AS entities,
       count(*) FILTER (WHERE e.entity_type = 'prefecture') AS prefectures, any_value(s.unit) AS unit
FROM reference_series s
JOIN entities e ON e.entity_id = s.entity_id
WHERE ($indicator IS NULL OR s.indicator = $indicator)
GROUP BY s.indicator, s.as_of
ORDER BY s.indicator, s.as_of DESC
