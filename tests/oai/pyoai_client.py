"""Harvest a repository with pyoai (run in pyoai's own environment, lxml < 5) and print JSON.

pyoai sends its requests as POST (application/x-www-form-urlencoded) unless force_http_get is set.
Usage: python pyoai_client.py BASE_URL
"""
import json
import sys

from oaipmh.client import Client
from oaipmh.metadata import MetadataRegistry, oai_dc_reader


def main(url):
    registry = MetadataRegistry()
    registry.registerReader("oai_dc", oai_dc_reader)
    client = Client(url, registry)
    identify = client.identify()
    identifiers = [h.identifier() for h in client.listIdentifiers(metadataPrefix="oai_dc")]
    records = [[h.identifier(), h.isDeleted()] for h, _metadata, _about in client.listRecords(metadataPrefix="oai_dc")]
    json.dump({"repositoryName": identify.repositoryName(), "identifiers": identifiers, "records": records},
              sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    main(sys.argv[1])
