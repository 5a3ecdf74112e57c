"""``--show-settings``: the settings a run resolved, one ``key = value`` line each in
the configuration's own spelling, then the codes they select."""

from __future__ import annotations

import json

from policy_check.config import Settings


def _value(value: object) -> str:
    if isinstance(value, tuple) and value and all(isinstance(item, tuple) for item in value):
        return "{ " + ", ".join(f"{json.dumps(glob)} = {json.dumps(list(codes))}" for glob, codes in value) + " }"
    if isinstance(value, tuple):
        return json.dumps(list(value))
    if value is None:
        return "(not set)"
    return json.dumps(value) if isinstance(value, (bool, int, float, str)) else json.dumps(str(value))


def settings_text(settings: Settings) -> str:
    from policy_check.selection import selected_codes  # the registry: imported only when asked

    lines = [f"# configuration: {settings.config_file or '(none: defaults)'}", f"# project root: {settings.root}"]
    for name, value in zip(settings._fields, settings):
        if name in ("root", "config_file"):
            continue
        lines.append(f"{name.replace('_', '-')} = {_value(value)}")
    codes = sorted(selected_codes(settings))
    lines.append(f"# selected codes ({len(codes)}): {', '.join(codes)}")
    return "\n".join(lines) + "\n"
