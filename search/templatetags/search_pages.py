"""The search page's two long lists, written in Python: the facet panel (one link per facet value,
~50 on a results page) and the result list (templates/search/search.html).

Both sit inside cached fragments, so a repeated search reads them from the fragment cache; a first
visit renders them, and through the template language each facet option cost ~20 µs (a loop body of
a dozen nodes, each value resolved, localised and escaped through the template engine), ~1–1.5 ms
per page. Here every value goes through the same functions the template applied to it
(``localize``, the ``date`` filter on the local time, ``conditional_escape``; translated literals are
not escaped, as ``{% translate %}`` does not escape its literal), so the HTML is the same byte for
byte (tests/search/test_search_pages_tags.py renders both and compares them)."""

from __future__ import annotations

from django import template
from django.template.defaultfilters import date as date_filter
from django.utils.formats import localize
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from django.utils.timezone import template_localtime
from django.utils.translation import gettext

from search import labels
from search.labels import MEMO_NUMBERS_BELOW

register = template.Library()


def _count(value: int, memo: dict) -> str:
    """``_value`` of a count, remembered per language (search.labels.numbers)."""
    if not 0 <= value < MEMO_NUMBERS_BELOW:
        return _value(value)
    text = memo.get(value)
    if text is None:
        text = memo[value] = _value(value)
    return text


def _value(value) -> str:
    """``{{ value }}`` in an autoescaped template (django.template.base.render_value_in_context; no
    datetime here: those go through the ``date`` filter)."""
    value = localize(value)
    if not isinstance(value, str):
        value = str(value)
    return str(conditional_escape(value))


_SELECTED_CLASS, _CURRENT = " is-selected", ' aria-current="true"'


@register.simple_tag
def search_facet_panel(facets) -> str:
    """``<aside class="search-facets">…</aside>`` for ``outcome.facets`` (their options carry ``url``
    and ``results``, set by search.views.search_page)."""
    selected_text = gettext("(filtre actif, cliquer pour le retirer)")
    numbers = labels.numbers()
    out = ['<aside class="search-facets" aria-labelledby="search-facets-title">\n'
           f'          <h2 id="search-facets-title">{gettext("Affiner la recherche")}</h2>\n          ']
    append = out.append
    for facet in facets:
        group = _value(facet.group)
        append(f'\n            <section class="facet" aria-labelledby="facet-{group}">\n'
               f'              <h3 id="facet-{group}">{_value(facet.title)}</h3>\n'
               '              <ul>\n                ')
        for option in facet.options:
            selected = option.selected
            append(f'\n                  <li><a class="facet-option{_SELECTED_CLASS if selected else ""}" '
                   f'href="{_value(option.url)}"{_CURRENT if selected else ""}>\n'
                   '                    <span class="facet-box" aria-hidden="true"></span>\n'
                   f'                    <span class="facet-label">{_value(option.label)}</span>\n'
                   f'                    <span class="facet-count">{_count(option.count, numbers)}</span>\n'
                   '                    <span class="visually-hidden">'
                   f'{selected_text if selected else _value(option.results)}</span>\n'
                   '                  </a></li>\n                ')
        append('\n              </ul>\n            </section>\n          ')
    append("\n        </aside>")
    return mark_safe("".join(out))  # noqa: S308 - every value is escaped above


@register.simple_tag
def search_result_list(hits, first_number) -> str:
    """``<ol class="result-list">…</ol>`` for ``outcome.hits``."""
    themes_text = gettext("Thèmes :")
    published_text = gettext("Publié le")
    out = [f'<ol class="result-list" start="{_value(first_number)}">\n            ']
    append = out.append
    for hit in hits:
        url = getattr(hit, "click_url", None) or hit.entry.url  # {{ hit.click_url|default:hit.entry.url }}
        snippet = (f'<p class="result-snippet">{_value(hit.snippet)}</p>' if hit.snippet else "")
        themes = ""
        if hit.themes:
            themes = (f'<span class="visually-hidden">{themes_text}</span>\n                      '
                      + "".join(f'<span class="result-theme">{_value(name)}</span>' for _slug, name in hit.themes))
        date = ""
        if hit.date:
            local = template_localtime(hit.date)
            date = (f'<span class="result-date">{published_text} <time datetime="{_value(date_filter(local, "c"))}">'
                    f'{_value(date_filter(local, "j F Y"))}</time></span>')
        append('\n              <li class="result">\n                <article>\n'
               f'                  <p class="result-kind">{_value(hit.kind_label)}</p>\n'
               f'                  <h2 class="result-title"><a href="{_value(url)}">{_value(hit.title_html)}</a></h2>\n'
               f'                  {snippet}\n'
               '                  <p class="meta result-meta">\n'
               f'                    {themes}\n'
               f'                    {date}\n'
               '                  </p>\n                </article>\n              </li>\n            ')
    append("\n          </ol>")
    return mark_safe("".join(out))  # noqa: S308 - every value is escaped above
