from django.db import migrations


def install(apps, schema_editor):
    from integrations.schedules import ensure_schedules

    ensure_schedules(schedule_model=apps.get_model("django_q", "Schedule"))


class Migration(migrations.Migration):
    dependencies = [
        ("integrations", "0005_oauth_state_push_delivery"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]
    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
