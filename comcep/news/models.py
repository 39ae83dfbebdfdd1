"""Actualités: news pages published by moderators (``NewsIndexPage`` > ``NewsPage``)."""

from __future__ import annotations

from django import forms
from django.core.paginator import Paginator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalManyToManyField
from wagtail import blocks
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page, PageManager, PageQuerySet

from comcep.core.models import RICH_TEXT_FEATURES
from comcep.events.access import can_see_members_content

from .enums import Visibility

NEWS_PER_PAGE = 12


class QuoteBlock(blocks.StructBlock):
    quote = blocks.TextBlock(label=_("Citation"))
    attribution = blocks.CharBlock(label=_("Source"), required=False)

    class Meta:
        icon = "openquote"
        label = _("Citation")
        template = "news/blocks/quote.html"


class NewsPageQuerySet(PageQuerySet):
    def visible_to(self, user):
        qs = self.live()
        if not can_see_members_content(user):
            qs = qs.filter(visibility=Visibility.PUBLIC)
        return qs

    def newest_first(self):
        return self.order_by("-date", "-first_published_at", "-pk")


NewsPageManager = PageManager.from_queryset(NewsPageQuerySet)


class NewsIndexPage(Page):
    intro = RichTextField(_("présentation"), features=RICH_TEXT_FEATURES, blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]

    parent_page_types = ["core.HomePage"]
    subpage_types = ["news.NewsPage"]
    max_count = 1

    class Meta:
        verbose_name = _("actualités")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        items = (
            NewsPage.objects.child_of(self).visible_to(request.user).newest_first().prefetch_related("themes")
        )
        paginator = Paginator(items, NEWS_PER_PAGE)
        page_obj = paginator.get_page(request.GET.get("page"))
        context.update({"news": page_obj.object_list, "page_obj": page_obj, "paginator": paginator})
        return context


class NewsPage(Page):
    date = models.DateField(_("date"), default=timezone.localdate)
    intro = models.TextField(_("chapô"), max_length=600, help_text=_("Quelques phrases qui résument l'actualité."))
    body = StreamField(
        [
            ("heading", blocks.CharBlock(form_classname="title", label=_("Intertitre"), icon="title")),
            ("paragraph", blocks.RichTextBlock(features=RICH_TEXT_FEATURES, label=_("Paragraphe"))),
            ("quote", QuoteBlock()),
        ],
        verbose_name=_("contenu"),
        blank=True,
    )
    # Markdown the body was imported from (content exchange); exported while unedited.
    body_source = models.TextField(blank=True, editable=False)
    themes = ParentalManyToManyField("taxonomy.Theme", verbose_name=_("thèmes"), blank=True, related_name="+")
    visibility = models.CharField(_("visibilité"), max_length=16, choices=Visibility.choices,
                                  default=Visibility.PUBLIC)

    objects = NewsPageManager()

    content_panels = [
        *Page.content_panels,
        FieldPanel("date"),
        FieldPanel("intro"),
        FieldPanel("body"),
        FieldPanel("themes", widget=forms.CheckboxSelectMultiple),
        FieldPanel("visibility"),
    ]

    parent_page_types = ["news.NewsIndexPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("actualité")
        verbose_name_plural = _("actualités")
        indexes = [models.Index(fields=["date"])]

    @property
    def is_members_only(self) -> bool:
        return self.visibility == Visibility.MEMBERS

    def serve(self, request, *args, **kwargs):
        if self.is_members_only and not can_see_members_content(request.user):
            if not request.user.is_authenticated:
                from django.contrib.auth.views import redirect_to_login

                return redirect_to_login(request.get_full_path())
            from django.template.response import TemplateResponse

            # Pending or refused: why, as for a members-only resource or event (without the title), HTTP 403.
            return TemplateResponse(request, "news/members_only.html", status=403)
        return super().serve(request, *args, **kwargs)
