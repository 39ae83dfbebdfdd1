"""Upload checks for documents: the type is decided by the CONTENT of the file, the
extension must agree with it, and the size is bounded (settings.WAGTAILDOCS_MAX_UPLOAD_SIZE).

PDF is recognised by its signature; OOXML (docx/xlsx/pptx) and ODF (odt/ods/odp) are zip
containers, recognised by the zip's ``[Content_Types].xml`` (OOXML) or ``mimetype`` entry (ODF).
Anything else (HTML, SVG, scripts, images, executables, plain zips) is refused.
"""

from __future__ import annotations

import os
import zipfile

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

DEFAULT_MAX_UPLOAD_SIZE = 20 * 1024 * 1024

# extension -> (French label, MIME type)
FORMATS = {
    "pdf": ("PDF", "application/pdf"),
    "docx": ("Word (DOCX)", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "xlsx": ("Excel (XLSX)", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "pptx": ("PowerPoint (PPTX)", "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
    "odt": ("OpenDocument texte (ODT)", "application/vnd.oasis.opendocument.text"),
    "ods": ("OpenDocument tableur (ODS)", "application/vnd.oasis.opendocument.spreadsheet"),
    "odp": ("OpenDocument présentation (ODP)", "application/vnd.oasis.opendocument.presentation"),
}
SHORT_LABELS = {"pdf": "PDF", "docx": "DOCX", "xlsx": "XLSX", "pptx": "PPTX", "odt": "ODT", "ods": "ODS", "odp": "ODP"}

_OOXML_MAIN_PARTS = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml": "docx",
    "application/vnd.ms-word.document.macroenabled.main+xml": None,  # docm: macros, refused
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml": "xlsx",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml": "pptx",
}
_ODF_MIMETYPES = {FORMATS[ext][1]: ext for ext in ("odt", "ods", "odp")}
_MAX_MANIFEST_BYTES = 1024 * 1024  # [Content_Types].xml is a few KB; refuse absurd ones (zip bombs)


def human_size(size: int | None) -> str:
    """French size label: "245 Ko", "1,4 Mo"."""
    if not size:
        return ""
    if size < 1024 * 1024:
        return f"{max(1, round(size / 1024))} Ko"
    return f"{size / (1024 * 1024):.1f} Mo".replace(".", ",").replace(",0 Mo", " Mo")


def max_upload_size() -> int:
    return int(getattr(settings, "WAGTAILDOCS_MAX_UPLOAD_SIZE", None) or DEFAULT_MAX_UPLOAD_SIZE)


def detect_format(fileobj) -> str | None:
    """The extension matching the file's content ("pdf", "docx", ...), or None if the content
    is not one of the accepted formats. ``fileobj`` must be seekable; its position is restored."""
    position = fileobj.tell() if hasattr(fileobj, "tell") else 0
    try:
        fileobj.seek(0)
        head = fileobj.read(8192)
        if isinstance(head, str):  # a text-mode file is never an accepted document
            return None
        if head.startswith(b"%PDF-"):
            return "pdf"
        if not head.startswith(b"PK\x03\x04"):
            return None
        fileobj.seek(0)
        return _detect_zip_container(fileobj)
    finally:
        fileobj.seek(position)


def _detect_zip_container(fileobj) -> str | None:
    try:
        with zipfile.ZipFile(fileobj) as archive:
            names = set(archive.namelist())
            if "mimetype" in names:
                info = archive.getinfo("mimetype")
                if info.file_size > 200:
                    return None
                mimetype = archive.read("mimetype").decode("ascii", "replace").strip()
                return _ODF_MIMETYPES.get(mimetype)
            if "[Content_Types].xml" in names:
                info = archive.getinfo("[Content_Types].xml")
                if info.file_size > _MAX_MANIFEST_BYTES:
                    return None
                manifest = archive.read("[Content_Types].xml").decode("utf-8", "replace").lower()
                if "vbaproject" in manifest or "macroenabled" in manifest:
                    return None  # documents carrying macros are refused
                for content_type, ext in _OOXML_MAIN_PARTS.items():
                    if f'contenttype="{content_type}"' in manifest:
                        return ext
    except (zipfile.BadZipFile, OSError, KeyError, RuntimeError, ValueError, EOFError):
        return None
    return None


def describe_content(fileobj) -> str:
    """A short French description of what the content actually is (for error messages)."""
    position = fileobj.tell()
    try:
        fileobj.seek(0)
        head = fileobj.read(8192)
    finally:
        fileobj.seek(position)
    if isinstance(head, str):
        head = head.encode("utf-8", "replace")
    lowered = head.lstrip().lower()
    if lowered.startswith((b"<!doctype html", b"<html", b"<script", b"<head", b"<body")):
        return _("une page HTML")
    if b"<svg" in lowered[:2048]:
        return _("une image SVG")
    kind = filetype.guess(head)
    if kind is not None:
        return _("un fichier %(type)s") % {"type": kind.extension.upper()}
    return _("un format non reconnu")


def extension_of(name: str) -> str:
    return os.path.splitext(name or "")[1].lower().lstrip(".")


def validate_document_file(value) -> str:
    """Raise ValidationError (French message) unless ``value`` (an UploadedFile or a FieldFile
    holding one) is an accepted document whose extension matches its content. Returns the format."""
    if getattr(value, "_committed", False):
        # A file already stored (an edit that does not replace it) was checked when uploaded.
        return extension_of(value.name)
    fileobj = getattr(value, "file", None) or value
    size = getattr(value, "size", None)
    limit = max_upload_size()
    if size is not None and size > limit:
        raise ValidationError(
            _("Ce fichier pèse %(size)s : la taille maximale autorisée est de %(max)s.")
            % {"size": human_size(size), "max": human_size(limit)},
            code="file_too_large",
        )
    if size == 0:
        raise ValidationError(_("Ce fichier est vide."), code="empty_file")
    accepted = ", ".join(SHORT_LABELS.values())
    ext = extension_of(getattr(value, "name", ""))
    detected = detect_format(fileobj)
    if detected is None:
        raise ValidationError(
            _("Format refusé : ce fichier est %(what)s. Seuls les documents %(accepted)s sont acceptés "
              "(le type est vérifié d'après le contenu du fichier, pas seulement son nom).")
            % {"what": describe_content(fileobj), "accepted": accepted},
            code="invalid_type",
        )
    if ext != detected:
        raise ValidationError(
            _("L'extension « .%(ext)s » ne correspond pas au contenu du fichier, qui est un document %(real)s. "
              "Renommez-le en « .%(real_ext)s » ou choisissez le bon fichier.")
            % {"ext": ext or "?", "real": FORMATS[detected][0], "real_ext": detected},
            code="extension_mismatch",
        )
    return detected


def format_label(filename: str) -> str:
    return SHORT_LABELS.get(extension_of(filename), extension_of(filename).upper() or "?")
