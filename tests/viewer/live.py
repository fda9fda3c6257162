"""A live IIIF server for the browser tests: the viewer blueprint beside Mirador's files, with the
repository's Content-Security-Policy on its HTML pages (so a CSP break shows in the browser)."""
from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from flask import Flask

from tests import chromium


@contextmanager
def live_iiif(name: str, source: Any, store: Any, work: Path) -> Iterator[tuple[Flask, str, Any]]:
    """(app, base URL, ViewerOptions) of a server on a free port; add routes before the first request."""
    from werkzeug.serving import make_server

    from repository.web.security import content_security_policy
    from viewer.blueprint import make_blueprint
    from viewer.options import ViewerOptions

    app = Flask(name, static_folder=str(chromium.MIRADOR_DIST), static_url_path="/static/mirador")
    server = make_server("127.0.0.1", 0, app, threaded=True)
    base = f"http://127.0.0.1:{server.server_port}"
    options = ViewerOptions(base_url=base, tile_cache_dir=str(work / "tiles"))
    app.register_blueprint(make_blueprint(source, store, options), url_prefix="/iiif")

    @app.after_request
    def with_csp(response):
        if response.mimetype == "text/html":
            response.headers["Content-Security-Policy"] = content_security_policy(base)
        return response

    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield app, base, options
    finally:
        server.shutdown()
        thread.join(timeout=10)
