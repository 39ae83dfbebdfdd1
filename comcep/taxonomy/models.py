"""The CEP taxonomy: themes (a tree, edited by moderators) and the fixed vocabularies
(audiences, service levels, operators, regions) loaded by a data migration.
Slugs are the stable keys used by URLs and the content exchange format."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class TermQuerySet(models.QuerySet):
    def by_slugs(self, slugs):
        return self.filter(slug__in=list(slugs or []))


class Term(models.Model):
    name = models.CharField(_("nom"), max_length=120)
    slug = models.SlugField(_("identifiant"), max_length=80, unique=True)
    sort_order = models.PositiveSmallIntegerField(_("ordre"), default=0)

    objects = TermQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ["sort_order", "name"]

    def __str__(self):
        return self.name


class Theme(Term):
    parent = models.ForeignKey(
        "self", verbose_name=_("thème parent"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    description = models.TextField(_("description"), blank=True)

    class Meta(Term.Meta):
        verbose_name = _("thème")
        verbose_name_plural = _("thèmes")

    def clean(self):
        from django.core.exceptions import ValidationError

        ancestor = self.parent
        while ancestor is not None:
            if ancestor.pk == self.pk and self.pk is not None:
                raise ValidationError({"parent": _("Un thème ne peut pas être son propre parent.")})
            ancestor = ancestor.parent


class Audience(Term):
    class Meta(Term.Meta):
        verbose_name = _("public")
        verbose_name_plural = _("publics")


class ServiceLevel(Term):
    class Meta(Term.Meta):
        verbose_name = _("niveau de service CEP")
        verbose_name_plural = _("niveaux de service CEP")


class Operator(Term):
    class Meta(Term.Meta):
        verbose_name = _("opérateur CEP")
        verbose_name_plural = _("opérateurs CEP")


class Region(Term):
    class Meta(Term.Meta):
        verbose_name = _("région")
        verbose_name_plural = _("régions")
