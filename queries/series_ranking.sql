-- Prefectures ranked by a published figure on one date (highest first: these series are coverage rates),
-- each with its citation. Only what was published for that date: no carrying older figures forward.
SELECT e.name AS entity, e.code, s.value, s.unit, s.original_text, s.as_of,
       rank() OVER (ORDER BY s.value DESC) AS rank, s.source, d.url,
       -- the document without this row's place (「…・宮崎県の行」), to cite the whole ranking
       CASE WHEN s.source_place <> '' AND ends_with(s.source, s.source_place)
            THEN left(s.source, length(s.source) - length(s.source_place)) ELSE s.source END AS document
FROM reference_series s
JOIN entities e ON e.entity_id = s.entity_id
LEFT JOIN sources d ON d.source_id = s.source_id
WHERE s.indicator = $indicator AND s.as_of = $as_of AND e.entity_type = 'prefecture' AND s.value IS NOT NULL
ORDER BY rank, e.code
