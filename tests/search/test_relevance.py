"""Relevance: a small French corpus, the queries counsellors type, the results they expect
first. Title and summary weigh more than body; recent and "utile" content gets a nudge."""

import pytest

from tests.search.conftest import run_search, titles

pytestmark = pytest.mark.django_db

CORPUS = [
    # (title, summary, body, days_ago, useful)
    ("Préparer l'entretien de VAE", "Les étapes pour accompagner un candidat à la validation des acquis.",
     "Avant le jury, le conseiller aide à décrire les activités.", 60, 3),
    ("Financer sa formation avec le CPF", "Mobiliser le compte personnel de formation.",
     "Le CPF peut financer une VAE ou un bilan de compétences.", 200, 10),
    ("Le bilan de compétences, mode d'emploi", "Déroulé en trois phases du bilan de compétences.",
     "Phase préliminaire, phase d'investigation, phase de conclusion.", 400, 5),
    ("Projet de transition professionnelle (PTP)", "Le PTP finance une reconversion certifiante.",
     "Conditions d'ancienneté, dossier auprès de Transitions Pro.", 90, 2),
    ("Accompagner les personnes en situation de handicap", "RQTH, Cap emploi et aménagements.",
     "La reconnaissance de la qualité de travailleur handicapé ouvre des droits.", 150, 4),
    ("Conduire un premier entretien CEP", "Accueil individualisé : écouter, clarifier la demande.",
     "L'entretien d'accueil permet de comprendre la situation de la personne.", 30, 8),
    ("Outils d'évaluation des compétences", "Grilles et questionnaires d'auto-évaluation.",
     "Évaluer les compétences transférables avant une reconversion.", 300, 1),
    ("Reconversion des cadres", "Spécificités de l'accompagnement des cadres avec l'Apec.",
     "Le conseiller en évolution professionnelle explore le marché caché.", 120, 0),
    ("Les jeunes et l'orientation", "Mission locale et premiers choix d'orientation.",
     "Stages, alternance et découverte des métiers.", 45, 2),
    ("Retour d'expérience : VAE collective en Bretagne", "Une démarche de VAE collective dans le sanitaire.",
     "Douze candidates aides-soignantes ont obtenu leur diplôme.", 20, 6),
    ("Compte rendu de réunion d'équipe", "Points divers.",
     "On a parlé de VAE, de CPF, de bilan, d'entretien et de handicap en fin de réunion.", 5, 0),
    ("Rédiger un CV par compétences", "Mettre en valeur les compétences plutôt que les postes.",
     "Exemples de CV pour une reconversion.", 250, 3),
    ("Le conseil en évolution professionnelle", "Le cahier des charges du CEP.",
     "Les conseillères et conseillers CEP accompagnent gratuitement les actifs.", 700, 9),
    ("Démissionner pour reconversion", "Le dispositif démission-reconversion.",
     "Projet validé par Transitions Pro, droit aux allocations.", 180, 1),
    ("Ancienne fiche sur la VAE", "Version de 2015, remplacée.",
     "La validation des acquis de l'expérience avant la réforme.", 3000, 0),
]

EXPECTATIONS = [
    # query, acceptable top result(s)
    ("entretien vae", {"Préparer l'entretien de VAE"}),
    ("bilan de compétences", {"Le bilan de compétences, mode d'emploi"}),
    ('"bilan de compétences"', {"Le bilan de compétences, mode d'emploi"}),
    ("ptp", {"Projet de transition professionnelle (PTP)"}),
    ("rqth", {"Accompagner les personnes en situation de handicap"}),
    ("handicap", {"Accompagner les personnes en situation de handicap"}),
    ("premier entretien", {"Conduire un premier entretien CEP"}),
    ("evaluation competences", {"Outils d'évaluation des compétences"}),
    ("vae collective", {"Retour d'expérience : VAE collective en Bretagne"}),
    ("conseillère évolution professionnelle", {"Le conseil en évolution professionnelle",
                                               "Reconversion des cadres"}),
    ("cpf", {"Financer sa formation avec le CPF"}),
    ("cadres apec", {"Reconversion des cadres"}),
    ("orientation jeunes", {"Les jeunes et l'orientation"}),
    ("cv", {"Rédiger un CV par compétences"}),
]


@pytest.fixture
def corpus(make_entry):
    for title, summary, body, days_ago, useful in CORPUS:
        make_entry(title, summary=summary, body=body, days_ago=days_ago, useful=useful)


@pytest.mark.parametrize(("query", "expected_top"), EXPECTATIONS)
def test_expected_top_result(corpus, query, expected_top):
    found = titles(run_search(query))
    assert found, f"nothing found for {query!r}"
    assert found[0] in expected_top, f"{query!r}: got {found[:3]}"


def test_a_title_match_beats_a_passing_mention(corpus):
    found = titles(run_search("vae"))
    assert found.index("Compte rendu de réunion d'équipe") > found.index("Préparer l'entretien de VAE")
    assert found.index("Compte rendu de réunion d'équipe") > found.index(
        "Retour d'expérience : VAE collective en Bretagne")


def test_recent_content_gets_a_gentle_boost(corpus):
    found = titles(run_search("vae"))
    assert found.index("Ancienne fiche sur la VAE") > found.index("Préparer l'entretien de VAE")
