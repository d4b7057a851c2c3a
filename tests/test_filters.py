"""The shared filters: what a link holds (ids, plain years), how a held choice and a new link combine,
and that an old link with labels still opens the same view."""
from kpiboard.filters import ALL, Filters, from_url

METHOD_LABELS = {"expected": "期待値方式", "abnf": "A/B/N/F方式（国）"}


def test_a_link_holds_ids_and_plain_values_and_only_what_differs_from_the_defaults():
    f = Filters(plan="toyama-growth", year=2024, method="abnf", western_years=True, band_on_track=0.9)
    assert f.to_url() == {"plan": "toyama-growth", "year": "2024", "method": "abnf", "western_years": "true",
                          "band_on_track": "0.9"}
    assert Filters().to_url() == {}
    assert from_url(f.to_url()) == f  # the link reopens exactly this view


def test_a_new_url_value_wins_over_the_held_one_and_an_unchanged_one_does_not():
    held = Filters(plan="picked-on-screen")
    # the URL still says what was written last run: the pick (a callback) stands
    assert from_url({"plan": "old"}, held=held, last_written={"plan": "old"}).plan == "picked-on-screen"
    # a link opened (or the back button): the URL's value is new, it wins
    assert from_url({"plan": "from-link"}, held=held, last_written={"plan": "old"}).plan == "from-link"
    # a page switch drops the URL's parameters: the choice is kept
    assert from_url({}, held=held, last_written={"plan": "picked-on-screen"}).plan == "picked-on-screen"


def test_links_made_with_labels_still_open_the_same_view():
    labels = {"plan": {"富山県｜富山県成長戦略": "toyama-growth"}, "entity": {"富山県": "toyama"}}
    f = from_url({"plan": "富山県｜富山県成長戦略", "entity": "富山県", "year": "R6（2024）",
                  "method": "A/B/N/F方式（国）", "b1": "0.9"}, labels=labels, method_labels=METHOD_LABELS)
    assert (f.plan, f.entity, f.year, f.method, f.band_on_track) == ("toyama-growth", "toyama", 2024, "abnf", 0.9)
    assert from_url({"plan": "すべての計画"}).plan == ALL
    assert from_url({"year": "令和元年度"}).year == 2019 and from_url({"year": "最新の実績年度"}).year is None


def test_values_that_cannot_be_read_leave_the_default():
    held = Filters(year=2022, method="abnf")
    f = from_url({"year": "9" * 5000, "method": "<script>", "present": "maybe", "band_mostly": "x",
                  "western_years": "true"}, held=held)
    assert (f.year, f.method, f.present, f.band_mostly, f.western_years) == (2022, "abnf", False, 0.8, True)
    assert from_url({"year": "R99999"}).year is None
