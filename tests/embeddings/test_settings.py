"""Settings: a strict config file, one-line errors for wrong values, and the example file that lists them all."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from embeddings.errors import SettingsError
from embeddings.settings import Settings, load_settings
from embeddings.settings_file import ENV_DEPENDENT, EXAMPLE_FILE, example_toml
from qa.cli import main

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def clean_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run in an empty folder with no WENDA_* variables, so only what a test writes is read."""
    import os

    monkeypatch.setenv("WENDA_CONFIG", "unset")  # `qa --config` sets it for the process: restored after each test
    for key in list(os.environ):
        if key.upper().startswith("WENDA_"):
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def one_line_error(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1 and "Traceback" not in err, err
    return err


def test_unknown_key_in_config_is_an_error_naming_it(clean_env: Path) -> None:
    (clean_env / "wenda.toml").write_text("top_kk = 3\n", encoding="utf-8")
    with pytest.raises(SettingsError, match=r"unknown setting 'top_kk' \(did you mean 'top_k'\?\)"):
        load_settings()


def test_missing_config_file_is_an_error(clean_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    err = one_line_error(["info", "--config", str(clean_env / "nope.toml")], capsys)
    assert "config file not found" in err and "nope.toml" in err
    assert not (clean_env / ".wenda").exists()


@pytest.mark.parametrize(
    ("toml", "env", "expected"),
    [
        ("top_k = [\n", {}, "not valid TOML"),
        ("top_k = \"many\"\n", {}, r"top_k \(in wenda.toml\): .*integer.*'many'"),
        ("", {"WENDA_TOP_K": "abc"}, r"top_k \(env WENDA_TOP_K\): .*integer.*'abc'"),
        ("", {"WENDA_PORT": "70000"}, r"port \(env WENDA_PORT\): .*65535"),
    ],
)
def test_bad_values_are_one_line_errors(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], toml: str, env: dict[str, str], expected: str
) -> None:
    if toml:
        (clean_env / "wenda.toml").write_bytes(toml.encode())
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(SettingsError, match=expected):
        load_settings()
    one_line_error(["info"], capsys)


def test_non_utf8_config_is_an_error(clean_env: Path) -> None:
    (clean_env / "wenda.toml").write_bytes("top_k = 3 # 五\n".encode("gb18030"))
    with pytest.raises(SettingsError, match="not valid TOML"):
        load_settings()


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["ask", "问题？", "--top-k", "-5"], "top_k"),
        (["ask", "问题？", "--top-k", "51"], "top_k"),
        (["serve", "--port", "70000"], "port"),
        (["serve", "--port", "-1"], "port"),
    ],
)
def test_out_of_range_flags_are_errors(argv: list[str], expected: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert expected in one_line_error(argv, capsys)


def test_negative_passages_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["ask", "问题？", "--passages", "-1"])
    assert exc.value.code == 2 and "negative" in capsys.readouterr().err


def test_example_file_lists_every_setting_with_its_default(clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = (REPO / EXAMPLE_FILE).read_text(encoding="utf-8")
    defaults = Settings.model_construct()
    assert text == example_toml(Settings.model_fields, {k: getattr(defaults, k) for k in Settings.model_fields}), (
        f"{EXAMPLE_FILE} is out of date: python -m embeddings.settings_file > {EXAMPLE_FILE}"
    )
    for name in Settings.model_fields:
        assert f"\n{name} = " in text or f"\n# {name} = " in text, name
    # Used as a config file as it is, it changes nothing.
    (clean_env / "wenda.toml").write_text(text, encoding="utf-8")
    values = tomllib.loads(text)
    loaded = load_settings()
    plain = Settings.model_construct()
    for name in values:
        assert getattr(loaded, name) == getattr(plain, name), name
    assert set(Settings.model_fields) - set(values) == ENV_DEPENDENT | {
        k for k, v in Settings.model_fields.items() if getattr(plain, k) is None
    }
