"""Every interface string is translated into Kazakh and Russian, and the catalogs compile."""
from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from repository.web.i18n import LOCALES, TRANSLATIONS_DIR, compile_catalogs, locale_name

ROOT = Path(__file__).resolve().parents[2]
METHODS = [("repository/web/**.py", "python"), ("repository/templates/**.html", "jinja2.ext:babel_extract")]
OPTIONS = {"repository/templates/**.html": {"extensions": "jinja2.ext.i18n", "trimmed": "true"}}
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}


def used_messages() -> dict[str, str]:
    found = {}
    for filename, lineno, message, _, _ in extract_from_dir(ROOT, METHODS, options_map=OPTIONS, keywords=KEYWORDS):
        key = message[0] if isinstance(message, tuple) else message
        found.setdefault(key, f"{filename}:{lineno}")
    return found


@pytest.fixture(scope="module")
def used():
    return used_messages()


@pytest.mark.parametrize("locale", LOCALES)
def test_every_string_is_translated(used, locale):
    with (TRANSLATIONS_DIR / locale / "LC_MESSAGES" / "messages.po").open("rb") as po:
        catalog = read_po(po, locale=locale)
    missing = [f"{msgid!r} ({where})" for msgid, where in used.items()
               if msgid not in catalog or not all(catalog[msgid].string if isinstance(catalog[msgid].string, tuple)
                                                  else [catalog[msgid].string])]
    assert not missing, f"untranslated in {locale}: " + "; ".join(missing)
    unused = sorted(m.id if isinstance(m.id, str) else m.id[0] for m in catalog if m.id and
                    (m.id if isinstance(m.id, str) else m.id[0]) not in used)
    assert not unused, f"{locale}: stale messages no longer used: {unused}"


def test_catalogs_compile_with_plural_rules():
    catalogs = compile_catalogs()
    assert catalogs["kk"].gettext("Search") == "Іздеу"
    assert catalogs["ru"].ngettext("%(num)s item", "%(num)s items", 5) == "%(num)s материалов"
    assert catalogs["ru"].ngettext("%(num)s item", "%(num)s items", 22) == "%(num)s материала"
    assert catalogs["en"].gettext("Search") == "Search"


def test_language_names_in_the_interface_language():
    assert locale_name("ru", "kk") == "орыс тілі"
    assert locale_name("kk-Latn", "ru").startswith("казахский (латиница")
    assert locale_name("en", "en") == "English"
