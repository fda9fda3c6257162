"""The JSON-LD context URIs of the IIIF APIs the viewer answers in, spelled once."""
from __future__ import annotations

IMAGE_3_CONTEXT = "http://iiif.io/api/image/3/context.json"
PRESENTATION_2_CONTEXT = "http://iiif.io/api/presentation/2/context.json"  # Content Search 1.0 answers
PRESENTATION_3_CONTEXT = "http://iiif.io/api/presentation/3/context.json"
SEARCH_1_CONTEXT = "http://iiif.io/api/search/1/context.json"
SEARCH_2_CONTEXT = "http://iiif.io/api/search/2/context.json"
