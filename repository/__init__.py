"""Ölketanu's application package: `create_app()` builds the Flask app and everything it uses."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

from repository.config import Config, load_config


def create_app(config: Config | Mapping[str, Any] | None = None) -> Flask:
    """The WSGI app.

    `config`: None reads config.yaml and the environment; a `Config` is used as is; a mapping is a set
    of overrides on top of those (`{"database": {"url": "…"}}` or `{"database.url": "…"}`).

    Start-up checks the database schema is current: the embedded SQLite default is migrated in place,
    any other database must be upgraded by `olketanu init` first (SchemaOutOfDate otherwise).
    """
    # Imported here, not at the top: every `import repository.x` runs this file first, and loading
    # the whole app for each of them would be slow and make the submodules' imports circular.
    from repository import api
    from repository.bootstrap import secret_key
    from repository.db import ensure_schema
    from repository.oai.views import make_blueprint as make_oai_blueprint
    from repository.services import build_services
    from repository.viewer_adapter import RepositorySource, viewer_options
    from repository.web.errors import register_error_handlers
    from viewer.blueprint import make_blueprint as make_iiif_blueprint

    if not isinstance(config, Config):
        config = load_config(overrides=config)
    services = build_services(config)
    ensure_schema(services.db, config.database_url)
    if config.get("storage", "backend") == "local":
        services.store.ensure()  # a local folder costs nothing to create; an S3 bucket waits for `init`

    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=secret_key(config),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=config.get("server", "secure_cookies"),
    )
    app.json.ensure_ascii = False  # Kazakh and Russian stay readable in JSON
    app.extensions["olketanu"] = services

    register_error_handlers(app)
    app.register_blueprint(api.make_blueprint(), url_prefix="/api")
    app.register_blueprint(
        make_iiif_blueprint(RepositorySource(services), services.store, viewer_options(config)), url_prefix="/iiif"
    )
    app.register_blueprint(make_oai_blueprint(services, app.config["SECRET_KEY"]), url_prefix="/oai")
    from repository.web import init_web  # the public web UI: languages, security headers, CSRF, pages

    init_web(app)
    from repository.web.staff import init_staff  # the staff UI at /staff: login, upload, jobs, editing

    init_staff(app)
    from repository.search.service import init_app as init_search  # /api/search and the outbox drain

    init_search(app, services)
    return app
