from django.apps import AppConfig
from django.db.models.signals import post_migrate

REVIEWER_PERMISSIONS = ["view_trainingpair", "change_trainingpair"]


def ensure_reviewers_group(sender, using="default", **kwargs):
    """Keep the Reviewers group and its permissions present after every migrate (and every test flush)."""
    from django.contrib.auth.models import Group, Permission

    group, _ = Group.objects.using(using).get_or_create(name="Reviewers")
    group.permissions.add(
        *Permission.objects.using(using).filter(
            content_type__app_label="training", codename__in=REVIEWER_PERMISSIONS
        )
    )


class TrainingConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "training"

    def ready(self):
        # Connected after django.contrib.auth's handler, so this app's permissions exist when it runs.
        post_migrate.connect(ensure_reviewers_group, sender=self, dispatch_uid="training.reviewers_group")
