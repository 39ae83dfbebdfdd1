"""Factories for the resource library: published pages under /ressources/, documents."""

import io
import zipfile

import factory
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.text import slugify

from comcep.taxonomy.models import Theme
from resources.enums import ResourceKind, Visibility
from resources.models import ResourceDocument, ResourceIndexPage, ResourcePage, ResourcePageDocument


class ThemeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Theme
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"theme-{n}")
    name = factory.LazyAttribute(lambda o: o.slug.replace("-", " ").capitalize())


def library() -> ResourceIndexPage:
    return ResourceIndexPage.objects.get()


class ResourcePageFactory(factory.Factory):
    """A ResourcePage added under the library and published (``live=False``: a draft)."""

    class Meta:
        model = ResourcePage

    title = factory.Sequence(lambda n: f"Fiche pratique numéro {n}")
    slug = factory.LazyAttribute(lambda o: slugify(o.title))
    kind = ResourceKind.FICHE_PRATIQUE
    summary = "Une fiche pour préparer l'entretien avec la personne accompagnée."
    visibility = Visibility.PUBLIC
    body = factory.LazyFunction(lambda: [("rich_text", "<p>Contenu de la fiche.</p>")])

    @classmethod
    def _create(cls, model_class, *args, live=True, parent=None, themes=(), audiences=(), service_levels=(),
                operators=(), documents=(), **kwargs):
        parent = parent or library()
        page = model_class(**kwargs)
        page.themes.set(list(themes))
        page.audiences.set(list(audiences))
        page.service_levels.set(list(service_levels))
        page.operators.set(list(operators))
        for doc in documents:
            page.attached_documents.add(ResourcePageDocument(document=doc))
        if not live:
            page.live = False
        parent.add_child(instance=page)
        revision = page.save_revision()
        if live:
            revision.publish()
            page.refresh_from_db()
        return page


# --- files ---------------------------------------------------------------------------------------

PDF_BYTES = (b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
             b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")

_OOXML = {
    "docx": ("word/document.xml",
             "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"),
    "xlsx": ("xl/workbook.xml", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"),
    "pptx": ("ppt/presentation.xml",
             "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml"),
}
_ODF = {
    "odt": "application/vnd.oasis.opendocument.text",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
    "odp": "application/vnd.oasis.opendocument.presentation",
}


def office_bytes(ext: str) -> bytes:
    """A minimal but structurally real OOXML or ODF container."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        if ext in _ODF:
            archive.writestr(zipfile.ZipInfo("mimetype"), _ODF[ext])
            archive.writestr("content.xml", "<office:document-content/>")
            archive.writestr("META-INF/manifest.xml", "<manifest:manifest/>")
        else:
            part, content_type = _OOXML[ext]
            archive.writestr(
                "[Content_Types].xml",
                '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/'
                '2006/content-types"><Default Extension="xml" ContentType="application/xml"/>'
                f'<Override PartName="/{part}" ContentType="{content_type}"/></Types>',
            )
            archive.writestr(part, "<document/>")
    return buffer.getvalue()


def file_bytes(ext: str) -> bytes:
    return PDF_BYTES if ext == "pdf" else office_bytes(ext)


def upload(name: str, content: bytes | None = None) -> SimpleUploadedFile:
    ext = name.rsplit(".", 1)[-1]
    return SimpleUploadedFile(name, file_bytes(ext) if content is None else content)


def make_document(name="fiche.pdf", title="Fiche à imprimer", content=None) -> ResourceDocument:
    f = upload(name, content)
    document = ResourceDocument(title=title, file=f)
    document.file_size = f.size
    document.save()
    return document
