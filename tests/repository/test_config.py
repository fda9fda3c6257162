"""Configuration: errors name the key, overrides, paths, and docs/config.md stays current."""
from pathlib import Path

import pytest

from repository.config import SETTINGS, load_config, render_docs
from repository.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_docs_config_md_is_current_and_lists_every_setting():
    text = (ROOT / "docs" / "config.md").read_text(encoding="utf-8")
    assert text == render_docs(), "docs/config.md is stale: regenerate it with repository.config.render_docs()"
    for setting in SETTINGS:
        assert f"`{setting.key}`" in text and setting.env_name in text


def test_defaults_without_file(tmp_path):
    config = load_config(write(tmp_path, ""), environ={})
    assert config.get("storage", "backend") == "local"
    assert config.database_url.startswith("sqlite:///") and config.database_url.endswith("olketanu.db")
    assert config.get("web", "reading_room_networks") == ""


@pytest.mark.parametrize("text, named", [
    ("nosuch:\n  key: 1\n", "nosuch"),
    ("storage:\n  bakend: local\n", "storage.bakend"),
    ("server:\n  port: eighty\n", "server.port"),
    ("server:\n  secure_cookies: maybe\n", "server.secure_cookies"),
    ("storage:\n  backend: ftp\n", "storage.backend"),
    ("server:\n  port: 0\n", "server.port"),
    ("storage: [1, 2]\n", "storage"),
])
def test_bad_yaml_names_the_key(tmp_path, text, named):
    with pytest.raises(ConfigError, match=named.replace(".", r"\.")):
        load_config(write(tmp_path, text), environ={})


def test_bad_choice_lists_what_is_allowed(tmp_path):
    with pytest.raises(ConfigError, match="local, s3"):
        load_config(write(tmp_path, "storage:\n  backend: ftp\n"), environ={})


@pytest.mark.parametrize("name, value, named", [
    ("OLKETANU_STORAGE_BAKEND", "x", "storage.bakend"),
    ("OLKETANU_NOPE_X", "x", "OLKETANU_NOPE_X"),
    ("OLKETANU_OAI_PAGE_SIZE", "-3", "oai.page_size"),
])
def test_bad_environment_names_the_key(tmp_path, name, value, named):
    with pytest.raises(ConfigError, match=named.replace(".", r"\.")):
        load_config(write(tmp_path, ""), environ={name: value})


def test_precedence_file_then_environment_then_overrides(tmp_path):
    path = write(tmp_path, "server:\n  port: 6000\n  host: 0.0.0.0\n")
    config = load_config(path, environ={"OLKETANU_SERVER_PORT": "7000"}, overrides={"server": {"host": "::1"}})
    assert config.get("server", "port") == 7000 and config.get("server", "host") == "::1"
    assert config.server.port == 7000


def test_paths_resolve_against_the_config_folder(tmp_path):
    (tmp_path / "etc").mkdir()
    path = tmp_path / "etc" / "config.yaml"
    path.write_text("repository:\n  data_dir: ../data\n", encoding="utf-8")
    config = load_config(path, environ={})
    assert config.data_dir == (tmp_path / "data").resolve()
    assert config.storage_root == (tmp_path / "data" / "storage").resolve()


def test_missing_file_is_an_error(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(tmp_path / "absent.yaml", environ={})


def test_reading_room_networks_are_checked(tmp_path):
    from repository.access import parse_networks

    assert len(parse_networks("10.0.0.0/8, 192.168.1.0/24")) == 2
    with pytest.raises(ConfigError, match="web.reading_room_networks"):
        parse_networks("10.0.0.0/8, lobby")
