"""The web UI: public pages (issue 7), and the helpers the staff pages build on.

`init_web(app)` is the one call `create_app` makes: languages, security headers, CSRF checking,
template helpers and the public blueprint. Error pages are rendered by `repository.web.errors`,
which `create_app` registers on its own (it also serves the API).
"""
from __future__ import annotations

from flask import Flask


def init_web(app: Flask) -> None:
    # Imported here, not at the top: `repository.web.errors` is imported by create_app early, and
    # importing this package must not pull in the whole web layer.
    from repository.web import csrf, i18n, public, security
    from repository.web.urls import url_with

    i18n.init_i18n(app)
    security.init_security(app)
    csrf.init_csrf(app)
    app.jinja_env.globals.update(url_with=url_with)
    app.jinja_env.trim_blocks = app.jinja_env.lstrip_blocks = True  # tidy HTML from indented templates
    app.register_blueprint(public.make_blueprint())
    from repository.web import catalogue_page  # issue 8: /catalogue/<record_id>

    app.register_blueprint(catalogue_page.make_blueprint())
