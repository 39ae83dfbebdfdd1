"""``{% fragment key [fills] %}...{% endfragment %}``: see comcep/core/fragments.py."""

import re

from django import template
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

from .. import fragments

register = template.Library()


class FragmentNode(template.Node):
    def __init__(self, key, nodelist, fills=None):
        self.key = key
        self.nodelist = nodelist
        self.fills = fills

    def render(self, context):
        html = self._render(context)
        fills = self.fills.resolve(context) if self.fills is not None else None
        if fills:  # per-request values behind placeholders (see fragments.py), in one pass
            values = {placeholder: str(conditional_escape(value)) for placeholder, value in fills.items()}
            pattern = re.compile("|".join(re.escape(placeholder) for placeholder in values))
            html = mark_safe(pattern.sub(lambda match: values[match.group(0)], str(html)))  # noqa: S308
        return html

    def _render(self, context):
        key = self.key.resolve(context)
        if not key or not fragments.enabled():
            return self.nodelist.render(context)
        html = fragments.FRAGMENTS.get(key)
        if html is None:
            with context.push(csrf_token=fragments.CSRF_PLACEHOLDER):
                html = str(self.nodelist.render(context))
            fragments.FRAGMENTS.set(key, html)
        if fragments.CSRF_PLACEHOLDER in html:
            token = context.get("csrf_token")
            if not token or token == "NOTPROVIDED":  # no request token: never show the placeholder
                return self.nodelist.render(context)
            html = html.replace(fragments.CSRF_PLACEHOLDER, str(token))
        return mark_safe(html)  # noqa: S308 - rendered by the template engine (autoescaped)


@register.tag("fragment")
def do_fragment(parser, token):
    bits = token.split_contents()
    if len(bits) not in (2, 3):
        raise template.TemplateSyntaxError("{% fragment key [fills] %} takes one or two arguments")
    nodelist = parser.parse(("endfragment",))
    parser.delete_first_token()
    fills = parser.compile_filter(bits[2]) if len(bits) == 3 else None
    return FragmentNode(parser.compile_filter(bits[1]), nodelist, fills)
