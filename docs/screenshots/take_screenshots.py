"""Screenshots of the user guides (docs/guide-membre.md, docs/guide-animateur.md), taken from
the running demo so that they stay current.

    make screenshots                     # every shot (about 3 minutes)
    python docs/screenshots/take_screenshots.py ressources sujet   # only these shots
    python docs/screenshots/take_screenshots.py --list              # the shot list

What it does, in a throwaway directory (nothing of your own database is touched):
1. a fresh SQLite database: ``migrate``, ``setup_demo comcep/core/demo/*.json``, then
   ``prepare_scenario()`` below (a little activity: a pending member, a flag, a proposal,
   notifications, directory profiles...) so that the screens are not empty;
2. ``runserver`` on a free loopback port;
3. Debian's chromium through Playwright (never ``playwright install``), one browser context
   per demo account, logged in through the real login form;
4. one PNG per entry of ``SHOTS`` in ``docs/img/`` (1280×800 viewport or one element,
   scaled down to ``MAX_WIDTH`` and reduced to a ``COLORS``-colour palette: small files).

Determinism: every Django process of the run (migrate, import, scenario, server) runs with
its clock frozen at ``FROZEN_AT`` (time-machine, ``tick=False``), so relative dates
("il y a 3 jours", "Moins d'un an", upcoming events) and the demo's dates do not make the
images change from one run to the next. Move ``FROZEN_AT`` when the demo content moves
(its events are in 2026-2027). Images still change when the pages change: that is the point.

Adding a screen to a guide = one ``Shot`` entry below + one Markdown image in the guide
(tests/core/test_user_guides.py checks that both lists agree).

Needs: the dev requirements (playwright, time-machine, Pillow), /usr/bin/chromium
(``apt-get install chromium``) and, for the 🔔 of the header, an emoji font
(``apt-get install fonts-noto-color-emoji``; without it a box is drawn).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import io
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]
IMG_DIR = BASE_DIR / "docs" / "img"
CHROMIUM = Path(os.environ.get("COMCEP_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]
VIEWPORT = {"width": 1280, "height": 800}
MAX_WIDTH = 1024  # images are scaled down to this width (keeps the set small, text still readable)
COLORS = 128  # palette size of the PNGs: 256 costs 12 % more for no visible gain on these pages
FROZEN_AT = dt.datetime(2026, 11, 26, 9, 30, tzinfo=dt.UTC)  # a Thursday, 10:30 in Paris
PASSWORD = "comcep-demo-2026"

# Who takes the picture: key of Shot.account -> e-mail (None = a visitor, not logged in).
ACCOUNTS = {
    "visiteur": None,
    "membre": "membre@demo.comcep.example.fr",
    "moderateur": "moderateur@demo.comcep.example.fr",
    "admin": "admin@demo.comcep.example.fr",
    "en-attente": "lucie.bernard@capemploi-exemple.fr",  # created by prepare_scenario()
}


@dataclass(frozen=True)
class Shot:
    """One image of a guide: docs/img/<name>.png.

    ``steps`` run after ``url`` is loaded, each a tuple ``(action, target[, value])``:
    click, fill, type (key by key, for autocompletes), check, select, press (value = key),
    hover, wait (until visible), scroll (to the top of the viewport), goto (target = a path).
    Targets (see ``locate``): ``"link:Citer"``, ``"button:Publier"``, ``"label:Votre message"``,
    ``"text:Modération du sujet"``, ``"tab:Paramètres"`` (accessible role and name, the way a
    person sees the page; the name matches when it is contained in the element's, case
    ignored, or exactly with ``"button:=Chercher"``) or a CSS selector; a ``"|N"`` suffix takes
    the N-th match (0-based, -1 = the last), else the first. ``element``: screenshot of that element only (else the
    viewport). ``caption`` is the French alternative text of the image in the guide."""

    name: str
    account: str
    url: str
    caption: str
    steps: tuple = ()
    element: str | None = None
    full_page: bool = False
    viewport: tuple[int, int] | None = None  # (width, height) instead of 1280×800, e.g. a phone
    guide: str = "membre"  # or "animateur": the guide that shows it
    notes: str = field(default="", compare=False)


THREAD_MEMBRE = "Préparer un bilan à mi-parcours : vos trames ?"  # created by prepare_scenario()
THREAD_VAE = "Recevabilité VAE : quels délais constatez-vous depuis France VAE ?"

SHOTS: list[Shot] = [
    # --- Guide du membre -----------------------------------------------------------------
    Shot("accueil", "visiteur", "/",
         "Page d'accueil de Comcep vue par un visiteur : dernières ressources, événements et actualités"),
    Shot("inscription", "visiteur", "/comptes/signup/",
         "Formulaire de création de compte : e-mail, nom affiché, structure, opérateur, région et mot de passe"),
    Shot("compte-en-attente", "en-attente", "/mon-espace/en-attente/",
         "Page « adhésion en attente » affichée tant que l'équipe d'animation n'a pas validé le compte"),
    Shot("mon-espace", "membre", "/mon-espace/",
         "Tableau de bord de Mon espace : profil, sécurité, annuaire, favoris, notifications"),
    Shot("profil", "membre", "/mon-espace/profil/",
         "Formulaire Mon profil : nom affiché, structure, opérateur et région"),
    Shot("annuaire", "membre", "/annuaire/",
         "Annuaire des membres avec ses filtres par région, opérateur et thème d'expertise"),
    Shot("annuaire-mon-profil", "membre", "/annuaire/mon-profil/",
         "Formulaire « Ma fiche d'annuaire » : figurer dans l'annuaire, thèmes d'expertise, présentation"),
    Shot("ressources-filtres", "membre", "/ressources/?theme=vae&public=salaries",
         "Bibliothèque de ressources filtrée sur le thème VAE et le public salariés, avec les compteurs par filtre"),
    Shot("ressource", "membre", "/ressources/vae-les-etapes-de-la-demarche/",
         "Une fiche pratique avec les boutons Ajouter à mes favoris, Utile et Discuter de cette ressource"),
    Shot("proposer-ressource", "membre", "/ressources-actions/proposer/",
         "Formulaire « Proposer une ressource » : titre, type, résumé, contenu en Markdown, thèmes, fichier"),
    Shot("espaces", "membre", "/echanges/",
         "Liste des espaces d'échanges avec le nombre de sujets et de messages et la dernière activité"),
    Shot("espace", "membre", "/echanges/vae-certification/",
         "Un espace d'échanges : sujets épinglés puis récents, filtres Sans réponse, Résolus, Mes sujets"),
    Shot("poser-question", "membre", "/echanges/pratiques-accompagnement/poser-une-question/",
         "Formulaire « Poser une question » avec la barre de mise en forme et l'aperçu",
         steps=(("fill", "textbox:Titre de votre question",
                 "Entretien de suivi : à quelle fréquence ?"),
                ("fill", "textbox:Votre message",
                 "Bonjour,\n\nÀ quelle **fréquence** proposez-vous les entretiens de suivi "
                 "après le diagnostic partagé ?\n\n- tous les mois ?\n- à la demande ?"),
                ("click", "button:Aperçu"),
                ("wait", ".post-preview li")),
         full_page=True),
    Shot("sujet", "membre", "/echanges/pratiques-accompagnement/",
         "Un sujet : la question, les réponses, les boutons Citer, Merci, Marquer comme solution et Signaler",
         steps=(("click", f"link:{THREAD_MEMBRE}"),
                ("scroll", "h1"))),
    Shot("repondre-mention", "membre", "/echanges/pratiques-accompagnement/",
         "Zone de réponse : une citation pré-remplie et la suggestion de membres après @",
         steps=(("click", f"link:{THREAD_MEMBRE}"),
                ("click", "link:Citer|1"),
                ("type", "textbox:Votre réponse", "\nMerci @Awa"),
                ("wait", "[role=listbox] [role=option]"))),
    Shot("signaler", "membre", "/echanges/vae-certification/",
         "Formulaire « Signaler un message » : motif et commentaire pour l'équipe d'animation",
         steps=(("click", f"link:{THREAD_VAE}"),
                ("click", "link:Signaler|1"))),
    Shot("messages", "membre", "/messages/",
         "Messagerie : les conversations privées, les non lues en tête avec la mention « Non lu »"),
    Shot("message-conversation", "membre", "/messages/",
         "Une conversation privée : les messages, les participants, Bloquer, Quitter, Signaler et la réponse",
         steps=(("click", "link:Orientation d'un jeune vers un CEP actifs occupés"),)),
    Shot("message-nouveau", "membre", "/messages/nouveau/",
         "Nouvelle conversation : recherche des destinataires par nom ou structure, sujet et message",
         steps=(("fill", "label:Chercher un membre", "Awa"),
                ("click", "button:=Chercher"))),
    Shot("groupes", "membre", "/groupes/",
         "Liste des groupes régionaux avec leur région, leurs coordinateurs et le nombre de membres"),
    Shot("groupe", "membre", "/groupes/auvergne-rhone-alpes/",
         "Page d'un groupe régional : présentation, coordination, participation et derniers sujets de son espace"),
    Shot("recherche", "membre", "/recherche/?q=entretien+de+bilan",
         "Résultats de recherche pour « entretien de bilan » avec les filtres par type, thème, public et région"),
    Shot("notifications", "membre", "/mon-espace/notifications/",
         "Liste des notifications : une réponse et une mention dans un sujet suivi"),
    Shot("preferences-notifications", "membre", "/mon-espace/notifications/preferences/",
         "Préférences de notification : pour chaque type, e-mail immédiat, résumé quotidien ou hebdomadaire"),
    Shot("agenda", "membre", "/agenda/",
         "Agenda des événements à venir avec les filtres par région, type et thème"),
    Shot("evenement", "membre", "/agenda/webinaire-reforme-vae-2026/",
         "Page d'un webinaire auquel le membre est inscrit : date, lien de visioconférence, places restantes, "
         "bouton Me désinscrire",
         full_page=True),
    Shot("actualites", "membre", "/actualites/",
         "Liste des actualités publiées par l'équipe d'animation"),
    Shot("supprimer-compte", "membre", "/mon-espace/supprimer-mon-compte/",
         "Page de suppression du compte : conséquences et confirmation par le mot de passe"),
    Shot("ressource-mobile", "membre", "/ressources/vae-les-etapes-de-la-demarche/",
         "La même fiche pratique sur un téléphone : le menu passe sur plusieurs lignes, le texte reste lisible",
         viewport=(390, 760)),
    Shot("accessibilite", "visiteur", "/accessibilite/",
         "Déclaration d'accessibilité de Comcep (RGAA)"),
    # --- Guide de l'animateur ------------------------------------------------------------
    Shot("admin-tableau-de-bord", "moderateur", "/admin/",
         "Tableau de bord de l'administration : tâches en attente de relecture et menu de l'animateur",
         guide="animateur"),
    Shot("admin-animation", "moderateur", "/admin/animation/",
         "Tableau de bord de l'animation : période, chiffres des membres et graphique par opérateur",
         guide="animateur"),
    Shot("sans-reponse", "moderateur", "/echanges/sans-reponse/",
         "Liste des sujets sans réponse, du plus ancien au plus récent, avec le bouton Répondre", guide="animateur"),
    Shot("admin-adhesions", "moderateur", "/admin/membres/adhesions/",
         "File « Adhésions à valider » avec les boutons Valider et Refuser", guide="animateur"),
    Shot("admin-domaines", "moderateur", "/admin/membres/domaines/",
         "Liste des domaines validés automatiquement", guide="animateur"),
    Shot("admin-membres", "moderateur", "/admin/membres/liste/",
         "Liste de tous les membres avec leur statut d'adhésion", guide="animateur"),
    Shot("admin-ressources", "moderateur", "/admin/ressources/",
         "Liste des ressources dans l'administration avec les filtres par type, thème, visibilité et statut",
         guide="animateur"),
    Shot("admin-ressource-edition", "moderateur", "/admin/ressources/",
         "Édition d'une ressource dans Wagtail : onglets, champs et menu Publier",
         steps=(("click", "link:VAE : les étapes de la démarche|0"),),
         guide="animateur"),
    Shot("admin-derniere-relecture", "moderateur", "/admin/ressources/",
         "Section « Crédits et relecture » de l'onglet Classement : auteur, structure, date de dernière relecture",
         steps=(("click", "link:VAE : les étapes de la démarche|0"),
                ("click", "tab:Classement")),
         element="#panel-child-classement-credits_et_relecture-section", guide="animateur"),
    Shot("admin-statut", "moderateur", "/admin/ressources/",
         "Panneau Statut d'une ressource : état de publication, programmation, verrouillage, confidentialité",
         steps=(("click", "link:VAE : les étapes de la démarche|0"),
                ("click", "button:Afficher/masquer le statut"),
                ("wait", "text:Programmer")),
         guide="animateur"),
    Shot("admin-historique", "moderateur", "/admin/ressources/",
         "Historique d'une ressource : les révisions successives, avec comparaison et restauration",
         steps=(("click", "link:VAE : les étapes de la démarche|0"),
                ("click", "link:Historique")),
         guide="animateur"),
    Shot("admin-proposition", "moderateur", "/admin/",
         "Proposition d'un membre ouverte par l'animateur : menu Approuver et Publier, Demander des modifications",
         steps=(("click", "link:Trame d'entretien de suivi à mi-parcours|0"),
                ("click", "button:Plus d'actions")),
         guide="animateur"),
    Shot("admin-moderation", "moderateur", "/admin/echanges/moderation/",
         "File de modération : message en attente de validation et signalement ouvert", guide="animateur"),
    Shot("moderation-sujet", "moderateur", "/echanges/vae-certification/",
         "Panneau « Modération du sujet » sous un sujet : verrouiller, épingler, masquer, déplacer",
         steps=(("click", f"link:{THREAD_VAE}"),
                ("click", "text:Modération du sujet")),
         guide="animateur"),
    # As the moderator: the list 500s for superusers (see the report of the guides branch).
    Shot("admin-lacunes", "moderateur", "/admin/recherche/lacunes/",
         "Rapport « Recherches sans résultat » : recherches regroupées, compteurs, suite donnée",
         steps=(("scroll", "main h2|0"),), guide="animateur"),
    Shot("admin-lacunes-recommander", "moderateur", "/admin/recherche/lacunes/",
         "Choix d'un résultat recommandé pour une recherche sans résultat",
         steps=(("click", "link:Lier un résultat recommandé…|1"),), guide="animateur"),
    Shot("admin-groupes", "moderateur", "/admin/groupes-regionaux/",
         "Liste des groupes régionaux dans l'administration", guide="animateur"),
    Shot("groupe-gestion", "moderateur", "/groupes/auvergne-rhone-alpes/gestion/",
         "Gestion d'un groupe régional : demandes à accepter ou refuser, invitations, membres et coordinateurs",
         guide="animateur"),
    Shot("admin-messages-signales", "moderateur", "/admin/messages/signalements/",
         "File « Messages signalés » : le message privé signalé, le motif, Retirer le message ou Classer sans suite",
         guide="animateur"),
    Shot("admin-espaces", "moderateur", "/admin/echanges/espaces/",
         "Liste des espaces d'échanges dans l'administration, avec leurs compteurs", guide="animateur"),
    Shot("admin-agenda", "moderateur", "/admin/pages/",
         "Les événements de l'agenda dans l'arborescence des pages de l'administration",
         steps=(("click", "a[aria-label^='Explorer les sous-pages'][aria-label*='Agenda']"),), guide="animateur"),
]


# --- Running Django processes with a frozen clock ----------------------------------------------


def django_main(argv: list[str]) -> None:
    """Entry point of the child processes: ``take_screenshots.py --django [--days-before N] <manage.py args>``
    (the clock shows ``FROZEN_AT``, or N days before it)."""
    import time_machine

    sys.path.insert(0, str(BASE_DIR))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "comcep.settings.dev")
    days_before = 0
    if argv[:1] == ["--days-before"]:
        days_before, argv = int(argv[1]), argv[2:]
    time_machine.travel(FROZEN_AT - dt.timedelta(days=days_before), tick=False).start()
    if argv == ["scenario"]:
        import django

        django.setup()
        prepare_scenario()
        return
    from django.core.management import execute_from_command_line

    execute_from_command_line(["manage.py", *argv])


def ago(**delta):
    """Run a block of the scenario as if it happened ``delta`` before ``FROZEN_AT``."""
    import time_machine

    return time_machine.travel(FROZEN_AT - dt.timedelta(**delta), tick=False)


def prepare_scenario() -> None:
    """A little activity on top of the demo content, so that queues, notifications and the
    directory are not empty on the screenshots. Runs once, in the throwaway database."""
    from allauth.account.models import EmailAddress
    from django.db.models import F

    from comcep.accounts.enums import MembershipStatus
    from comcep.accounts.models import User
    from comcep.directory.services import save_profile
    from comcep.events import services as events
    from comcep.events.models import EventPage
    from comcep.taxonomy.models import Operator, Region, Theme
    from forums import services as forums
    from forums.models import Post, Space, Thread
    from resources import services as resources
    from resources.models import ResourcePage
    from search.models import SearchQueryLog

    # The demo was imported 30 days before FROZEN_AT; its searches (content gaps report) are meant
    # to be recent: bring them to the 30 days before FROZEN_AT, the report's default period.
    SearchQueryLog.objects.update(created_at=F("created_at") + dt.timedelta(days=30))

    # Everybody of the demo joined long ago (their posts are not held for review)...
    User.objects.update(date_joined=FROZEN_AT - dt.timedelta(days=300))

    def new_account(email, display_name, organisation, operator, status):
        user = User.objects.create_user(
            email=email, password=PASSWORD, display_name=display_name, organisation=organisation,
            operator=Operator.objects.get(slug=operator), region=Region.objects.get(slug="bretagne"), status=status)
        EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
        return user

    with ago(days=1):  # ...but one joined yesterday: their reply waits in the moderation queue;
        hugo = new_account("hugo.petit@ft-exemple.fr", "Hugo P.", "France Travail – agence de Rennes",
                           "france-travail", MembershipStatus.APPROVED)
    with ago(hours=20):  # and a sign-up from outside the allow-list waits for approval.
        new_account(ACCOUNTS["en-attente"], "Lucie Bernard", "Cap emploi 35", "cap-emploi", MembershipStatus.PENDING)

    membre = User.objects.get(email=ACCOUNTS["membre"])
    awa = User.objects.get(email="awa.diallo@ft-exemple.fr")
    julien = User.objects.get(email="julien.moreau@apec-exemple.fr")

    # Directory: a few members chose to appear.
    listed = [
        (membre, ["jeunes-insertion", "mobilite"],
         "Conseillère en Mission locale depuis 8 ans, j'accompagne surtout des jeunes sans diplôme."),
        (awa, ["vae", "reconversion"], "Référente VAE de l'agence, ravie d'échanger sur les dossiers de recevabilité."),
        (julien, ["competences-transferables", "reconversion"], "Consultant Apec, reconversions de cadres."),
        (User.objects.get(email="marc.lefebvre@capemploi-exemple.fr"), ["handicap-emploi"],
         "Maintien en emploi et RQTH, Ille-et-Vilaine."),
        (User.objects.get(email="camille.dupont@cep-regional-exemple.fr"), ["ptp", "cpf"],
         "CEP actifs occupés : projets de transition professionnelle."),
        (User.objects.get(email="lea.bonnet@missionlocale-exemple.fr"), ["jeunes-insertion"], ""),
    ]
    with ago(days=20):
        for user, themes, presentation in listed:
            save_profile(user=user, listed=True, themes=Theme.objects.filter(slug__in=themes),
                         presentation=presentation)

    # Library: bookmarks, a "utile" vote and a proposal awaiting review.
    with ago(days=6):
        for slug in ("vae-les-etapes-de-la-demarche", "modele-plan-d-action"):
            resources.add_bookmark(user=membre, page=ResourcePage.objects.get(slug=slug))
        resources.vote_useful(user=membre, page=ResourcePage.objects.get(slug="modele-plan-d-action"))
    with ago(hours=3):
        resources.propose_resource(
            user=membre, title="Trame d'entretien de suivi à mi-parcours", kind="fiche-outil",
            summary="Les questions que j'utilise pour faire le point avec la personne à mi-parcours du CEP.",
            body_markdown="## Objectif\n\nFaire le point sur le plan d'action.\n\n## Questions\n\n"
                          "- Qu'avez-vous pu engager depuis notre dernier entretien ?\n"
                          "- Qu'est-ce qui vous a freiné ?\n",
            themes=Theme.objects.filter(slug="posture-conseil"))

    # A moderator re-read a resource: a new published revision with its "dernière relecture" date.
    moderator = User.objects.get(email=ACCOUNTS["moderateur"])
    with ago(days=10):
        page = ResourcePage.objects.get(slug="vae-les-etapes-de-la-demarche")
        page.last_reviewed_on = (FROZEN_AT - dt.timedelta(days=10)).date()
        page.summary = page.summary.replace("depuis la réforme France VAE", "depuis la plateforme France VAE")
        page.save_revision(user=moderator, log_action=True).publish(user=moderator)

    # Forums: the member's question, two answers (one mentions her), a thank-you.
    with ago(days=2, hours=3):
        thread = forums.create_thread(
            space=Space.objects.get(slug="pratiques-accompagnement"), author=membre, title=THREAD_MEMBRE,
            body="Bonjour à toutes et à tous,\n\nJe prépare les **entretiens à mi-parcours** de mes CEP. "
                 "Avez-vous une trame à partager ?")
    with ago(days=2):
        forums.add_reply(thread=thread, author=julien,
                         body="Nous utilisons la fiche « Modèle de plan d'action » de la bibliothèque, "
                              "reprise point par point avec la personne.")
    with ago(days=1, hours=2):
        reply = forums.add_reply(
            thread=thread, author=awa,
            body="> **Julien M.** : Nous utilisons la fiche « Modèle de plan d'action »\n\n"
                 "Pareil chez nous. @Marie Démo, je vous envoie aussi notre grille d'auto-évaluation.")
    with ago(days=1):
        forums.react(post=reply, user=membre)

    # Two questions nobody answered yet (the "Sans réponse" filter and list).
    for days, email, slug, title, body in (
        (9, "lea.bonnet@missionlocale-exemple.fr", "reconversions-publics",
         "Contrat d'engagement jeune et CEP : qui fait quoi ?",
         "Un jeune en Contrat d'engagement jeune peut-il bénéficier d'un CEP en parallèle ?"),
        (3, "thomas.leroy@ft-exemple.fr", "pratiques-accompagnement",
         "Test de positionnement en anglais avant une formation ?",
         "Quels outils utilisez-vous pour situer le niveau d'anglais d'une personne avant une formation ?"),
    ):
        with ago(days=days):
            forums.create_thread(space=Space.objects.get(slug=slug), author=User.objects.get(email=email),
                                 title=title, body=body)

    # Moderation queue: the new member's reply, and a report from the member.
    vae_thread = Thread.objects.get(title=THREAD_VAE)
    with ago(hours=5):
        forums.add_reply(thread=vae_thread, author=hugo,
                         body="Bonjour, je découvre Comcep : de notre côté, comptez six semaines environ.")
    with ago(hours=2):
        reported = Post.objects.filter(thread=vae_thread).order_by("created_at")[2]
        forums.flag(post=reported, reporter=membre, reason="personal_data",
                    comment="Le message cite le nom complet d'une candidate.")

    # Agenda: the member registered for the next webinar.
    with ago(days=4):
        events.register(event=EventPage.objects.get(slug="webinaire-reforme-vae-2026"), user=membre)

    from django.apps import apps

    if apps.is_installed("comcep.conversations"):
        # Private messages: an unsolicited offer the member reported (the moderators' queue).
        from comcep.conversations import services as conversations

        with ago(hours=6):
            offer = conversations.start_conversation(
                author=hugo, recipients=[membre], subject="Formation certifiante à distance",
                body="Bonjour, notre organisme propose une formation certifiante 100 % finançable par le CPF. "
                     "Pouvez-vous la recommander à vos bénéficiaires ? Je vous envoie la plaquette.")
        with ago(hours=4):
            conversations.report(message=offer.messages.get(), reporter=membre, reason="spam",
                                 comment="Démarchage commercial.")
    if apps.is_installed("comcep.groups"):
        # Regional groups: a request to join waits for the coordinators.
        from comcep.groups import services as groups
        from comcep.groups.models import RegionalGroup

        with ago(hours=7):
            groups.request_join(group=RegionalGroup.objects.get(slug="auvergne-rhone-alpes"),
                                user=User.objects.get(email="karim.benali@example.fr"))


# --- Shooting -------------------------------------------------------------------------------


def optimise_png(data: bytes, max_width: int = MAX_WIDTH) -> bytes:
    """Scale a screenshot down to ``max_width`` and store it as a palette PNG of ``COLORS`` colours."""
    from PIL import Image

    image = Image.open(io.BytesIO(data)).convert("RGB")
    if image.width > max_width:
        height = round(image.height * max_width / image.width)
        image = image.resize((max_width, height), Image.Resampling.LANCZOS)
    image = image.quantize(colors=COLORS, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


ROLES = ("link", "button", "tab", "textbox", "heading", "checkbox", "combobox", "option", "region", "navigation")


def locate(page, target: str):
    """A Playwright locator for a step target (see ``Shot``)."""
    index = 0
    if re.search(r"\|-?\d+$", target):
        target, _, number = target.rpartition("|")
        index = int(number)
    kind, sep, name = target.partition(":")
    exact = name.startswith("=")  # "button:=Chercher": this exact name, not any name containing it
    name = name.removeprefix("=")
    if sep and kind in ROLES:
        locator = page.get_by_role(kind, name=name, exact=exact)
    elif sep and kind == "label":
        locator = page.get_by_label(name, exact=exact)
    elif sep and kind == "text":
        locator = page.get_by_text(name, exact=exact)
    else:
        locator = page.locator(target)
    return locator.nth(index)


def run_steps(page, steps) -> None:
    for step in steps:
        action, target, *rest = step
        value = rest[0] if rest else None
        if action == "goto":
            page.goto(target)
            continue
        locator = locate(page, target)
        if action == "click":
            locator.click()
            page.wait_for_load_state()
        elif action == "fill":
            locator.fill(value)
        elif action == "type":
            locator.press("Control+End")
            locator.press_sequentially(value, delay=20)
        elif action == "check":
            locator.check()
        elif action == "select":
            locator.select_option(value)
        elif action == "press":
            locator.press(value)
        elif action == "hover":
            locator.hover()
        elif action == "wait":
            locator.wait_for(state="visible")
        elif action == "scroll":
            locator.scroll_into_view_if_needed()
            locator.evaluate("element => element.scrollIntoView({block: 'start', inline: 'nearest'})")
            # Scrolling into view may also scroll a wide container sideways (Wagtail's editor): undo that.
            page.evaluate("for (const e of document.querySelectorAll('*')) { if (e.scrollLeft) e.scrollLeft = 0; }")
        else:
            raise ValueError(f"unknown step {action!r}")


def shoot(page, shot: Shot, out_dir: Path = IMG_DIR) -> Path:
    """Load the shot's page in ``page`` (logged in as ``shot.account``), run its steps and
    write ``<out_dir>/<name>.png``. Fails on an HTTP error: a guide never shows an error page."""
    if shot.viewport:
        page.set_viewport_size({"width": shot.viewport[0], "height": shot.viewport[1]})
    response = page.goto(shot.url)
    if response is None or response.status >= 400:
        raise RuntimeError(f"{shot.name}: {shot.url} answered {response and response.status}")
    run_steps(page, shot.steps)
    page.evaluate("document.fonts.ready")
    page.mouse.move(0, 0)  # no hover effect on the picture
    if shot.element:
        data = page.locator(shot.element).first.screenshot(animations="disabled", caret="hide")
    else:
        data = page.screenshot(full_page=shot.full_page, animations="disabled", caret="hide")
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{shot.name}.png"
    path.write_bytes(optimise_png(data))
    return path


def login(context, email: str, password: str = PASSWORD) -> None:
    """Log in through the allauth form, as a person would."""
    page = context.new_page()
    page.goto("/comptes/login/")
    page.locator("input[name=login]").fill(email)
    page.locator("input[name=password]").fill(password)
    page.locator("input[name=password]").press("Enter")
    page.wait_for_load_state()
    if "/comptes/login/" in page.url:
        raise RuntimeError(f"could not log in as {email}")
    page.close()


def new_context(browser, base_url: str):
    context = browser.new_context(base_url=base_url, locale="fr-FR", timezone_id="Europe/Paris",
                                  viewport=VIEWPORT, device_scale_factor=1, color_scheme="light",
                                  reduced_motion="reduce")
    context.set_default_timeout(15_000)
    return context


def take(base_url: str, shots: list[Shot], out_dir: Path = IMG_DIR) -> list[Path]:
    from playwright.sync_api import sync_playwright

    written = []
    with sync_playwright() as playwright:
        # --lang: French date fields and number formats (needs Debian's chromium-l10n; harmless without).
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=[*CHROMIUM_ARGS, "--lang=fr-FR"],
                                             env={**os.environ, "LANG": "fr_FR.UTF-8", "LANGUAGE": "fr"},
                                             headless=True)
        contexts = {}
        try:
            for shot in shots:
                if shot.account not in contexts:
                    contexts[shot.account] = new_context(browser, base_url)
                    if ACCOUNTS[shot.account]:
                        login(contexts[shot.account], ACCOUNTS[shot.account])
                page = contexts[shot.account].new_page()
                try:
                    path = shoot(page, shot, out_dir)
                finally:
                    page.close()
                written.append(path)
                print(f"  {path.relative_to(BASE_DIR) if path.is_relative_to(BASE_DIR) else path}"
                      f"  {path.stat().st_size // 1024} KB", flush=True)
        finally:
            browser.close()
    return written


# --- The whole run ------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(url: str, process, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("the demo server stopped; see its output above")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (loopback)
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"the demo server did not answer on {url}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="*", help="only these shots (default: all)")
    parser.add_argument("--list", action="store_true", help="print the shot list and exit")
    parser.add_argument("--out", type=Path, default=IMG_DIR, help="output directory (default: docs/img)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory (database, logs)")
    parser.add_argument("--server", metavar="URL",
                        help="shoot an already running demo (e.g. one started with --serve) instead of building one")
    parser.add_argument("--serve", action="store_true",
                        help="build the demo with its frozen clock and serve it until Ctrl-C (to write new shots)")
    parser.add_argument("--port", type=int, default=0, help="port for --serve (default: a free one)")
    args = parser.parse_args(argv)
    if args.list:
        for shot in SHOTS:
            print(f"{shot.name:<28} {shot.guide:<10} {shot.account:<11} {shot.url}")
        return 0
    unknown = set(args.names) - {shot.name for shot in SHOTS}
    if unknown:
        parser.error(f"unknown shots: {', '.join(sorted(unknown))}")
    shots = [shot for shot in SHOTS if not args.names or shot.name in args.names]
    if not CHROMIUM.exists() and not args.serve:
        print(f"{CHROMIUM} is missing: apt-get install chromium", file=sys.stderr)
        return 2
    if args.server:
        report(take(args.server.rstrip("/"), shots, args.out))
        return 0

    from playwright.sync_api import Error as PlaywrightError

    workdir = Path(tempfile.mkdtemp(prefix="comcep-screenshots-"))
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "comcep.settings.dev",
           "DATABASE_URL": f"sqlite:///{workdir / 'demo.sqlite3'}", "MEDIA_ROOT": str(workdir / "media"),
           "CACHE_URL": "locmem://", "EMAIL_URL": "console://", "LOG_LEVEL": "WARNING"}
    for name in ("TASKS_BACKEND", "ELASTICSEARCH_URL", "OPENSEARCH_URL"):
        env.pop(name, None)
    log_path = workdir / "django.log"
    log = log_path.open("w")
    child = [sys.executable, str(Path(__file__).resolve()), "--django"]

    def django(*command):
        subprocess.run([*child, *command], cwd=BASE_DIR, env=env, check=True, stdout=log, stderr=log)  # noqa: S603

    server = None
    try:
        print(f"Demo database in {workdir} (clock frozen at {FROZEN_AT:%Y-%m-%d %H:%M} UTC)", flush=True)
        # The demo was installed a month before the pictures ("modifié il y a 1 mois" in the admin).
        django("--days-before", "30", "migrate", "--noinput")
        django("--days-before", "30", "setup_demo",
               *sorted(str(p) for p in (BASE_DIR / "comcep" / "core" / "demo").glob("*.json")))
        django("scenario")
        port = args.port or free_port()
        base_url = f"http://127.0.0.1:{port}"
        env["SITE_URL"] = base_url
        server = subprocess.Popen([*child, "runserver", "--noreload", f"127.0.0.1:{port}"],  # noqa: S603
                                  cwd=BASE_DIR, env=env, stdout=log, stderr=log)
        wait_until_up(f"{base_url}/sante/", server)
        if args.serve:
            print(f"Serving {base_url} (accounts: {', '.join(e for e in ACCOUNTS.values() if e)}, "
                  f"password {PASSWORD}); Ctrl-C to stop", flush=True)
            signal.signal(signal.SIGTERM, stop_serving)  # `kill` ends the demo cleanly too
            with contextlib.suppress(KeyboardInterrupt):
                server.wait()
            return 0
        print(f"Shooting {len(shots)} screens from {base_url}", flush=True)
        report(take(base_url, shots, args.out))
        return 0
    except (subprocess.CalledProcessError, RuntimeError, PlaywrightError) as exc:
        log.flush()
        print(f"Failed: {exc}\n--- last lines of {log_path} ---", file=sys.stderr)
        print("".join(log_path.read_text(errors="replace").splitlines(True)[-30:]), file=sys.stderr)
        args.keep = True
        return 1
    finally:
        if server is not None and server.poll() is None:
            server.terminate()
            server.wait(timeout=10)
        log.close()
        if args.keep:
            print(f"Kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


def stop_serving(signum, frame):
    raise KeyboardInterrupt


def report(written: list[Path]) -> None:
    total = sum(path.stat().st_size for path in written)
    print(f"{len(written)} images, {total / 1024 / 1024:.1f} MB", flush=True)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--django"]:
        django_main(sys.argv[2:])
    else:
        sys.exit(main())
