import pytest

from tests.factories.resources import ResourcePageFactory, ThemeFactory


@pytest.fixture
def themes(db):
    return {
        "vae": ThemeFactory(slug="vae", name="Validation des acquis de l'expérience (VAE)"),
        "cpf": ThemeFactory(slug="cpf", name="Compte personnel de formation (CPF)"),
        "mobilite": ThemeFactory(slug="mobilite", name="Mobilité géographique"),
    }


@pytest.fixture
def public_resource(themes):
    return ResourcePageFactory(title="Préparer un entretien VAE", themes=[themes["vae"]],
                               summary="Les étapes clés pour préparer l'entretien de VAE.")


@pytest.fixture
def members_resource(themes):
    return ResourcePageFactory(title="Grille confidentielle d'analyse", visibility="members",
                               themes=[themes["vae"]], summary="MARQUEUR-PRIVE : grille réservée aux membres.",
                               body=[("rich_text", "<p>MARQUEUR-PRIVE contenu réservé</p>")])


@pytest.fixture
def members_section_stub(monkeypatch):
    """Until the accounts branch implements the ``members`` section, its stub raises even for
    a file without members; accept an empty section then. No effect once it is implemented."""
    from comcep.accounts.exchange import MemberSection
    from comcep.core.exchange import ImportContext

    try:
        MemberSection().validate([], ImportContext(data={}))
        MemberSection().apply([], ImportContext(data={}))
    except NotImplementedError:
        monkeypatch.setattr(MemberSection, "validate", lambda self, items, ctx: None)
        monkeypatch.setattr(MemberSection, "apply", lambda self, items, ctx: None)
