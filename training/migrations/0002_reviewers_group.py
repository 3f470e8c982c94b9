from django.contrib.auth.management import create_permissions
from django.contrib.contenttypes.management import create_contenttypes
from django.db import migrations

REVIEWER_PERMISSIONS = ["view_trainingpair", "change_trainingpair"]


def create_reviewers_group(apps, schema_editor):
    # Permissions are normally made after all migrations; make this app's now so the group can hold them.
    app_config = apps.get_app_config("training")
    app_config.models_module = True
    create_contenttypes(app_config, apps=apps, verbosity=0)
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="Reviewers")
    group.permissions.add(
        *Permission.objects.filter(content_type__app_label="training", codename__in=REVIEWER_PERMISSIONS)
    )


def remove_reviewers_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name="Reviewers").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("training", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]
    operations = [migrations.RunPython(create_reviewers_group, remove_reviewers_group)]
