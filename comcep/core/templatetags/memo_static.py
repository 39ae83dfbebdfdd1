"""Django's ``static`` library with the storage's URL of each path memoised per process
(comcep/core/tagmemo.py). Installed under the label ``static`` (``TEMPLATES``' ``libraries``)."""

from django import template
from django.templatetags import static as django_static

from .. import tagmemo

#: Paths kept per node: a variable path (Wagtail's admin has one) cannot grow the memo beyond this.
MAX_PATHS = 64

register = template.Library()
register.tags.update(django_static.register.tags)
register.filters.update(django_static.register.filters)


class MemoStaticNode(django_static.StaticNode):
    def url(self, context):
        path = self.path.resolve(context)
        if not isinstance(path, str) or not tagmemo.enabled():
            return self.handle_simple(path)
        memo = tagmemo.node_memo(self)
        url = memo.get(path)
        if url is None:
            url = self.handle_simple(path)  # a missing manifest entry raises: nothing kept
            if len(memo) < MAX_PATHS:
                memo[path] = url
        return url


def do_static(parser, token):
    return MemoStaticNode.handle_token(parser, token)


register.tag("static", do_static)
