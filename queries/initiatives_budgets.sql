-- 施策の予算: one row per programme per fiscal year, and whether the same programme (same FY, name and
-- amount) is also listed under another initiative — so totals can count it once.
-- Parameters: $plan (plan_id or name), $initiatives (a list of initiative_id) — both optional
WITH b AS (
    SELECT ib.*, i.code, i.title, i.department, i.sort_order, i.plan_id
    FROM initiative_budgets ib
    JOIN initiatives i ON i.initiative_id = ib.initiative_id
    JOIN plans p ON p.plan_id = i.plan_id
    WHERE ($plan IS NULL OR p.plan_id = $plan OR p.name = $plan)
),
listings AS (
    SELECT plan_id, fiscal_year, program, amount_yen, count(DISTINCT initiative_id) AS listed_under,
           string_agg(DISTINCT code, '・' ORDER BY code) AS listed_codes
    FROM b GROUP BY ALL
)
SELECT b.initiative_id, b.code, b.title, b.department, b.fiscal_year, b.year_text, b.program, b.amount_yen,
       b.original_text, b.note, b.source, l.listed_under, l.listed_codes, b.sort_order
FROM b
JOIN listings l ON l.plan_id = b.plan_id AND l.fiscal_year IS NOT DISTINCT FROM b.fiscal_year
               AND l.program = b.program AND l.amount_yen IS NOT DISTINCT FROM b.amount_yen
WHERE ($initiatives IS NULL OR list_contains($initiatives::VARCHAR[], b.initiative_id))
ORDER BY b.fiscal_year, b.sort_order, b.program
