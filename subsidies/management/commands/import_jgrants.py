"""Import measures from a file in the jGrants public API's JSON format, or (--live) from the API itself."""

import json
import urllib.parse
import urllib.request

from django.core.management.base import BaseCommand, CommandError

from core.errors import ApplicationError
from subsidies.services import jgrants_import

API = "https://api.jgrants-portal.go.jp/exp/v1/public/subsidies"


def _records(payload) -> list[dict]:
    if isinstance(payload, list):
        return payload
    if isinstance(payload, dict) and isinstance(payload.get("result"), list):
        return payload["result"]
    raise CommandError("JSON must be a list or an object with a `result` list (jGrants API response)")


class Command(BaseCommand):
    help = "Jグランツ公開APIの形式のJSONから支援策を取り込みます（再取込は更新になり、重複しません）。"

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", help="jGrants API の JSON ファイル")
        parser.add_argument("--live", action="store_true", help="ファイルの代わりに Jグランツ公開APIを呼ぶ")
        parser.add_argument("--keyword", default="脱炭素", help="--live のときの検索語（2文字以上）")

    def handle(self, *args, file=None, live=False, keyword="脱炭素", **options):
        if live:
            records = self._fetch_live(keyword)
        elif file:
            try:
                with open(file, encoding="utf-8") as fh:
                    records = _records(json.load(fh))
            except (OSError, json.JSONDecodeError) as exc:
                raise CommandError(str(exc)) from exc
        else:
            raise CommandError("give a JSON file, or --live")
        try:
            created, updated = jgrants_import(items=records)
        except ApplicationError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"created={created} updated={updated}")

    def _fetch_live(self, keyword: str) -> list[dict]:
        query = urllib.parse.urlencode(
            {"keyword": keyword, "sort": "acceptance_end_datetime", "order": "ASC", "acceptance": "1"}
        )
        with urllib.request.urlopen(f"{API}?{query}", timeout=30) as response:  # noqa: S310 (fixed https URL)
            summaries = _records(json.load(response))
        records = []
        for item in summaries:
            with urllib.request.urlopen(f"{API}/id/{urllib.parse.quote(str(item['id']))}", timeout=30) as response:  # noqa: S310
                detail = _records(json.load(response))
            records.append({**item, **(detail[0] if detail else {})})
        return records
