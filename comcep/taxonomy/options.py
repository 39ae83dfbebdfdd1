"""The taxonomy's terms as the filter forms list them: ``(slug, name)`` rows in the terms' order.

Read on every request of a page with a filter form (the agenda, the member directory), so compiled once
per process (comcep.core.prepared). A form sets them as its fields' choices instead of letting each
``<select>`` read its queryset while rendering; the rows are then also what keys the form's cached
rendering (``comcep.core.fragments.form_fragment_parts``)."""

from comcep.core.prepared import PreparedQuery

from .models import Operator, Region, Theme

REGIONS = PreparedQuery("taxonomy.region_options", lambda: Region.objects.values_list("slug", "name"), params={})
OPERATORS = PreparedQuery("taxonomy.operator_options", lambda: Operator.objects.values_list("slug", "name"),
                          params={})
THEMES = PreparedQuery("taxonomy.theme_options", lambda: Theme.objects.values_list("slug", "name"), params={})
