"""Constant {% translate %}, {% static %} and {% url %} tags are computed once per process
(comcep/core/tagmemo.py) and still follow everything their output depends on: the language, the
storage's settings, the urlconf, the script prefix and the current application."""

from unittest import mock

import pytest
from django.template import Context, TemplateSyntaxError, engines
from django.template.base import NodeList
from django.templatetags import static as django_static
from django.test import RequestFactory, override_settings
from django.urls import NoReverseMatch, get_script_prefix, set_script_prefix, set_urlconf
from django.urls import reverse as reverse_function
from django.utils import translation

from comcep.core import tagmemo


def render(source, context=None, request=None):
    return engines["django"].from_string(source).render(context or {}, request)


@pytest.fixture
def memo_on():
    """The memos as in production (off when DEBUG is on)."""
    with override_settings(DEBUG=False):
        assert tagmemo.enabled()
        yield


@pytest.fixture
def script_prefix():
    previous = get_script_prefix()
    yield set_script_prefix
    set_script_prefix(previous)


def test_the_project_libraries_replace_djangos_tags():
    engine = engines["django"].engine
    assert engine.template_libraries["i18n"].tags["translate"].__module__ == "comcep.core.templatetags.memo_i18n"
    assert engine.template_libraries["i18n"].tags["blocktranslate"].__module__ == "django.templatetags.i18n"
    assert engine.template_libraries["static"].tags["static"].__module__ == "comcep.core.templatetags.memo_static"
    assert engine.template_builtins[-1].tags["url"].__module__ == "comcep.core.templatetags.memo_builtins"


def test_a_literal_translation_is_looked_up_once_per_language(memo_on):
    template = engines["django"].from_string('{% load i18n %}{% translate "Aller au contenu" %}')
    original = translation._trans.gettext
    with mock.patch.object(translation._trans, "gettext", wraps=original) as gettext:
        with translation.override("fr"):
            assert template.render({}) == "Aller au contenu"
            assert template.render({}) == "Aller au contenu"
        with translation.override("en"):
            assert template.render({}) == "Skip to content"
            assert template.render({}) == "Skip to content"
        with translation.override("fr"):
            assert template.render({}) == "Aller au contenu"
    assert gettext.call_count == 2


def test_other_translations_are_djangos(memo_on):
    source = ('{% load i18n %}{% translate message %}|{% translate "Agenda"|upper %}|'
              '{% translate "Agenda" as label %}[{{ label }}]|{% translate "Agenda" context ctx %}|'
              '{% translate "50%% <b>" %}|{% translate "Mai" context "mois" %}|{% translate "Agenda" noop %}')
    with translation.override("en"):
        first = render(source, {"message": "Agenda", "ctx": "x"})
        second = render(source, {"message": "Ressources", "ctx": "x"})
    assert first.split("|")[0] == "Agenda"
    assert second.split("|")[0] == "Resources"  # a variable message is translated on every render
    assert first.split("|")[1:4] == ["AGENDA", "[Agenda]", "Agenda"]
    with override_settings(DEBUG=True), translation.override("en"):  # Django's own node in development
        assert render(source, {"message": "Agenda", "ctx": "x"}) == first


def test_an_as_variable_translation_is_kept_per_language(memo_on):
    template = engines["django"].from_string('{% load i18n %}{% translate "Ressources" as label %}<{{ label }}>')
    with translation.override("fr"):
        assert template.render({}) == "<Ressources>"
    with translation.override("en"):
        assert template.render({}) == "<Resources>"
        assert template.render({}) == "<Resources>"
    with translation.override("fr"):
        assert template.render({}) == "<Ressources>"


def test_a_static_url_is_asked_once_and_follows_the_settings(memo_on):
    template = engines["django"].from_string("{% load static %}{% static 'css/comcep.css' %}")
    with mock.patch.object(django_static.StaticNode, "handle_simple", side_effect=lambda name: f"/s/{name}") as url:
        assert template.render({}) == "/s/css/comcep.css"
        assert template.render({}) == "/s/css/comcep.css"
    assert url.call_count == 1
    with override_settings(STATIC_URL="/autre/"):
        assert engines["django"].from_string("{% load static %}{% static 'css/comcep.css' %}").render({}) == \
            "/autre/css/comcep.css"
        assert template.render({}) == "/autre/css/comcep.css"  # forgotten on a setting change
    assert template.render({}) == "/static/css/comcep.css"


def test_a_variable_static_path_is_resolved_each_time(memo_on):
    template = engines["django"].from_string("{% load static %}{% static path as url %}{{ url }}")
    assert template.render({"path": "a.css"}) == "/static/a.css"
    assert template.render({"path": "b.css"}) == "/static/b.css"
    assert template.render({"path": "a b.css"}) == "/static/a%20b.css"


def test_a_constant_url_follows_the_script_prefix_urlconf_and_language(memo_on, script_prefix):
    template = engines["django"].from_string("{% url 'accounts:dashboard' %}")
    with mock.patch("django.urls.reverse", wraps=reverse_function) as reverse:
        assert template.render({}) == "/mon-espace/"
        assert template.render({}) == "/mon-espace/"
        assert reverse.call_count == 1
        script_prefix("/comcep/")
        assert template.render({}) == "/comcep/mon-espace/"
        script_prefix("/")
        assert template.render({}) == "/mon-espace/"
        with translation.override("en"):
            assert template.render({}) == "/mon-espace/"
        assert reverse.call_count == 3
    set_urlconf("tests.core.urls_tagmemo")
    try:
        assert template.render({}) == "/autre/espace/"
    finally:
        set_urlconf(None)
    with override_settings(ROOT_URLCONF="tests.core.urls_tagmemo"):
        assert template.render({}) == "/autre/espace/"
    assert template.render({}) == "/mon-espace/"


def test_the_current_application_is_part_of_the_key(memo_on):
    template = engines["django"].from_string("{% url 'accounts:dashboard' %}")
    request = RequestFactory().get("/")
    request.current_app = "accounts"
    assert template.render({}, request) == "/mon-espace/"
    assert ("accounts" in {key[-1] for key in tagmemo.node_memo(template.template.nodelist[0])})


def test_urls_with_arguments_or_unknown_names_are_djangos(memo_on):
    template = engines["django"].from_string(
        "{% url 'notifications:list' %}|{% url name %}|{% url 'nope' as u %}[{{ u }}]")
    assert template.render({"name": "accounts:dashboard"}) == "/mon-espace/notifications/|/mon-espace/|[]"
    assert template.render({"name": "notifications:list"}).split("|")[1] == "/mon-espace/notifications/"
    with pytest.raises(NoReverseMatch):
        render("{% url 'nope' %}")
    with pytest.raises(NoReverseMatch):
        render("{% url 'nope' %}")
    with pytest.raises(TemplateSyntaxError):
        render("{% url %}")
    assert engines["django"].from_string("{% url 'accounts:dashboard' as u %}{{ u }}").template.render(
        Context({})) == "/mon-espace/"


def test_extends_collects_the_root_templates_blocks_once_and_keeps_inheritance():
    engine = engines["django"].engine
    root = engine.from_string("<{% block a %}A{% endblock %}|{% if x %}{% block b %}B{% endblock %}{% endif %}>")
    middle = engine.from_string("{% extends root %}{% block a %}{{ block.super }}m{% endblock %}")
    child = engine.from_string("{% extends middle %}{% block b %}{{ block.super }}c{% endblock %}")
    other = engine.from_string("{% extends root %}{% block b %}o{% endblock %}")
    context = {"root": root, "middle": middle, "x": True}
    assert child.render(Context(context)) == "<Am|Bc>"
    with mock.patch.object(NodeList, "get_nodes_by_type", autospec=True,
                           side_effect=NodeList.get_nodes_by_type) as walk:
        assert child.render(Context(context)) == "<Am|Bc>"
        assert middle.render(Context(context)) == "<Am|B>"
        assert other.render(Context(context)) == "<A|o>"
        assert child.render(Context({**context, "x": False})) == "<Am|>"
    assert walk.call_count == 0  # Django walks the root's whole tree on each render
    assert engines["django"].from_string('{% extends "base.html" %}{% block title %}T{% endblock %}').render(
        {}).count("<title>T") == 1


def test_a_variable_static_path_keeps_a_bounded_memo(memo_on):
    from comcep.core.templatetags.memo_static import MAX_PATHS

    template = engines["django"].from_string("{% load static %}{% static path %}")
    for number in range(MAX_PATHS + 10):
        assert template.render({"path": f"img/{number}.svg"}) == f"/static/img/{number}.svg"
    assert len(tagmemo.node_memo(template.template.nodelist[1])) == MAX_PATHS
