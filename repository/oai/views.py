"""The `/oai` endpoint: GET with a query string or POST with an application/x-www-form-urlencoded body."""
from __future__ import annotations

from datetime import datetime, timezone

from flask import Blueprint, Response, request

from repository.oai import response as oai_response
from repository.oai.arguments import OAIRequest, parse_request
from repository.oai.errors import OAIError
from repository.oai.formats import FORMATS
from repository.oai.records import default_sources
from repository.oai.settings import OAISettings
from repository.oai.verbs import HANDLERS, Provider
from repository.services import Services


def make_blueprint(services: Services, secret_key: str) -> Blueprint:
    """The OAI-PMH blueprint; `secret_key` (the app's) signs resumption tokens."""
    settings = OAISettings.from_config(services.config, secret_key)
    provider = Provider(settings, default_sources(settings), FORMATS)
    bp = Blueprint("oai", __name__)

    @bp.route("", methods=["GET", "POST"], strict_slashes=False)
    def endpoint() -> Response:
        # POST takes its arguments from the body only: mixing in the query string would let one
        # argument arrive twice from two places.
        values = request.form if request.method == "POST" else request.args
        return Response(answer(provider, services, values), content_type=oai_response.CONTENT_TYPE)

    return bp


def answer(provider: Provider, services: Services, values) -> bytes:
    """The whole OAI-PMH response document for one request's arguments."""
    # Seconds only: responseDate is what a harvester keeps as its next `from`, at our granularity.
    now = datetime.now(timezone.utc).replace(microsecond=0)
    parsed: OAIRequest | None = None
    try:
        parsed = parse_request(values)
        with services.db.read() as session:
            root, _ = oai_response.envelope(provider.settings, now, parsed)
            root.append(HANDLERS[parsed.verb](provider, session, parsed, now))
        return oai_response.render(root)
    except OAIError as error:
        return oai_response.error_document(provider.settings, now, parsed, error)
