-- 進捗判定: one row per KPI, judged by PRODUCT.md's rules. The only place the rules live:
-- every page, the CLI and every export read their statuses from this query.
--
-- Parameters:
--   $eval_year      evaluation fiscal year; NULL = for each KPI the latest FY that has an actual
--   $method         'expected' (期待値方式) or 'abnf' (A/B/N/F)
--   $entity, $plan  optional filters (name or id)
--   $kpi_id         optional: one KPI
--   $band_on_track, $band_mostly, $band_slightly   the ratio bands (defaults 1.0 / 0.8 / 0.5)
WITH k AS (
    SELECT k.*, p.name AS plan, p.period_start_fy, p.period_end_fy,
           e.entity_id, e.name AS entity, e.entity_type, a.area_name,
           k.direction IN ('increase', 'maintain_min') AS at_least,
           k.direction IN ('decrease', 'maintain_max', 'rank') AS at_most
    FROM kpis k
    JOIN plans p ON p.plan_id = k.plan_id
    JOIN entities e ON e.entity_id = p.entity_id
    LEFT JOIN areas a ON a.plan_id = k.plan_id AND a.area_code = k.area_code
    WHERE ($entity IS NULL OR e.name = $entity OR e.entity_id = $entity)
      AND ($plan IS NULL OR p.name = $plan OR p.plan_id = $plan)
      AND ($kpi_id IS NULL OR k.kpi_id = $kpi_id)
),
obs AS (
    -- A cumulative KPI is judged on running totals: 3（累計4） counts as 4.
    SELECT o.kpi_id, o.value_kind, o.fiscal_year, o.qualifier,
           CASE WHEN k.cumulative AND o.cumulative_value IS NOT NULL THEN o.cumulative_value ELSE o.value END AS v
    FROM observations o JOIN k ON k.kpi_id = o.kpi_id
),
baseline AS (
    SELECT kpi_id, arg_max(v, fiscal_year) AS b, max(fiscal_year) AS y0
    FROM obs WHERE value_kind = 'baseline' AND v IS NOT NULL
    GROUP BY kpi_id
),
targets AS (
    -- 現状維持（以上） as a target means the baseline value.
    SELECT o.kpi_id, o.fiscal_year,
           COALESCE(o.v, CASE WHEN o.qualifier LIKE '%現状維持%' THEN bl.b END) AS t
    FROM obs o LEFT JOIN baseline bl ON bl.kpi_id = o.kpi_id
    WHERE o.value_kind = 'target'
),
final_target AS (
    SELECT kpi_id, arg_max(t, fiscal_year) AS t, max(fiscal_year) AS tfy
    FROM targets WHERE t IS NOT NULL
    GROUP BY kpi_id
),
latest_actual AS (
    SELECT kpi_id, max(fiscal_year) AS fy FROM obs
    WHERE value_kind = 'actual' AND v IS NOT NULL
    GROUP BY kpi_id
),
years AS (
    SELECT k.kpi_id, COALESCE(CAST($eval_year AS INTEGER), la.fy) AS y
    FROM k LEFT JOIN latest_actual la ON la.kpi_id = k.kpi_id
),
next_target AS (
    -- Without a baseline there is no straight line: compare with the next target written.
    SELECT yr.kpi_id, min_by(tg.t, tg.fiscal_year) AS t
    FROM years yr JOIN targets tg ON tg.kpi_id = yr.kpi_id AND tg.fiscal_year >= yr.y AND tg.t IS NOT NULL
    GROUP BY yr.kpi_id
),
recorded AS (
    SELECT ev.kpi_id, arg_max(ev.status, ev.fiscal_year) AS status
    FROM kpi_evaluations ev JOIN years yr ON yr.kpi_id = ev.kpi_id AND ev.fiscal_year <= yr.y
    GROUP BY ev.kpi_id
),
joined AS (
    SELECT k.*, bl.b, bl.y0, ft.t, ft.tfy, yr.y, ac.v AS a, it.t AS t_for_y, nt.t AS next_t,
           rec.status AS recorded_status
    FROM k
    LEFT JOIN baseline bl ON bl.kpi_id = k.kpi_id
    LEFT JOIN final_target ft ON ft.kpi_id = k.kpi_id
    LEFT JOIN years yr ON yr.kpi_id = k.kpi_id
    LEFT JOIN obs ac ON ac.kpi_id = k.kpi_id AND ac.value_kind = 'actual' AND ac.fiscal_year = yr.y
                    AND ac.v IS NOT NULL
    LEFT JOIN targets it ON it.kpi_id = k.kpi_id AND it.fiscal_year = yr.y AND it.t IS NOT NULL
    LEFT JOIN next_target nt ON nt.kpi_id = k.kpi_id
    LEFT JOIN recorded rec ON rec.kpi_id = k.kpi_id
),
expected AS (
    SELECT *,
        CASE
            WHEN y IS NULL THEN NULL
            WHEN t_for_y IS NOT NULL THEN t_for_y                     -- a target written for y wins
            WHEN tfy IS NOT NULL AND y >= tfy THEN t                   -- at or after the target year
            WHEN b IS NOT NULL AND t IS NOT NULL AND y <= y0 THEN b    -- before the line starts
            WHEN b IS NOT NULL AND t IS NOT NULL THEN b + (t - b) * (y - y0) / (tfy - y0)
            WHEN b IS NULL THEN next_t
            WHEN direction IN ('maintain_min', 'maintain_max') THEN b  -- keep the baseline
        END AS e,
        a IS NOT NULL AND t IS NOT NULL AND ((at_least AND a >= t) OR (at_most AND a <= t)) AS final_met
    FROM joined
),
ratios AS (
    SELECT *,
        CASE
            WHEN a IS NULL OR e IS NULL THEN NULL
            WHEN direction IN ('increase', 'decrease', 'rank') AND b IS NOT NULL AND e <> b
                THEN (a - b) / (e - b)
            -- a/e (or e/a) only means something for positive values; otherwise: met = 1, not met = 0
            WHEN a > 0 AND e > 0 THEN CASE WHEN at_least THEN a / e ELSE e / a END
            WHEN (at_least AND a >= e) OR (at_most AND a <= e) THEN 1.0
            ELSE 0.0
        END AS r,
        -- 達成率 = (a − b) / (t − b); for the maintain kinds (a level to keep, not a distance to go)
        -- it is the share of the level kept: a / t, or t / a for maintain_max.
        CASE WHEN a IS NULL OR t IS NULL THEN NULL
             WHEN direction = 'maintain_min' AND t > 0 THEN a / t
             WHEN direction = 'maintain_max' AND a > 0 THEN t / a
             WHEN direction LIKE 'maintain%' THEN NULL
             WHEN b IS NOT NULL AND t <> b THEN (a - b) / (t - b)
        END AS achievement_rate,
        -- share of the plan period elapsed at y (for A/B/N/F); the period runs from the baseline year
        CASE WHEN y IS NOT NULL AND tfy IS NOT NULL
             THEN greatest(0.0, least(1.0,
                  CASE WHEN tfy > COALESCE(y0, period_start_fy - 1, tfy - 1)
                       THEN (y - COALESCE(y0, period_start_fy - 1, tfy - 1))::DOUBLE
                            / (tfy - COALESCE(y0, period_start_fy - 1, tfy - 1))
                       ELSE 1.0 END))
        END AS elapsed_share
    FROM expected
),
judged AS (
    SELECT *,
        CASE
            WHEN kind = 'qualitative' OR direction = 'qualitative' THEN COALESCE(recorded_status, '判定不能')
            WHEN a IS NULL THEN '判定不能'
            WHEN b IS NULL AND t IS NULL THEN '判定不能'
            WHEN final_met THEN '達成'
            WHEN r IS NULL THEN '判定不能'
            WHEN r >= $band_on_track THEN '順調'
            WHEN r >= $band_mostly THEN '概ね順調'
            WHEN r >= $band_slightly THEN 'やや遅れ'
            ELSE '遅れ'
        END AS expected_status,
        CASE
            WHEN kind = 'qualitative' OR direction = 'qualitative' OR t IS NULL THEN 'F'
            WHEN a IS NULL THEN 'N'
            WHEN final_met THEN 'A'
            WHEN COALESCE(achievement_rate, CASE WHEN a > 0 AND t > 0 THEN
                     CASE WHEN at_least THEN a / t ELSE t / a END END, 0) >= COALESCE(elapsed_share, 1.0) THEN 'A'
            ELSE 'B'
        END AS abnf_status
    FROM ratios
)
SELECT
    entity, plan, area_name AS area, item_code, kpi_id, kpi_name, unit, direction, kind,
    b AS baseline_value, y0 AS baseline_fy, t AS target_value, tfy AS target_fy,
    y AS eval_fy, a AS actual_value, e AS expected_value,
    r AS progress_ratio, achievement_rate,
    CASE WHEN $method = 'abnf' THEN abnf_status ELSE expected_status END AS status,
    source,
    entity_id, entity_type, plan_id, area_code, indicator_id, measure, cumulative, elapsed_share,
    CASE WHEN $method = 'abnf' THEN 'abnf' ELSE 'expected' END AS method,
    sort_order, synthetic
FROM judged
ORDER BY entity, plan, sort_order NULLS LAST, kpi_id
