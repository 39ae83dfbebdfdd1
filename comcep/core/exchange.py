"""The content exchange format ``comcep-content/1`` (see docs/content-format.md).

Each app owns the part of the format that describes its content: it registers a
:class:`Section` (in its ``AppConfig.ready``) that validates, imports and exports
one top-level key. This module owns the envelope, the order, the all-or-nothing
transaction and the error report.

An import runs in two passes. ``validate`` checks every item of every section and
records errors with the JSON path of the bad field; sections declare the keys they
create (``ctx.known``) so that later sections may refer to content defined earlier
in the same file. Only when no section found an error does ``apply`` write, inside
one transaction. Keys are slugs and e-mails, so importing the same file twice
changes nothing.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_slug
from django.db import transaction

FORMAT = "comcep-content/1"


@dataclass
class ImportContext:
    data: dict
    errors: list[tuple[str, str]] = field(default_factory=list)
    # known["themes"] = {"vae", ...}: keys available to later sections (file + database).
    known: dict[str, set] = field(default_factory=lambda: defaultdict(set))
    # counts[section] = {"created": n, "updated": n, "unchanged": n}
    counts: dict[str, dict[str, int]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(int)))
    # Free space for sections to hand objects to later sections during apply().
    objects: dict[str, dict[Any, Any]] = field(default_factory=lambda: defaultdict(dict))

    def error(self, path: str, message: str) -> None:
        self.errors.append((path, message))

    def count(self, section: str, outcome: str) -> None:
        self.counts[section][outcome] += 1


class Section:
    """One top-level key of the format. Subclasses set ``key`` and ``order``."""

    key: str = ""
    order: int = 100

    def validate(self, items: list, ctx: ImportContext) -> None:
        raise NotImplementedError

    def apply(self, items: list, ctx: ImportContext) -> None:
        raise NotImplementedError

    def export(self) -> list:
        raise NotImplementedError


class ContentImportError(Exception):
    def __init__(self, errors: list[tuple[str, str]]):
        self.errors = errors
        super().__init__(f"{len(errors)} problem(s)")


_sections: dict[str, Section] = {}


def register(section: Section) -> None:
    _sections[section.key] = section


def sections() -> list[Section]:
    return sorted(_sections.values(), key=lambda s: (s.order, s.key))


def load_json(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ContentImportError([(f"(line {exc.lineno}, column {exc.colno})", f"malformed JSON: {exc.msg}")]) from exc


def validate(data: Any) -> ImportContext:
    ctx = ImportContext(data=data if isinstance(data, dict) else {})
    if not isinstance(data, dict):
        ctx.error("(root)", "the document must be a JSON object")
        return ctx
    if data.get("format") != FORMAT:
        ctx.error("format", f'expected "{FORMAT}", got {json.dumps(data.get("format"), ensure_ascii=False)}')
        return ctx
    known_keys = {"format", *_sections}
    for key in data:
        if key not in known_keys:
            ctx.error(key, f"unknown key (known: {', '.join(sorted(known_keys))})")
    for section in sections():
        items = data.get(section.key, [])
        if not isinstance(items, list):
            ctx.error(section.key, "must be a list")
            continue
        for index, item in enumerate(items):
            if not isinstance(item, dict):
                ctx.error(f"{section.key}[{index}]", "must be an object")
        if all(isinstance(item, dict) for item in items):
            section.validate(items, ctx)
    return ctx


def import_content(data: Any) -> ImportContext:
    """Validate then write everything, or raise ContentImportError and write nothing."""
    ctx = validate(data)
    if ctx.errors:
        raise ContentImportError(ctx.errors)
    with transaction.atomic():
        for section in sections():
            items = data.get(section.key, [])
            if items:
                section.apply(items, ctx)
        if ctx.errors:  # a section may still refuse while writing (e.g. a race); roll back
            transaction.set_rollback(True)
    if ctx.errors:
        raise ContentImportError(ctx.errors)
    return ctx


def export_content() -> dict:
    document: dict[str, Any] = {"format": FORMAT}
    for section in sections():
        document[section.key] = section.export()
    return document


# --- helpers shared by sections ----------------------------------------------------------


def require_str(item: dict, key: str, path: str, ctx: ImportContext, *, max_length: int | None = None,
                required: bool = True) -> str | None:
    """Check that ``item[key]`` is a non-empty string (if required); record an error otherwise."""
    value = item.get(key)
    if value is None or value == "":
        if required:
            ctx.error(f"{path}.{key}", "missing (required)")
        return None
    if not isinstance(value, str):
        ctx.error(f"{path}.{key}", f"must be a string, got {type(value).__name__}")
        return None
    if max_length and len(value) > max_length:
        ctx.error(f"{path}.{key}", f"too long ({len(value)} characters, at most {max_length})")
        return None
    return value


def check_slugs(item: dict, key: str, path: str, ctx: ImportContext, known: set, label: str) -> None:
    """Check that ``item[key]`` is a list of known slugs (missing means empty)."""
    values = item.get(key, [])
    if values is None:
        return
    if not isinstance(values, list):
        ctx.error(f"{path}.{key}", "must be a list")
        return
    for i, value in enumerate(values):
        if value not in known:
            ctx.error(f"{path}.{key}[{i}]", unknown(label, value, known))


def check_fields(item: dict, fields, path: str, ctx: ImportContext) -> None:
    """Record an error for every key of ``item`` that is not in ``fields`` (listed in their order)."""
    for key in item:
        if key not in fields:
            ctx.error(f"{path}.{key}", f"unknown field (known: {', '.join(fields)})")


def check_page_slug(item: dict, path: str, ctx: ImportContext, seen: set[str]) -> str | None:
    """Check ``item["slug"]``, the key of a Wagtail page under its section: required, a slug, not
    twice in the file (``seen``, updated). Returns the slug as given, or None when missing."""
    slug = require_str(item, "slug", path, ctx, max_length=255)
    if slug is not None:
        try:
            validate_slug(slug)
        except ValidationError:
            ctx.error(f"{path}.slug", f'"{slug}" is not a slug (letters, digits, "-" and "_")')
        if slug in seen:
            ctx.error(f"{path}.slug", f'duplicate slug "{slug}"')
        seen.add(slug)
    return slug


def check_choice(item: dict, key: str, path: str, ctx: ImportContext, choices, *, default=None) -> None:
    """Check that ``item[key]`` (``default`` when missing) is one of the values of ``choices``."""
    value = item.get(key, default)
    if value not in choices.values:
        ctx.error(f"{path}.{key}", unknown(key, value, set(choices.values)))


def section_index(model, slug: str):
    """The index page of a section (``model``, served at ``/slug/``), created with the site's
    structure when missing."""
    index = model.objects.first()
    if index is None:
        from comcep.core.site_setup import ensure_site_structure

        ensure_site_structure()
        index = model.objects.first()
    if index is None:
        raise RuntimeError(f"no {model.__name__} (/{slug}/): run migrate first")
    return index


def unknown(label: str, value: Any, known: set) -> str:
    listed = ", ".join(sorted(known)[:12]) + (", ..." if len(known) > 12 else "")
    return f"unknown {label} {json.dumps(value, ensure_ascii=False)} (known: {listed or 'none'})"
