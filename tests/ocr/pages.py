"""Small generated test pages (Pillow + Debian fonts), ~300 dpi sizes."""
from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

FONT_DIRS = (Path("/usr/share/fonts/truetype"), Path("/usr/share/fonts/opentype"))

KAZAKH_CYRILLIC = [
    "Көкжар ауылының шежіресінен",
    "Ауылдағы алғашқы мектеп өткен ғасырдың басында ашылған.",
    "Балалар жазда мал бағып, оқуға тек күз бен қыс айларында келетін.",
    "Мұрағатта сақталған құжаттар өлкетану үшін өте құнды.",
    "Қарияның әңгімесі бойынша ауыл тарихы жазылды.",
]
KAZAKH_LATIN = [
    "Auyl mektebınıñ tarihynan",
    "Auyldağy alğaşqy mektep ötken ğasyrdyñ basynda aşylğan.",
    "Balalar jazda mal bağyp, oquğa tek küz ben qys ailarynda keletın.",
    "Mūrağatta saqtalğan qūjattar ölketanu üşın öte qūndy.",
    "Qariianyñ äñgımesı boiynşa auyl tarihy jazyldy.",
    "Äkemnıñ äñgımelerı ülken kıtapqa endı.",
]
PRE1918 = [
    "Корреспонденціи изъ Лепсинска.",
    "Въ нашемъ городѣ открылась новая библіотека.",
    "Мѣстные жители собрались въ зданіи училища.",
    "Ѳедоръ Ивановичъ прочелъ рѣчь о пользѣ чтенія.",
    "Всѣ были очень довольны этимъ событіемъ.",
    "Послѣ того дѣти пѣли пѣсни, и вечеръ окончился поздно.",
]


def font(name: str) -> Path:
    for base in FONT_DIRS:
        found = sorted(base.rglob(name))
        if found:
            return found[0]
    raise FileNotFoundError(f"font {name} not installed (fonts-dejavu-core, fonts-noto-core, fonts-freefont-ttf)")


def render(path: Path, lines: list[str], font_file: str, size_px: int = 46,
           width: int = 2100, repeat: int = 1) -> Path:
    """Black text on white, one printed line per entry, saved with 300 dpi."""
    face = ImageFont.truetype(str(font(font_file)), size_px)
    all_lines = lines * repeat
    step = int(size_px * 1.6)
    im = Image.new("L", (width, 120 + step * len(all_lines)), 255)
    draw = ImageDraw.Draw(im)
    for i, line in enumerate(all_lines):
        draw.text((90, 60 + i * step), line, font=face, fill=0)
    im.save(path, dpi=(300, 300))
    return path
