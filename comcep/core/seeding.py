"""Seeding at scale for the benchmark (``manage.py seed_bulk``, issue 7).

Each app registers a :class:`Seeder` for its content (members, resources, spaces/threads/posts...);
the command runs them in order with one deterministic random generator. Seeders use bulk inserts
and must finish in minutes at 100k posts on a 2-core machine.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

SIZE_KEYS = ("members", "resources", "spaces", "threads", "posts")


@dataclass
class SeedContext:
    sizes: dict[str, int]
    rng: random.Random
    write: Callable[[str], None]
    # Seeders hand each other what they created (e.g. member ids) through this dict.
    shared: dict[str, Any] = field(default_factory=dict)
    started: float = field(default_factory=time.monotonic)

    def progress(self, message: str) -> None:
        self.write(f"[{time.monotonic() - self.started:6.1f} s] {message}")


class Seeder:
    key = ""
    order = 100

    def seed(self, ctx: SeedContext) -> None:
        raise NotImplementedError


_seeders: dict[str, Seeder] = {}


def register(seeder: Seeder) -> None:
    _seeders[seeder.key] = seeder


def seeders() -> list[Seeder]:
    return sorted(_seeders.values(), key=lambda s: (s.order, s.key))


def batched(items, size: int = 2000):
    batch = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


# --- Realistic French text of the CEP world -------------------------------------------------

_SUBJECTS = [
    "Le bénéficiaire", "La personne accompagnée", "Le conseiller", "La conseillère", "L'entretien de diagnostic",
    "Le projet de reconversion", "La démarche de VAE", "Le dossier de financement", "Le bilan de compétences",
    "Le compte personnel de formation", "Le projet de transition professionnelle", "La mobilité géographique",
    "L'employeur", "L'équipe pluridisciplinaire", "Le référent handicap", "La mission locale", "Le service RH",
]
_VERBS = [
    "permet de clarifier", "nécessite de formaliser", "aide à identifier", "conduit à réinterroger",
    "facilite la construction de", "suppose de vérifier", "gagne à s'appuyer sur", "invite à prioriser",
    "met en évidence", "doit intégrer", "peut s'articuler avec", "rend possible",
]
_OBJECTS = [
    "les compétences transférables", "les contraintes de financement", "le plan d'action partagé",
    "les attentes de la personne", "les débouchés du territoire", "les prérequis de la certification",
    "le calendrier de la formation", "les freins périphériques à l'emploi", "la posture d'écoute active",
    "les pièces justificatives du dossier", "l'accord de l'employeur",
    "la reconnaissance de la qualité de travailleur handicapé",
    "les aides à la mobilité", "les étapes de la validation des acquis", "le recueil des expériences significatives",
    "les critères d'éligibilité", "la synthèse écrite de l'accompagnement",
    "les ressources documentaires de l'opérateur",
]
_TAILS = [
    "dès le premier entretien", "avant la commission", "en lien avec le prescripteur", "sur plusieurs séances",
    "selon le niveau de service CEP", "au regard du marché du travail local", "avec l'appui d'un outil partagé",
    "dans le respect de la confidentialité", "en fin d'accompagnement", "pour sécuriser le parcours",
]
_TITLE_HEADS = [
    "Préparer", "Réussir", "Financer", "Structurer", "Animer", "Accompagner", "Évaluer", "Sécuriser", "Construire",
    "Documenter", "Outiller", "Repérer",
]
_TITLE_OBJECTS = [
    "un entretien de diagnostic", "une demande de VAE", "un projet de transition professionnelle",
    "la mobilisation du CPF", "un bilan de compétences", "une reconversion après 45 ans",
    "un accompagnement de jeune en mission locale", "une création d'entreprise", "un parcours avec RQTH",
    "la synthèse d'accompagnement", "un atelier collectif", "une mobilité géographique",
]
_QUESTIONS = [
    "Comment {verb} {obj} {tail} ?", "Quelqu'un a-t-il une méthode pour {obj} ?",
    "Retour d'expérience : {obj} {tail}", "Besoin d'aide sur {obj}", "Quel outil pour {obj} ?",
]


def sentence(rng: random.Random) -> str:
    return f"{rng.choice(_SUBJECTS)} {rng.choice(_VERBS)} {rng.choice(_OBJECTS)} {rng.choice(_TAILS)}."


def paragraph(rng: random.Random, sentences: tuple[int, int] = (2, 5)) -> str:
    return " ".join(sentence(rng) for _ in range(rng.randint(*sentences)))


def markdown_document(rng: random.Random, sections: tuple[int, int] = (2, 4)) -> str:
    parts = []
    for _ in range(rng.randint(*sections)):
        parts.append(f"## {rng.choice(_TITLE_HEADS)} {rng.choice(_OBJECTS)}")
        parts.append(paragraph(rng, (3, 6)))
        if rng.random() < 0.5:
            parts.append("\n".join(f"- {rng.choice(_OBJECTS).capitalize()}" for _ in range(rng.randint(2, 5))))
    return "\n\n".join(parts)


def title(rng: random.Random) -> str:
    return f"{rng.choice(_TITLE_HEADS)} {rng.choice(_TITLE_OBJECTS)}"


def question(rng: random.Random) -> str:
    text = rng.choice(_QUESTIONS).format(verb=rng.choice(_VERBS).split(" ", 1)[-1], obj=rng.choice(_OBJECTS),
                                         tail=rng.choice(_TAILS))
    return text[0].upper() + text[1:]
