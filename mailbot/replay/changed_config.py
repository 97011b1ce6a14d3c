"""The config a replay decides under: the running config with a changed one laid over it, table by table, so
`NEW.toml` need only hold what changes (`[forms] accept_typed_signature = false`). The store is always the
running config's: a replay reads it and never writes it."""

from __future__ import annotations

import tomllib
from dataclasses import replace
from pathlib import Path
from typing import Any

from mailbot.config import Config, ConfigError, parse_config


def _toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_bytes().decode("utf-8"))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the config file: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: the config file is not UTF-8 text") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc


def _laid_over(base: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _laid_over(merged[key], value)
        else:
            merged[key] = value
    return merged


def replay_config(running: Config, changed: str | None) -> Config:
    """RUNNING with the file CHANGED laid over it (RUNNING itself when None); ConfigError names a bad file."""
    if changed is None:
        return running
    path = Path(changed)
    base = _toml(running.source_path) if running.source_path is not None else {}
    origin = f"{path} (over {running.source_path or 'the built-in defaults'})"
    config = parse_config(_laid_over(base, _toml(path)), origin=origin, base_dir=running.base_dir)
    return replace(config, store=running.store, source_path=running.source_path)
