-- A plan KPI's baseline, targets and actuals placed on the date axis of a published series: an actual at
-- the date of the series figure it was taken from, a baseline or target at the end of its fiscal year
-- (31 March of the next year), since the plan dates them by fiscal year only.
SELECT o.value_kind, o.fiscal_year, o.value, o.original_text,
       COALESCE(s.as_of, strftime(make_date(o.fiscal_year + 1, 3, 31), '%Y-%m-%d')) AS as_of
FROM observations o
JOIN kpis k ON k.kpi_id = o.kpi_id
JOIN plans p ON p.plan_id = k.plan_id
LEFT JOIN (SELECT entity_id, source_id, source_place, value, max(as_of) AS as_of
           FROM reference_series GROUP BY ALL) s
       ON o.value_kind = 'actual' AND s.entity_id = p.entity_id AND s.source_id = o.source_id
      AND s.source_place = o.source_place AND s.value = o.value
WHERE o.kpi_id = $kpi_id AND o.value IS NOT NULL AND o.fiscal_year IS NOT NULL
ORDER BY o.fiscal_year, o.value_kind
