"""Schedules declared in code by name: declaring them again only updates the rows, so re-running is safe.

Installed by `migrate` (a post_migrate handler in integrations.apps), so a changed setting such as
GMAIL_POLL_FALLBACK_MINUTES reaches its schedule on the next deploy.
"""

from django.conf import settings

SYNC_ALL_ACCOUNTS = "integrations.sync_all_accounts"
RENEW_WATCHES = "integrations.renew_watches"
POLL_FALLBACK = "integrations.sync_accounts_without_push"


def ensure_schedules(*, schedule_model=None):
    """Create or update our django-q2 schedules. `schedule_model`: a migration's historical model."""
    if schedule_model is None:
        from django_q.models import Schedule as schedule_model

    schedule_model.objects.update_or_create(
        name=SYNC_ALL_ACCOUNTS,
        defaults={
            "func": "integrations.tasks.sync_all_accounts",
            "schedule_type": "I",  # Schedule.MINUTES
            # Push notifications start most syncs; this catches lost ones and accounts without push.
            "minutes": settings.GMAIL_POLL_FALLBACK_MINUTES,
            "repeats": -1,
        },
    )
    # Google asks for a watch call at least every 7 days; a daily one survives a missed day.
    schedule_model.objects.update_or_create(
        name=RENEW_WATCHES,
        defaults={"func": "integrations.tasks.renew_watches", "schedule_type": "D", "repeats": -1},
    )
    # Notifications may be delayed or dropped: an account that heard no push for a while is synced anyway.
    schedule_model.objects.update_or_create(
        name=POLL_FALLBACK,
        defaults={
            "func": "integrations.tasks.sync_accounts_without_push",
            "schedule_type": "I",
            "minutes": 1,
            "repeats": -1,
        },
    )
