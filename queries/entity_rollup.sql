-- over: evaluate
-- Per entity (比較's ranking, tile map and table): its KPIs, how many could be judged, how many are 順調以上,
-- that share, the median progress ratio and the mean achievement rate. `evaluated` is evaluate's rows with the
-- same filters and settings (the kept verdicts at the defaults), so ranking every municipality reads one row per
-- entity instead of every KPI. $on_track / $undetermined: kpiboard.status.ON_TRACK / UNDETERMINED.
SELECT entity, entity_id, count(*) AS kpis,
       count(*) FILTER (WHERE NOT list_contains(CAST($undetermined AS VARCHAR[]), status)) AS judged,
       count(*) FILTER (WHERE list_contains(CAST($on_track AS VARCHAR[]), status)) AS on_track,
       on_track / nullif(judged, 0) AS on_track_share,
       median(progress_ratio) AS median_progress,
       avg(achievement_rate) AS mean_achievement
FROM evaluated
GROUP BY entity, entity_id
ORDER BY entity, entity_id
