"""The OAI-PMH envelope: XML declaration, responseDate, the `request` element, then the verb's answer."""
from __future__ import annotations

from datetime import datetime, timezone

from lxml import etree

from repository.oai.arguments import OAIRequest
from repository.oai.errors import OAIError
from repository.oai.settings import OAISettings

OAI_NS = "http://www.openarchives.org/OAI/2.0/"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
SCHEMA_LOCATION = f"{OAI_NS} http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd"
CONTENT_TYPE = "text/xml; charset=utf-8"


def oai(name: str) -> str:
    return f"{{{OAI_NS}}}{name}"


def utc_datestamp(moment: datetime) -> str:
    """`YYYY-MM-DDThh:mm:ssZ`, the only granularity this repository publishes."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def envelope(settings: OAISettings, now: datetime, request: OAIRequest | None) -> tuple[etree._Element, etree._Element]:
    """The OAI-PMH root with responseDate and request; returns (root, request element).

    `request` is None when the arguments must not be echoed (badVerb, badArgument): then the element
    holds the base URL alone.
    """
    root = etree.Element(oai("OAI-PMH"), nsmap={None: OAI_NS, "xsi": XSI_NS})
    root.set(f"{{{XSI_NS}}}schemaLocation", SCHEMA_LOCATION)
    etree.SubElement(root, oai("responseDate")).text = utc_datestamp(now)
    echo = etree.SubElement(root, oai("request"))
    echo.text = settings.endpoint
    if request is not None:
        echo.set("verb", request.verb)
        for name, value in request.args.items():
            echo.set(name, value)
    return root, echo


def render(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def error_document(settings: OAISettings, now: datetime, request: OAIRequest | None, error: OAIError) -> bytes:
    root, _ = envelope(settings, now, request if error.echoes_arguments else None)
    element = etree.SubElement(root, oai("error"), code=error.code)
    element.text = error.message
    return render(root)
