from django.apps import AppConfig
from django.db.models.signals import post_migrate


def ensure_providers(sender, using="default", **kwargs):
    """Keep the built-in providers present after every migrate (and every test flush)."""
    from integrations.models import Provider

    Provider.objects.using(using).get_or_create(code="gmail", defaults={"name": "Gmail"})


class IntegrationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "integrations"

    def ready(self):
        post_migrate.connect(ensure_providers, sender=self, dispatch_uid="integrations.providers")
