"""URLs of the page being shown with some query parameters changed (paging, sort, language, facets)."""
from __future__ import annotations

from urllib.parse import urlencode

from flask import request


def url_with(**changes: object) -> str:
    """This request's path and query with `changes` applied; a None value removes the parameter.

    Repeated parameters (facet filters) are kept as they are; only the named ones are replaced.
    """
    pairs = [(k, v) for k, v in request.args.items(multi=True) if k not in changes]
    for key, value in changes.items():
        if value is None:
            continue
        values = value if isinstance(value, (list, tuple)) else [value]
        pairs.extend((key, str(v)) for v in values)
    query = urlencode(pairs)
    return request.path + ("?" + query if query else "")
