-- over: evaluate
-- Every plan's verdict mix for the start page (概要): its KPIs and how many could be judged, plans with verdicts
-- first (then by KPIs, then in evaluate's order). `evaluated` is evaluate's rows with the same filters and
-- settings — the kept verdicts at the defaults, so the whole country's plans are counted without judging again.
-- $undetermined: the statuses that are not a verdict (kpiboard.status.UNDETERMINED).
SELECT plan_id, plan || '（' || entity || '）' AS plan_label, count(*) AS kpis,
       count(*) FILTER (WHERE NOT list_contains(CAST($undetermined AS VARCHAR[]), status)) AS judged
FROM evaluated
GROUP BY plan_id, plan, entity
ORDER BY judged DESC, kpis DESC, entity, plan, plan_id
