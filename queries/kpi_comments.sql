-- The department's commentary (所見, 要因分析, 今後の方向性, メモ) on KPIs' fiscal years: of one KPI ($kpi_id), of one
-- plan's KPIs ($plan: id or name), or of every KPI (both NULL). $public_only leaves out the texts marked internal
-- (handouts and open data never carry them).
SELECT c.kpi_id, c.fiscal_year, c.kind, c.text, c.internal, c.author, c.written_at
FROM kpi_comments c
JOIN kpis k ON k.kpi_id = c.kpi_id
JOIN plans p ON p.plan_id = k.plan_id
WHERE ($kpi_id IS NULL OR c.kpi_id = $kpi_id)
  AND ($plan IS NULL OR p.plan_id = $plan OR p.name = $plan)
  AND (NOT coalesce($public_only, false) OR NOT coalesce(c.internal, false))
ORDER BY c.kpi_id, c.fiscal_year DESC,
         CASE c.kind WHEN 'finding' THEN 0 WHEN 'analysis' THEN 1 WHEN 'direction' THEN 2 ELSE 3 END
