"""Config validation with one-line messages that name the key (JSON Schema via jsonschema)."""

from __future__ import annotations

import os

import jsonschema
import yaml

from seq2track.errors import ConfigError


def _key_path(error: jsonschema.ValidationError) -> str:
    return ".".join(str(p) for p in error.absolute_path) or "<top level>"


def check_config(config: dict, schema_path: str | os.PathLike, config_name: str = "config") -> None:
    """Raise ConfigError for the first schema violation, naming the key and the fix."""
    schema = yaml.safe_load(open(schema_path))
    validator = jsonschema.Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(config), key=lambda e: (len(e.absolute_path), str(e.absolute_path)))
    if not errors:
        return
    err = errors[0]
    if err.validator == "additionalProperties":
        extra = sorted(set(err.instance) - set(err.schema.get("properties", {})))
        where = _key_path(err)
        keys = ", ".join(f"{where}.{k}" if where != "<top level>" else k for k in extra)
        raise ConfigError(config_name, f"unknown key {keys}",
                          f"remove it or use one of {sorted(err.schema.get('properties', {}))}")
    raise ConfigError(config_name, f"key {_key_path(err)}: {err.message}",
                      "see workflow/schemas/config.schema.yaml for the allowed values")
