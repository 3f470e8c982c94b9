"""Review test data: two mail accounts, and pairs made with the real model (no factory layer). Users: conftest."""

import datetime as dt
from types import SimpleNamespace

import pytest
from django.utils import timezone

from integrations.models import Account, EmailMessage
from training.models import TrainingPair

# The passwords of conftest's named users, for signing in through the login form.
PASSWORDS = {"alice": "alice-pass-123", "rita": "rita-pass-123", "sam": "sam-pass-123", "oscar": "oscar-pass-123"}


@pytest.fixture
def accounts(users, gmail_provider):
    alpha = Account.objects.create(provider=gmail_provider, owner=users.admin, address="alpha@example.com")
    beta = Account.objects.create(provider=gmail_provider, owner=users.admin, address="beta@example.com")
    return SimpleNamespace(alpha=alpha, beta=beta)


_serial = iter(range(1, 10**9))


def make_pair(account, *, client_text="Hello, can you help?", reply_text="Of course, here is how.", subject="Question",
              sent_at=None, status=TrainingPair.Status.NEW, with_messages=False, **fields):
    """A pair as the sync makes it; with_messages also stores the two original EmailMessages."""
    n = next(_serial)
    sent_at = sent_at if sent_at is not None else timezone.now() - dt.timedelta(hours=n)
    client_message = reply_message = None
    if with_messages:
        client_message = EmailMessage.objects.create(
            account=account, gmail_id=f"c{n}", thread_id=f"t{n}", message_id=f"<c{n}@client.example>",
            direction=EmailMessage.Direction.INCOMING, from_address="client@client.example", from_name="Carla Client",
            to=[account.address], subject=subject, text_body=f"{client_text}\n\n-- \nCarla\n> quoted history", sent_at=sent_at,
        )
        reply_message = EmailMessage.objects.create(
            account=account, gmail_id=f"r{n}", thread_id=f"t{n}", message_id=f"<r{n}@us.example>",
            direction=EmailMessage.Direction.OUTGOING, from_address=account.address, to=["client@client.example"],
            subject=f"Re: {subject}", text_body=f"{reply_text}\n\nBest,\nUs", sent_at=sent_at + dt.timedelta(hours=1),
        )
    return TrainingPair.objects.create(
        account=account, thread_id=f"t{n}", subject=subject, client_text=client_text, reply_text=reply_text,
        client_sent_at=sent_at, status=status, client_message=client_message, reply_message=reply_message, **fields,
    )


@pytest.fixture
def pair_maker(accounts):
    return make_pair
