"""Secrets never reach an output or a log: masking by key name at any depth, by value shape,
and by the values of known credential environment variables.

Two tools, used together by the build:

- :func:`mask_secrets` turns a mapping (parameters, a manifest) into one fit to show: a value is
  masked when its key, at any depth, names a secret (secret, token, password, appkey, …), or
  when it looks like one (a 32-hex-digit AppSecret, a long token, ``access_token=…``).
- :func:`known_secrets` collects the actual secret strings of a run (values under secret-named
  keys anywhere in the parameters, and the environment's ``WXNB_APPSECRET``,
  ``WXNB_ACCESS_TOKEN`` and any other ``WXNB_*`` variable named like a secret), and
  :func:`scrub_folder` replaces them in every file a build wrote (executed notebooks, findings,
  run.json, the report), whatever put them there.
"""

from __future__ import annotations

import html
import json
import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

__all__ = [
    "CREDENTIAL_ENV",
    "MASK",
    "is_secret_key",
    "known_secrets",
    "mask_secrets",
    "scrub_folder",
    "scrub_text",
]

MASK = "***"
#: Credential variables wxnb knows (``wxnb fetch`` reads them); any other ``WXNB_*`` variable
#: whose name contains a secret word is treated the same.
CREDENTIAL_ENV = ("WXNB_APPSECRET", "WXNB_ACCESS_TOKEN")
_SECRET_KEYS = ("secret", "token", "password", "passwd", "appkey", "appsecret", "apikey",
                "api_key", "private_key")
_HEX32 = re.compile(r"(?<![0-9A-Za-z])[0-9A-Fa-f]{32}(?![0-9A-Za-z])")
_TOKEN_LIKE = re.compile(r"^[A-Za-z0-9_\-]{64,}$")
_SECRET_QUERY = re.compile(
    r"((?:access_token|token|secret|appsecret|password)=)[^&#\s]+", re.IGNORECASE)
#: Shorter strings are not scrubbed from text (they would mask ordinary words and numbers);
#: their keys are still masked.
MIN_SCRUB = 6


def is_secret_key(key: Any) -> bool:
    """True when a key's name says its value is a secret (any case, anywhere in the name)."""
    k = str(key).lower()
    return any(w in k for w in _SECRET_KEYS)


def _secret_value(value: str) -> str:
    if _TOKEN_LIKE.match(value) and re.search(r"\d", value) and re.search(r"[A-Za-z]", value):
        return MASK
    value = _SECRET_QUERY.sub(lambda m: m.group(1) + MASK, value)
    return _HEX32.sub(MASK, value)


def mask_secrets(mapping: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of ``mapping`` with anything secret-looking replaced by ``MASK``, at any depth.

    A non-empty value is masked when its key contains secret, token, password, appkey or
    appsecret (any case); in any string, a 32-hex-digit value (a WeChat AppSecret), a long
    token-like value (an access_token), ``access_token=…`` query values and the environment's
    credentials are masked. None and empty values are kept as they are.
    """
    env = [s for s in _env_secrets() if len(s) >= MIN_SCRUB]
    return {k: _mask(v, secret=is_secret_key(k), env=env) for k, v in mapping.items()}


def _mask(value: Any, *, secret: bool, env: list[str]) -> Any:
    if value is None or (isinstance(value, str) and value == ""):
        return value
    if secret:
        return MASK
    if isinstance(value, Mapping):
        return {k: _mask(v, secret=is_secret_key(k), env=env) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_mask(v, secret=False, env=env) for v in value]
    if isinstance(value, str):
        return scrub_text(_secret_value(value), env)
    return value


def _env_secrets() -> list[str]:
    out = []
    for name, value in os.environ.items():
        if value and (name in CREDENTIAL_ENV or (name.startswith("WXNB_")
                                                 and is_secret_key(name[5:]))):
            out.append(value)
    return out


def _under_secret_keys(value: Any, secret: bool = False) -> Iterable[str]:
    if isinstance(value, Mapping):
        for k, v in value.items():
            yield from _under_secret_keys(v, secret or is_secret_key(k))
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from _under_secret_keys(v, secret)
    elif secret and value not in (None, "") and not isinstance(value, bool):
        yield str(value)


def known_secrets(*mappings: Mapping[str, Any]) -> list[str]:
    """The secret strings of this run: values under secret-named keys at any depth of
    ``mappings`` and the environment's credentials; longest first, each at least
    ``MIN_SCRUB`` characters."""
    found = {s for m in mappings for s in _under_secret_keys(m)} | set(_env_secrets())
    return sorted((s for s in found if len(s) >= MIN_SCRUB), key=lambda s: (-len(s), s))


def _forms(secret: str) -> list[str]:
    """The ways a string appears in files: as is, JSON-escaped, HTML-escaped, both."""
    forms = {secret, json.dumps(secret)[1:-1], html.escape(secret),
             json.dumps(html.escape(secret))[1:-1], json.dumps(secret, ensure_ascii=False)[1:-1]}
    return sorted(forms, key=len, reverse=True)


def scrub_text(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every occurrence of each secret (in any of its escaped forms) masked."""
    for s in secrets:
        for form in _forms(s):
            if form and form in text:
                text = text.replace(form, MASK)
    return text


def scrub_folder(folder: Path, secrets: list[str]) -> list[Path]:
    """Mask ``secrets`` in every text file below ``folder``; return the files changed."""
    changed = []
    if not secrets:
        return changed
    for path in sorted(folder.rglob("*")):
        if not path.is_file():
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        clean = scrub_text(text, secrets)
        if clean != text:
            path.write_text(clean, encoding="utf-8")
            changed.append(path)
    return changed
