-- 進捗判定: one row per KPI (and per evaluation year when $eval_years is given), judged by
-- PRODUCT.md's rules. The only place the rules live: every page, the CLI and every export read the
-- status, its reason, the baseline used, the expected value (and so the expected path drawn on a chart)
-- and the attention list from this query, never from a second implementation.
--
-- Parameters:
--   $eval_year         evaluation fiscal year; NULL = for each KPI the latest FY that has an actual
--   $eval_years        a list of fiscal years: one row per KPI and year (the expected path of a chart)
--   $method            'expected' (期待値方式) or 'abnf' (A/B/N/F)
--   $entity, $plan     optional filters (name or id)
--   $entity_type, $entity_ids   optional: one kind of entity, a list of entity_ids (what 比較 sets side by
--                      side or ranks)
--   $plans_from, $plans_to, $kpis_from, $kpis_to   a range of plan_ids (inclusive) and the range of their
--                      kpi_ids, set by db.run for one plan (and by kpiboard/verdicts.py for a batch): tables
--                      stored by kpi_id then read only those rows
--   $band_on_track, $band_mostly, $band_slightly   the ratio bands (defaults 1.0 / 0.8 / 0.5)
--   $almost_tolerance  a target written 「ほぼ X」 counts as met within this share of X (default 0.05)
WITH k AS (
    SELECT k.*, p.name AS plan, p.period_start_fy, p.period_end_fy,
           e.entity_id, e.name AS entity, e.entity_type, a.area_name,
           k.direction IN ('increase', 'maintain_min') AS at_least,
           k.direction IN ('decrease', 'maintain_max', 'rank') AS at_most,
           k.kind = 'qualitative' OR k.direction = 'qualitative' AS qualitative,
           COALESCE(k.per_year_target, false) AS per_year
    FROM kpis k
    JOIN plans p ON p.plan_id = k.plan_id
    JOIN entities e ON e.entity_id = p.entity_id
    LEFT JOIN areas a ON a.plan_id = k.plan_id AND a.area_code = k.area_code
    WHERE ($entity IS NULL OR e.name = $entity OR e.entity_id = $entity)
      AND ($entity_type IS NULL OR e.entity_type = $entity_type)
      AND (CAST($entity_ids AS VARCHAR[]) IS NULL OR e.entity_id IN (SELECT unnest(CAST($entity_ids AS VARCHAR[]))))
      AND ($plan IS NULL OR p.name = $plan OR p.plan_id = $plan)
      AND ($kpi_id IS NULL OR k.kpi_id = $kpi_id)
      AND (CAST($kpi_ids AS VARCHAR[]) IS NULL OR k.kpi_id IN (SELECT unnest(CAST($kpi_ids AS VARCHAR[]))))
      AND ($plans_from IS NULL OR k.plan_id BETWEEN $plans_from AND $plans_to)
),
obs AS (
    -- A cumulative KPI is judged on running totals: 3（累計4） counts as 4.
    SELECT o.kpi_id, o.value_kind, o.fiscal_year, COALESCE(o.qualifier, '') AS qualifier,
           CASE WHEN k.cumulative AND o.cumulative_value IS NOT NULL THEN o.cumulative_value ELSE o.value END AS v
    FROM observations o JOIN k ON k.kpi_id = o.kpi_id
    WHERE ($kpis_from IS NULL OR o.kpi_id BETWEEN $kpis_from AND $kpis_to)
),
stated_baseline AS (
    SELECT kpi_id, arg_max(v, fiscal_year) AS b, max(fiscal_year) AS y0
    FROM obs WHERE value_kind = 'baseline' AND v IS NOT NULL
    GROUP BY kpi_id
),
targets AS (
    -- 現状維持（以上） as a target means the baseline value.
    SELECT o.kpi_id, o.fiscal_year, o.qualifier LIKE '%ほぼ%' AS almost,
           COALESCE(o.v, CASE WHEN o.qualifier LIKE '%現状維持%' THEN bl.b END) AS t
    FROM obs o LEFT JOIN stated_baseline bl ON bl.kpi_id = o.kpi_id
    WHERE o.value_kind = 'target'
),
final_target AS (
    SELECT kpi_id, arg_max(t, fiscal_year) AS t, max(fiscal_year) AS tfy, arg_max(almost, fiscal_year) AS t_almost
    FROM targets WHERE t IS NOT NULL
    GROUP BY kpi_id
),
latest_actual AS (
    SELECT kpi_id, max(fiscal_year) AS fy FROM obs
    WHERE value_kind = 'actual' AND v IS NOT NULL
    GROUP BY kpi_id
),
asked AS (
    SELECT unnest(CAST($eval_years AS INTEGER[])) AS y
),
years AS (
    SELECT k.kpi_id, COALESCE(asked.y, CAST($eval_year AS INTEGER), la.fy) AS y
    FROM k
    LEFT JOIN latest_actual la ON la.kpi_id = k.kpi_id
    LEFT JOIN asked ON true
),
earliest_actual AS (
    -- Without a stated baseline, the earliest actual before y stands in for it (increase/decrease/rank).
    SELECT yr.kpi_id, yr.y, arg_min(o.v, o.fiscal_year) AS b, min(o.fiscal_year) AS y0
    FROM years yr JOIN obs o ON o.kpi_id = yr.kpi_id AND o.value_kind = 'actual' AND o.v IS NOT NULL
                           AND o.fiscal_year < yr.y
    GROUP BY yr.kpi_id, yr.y
),
next_target AS (
    -- Maintain kinds without a baseline keep the next level written.
    SELECT yr.kpi_id, yr.y, min_by(tg.t, tg.fiscal_year) AS t
    FROM years yr JOIN targets tg ON tg.kpi_id = yr.kpi_id AND tg.fiscal_year >= yr.y AND tg.t IS NOT NULL
    GROUP BY yr.kpi_id, yr.y
),
recorded AS (
    SELECT yr.kpi_id, yr.y, arg_max(ev.status, ev.fiscal_year) AS status
    FROM kpi_evaluations ev JOIN years yr ON yr.kpi_id = ev.kpi_id AND ev.fiscal_year <= yr.y
    WHERE ($kpis_from IS NULL OR ev.kpi_id BETWEEN $kpis_from AND $kpis_to)
    GROUP BY yr.kpi_id, yr.y
),
joined AS (
    SELECT k.*, yr.y, ft.t, ft.tfy, COALESCE(ft.t_almost, false) AS t_almost,
           ac.v AS a, it.t AS t_for_y, nt.t AS next_t, rec.status AS recorded_status,
           CASE WHEN sb.b IS NOT NULL THEN 'stated'
                WHEN k.direction IN ('increase', 'decrease', 'rank') AND NOT k.per_year AND ea.b IS NOT NULL
                    THEN 'earliest_actual' END AS baseline_source,
           CASE WHEN sb.b IS NOT NULL THEN sb.b
                WHEN k.direction IN ('increase', 'decrease', 'rank') AND NOT k.per_year THEN ea.b END AS b,
           CASE WHEN sb.b IS NOT NULL THEN sb.y0
                WHEN k.direction IN ('increase', 'decrease', 'rank') AND NOT k.per_year THEN ea.y0 END AS y0
    FROM k
    LEFT JOIN stated_baseline sb ON sb.kpi_id = k.kpi_id
    LEFT JOIN final_target ft ON ft.kpi_id = k.kpi_id
    LEFT JOIN years yr ON yr.kpi_id = k.kpi_id
    LEFT JOIN earliest_actual ea ON ea.kpi_id = k.kpi_id AND ea.y = yr.y
    LEFT JOIN obs ac ON ac.kpi_id = k.kpi_id AND ac.value_kind = 'actual' AND ac.fiscal_year = yr.y
                    AND ac.v IS NOT NULL
    LEFT JOIN targets it ON it.kpi_id = k.kpi_id AND it.fiscal_year = yr.y AND it.t IS NOT NULL
    LEFT JOIN next_target nt ON nt.kpi_id = k.kpi_id AND nt.y = yr.y
    LEFT JOIN recorded rec ON rec.kpi_id = k.kpi_id AND rec.y = yr.y
),
expected AS (
    SELECT *,
        CASE
            WHEN y IS NULL OR qualitative THEN NULL
            WHEN t_for_y IS NOT NULL THEN t_for_y                     -- a target written for y wins
            WHEN per_year THEN NULL                                   -- a per-year target holds only in its years
            WHEN tfy IS NOT NULL AND y >= tfy THEN t                   -- at or after the target year
            WHEN b IS NOT NULL AND t IS NOT NULL AND y <= y0 THEN b    -- before the line starts
            WHEN b IS NOT NULL AND t IS NOT NULL THEN b + (t - b) * (y - y0) / (tfy - y0)
            WHEN direction IN ('maintain_min', 'maintain_max') THEN COALESCE(b, next_t)  -- keep the level
        END AS e,
        -- 「ほぼ X」 is met from X × (1 − tolerance) ("at least" kinds) or X × (1 + tolerance) ("at most")
        CASE WHEN t_almost AND at_least THEN t - abs(t) * $almost_tolerance
             WHEN t_almost AND at_most THEN t + abs(t) * $almost_tolerance
             ELSE t END AS t_met_from
    FROM joined
),
ratios AS (
    SELECT *,
        a IS NOT NULL AND t IS NOT NULL AND ((at_least AND a >= t_met_from) OR (at_most AND a <= t_met_from))
            AS final_met,
        CASE
            WHEN a IS NULL OR e IS NULL THEN NULL
            WHEN direction IN ('increase', 'decrease', 'rank') AND NOT per_year AND b IS NOT NULL AND e <> b
                THEN (a - b) / (e - b)
            -- a/e (or e/a) only means something for positive values; otherwise: met = 1, not met = 0
            WHEN a > 0 AND e > 0 THEN CASE WHEN at_least THEN a / e ELSE e / a END
            WHEN (at_least AND a >= e) OR (at_most AND a <= e) THEN 1.0
            ELSE 0.0
        END AS r,
        -- 達成率 = (a − b) / (t − b); for the maintain kinds (a level to keep, not a distance to go)
        -- it is the share of the level kept: a / t, or t / a for maintain_max; per-year: a / e.
        CASE WHEN a IS NULL THEN NULL
             WHEN per_year AND e IS NOT NULL AND e > 0 AND a > 0 THEN CASE WHEN at_least THEN a / e ELSE e / a END
             WHEN per_year THEN NULL
             WHEN t IS NULL THEN NULL
             WHEN direction = 'maintain_min' AND t > 0 THEN a / t
             WHEN direction = 'maintain_max' AND a > 0 THEN t / a
             WHEN direction LIKE 'maintain%' THEN NULL
             WHEN b IS NOT NULL AND t <> b THEN (a - b) / (t - b)
        END AS achievement_rate,
        -- share of the plan period elapsed at y (for A/B/N/F); the period runs from the baseline year.
        -- A per-year target is the whole of that year's goal: all of it is due in the year.
        CASE WHEN per_year AND y IS NOT NULL THEN 1.0
             WHEN y IS NOT NULL AND tfy IS NOT NULL
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
        -- Why a KPI cannot be judged, in the user's words (NULL when it can).
        CASE
            WHEN qualitative AND recorded_status IS NULL THEN '定性・評価の記録なし'
            WHEN qualitative THEN NULL
            WHEN a IS NULL THEN '実績なし'
            WHEN b IS NULL AND t IS NULL AND t_for_y IS NULL THEN '基準値・目標値なし'
            WHEN final_met THEN NULL
            WHEN e IS NULL AND (per_year OR b IS NOT NULL) THEN 'この年度の目標値なし'
            WHEN e IS NULL THEN '基準値なし'
            WHEN r IS NULL THEN '期待値を求められない'
        END AS expected_reason,
        CASE
            WHEN qualitative THEN '定量的な目標なし'
            WHEN t IS NULL AND t_for_y IS NULL THEN '定量的な目標なし'
            WHEN a IS NULL THEN '実績なし'
        END AS abnf_reason
    FROM ratios
),
statuses AS (
    SELECT *,
        CASE
            WHEN qualitative THEN COALESCE(recorded_status, '判定不能')
            WHEN expected_reason IS NOT NULL THEN '判定不能'
            WHEN final_met THEN '達成'
            WHEN r >= $band_on_track THEN '順調'
            WHEN r >= $band_mostly THEN '概ね順調'
            WHEN r >= $band_slightly THEN 'やや遅れ'
            ELSE '遅れ'
        END AS expected_status,
        CASE
            WHEN abnf_reason = '定量的な目標なし' THEN 'F'
            WHEN a IS NULL THEN 'N'
            WHEN final_met THEN 'A'
            WHEN COALESCE(achievement_rate, CASE WHEN a > 0 AND t > 0 THEN
                     CASE WHEN at_least THEN a / t ELSE t / a END END, 0) >= COALESCE(elapsed_share, 1.0) THEN 'A'
            ELSE 'B'
        END AS abnf_status
    FROM judged
),
chosen AS (
    SELECT *,
        CASE WHEN $method = 'abnf' THEN abnf_status ELSE expected_status END AS status,
        CASE WHEN $method = 'abnf' THEN abnf_reason ELSE expected_reason END AS status_reason
    FROM statuses
)
SELECT
    entity, plan, area_name AS area, item_code, kpi_id, kpi_name, unit, direction, kind,
    b AS baseline_value, y0 AS baseline_fy, baseline_source, t AS target_value, tfy AS target_fy,
    y AS eval_fy, a AS actual_value, e AS expected_value,
    r AS progress_ratio, achievement_rate,
    status, status_reason,
    -- 遅れ before やや遅れ (B for A/B/N/F), the furthest behind first: the KPIs to look at first.
    status IN ('遅れ', 'やや遅れ', 'B') AS needs_attention,
    CASE WHEN status IN ('遅れ', 'やや遅れ', 'B') THEN
        row_number() OVER (PARTITION BY plan_id, y, status IN ('遅れ', 'やや遅れ', 'B')
                           ORDER BY CASE WHEN status = 'やや遅れ' THEN 1 ELSE 0 END, r NULLS LAST,
                                    achievement_rate NULLS LAST, sort_order NULLS LAST, kpi_id)
    END AS attention_rank,
    source,
    entity_id, entity_type, plan_id, area_code, indicator_id, measure, cumulative, per_year AS per_year_target,
    t_almost AS target_almost, elapsed_share,
    CASE WHEN $method = 'abnf' THEN 'abnf' ELSE 'expected' END AS method,
    sort_order, synthetic
FROM chosen
ORDER BY entity, plan, sort_order NULLS LAST, kpi_id, eval_fy
