"""The custom user: e-mail login, the counsellor's profile and membership approval."""

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .enums import MODERATORS_GROUP, MembershipStatus


class UserQuerySet(models.QuerySet):
    def approved(self):
        return self.filter(status=MembershipStatus.APPROVED, is_active=True)

    def pending(self):
        return self.filter(status=MembershipStatus.PENDING, is_active=True)

    def awaiting_approval(self):
        """Pending members who proved they own their address: the moderators' queue, oldest first."""
        from allauth.account.models import EmailAddress

        verified = EmailAddress.objects.filter(user=models.OuterRef("pk"), verified=True)
        return (
            self.pending()
            .filter(deleted_at__isnull=True)
            .filter(models.Exists(verified))
            .select_related("operator", "region")
            .order_by("date_joined", "pk")
        )

    def moderators(self):
        """Active moderators and administrators (who receive the approval requests)."""
        return self.filter(is_active=True, deleted_at__isnull=True).filter(
            models.Q(is_superuser=True) | models.Q(groups__name=MODERATORS_GROUP)
        ).distinct()


class UserManager(DjangoUserManager.from_queryset(UserQuerySet)):
    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An e-mail address is required")
        email = self.normalize_email(email).lower()
        user = self.model(email=email, **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email=None, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email=None, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        extra_fields.setdefault("status", MembershipStatus.APPROVED)
        return self._create_user(email, password, **extra_fields)


#: The account columns ``public_name_from`` reads, in its arguments' order: a listing that reads plain rows
#: rather than accounts (e.g. the member directory's cards) selects these.
PUBLIC_NAME_FIELDS = ("display_name", "first_name", "last_name", "email", "deleted_at")


def public_name_from(display_name: str, first_name: str, last_name: str, email: str, deleted_at) -> str:
    """The name other members see (``User.public_name``): the display name, else the full name, else the
    e-mail's local part; "Membre supprimé" once the account is deleted."""
    if deleted_at:
        return str(_("Membre supprimé"))
    return display_name or f"{first_name} {last_name}".strip() or email.split("@")[0]


class User(AbstractUser):
    username = None
    email = models.EmailField(_("adresse e-mail"), unique=True)
    display_name = models.CharField(_("nom affiché"), max_length=80, blank=True)
    organisation = models.CharField(_("structure"), max_length=150, blank=True)
    operator = models.ForeignKey(
        "taxonomy.Operator", verbose_name=_("opérateur"), null=True, blank=True, on_delete=models.SET_NULL
    )
    region = models.ForeignKey(
        "taxonomy.Region", verbose_name=_("région"), null=True, blank=True, on_delete=models.SET_NULL
    )

    status = models.CharField(
        _("statut d'adhésion"), max_length=16, choices=MembershipStatus.choices, default=MembershipStatus.PENDING,
        db_index=True,
    )
    status_changed_at = models.DateTimeField(_("statut modifié le"), null=True, blank=True)
    status_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("statut modifié par"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    rejection_reason = models.TextField(_("motif du refus"), blank=True)
    membership_withdrawn = models.BooleanField(
        _("adhésion retirée"), default=False,
        help_text=_("Refus d'une adhésion qui avait été validée (et non d'une demande)."),
    )
    deleted_at = models.DateTimeField(_("supprimé le"), null=True, blank=True)

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()

    class Meta:
        verbose_name = _("membre")
        verbose_name_plural = _("membres")
        ordering = ["display_name", "email"]

    def __str__(self):
        return self.public_name

    @property
    def public_name(self) -> str:
        return public_name_from(self.display_name, self.first_name, self.last_name, self.email, self.deleted_at)

    def get_full_name(self):
        full = super().get_full_name()
        return full or self.display_name

    def get_short_name(self):
        return self.display_name or self.first_name

    @property
    def is_approved(self) -> bool:
        return self.is_active and self.status == MembershipStatus.APPROVED

    @property
    def is_pending(self) -> bool:
        return self.status == MembershipStatus.PENDING

    @property
    def is_moderator(self) -> bool:
        if self.is_superuser:
            return True
        cache = getattr(self, "_is_moderator_cache", None)
        if cache is None:
            cache = self.groups.filter(name=MODERATORS_GROUP).exists()
            self._is_moderator_cache = cache
        return cache

    def set_status(self, status, *, by=None, reason="", withdrawn=False):
        """``withdrawn``: a refusal that takes back an approved membership (the member is told « Votre adhésion
        a été retirée », not that a request was refused)."""
        self.status = status
        self.status_changed_at = timezone.now()
        self.status_changed_by = by
        self.rejection_reason = reason if status == MembershipStatus.REJECTED else ""
        self.membership_withdrawn = withdrawn and status == MembershipStatus.REJECTED


class ApprovedDomain(models.Model):
    """E-mail domains whose verified addresses are approved without review
    (e.g. the operators' own domains). Moderators edit the list in the admin."""

    domain = models.CharField(
        _("domaine"), max_length=253, unique=True,
        help_text=_(
            "Par exemple francetravail.fr : les adresses vérifiées de ce domaine sont validées automatiquement."
        ),
    )
    note = models.CharField(_("remarque"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("ajouté le"), auto_now_add=True)

    class Meta:
        verbose_name = _("domaine validé automatiquement")
        verbose_name_plural = _("domaines validés automatiquement")
        ordering = ["domain"]

    def __str__(self):
        return self.domain

    def save(self, *args, **kwargs):
        self.domain = self.domain.strip().lower().lstrip("@")
        super().save(*args, **kwargs)

    @classmethod
    def allows(cls, email: str) -> bool:
        domain = email.rsplit("@", 1)[-1].strip().lower()
        return bool(domain) and cls.objects.filter(domain=domain).exists()


class Member(User):
    """The members as moderators see them in the Wagtail admin.

    A proxy with its own permissions, so that moderators can review and edit members
    without ``accounts.change_user``, which would also open Wagtail's own user
    management (groups, superuser flag) to them."""

    class Meta:
        proxy = True
        verbose_name = _("membre")
        verbose_name_plural = _("membres")
        permissions = [("moderate_member", _("Peut valider ou refuser les adhésions"))]
