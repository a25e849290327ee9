"""qa's settings: its own fields (no HTTP ones), env overrides, the composed `Settings` the CLI fills, one-line
errors from the CLI, the example file that lists every layer's settings, and who may read settings."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

import qa
from embeddings.settings import IndexSettings, settings_class
from embeddings.settings_file import ENV_DEPENDENT, EXAMPLE_FILE, example_toml, layer_fields
from qa.cli import main
from qa.errors import SettingsError, WendaError
from qa.settings import QASettings, get_settings, load_settings

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.usefixtures("clean_settings_env")
HTTP_FIELDS = {"host", "port", "trusted_proxies", "cors_origins", "api_key", "rate_limit_per_minute",
               "session_ttl_s", "max_sessions", "max_body_bytes"}


def one_line_error(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1 and "Traceback" not in err, err
    return err


def test_the_qa_layer_carries_no_http_fields() -> None:
    fields = set(QASettings.model_fields)
    assert issubclass(QASettings, IndexSettings) and set(IndexSettings.model_fields) < fields
    assert {"top_k", "read_k", "retrieval_mode", "reader", "abstain_threshold", "followup_rank_penalty"} <= fields
    assert not fields & HTTP_FIELDS


def test_settings_is_the_composed_class_of_every_layer() -> None:
    assert qa.Settings is settings_class() and issubclass(qa.Settings, QASettings)
    assert set(qa.Settings.model_fields) >= HTTP_FIELDS  # `Settings(api_key=...)` takes every layer's fields
    assert qa.Settings(api_key="k", top_k=3).api_key == "k"
    assert isinstance(load_settings(), qa.Settings)
    get_settings.cache_clear()
    try:
        assert isinstance(get_settings(), qa.Settings) and get_settings() is get_settings()
    finally:
        get_settings.cache_clear()


def test_qa_fields_come_from_env_then_config(clean_settings_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (clean_settings_env / "wenda.toml").write_text('top_k = 3\nreader = "sentence"\nchunk_size = 200\n', encoding="utf-8")
    monkeypatch.setenv("WENDA_READER", "rules")
    monkeypatch.setenv("WENDA_WEIGHT_DENSE", "0.5")
    settings = load_settings(retrieval_mode="bm25")
    assert (settings.top_k, settings.reader, settings.weight_dense) == (3, "rules", 0.5)
    assert settings.chunk_size == 200 and settings.retrieval_mode == "bm25"
    assert settings.with_overrides(top_k=7).top_k == 7


def test_errors_are_re_exported_from_qa() -> None:
    from embeddings import errors

    assert WendaError is errors.WendaError is qa.WendaError and SettingsError is errors.SettingsError
    assert issubclass(qa.QuestionError, WendaError)


def test_missing_config_file_is_an_error(clean_settings_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    err = one_line_error(["info", "--config", str(clean_settings_env / "nope.toml")], capsys)
    assert "config file not found" in err and "nope.toml" in err
    assert not (clean_settings_env / ".wenda").exists()


@pytest.mark.parametrize(
    ("toml", "env", "expected"),
    [
        ("top_k = [\n", {}, "not valid TOML"),
        ("top_kk = 3\n", {}, r"unknown setting 'top_kk' \(did you mean 'top_k'\?\)"),
        ("top_k = \"many\"\n", {}, r"top_k \(in wenda.toml\): .*integer.*'many'"),
        ("", {"WENDA_TOP_K": "abc"}, r"top_k \(env WENDA_TOP_K\): .*integer.*'abc'"),
        ("", {"WENDA_PORT": "70000"}, r"port \(env WENDA_PORT\): .*65535"),
    ],
)
def test_bad_values_are_one_line_errors(
    clean_settings_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], toml: str, env: dict[str, str], expected: str
) -> None:
    if toml:
        (clean_settings_env / "wenda.toml").write_bytes(toml.encode())
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(SettingsError, match=expected):
        load_settings()
    one_line_error(["info"], capsys)


@pytest.mark.parametrize("argv", [["ask", "问题？", "--top-k", "-5"], ["ask", "问题？", "--top-k", "51"]])
def test_out_of_range_flags_are_errors(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert "top_k" in one_line_error(argv, capsys)


def test_negative_passages_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["ask", "问题？", "--passages", "-1"])
    assert exc.value.code == 2 and "negative" in capsys.readouterr().err


def test_example_file_lists_every_setting_with_its_default(clean_settings_env: Path) -> None:
    composed = settings_class()
    text = (REPO / EXAMPLE_FILE).read_text(encoding="utf-8")
    assert text == example_toml(composed), f"{EXAMPLE_FILE} is out of date: python -m embeddings.settings_file > {EXAMPLE_FILE}"
    for name in composed.model_fields:
        assert f"\n{name} = " in text or f"\n# {name} = " in text, name
    # One section per layer, base first, each holding the fields that layer adds.
    headings = [f"# ---- {cls.__module__}.{cls.__qualname__} ----" for cls, _ in layer_fields(composed)]
    assert headings[:2] == ["# ---- embeddings.settings.IndexSettings ----", "# ---- qa.settings.QASettings ----"]
    assert [line for line in text.splitlines() if line.startswith("# ---- ")] == headings
    # Used as a config file as it is, it changes nothing.
    (clean_settings_env / "wenda.toml").write_text(text, encoding="utf-8")
    values = tomllib.loads(text)
    loaded = load_settings()
    plain = composed.model_construct()
    for name in values:
        assert getattr(loaded, name) == getattr(plain, name), name
    assert set(composed.model_fields) - set(values) == ENV_DEPENDENT | {
        k for k in composed.model_fields if getattr(plain, k) is None
    }


def _sources(*packages: str) -> dict[str, str]:
    return {str(p.relative_to(REPO)): p.read_text(encoding="utf-8") for pkg in packages for p in (REPO / pkg).rglob("*.py")}


def test_upper_layers_take_settings_and_errors_from_qa() -> None:
    """server, eval and training import the settings and the error base from qa, never from embeddings."""
    for path, text in _sources("server", "eval", "training").items():
        assert not re.search(r"^\s*from embeddings\.(settings|settings_file|errors) import", text, re.M), path
    for path, text in _sources("server").items():
        assert not re.search(r"^\s*(from|import) embeddings\b", text, re.M), path


def test_only_entry_points_read_the_process_settings() -> None:
    """Library code takes its settings from its caller; only the programs' entry points load them."""
    allowed = {"embeddings/settings.py", "qa/settings.py", "server/settings.py", "qa/cli_common.py", "server/app.py",
               "eval/tune.py", "training/cli.py"}
    pattern = re.compile(r"\b(get_settings\(\)|load_settings\(|Settings\.load\(|\.load\(\)\.with_overrides)")
    readers = {path for path, text in _sources("embeddings", "qa", "server", "eval", "training").items() if pattern.search(text)}
    assert readers <= allowed, readers - allowed
