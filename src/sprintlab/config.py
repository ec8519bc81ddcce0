"""One validated configuration file for the analysis and the tracking (``--config FILE.toml``).

The tables mirror the settings dataclasses::

    [analysis]               # sprintlab.pipeline.AnalysisSettings
    max_steps = 10
    hip_velocity_cutoff_hz = 6.0

    [analysis.filter]        # sprintlab.filtering.FilterSettings
    cutoff_hz = 10.0

    [analysis.events]        # sprintlab.events.EventSettings
    fm_speed_mps = 0.3

    [analysis.landmarker]    # sprintlab.touchdown_landmarks.LandmarkerSettings
    enabled = true

    [tracking]               # sprintlab.tracking.TrackingSettings
    refine_imgsz = 384

Anything left out keeps its default. A key that does not exist, a value of the wrong type and a
value the settings refuse are errors (:class:`ConfigError`) naming the key and where it is.
"""

from __future__ import annotations

import difflib
import math
import sys
import tomllib
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, is_dataclass
from pathlib import Path
from typing import Any

from .errors import SprintlabError
from .pipeline import AnalysisSettings
from .tracking import TrackingSettings


class ConfigError(SprintlabError):
    """The configuration file is missing, not TOML, or names a setting or value that is wrong."""


@dataclass(frozen=True)
class Config:
    """Every setting of an analysis: after the pose model and of the tracking.

    Attributes
    ----------
    analysis : AnalysisSettings
    tracking : TrackingSettings
    """

    analysis: AnalysisSettings = field(default_factory=AnalysisSettings)
    tracking: TrackingSettings = field(default_factory=TrackingSettings)


TOP_TABLES = ("analysis", "tracking")


MAX_LISTED_KEYS = 12
"""A table with more settings than this names only the ones close to a misspelt key."""


def _unknown_key_message(key: str, where: str, cls: type, valid: list[str], source: str) -> str:
    close = difflib.get_close_matches(key, valid, n=3, cutoff=0.5)
    hint = f"did you mean {' or '.join(repr(c) for c in close)}? " if close else ""
    if len(valid) <= MAX_LISTED_KEYS:
        listed = f"the settings of [{where}] are {', '.join(valid)}."
    else:
        listed = (
            f"the {len(valid)} settings of [{where}] are those of "
            f"{_public_name(cls)} (from {valid[0]} to {valid[-1]})."
        )
    return f"{source}: [{where}] has no setting '{key}'; {hint}{listed}"


def _public_name(cls: type) -> str:
    """Dotted name a user imports ``cls`` by: its module's outermost package that re-exports it
    (``sprintlab.events.EventSettings``, not ``sprintlab.events.settings.EventSettings``)."""
    module = cls.__module__
    while "." in module:
        parent = module.rsplit(".", 1)[0]
        if getattr(sys.modules.get(parent), cls.__qualname__, None) is not cls:
            break
        module = parent
    return f"{module}.{cls.__qualname__}"


def _type_name(tp: Any) -> str:
    if tp is float:
        return "a number"
    if tp is int:
        return "a whole number"
    if tp is bool:
        return "true or false"
    if tp is str:
        return "a text in quotes"
    return getattr(tp, "__name__", str(tp))


def _check_value(value: Any, tp: Any, name: str, where: str, source: str) -> Any:
    """``value`` converted to ``tp`` (int → float only), or a ConfigError."""
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        options = [a for a in typing.get_args(tp) if a is not type(None)]
        if len(options) == 1:
            return _check_value(value, options[0], name, where, source)
    ok = False
    if tp is bool:
        ok = isinstance(value, bool)
    elif tp is int:
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif tp is float:
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        if ok:
            value = float(value)
            ok = math.isfinite(value)
    elif tp is str:
        ok = isinstance(value, str)
    else:
        ok = True  # a type the file cannot spell; the dataclass checks it
    if not ok:
        raise ConfigError(
            f"{source}: {name} in [{where}] must be {_type_name(tp)}, not {value!r}; fix its value."
        )
    return value


def _build(cls: type, table: Mapping[str, Any], where: str, source: str) -> Any:
    """An instance of the settings dataclass ``cls`` from a TOML table (nested tables for nested
    dataclasses), checking names and types before the dataclass's own validation runs."""
    hints = typing.get_type_hints(cls)
    by_name = {f.name: f for f in fields(cls) if f.init}
    kwargs: dict[str, Any] = {}
    for key, value in table.items():
        if key not in by_name:
            raise ConfigError(_unknown_key_message(key, where, cls, list(by_name), source))
        tp = hints[key]
        if is_dataclass(tp):
            if not isinstance(value, Mapping):
                raise ConfigError(
                    f"{source}: {key} in [{where}] is a table; write its settings under "
                    f"[{where}.{key}]."
                )
            kwargs[key] = _build(tp, value, f"{where}.{key}", source)
        else:
            if isinstance(value, Mapping):
                raise ConfigError(
                    f"{source}: [{where}.{key}] is not a table; write {key} = value under "
                    f"[{where}]."
                )
            kwargs[key] = _check_value(value, tp, key, where, source)
    try:
        return cls(**kwargs)
    except (ValueError, TypeError) as err:
        raise ConfigError(f"{source}: [{where}] is not valid ({err}); fix the value.") from None


def config_from_dict(data: Mapping[str, Any], source: str = "the configuration") -> Config:
    """A :class:`Config` from the parsed TOML document ``data``.

    Parameters
    ----------
    data : mapping
        Top-level tables ``analysis`` and ``tracking`` (both optional).
    source : str
        Where the data came from, for messages (the file name).

    Raises
    ------
    ConfigError
        An unknown table or key, a value of the wrong type, or a value the settings refuse.
    """
    for key, value in data.items():
        if key not in TOP_TABLES:
            close = difflib.get_close_matches(key, TOP_TABLES, n=1, cutoff=0.6)
            hint = f"did you mean [{close[0]}]? " if close else ""
            raise ConfigError(
                f"{source}: there is no table or setting '{key}' at the top; {hint}"
                "the tables are [analysis] (with [analysis.filter] and [analysis.events]) and "
                "[tracking]."
            )
        if not isinstance(value, Mapping):
            raise ConfigError(f"{source}: '{key}' must be a table; write it as [{key}].")
    return Config(
        analysis=_build(AnalysisSettings, data.get("analysis", {}), "analysis", source),
        tracking=_build(TrackingSettings, data.get("tracking", {}), "tracking", source),
    )


def load_config(path: Path) -> Config:
    """Read and validate a configuration TOML file.

    Raises
    ------
    ConfigError
        The file is missing or not TOML, or see :func:`config_from_dict`.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            f"The configuration file {path} does not exist; check the path."
        ) from None
    except (OSError, UnicodeDecodeError) as err:
        raise ConfigError(f"The configuration file {path} cannot be read ({err}).") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"{path.name} is not valid TOML ({err}); fix that line.") from None
    return config_from_dict(data, source=path.name)


def config_or_default(path: Path | None) -> Config:
    """:func:`load_config` of ``path``, or the defaults when no file is given."""
    return Config() if path is None else load_config(path)
