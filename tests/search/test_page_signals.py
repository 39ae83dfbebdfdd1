"""Pages with a registered indexer enter and leave the search index with publishing,
without their app calling search: publish, unpublish, delete (resources here)."""

import pytest

from search.models import SearchEntry
from tests.factories.resources import ResourcePageFactory

pytestmark = pytest.mark.django_db


def entries_for(page):
    return SearchEntry.objects.filter(source_id=str(page.pk))


def test_publishing_a_resource_indexes_it_and_unpublishing_removes_it(django_capture_on_commit_callbacks, moderator):
    page = ResourcePageFactory(title="Grille d'entretien de diagnostic", live=False)
    with django_capture_on_commit_callbacks(execute=True):
        page.save_revision(user=moderator).publish(user=moderator)
    assert entries_for(page).get().title == "Grille d'entretien de diagnostic"

    page.refresh_from_db()  # publish() worked on a copy of the page
    with django_capture_on_commit_callbacks(execute=True):
        page.unpublish(user=moderator)
    assert not entries_for(page).exists()


def test_an_edit_published_later_updates_the_entry(django_capture_on_commit_callbacks, moderator):
    page = ResourcePageFactory(title="Ancien titre", live=False)
    with django_capture_on_commit_callbacks(execute=True):
        page.save_revision(user=moderator).publish(user=moderator)
    page.title = "Nouveau titre de la fiche"
    with django_capture_on_commit_callbacks(execute=True):
        page.save_revision(user=moderator).publish(user=moderator)
    assert entries_for(page).get().title == "Nouveau titre de la fiche"


def test_deleting_a_resource_removes_its_entry(django_capture_on_commit_callbacks, moderator):
    page = ResourcePageFactory(title="Fiche supprimée", live=False)
    with django_capture_on_commit_callbacks(execute=True):
        page.save_revision(user=moderator).publish(user=moderator)
    assert entries_for(page).exists()
    pk = page.pk
    with django_capture_on_commit_callbacks(execute=True):
        page.delete()
    assert not SearchEntry.objects.filter(source_id=str(pk)).exists()


def test_a_useful_vote_updates_the_ranking_boost_in_the_index(django_capture_on_commit_callbacks, member):
    from resources import services as resource_services

    page = ResourcePageFactory(title="Fiche très utile")
    with django_capture_on_commit_callbacks(execute=True):
        resource_services.vote_useful(user=member, page=page)
    assert entries_for(page).get().useful_count == 1
    with django_capture_on_commit_callbacks(execute=True):
        resource_services.remove_useful_vote(user=member, page_id=page.pk)
    assert entries_for(page).get().useful_count == 0
