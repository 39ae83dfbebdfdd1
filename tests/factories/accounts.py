import factory
from django.contrib.auth.models import Group

from comcep.accounts.enums import MODERATORS_GROUP, MembershipStatus
from comcep.accounts.models import ApprovedDomain, User
from comcep.taxonomy.models import Operator, Region

PASSWORD = "motdepasse-de-test-42"


class UserFactory(factory.django.DjangoModelFactory):
    """An approved member with a verified e-mail address."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"conseiller{n}@example.fr")
    display_name = factory.Sequence(lambda n: f"Conseiller {n}")
    organisation = "Mission locale de Lyon"
    operator = factory.LazyFunction(lambda: Operator.objects.get(slug="mission-locale"))
    region = factory.LazyFunction(lambda: Region.objects.get(slug="auvergne-rhone-alpes"))
    status = MembershipStatus.APPROVED
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def verified(obj, create, extracted, **kwargs):
        obj.save()
        if create and extracted is not False:
            from allauth.account.models import EmailAddress

            EmailAddress.objects.update_or_create(
                user=obj, email=obj.email, defaults={"verified": True, "primary": True}
            )


class PendingUserFactory(UserFactory):
    status = MembershipStatus.PENDING


class ModeratorFactory(UserFactory):
    @factory.post_generation
    def moderator_group(obj, create, extracted, **kwargs):
        if create:
            obj.groups.add(Group.objects.get(name=MODERATORS_GROUP))


class ApprovedDomainFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ApprovedDomain
        django_get_or_create = ("domain",)

    domain = "francetravail.fr"
