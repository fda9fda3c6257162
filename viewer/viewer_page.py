"""The Mirador viewer: an embeddable HTML fragment for the web UI's item page, and a standalone page.

Mirador 4 is the npm package's UMD bundle (`dist/mirador.min.js`), served by the application at
`options.mirador_url`; it is installed by setup and never committed. The window opens on the item's
manifest at the requested page, with the search panel in the sidebar when the item has OCR text; a
query opens Content Search on it at once (`windows[].defaultSearchQuery`).
"""
from __future__ import annotations

from typing import Any

from flask import render_template
from markupsafe import Markup

from viewer.manifest import has_text, item_label
from viewer.options import ViewerOptions
from viewer.source import ItemView


def canvas_index(item: ItemView, page: int) -> int:
    """0-based canvas index for a 1-based page number, clamped to the item's pages."""
    return min(max(page, 1), max(len(item.pages), 1)) - 1


def mirador_config(
    options: ViewerOptions, item: ItemView, page: int = 1, query: str | None = None, element_id: str = "mirador"
) -> dict[str, Any]:
    """The object passed to `Mirador.viewer(...)`."""
    searchable = has_text(item)
    window: dict[str, Any] = {
        "manifestId": options.manifest_url(item.id),
        "canvasIndex": canvas_index(item, page),
    }
    if len(item.pages) > 1:
        window["thumbnailNavigationPosition"] = "far-bottom"
    if query and searchable:
        window["defaultSearchQuery"] = query
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
    }


def embed_html(
    options: ViewerOptions, item: ItemView, page: int = 1, query: str | None = None, element_id: str = "mirador"
) -> Markup:
    """The fragment (container + script tags) that shows `item` in Mirador; needs an app context."""
    config = mirador_config(options, item, page, query, element_id)
    return Markup(
        render_template("viewer/_mirador_embed.html", config=config, element_id=element_id, options=options)
    )


def viewer_page_html(options: ViewerOptions, item: ItemView, page: int = 1, query: str | None = None) -> str:
    """A whole HTML page with nothing but the viewer (for `/iiif/viewer/<item_id>` and iframes)."""
    return render_template(
        "viewer/viewer_page.html",
        embed=embed_html(options, item, page, query),
        title=_plain_title(item),
    )


def _plain_title(item: ItemView) -> str:
    label = item_label(item.record)
    for lang in ("kk", "ru", "en", "none"):
        if label.get(lang):
            return label[lang][0]
    return next(iter(label.values()))[0]
