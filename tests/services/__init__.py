"""Real services for the tests, started on demand by the session fixtures in tests/conftest.py.

Each starts on a free port on 127.0.0.1 with its data in a temp dir and is stopped at session end:
PostgreSQL (`postgres.py`), Redis (`redis_server.py`), Elasticsearch (`elasticsearch.py`) and an
S3-compatible server (`s3.py`). `process.py` holds the shared plumbing. The binaries come from
`bash scripts/setup.sh install` (Debian packages, and .cache/ for Elasticsearch and S3Proxy).
"""
