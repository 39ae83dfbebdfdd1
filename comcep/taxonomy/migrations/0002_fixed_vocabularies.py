from django.db import migrations

from comcep.taxonomy import vocabularies

MODELS = {
    "Audience": vocabularies.AUDIENCES,
    "ServiceLevel": vocabularies.SERVICE_LEVELS,
    "Operator": vocabularies.OPERATORS,
    "Region": vocabularies.REGIONS,
}


def load(apps, schema_editor):
    for model_name, terms in MODELS.items():
        model = apps.get_model("taxonomy", model_name)
        for order, (slug, name) in enumerate(terms):
            model.objects.update_or_create(slug=slug, defaults={"name": name, "sort_order": order})


def unload(apps, schema_editor):
    for model_name, terms in MODELS.items():
        apps.get_model("taxonomy", model_name).objects.filter(slug__in=[s for s, _ in terms]).delete()


class Migration(migrations.Migration):
    dependencies = [("taxonomy", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
