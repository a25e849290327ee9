"""The server's settings: its HTTP fields on top of qa's, taken from wenda.toml and the environment by every
loader (qa's too), and checked like the others."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from qa.cli import main
from qa.cli_common import common_parser, settings_from_args
from qa.errors import SettingsError
from qa.settings import QASettings, load_settings
from server.settings import ServerSettings

pytestmark = pytest.mark.usefixtures("clean_settings_env")


def test_server_settings_extend_qa_settings() -> None:
    assert issubclass(ServerSettings, QASettings)
    assert {"host", "port", "api_key", "rate_limit_per_minute", "max_sessions", "max_body_bytes"} <= set(ServerSettings.model_fields)
    defaults = ServerSettings()
    assert (defaults.host, defaults.port, defaults.cors_origins, defaults.api_key) == ("127.0.0.1", 8000, ["*"], None)


def test_a_server_key_in_wenda_toml_is_accepted_by_every_layer(clean_settings_env: Path) -> None:
    (clean_settings_env / "wenda.toml").write_text(
        'port = 8123\napi_key = "secret"\ncors_origins = ["http://a.example"]\ntop_k = 4\n', encoding="utf-8"
    )
    assert QASettings().top_k == 4  # qa's own class reads the same file without refusing the server's keys
    for settings in (load_settings(), ServerSettings.load()):
        assert isinstance(settings, ServerSettings)
        assert (settings.port, settings.api_key, settings.cors_origins, settings.top_k) == (8123, "secret", ["http://a.example"], 4)


def test_server_fields_come_from_env(clean_settings_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (clean_settings_env / "wenda.toml").write_text("port = 8123\n", encoding="utf-8")
    monkeypatch.setenv("WENDA_PORT", "9001")
    monkeypatch.setenv("WENDA_TRUSTED_PROXIES", '["127.0.0.1"]')
    monkeypatch.setenv("WENDA_RATE_LIMIT_PER_MINUTE", "0")
    settings = ServerSettings.load()
    assert (settings.port, settings.trusted_proxies, settings.rate_limit_per_minute) == (9001, ["127.0.0.1"], 0)
    args = argparse.ArgumentParser(parents=[common_parser()]).parse_args(["--index-dir", "idx"])
    from_flags = settings_from_args(args, layer=ServerSettings).with_overrides(port=9002)
    assert (from_flags.port, from_flags.index_dir) == (9002, Path("idx"))


def test_a_bad_server_value_is_a_one_line_error(clean_settings_env: Path) -> None:
    (clean_settings_env / "wenda.toml").write_text("port = 70000\n", encoding="utf-8")
    with pytest.raises(SettingsError, match=r"port \(in wenda.toml\): .*65535"):
        ServerSettings.load()
    with pytest.raises(SettingsError, match="port"):
        load_settings()  # qa's loader builds every layer's settings, so it checks them too


@pytest.mark.parametrize("port", ["70000", "-1"])
def test_out_of_range_port_flag_is_an_error(port: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--port", port]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1 and "port" in err, err
