"""Django's ``i18n`` library with ``{% translate %}`` of a literal message memoised per process
(comcep/core/tagmemo.py). Installed under the label ``i18n`` (``TEMPLATES``' ``libraries``), so
``{% load i18n %}`` gives every other tag and filter of Django's library unchanged."""

from django import template
from django.template.base import Variable, render_value_in_context
from django.templatetags import i18n as django_i18n
from django.utils import translation
from django.utils.safestring import SafeData, mark_safe

from .. import tagmemo

register = template.Library()
register.tags.update(django_i18n.register.tags)
register.filters.update(django_i18n.register.filters)


class MemoTranslateNode(django_i18n.TranslateNode):
    def render(self, context):
        if not self._memoisable or not tagmemo.enabled():
            return super().render(context)
        memo = tagmemo.node_memo(self)
        key = (translation.get_language(), context.autoescape)
        value = memo.get(key)
        if value is None:
            value = memo[key] = self._value(context)
        if self.asvar:
            context[self.asvar] = value
            return ""
        return value

    def _value(self, context):
        """Django's ``TranslateNode.render`` (5.2) up to the value, without storing it."""
        self.filter_expression.var.translate = not self.noop
        if self.message_context:
            self.filter_expression.var.message_context = self.message_context.resolve(context)
        output = self.filter_expression.resolve(context)
        value = render_value_in_context(output, context)
        is_safe = isinstance(value, SafeData)
        value = value.replace("%%", "%")
        return mark_safe(value) if is_safe else value  # noqa: S308 - Django's own rule

    @property
    def _memoisable(self) -> bool:
        memoisable = self.__dict__.get("_comcep_memoisable")
        if memoisable is None:
            expression, message_context = self.filter_expression, self.message_context
            memoisable = self._comcep_memoisable = (
                not expression.filters and isinstance(expression.var, Variable) and expression.var.lookups is None
                and (message_context is None
                     or (not message_context.filters and not isinstance(message_context.var, Variable))))
        return memoisable


def do_translate(parser, token):
    node = django_i18n.do_translate(parser, token)
    node.__class__ = MemoTranslateNode
    return node


register.tag("translate", do_translate)
register.tag("trans", do_translate)
