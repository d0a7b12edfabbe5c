"""The languages of a school: of instruction and of its school office.

They are stored as language codes (``nl``, ``ar``, ``vgt``), shown to every reader in the
reader's language with the language's own name beside it ("Arabisch (العربيّة)"), and typed by
the office as names in Dutch, English or French, own names or codes, separated by commas
("Nederlands, Arabisch, tr"). The known languages are Django's (``django.conf.locale``) and a
few more that families in Flemish cities speak and Django does not list.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from django import forms
from django.conf.locale import LANG_INFO
from django.core.exceptions import ValidationError
from django.utils.translation import gettext, override
from django.utils.translation import gettext_lazy as _

#: languages Django does not list: code -> (English name, for translation; own name)
EXTRA: dict[str, tuple[Any, str]] = {
    "am": (_("Amharic"), "አማርኛ"),
    "ber": (_("Tamazight (Berber)"), "Tamaziɣt"),  # noqa: RUF001 (its own spelling)
    "kmr": (_("Kurdish (Kurmanji)"), "Kurmancî"),
    "ln": (_("Lingala"), "lingála"),
    "prs": (_("Dari"), "دری"),
    "ps": (_("Pashto"), "پښتو"),
    "sfb": (_("French Belgian Sign Language"), "Langue des signes de Belgique francophone"),
    "so": (_("Somali"), "Soomaali"),
    "ti": (_("Tigrinya"), "ትግርኛ"),
    "vgt": (_("Flemish Sign Language"), "Vlaamse Gebarentaal"),
}
EXTRA_BIDI = {"prs", "ps"}

#: the languages a name may be typed in (the platform's)
_INPUT_LANGUAGES = ("nl", "en", "fr")


@dataclass(frozen=True)
class Language:
    code: str
    #: the name in the reader's language
    name: str
    #: the language's name for itself ("" when the same as ``name``)
    local: str
    bidi: bool


def known_codes() -> list[str]:
    """Every code the office may use."""
    return sorted({c for c, info in LANG_INFO.items() if "name" in info} | set(EXTRA))


def _english(code: str) -> str:
    if code in EXTRA:
        return str(EXTRA[code][0])
    return LANG_INFO[code]["name"]


def language(code: str) -> Language:
    """A code in the reader's language (the active one); an unknown code stays as it is."""
    if code in EXTRA:
        name, local = str(EXTRA[code][0]), EXTRA[code][1]
        bidi = code in EXTRA_BIDI
    elif code in LANG_INFO and "name" in LANG_INFO[code]:
        info = LANG_INFO[code]
        name, local, bidi = gettext(info["name"]), info["name_local"], bool(info["bidi"])
    else:
        return Language(code, code, "", False)
    return Language(code, name, "" if local.casefold() == name.casefold() else local, bidi)


def languages(codes: list[str]) -> list[Language]:
    return [language(c) for c in codes]


@cache
def _lookup() -> dict[str, str]:
    """Every way to write a language (code, English, own name, Dutch and French names),
    folded to lower case -> its code."""
    out: dict[str, str] = {}
    for code in known_codes():
        english = _english(code)
        local = EXTRA[code][1] if code in EXTRA else LANG_INFO[code]["name_local"]
        names = {code, english, local}
        for lang in _INPUT_LANGUAGES:
            with override(lang):
                names.add(gettext(english) if code not in EXTRA else str(EXTRA[code][0]))
        for n in names:
            out.setdefault(n.casefold().strip(), code)
    return out


def parse(text: str) -> list[str]:
    """The codes of ``text`` (names or codes separated by commas or semicolons), in order,
    without repeats. Raises ValidationError naming every part it does not know."""
    lookup = _lookup()
    codes: list[str] = []
    unknown: list[str] = []
    for part in re.split(r"[,;\n]", text):
        word = part.strip()
        if not word:
            continue
        code = lookup.get(word.casefold())
        if code is None:
            unknown.append(word)
        elif code not in codes:
            codes.append(code)
    if unknown:
        raise ValidationError(
            _(
                "Unknown language: %(names)s. Write the languages as names (Dutch, Arabic) or "
                "codes (nl, ar), separated by commas."
            ),
            params={"names": ", ".join(f"“{w}”" for w in unknown)},
            code="unknown_language",
        )
    return codes


class LanguagesField(forms.CharField):
    """A text field for a list of language codes, typed and shown as names."""

    def __init__(self, **kwargs: Any):
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 500)
        kwargs.setdefault(
            "help_text",
            _("Names or codes, separated by commas, for example: Dutch, French, Arabic"),
        )
        super().__init__(**kwargs)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list):
            return ", ".join(language(c).name for c in value)
        return value

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        if isinstance(value, list):
            return value
        text = super().to_python(value) or ""
        if self.max_length is not None and len(text) > self.max_length:
            raise ValidationError(
                _("Write at most %(n)s characters.") % {"n": self.max_length}, code="max_length"
            )
        return parse(text)

    def validate(self, value: Any) -> None:
        if self.required and not value:
            raise ValidationError(self.error_messages["required"], code="required")

    def run_validators(self, value: Any) -> None:
        # the length limit applies to what was typed, which to_python checks
        return None

    def has_changed(self, initial: Any, data: Any) -> bool:
        try:
            return (initial or []) != self.to_python(data)
        except ValidationError:
            return True
