-- 取込履歴: values an import replaced (observation_history), newest first, with the KPI they belong to.
--
-- Parameters:
--   $import_id   optional: one import's changes
--   $limit       optional: at most this many rows
SELECT h.changed_at, h.import_id, h.file_name, h.user_name,
       e.name AS entity, p.name AS plan, k.item_code, k.kpi_name, k.unit,
       h.value_kind, h.fiscal_year, h.old_value, h.old_original_text, h.new_value, h.new_original_text,
       h.kpi_id
FROM observation_history h
LEFT JOIN kpis k ON k.kpi_id = h.kpi_id
LEFT JOIN plans p ON p.plan_id = k.plan_id
LEFT JOIN entities e ON e.entity_id = p.entity_id
WHERE ($import_id IS NULL OR h.import_id = $import_id)
ORDER BY h.changed_at DESC, e.name, p.name, k.sort_order NULLS LAST, h.kpi_id, h.fiscal_year, h.value_kind
LIMIT $limit
