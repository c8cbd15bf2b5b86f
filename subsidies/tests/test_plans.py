"""CN action plans: searchable by region and activity; editable by the institution's own staff only."""

import pytest
from django.urls import reverse

from accounts.tests.factories import InstitutionUserFactory, enrol_second_factor
from subsidies.models import ActionPlan


@pytest.mark.django_db
def test_search_by_region_and_activity(client):
    body = client.get(reverse("subsidies:plans"), {"region": "chubu", "activity": "seminar"}).content.decode()
    assert "名古屋商工会議所" in body
    assert "京都商工会議所" not in body  # seminar, but kinki
    assert "大府商工会議所" not in body  # chubu, but no activity listed
    body = client.get(reverse("subsidies:plans"), {"activity": "subsidy_help"}).content.decode()
    assert "津久見商工会議所" in body and "東京商工会議所" not in body


@pytest.mark.django_db
def test_unknown_region_is_400_naming_the_problem(client):
    response = client.get(reverse("subsidies:plans"), {"region": "mars"})
    assert response.status_code == 400
    assert "地域の指定が正しくありません。" in response.content.decode()


@pytest.mark.django_db
def test_institution_staff_creates_and_edits_their_own_plan(institution_client, institution_user):
    institution_client.post(
        reverse("subsidies:plan_new"),
        {"title": "地域の脱炭素を一緒に", "activities": ["seminar", "expert_dispatch"], "url": "https://example.jp/p"},
    )
    plan = ActionPlan.objects.get(institution=institution_user.institution)
    assert plan.prefecture == institution_user.institution.prefecture
    response = institution_client.post(
        reverse("subsidies:plan_edit", args=[plan.pk]), {"title": "改訂版", "activities": ["consultation"]}
    )
    assert response.status_code == 302
    plan.refresh_from_db()
    assert (plan.title, plan.activities) == ("改訂版", ",consultation,")


@pytest.mark.django_db
def test_another_institutions_staff_cannot_edit_the_plan(client, institution_user):
    plan = ActionPlan.objects.create(
        institution=institution_user.institution,
        institution_name="自機関",
        kind="chamber",
        prefecture="aichi",
        title="元の題",
    )
    intruder = InstitutionUserFactory()
    client.force_login(intruder)
    url = reverse("subsidies:plan_edit", args=[plan.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, {"title": "書き換え"}).status_code == 403
    plan.refresh_from_db()
    assert plan.title == "元の題"


@pytest.mark.django_db
def test_sme_user_cannot_edit_or_create_plans(sme_client):
    plan = ActionPlan.objects.get(institution_name="名古屋商工会議所")
    assert sme_client.post(reverse("subsidies:plan_edit", args=[plan.pk]), {"title": "x"}).status_code == 403
    assert sme_client.get(reverse("subsidies:plan_new")).status_code == 403


@pytest.mark.django_db
def test_smrj_catalogue_editors_may_edit_any_plan(client, staff_user):
    from django.contrib.auth.models import Group

    from accounts.roles import CATALOGUE_EDITOR
    from accounts.services import staff_groups_sync

    staff_groups_sync()
    plan = ActionPlan.objects.get(institution_name="名古屋商工会議所")
    client.force_login(staff_user)
    assert client.post(reverse("subsidies:plan_edit", args=[plan.pk]), {"title": "職員が更新"}).status_code == 403
    staff_user.groups.add(Group.objects.get(name=CATALOGUE_EDITOR))
    assert client.post(reverse("subsidies:plan_edit", args=[plan.pk]), {"title": "職員が更新"}).status_code == 302
    plan.refresh_from_db()
    assert plan.title == "職員が更新"


@pytest.mark.django_db
def test_admin_lists_measures_with_stale_and_window_flags(client, django_user_model):
    admin = django_user_model.objects.create_superuser(email="root@example.jp", password="x-long-password-1")
    enrol_second_factor(admin)
    client.force_login(admin)
    for url in [
        "/admin/subsidies/measure/",
        "/admin/subsidies/measure/?stale=yes",
        "/admin/subsidies/measure/?window=closed",
        "/admin/subsidies/actionplan/",
        "/admin/subsidies/track/",
        "/admin/subsidies/applicationround/",
        "/admin/subsidies/follow/",
    ]:
        assert client.get(url).status_code == 200, url
    body = client.get("/admin/subsidies/measure/?window=closed").content.decode()
    assert "愛知県 中小企業脱炭素" in body


@pytest.mark.django_db
def test_unpublished_plans_carry_no_link():
    assert ActionPlan.objects.get(institution_name="秋田商工会議所").url == ""
    assert ActionPlan.objects.get(institution_name="東京商工会議所").url.startswith("https://")


@pytest.mark.django_db
def test_admin_change_pages_render_codes_as_checkboxes(client, django_user_model):
    from subsidies.models import Measure

    admin = django_user_model.objects.create_superuser(email="root2@example.jp", password="x-long-password-1")

    enrol_second_factor(admin)
    client.force_login(admin)
    measure = Measure.objects.get(name__startswith="愛知県")
    body = client.get(f"/admin/subsidies/measure/{measure.pk}/change/").content.decode()
    assert 'name="target_area_search" value="aichi"' in body and "checked" in body
    plan = ActionPlan.objects.get(institution_name="名古屋商工会議所")
    assert client.get(f"/admin/subsidies/actionplan/{plan.pk}/change/").status_code == 200


@pytest.mark.django_db
def test_chambers_plans_are_named_as_in_the_source_with_clean_titles_from_hokkaido_to_okinawa(client):
    body = client.get(reverse("subsidies:plans")).content.decode()
    assert ActionPlan.objects.filter(kind="chamber", plan_type="environment").count() == 15
    assert body.count("環境アクションプラン</span>") == 15
    assert "「「" not in body and "」」" not in body
    assert "<strong>ともに取り組む「身の丈エコ」</strong>" in body
    order = ["秋田商工会議所", "東京商工会議所", "大和商工会議所", "名古屋商工会議所", "京都商工会議所"]
    order += ["明石商工会議所", "備前商工会議所", "広島商工会議所", "山陽商工会議所", "高松商工会議所"]
    order += ["高知商工会議所", "津久見商工会議所"]
    positions = [body.index(f"<h3>{name}</h3>") for name in order]
    assert positions == sorted(positions)
