"""Default content of the accessibility statement (« Déclaration d'accessibilité », RGAA 4.1).

Used by :mod:`comcep.core.site_setup` only when it creates the /accessibilite/ page on a new
site: editors then keep it current in the Wagtail admin (an edited page is never overwritten).
The pages listed in AUDITED_PAGES are those audited automatically by
tests/e2e/test_accessibility.py and the other tests/e2e/test_*_a11y.py files: keep them in step."""

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import escape, format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

AUDITED_PAGES = [
    gettext_lazy("la page d'accueil"),
    gettext_lazy("la liste des ressources, sans filtre, avec des filtres et sans résultat"),
    gettext_lazy("une page de ressource (fiche pratique), à l'écran et à l'impression"),
    gettext_lazy("la liste des espaces d'échanges, un espace, une discussion et le formulaire « Poser une question »"),
    gettext_lazy("la recherche, avec des résultats et sans résultat"),
    gettext_lazy("l'agenda et une page d'événement"),
    gettext_lazy("les actualités"),
    gettext_lazy("l'inscription et la connexion"),
    gettext_lazy("« Mon espace » et la liste des notifications"),
    gettext_lazy("l'annuaire des membres et une fiche de membre"),
    gettext_lazy("les messages privés : la liste des conversations, une nouvelle conversation et une conversation"),
    gettext_lazy("les groupes régionaux : la liste, la page d'un groupe et sa gestion par les coordinateurs"),
    gettext_lazy("la liste des discussions « Sans réponse » et, dans l'administration, le tableau de bord de "
                 "l'animation et le rapport des recherches sans résultat"),
    gettext_lazy("la page d'erreur « Page introuvable »"),
    gettext_lazy("la page d'accueil et une page de ressource sur un écran de 320 pixels de large"),
]


def _list(items) -> str:
    return "<ul>" + "".join(f"<li>{escape(str(item))}</li>" for item in items) + "</ul>"


def _p(text: str) -> str:
    return f"<p>{escape(text)}</p>"


def statement_body() -> list[tuple[str, str]]:
    """StreamField data (``heading`` / ``paragraph`` blocks) of the default statement."""
    today = date_format(timezone.localdate(), "j F Y")
    return [
        ("paragraph", _p(_(
            "L'équipe de Comcep s'engage à rendre son site accessible conformément à l'article 47 de la loi "
            "n° 2005-102 du 11 février 2005. Cette déclaration d'accessibilité s'applique au site Comcep, "
            "la communauté de pratique des conseillers en évolution professionnelle."))),
        ("heading", _("État de conformité")),
        ("paragraph", _p(_(
            "Comcep est partiellement conforme avec le référentiel général d'amélioration de l'accessibilité "
            "(RGAA), version 4.1, en raison des non-conformités et des contenus non vérifiés énumérés ci-dessous. "
            "Aucun audit complet n'a encore été réalisé : cet état sera mis à jour après l'audit."))),
        ("heading", _("Ce qui a été vérifié")),
        ("paragraph", _p(_(
            "À chaque évolution du site, des tests automatisés vérifient les règles des WCAG 2.1 niveaux A et AA "
            "(base du RGAA) sur les pages suivantes, remplies de contenus de démonstration :")) + _list(AUDITED_PAGES)),
        ("paragraph", _p(_(
            "Ces tests échouent dès qu'une non-conformité d'impact grave ou critique est détectée. Ils vérifient "
            "aussi trois parcours complets au clavier seul (rechercher puis filtrer les résultats, ajouter une "
            "ressource à ses favoris, poser une question dans un espace) avec une mise en évidence visible du "
            "focus, l'absence de défilement horizontal sur un écran de 320 pixels de large et le style "
            "d'impression des fiches."))),
        ("heading", _("Technologies et outils")),
        ("paragraph", _p(_("Le site repose sur HTML, CSS et, en amélioration progressive, JavaScript : "
                           "toutes les fonctions restent utilisables sans JavaScript.")) + _list([
            _("axe-core (Deque Systems), exécuté dans le navigateur Chromium piloté par Playwright ;"),
            _("tests de navigation au clavier (Tabulation, Maj+Tabulation, Entrée, Espace) ;"),
            _("vérification manuelle des contrastes de couleurs (niveau AA)."),
        ])),
        ("heading", _("Contenus non accessibles ou non vérifiés")),
        ("paragraph", _list([
            _("Les tests automatisés ne détectent qu'une partie des non-conformités : la pertinence des "
              "alternatives textuelles, l'ordre de lecture et la compréhension des contenus restent à vérifier "
              "par un audit humain."),
            _("Les documents à télécharger (PDF, traitement de texte) déposés par les membres ne sont pas "
              "vérifiés et peuvent ne pas être accessibles ; demandez-nous une version accessible."),
            _("Les vidéos hébergées par des services tiers dépendent de leur lecteur ; une transcription est "
              "proposée lorsque la contributrice ou le contributeur l'a fournie."),
            _("Les messages rédigés par les membres dans les espaces d'échanges (titres, images, liens) relèvent "
              "de leurs auteurs ; l'équipe d'animation corrige les difficultés qui lui sont signalées."),
            _("L'interface d'administration (Wagtail), réservée à l'équipe d'animation, n'a pas été auditée, "
              "à l'exception du tableau de bord de l'animation et du rapport des recherches sans résultat."),
        ])),
        ("heading", _("Établissement de cette déclaration")),
        ("paragraph", _p(_("Cette déclaration a été établie le %(date)s.") % {"date": today})),
        ("heading", _("Retour d'information et contact")),
        ("paragraph", _p(_(
            "Si vous n'arrivez pas à accéder à un contenu ou à un service, contactez l'équipe d'animation de "
            "Comcep (coordonnées dans les mentions légales) en précisant la page concernée et la difficulté "
            "rencontrée : nous vous répondrons et vous orienterons vers une alternative accessible."))),
        ("heading", _("Voies de recours")),
        ("paragraph", _p(_(
            "Si vous nous avez signalé un défaut d'accessibilité qui vous empêche d'accéder à un contenu ou à un "
            "service et que vous n'avez pas obtenu de réponse satisfaisante, vous pouvez saisir le Défenseur "
            "des droits :")) + "<ul>" + "".join([
            format_html('<li><a href="{}">{}</a> ;</li>', "https://formulaire.defenseurdesdroits.fr/",
                        _("par le formulaire en ligne du Défenseur des droits")),
            format_html('<li><a href="{}">{}</a> ;</li>', "https://www.defenseurdesdroits.fr/saisir/delegues",
                        _("en contactant le délégué du Défenseur des droits de votre région")),
            format_html("<li>{}</li>", _("par courrier, gratuitement et sans affranchissement : Défenseur des "
                                         "droits, Libre réponse 71120, 75342 Paris CEDEX 07.")),
        ]) + "</ul>"),
    ]
