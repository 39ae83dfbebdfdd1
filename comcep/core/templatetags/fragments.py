"""``{% fragment key %}...{% endfragment %}``: see comcep/core/fragments.py."""

from django import template
from django.utils.safestring import mark_safe

from .. import fragments

register = template.Library()


class FragmentNode(template.Node):
    def __init__(self, key, nodelist):
        self.key = key
        self.nodelist = nodelist

    def render(self, context):
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
    if len(bits) != 2:
        raise template.TemplateSyntaxError("{% fragment key %} takes exactly one argument")
    nodelist = parser.parse(("endfragment",))
    parser.delete_first_token()
    return FragmentNode(parser.compile_filter(bits[1]), nodelist)
