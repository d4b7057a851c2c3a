-- 施策のロードマップ: one row per step per fiscal year. A step written "電子入札システム：運用" is split
-- into its lane (電子入札システム) and phase (運用), so the timeline can draw one lane per strand of work.
-- Parameters: $plan (plan_id or name), $initiatives (a list of initiative_id) — both optional
SELECT i.initiative_id, i.code, i.title, i.department, r.fiscal_year, r.year_text, r.actor, r.step,
       CASE WHEN contains(r.step, '：') THEN split_part(r.step, '：', 1) ELSE r.step END AS lane,
       CASE WHEN contains(r.step, '：') THEN substr(r.step, strpos(r.step, '：') + 1) ELSE '' END AS phase,
       r.note, r.source, i.sort_order
FROM (SELECT *, row_number() OVER () AS row_order FROM initiative_roadmap) r  -- the document's order
JOIN initiatives i ON i.initiative_id = r.initiative_id
JOIN plans p ON p.plan_id = i.plan_id
WHERE ($plan IS NULL OR p.plan_id = $plan OR p.name = $plan)
  AND ($initiatives IS NULL OR list_contains($initiatives::VARCHAR[], i.initiative_id))
ORDER BY i.sort_order, r.fiscal_year, r.row_order
