"""A member proposes a resource → draft page in Wagtail's moderation workflow → a moderator
approves (published, member notified, "Publiée") or requests changes ("Refusée" + reason)."""

import re

import pytest
from django.core import mail
from django.urls import reverse
from wagtail.models import WorkflowState

from comcep.notifications.models import Notification
from resources import services
from resources.enums import ProposalStatus
from resources.models import ResourceIndexPage, ResourcePage, ResourceProposal
from tests.factories import ModeratorFactory, UserFactory
from tests.factories.resources import file_bytes, upload

pytestmark = pytest.mark.django_db

BODY = """## Contexte

Une démarche testée à la mission locale pour **préparer le premier entretien**.

- écouter la demande
- reformuler

<script>alert("x")</script>
"""


def proposal_data(**overrides):
    data = {
        "title": "Préparer le premier entretien",
        "kind": "fiche-pratique",
        "summary": "Une fiche pour conduire le premier entretien d'accueil en CEP.",
        "body": BODY,
        "themes": ["vae"],
    }
    data.update(overrides)
    return data


def propose(client, **overrides):
    return client.post("/ressources-actions/proposer/", proposal_data(**overrides), follow=True)


def test_member_proposal_becomes_a_draft_in_the_moderation_workflow(client, member, themes):
    moderator = ModeratorFactory(email="moderatrice@example.fr")
    client.force_login(member)
    response = propose(client)
    assert "Votre proposition a été transmise" in response.content.decode()

    page = ResourcePage.objects.get(title="Préparer le premier entretien")
    assert not page.live
    assert page.owner == member and page.author == member
    assert page.get_parent().specific_class is ResourceIndexPage
    assert page.revisions.count() == 1
    assert page.visibility == "members"
    assert [t.slug for t in page.themes.all()] == ["vae"]
    html = page.body[0].value.source
    assert "<h2>Contexte</h2>" in html and "<strong>préparer le premier entretien</strong>" in html
    assert "<script" not in html

    state = WorkflowState.objects.get(object_id=str(page.pk))
    assert state.status == WorkflowState.STATUS_IN_PROGRESS
    assert state.workflow.name == "Relecture par un modérateur"

    proposal = ResourceProposal.objects.get(page=page)
    assert proposal.status == ProposalStatus.PENDING and proposal.member == member
    to_moderators = [m for m in mail.outbox if moderator.email in m.to]
    assert any("Préparer le premier entretien" in m.subject and "soumise pour validation" in m.subject
               for m in to_moderators)
    assert member.email not in [addr for m in mail.outbox for addr in m.to]

    html = client.get("/ressources-actions/mes-propositions/").content.decode()
    assert "Préparer le premier entretien" in html and "En attente" in html
    # the draft is not visible publicly
    client.logout()
    assert client.get("/ressources/preparer-le-premier-entretien/").status_code == 404


def approve_in_admin(client, moderator, page, comment=""):
    task_state = page.current_workflow_task_state
    client.force_login(moderator)
    url = reverse("wagtailadmin_pages:workflow_action", args=[page.pk, "approve", task_state.pk])
    return client.post(url, {"comment": comment})


def test_moderator_approves_in_the_admin_then_member_is_notified(client, member, themes,
                                                                 django_capture_on_commit_callbacks):
    moderator = ModeratorFactory()
    client.force_login(member)
    propose(client)
    page = ResourcePage.objects.get(title="Préparer le premier entretien")
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        response = approve_in_admin(client, moderator, page)
    assert response.status_code == 302
    page.refresh_from_db()
    assert page.live
    proposal = ResourceProposal.objects.get(page=page)
    assert proposal.status == ProposalStatus.PUBLISHED
    notice = [m for m in mail.outbox if m.to == [member.email]]
    assert len(notice) == 1 and "est publiée" in notice[0].subject
    assert "Merci pour votre contribution" in notice[0].body
    assert Notification.objects.get(recipient=member, kind="resource-proposal").url == page.url

    client.force_login(member)
    html = client.get("/ressources-actions/mes-propositions/").content.decode()
    assert "Publiée" in html and f'href="{page.url}"' in html


def test_rejection_with_a_comment_shows_the_reason_to_the_member(client, member, themes,
                                                                 django_capture_on_commit_callbacks):
    moderator = ModeratorFactory()
    client.force_login(member)
    propose(client)
    page = ResourcePage.objects.get(title="Préparer le premier entretien")
    mail.outbox.clear()
    task_state = page.current_workflow_task_state
    client.force_login(moderator)
    url = reverse("wagtailadmin_pages:workflow_action", args=[page.pk, "reject", task_state.pk])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"comment": "Merci d'ajouter la source réglementaire."})

    proposal = ResourceProposal.objects.get(page=page)
    assert proposal.status == ProposalStatus.REJECTED
    assert proposal.reviewer_comment == "Merci d'ajouter la source réglementaire."
    assert proposal.reviewed_by == moderator
    page.refresh_from_db()
    assert not page.live
    notice = [m for m in mail.outbox if m.to == [member.email]]
    assert len(notice) == 1 and "Merci d'ajouter la source réglementaire." in notice[0].body

    client.force_login(member)
    html = client.get("/ressources-actions/mes-propositions/").content.decode()
    assert "Refusée" in html and "Merci d&#x27;ajouter la source réglementaire." in html


def test_animator_cannot_publish_but_moderator_can(themes):
    from django.contrib.auth.models import Group

    animator = UserFactory(is_staff=False)
    animator.groups.add(Group.objects.get(name="Animateurs"))
    index = ResourceIndexPage.objects.get()
    perms = index.permissions_for_user(animator)
    assert perms.can_add_subpage()
    assert not perms.can_publish_subpage()
    moderator_perms = index.permissions_for_user(ModeratorFactory())
    assert moderator_perms.can_add_subpage() and moderator_perms.can_publish_subpage()
    assert index.get_workflow().name == "Relecture par un modérateur"


def test_only_approved_members_may_propose(client, pending_member):
    response = client.get("/ressources-actions/proposer/")
    assert response.status_code == 302 and response["Location"].startswith("/comptes/login/")
    client.force_login(pending_member)
    assert client.get("/ressources-actions/proposer/").status_code == 403
    assert client.post("/ressources-actions/proposer/", proposal_data()).status_code == 403
    assert not ResourceProposal.objects.exists()


def test_proposals_are_rate_limited_and_the_text_is_given_back(client, member, themes):
    client.force_login(member)
    for n in range(services.PROPOSALS_PER_DAY):
        propose(client, title=f"Proposition numéro {n}")
    assert ResourceProposal.objects.filter(member=member).count() == 5
    response = propose(client, title="Une de trop", body=BODY + "\nTexte à ne pas perdre.")
    html = response.content.decode()
    assert "Merci de réessayer demain" in html
    assert "Texte à ne pas perdre." in html
    assert not ResourcePage.objects.filter(title="Une de trop").exists()


def test_form_errors_are_french_and_next_to_the_fields(client, member, themes):
    client.force_login(member)
    response = client.post("/ressources-actions/proposer/",
                           proposal_data(title="", body="x" * 30_001, kind="inconnu", themes=[]))
    html = response.content.decode()
    assert response.status_code == 400
    assert '<ul class="errorlist" id="id_title_error"><li>Champ requis.</li></ul>' in html
    assert 'aria-describedby="id_title_error"' in html
    assert "au plus 30000 caractères (actuellement 30001)" in html
    assert "Sélectionnez un choix valide" in html
    assert not ResourceProposal.objects.exists()


def test_an_invalid_proposal_starts_with_a_summary_linking_to_each_field_in_error(client, member, themes):
    client.force_login(member)
    response = client.post("/ressources-actions/proposer/", proposal_data(title="", kind="inconnu", themes=[]))
    assert response.status_code == 400
    html = response.content.decode()
    assert "<title>Erreur – Proposer une ressource" in html
    summary = re.search(r'(?s)<div class="form-errors error-summary" role="alert" tabindex="-1"[^>]*>(.*?)</div>', html)
    assert summary and html.index(summary.group(0)) < html.index('<form method="post" enctype="multipart/form-data"')
    assert "Le formulaire contient 3 erreurs : corrigez les champs signalés." in summary.group(1)
    links = re.findall(r'<li><a href="#([^"]+)">([^<]+)</a> — ([^<]+)</li>', summary.group(1))
    assert [(target, label) for target, label, _message in links] == [
        ("id_title", "Titre"), ("id_kind", "Type de ressource"), ("id_themes_0", "Thèmes")]
    assert links[0][2] == "Champ requis."
    for target, _label, _message in links:  # each link reaches the field's input
        assert re.search(rf'<input[^>]* id="{target}"|<select[^>]* id="{target}"', html), target


def test_proposal_with_a_valid_file_attaches_it(client, member, themes):
    client.force_login(member)
    data = proposal_data()
    data["file"] = upload("trame.docx")
    client.post("/ressources-actions/proposer/", data)
    page = ResourcePage.objects.get(title="Préparer le premier entretien")
    attached = page.attached_documents.get()
    assert attached.document.filename.endswith(".docx")
    assert attached.document.file_size == len(file_bytes("docx"))


@pytest.mark.parametrize("name,content,message", [
    ("page.pdf", b"<!DOCTYPE html><html><script>alert(1)</script></html>", "une page HTML"),
    ("image.pdf", b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"></svg>', "une image SVG"),
    ("rapport.docx", None, "ne correspond pas au contenu du fichier"),
])
def test_proposal_with_a_refused_file_is_not_stored(client, member, themes, name, content, message):
    client.force_login(member)
    data = proposal_data()
    data["file"] = upload(name, content if content is not None else file_bytes("pdf"))
    html = client.post("/ressources-actions/proposer/", data).content.decode()
    assert message in html
    assert not ResourcePage.objects.filter(title="Préparer le premier entretien").exists()


def test_member_area_panel_shows_proposal_status(client, member, themes):
    from django.template.loader import render_to_string
    from django.test import RequestFactory

    from resources.member_area import proposals_panel_context

    client.force_login(member)
    propose(client)
    request = RequestFactory().get("/mon-espace/")
    request.user = member
    html = render_to_string("resources/panels/proposals.html",
                            {"panel_context": proposals_panel_context(request), "user": member})
    assert "Préparer le premier entretien" in html and "En attente" in html


def test_deleting_a_proposed_draft_marks_the_proposal_refused(client, member, themes):
    client.force_login(member)
    propose(client)
    page = ResourcePage.objects.get(title="Préparer le premier entretien")
    page.delete()
    proposal = ResourceProposal.objects.get(member=member)
    assert proposal.page is None and proposal.status == ProposalStatus.REJECTED
    assert "retirée par l'équipe de modération" in proposal.reviewer_comment
    assert "Refusée" in client.get("/ressources-actions/mes-propositions/").content.decode()


def test_animator_creates_in_the_admin_and_submits_for_review(client, themes):
    from django.contrib.auth.models import Group
    from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text, streamfield

    moderator = ModeratorFactory(email="relecteur@example.fr")
    animator = UserFactory()
    animator.groups.add(Group.objects.get(name="Animateurs"))
    index = ResourceIndexPage.objects.get()
    client.force_login(animator)
    data = nested_form_data({
        "title": "Fiche rédigée par un animateur", "slug": "fiche-animateur", "kind": "fiche-outil",
        "summary": "Une fiche outil pour l'accueil.", "body": streamfield([("rich_text", rich_text("<p>Texte</p>"))]),
        "attached_documents": inline_formset([]), "visibility": "public", "region": "", "author": "",
        "author_name": "", "organisation": "", "last_reviewed_on": "",
    })
    data["themes"] = [themes["vae"].pk]
    data["action-publish"] = "publish"  # not allowed: saved as a draft at most
    client.post(reverse("wagtailadmin_pages:add", args=("resources", "resourcepage", index.pk)), data)
    page = ResourcePage.objects.get(slug="fiche-animateur")
    assert not page.live
    del data["action-publish"]
    data["action-submit"] = "submit"
    client.post(reverse("wagtailadmin_pages:edit", args=(page.pk,)), data)
    state = WorkflowState.objects.get(object_id=str(page.pk))
    assert state.status == WorkflowState.STATUS_IN_PROGRESS
    assert any(moderator.email in m.to for m in mail.outbox)
    assert not ResourcePage.objects.get(pk=page.pk).live
