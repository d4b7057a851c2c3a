-- Values of one KPI that an import replaced: when, from which file, by whom.
SELECT value_kind, fiscal_year, old_original_text, old_value, new_original_text, new_value, changed_at,
       file_name, user_name
FROM observation_history
WHERE kpi_id = $kpi_id
ORDER BY changed_at DESC
