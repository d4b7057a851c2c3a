-- Every figure recorded for one KPI, as written (original_text) and as read (value, qualifier, note).
SELECT kpi_id, value_kind, fiscal_year, year_type, period_start_fy, period_end_fy, year_text, value, unit,
       qualifier, cumulative_value, original_text, part, note, source
FROM observations
WHERE kpi_id = $kpi_id
ORDER BY fiscal_year NULLS LAST,
         CASE value_kind WHEN 'baseline' THEN 0 WHEN 'target' THEN 1 WHEN 'actual' THEN 2 ELSE 3 END,
         part NULLS FIRST
