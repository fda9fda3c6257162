"""The Mirador viewer: one embed (container, JSON data island, scripts) for every page that shows it.

The web UI's item page includes it with `{{ mirador_embed(item, page, q) }}` (registered by the
blueprint), and `/iiif/viewer/<item_id>` is a page with nothing but it. Mirador 4 is the npm package's
UMD bundle (`dist/mirador.min.js`), served by the application at `options.mirador_url`; it is installed
by setup and never committed.

No inline script: the site's Content-Security-Policy forbids them. The configuration travels in a
`<script type="application/json">` island that the blueprint's static `js/viewer.js` reads. A query
is not Mirador's `windows[].defaultSearchQuery` (Mirador 4.0.0 then crashes the window, "reading
'targetId'"): the island carries it beside the configuration and viewer.js starts the search once
the page is shown.

Language: Mirador is given the page's locale (kk, ru or en) as its `language`, which sets both its
interface strings (Kazakh and Russian from `viewer.mirador_translations`) and which value of the
manifest's language maps (label, metadata) it shows. The locale is the application's Flask-Babel
locale when it has one (the web UI: `?lang=`, cookie, default Kazakh), else `?lang=`; with neither,
Mirador keeps its default (English) and the config carries no language.
"""
from __future__ import annotations

from typing import Any

from flask import current_app, render_template, request
from markupsafe import Markup

from viewer.manifest import has_text, item_label
from viewer.mirador_translations import AVAILABLE_LANGUAGES, LANGUAGES, TRANSLATIONS
from viewer.options import ViewerOptions
from viewer.source import ItemView


def canvas_index(item: ItemView, page: int) -> int:
    """0-based canvas index for a 1-based page number, clamped to the item's pages."""
    return min(max(page, 1), max(len(item.pages), 1)) - 1


def page_language() -> str | None:
    """The locale of this request for Mirador (kk, ru or en), or None when nothing says; needs a request."""
    if "babel" in current_app.extensions:
        from flask_babel import get_locale

        locale = get_locale()
        if locale is not None and locale.language in LANGUAGES:
            return locale.language
    asked = request.args.get("lang")
    return asked if asked in LANGUAGES else None


def language_config(language: str | None) -> dict[str, Any]:
    """Mirador's `language`, `availableLanguages` and `translations` keys for `language` (None: none)."""
    if language not in LANGUAGES:
        return {}
    config: dict[str, Any] = {"language": language, "availableLanguages": dict(AVAILABLE_LANGUAGES)}
    if language in TRANSLATIONS:
        config["translations"] = {language: TRANSLATIONS[language]}
    return config


def mirador_config(
    options: ViewerOptions, item: ItemView, page: int = 1, element_id: str = "mirador", language: str | None = None
) -> dict[str, Any]:
    """The object passed to `Mirador.viewer(...)`: the item's manifest opened at `page`, in `language`."""
    searchable = has_text(item)
    window: dict[str, Any] = {
        "manifestId": options.manifest_url(item.id),
        "canvasIndex": canvas_index(item, page),
    }
    if len(item.pages) > 1:
        window["thumbnailNavigationPosition"] = "far-bottom"
    return {
        "id": element_id,
        "windows": [window],
        "window": {
            "allowClose": False,
            "allowMaximize": False,
            "allowFullscreen": True,
            "sideBarOpen": searchable,
            "sideBarPanel": "search" if searchable else "info",
            "panels": {
                "info": True,
                "attribution": True,
                "canvas": True,
                "search": searchable,
                "annotations": False,
                "layers": False,
            },
        },
        "workspace": {"type": "mosaic", "allowNewWindows": False},
        "workspaceControlPanel": {"enabled": False},
        **language_config(language),
    }


def embed_data(
    options: ViewerOptions,
    item: ItemView,
    page: int = 1,
    query: str | None = None,
    element_id: str = "mirador",
    language: str | None = None,
) -> dict[str, Any]:
    """The data island: Mirador's configuration, and the Content Search to start (None: no search)."""
    search = None
    if query and has_text(item):
        search = {"url": options.search1_url(item.id), "query": query}
    return {"config": mirador_config(options, item, page, element_id, language), "search": search}


def embed_html(
    options: ViewerOptions,
    item: ItemView,
    page: int = 1,
    query: str | None = None,
    element_id: str = "mirador",
    language: str | None = None,
) -> Markup:
    """The fragment that shows `item` in Mirador, filling its parent (which sets the size); needs a request.

    `language` None: the request's (`page_language()`).
    """
    data = embed_data(options, item, page, query, element_id, language or page_language())
    return Markup(render_template("viewer/_mirador_embed.html", data=data, options=options))


def viewer_page_html(options: ViewerOptions, item: ItemView, page: int = 1, query: str | None = None) -> str:
    """A whole HTML page with nothing but the viewer (for `/iiif/viewer/<item_id>` and iframes)."""
    language = page_language()
    return render_template(
        "viewer/viewer_page.html",
        embed=embed_html(options, item, page, query, language=language),
        title=_plain_title(item, language),
        lang=language,
    )


def _plain_title(item: ItemView, language: str | None = None) -> str:
    label = item_label(item.record)
    for lang in (language, "kk", "ru", "en", "none"):
        if label.get(lang):
            return label[lang][0]
    return next(iter(label.values()))[0]
