-- 施策に関する数値 (テレワーク対応PC台数, 派遣職員数 …) as the documents give them.
-- Parameters: $initiatives  optional: a list of initiative_id
SELECT i.initiative_id, i.code, f.label, f.fiscal_year, f.year_text, f.value, f.unit, f.original_text, f.note, f.source
FROM initiative_facts f
JOIN initiatives i ON i.initiative_id = f.initiative_id
WHERE ($initiatives IS NULL OR list_contains($initiatives::VARCHAR[], i.initiative_id))
ORDER BY i.sort_order, f.label, f.fiscal_year NULLS FIRST
