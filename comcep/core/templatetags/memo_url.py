"""A builtin that replaces Django's ``{% url %}``: a literal view name without arguments is reversed
once per urlconf, script prefix, language and current application (comcep/core/tagmemo.py); any
other ``{% url %}`` is Django's tag unchanged."""

from django import template
from django.conf import settings
from django.template import defaulttags
from django.template.base import Variable
from django.urls import get_script_prefix, get_urlconf
from django.utils import translation
from django.utils.html import conditional_escape

from .. import tagmemo

register = template.Library()


class MemoURLNode(defaulttags.URLNode):
    def render(self, context):
        if self.args or self.kwargs or not tagmemo.enabled() or not self._literal_name:
            return super().render(context)
        try:
            current_app = context.request.current_app
        except AttributeError:
            try:
                current_app = context.request.resolver_match.namespace
            except AttributeError:
                current_app = None
        memo = tagmemo.node_memo(self)
        key = (get_urlconf(), settings.ROOT_URLCONF, get_script_prefix(), translation.get_language(), current_app)
        url = memo.get(key)
        if url is None:
            from django.urls import NoReverseMatch, reverse

            try:
                url = memo[key] = reverse(self.view_name.resolve(context), current_app=current_app)
            except NoReverseMatch:  # as Django's tag: raised, or "" with "as var" (nothing kept)
                if self.asvar is None:
                    raise
                url = ""
        if self.asvar:
            context[self.asvar] = url
            return ""
        return conditional_escape(url) if context.autoescape else url

    @property
    def _literal_name(self) -> bool:
        literal = self.__dict__.get("_comcep_literal")
        if literal is None:
            literal = self._comcep_literal = (not self.view_name.filters
                                              and not isinstance(self.view_name.var, Variable))
        return literal


@register.tag
def url(parser, token):
    node = defaulttags.url(parser, token)
    node.__class__ = MemoURLNode
    return node
