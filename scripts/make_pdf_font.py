"""Build static/fonts/NotoSansCJKjp-PdfSubset-Regular.otf, the subset Japanese font of the report PDFs.

From the Debian package fonts-noto-cjk (Noto Sans CJK JP Regular, SIL Open Font License 1.1: static/fonts/OFL.txt),
keep ASCII, Latin-1, common punctuation and symbols, kana, the JIS X 0208 non-kanji rows and level-1 kanji, and every
character of the self-check templates and code; drop hinting and vertical metrics and flatten the CFF subroutines.
The result is about 1.7 MB instead of 19 MB, so that WeasyPrint loads and subsets it quickly and embeds small
subsets. A character outside it (a level-2 kanji in a company name) falls back to the system's full Noto Sans CJK JP
through the CSS font-family list, so nothing is ever drawn as a missing glyph.

    .venv/bin/python scripts/make_pdf_font.py    (takes a minute; commit the result)
"""

import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTCollection

ROOT = Path(__file__).resolve().parent.parent
SOURCE = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
TARGET = ROOT / "static" / "fonts" / "NotoSansCJKjp-PdfSubset-Regular.otf"
RANGES = [
    (0x20, 0x7E),  # ASCII
    (0xA0, 0xFF),  # Latin-1
    (0x2000, 0x206F),  # general punctuation (—, ※, …)
    (0x2100, 0x214F),  # letterlike symbols (℃, №)
    (0x2190, 0x21FF),  # arrows
    (0x2200, 0x22FF),  # mathematical operators (−, ≦)
    (0x2460, 0x24FF),  # enclosed numbers (①)
    (0x2500, 0x257F),  # box drawing
    (0x25A0, 0x25FF),  # shapes (■, ○)
    (0x3000, 0x30FF),  # CJK punctuation, hiragana, katakana
    (0xFF00, 0xFFEF),  # full-width forms
]


def characters() -> set[int]:
    chars = {c for low, high in RANGES for c in range(low, high + 1)}
    for row in range(0xA1, 0xA1 + 47):  # JIS X 0208 rows 1–47: symbols, kana, Greek, Cyrillic, level-1 kanji
        for cell in range(0xA1, 0xFF):
            try:
                chars.add(ord(bytes([row, cell]).decode("euc_jp")))
            except UnicodeDecodeError:
                pass
    for pattern in ("templates/selfcheck/**/*.html", "selfcheck/*.py", "core/charts.py"):
        for path in ROOT.glob(pattern):
            chars |= {ord(c) for c in path.read_text(encoding="utf-8") if ord(c) > 0x7F}
    return chars


def main() -> None:
    if not SOURCE.exists():
        sys.exit(f"{SOURCE} is missing: apt-get install fonts-noto-cjk")
    font = next(f for f in TTCollection(SOURCE).fonts if f["name"].getDebugName(1) == "Noto Sans CJK JP")
    options = subset.Options()
    options.desubroutinize = True
    options.hinting = False
    options.layout_features = ["*"]
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.notdef_outline = True
    options.drop_tables += ["VORG", "vhea", "vmtx"]
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=characters())
    subsetter.subset(font)
    TARGET.parent.mkdir(parents=True, exist_ok=True)
    font.save(TARGET)
    print(f"{TARGET.relative_to(ROOT)}: {len(font.getBestCmap())} characters, {TARGET.stat().st_size:,} bytes")


if __name__ == "__main__":
    main()
