import pytest

from accounts.tests.factories import PASSWORD, SmeUserFactory
from conftest import assert_no_sideways_scroll
from subsidies.models import Follow, Measure

from .factories import MeasureFactory, RoundFactory, TrackCapFactory, TrackFactory


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_visitor_finds_a_measure_then_follows_it_after_logging_in(live_server, page, axe):
    measure = MeasureFactory(
        name="ブラウザ試験用 グリーン設備補助金", step="supply_chain", description="脱炭素の設備投資を応援します。"
    )
    track = TrackFactory(measure=measure, name="スタンダード", subsidy_rate="2/3", rate_numerator=2, rate_denominator=3)
    TrackCapFactory(track=track, min_employees=0, max_employees=5, max_amount_yen=10_000_000)
    TrackCapFactory(track=track, min_employees=6, max_employees=20, max_amount_yen=15_000_000)
    RoundFactory(measure=measure)
    MeasureFactory(name="別の段階の支援策", step="know")
    user = SmeUserFactory()

    page.goto(live_server.url + "/subsidies/")
    axe(page)
    page.get_by_label("従業員数（人）").fill("12")
    page.get_by_label("取り組みの段階").select_option("supply_chain")
    page.get_by_label("キーワード").fill("試験用")
    page.get_by_role("button", name="この条件で探す").click()
    page.wait_for_url("**/subsidies/?*")
    assert page.get_by_text("1 件の支援策が見つかりました。").is_visible()
    assert page.get_by_text("1,500万円").first.is_visible()
    axe(page)
    page.get_by_role("link", name="ブラウザ試験用 グリーン設備補助金").click()
    assert page.get_by_role("heading", level=1, name="ブラウザ試験用 グリーン設備補助金").is_visible()
    axe(page)

    page.get_by_role("link", name="ログイン", exact=True).last.click()
    page.get_by_label("メールアドレス").fill(user.email)
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="ログイン").last.click()
    page.wait_for_url(f"**{measure.get_absolute_url()}")
    page.get_by_role("button", name="この支援策をフォローする").click()
    assert page.get_by_text("この支援策をフォローしました。", exact=False).is_visible()
    axe(page)
    assert Follow.objects.filter(user=user, measure=measure).exists()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_every_catalogue_page_fits_a_phone_and_its_wide_tables_are_reachable_by_keyboard(live_server, page):
    """The catalogue as the data migration loads it: some measures' tables are wider than a phone (and so scroll
    inside their regions), which the full axe run at desktop width cannot see."""
    measures = list(Measure.objects.order_by("pk"))
    assert len(measures) >= 14
    for measure in measures:
        page.goto(live_server.url + measure.get_absolute_url())
        assert_no_sideways_scroll(page)
