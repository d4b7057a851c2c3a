-- Published dated figures of one indicator (reference_series), per entity and date, with the citation
-- and the source URL: `python -m kpiboard series`. $indicator NULL = every indicator (the CLI lists them).
SELECT e.name AS entity, s.indicator, s.as_of, s.fiscal_year, s.value, s.unit, s.source, d.url
FROM reference_series s
JOIN entities e ON e.entity_id = s.entity_id
LEFT JOIN sources d ON d.source_id = s.source_id
WHERE ($indicator IS NULL OR s.indicator = $indicator)
  AND ($entity IS NULL OR e.name = $entity OR e.entity_id = $entity)
ORDER BY s.indicator, e.code NULLS LAST, e.entity_id, s.as_of
