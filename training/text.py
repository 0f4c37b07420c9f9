"""Bilingual text: a field is either plain text (English) or a mapping {en: ..., zh: ...}."""

from __future__ import annotations

from core import labels

Text = str | dict[str, str]

LOCALES = ("en", "zh")


def pick(text: Text | None, locale: str = "en") -> str:
    """The text in `locale`, else its English, else any language it has ('' for None)."""
    if text is None:
        return ""
    if isinstance(text, str):
        return text
    return text.get(locale) or text.get("en") or next(iter(text.values()), "")


def has_locale(text: Text | None, locale: str) -> bool:
    """Is `text` written in `locale`? Plain strings count as English only."""
    if text is None:
        return True
    if isinstance(text, str):
        return locale == "en"
    return bool(text.get(locale))


label = labels.scoped("course")
