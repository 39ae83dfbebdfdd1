import pytest
from django.core.files.base import ContentFile
from wagtail.documents.models import Document

from comcep.events.models import EventDocument
from tests.factories.events import EventPageFactory

pytestmark = pytest.mark.django_db


def test_event_documents_are_listed_on_the_page(client):
    event = EventPageFactory()
    document = Document.objects.create(title="Programme de la journée",
                                       file=ContentFile(b"%PDF-1.4 programme", name="programme.pdf"))
    EventDocument.objects.create(page=event, document=document, title="Programme détaillé")
    html = client.get(event.url).content.decode()
    assert "Programme détaillé" in html and document.url in html
