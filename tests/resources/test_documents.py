"""Document uploads: type decided by content, extension must agree, size limit, SVG/HTML
refused, French messages in the Wagtail admin form."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from resources.models import ResourceDocument
from resources.uploads import detect_format, human_size, validate_document_file
from tests.factories.resources import PDF_BYTES, file_bytes, upload

pytestmark = pytest.mark.django_db

HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect/></svg>'


@pytest.mark.parametrize("ext", ["pdf", "docx", "xlsx", "pptx", "odt", "ods", "odp"])
def test_accepted_formats_are_recognised_by_content(ext):
    assert validate_document_file(upload(f"document.{ext}")) == ext


@pytest.mark.parametrize("name,content,fragment", [
    ("page.html", HTML, "une page HTML"),
    ("page.pdf", HTML, "une page HTML"),
    ("dessin.svg", SVG, "une image SVG"),
    ("dessin.pdf", SVG, "une image SVG"),
    ("photo.pdf", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "un fichier PNG"),
    ("archive.docx", None, "Format refusé"),  # a plain zip without [Content_Types].xml
    ("script.odt", b"#!/bin/sh\nrm -rf /\n", "Format refusé"),
])
def test_other_contents_are_refused_whatever_the_extension(name, content, fragment):
    if content is None:
        import io
        import zipfile

        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("notes.txt", "bonjour")
        content = buffer.getvalue()
    with pytest.raises(ValidationError) as excinfo:
        validate_document_file(SimpleUploadedFile(name, content))
    assert fragment in excinfo.value.messages[0]


@pytest.mark.parametrize("name,real", [("fiche.docx", "pdf"), ("tableau.pdf", "xlsx"), ("texte.docx", "odt"),
                                       ("texte.odt", "docx"), ("fiche", "pdf")])
def test_an_extension_lying_about_the_content_is_refused(name, real):
    with pytest.raises(ValidationError) as excinfo:
        validate_document_file(SimpleUploadedFile(name, file_bytes(real)))
    assert "ne correspond pas au contenu du fichier" in excinfo.value.messages[0]
    assert f"« .{real} »" in excinfo.value.messages[0]


def test_macro_enabled_office_files_are_refused():
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", '<Types><Override PartName="/word/document.xml" ContentType="'
                         'application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
                         '<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/></Types>')
    assert detect_format(io.BytesIO(buffer.getvalue())) is None


@override_settings(WAGTAILDOCS_MAX_UPLOAD_SIZE=1024)
def test_files_over_the_size_limit_are_refused():
    big = SimpleUploadedFile("gros.pdf", PDF_BYTES + b"0" * 2048)
    with pytest.raises(ValidationError) as excinfo:
        validate_document_file(big)
    assert excinfo.value.messages[0] == "Ce fichier pèse 2 Ko : la taille maximale autorisée est de 1 Ko."


def test_empty_files_are_refused():
    with pytest.raises(ValidationError, match="vide"):
        validate_document_file(SimpleUploadedFile("vide.pdf", b""))


def test_human_sizes_are_french():
    assert human_size(245 * 1024) == "245 Ko"
    assert human_size(int(1.4 * 1024 * 1024)) == "1,4 Mo"
    assert human_size(20 * 1024 * 1024) == "20 Mo"
    assert human_size(None) == ""


def admin_add(client, admin_user, name, content=None):
    client.force_login(admin_user)
    return client.post(reverse("wagtaildocs:add"), {
        "title": "Un document", "file": upload(name, content), "collection": "1",
    })


def test_admin_upload_of_a_lying_file_shows_a_french_error_and_stores_nothing(client, admin_user):
    response = admin_add(client, admin_user, "fiche.docx", PDF_BYTES)
    assert response.status_code == 200
    assert "ne correspond pas au contenu du fichier" in response.content.decode()
    assert not ResourceDocument.objects.exists()


def test_admin_upload_of_html_is_refused(client, admin_user):
    response = admin_add(client, admin_user, "page.pdf", HTML)
    assert "une page HTML" in response.content.decode()
    assert not ResourceDocument.objects.exists()


def test_admin_upload_of_a_valid_document_works_and_records_its_size(client, admin_user):
    response = admin_add(client, admin_user, "trame.odt")
    assert response.status_code == 302
    document = ResourceDocument.objects.get()
    assert document.file_size == len(file_bytes("odt"))
    assert document.format_label == "ODT"


@override_settings(WAGTAILDOCS_MAX_UPLOAD_SIZE=1024)
def test_admin_upload_over_the_limit_is_refused(client, admin_user):
    response = admin_add(client, admin_user, "gros.pdf", PDF_BYTES + b"0" * 4096)
    assert response.status_code == 200
    assert not ResourceDocument.objects.exists()


def test_admin_multiple_upload_refuses_a_lying_file(client, admin_user):
    client.force_login(admin_user)
    response = client.post(reverse("wagtaildocs:add_multiple"),
                           {"files[]": upload("fiche.xlsx", PDF_BYTES)})
    assert response.status_code == 200
    payload = response.json()
    assert payload["success"] is False
    assert "ne correspond pas au contenu du fichier" in payload["error_message"]
    assert not ResourceDocument.objects.exists()
