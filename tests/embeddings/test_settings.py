"""The index layer's settings and the machinery every layer's share: a strict config file, one-line errors for
wrong values, env overrides, and the composition of the layers' classes into one settings object."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from embeddings.errors import SettingsError
from embeddings.settings import IndexSettings, registered_layers, settings_class
from embeddings.settings_file import layer_fields

pytestmark = pytest.mark.usefixtures("clean_settings_env")


def test_unknown_key_in_config_is_an_error_naming_it(clean_settings_env: Path) -> None:
    (clean_settings_env / "wenda.toml").write_text("top_kk = 3\n", encoding="utf-8")
    with pytest.raises(SettingsError, match=r"unknown setting 'top_kk' \(did you mean 'top_k'\?\)"):
        IndexSettings.load()
    with pytest.raises(SettingsError, match="unknown setting 'top_kk'"):
        IndexSettings()  # constructed directly, the config file is just as strict


@pytest.mark.parametrize(
    ("toml", "expected"),
    [
        (b"chunk_size = [\n", "not valid TOML"),
        ("chunk_size = 300 # 五\n".encode("gb18030"), "not valid TOML"),
        (b"chunk_size = 10\n", r"chunk_size \(in wenda.toml\): .*50"),
    ],
)
def test_bad_config_is_a_one_line_error(clean_settings_env: Path, toml: bytes, expected: str) -> None:
    (clean_settings_env / "wenda.toml").write_bytes(toml)
    with pytest.raises(SettingsError, match=expected) as exc:
        IndexSettings.load()
    assert "\n" not in str(exc.value)


def test_index_fields_come_from_env_then_config(clean_settings_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (clean_settings_env / "wenda.toml").write_text('chunk_size = 200\nindex_dir = "from-toml"\n', encoding="utf-8")
    monkeypatch.setenv("WENDA_INDEX_DIR", "from-env")
    monkeypatch.setenv("WENDA_ENCODER_BACKEND", " NumPy ")
    settings = IndexSettings.load(faiss_index="hnsw", bm25_k1=None)
    assert settings.index_dir == Path("from-env") and settings.chunk_size == 200
    assert settings.encoder_backend == "numpy" and settings.faiss_index == "hnsw" and settings.bm25_k1 == 1.2
    monkeypatch.setenv("WENDA_CHUNK_SIZE", "abc")
    with pytest.raises(SettingsError, match=r"chunk_size \(env WENDA_CHUNK_SIZE\): .*'abc'"):
        IndexSettings.load()


def test_the_index_layer_declares_only_index_fields() -> None:
    fields = set(IndexSettings.model_fields)
    assert {"index_dir", "embedding_model", "encoder_backend", "chunk_size", "faiss_index", "bm25_k1", "milvus_uri"} <= fields
    assert not fields & {"top_k", "reader", "abstain_threshold", "followup_rank_penalty", "host", "port", "api_key"}


def test_the_composed_class_is_the_most_derived_registered_one() -> None:
    composed = settings_class()
    assert IndexSettings in registered_layers()
    assert all(issubclass(composed, layer) for layer in registered_layers())
    assert composed.__name__ == "Settings" and len(composed.__bases__) == 1  # the layers form one chain
    assert composed.__bases__[0] in registered_layers()
    assert settings_class(IndexSettings) is composed and settings_class(composed) is composed
    loaded = IndexSettings.load()
    assert type(loaded) is composed and type(loaded.with_overrides(chunk_size=200)) is composed
    assert pickle.loads(pickle.dumps(loaded)) == loaded


def test_every_setting_is_declared_by_exactly_one_layer() -> None:
    layers = layer_fields(settings_class())
    names = [name for _cls, added in layers for name in added]
    assert len(names) == len(set(names)) == len(settings_class().model_fields)
    assert layers[0][0] is IndexSettings and layers[0][1] == list(IndexSettings.model_fields)
    for cls, added in layers:
        assert set(added) <= set(cls.model_fields)


class _ExtraA(IndexSettings):
    extra_a: int = 1


class _ExtraB(IndexSettings):
    extra_b: str = "b"


def test_layers_that_branch_are_merged_into_one_class(
    clean_settings_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    merged = settings_class(_ExtraA, _ExtraB)
    assert merged is settings_class(_ExtraB, _ExtraA)
    assert issubclass(merged, _ExtraA) and issubclass(merged, _ExtraB) and issubclass(merged, settings_class().__bases__[0])
    (clean_settings_env / "wenda.toml").write_text("extra_a = 5\n", encoding="utf-8")
    monkeypatch.setenv("WENDA_EXTRA_B", "from-env")
    settings = _ExtraA.load()
    assert type(settings) is settings_class(_ExtraA)
    assert settings.extra_a == 5
    assert settings_class(_ExtraA, _ExtraB)().extra_b == "from-env"
    with pytest.raises(SettingsError, match="unknown setting 'extra_a'"):
        IndexSettings.load()  # no layer registered declares it
