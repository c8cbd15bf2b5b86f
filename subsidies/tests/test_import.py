"""`import_jgrants`: the jGrants API JSON format, idempotent, with the attribution shown."""

from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from subsidies.models import JGRANTS_ATTRIBUTION, Measure

SAMPLE = Path(__file__).with_name("jgrants_sample.json")


@pytest.mark.django_db
def test_import_maps_jgrants_fields():
    call_command("import_jgrants", str(SAMPLE))
    measure = Measure.objects.get(jgrants_id="a0W5h00000TEST001")
    assert measure.name == "テスト県 中小企業省エネ設備導入支援補助金"
    assert measure.from_jgrants
    assert measure.prefectures == ["aichi"]
    assert measure.industries == ["manufacturing", "wholesale"]
    assert measure.target_number_of_employees == "300名以下"
    assert measure.subsidy_max_limit == 5_000_000
    assert measure.subsidy_rate == "1/2以内"
    assert "LED照明" in measure.description and "<" not in measure.description
    assert measure.source_url == "https://www.jgrants-portal.go.jp/subsidy/a0W5h00000TEST001"
    rnd = measure.rounds.get()
    assert rnd.acceptance_end_datetime.isoformat() == "2026-12-10T08:00:00+00:00"
    assert Measure.objects.get(jgrants_id="a0W5h00000TEST002").prefectures == []


@pytest.mark.django_db
def test_reimport_updates_and_never_duplicates(tmp_path):
    call_command("import_jgrants", str(SAMPLE))
    before = Measure.objects.count()
    changed = SAMPLE.read_text(encoding="utf-8").replace("5000000", "6000000")
    path = tmp_path / "changed.json"
    path.write_text(changed, encoding="utf-8")
    call_command("import_jgrants", str(path))
    call_command("import_jgrants", str(path))
    assert Measure.objects.count() == before
    measure = Measure.objects.get(jgrants_id="a0W5h00000TEST001")
    assert measure.subsidy_max_limit == 6_000_000
    assert measure.rounds.count() == 1


@pytest.mark.django_db
def test_imported_entries_show_the_jgrants_attribution(client):
    call_command("import_jgrants", str(SAMPLE))
    measure = Measure.objects.get(jgrants_id="a0W5h00000TEST001")
    assert JGRANTS_ATTRIBUTION in client.get(measure.get_absolute_url()).content.decode()
    assert JGRANTS_ATTRIBUTION in client.get("/subsidies/?q=テスト県").content.decode()
    item = client.get("/api/v1/subsidies", {"q": "テスト県"}).json()[0]
    assert item["attribution"] == JGRANTS_ATTRIBUTION
    own = Measure.objects.get(name="J-クレジット制度")
    assert JGRANTS_ATTRIBUTION not in client.get(own.get_absolute_url()).content.decode()


@pytest.mark.django_db
def test_import_without_file_or_live_flag_does_not_touch_the_network(tmp_path):
    with pytest.raises(CommandError):
        call_command("import_jgrants")
    bad = tmp_path / "bad.json"
    bad.write_text('{"unexpected": 1}', encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("import_jgrants", str(bad))


@pytest.mark.django_db
def test_live_flag_fetches_the_list_then_each_detail(monkeypatch):
    """The network is outside the system: the jGrants answers are replayed from the sample file."""
    import io
    import json

    from subsidies.management.commands import import_jgrants

    sample = json.loads(SAMPLE.read_text(encoding="utf-8"))["result"]
    calls = []

    def fake_urlopen(url, timeout):
        calls.append(url)
        if "/id/" in url:
            jid = url.rsplit("/", 1)[1]
            return io.BytesIO(json.dumps({"result": [r for r in sample if r["id"] == jid]}).encode())
        summaries = [{k: r[k] for k in ("id", "name", "title", "target_area_search")} for r in sample]
        return io.BytesIO(json.dumps({"result": summaries}).encode())

    monkeypatch.setattr(import_jgrants.urllib.request, "urlopen", fake_urlopen)
    call_command("import_jgrants", "--live", "--keyword", "省エネ")
    assert calls[0].startswith("https://api.jgrants-portal.go.jp/exp/v1/public/subsidies?keyword=")
    assert "acceptance=1" in calls[0]
    assert len(calls) == 3
    assert Measure.objects.get(jgrants_id="a0W5h00000TEST001").subsidy_rate == "1/2以内"
