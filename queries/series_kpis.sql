-- Plan KPIs whose actuals are figures of a published series (the build derives them: kpi_actuals.csv),
-- with the entity that owns the plan: 比較 draws such a KPI against the national figures.
SELECT DISTINCT k.kpi_id, k.kpi_name, k.unit, p.name AS plan, e.name AS entity, s.indicator
FROM observations o
JOIN kpis k ON k.kpi_id = o.kpi_id
JOIN plans p ON p.plan_id = k.plan_id
JOIN entities e ON e.entity_id = p.entity_id
JOIN reference_series s ON s.entity_id = p.entity_id AND s.source_id = o.source_id
                       AND s.source_place = o.source_place AND s.value = o.value
WHERE o.value_kind = 'actual' AND ($indicator IS NULL OR s.indicator = $indicator)
ORDER BY e.name, k.kpi_id
