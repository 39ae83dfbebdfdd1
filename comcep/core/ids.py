"""Database ids in URLs and forms.

SQLite stores integers up to 2**63 - 1 and its driver raises ``OverflowError`` for a larger one; Django bounds an
integer field's own lookups but not a foreign key's, nor the ``IN`` list of a multiple choice. An id typed or
probed beyond that range must answer like an unknown id (404, or a form error), never a 500: ``<id:…>`` in URLs
(registered by ``CoreConfig.ready``), ``BoundedModelMultipleChoiceField`` in forms, ``is_db_id`` for an id read
from a query string."""

from django import forms
from django.urls.converters import IntConverter

#: The largest id any of the supported databases can hold (a signed 64-bit integer).
MAX_DB_ID = 2**63 - 1


def is_db_id(number: int) -> bool:
    """Whether ``number`` can be a row's id (an id beyond this range matches nothing)."""
    return 0 < number <= MAX_DB_ID


class IdConverter(IntConverter):
    """``<id:pk>``: Django's ``<int:…>`` limited to what a database id can be; a larger number does not
    match the pattern, so the URL answers 404 as for an unknown id."""

    def to_python(self, value):
        number = int(value)
        if number > MAX_DB_ID:
            raise ValueError("beyond any database id")
        return number


class BoundedModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """A multiple choice of rows by id whose ids beyond any database id are refused like unknown ones (Django
    checks each value with a bounded exact lookup, then fetches them all with an ``IN`` list, which it does not
    bound: an ``OverflowError`` on SQLite)."""

    def clean(self, value):
        for pk in value if isinstance(value, (list, tuple)) else ():
            try:
                number = int(str(pk))
            except ValueError:
                continue  # not a number: Django's own check refuses it
            if abs(number) > MAX_DB_ID:
                raise forms.ValidationError(self.error_messages["invalid_choice"], code="invalid_choice",
                                            params={"value": pk})
        return super().clean(value)
