"""Settings read from environment variables once, at cold start.

Each function declares a frozen dataclass of ``str`` fields; ``load_settings`` fills each field
from the upper-cased environment variable of the same name and fails fast, naming every missing
variable, so a misconfigured deploy breaks on its first invocation rather than halfway through.
"""

import dataclasses
import os
from collections.abc import Mapping
from typing import TypeVar

from shared.errors import ConfigurationError

SettingsT = TypeVar("SettingsT")


def env_name(field_name: str) -> str:
    return field_name.upper()


def load_settings(cls: type[SettingsT], environ: Mapping[str, str] | None = None) -> SettingsT:
    if not dataclasses.is_dataclass(cls):
        raise TypeError(f"{cls.__name__} must be a dataclass")
    source = os.environ if environ is None else environ
    fields = dataclasses.fields(cls)
    missing = [env_name(f.name) for f in fields if not source.get(env_name(f.name))]
    if missing:
        raise ConfigurationError(f"missing environment variable(s): {', '.join(missing)}")
    return cls(**{f.name: source[env_name(f.name)] for f in fields})


def required_variables(cls: type) -> list[str]:
    """The environment variable names a settings class reads (checked against SAM/Terraform)."""
    return [env_name(f.name) for f in dataclasses.fields(cls)]
