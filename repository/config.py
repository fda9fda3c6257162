"""Configuration: every setting declared once, with its type, default and help text.

`load_config()` reads `config.yaml` once into a frozen `Config`; `OLKETANU_<SECTION>_<KEY>`
environment variables override single keys. Unknown keys and bad values stop start-up with a
`ConfigError` naming the key and what is allowed. No other module reads the environment.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any, Callable, Mapping

import yaml

from repository.errors import ConfigError

ENV_PREFIX = "OLKETANU_"


@dataclass(frozen=True)
class Setting:
    section: str
    key: str
    kind: type  # str, int, float or bool
    default: Any
    help: str
    choices: tuple[str, ...] | None = None
    minimum: float | None = None
    is_path: bool = False  # relative paths resolve against the config file's folder

    @property
    def env_name(self) -> str:
        return f"{ENV_PREFIX}{self.section.upper()}_{self.key.upper()}"

    @property
    def dotted(self) -> str:
        return f"{self.section}.{self.key}"


def _s(section: str, key: str, kind: type, default: Any, help: str, **kw: Any) -> Setting:
    return Setting(section, key, kind, default, help, **kw)


SETTINGS: tuple[Setting, ...] = (
    # repository
    _s("repository", "name", str, "Ölketanu", "Repository name shown in the UI, OAI Identify and IIIF provider."),
    _s("repository", "base_url", str, "http://127.0.0.1:5000",
       "Public base URL (scheme, host, port, no trailing slash) used in IIIF ids, OAI links and the API."),
    _s("repository", "oai_identifier", str, "olketanu.kz",
       "Repository identifier in OAI identifiers `oai:<this>:<item-id>` (a domain name)."),
    _s("repository", "admin_email", str, "archive@olketanu.kz", "Administrator e-mail given in OAI Identify."),
    _s("repository", "attribution", str, "Өлкетану — облыстық кітапхананың өлкетану қоры",
       "Attribution shown as IIIF requiredStatement and on item pages."),
    _s("repository", "data_dir", str, "var", "Folder for the database file, storage, caches and secrets.",
       is_path=True),
    # server
    _s("server", "host", str, "127.0.0.1", "Address `olketanu serve` listens on."),
    _s("server", "port", int, 5000, "Port `olketanu serve` listens on.", minimum=1),
    _s("server", "secret_key", str, "",
       "Session signing key; empty means a random key kept in `<data_dir>/secret_key`."),
    _s("server", "secure_cookies", bool, False, "Mark session cookies Secure (set true behind HTTPS)."),
    # database
    _s("database", "url", str, "",
       "SQLAlchemy URL; empty means the SQLite file `<data_dir>/olketanu.db`. "
       "PostgreSQL: `postgresql+psycopg://user:pass@host/db`."),
    # storage
    _s("storage", "backend", str, "local", "Object store for masters and derivatives.",
       choices=("local", "s3")),
    _s("storage", "local_root", str, "", "Folder of the local store; empty means `<data_dir>/storage`.",
       is_path=True),
    _s("storage", "s3_endpoint", str, "", "S3 endpoint URL (empty: AWS default)."),
    _s("storage", "s3_region", str, "us-east-1", "S3 region."),
    _s("storage", "s3_bucket", str, "olketanu", "S3 bucket; created when missing."),
    _s("storage", "s3_access_key", str, "", "S3 access key id."),
    _s("storage", "s3_secret_key", str, "", "S3 secret access key."),
    _s("storage", "s3_multipart_mb", int, 16, "Objects larger than this many MiB go up in multipart parts.",
       minimum=5),
    # search
    _s("search", "backend", str, "sqlite", "Search backend.", choices=("sqlite", "elasticsearch")),
    _s("search", "elasticsearch_url", str, "http://127.0.0.1:9200", "Elasticsearch URL."),
    _s("search", "index_prefix", str, "olketanu", "Prefix of Elasticsearch index names."),
    _s("search", "sqlite_path", str, "", "FTS5 index file; empty means `<data_dir>/search.db`.", is_path=True),
    # ocr
    _s("ocr", "engine", str, "tesseract", "OCR engine.", choices=("tesseract",)),
    _s("ocr", "languages", str, "kaz+rus+eng", "Default Tesseract languages when no model choice is forced."),
    _s("ocr", "model_choice", str, "auto",
       "`auto` picks the model per page by script and orthography; `fixed` always uses `ocr.languages`.",
       choices=("auto", "fixed")),
    _s("ocr", "low_confidence", float, 70.0,
       "Pages whose mean word confidence (0-100) is below this are flagged for review.", minimum=0),
    _s("ocr", "timeout_s", int, 300, "Seconds one OCR call may take before its page fails.", minimum=1),
    _s("ocr", "tesseract_resident", bool, True,
       "Keep Tesseract's models loaded between pages in one helper process per worker (libtesseract): "
       "the same output as running the `tesseract` program per page, without reloading the models each "
       "time. `false` runs the program for every page."),
    # ingest
    _s("ingest", "workers", int, 0, "Page worker processes; 0 means one per CPU core.", minimum=0),
    _s("ingest", "max_file_mb", int, 2048, "Largest accepted input file, MiB.", minimum=1),
    _s("ingest", "max_pixels", int, 400_000_000, "Largest accepted page, in pixels (decompression-bomb limit).",
       minimum=1),
    _s("ingest", "pdf_dpi", int, 300, "Resolution PDF pages are rendered at.", minimum=50),
    _s("ingest", "pdf_timeout_s", int, 120, "Seconds rendering one PDF page may take.", minimum=1),
    # queue
    _s("queue", "backend", str, "sqlite", "Task queue for background ingest jobs.", choices=("sqlite", "redis")),
    _s("queue", "redis_url", str, "redis://127.0.0.1:6379/0", "Redis URL for the `redis` queue."),
    # iiif
    _s("iiif", "tile_cache_mb", int, 512, "Size bound of the on-disk cache of encoded IIIF images, MiB; 0 disables.",
       minimum=0),
    _s("iiif", "tile_cache_dir", str, "", "Folder of the IIIF cache; empty means `<data_dir>/iiif-cache`.",
       is_path=True),
    _s("iiif", "jpeg_quality", int, 90, "JPEG quality of served IIIF images.", minimum=1),
    _s("iiif", "max_area", int, 16_000_000, "Largest IIIF response in pixels (maxArea in info.json).", minimum=1),
    # oai
    _s("oai", "page_size", int, 100, "Records per OAI-PMH list response.", minimum=1),
    _s("oai", "restricted_metadata", str, "visible",
       "Whether OAI exposes metadata of restricted items (never their image links).",
       choices=("visible", "hidden")),
    _s("oai", "token_ttl_s", int, 86400, "Lifetime of OAI resumption tokens, seconds.", minimum=60),
    # web
    _s("web", "default_locale", str, "kk", "Interface language when the reader has not chosen one.",
       choices=("kk", "ru", "en")),
    _s("web", "login_max_failures", int, 5, "Failed logins before an account is locked for a while.", minimum=1),
    _s("web", "login_lock_s", int, 900, "Seconds an account stays locked after too many failures.", minimum=1),
    _s("web", "login_ip_max_failures", int, 20,
       "Failed staff logins from one IP address (any user names) within `web.login_ip_window_s` before that "
       "address must wait; counted in the memory of each server process.", minimum=1),
    _s("web", "login_ip_window_s", int, 600, "Window of the per-address login limit, seconds.", minimum=1),
    _s("web", "upload_max_mb", int, 2048, "Largest staff upload (all files, or a zip unpacked), MiB.", minimum=1),
    _s("web", "upload_max_files", int, 2000, "Most files in one staff upload (zip entries included).", minimum=1),
    _s("web", "reading_room_networks", str, "",
       "Comma-separated CIDR networks (e.g. `10.1.2.0/24`) of the library's reading-room computers; "
       "anonymous requests from them may view `reading-room` items. Empty: staff only."),
)

SECTIONS: tuple[str, ...] = tuple(dict.fromkeys(s.section for s in SETTINGS))
_BY_NAME: dict[tuple[str, str], Setting] = {(s.section, s.key): s for s in SETTINGS}


@dataclass(frozen=True)
class Config:
    """A frozen view of all settings: `config.get("storage", "backend")` or `config.storage.backend`."""

    values: Mapping[tuple[str, str], Any]
    source: Path | None = None

    def get(self, section: str, key: str) -> Any:
        return self.values[(section, key)]

    def section(self, section: str) -> Mapping[str, Any]:
        return MappingProxyType({k: v for (s, k), v in self.values.items() if s == section})

    def __getattr__(self, name: str) -> Any:
        if name in SECTIONS:
            return _SectionView(self, name)
        raise AttributeError(name)

    def replace(self, **dotted: Any) -> "Config":
        """A copy with some settings changed, e.g. `replace(storage__backend="s3")`; values are checked."""
        values = dict(self.values)
        for name, raw in dotted.items():
            section, _, key = name.partition("__")
            setting = _setting(section, key, origin="replace()")
            values[(section, key)] = _coerce(setting, raw, origin="replace()")
        return Config(MappingProxyType(values), self.source)

    # Derived paths: one place decides where the embedded defaults live.
    @property
    def data_dir(self) -> Path:
        return Path(self.get("repository", "data_dir"))

    @property
    def database_url(self) -> str:
        return self.get("database", "url") or f"sqlite:///{self.data_dir / 'olketanu.db'}"

    @property
    def storage_root(self) -> Path:
        return Path(self.get("storage", "local_root") or self.data_dir / "storage")

    @property
    def search_path(self) -> Path:
        return Path(self.get("search", "sqlite_path") or self.data_dir / "search.db")

    @property
    def iiif_cache_dir(self) -> Path:
        return Path(self.get("iiif", "tile_cache_dir") or self.data_dir / "iiif-cache")


class _SectionView:
    def __init__(self, config: Config, section: str):
        self._config, self._section = config, section

    def __getattr__(self, key: str) -> Any:
        try:
            return self._config.get(self._section, key)
        except KeyError:
            raise AttributeError(f"{self._section}.{key}") from None


def _setting(section: str, key: str, origin: str) -> Setting:
    if section not in SECTIONS:
        raise ConfigError(f"{origin}: unknown section '{section}'; allowed: {', '.join(SECTIONS)}")
    try:
        return _BY_NAME[(section, key)]
    except KeyError:
        allowed = ", ".join(s.key for s in SETTINGS if s.section == section)
        raise ConfigError(f"{origin}: unknown key '{section}.{key}'; allowed in [{section}]: {allowed}") from None


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def _coerce(setting: Setting, raw: Any, origin: str) -> Any:
    where = f"{origin}: '{setting.dotted}'"
    converters: dict[type, Callable[[Any], Any]] = {str: _to_str, int: _to_int, float: _to_float, bool: _to_bool}
    try:
        value = converters[setting.kind](raw)
    except (TypeError, ValueError):
        raise ConfigError(f"{where} must be {setting.kind.__name__}, got {raw!r}") from None
    if setting.choices is not None and value not in setting.choices:
        raise ConfigError(f"{where} must be one of {', '.join(setting.choices)}, got {value!r}")
    if setting.minimum is not None and value < setting.minimum:
        raise ConfigError(f"{where} must be at least {setting.minimum:g}, got {value!r}")
    return value


def _to_str(raw: Any) -> str:
    if isinstance(raw, (dict, list)):
        raise TypeError
    return "" if raw is None else str(raw)


def _to_int(raw: Any) -> int:
    if isinstance(raw, bool) or isinstance(raw, float):
        raise TypeError
    return int(str(raw).strip())


def _to_float(raw: Any) -> float:
    if isinstance(raw, bool):
        raise TypeError
    return float(str(raw).strip())


def _to_bool(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: the top level must be a mapping of sections")
    return data


def load_config(
    path: str | os.PathLike[str] | None = None,
    environ: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> Config:
    """Read settings: defaults, then the YAML file, then `OLKETANU_*` variables, then `overrides`.

    `overrides` maps `section.key` (or nested `{section: {key: value}}`) to values, for tests and
    the app factory's `create_app(config={...})`.
    """
    environ = os.environ if environ is None else environ
    if path is None:
        path = environ.get(f"{ENV_PREFIX}CONFIG") or ("config.yaml" if Path("config.yaml").is_file() else None)
    source = Path(path).resolve() if path else None
    values: dict[tuple[str, str], Any] = {(s.section, s.key): s.default for s in SETTINGS}

    if source is not None:
        if not source.is_file():
            raise ConfigError(f"config file {source} does not exist")
        for section, keys in _read_yaml(source).items():
            if keys is None:
                continue
            if not isinstance(keys, dict):
                raise ConfigError(f"{source}: section '{section}' must be a mapping")
            for key, raw in keys.items():
                setting = _setting(str(section), str(key), origin=str(source))
                values[(setting.section, setting.key)] = _coerce(setting, raw, origin=str(source))

    for name, raw in environ.items():
        if not name.startswith(ENV_PREFIX) or name == f"{ENV_PREFIX}CONFIG":
            continue
        setting = _setting_from_env(name)
        values[(setting.section, setting.key)] = _coerce(setting, raw, origin=f"environment {name}")

    for dotted, raw in _flatten(overrides or {}):
        section, _, key = dotted.partition(".")
        setting = _setting(section, key, origin="overrides")
        values[(section, key)] = _coerce(setting, raw, origin="overrides")

    base = source.parent if source is not None else Path.cwd()
    for setting in SETTINGS:
        value = values[(setting.section, setting.key)]
        if setting.is_path and value and not Path(value).is_absolute():
            values[(setting.section, setting.key)] = str((base / value).resolve())
    return Config(MappingProxyType(values), source)


def _setting_from_env(name: str) -> Setting:
    rest = name[len(ENV_PREFIX):].lower()
    for section in SECTIONS:
        if rest.startswith(section + "_"):
            return _setting(section, rest[len(section) + 1:], origin=f"environment {name}")
    raise ConfigError(f"environment {name}: unknown section; allowed: {', '.join(SECTIONS)}")


def _flatten(overrides: Mapping[str, Any]) -> list[tuple[str, Any]]:
    flat: list[tuple[str, Any]] = []
    for name, value in overrides.items():
        if isinstance(value, Mapping):
            flat.extend((f"{name}.{key}", inner) for key, inner in value.items())
        else:
            flat.append((name, value))
    return flat


def render_docs() -> str:
    """The text of docs/config.md, generated from SETTINGS so it cannot drift."""
    lines = [
        "# Configuration",
        "",
        "Settings are read once from `config.yaml` (or the file named by `OLKETANU_CONFIG`).",
        "Each can be overridden by the environment variable shown. Relative paths resolve",
        "against the folder of the config file. Unknown keys and bad values stop start-up.",
        "",
    ]
    for section in SECTIONS:
        lines += [f"## [{section}]", "", "| key | type | default | environment | meaning |", "|---|---|---|---|---|"]
        for s in (s for s in SETTINGS if s.section == section):
            kind = s.kind.__name__ + (f" ({' / '.join(s.choices)})" if s.choices else "")
            lines.append(f"| `{s.key}` | {kind} | `{s.default!r}` | `{s.env_name}` | {s.help} |")
        lines.append("")
    return "\n".join(lines)
