"""Schedules declared in code by name: creating them again only updates the rows, so re-running is safe.

Called from a data migration (integrations/migrations/0004_sync_schedule.py), so `migrate` installs them.
"""

from django.conf import settings

SYNC_ALL_ACCOUNTS = "integrations.sync_all_accounts"


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
