"""Messages in Bahasa Indonesia first, with their English: a `Said` is the Indonesian text (a str,
so every existing path shows it) carrying `.en` for a client that asked for English."""

from __future__ import annotations

from typing import Any

from services.errors import ServiceError


class Said(str):
    en: str

    def __new__(cls, indonesian: str, english: str) -> Said:
        said = super().__new__(cls, indonesian)
        said.en = english
        return said

    def in_language(self, lang: str) -> str:
        return self.en if lang == "en" else str(self)


def in_language(text: Any, lang: str) -> str:
    """The text in `lang` when it is a Said, else as it is."""
    return text.in_language(lang) if isinstance(text, Said) else str(text)


class EngineError(ServiceError):
    """A refusal of the engine: nothing was changed. The message and problems are Said (id + en)."""

    def in_language(self, lang: str) -> tuple[str, list[str]]:
        return in_language(self.args[0] if self.args else "", lang), [in_language(p, lang) for p in self.problems]


class FormRejected(EngineError):
    status = 400


class NotSignedIn(EngineError):
    status = 401


class Forbidden(EngineError):
    status = 403


class CaseNotFound(EngineError):
    status = 404


class TransitionNotAllowed(EngineError):
    status = 409
