"""The English switch: every string of the catalogue is translated and checked, and the changed pages read in English."""

import datetime as dt
import html
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import templatize

from core.jst import jst_date
from selfcheck.tests.helpers import filled_sheet

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES" / "django.po"
PLACEHOLDER = re.compile(r"%\([A-Za-z0-9_]+\)[sdif]|%[sd]|\{[A-Za-z0-9_]*\}")


ESCAPES = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}


def _unquote(lines: list[str]) -> str:
    text = "".join(line.strip()[1:-1] for line in lines)
    return re.sub(r"\\(.)", lambda m: ESCAPES.get(m.group(1), m.group(1)), text)


def _entries(text: str | None = None) -> list[dict]:
    """The live entries of the .po file (or of `text` in .po form): flags, msgctxt, msgid(s) and translation(s); the
    header and obsolete ones are skipped."""
    entries = []
    text = CATALOGUE.read_text(encoding="utf-8") if text is None else text
    for block in text.split("\n\n"):
        lines = [line for line in block.strip().splitlines() if not line.startswith("#~")]
        if not any(line.startswith("msgid ") for line in lines):
            continue
        flags = {f.strip() for line in lines if line.startswith("#,") for f in line[2:].split(",")}
        fields: dict[str, list[str]] = {}
        key = None
        for line in lines:
            if line.startswith("#"):
                continue
            if line.startswith('"'):
                fields[key].append(line)
            else:
                key, _, value = line.partition(" ")
                fields[key] = [value]
        texts = {k: _unquote(v) for k, v in fields.items()}
        if texts["msgid"] == "":
            continue
        entries.append({"flags": flags, **texts})
    return entries


def test_the_english_catalogue_has_no_untranslated_or_fuzzy_entry():
    entries = _entries()
    assert len(entries) > 2000
    fuzzy = [e["msgid"] for e in entries if "fuzzy" in e["flags"]]
    empty = [e["msgid"] for e in entries if any(v == "" for k, v in e.items() if k.startswith("msgstr"))]
    assert not fuzzy, fuzzy[:5]
    assert not empty, empty[:5]


def test_every_english_string_keeps_the_placeholders_of_its_japanese_source():
    wrong = []
    for e in _entries():
        source = sorted(PLACEHOLDER.findall(e["msgid"]))
        plural = sorted(PLACEHOLDER.findall(e.get("msgid_plural", e["msgid"])))
        for key, text in e.items():
            if key.startswith("msgstr") and sorted(PLACEHOLDER.findall(text)) not in (source, plural):
                wrong.append((e["msgid"], text))
    assert not wrong, wrong[:5]


def test_msgfmt_checks_the_catalogue_and_finds_nothing_untranslated_or_fuzzy():
    """GNU msgfmt's own checks (python-format placeholders, plural forms, a msgid and msgstr ending alike)."""
    msgfmt = shutil.which("msgfmt")
    if msgfmt is None:
        pytest.skip("msgfmt (GNU gettext) is not installed")
    result = subprocess.run(
        [msgfmt, "--check", "--statistics", "-o", os.devnull, str(CATALOGUE)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    statistics = result.stderr.strip().splitlines()[-1]
    assert re.fullmatch(r"\d+ translated messages\.", statistics), statistics


# What `makemessages` reads (the django domain: .py, .html, .txt) and what it skips here (its defaults, the Makefile's
# --ignore options and the folders of generated files).
EXTENSIONS = {".py", ".html", ".txt"}
SKIPPED = {".venv", "node_modules", "tmp", "staticfiles", "media", "private_media", "test-artifacts", "backups"}
XGETTEXT_KEYWORDS = [
    "--keyword=gettext_noop",
    "--keyword=gettext_lazy",
    "--keyword=ngettext_lazy:1,2",
    "--keyword=pgettext:1c,2",
    "--keyword=npgettext:1c,2,3",
    "--keyword=pgettext_lazy:1c,2",
    "--keyword=npgettext_lazy:1c,2,3",
]


def _source_files() -> list[Path]:
    root = Path(settings.BASE_DIR)
    found = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in SKIPPED and d != "__pycache__")
        found += [Path(folder) / f for f in sorted(files) if Path(f).suffix in EXTENSIONS and not f.startswith(".")]
    return found


def test_every_string_marked_in_the_code_is_in_the_english_catalogue(tmp_path):
    """The strings makemessages would extract (xgettext with Django's keywords, templates through templatize), without
    touching the catalogue: a string added to the code or a template but never extracted fails here (about a second)."""
    xgettext = shutil.which("xgettext")
    if xgettext is None:
        pytest.skip("xgettext (GNU gettext) is not installed")
    root = Path(settings.BASE_DIR)
    inputs = []
    for path in _source_files():
        if path.suffix == ".py":
            inputs.append(str(path))
            continue
        work = tmp_path / (str(path.relative_to(root)) + ".py")
        work.parent.mkdir(parents=True, exist_ok=True)
        work.write_text(templatize(path.read_text(encoding="utf-8"), origin=str(path)), encoding="utf-8")
        inputs.append(str(work))
    listing = tmp_path / "files.txt"
    listing.write_text("\n".join(inputs), encoding="utf-8")
    result = subprocess.run(
        [xgettext, "-d", "django", "--language=Python", *XGETTEXT_KEYWORDS, "--from-code=UTF-8", "--output=-"]
        + ["--files-from", str(listing)],
        capture_output=True,
        text=True,
        check=True,
    )
    extracted = {(e.get("msgctxt"), e["msgid"]) for e in _entries(result.stdout)}
    assert len(extracted) > 2000
    catalogue = {(e.get("msgctxt"), e["msgid"]) for e in _entries()}
    missing = sorted(extracted - catalogue, key=str)
    assert not missing, missing[:5]


def test_texts_translated_only_at_run_time_are_marked_and_read_in_english():
    """Mail subjects, stage messages and the taken-slot error are kept in constants and translated where they are used
    (`_(SUBJECTS[kind])`): gettext_noop marks them so makemessages extracts them, and each has its English."""
    from consultations.notifications import SUBJECTS
    from consultations.services import TAKEN_MESSAGE
    from dispatch.services import NEXT_ACTIONS, ROLE_LABELS, STAGE_MESSAGES

    texts = [*SUBJECTS.values(), TAKEN_MESSAGE, *STAGE_MESSAGES.values(), *ROLE_LABELS.values()]
    texts += [what for _who, what in NEXT_ACTIONS.values()]
    with translation.override("en"):
        untranslated = [text for text in texts if translation.gettext(text) == text]
    assert not untranslated, untranslated


def _english(client):
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    return client


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url_name", "texts"),
    [
        ("know", ["Know about carbon neutrality", "Look for it on SMRJ's website", "Source documents of this page"]),
        ("selfcheck:factors", ["List of emission factors", "Publication year not given in the source"]),
        (
            "privacy",
            [
                "What we store, what for, and for how long",
                "To delete your account and data",
                "Requests for disclosure, correction or suspension of use",
            ],
        ),
        ("terms", ["Terms of use", "What is not allowed", "Governing law and court"]),
        ("contact", ["Carbon neutrality consultations", "Public contacts named in the source documents"]),
    ],
)
def test_changed_pages_read_in_english(client, url_name, texts):
    body = html.unescape(_english(client).get(reverse(url_name)).content.decode())
    assert '<html lang="en">' in body
    for text in texts:
        assert text in body, text


@pytest.mark.django_db
def test_the_lpg_help_reads_in_english(client, sme_user):
    sheet = filled_sheet(sme_user.company, fiscal_year=2026)
    client.force_login(sme_user)
    body = html.unescape(_english(client).get(reverse("selfcheck:step1", args=[sheet.pk])).content.decode())
    assert "propane 1/502 t/m³, butane 1/355 t/m³" in body
    assert "LPG supplier's conversion factor (kg/m³)" in body


@pytest.mark.django_db
def test_the_needs_list_writes_deadlines_as_each_language_does(client):
    from matching.tests.factories import NeedFactory

    deadline = jst_date(timezone.now()) + dt.timedelta(days=21)
    need = NeedFactory(deadline=deadline)
    japanese = f"{deadline.year}年{deadline.month}月{deadline.day}日"
    assert japanese in client.get(reverse("matching:index")).content.decode()
    body = _english(client).get(reverse("matching:index")).content.decode()
    assert f"{deadline.day} {deadline:%b} {deadline.year}" in body and need.title in body
    assert japanese not in body
