from django.db import migrations


def seed(apps, schema_editor):
    Provider = apps.get_model("integrations", "Provider")
    Provider.objects.get_or_create(code="gmail", defaults={"name": "Gmail"})


class Migration(migrations.Migration):
    dependencies = [("integrations", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
