"""One response builder per verb. Each takes the provider, a database session, the checked request and
the time of the response, and returns the verb's element (or raises OAIError with the spec's code)."""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from lxml import etree
from sqlalchemy.orm import Session

from metadata.dc import DCRecord, LangValue
from metadata.oai_dc import to_oai_dc
from repository.oai import tokens
from repository.oai.arguments import OAIRequest, parse_window
from repository.oai.errors import OAIError
from repository.oai.formats import MetadataFormat
from repository.oai.records import TOP_SET_NAMES, ListQuery, OAIRecord, RecordSource, SetInfo, pick_language
from repository.oai.response import XSI_NS, oai, utc_datestamp
from repository.oai.settings import OAISettings

OAI_IDENTIFIER_NS = "http://www.openarchives.org/OAI/2.0/oai-identifier"
OAI_IDENTIFIER_SCHEMA = "http://www.openarchives.org/OAI/2.0/oai-identifier.xsd"
SAMPLE_LOCAL_ID = "kz2m4xq7rb5tye3nwa6c"


@dataclass(frozen=True)
class Provider:
    settings: OAISettings
    sources: Sequence[RecordSource]
    formats: Mapping[str, MetadataFormat]


Handler = Callable[[Provider, Session, OAIRequest, datetime], etree._Element]


def _sub(parent: etree._Element, name: str, text: str | None = None) -> etree._Element:
    child = etree.SubElement(parent, oai(name))
    if text is not None:
        child.text = text
    return child


# -- Identify -------------------------------------------------------------------------------------------

def identify(provider: Provider, session: Session, request: OAIRequest, now: datetime) -> etree._Element:
    s = provider.settings
    element = etree.Element(oai("Identify"))
    _sub(element, "repositoryName", s.repository_name)
    _sub(element, "baseURL", s.endpoint)
    _sub(element, "protocolVersion", "2.0")
    _sub(element, "adminEmail", s.admin_email)
    earliest = [d for d in (source.earliest(session) for source in provider.sources) if d is not None]
    # An empty repository has no earliest record; "now" is a lower bound of every datestamp to come.
    _sub(element, "earliestDatestamp", utc_datestamp(min(earliest) if earliest else now))
    # Withdrawn items stay as tombstones for ever (the repository never deletes an item row).
    _sub(element, "deletedRecord", "persistent")
    _sub(element, "granularity", "YYYY-MM-DDThh:mm:ssZ")
    description = _sub(element, "description")
    ident = etree.SubElement(description, f"{{{OAI_IDENTIFIER_NS}}}oai-identifier", nsmap={None: OAI_IDENTIFIER_NS})
    ident.set(f"{{{XSI_NS}}}schemaLocation", f"{OAI_IDENTIFIER_NS} {OAI_IDENTIFIER_SCHEMA}")
    for name, text in (
        ("scheme", "oai"), ("repositoryIdentifier", s.repository_id), ("delimiter", ":"),
        ("sampleIdentifier", s.oai_identifier(SAMPLE_LOCAL_ID)),
    ):
        etree.SubElement(ident, f"{{{OAI_IDENTIFIER_NS}}}{name}").text = text
    return element


# -- ListMetadataFormats ----------------------------------------------------------------------------------

def list_metadata_formats(provider: Provider, session: Session, request: OAIRequest, now: datetime) -> etree._Element:
    formats = list(provider.formats.values())
    identifier = request.get("identifier")
    if identifier is not None:
        record = find_record(provider, session, identifier)
        formats = [f for f in formats if f.describes(record)]
        if not formats:
            raise OAIError("noMetadataFormats", f"no metadata formats are available for {identifier}")
    element = etree.Element(oai("ListMetadataFormats"))
    for fmt in formats:
        entry = _sub(element, "metadataFormat")
        _sub(entry, "metadataPrefix", fmt.prefix)
        _sub(entry, "schema", fmt.schema)
        _sub(entry, "metadataNamespace", fmt.namespace)
    return element


# -- ListSets -----------------------------------------------------------------------------------------------

def list_sets(provider: Provider, session: Session, request: OAIRequest, now: datetime) -> etree._Element:
    if request.get("resumptionToken") is not None:
        # The set list always comes whole, so no ListSets token was ever issued.
        raise OAIError("badResumptionToken", "this repository issues no resumption tokens for ListSets")
    element = etree.Element(oai("ListSets"))
    for info in all_sets(provider, session):
        entry = _sub(element, "set")
        _sub(entry, "setSpec", info.spec)
        _sub(entry, "setName", info.name)
        if info.description:
            dc = DCRecord({"description": [LangValue(info.description, info.description_lang)]})
            _sub(entry, "setDescription").append(to_oai_dc(dc))
    return element


def all_sets(provider: Provider, session: Session) -> list[SetInfo]:
    found = []
    for source in provider.sources:
        names = TOP_SET_NAMES.get(source.top_set, {})
        name, _ = pick_language({k: [v] for k, v in names.items()}, provider.settings.default_locale)
        found.append(SetInfo(source.top_set, name or source.top_set))
        found.extend(source.sets(session))
    return found


# -- GetRecord ----------------------------------------------------------------------------------------------

def get_record(provider: Provider, session: Session, request: OAIRequest, now: datetime) -> etree._Element:
    record = find_record(provider, session, request.args["identifier"])
    fmt = provider.formats.get(request.args["metadataPrefix"])
    if fmt is None or not fmt.describes(record):
        raise OAIError("cannotDisseminateFormat", f"{request.args['metadataPrefix']!r} is not available for this record")
    element = etree.Element(oai("GetRecord"))
    element.append(record_element(provider, record, fmt))
    return element


def find_record(provider: Provider, session: Session, identifier: str) -> OAIRecord:
    local_id = provider.settings.local_id(identifier)
    if local_id is not None:
        for source in provider.sources:
            record = source.get(session, local_id)
            if record is not None:
                return record
    raise OAIError("idDoesNotExist", f"{identifier!r} is not an identifier of this repository")


# -- ListIdentifiers / ListRecords -----------------------------------------------------------------------

def list_identifiers(provider: Provider, session: Session, request: OAIRequest, now: datetime) -> etree._Element:
    return _list(provider, session, request, now, with_metadata=False)


def list_records(provider: Provider, session: Session, request: OAIRequest, now: datetime) -> etree._Element:
    return _list(provider, session, request, now, with_metadata=True)


def _list(provider: Provider, session: Session, request: OAIRequest, now: datetime, with_metadata: bool) -> etree._Element:
    state, fmt = _start_or_resume(provider, session, request, now)
    query = ListQuery(parse_window(state.from_, state.until), state.set_spec, fmt.requires)
    limit = provider.settings.page_size
    found = _fetch(provider, session, state, query, fmt, limit + 1, with_metadata)
    if not found:
        raise OAIError("noRecordsMatch", "no records match the request")
    page, more = found[:limit], len(found) > limit
    element = etree.Element(oai(request.verb))
    for _, record in page:
        element.append(record_element(provider, record, fmt) if with_metadata else header(provider, record))
    size = max(state.size, state.cursor + len(page))  # records added mid-harvest make the list longer
    if more:
        index, last = page[-1]
        following = replace(state, after=(index, last.local_id), cursor=state.cursor + len(page), size=size)
        token = _sub(element, "resumptionToken", tokens.encode(following, provider.settings.token_key, now))
        token.set("expirationDate", utc_datestamp(tokens.expires(now, provider.settings.token_ttl_s)))
    elif state.cursor > 0:
        token = _sub(element, "resumptionToken")  # empty: the list is complete
    else:
        return element  # the whole list fitted in one response: no token at all
    token.set("completeListSize", str(size))
    token.set("cursor", str(state.cursor))
    return element


def _start_or_resume(
    provider: Provider, session: Session, request: OAIRequest, now: datetime
) -> tuple[tokens.ListState, MetadataFormat]:
    text = request.get("resumptionToken")
    if text is not None:
        state = tokens.decode(text, provider.settings.token_key, provider.settings.token_ttl_s, now)
        fmt = provider.formats.get(state.prefix or "")
        if state.verb != request.verb or fmt is None:
            raise OAIError("badResumptionToken", f"the resumption token does not belong to a {request.verb} list")
        return state, fmt
    prefix = request.args["metadataPrefix"]
    fmt = provider.formats.get(prefix)
    if fmt is None:
        raise OAIError("cannotDisseminateFormat", f"{prefix!r} is not a metadata format of this repository")
    state = tokens.ListState(
        verb=request.verb, prefix=prefix, set_spec=request.get("set"), from_=request.get("from"),
        until=request.get("until"), after=None, cursor=0, size=0, started=int(now.timestamp()),
    )
    query = ListQuery(request.window, state.set_spec, fmt.requires)
    size = sum(source.count(session, query) for _, source in _sources_for(provider, fmt))
    return replace(state, size=size), fmt


def _sources_for(provider: Provider, fmt: MetadataFormat) -> list[tuple[int, RecordSource]]:
    return [(i, source) for i, source in enumerate(provider.sources) if source.kind in fmt.kinds]


def _fetch(
    provider: Provider, session: Session, state: tokens.ListState, query: ListQuery, fmt: MetadataFormat,
    limit: int, with_metadata: bool,
) -> list[tuple[int, OAIRecord]]:
    """Up to `limit` records after the cursor, source by source in list order."""
    found: list[tuple[int, OAIRecord]] = []
    for index, source in _sources_for(provider, fmt):
        if state.after is not None and index < state.after[0]:
            continue
        after = state.after[1] if state.after is not None and index == state.after[0] else None
        found.extend((index, r) for r in source.page(session, query, after, limit - len(found), with_metadata))
        if len(found) >= limit:
            break
    return found


# -- records ------------------------------------------------------------------------------------------------

def header(provider: Provider, record: OAIRecord) -> etree._Element:
    element = etree.Element(oai("header"))
    if record.deleted:
        element.set("status", "deleted")
    _sub(element, "identifier", provider.settings.oai_identifier(record.local_id))
    _sub(element, "datestamp", utc_datestamp(record.datestamp))
    for spec in record.set_specs:
        _sub(element, "setSpec", spec)
    return element


def record_element(provider: Provider, record: OAIRecord, fmt: MetadataFormat) -> etree._Element:
    element = etree.Element(oai("record"))
    element.append(header(provider, record))
    if not record.deleted:  # a deleted record is its header alone
        _sub(element, "metadata").append(fmt.build(record, provider.settings.repository_name))
    return element


HANDLERS: Mapping[str, Handler] = {
    "Identify": identify,
    "ListMetadataFormats": list_metadata_formats,
    "ListSets": list_sets,
    "GetRecord": get_record,
    "ListIdentifiers": list_identifiers,
    "ListRecords": list_records,
}
