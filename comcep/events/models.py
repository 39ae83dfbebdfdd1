"""The agenda: events as Wagtail pages (``EventIndexPage`` > ``EventPage``) and members'
registrations. Dates are stored in UTC and entered and shown in Europe/Paris (TIME_ZONE)."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Count, Exists, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from wagtail.admin.forms import WagtailAdminPageForm
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.fields import RichTextField
from wagtail.models import Orderable, Page, PageManager, PageQuerySet

from comcep.core.fragments import fragment_key, keyer
from comcep.core.models import RICH_TEXT_FEATURES
from comcep.core.routing import OneQueryViewRestrictionsMixin

from .access import can_manage_event, can_see_members_content
from .enums import EventKind, Visibility

EVENTS_PER_PAGE = 20


class EventPageForm(WagtailAdminPageForm):
    """Admin form: the organiser is chosen among approved members (the creator by default)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields.get("organiser")
        if field is not None:
            from django.contrib.auth import get_user_model

            current = self.instance.organiser_id
            approved = get_user_model().objects.approved()
            field.queryset = (approved | get_user_model().objects.filter(pk=current)) if current else approved
            if not self.instance.pk and not current and self.for_user is not None:
                self.initial["organiser"] = self.for_user.pk


class EventPageQuerySet(PageQuerySet):
    def visible_to(self, user):
        """The one place that decides which events a reader may see in lists."""
        qs = self.live()
        if not can_see_members_content(user):
            qs = qs.filter(visibility=Visibility.PUBLIC)
        return qs

    def upcoming(self, now=None):
        return self.filter(ends_at__gte=now or timezone.now()).order_by("starts_at", "pk")

    def past(self, now=None):
        return self.filter(ends_at__lt=now or timezone.now()).order_by("-starts_at", "-pk")

    def with_registration_count(self):
        active = (
            Registration.objects.filter(event=OuterRef("pk"), cancelled_at__isnull=True)
            .order_by()
            .values("event")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return self.annotate(registered_count=Coalesce(Subquery(active), 0))

    def with_registration_of(self, user):
        if user is None or not user.is_authenticated:
            return self.annotate(user_registered=models.Value(False, output_field=models.BooleanField()))
        mine = Registration.objects.filter(event=OuterRef("pk"), user=user, cancelled_at__isnull=True)
        return self.annotate(user_registered=Exists(mine))

    def for_listing(self, user):
        return (
            self.visible_to(user)
            .select_related("region")
            .prefetch_related("themes")
            .with_registration_count()
            .with_registration_of(user)
        )


EventPageManager = PageManager.from_queryset(EventPageQuerySet)


class EventIndexPage(OneQueryViewRestrictionsMixin, RoutablePageMixin, Page):
    """/agenda/: upcoming events first, filters by region, kind and theme; past events at /agenda/passes/."""

    intro = RichTextField(_("présentation"), features=RICH_TEXT_FEATURES, blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]

    parent_page_types = ["core.HomePage"]
    subpage_types = ["events.EventPage"]
    max_count = 1

    class Meta:
        verbose_name = _("agenda")

    def listing(self, request, *, past: bool):
        from .forms import EventFilterForm
        from .queries import LISTING, reader_shape

        form = EventFilterForm(request.GET or None)
        if form.has_filters():
            events = EventPage.objects.child_of(self).for_listing(request.user)
            events = form.filter(events.past() if past else events.upcoming())
        else:  # the plain list, compiled once per kind of reader (events/queries.py)
            events = LISTING.sequence(self.path, self.depth, past, *reader_shape(request.user),
                                      user=request.user.pk or 0, now=timezone.now())
        paginator = Paginator(events, EVENTS_PER_PAGE)
        page_obj = paginator.get_page(request.GET.get("page"))
        query = request.GET.copy()
        query.pop("page", None)
        event_list = list(page_obj.object_list)
        key = keyer()
        for event in event_list:  # content-addressed (comcep/core/fragments.py): all that event_card.html reads
            event.fragment_key = key(
                "agenda-card", event.pk, event.get_url(request), event.title, event.get_kind_display(),
                event.is_members_only, event.is_cancelled, event.starts_at, event.ends_at,
                event.region.name if event.region_id else None, bool(event.video_url), bool(event.place),
                [theme.name for theme in event.themes.all()], past, bool(event.user_registered), event.capacity,
                event.is_full, event.seats_left, bool(event.replay_url),
            )
        return {
            "filter_form": form,
            "filter_form_fragment_key": fragment_key("agenda-filters", form.fragment_parts()),
            "events": event_list,
            "page_obj": page_obj,
            "paginator": paginator,
            "past": past,
            "querystring": query.urlencode(),
            "upcoming_url": self.get_url(request),
            "past_url": self.get_url(request) + self.reverse_subpage("past_view"),
        }

    @path("")
    def upcoming_view(self, request):
        return self.render(request, context_overrides=self.listing(request, past=False))

    @path("passes/")
    def past_view(self, request):
        return self.render(request, context_overrides=self.listing(request, past=True))

    def serve_preview(self, request, mode_name):
        return self.upcoming_view(request)


class EventPage(OneQueryViewRestrictionsMixin, RoutablePageMixin, Page):
    kind = models.CharField(_("type d'événement"), max_length=32, choices=EventKind.choices,
                            default=EventKind.WEBINAR)
    starts_at = models.DateTimeField(_("début"), help_text=_("Heure de Paris."))
    ends_at = models.DateTimeField(_("fin"), help_text=_("Heure de Paris."))
    place = models.TextField(_("lieu (adresse)"), blank=True)
    video_url = models.URLField(_("lien de visioconférence"), max_length=500, blank=True)
    region = models.ForeignKey(
        "taxonomy.Region", verbose_name=_("région"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+", help_text=_("Laisser vide pour un événement national."),
    )
    themes = ParentalManyToManyField("taxonomy.Theme", verbose_name=_("thèmes"), blank=True, related_name="+")
    audiences = ParentalManyToManyField("taxonomy.Audience", verbose_name=_("publics"), blank=True,
                                        related_name="+")
    capacity = models.PositiveIntegerField(
        _("nombre de places"), null=True, blank=True, validators=[MinValueValidator(1)],
        help_text=_("Laisser vide pour un nombre de places illimité."),
    )
    visibility = models.CharField(_("visibilité"), max_length=16, choices=Visibility.choices,
                                  default=Visibility.PUBLIC)
    organiser = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("organisateur ou organisatrice"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="organised_events",
    )
    description = RichTextField(_("description"), features=RICH_TEXT_FEATURES, blank=True)
    # Markdown the description was imported from (content exchange); exported while unedited.
    description_source = models.TextField(blank=True, editable=False)
    replay_url = models.URLField(
        _("lien du replay"), max_length=500, blank=True,
        help_text=_("Vidéo de l'événement, affichée une fois l'événement passé."),
    )
    is_cancelled = models.BooleanField(_("événement annulé"), default=False)

    objects = EventPageManager()

    content_panels = [
        *Page.content_panels,
        FieldPanel("kind"),
        MultiFieldPanel([FieldPanel("starts_at"), FieldPanel("ends_at")], heading=_("Dates (heure de Paris)")),
        MultiFieldPanel([FieldPanel("place"), FieldPanel("video_url")], heading=_("Lieu ou visioconférence")),
        FieldPanel("region"),
        FieldPanel("themes", widget=forms.CheckboxSelectMultiple),
        FieldPanel("audiences", widget=forms.CheckboxSelectMultiple),
        FieldPanel("capacity"),
        FieldPanel("visibility"),
        FieldPanel("organiser"),
        FieldPanel("description"),
        FieldPanel("replay_url"),
        InlinePanel("documents", label=_("Documents")),
        FieldPanel("is_cancelled"),
    ]

    parent_page_types = ["events.EventIndexPage"]
    subpage_types: list[str] = []
    base_form_class = EventPageForm

    class Meta:
        verbose_name = _("événement")
        verbose_name_plural = _("événements")
        indexes = [models.Index(fields=["starts_at"]), models.Index(fields=["ends_at"])]

    def clean(self):
        super().clean()
        errors = {}
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            errors["ends_at"] = _("La fin doit être postérieure au début.")
        if not self.place and not self.video_url:
            errors["place"] = _("Indiquez un lieu, un lien de visioconférence, ou les deux.")
        if errors:
            raise ValidationError(errors)

    # --- state --------------------------------------------------------------------------

    @property
    def is_members_only(self) -> bool:
        return self.visibility == Visibility.MEMBERS

    @property
    def is_past(self) -> bool:
        return self.ends_at < timezone.now()

    @property
    def has_started(self) -> bool:
        return self.starts_at <= timezone.now()

    @property
    def registrations_open(self) -> bool:
        return self.live and not self.is_cancelled and not self.has_started

    @cached_property
    def active_registration_count(self) -> int:
        registered = getattr(self, "registered_count", None)
        if registered is not None:
            return registered
        return self.registrations.filter(cancelled_at__isnull=True).count()

    @property
    def seats_left(self) -> int | None:
        if self.capacity is None:
            return None
        return max(self.capacity - self.active_registration_count, 0)

    @property
    def is_full(self) -> bool:
        return self.capacity is not None and self.active_registration_count >= self.capacity

    @property
    def show_replay(self) -> bool:
        return bool(self.replay_url) and self.is_past

    def ical_uid(self) -> str:
        return f"{self.translation_key}@comcep"

    # --- serving ------------------------------------------------------------------------

    def access_denied(self, request):
        """None when the reader may open the event, else the response to send: the login page for
        visitors; for pending or refused accounts, as for a members-only resource, a French page saying
        why (HTTP 403), without the event's title."""
        if not self.is_members_only or can_see_members_content(request.user):
            return None
        if not request.user.is_authenticated:
            from django.contrib.auth.views import redirect_to_login

            return redirect_to_login(request.get_full_path())
        from django.template.response import TemplateResponse

        return TemplateResponse(request, "events/members_only.html", status=403)

    def serve(self, request, view=None, args=None, kwargs=None):
        denied = self.access_denied(request)
        if denied is not None:
            return denied
        return super().serve(request, view, args, kwargs)

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        user = request.user
        context["documents"] = list(self.documents.select_related("document"))
        context["my_registration"] = (
            self.registrations.filter(user=user, cancelled_at__isnull=True).first()
            if user.is_authenticated else None
        )
        context["can_register"] = bool(user.is_authenticated and user.is_approved)
        context["can_manage"] = can_manage_event(user, self)
        if context["can_manage"]:
            context["registrants"] = list(
                self.registrations.filter(cancelled_at__isnull=True).select_related("user").order_by("created_at")
            )
        return context

    @path("")
    def detail_view(self, request):
        return self.render(request)

    @path("inscription/")
    def register_view(self, request):
        from . import views

        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        return views.register(request, self)

    @path("desinscription/")
    def unregister_view(self, request):
        from . import views

        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        return views.unregister(request, self)

    @path("inscrits/export/")
    def registrants_csv_view(self, request):
        from . import views

        return views.registrants_csv(request, self)

    @path("inscrits/")
    def registrants_redirect_view(self, request):
        return redirect(self.get_url(request) + "#inscrits")

    def serve_preview(self, request, mode_name):
        return self.detail_view(request)


class EventDocument(Orderable):
    page = ParentalKey(EventPage, on_delete=models.CASCADE, related_name="documents")
    document = models.ForeignKey("wagtaildocs.Document", verbose_name=_("document"), on_delete=models.CASCADE,
                                 related_name="+")
    title = models.CharField(_("titre affiché"), max_length=200, blank=True,
                             help_text=_("Par défaut, le titre du document."))

    panels = [FieldPanel("document"), FieldPanel("title")]

    class Meta(Orderable.Meta):
        verbose_name = _("document de l'événement")
        verbose_name_plural = _("documents de l'événement")

    @property
    def display_title(self) -> str:
        return self.title or self.document.title


class RegistrationQuerySet(models.QuerySet):
    def active(self):
        return self.filter(cancelled_at__isnull=True)


class Registration(models.Model):
    event = models.ForeignKey(EventPage, verbose_name=_("événement"), on_delete=models.CASCADE,
                              related_name="registrations")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("membre"), on_delete=models.CASCADE,
                             related_name="event_registrations")
    created_at = models.DateTimeField(_("inscrit le"), default=timezone.now)
    cancelled_at = models.DateTimeField(_("désinscrit le"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("rappel envoyé le"), null=True, blank=True)
    event_cancelled_notified_at = models.DateTimeField(_("annulation notifiée le"), null=True, blank=True)

    objects = RegistrationQuerySet.as_manager()

    class Meta:
        verbose_name = _("inscription")
        verbose_name_plural = _("inscriptions")
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "user"], condition=Q(cancelled_at__isnull=True),
                name="events_registration_one_active_per_member",
            )
        ]
        indexes = [models.Index(fields=["event", "cancelled_at"])]

    def __str__(self):
        return f"{self.user} – {self.event}"

    @property
    def is_active(self) -> bool:
        return self.cancelled_at is None
