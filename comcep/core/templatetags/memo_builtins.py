"""Builtins that replace two of Django's tags (``TEMPLATES``' ``builtins``):

- ``{% url %}``: a literal view name without arguments is reversed once per urlconf, script prefix,
  language and current application (comcep/core/tagmemo.py); any other ``{% url %}`` is Django's tag;
- ``{% extends %}``: Django's node, except that the block nodes of the root template (the one that
  extends nothing, base.html) are collected once per compiled template instead of by walking its
  whole node tree on every render (a compiled template never changes; the development server's
  reloaded templates are new objects).
"""

from django import template
from django.conf import settings
from django.template import defaulttags, loader_tags
from django.template.base import TextNode, Variable
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


_NOT_ROOT = object()


class MemoExtendsNode(loader_tags.ExtendsNode):
    def render(self, context):
        """Django 5.2's ``ExtendsNode.render`` with the root's blocks kept on the compiled parent."""
        compiled_parent = self.get_parent(context)

        if loader_tags.BLOCK_CONTEXT_KEY not in context.render_context:
            context.render_context[loader_tags.BLOCK_CONTEXT_KEY] = loader_tags.BlockContext()
        block_context = context.render_context[loader_tags.BLOCK_CONTEXT_KEY]

        # Add the block nodes from this node to the block context
        block_context.add_blocks(self.blocks)

        # If this block's parent doesn't have an extends node it is the root,
        # and its block nodes also need to be added to the block context.
        blocks = compiled_parent.__dict__.get("_comcep_root_blocks")
        if blocks is None:
            blocks = _NOT_ROOT
            for node in compiled_parent.nodelist:
                # The ExtendsNode has to be the first non-text node.
                if not isinstance(node, TextNode):
                    if not isinstance(node, loader_tags.ExtendsNode):
                        blocks = {n.name: n for n in compiled_parent.nodelist.get_nodes_by_type(loader_tags.BlockNode)}
                    break
            compiled_parent._comcep_root_blocks = blocks
        if blocks is not _NOT_ROOT:
            block_context.add_blocks(blocks)  # reads the dict, never changes it

        # Call Template._render explicitly so the parser context stays
        # the same.
        with context.render_context.push_state(compiled_parent, isolated_context=False):
            return compiled_parent._render(context)


@register.tag
def extends(parser, token):
    node = loader_tags.do_extends(parser, token)
    node.__class__ = MemoExtendsNode
    return node
