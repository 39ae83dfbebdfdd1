"""``{% fragment key [fills] %}...{% endfragment %}`` and ``{% fragment_rows items as item %}...
{% endfragment_rows %}``: see comcep/core/fragments.py."""

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
        filled = _with_csrf_token(html, context)
        return self.nodelist.render(context) if filled is None else filled


def _with_csrf_token(html: str, context):
    """``html`` (rendered with the CSRF placeholder) with the request's token put in, as safe text; None
    when the placeholder is there but the request has no token (render live: never show the placeholder)."""
    if fragments.CSRF_PLACEHOLDER in html:
        token = _csrf_token(context)
        if token is None:
            return None
        html = html.replace(fragments.CSRF_PLACEHOLDER, token)
    return mark_safe(html)  # noqa: S308 - rendered by the template engine (autoescaped)


def _csrf_token(context) -> str | None:
    """The text ``{% csrf_token %}`` would put in the page for ``context``'s ``csrf_token`` (the request's
    masked token, the same for the whole render), or None when there is none. Read once per render, not
    once per fragment: the context processor's value is a lazy object whose every use (truth, comparison,
    ``str``) goes through a proxy. Memoised on the context for that object only, so a template that gives
    ``csrf_token`` another value (a fragment rendered for the cache: the placeholder) is read as such."""
    token = context.get("csrf_token")
    memo = context.__dict__.get("_fragment_csrf_token")
    if memo is not None and memo[0] is token:
        return memo[1]
    text = None if not token or token == "NOTPROVIDED" else str(token)
    context._fragment_csrf_token = (token, text)  # holds the object: its id cannot be reused while memoised
    return text


@register.tag("fragment")
def do_fragment(parser, token):
    bits = token.split_contents()
    if len(bits) not in (2, 3):
        raise template.TemplateSyntaxError("{% fragment key [fills] %} takes one or two arguments")
    nodelist = parser.parse(("endfragment",))
    parser.delete_first_token()
    fills = parser.compile_filter(bits[2]) if len(bits) == 3 else None
    return FragmentNode(parser.compile_filter(bits[1]), nodelist, fills)


class FragmentRowsNode(template.Node):
    """``{% fragment_rows items as item %}...{% endfragment_rows %}``: the same output, cache entries and
    rules as ``{% for item in items %}{% fragment item.fragment_key %}...{% endfragment %}{% endfor %}``
    (the body is the fragment: every value it reads must be in the row's key; no ``forloop``), at a
    fraction of the cost per row: a cached row is one store lookup, and the CSRF token is put in once
    for the whole list instead of once per row. Used for the thread page's posts and the space page's
    threads (20-25 rows a page, nearly all cached)."""

    def __init__(self, items, name, nodelist):
        self.items = items
        self.name = name
        self.nodelist = nodelist

    def render(self, context):
        items = self.items.resolve(context, ignore_failures=True) or ()
        if not fragments.enabled():
            return self._render_live(context, items)
        store = fragments.FRAGMENTS
        parts = []
        with context.push(csrf_token=fragments.CSRF_PLACEHOLDER):  # as {% fragment %} renders a miss
            for item in items:
                key = getattr(item, "fragment_key", None)
                html = store.get(key) if key else None
                if html is None:
                    with context.push({self.name: item}):
                        html = str(self.nodelist.render(context))
                    if key:
                        store.set(key, html)
                parts.append(html)
        filled = _with_csrf_token("".join(parts), context)
        return self._render_live(context, items) if filled is None else filled

    def _render_live(self, context, items):
        parts = []
        for item in items:
            with context.push({self.name: item}):
                parts.append(str(self.nodelist.render(context)))
        return mark_safe("".join(parts))  # noqa: S308 - rendered by the template engine (autoescaped)


@register.tag("fragment_rows")
def do_fragment_rows(parser, token):
    bits = token.split_contents()
    if len(bits) != 4 or bits[2] != "as":
        raise template.TemplateSyntaxError("{% fragment_rows items as name %} takes a list and a name")
    nodelist = parser.parse(("endfragment_rows",))
    parser.delete_first_token()
    return FragmentRowsNode(parser.compile_filter(bits[1]), bits[3], nodelist)
