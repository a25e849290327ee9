"""The settings' TOML file read strictly, one-line messages for invalid values, and the example file.

A typo in `wenda.toml` is an error naming the key (with the closest setting), not a silently ignored line;
invalid TOML and wrongly typed values are one-line `SettingsError`s naming the key and where it came from.
"""

from __future__ import annotations

import difflib
import json
import os
import textwrap
import tomllib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError
from pydantic_settings import BaseSettings, TomlConfigSettingsSource

from embeddings.errors import SettingsError

if TYPE_CHECKING:
    from pydantic.fields import FieldInfo

EXAMPLE_FILE = "wenda.example.toml"
ENV_DEPENDENT = {"corpus", "model_cache_dir"}
"""Settings whose default depends on the machine (home folder, working directory): commented out in the example."""


def read_toml(path: Path, known: set[str]) -> dict[str, Any]:
    """The table in `path`; SettingsError when it cannot be read, is not TOML, or names an unknown setting."""
    try:
        with open(path, "rb") as handle:
            data = tomllib.load(handle)
    except OSError as exc:
        raise SettingsError(f"config file {path} cannot be read: {exc.strerror or exc}") from None
    except ValueError as exc:  # TOMLDecodeError, or bytes that are not UTF-8
        raise SettingsError(f"config file {path} is not valid TOML: {exc}") from None
    for key in data:
        if key not in known:
            close = difflib.get_close_matches(key, sorted(known), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise SettingsError(
                f"config file {path}: unknown setting {key!r}{hint}; every setting is listed in {EXAMPLE_FILE}"
            )
    return data


class StrictTomlSource(TomlConfigSettingsSource):
    """`TomlConfigSettingsSource` that refuses keys outside `known` (by default the fields of `settings_cls`;
    the settings pass every layer's) and reports bad TOML as a `SettingsError`."""

    def __init__(self, settings_cls: type[BaseSettings], toml_file: Path, known: set[str] | None = None) -> None:
        self._known = set(settings_cls.model_fields) | (known or set())
        super().__init__(settings_cls, toml_file=toml_file)

    def _read_file(self, file_path: Path) -> dict[str, Any]:  # type: ignore[override]
        return read_toml(Path(file_path), self._known)


def _origin(field: str, config: Path | None) -> str:
    env = f"WENDA_{field.upper()}"
    if any(key.upper() == env for key in os.environ):
        return f" (env {env})"
    if config is not None and config.is_file():
        try:
            with open(config, "rb") as handle:
                if field in tomllib.load(handle):
                    return f" (in {config})"
        except (OSError, ValueError):
            pass
    return ""


def settings_error(exc: ValidationError, config: Path | None) -> SettingsError:
    """One line naming every invalid setting, where its value came from, and the value."""
    parts = []
    for err in exc.errors():
        loc = [str(p) for p in err.get("loc", ())]
        field = loc[0] if loc else "?"
        msg = str(err.get("msg", "invalid value")).removeprefix("Value error, ")
        value = err.get("input")
        shown = "" if isinstance(value, dict) else f" (got {value!r})"
        parts.append(f"{'.'.join(loc) or '?'}{_origin(field, config)}: {msg}{shown}")
    return SettingsError("invalid setting " + "; ".join(parts))


def _toml_value(value: Any) -> str:
    if isinstance(value, Path):
        value = str(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    return json.dumps(str(value), ensure_ascii=False)


def layer_fields(settings_cls: type[BaseSettings]) -> list[tuple[type[BaseSettings], list[str]]]:
    """Each settings class in `settings_cls`'s ancestry (base first) with the fields it adds."""
    seen: set[str] = set()
    layers = []
    for cls in reversed(settings_cls.__mro__):
        if not (isinstance(cls, type) and issubclass(cls, BaseSettings)) or cls is BaseSettings:
            continue
        added = [name for name in cls.model_fields if name not in seen]
        seen.update(added)
        if added:
            layers.append((cls, added))
    return layers


def example_toml(settings_cls: type[BaseSettings]) -> str:
    """`wenda.example.toml`: every setting of every layer (a section each, base layer first) with its
    description and default (TOML cannot say None: commented)."""
    lines = [
        "# Every setting of wenda with its default. Copy to wenda.toml (or pass --config FILE / WENDA_CONFIG) and",
        "# keep the lines you change; an unknown key is an error. Each can also be set as WENDA_<KEY> in the",
        "# environment, which wins over this file. Each layer declares its own settings (the sections below);",
        "# generated from them by `python -m embeddings.settings_file > wenda.example.toml` (a test keeps it in sync).",
        "",
    ]
    defaults = settings_cls.model_construct()
    for cls, names in layer_fields(settings_cls):
        lines += [f"# ---- {cls.__module__}.{cls.__qualname__} ----", ""]
        for name in names:
            lines += _example_entry(name, settings_cls.model_fields[name], getattr(defaults, name))
    return "\n".join(lines).rstrip() + "\n"


def _example_entry(name: str, info: FieldInfo, value: Any) -> list[str]:
    lines = [f"# {line}" for line in textwrap.wrap(info.description or "", 106)]
    if name in ENV_DEPENDENT:
        shown = ["seeds"] if name == "corpus" else "~/.cache/wenda/models"
        lines.append(f"# {name} = {_toml_value(shown)}  (default depends on the machine)")
    elif value is None:
        lines.append(f"# {name} = (unset)")
    else:
        lines.append(f"{name} = {_toml_value(value)}")
    return [*lines, ""]


def main() -> None:
    """Print the example file for the composed settings (every installed layer's)."""
    from embeddings.settings import settings_class

    print(example_toml(settings_class()), end="")


if __name__ == "__main__":
    main()
