"""Date and time inputs that browsers can read in every language.

A browser's ``<input type="date">`` and ``<input type="datetime-local">`` accept only ISO
values (``2027-03-15``, ``2027-03-15T12:00:30``). Django's inputs write the active language's
format instead (``15-03-2027 12:00:30`` in Dutch), which the browser drops: the field shows
empty and saving the form clears the date. These inputs always write ISO; with ``step="1"``
a time keeps its seconds, so an unchanged form saves the same moment.
"""

from __future__ import annotations

from typing import Any

from django import forms

ISO_DATE = "%Y-%m-%d"
ISO_DATETIME = "%Y-%m-%dT%H:%M:%S"


class IsoDateInput(forms.DateInput):
    """``<input type="date">`` with an ISO value."""

    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None):
        super().__init__(attrs=attrs, format=ISO_DATE)


class IsoDateTimeInput(forms.DateTimeInput):
    """``<input type="datetime-local" step="1">`` with an ISO value to the second."""

    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None):
        super().__init__(attrs={"step": "1", **(attrs or {})}, format=ISO_DATETIME)
