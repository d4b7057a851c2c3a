-- Figures the documents give as context for one KPI (national averages, ranks …), not judged.
SELECT label, fiscal_year, year_text, value, unit, qualifier, original_text, note, source
FROM reference_values
WHERE kpi_id = $kpi_id
ORDER BY fiscal_year NULLS LAST, label
