"""The provider's settings, read once from the app's Config (only repository/config.py reads files)."""
from __future__ import annotations

from dataclasses import dataclass

from repository.config import Config
from repository.oai.tokens import derive_key


@dataclass(frozen=True)
class OAISettings:
    repository_name: str
    base_url: str  # the repository's public base URL, no trailing slash
    repository_id: str  # `olketanu.kz` in `oai:olketanu.kz:<local id>`
    admin_email: str
    page_size: int
    restricted_metadata: str  # "visible" | "hidden"
    token_ttl_s: int
    token_key: bytes
    default_locale: str  # language of set names

    @classmethod
    def from_config(cls, config: Config, secret_key: str) -> OAISettings:
        return cls(
            repository_name=config.get("repository", "name"),
            base_url=config.get("repository", "base_url").rstrip("/"),
            repository_id=config.get("repository", "oai_identifier"),
            admin_email=config.get("repository", "admin_email"),
            page_size=config.get("oai", "page_size"),
            restricted_metadata=config.get("oai", "restricted_metadata"),
            token_ttl_s=config.get("oai", "token_ttl_s"),
            token_key=derive_key(secret_key),
            default_locale=config.get("web", "default_locale"),
        )

    @property
    def endpoint(self) -> str:
        """The baseURL of the OAI-PMH interface (what `request` and Identify/baseURL show)."""
        return f"{self.base_url}/oai"

    def oai_identifier(self, local_id: str) -> str:
        return f"oai:{self.repository_id}:{local_id}"

    def local_id(self, oai_identifier: str) -> str | None:
        """The local part of one of our identifiers; None for anyone else's."""
        prefix = f"oai:{self.repository_id}:"
        return oai_identifier[len(prefix):] or None if oai_identifier.startswith(prefix) else None

    def item_page(self, item_id: str) -> str:
        return f"{self.base_url}/items/{item_id}"

    def manifest(self, item_id: str) -> str:
        return f"{self.base_url}/iiif/manifest/{item_id}"
