from django.apps import AppConfig
from django.db.models.signals import post_migrate


def ensure_providers(sender, using="default", **kwargs):
    """Keep the built-in providers present after every migrate (and every test flush)."""
    from integrations.models import Provider

    Provider.objects.using(using).get_or_create(code="gmail", defaults={"name": "Gmail"})


def install_schedules(sender, **kwargs):
    """Declare the django-q2 schedules on every migrate, so changed settings reach them."""
    from integrations.schedules import ensure_schedules

    ensure_schedules()


class IntegrationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "integrations"

    def ready(self):
        post_migrate.connect(ensure_providers, sender=self, dispatch_uid="integrations.providers")
        post_migrate.connect(install_schedules, sender=self, dispatch_uid="integrations.schedules")
