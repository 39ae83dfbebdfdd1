"""Site-wide pages: the home page and simple editorial pages (mentions légales, charte...)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page

from .routing import FastRouteMixin, OneQueryViewRestrictionsMixin

RICH_TEXT_FEATURES = ["h2", "h3", "bold", "italic", "ol", "ul", "link", "document-link", "blockquote"]


class HomePage(FastRouteMixin, OneQueryViewRestrictionsMixin, Page):
    intro = RichTextField(_("présentation"), features=RICH_TEXT_FEATURES, blank=True)
    join_text = RichTextField(_("comment rejoindre la communauté"), features=RICH_TEXT_FEATURES, blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro"), FieldPanel("join_text")]

    parent_page_types = ["wagtailcore.Page"]
    max_count = 1

    class Meta:
        verbose_name = _("page d'accueil")

    def get_context(self, request, *args, **kwargs):
        from . import home

        context = super().get_context(request, *args, **kwargs)
        context.update(home.sections(request))
        return context


class StandardPage(Page):
    """An editorial page: mentions légales, accessibilité, charte, guides..."""

    body = StreamField(
        [
            ("heading", blocks.CharBlock(form_classname="title", label=_("Intertitre"))),
            ("paragraph", blocks.RichTextBlock(features=RICH_TEXT_FEATURES, label=_("Paragraphe"))),
        ],
        verbose_name=_("contenu"),
        blank=True,
    )

    content_panels = [*Page.content_panels, FieldPanel("body")]

    class Meta:
        verbose_name = _("page éditoriale")


class RateCounter(models.Model):
    """How many actions a member made in the current window of a rate limit (comcep.core.ratelimit):
    one row per member, scope and window length, moved to the next window by the same atomic upsert
    that counts."""

    scope = models.CharField(max_length=64)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    period = models.PositiveIntegerField(help_text="Window length in seconds.")
    slot = models.BigIntegerField(help_text="Current window: seconds since the epoch // period.")
    count = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("compteur de limite de débit")
        verbose_name_plural = _("compteurs de limite de débit")
        constraints = [models.UniqueConstraint(fields=["scope", "user", "period"], name="core_ratecounter_unique")]

    def __str__(self):
        return f"{self.scope} {self.user_id}: {self.count}"
