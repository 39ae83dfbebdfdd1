"""Django's templates.W003 is silenced because comcep replaces its i18n and static libraries under their own
labels on purpose (comcep/core/tagmemo.py); comcep.W003 still reports every other label shared by several
template tag modules, so `make check-deploy` (fail level WARNING) keeps catching them."""

import copy

from django.conf import settings
from django.core.checks import Tags, run_checks
from django.template import engines
from django.test import override_settings

from comcep.core.tagmemo import check_template_tag_labels


def test_the_deliberate_replacements_raise_no_warning():
    assert check_template_tag_labels() == []
    shown = [m.id for m in run_checks(tags=[Tags.templates]) if not m.is_silenced()]
    assert "templates.W003" not in shown and "comcep.W003" not in shown


def test_djangos_own_check_reports_exactly_the_two_replacements():
    """What the silenced check would say: the two replaced labels, nothing else."""
    warnings = engines["django"]._check_for_template_tags_with_the_same_name()
    assert sorted(w.msg.split()[0] for w in warnings) == ["'i18n'", "'static'"]


def test_another_label_shared_by_two_modules_is_reported():
    templates = copy.deepcopy(settings.TEMPLATES)
    templates[0]["OPTIONS"]["libraries"]["fragments"] = "comcep.core.templatetags.memo_static"
    with override_settings(TEMPLATES=templates):
        warnings = check_template_tag_labels()
        assert [w.id for w in warnings] == ["comcep.W003"]
        assert "'fragments'" in warnings[0].msg
        assert "comcep.core.templatetags.fragments" in warnings[0].msg
        assert "comcep.W003" in [m.id for m in run_checks(tags=[Tags.templates]) if not m.is_silenced()]


def test_replacing_i18n_with_another_module_is_reported():
    templates = copy.deepcopy(settings.TEMPLATES)
    templates[0]["OPTIONS"]["libraries"]["i18n"] = "comcep.core.templatetags.memo_static"
    with override_settings(TEMPLATES=templates):
        assert [w.id for w in check_template_tag_labels()] == ["comcep.W003"]
