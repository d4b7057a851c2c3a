-- Initiatives (施策) that serve one KPI, and whether the documents say so or it is our reading.
SELECT ik.initiative_id, i.code, COALESCE(i.title, ik.initiative_id) AS title, i.policy, i.measure,
       i.department, i.as_of, ik.basis, ik.note, COALESCE(ik.source, i.source) AS source
FROM initiative_kpis ik
LEFT JOIN initiatives i ON i.initiative_id = ik.initiative_id
WHERE ik.kpi_id = $kpi_id
ORDER BY i.sort_order NULLS LAST, ik.initiative_id
