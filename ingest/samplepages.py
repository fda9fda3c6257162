"""The project's own scan-like sample pages, with exact ground truth.

Used by the demo set, the tests and the benchmark, so that none of them depends on files outside
the repository. Texts are original short local-history compositions (fictional newspapers and
persons). Pages are typeset with free Debian fonts, then slightly rotated, blurred and speckled
the way a flatbed scan looks. Everything is seeded: the same arguments give the same pixels.

CLI: `python -m ingest.samplepages OUT` writes the demo set (see `make_demo_set`).

Text is laid out with Pillow's BASIC engine: with raqm, once pyvips has loaded Debian's libvips (and
its FreeType), Pillow measures glyphs absurdly (Pillow 12 wheel with Debian libvips 8.14).
"""
from __future__ import annotations

import csv
import random
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

from PIL import Image, ImageDraw, ImageFilter, ImageFont


FONT_DIRS = (
    Path("/usr/share/fonts/truetype/dejavu"),
    Path("/usr/share/fonts/truetype/paratype"),
    Path("/usr/share/fonts/truetype/noto"),
    Path("/usr/share/fonts/truetype/freefont"),
)
# Fonts with full Cyrillic incl. Kazakh letters and the pre-1918 ones (ѣ і ѳ ѵ); first found wins.
FONT_CANDIDATES = {
    "serif": ("DejaVuSerif.ttf", "PTF55F.ttf", "NotoSerif-Regular.ttf", "FreeSerif.ttf"),
    "sans": ("DejaVuSans.ttf", "PTS55F.ttf", "NotoSans-Regular.ttf", "FreeSans.ttf"),
    "old": ("FreeSerif.ttf", "PTF55F.ttf", "DejaVuSerif.ttf"),
    "mono": ("PTM55F.ttf", "DejaVuSansMono.ttf", "FreeMono.ttf"),
}

# --- texts -------------------------------------------------------------------------------------
# Original compositions for this project. Headings are the first line of each text.

KK_CYRL = """Өскемен қаласының тарихынан
Өскемен қаласы Ертіс пен Үлбі өзендерінің түйіскен жерінде орналасқан. Бекініс 1720 жылы салынып, \
кейін сауда мен кен өндірісінің орталығына айналды. Қала маңындағы таулардан қорғасын, мырыш және \
мыс өндірілді. Ескі көпестер үйлері мен ағаш мешіт әлі күнге дейін сақталған. Өлкетану мұражайының \
қорында көне кітаптар, фотосуреттер және қолжазбалар бар. Облыстық кітапхана осы мұраны цифрлық \
мұрағатқа енгізуді қолға алды. Оқырмандар енді сирек басылымдарды үйден шықпай-ақ оқи алады."""

KK_FOR_LATN = """Ертіс бойындағы ауылдар
Ертіс өзені Алтай тауларынан басталып, солтүстікке қарай ағады. Өзен жағасындағы ауылдардың \
тұрғындары ертеде балық аулап, шабындықтан шөп шауып, мал өсірген. Көктемгі тасқын кезінде \
қайықпен қатынаған. Ауыл мектебінің мұғалімі жинаған әңгімелер мен суреттер бүгінде өлкетану \
қорында сақтаулы. Жастар сол жазбаларды оқып, өз ауылының шежіресін жазуға кірісті."""

RU_MODERN = """Старая пристань Семипалатинска
В конце XIX века Семипалатинск был крупным торговым городом на Иртыше. Через его пристань шли \
караваны с шерстью, кожей и хлебом. Купеческие дома из красного кирпича строились вдоль главной \
улицы, а на левом берегу раскинулась Заречная слобода. Летом по реке ходили пароходы до Омска и \
Павлодара, зимой грузы везли на санях. Сегодня о тех временах напоминают фотографии и газетные \
подшивки, которые хранит областная библиотека."""

RU_PREREFORM = """Прииртышскій Вѣстникъ, 12 іюля 1916 года
Пароходъ «Ермакъ» прибылъ вчера изъ Омска съ грузомъ хлѣба и мануфактуры. По словамъ капитана \
Ѳедорова, вода въ Иртышѣ нынѣшнимъ лѣтомъ стоитъ низко, и суда идутъ медленно. На пристани \
собралось много народа; торговцы ожидаютъ скораго подвоза соли изъ Павлодара. Городская управа \
объявляетъ, что библіотека при народномъ домѣ открыта ежедневно, кромѣ воскресенія, отъ 10 до 2 \
часовъ пополудни."""

EN = """The Irtysh ferry
Before the bridge was built, a wooden ferry carried carts and travellers across the Irtysh below \
the old fortress. Its keeper wrote the water level in a notebook every morning from 1908 to 1931. \
The notebook, now in the regional library, is one of the first items of the digital archive."""

MIXED = """Өлкетану қоры: 1916 жылғы газеттер
Ниже описаны дела, отобранные для оцифровки в 2024 году. Дело 17: подшивка газеты за июль и \
август 1916 г., 42 листа. Дело 18: письма учителей Семипалатинской области, 1912-1915 гг. \
Digitised by the local history sector on 2024-03-15, 300 dpi, grey scale. Сақтау шифры: ӨҚ-1916/17."""

_KK_LATN_MAP = {
    "а": "a", "ә": "ä", "б": "b", "в": "v", "г": "g", "ғ": "ğ", "д": "d", "е": "e", "ё": "io",
    "ж": "j", "з": "z", "и": "i", "й": "i", "к": "k", "қ": "q", "л": "l", "м": "m", "н": "n",
    "ң": "ñ", "о": "o", "ө": "ö", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ұ": "ū",
    "ү": "ü", "ф": "f", "х": "h", "һ": "h", "ц": "ts", "ч": "ç", "ш": "ş", "щ": "şş", "ъ": "",
    "ы": "y", "і": "ı", "ь": "", "э": "e", "ю": "iu", "я": "ia",
}
# Upper case of the dotless/dotted pair is not Python's .upper(): і→ı gives I, и→i gives İ.
_KK_LATN_UPPER = {"і": "I", "и": "İ", "й": "İ"}


def kk_cyrl_to_latn(text: str) -> str:
    """Kazakh Cyrillic → Kazakh Latin (2021 alphabet), letter by letter."""
    out = []
    for ch in text:
        low = ch.lower()
        if low not in _KK_LATN_MAP:
            out.append(ch)
        elif ch == low:
            out.append(_KK_LATN_MAP[low])
        else:
            lat = _KK_LATN_UPPER.get(low) or _KK_LATN_MAP[low]
            out.append(lat[:1].upper() + lat[1:])
    return "".join(out)


@dataclass(frozen=True)
class Category:
    name: str
    text: str
    font: str
    tesseract_lang: str  # what a raw Tesseract run would be given for this category
    bcp47: str


CATEGORIES: dict[str, Category] = {
    "kk_cyrl": Category("kk_cyrl", KK_CYRL, "serif", "kaz", "kk-Cyrl"),
    "kk_latn": Category("kk_latn", kk_cyrl_to_latn(KK_FOR_LATN), "sans", "kaz+eng", "kk-Latn"),
    "ru_modern": Category("ru_modern", RU_MODERN, "serif", "rus", "ru"),
    "ru_prereform": Category("ru_prereform", RU_PREREFORM, "old", "rus", "ru-petr1708"),
    "en": Category("en", EN, "sans", "eng", "en"),
    "mixed": Category("mixed", MIXED, "serif", "kaz+rus+eng", "mul"),
}


# --- rendering ---------------------------------------------------------------------------------

def find_font(kind: str) -> Path:
    for name in FONT_CANDIDATES[kind]:
        for folder in FONT_DIRS:
            if (folder / name).is_file():
                return folder / name
    raise FileNotFoundError(f"no {kind} font found; install fonts-dejavu-core fonts-paratype fonts-freefont-ttf")


def wrap_lines(paragraph: str, font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    """Greedy word wrap; the returned lines are exactly what gets printed."""
    lines: list[str] = []
    current = ""
    for word in paragraph.split():
        trial = f"{current} {word}" if current else word
        if current and font.getlength(trial) > width:
            lines.append(current)
            current = word
        else:
            current = trial
    if current:
        lines.append(current)
    return lines


@dataclass(frozen=True)
class PageSpec:
    size: tuple[int, int] = (800, 1100)
    font_size: int = 24
    margin: int = 60
    rotation: float = 0.4  # degrees; scans are never quite straight
    blur: float = 0.5
    speckle: float = 0.0015  # fraction of pixels turned into dust
    paper: tuple[int, int, int] | None = None  # RGB paper tint, None = grey page
    seed: int = 1


def _font(font_kind: str, size: int) -> ImageFont.FreeTypeFont:
    # Pillow's own (BASIC) layout: the raqm layout picks up the FreeType that Debian's libvips loads
    # when pyvips is imported first and then measures text absurdly. Cyrillic and Latin need no shaping.
    return ImageFont.truetype(str(find_font(font_kind)), size, layout_engine=ImageFont.Layout.BASIC)


def render_text(text: str, font_kind: str, spec: PageSpec = PageSpec()) -> tuple[Image.Image, list[str]]:
    """Typeset `text` (first line a heading, the rest one paragraph each) and degrade it.

    Returns the image and the printed lines (lines that do not fit on the page are left out).
    """
    width, height = spec.size
    font = _font(font_kind, spec.font_size)
    head_font = _font(font_kind, round(spec.font_size * 1.25))
    mode = "RGB" if spec.paper else "L"
    page = Image.new(mode, spec.size, spec.paper or 255)
    draw = ImageDraw.Draw(page)
    ink = (35, 30, 25) if spec.paper else 25
    heading, *paragraphs = text.split("\n")
    blocks = [(head_font, wrap_lines(heading, head_font, width - 2 * spec.margin))]
    blocks += [(font, wrap_lines(p, font, width - 2 * spec.margin)) for p in paragraphs]
    printed: list[str] = []
    y = spec.margin
    for block_font, lines in blocks:
        step = round(block_font.size * 1.55)
        for line in lines:
            if y + step > height - spec.margin:
                break
            draw.text((spec.margin, y), line, font=block_font, fill=ink)
            printed.append(line)
            y += step
        y += round(spec.font_size * 0.6)
    return degrade(page, spec), printed


def degrade(page: Image.Image, spec: PageSpec) -> Image.Image:
    rng = random.Random(spec.seed)
    fill = spec.paper or 255
    if spec.rotation:
        page = page.rotate(spec.rotation, resample=Image.Resampling.BICUBIC, fillcolor=fill)
    if spec.blur:
        page = page.filter(ImageFilter.GaussianBlur(spec.blur))
    if spec.speckle:
        w, h = page.size
        noise = Image.frombytes("L", (w, h), rng.randbytes(w * h))
        cut = round(255 * (1 - spec.speckle))
        # Dust: the few brightest noise pixels become dark specks.
        mask = noise.point(lambda v: 255 if v > cut else 0)
        dark = Image.new(page.mode, page.size, (60, 55, 50) if page.mode == "RGB" else 60)
        page = Image.composite(dark, page, mask)
    return page


def category_page(category: str, spec: PageSpec = PageSpec()) -> tuple[Image.Image, list[str]]:
    cat = CATEGORIES[category]
    return render_text(cat.text, cat.font, spec)


def write_page(path: Path, category: str, spec: PageSpec = PageSpec(), *, dpi: int = 300,
               jpeg_quality: int = 85) -> Path:
    """Write the page image (format from the suffix: .png .jpg .tif) and the exact `<stem>.txt`."""
    image, lines = category_page(category, spec)
    path.parent.mkdir(parents=True, exist_ok=True)
    save_image(image, path, dpi=dpi, jpeg_quality=jpeg_quality)
    path.with_suffix(".txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def save_image(image: Image.Image, path: Path, *, dpi: int = 300, jpeg_quality: int = 85) -> None:
    suffix = path.suffix.lower()
    if suffix in (".jpg", ".jpeg"):
        image.save(path, "JPEG", quality=jpeg_quality, dpi=(dpi, dpi))
    elif suffix in (".tif", ".tiff"):
        image.save(path, "TIFF", compression="tiff_deflate", dpi=(dpi, dpi))
    else:
        image.save(path, "PNG", dpi=(dpi, dpi))


def make_pdf(images: Sequence[Image.Image], path: Path, *, dpi: int = 300) -> Path:
    """A scan-only PDF (no text layer) with one page per image.

    Images may repeat (the same object several times): that is how the benchmark makes a
    1,000-page PDF without holding 1,000 distinct pages in memory.
    """
    first, *rest = images
    path.parent.mkdir(parents=True, exist_ok=True)
    first.save(path, "PDF", save_all=True, append_images=rest, resolution=float(dpi))
    return path


def make_tiff(images: Sequence[Image.Image], path: Path, *, dpi: int = 300) -> Path:
    """A multi-page TIFF (deflate-compressed), one frame per image."""
    first, *rest = images
    path.parent.mkdir(parents=True, exist_ok=True)
    first.save(path, "TIFF", save_all=True, append_images=rest, compression="tiff_deflate",
               dpi=(dpi, dpi))
    return path


def make_big_pdf(path: Path, pages: int, *, distinct: int = 12, spec: PageSpec = PageSpec(),
                 dpi: int = 150) -> Path:
    """A long scan-only PDF cycling through `distinct` rendered pages (for the memory benchmark)."""
    cats = list(CATEGORIES)
    images = [category_page(cats[i % len(cats)], _seeded(spec, i))[0] for i in range(min(distinct, pages))]
    return make_pdf([images[i % len(images)] for i in range(pages)], path, dpi=dpi)


def _seeded(spec: PageSpec, n: int) -> PageSpec:
    return PageSpec(spec.size, spec.font_size, spec.margin, spec.rotation * (1 if n % 2 else -1),
                    spec.blur, spec.speckle, spec.paper, spec.seed + n)


def page_texts(category: str, spec: PageSpec = PageSpec()) -> str:
    """The ground truth of `category_page(category, spec)` without rendering the degraded image."""
    return "\n".join(category_page(category, spec)[1]) + "\n"


# --- the demo set ------------------------------------------------------------------------------

DEMO_SPEC = PageSpec(size=(1240, 1754), font_size=34, margin=100)

SHEET_COLUMNS = (
    "path", "title@kk-Cyrl", "title@ru", "title@en", "creator", "date", "subject@kk-Cyrl",
    "subject@ru", "spatial", "language", "type", "rights", "collection", "description@en",
)


def make_demo_set(out_dir: Path | str) -> Path:
    """Write four demo items and `sheet.csv` describing them; returns the sheet path.

    - `oskemen/`: folder of three pages (p1.png, p2.png, p10.jpg: natural order matters)
    - `semey-pristan.pdf`: a two-page scan-only PDF
    - `vestnik-1916/`: one two-page TIFF in pre-1918 orthography
    - `ertis-latyn/`: Kazakh Latin page and a mixed-language page, with an `item.yaml`
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    spec = DEMO_SPEC
    write_page(out / "oskemen" / "p1.png", "kk_cyrl", _seeded(spec, 1))
    write_page(out / "oskemen" / "p2.png", "mixed", _seeded(spec, 2))
    write_page(out / "oskemen" / "p10.jpg", "en", _seeded(spec, 3))
    pdf_pages = [category_page("ru_modern", _seeded(spec, n)) for n in (4, 5)]
    make_pdf([img for img, _ in pdf_pages], out / "semey-pristan.pdf", dpi=150)
    _write_truth(out / "semey-pristan.txt", [lines for _, lines in pdf_pages])
    old = PageSpec(spec.size, spec.font_size, spec.margin, 0.9, 0.7, 0.003, (236, 226, 200), 6)
    tif_pages = [category_page("ru_prereform", _seeded(old, n)) for n in (0, 1)]
    make_tiff([img for img, _ in tif_pages], out / "vestnik-1916" / "vestnik.tif", dpi=150)
    _write_truth(out / "vestnik-1916" / "vestnik.txt", [lines for _, lines in tif_pages])
    write_page(out / "ertis-latyn" / "01.png", "kk_latn", _seeded(spec, 7))
    write_page(out / "ertis-latyn" / "02.png", "mixed", _seeded(spec, 8))
    (out / "ertis-latyn" / "item.yaml").write_text(ITEM_YAML, encoding="utf-8")
    sheet = out / "sheet.csv"
    _write_sheet(sheet, DEMO_ROWS)
    return sheet


def _write_truth(path: Path, pages: Iterable[list[str]]) -> None:
    # One text for a multi-page source: pages separated by a form feed, as pdftotext does.
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\f".join("\n".join(lines) + "\n" for lines in pages), encoding="utf-8")


def _write_sheet(path: Path, rows: Sequence[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=SHEET_COLUMNS)
        writer.writeheader()
        for row in rows:
            writer.writerow(row)


DEMO_ROWS: tuple[dict[str, str], ...] = (
    {
        "path": "oskemen", "title@kk-Cyrl": "Өскемен қаласының тарихынан",
        "title@ru": "Из истории Усть-Каменогорска", "title@en": "From the history of Öskemen",
        "creator": "Облыстық кітапхана өлкетану секторы", "date": "2019",
        "subject@kk-Cyrl": "Өлкетану||Қала тарихы", "subject@ru": "Краеведение||История города",
        "spatial": "Өскемен", "language": "kk||ru||en", "type": "Text",
        "rights": "http://rightsstatements.org/vocab/InC-EDU/1.0/", "collection": "olketanu",
        "description@en": "Notes of a local-history circle on the town of Öskemen.",
    },
    {
        "path": "semey-pristan.pdf", "title@kk-Cyrl": "Семейдің ескі айлағы",
        "title@ru": "Старая пристань Семипалатинска", "title@en": "The old pier of Semey",
        "creator": "", "date": "1998/2001", "subject@kk-Cyrl": "Сауда",
        "subject@ru": "Торговля||Судоходство", "spatial": "Семей", "language": "ru",
        "type": "Text", "rights": "https://creativecommons.org/licenses/by/4.0/",
        "collection": "olketanu", "description@en": "An essay on the river trade of Semipalatinsk.",
    },
    {
        "path": "vestnik-1916", "title@kk-Cyrl": "«Прииртышский вестник», 1916 ж. 12 шілде",
        "title@ru": "Прииртышскій Вѣстникъ, 12 іюля 1916 г.",
        "title@en": "Priirtyshsky Vestnik, 12 July 1916", "creator": "", "date": "1916-07-12",
        "subject@kk-Cyrl": "Газеттер", "subject@ru": "Газеты||Пароходство", "spatial": "Ертіс",
        "language": "ru", "type": "Text",
        "rights": "http://rightsstatements.org/vocab/NoC-OKLR/1.0/", "collection": "gazetter",
        "description@en": "A page of a (fictional) 1916 regional newspaper in pre-reform spelling.",
    },
)

ITEM_YAML = """\
# Metadata beside the files (an alternative to a sheet row).
title:
  - {value: "Ertis boiyndağy auyldar", lang: kk-Latn}
  - {value: "Ертіс бойындағы ауылдар", lang: kk-Cyrl}
  - {value: "Villages along the Irtysh", lang: en}
date: "2021"
subject:
  - {value: "Ауыл тарихы", lang: kk-Cyrl}
spatial: ["Ертіс"]
language: [kk, ru, en]
type: Text
rights: "https://creativecommons.org/licenses/by-sa/4.0/"
collection: olketanu
"""


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 1 or args[0].startswith("-"):
        print("usage: python -m ingest.samplepages OUT_DIR", file=sys.stderr)
        return 2
    sheet = make_demo_set(Path(args[0]))
    print(f"demo set written; sheet: {sheet}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
