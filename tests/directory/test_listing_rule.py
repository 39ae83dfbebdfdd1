"""Who is listed, read from the profile's derived columns (``shown``, ``sort_name``, ``region``, ``operator``:
docs/directory.md, "Model"), is exactly the directory's rule: opted in, account active, approved and not
deleted; ordered by display name then account; filtered by the account's region and operator. Every test
compares the listing with that rule written against the accounts, as the directory read it before the
columns existed, for every kind of member state and every way the state changes. Runs on SQLite and
PostgreSQL (CI runs the suite on both)."""

import itertools

import pytest
from django.utils import timezone

from comcep.accounts import services as account_services
from comcep.accounts.enums import MembershipStatus
from comcep.directory import services
from comcep.directory.models import DirectoryProfile
from comcep.directory.views import PROFILES_PER_PAGE
from tests.factories import UserFactory

from .conftest import operator, region

pytestmark = pytest.mark.django_db


def by_rule(**account_filters):
    """The directory's rule on the accounts themselves (the definition of ``listed()`` before session 15)."""
    return (DirectoryProfile.objects.filter(listed=True, user__is_active=True, user__status=MembershipStatus.APPROVED,
                                            user__deleted_at__isnull=True, **account_filters)
            .order_by("user__display_name", "user_id"))


def assert_listing_is_the_rule():
    expected = list(by_rule().values_list("user_id", flat=True))
    assert list(DirectoryProfile.objects.listed().in_directory_order().values_list("user_id", flat=True)) == expected
    assert DirectoryProfile.objects.listed().count() == len(expected)
    for slug in ("bretagne", "occitanie"):
        assert (list(DirectoryProfile.objects.listed().filter(region=region(slug)).in_directory_order()
                     .values_list("user_id", flat=True))
                == list(by_rule(user__region=region(slug)).values_list("user_id", flat=True)))
    for slug in ("apec", "mission-locale"):
        assert (list(DirectoryProfile.objects.listed().filter(operator=operator(slug)).in_directory_order()
                     .values_list("user_id", flat=True))
                == list(by_rule(user__operator=operator(slug)).values_list("user_id", flat=True)))
    # The national members (no region) are listed without a region filter only, as before.
    assert (DirectoryProfile.objects.listed().filter(region__isnull=True).count()
            == by_rule(user__region__isnull=True).count())
    return expected


STATES = list(itertools.product(
    [None, True, False],  # no profile, listed, not listed
    [MembershipStatus.APPROVED, MembershipStatus.PENDING, MembershipStatus.REJECTED],
    [True, False],  # active
    [False, True],  # deleted
))


def make_member(n, profile, status, active, deleted):
    user = UserFactory(display_name=f"Membre {n % 7} {'é' if n % 2 else 'e'}", status=status, is_active=active,
                       deleted_at=timezone.now() if deleted else None,
                       region=region("bretagne" if n % 3 else "occitanie") if n % 5 else None,
                       operator=operator("apec" if n % 2 else "mission-locale"))
    if profile is not None:
        services.save_profile(user=user, listed=profile, themes=[], presentation="")
    return user


def test_every_member_state_is_listed_exactly_by_the_rule():
    for n, state in enumerate(STATES):
        make_member(n, *state)
    listed = assert_listing_is_the_rule()
    # Listed profile, approved, active, not deleted: the only state that appears.
    assert len(listed) == 1
    assert DirectoryProfile.objects.filter(shown=True).count() == 1


@pytest.mark.parametrize("initial", STATES, ids=lambda s: "-".join(str(x) for x in s))
def test_every_change_of_state_keeps_the_listing_the_rule(initial, moderator):
    """From each state, every way the account or the choice changes: the listing follows the rule."""
    user = make_member(1, *initial)
    other = make_member(2, True, MembershipStatus.APPROVED, True, False)
    assert_listing_is_the_rule()

    services.save_profile(user=user, listed=True, themes=[], presentation="Présente")  # opts in (or creates)
    assert_listing_is_the_rule()
    user.refresh_from_db()
    account_services.approve(user, by=moderator)
    assert_listing_is_the_rule()
    account_services.reject(user, by=moderator, reason="Hors périmètre")
    assert_listing_is_the_rule()
    user.refresh_from_db()
    user.status = MembershipStatus.APPROVED
    user.save(update_fields=["status"])
    assert_listing_is_the_rule()
    user.is_active = not user.is_active
    user.save()  # full save (admin form)
    assert_listing_is_the_rule()
    user.is_active = True
    user.save(update_fields=["is_active"])
    assert_listing_is_the_rule()
    account_services.update_profile(user, display_name="Aaron Premier", organisation="Apec Lorient",
                                    operator=operator("apec"), region=region("occitanie"))
    listed = assert_listing_is_the_rule()
    if user.deleted_at is None:
        assert listed[0] == user.pk  # sorted by the new name
    services.save_profile(user=user, listed=False, themes=[], presentation="")  # opts out
    assert_listing_is_the_rule()
    services.save_profile(user=user, listed=True, themes=[], presentation="")
    assert_listing_is_the_rule()
    account_services.delete_account(user)
    assert_listing_is_the_rule()
    assert not DirectoryProfile.objects.filter(user=user).exists()
    assert list(DirectoryProfile.objects.listed().values_list("user_id", flat=True)) == [other.pk]


def test_a_stale_account_save_does_not_undo_the_members_choice():
    """The account's half of ``shown`` is written from the row's own ``listed``: saving an account object
    loaded before the member opted out does not list them again."""
    user = make_member(1, True, MembershipStatus.APPROVED, True, False)
    stale = type(user).objects.get(pk=user.pk)
    services.save_profile(user=user, listed=False, themes=[], presentation="")
    stale.display_name = "Nouveau Nom"
    stale.save()
    assert_listing_is_the_rule()
    assert DirectoryProfile.objects.get(user=user).sort_name == "Nouveau Nom"
    assert not DirectoryProfile.objects.listed().exists()


def test_the_wagtail_admin_bulk_deactivation_unlists_members(client, admin_user):
    """Wagtail's bulk "set active state" writes with QuerySet.update (no post_save): the directory's hook
    (wagtail_hooks.py) refreshes the profiles, both ways."""
    users = [make_member(n, True, MembershipStatus.APPROVED, True, False) for n in range(3)]
    client.force_login(admin_user)
    url = "/admin/bulk/accounts/user/set_active_state/?" + "&".join(f"id={u.pk}" for u in users[:2])
    response = client.post(url, {"mark_as_active": "False"})
    assert response.status_code == 302
    assert not type(users[0]).objects.get(pk=users[0].pk).is_active
    assert list(DirectoryProfile.objects.listed().values_list("user_id", flat=True)) == [users[2].pk]
    assert_listing_is_the_rule()
    client.post(url, {"mark_as_active": "True"})
    assert DirectoryProfile.objects.listed().count() == 3
    assert_listing_is_the_rule()


def test_the_page_lists_and_counts_as_the_rule_at_every_page_and_filter(client, member):
    """The view's rows and count on every page (deferred join by the page's keys), with and without filters,
    equal the rule's slice; names repeat, so the account breaks the ties as before."""
    for n, state in enumerate(STATES * 3):
        make_member(n, *state)
    for n in range(2 * PROFILES_PER_PAGE + 3):
        make_member(n, True, MembershipStatus.APPROVED, True, False)
    client.force_login(member)
    for query, rule in [("", by_rule()), ("region=bretagne&", by_rule(user__region=region("bretagne"))),
                        ("operateur=apec&", by_rule(user__operator=operator("apec")))]:
        expected = list(rule.values_list("user_id", flat=True))
        pages = -(-len(expected) // PROFILES_PER_PAGE)
        assert pages >= 2 or query
        seen = []
        for number in range(1, pages + 1):
            response = client.get(f"/annuaire/?{query}page={number}")
            assert response.context["page"].paginator.count == len(expected)
            seen += [card.user_id for card in response.context["cards"]]
        assert seen == expected, query


def test_the_migration_fills_the_derived_columns_of_existing_profiles():
    """directory.0003 fills ``shown``, ``sort_name``, ``region`` and ``operator`` for the profiles written
    before it (the bench databases, production), by the rule."""
    import importlib

    from django.apps import apps

    migration = importlib.import_module("comcep.directory.migrations.0003_shown_sort_name")
    for n, state in enumerate(STATES):
        make_member(n, *state)
    expected = list(DirectoryProfile.objects.order_by("pk").values_list("shown", "sort_name", "region", "operator"))
    DirectoryProfile.objects.update(shown=False, sort_name="", region=None, operator=None)
    migration.fill_derived(apps, None)
    assert list(DirectoryProfile.objects.order_by("pk").values_list("shown", "sort_name", "region",
                                                                    "operator")) == expected
    assert_listing_is_the_rule()
