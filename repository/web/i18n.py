"""The interface language: Kazakh (default), Russian or English, with Flask-Babel.

The reader's choice comes from `?lang=` (remembered in a cookie for a year), then the cookie, then
`web.default_locale`. Browser Accept-Language is deliberately not consulted: the library wants Kazakh
first for everyone who has not chosen, and a reader switches with one click.

Translations are the .po files in `repository/translations/<locale>/LC_MESSAGES/messages.po`, compiled
in memory when the app starts (no compiled .mo files to keep in step with the sources).
"""
from __future__ import annotations

import io
from pathlib import Path

from babel import Locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations
from flask import Flask, Response, current_app, request
from flask_babel import Babel, Domain, get_locale

LOCALES = ("kk", "ru", "en")
# Names shown in the switcher, each in its own language (so a reader finds theirs whatever the UI shows).
LOCALE_NAMES = {"kk": "Қазақша", "ru": "Русский", "en": "English"}
COOKIE = "olketanu_lang"
COOKIE_MAX_AGE = 365 * 24 * 3600
TRANSLATIONS_DIR = Path(__file__).resolve().parent.parent / "translations"


def compile_catalogs(directory: Path = TRANSLATIONS_DIR) -> dict[str, Translations]:
    """Each locale's messages.po compiled to a Translations object (in memory)."""
    compiled = {}
    for locale in LOCALES:
        po_path = directory / locale / "LC_MESSAGES" / "messages.po"
        with po_path.open("rb") as po_file:
            catalog = read_po(po_file, locale=locale)
        buffer = io.BytesIO()
        write_mo(buffer, catalog)
        buffer.seek(0)
        compiled[locale] = Translations(buffer)
    return compiled


class CompiledDomain(Domain):
    """A Flask-Babel domain answering from catalogs compiled at start-up instead of .mo files."""

    def __init__(self, catalogs: dict[str, Translations]) -> None:
        super().__init__()
        self.catalogs = catalogs

    def get_translations(self) -> Translations | NullTranslations:
        return self.catalogs.get(str(get_locale()), NullTranslations())


def chosen_locale() -> str:
    """The locale of this request (see the module docstring)."""
    asked = request.args.get("lang")
    if asked in LOCALES:
        return asked
    cookie = request.cookies.get(COOKIE)
    if cookie in LOCALES:
        return cookie
    return current_app.extensions["olketanu"].config.get("web", "default_locale")


def _remember_choice(response: Response) -> Response:
    asked = request.args.get("lang")
    if asked in LOCALES and request.cookies.get(COOKIE) != asked:
        response.set_cookie(COOKIE, asked, max_age=COOKIE_MAX_AGE, samesite="Lax", httponly=True,
                            secure=request.is_secure)
    return response


def locale_name(code: str, in_locale: str) -> str:
    """A BCP 47 tag's language (and script) named in the interface language, e.g. 'орыс тілі'."""
    parts = code.replace("_", "-").split("-")
    ui = Locale.parse(in_locale)
    name = ui.languages.get(parts[0].lower(), parts[0])
    script = next((p for p in parts[1:] if len(p) == 4 and p.isalpha()), None)
    if script:
        name = f"{name} ({ui.scripts.get(script.title(), script)})"
    return name


def current_locale() -> str:
    return str(get_locale())


def init_i18n(app: Flask) -> None:
    babel = Babel(app, locale_selector=chosen_locale, default_locale="kk")
    # The domain Flask-Babel would build reads .mo files; ours answers from the compiled .po files.
    babel.domain_instance = CompiledDomain(compile_catalogs())
    app.after_request(_remember_choice)
    app.jinja_env.globals.update(LOCALES=LOCALES, LOCALE_NAMES=LOCALE_NAMES, current_locale=current_locale,
                                 locale_name=locale_name)
    app.jinja_env.policies["ext.i18n.trimmed"] = True  # {% trans %} blocks: whitespace does not matter
