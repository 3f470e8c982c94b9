from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone

from emailassist.fields import EncryptedTextField


class Provider(models.Model):
    code = models.SlugField(max_length=32, unique=True)
    name = models.CharField(max_length=100)

    def __str__(self):
        return self.name


class AccountQuerySet(models.QuerySet):
    def active(self):
        return self.filter(status=Account.Status.ACTIVE)

    def for_provider(self, code):
        return self.filter(provider__code=code)


class FullSyncStage(models.TextChoices):
    LIST_SENT = "list_sent", "Listing sent mail"
    LIST_ALL = "list_all", "Listing all mail"
    FETCH = "fetch", "Fetching messages"


class Account(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        DISABLED = "disabled", "Disabled"
        ERROR = "error", "Error"
        RECONNECT_NEEDED = "reconnect_needed", "Reconnect needed"

    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="accounts")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="mail_accounts")
    address = models.EmailField(max_length=254)
    display_name = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=20, choices=Status, default=Status.ACTIVE, db_index=True)
    status_reason = models.CharField(max_length=500, blank=True)
    history_id = models.PositiveBigIntegerField(null=True, blank=True, help_text="Gmail history id synced up to.")
    watch_expires_at = models.DateTimeField(null=True, blank=True)
    last_push_at = models.DateTimeField(null=True, blank=True)
    # Set when a push queues a sync, cleared when that sync starts: a burst of pushes queues one sync.
    sync_queued_at = models.DateTimeField(null=True, blank=True)
    last_synced_at = models.DateTimeField(null=True, blank=True)
    last_sync_summary = models.JSONField(default=dict, blank=True)
    resync_requested_at = models.DateTimeField(null=True, blank=True)
    # One sync per account at a time, whatever starts it: a lease that a killed worker cannot hold forever.
    sync_lease_until = models.DateTimeField(null=True, blank=True)
    sync_lease_token = models.CharField(max_length=32, blank=True)
    # A full sync's checkpoint, so a killed one resumes where it stopped (see integrations.services).
    full_sync_stage = models.CharField(max_length=10, choices=FullSyncStage, blank=True)
    full_sync_page_token = models.CharField(max_length=500, blank=True)
    full_sync_history_id = models.PositiveBigIntegerField(
        null=True, blank=True, help_text="Mailbox history id when the running full sync started."
    )
    full_sync_started_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = AccountQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["provider", "address"], name="account_unique_address")]
        indexes = [models.Index(fields=["status", "last_synced_at"], name="account_sync_order")]

    def __str__(self):
        return self.address

    def enable(self):
        self.status = self.Status.ACTIVE
        self.status_reason = ""
        self.save(update_fields=["status", "status_reason", "updated_at"])

    def disable(self):
        self.status = self.Status.DISABLED
        self.save(update_fields=["status", "updated_at"])

    def request_resync(self):
        self.resync_requested_at = timezone.now()
        self.save(update_fields=["resync_requested_at", "updated_at"])

    def mark_error(self, reason: str):
        self.status = self.Status.ERROR
        self.status_reason = reason[:500]
        self.save(update_fields=["status", "status_reason", "updated_at"])

    def mark_reconnect_needed(self, reason: str = "Google refused the stored authorization (invalid_grant)."):
        self.status = self.Status.RECONNECT_NEEDED
        self.status_reason = reason[:500]
        self.save(update_fields=["status", "status_reason", "updated_at"])

    def acquire_sync_lease(self, token: str, seconds: int) -> bool:
        """Take the sync lease unless a live one is held by someone else; renews our own."""
        now = timezone.now()
        taken = (
            Account.objects.filter(pk=self.pk)
            .filter(
                models.Q(sync_lease_until__isnull=True)
                | models.Q(sync_lease_until__lt=now)
                | models.Q(sync_lease_token=token)
            )
            .update(sync_lease_until=now + timedelta(seconds=seconds), sync_lease_token=token)
        )
        return taken == 1

    def release_sync_lease(self, token: str):
        Account.objects.filter(pk=self.pk, sync_lease_token=token).update(sync_lease_until=None, sync_lease_token="")

    @property
    def sync_running(self) -> bool:
        return bool(self.sync_lease_until and self.sync_lease_until > timezone.now())


class FullSyncItem(models.Model):
    """A message id listed by a running full sync; `done` once stored (or found gone), deleted when it ends."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    gmail_id = models.CharField(max_length=64)
    thread_id = models.CharField(max_length=64)
    # 0: the thread holds mail we sent (it yields training pairs), fetched first; 1: the rest.
    priority = models.PositiveSmallIntegerField(default=1)
    # Listing order: Gmail lists newest first.
    position = models.PositiveIntegerField(default=0)
    done = models.BooleanField(default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["account", "gmail_id"], name="fullsyncitem_unique")]
        indexes = [models.Index(fields=["account", "done", "priority", "position"], name="fullsyncitem_next")]


class QuotaLedger(models.Model):
    """Gmail units spent (or reserved) per account over the last minute, shared by every worker process.

    `spent` is a list of [unix_time, units]; the row is locked while a worker reserves its units.
    """

    account = models.OneToOneField(Account, on_delete=models.CASCADE, primary_key=True, related_name="+")
    spent = models.JSONField(default=list)
    version = models.PositiveBigIntegerField(default=0)


class Credentials(models.Model):
    account = models.OneToOneField(Account, on_delete=models.CASCADE, related_name="credentials")
    access_token = EncryptedTextField(blank=True)
    refresh_token = EncryptedTextField(blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    scopes = models.JSONField(default=list, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "credentials"

    def __str__(self):
        return f"Credentials for {self.account}"


class OAuthState(models.Model):
    """A started "Connect Gmail" flow (RFC 6749 section 10.12): single use, bound to one user's session,
    valid for LIFETIME. The PKCE verifier never leaves the server."""

    LIFETIME = timedelta(minutes=10)

    state = models.CharField(max_length=64, unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    # SHA-256 of the session key: a stolen state is useless from another browser or after sign-out.
    session_hash = models.CharField(max_length=64)
    code_verifier = EncryptedTextField()
    redirect_uri = models.CharField(max_length=500)
    scopes = models.JSONField(default=list)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"OAuth state for {self.user} at {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def expired(self) -> bool:
        return self.created_at + self.LIFETIME < timezone.now()

    def use(self) -> bool:
        """Mark used; False when another request already did (a replayed callback)."""
        now = timezone.now()
        taken = OAuthState.objects.filter(pk=self.pk, used_at__isnull=True).update(used_at=now)
        self.used_at = now
        return taken == 1


class PushDelivery(models.Model):
    """A Pub/Sub message already handled: a redelivery with the same messageId is a no-op."""

    message_id = models.CharField(max_length=100, unique=True)
    received_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name_plural = "push deliveries"

    def __str__(self):
        return self.message_id


class EmailMessageQuerySet(models.QuerySet):
    def incoming(self):
        return self.filter(direction=EmailMessage.Direction.INCOMING)

    def outgoing(self):
        return self.filter(direction=EmailMessage.Direction.OUTGOING)

    def in_thread(self, account, thread_id):
        return self.filter(account=account, thread_id=thread_id).order_by("internal_date", "id")


class EmailMessage(models.Model):
    class Direction(models.TextChoices):
        INCOMING = "incoming", "Incoming"
        OUTGOING = "outgoing", "Outgoing"

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="messages")
    gmail_id = models.CharField(max_length=64)
    thread_id = models.CharField(max_length=64)
    message_id = models.CharField("Message-ID", max_length=998, blank=True)
    in_reply_to = models.CharField("In-Reply-To", max_length=998, blank=True)
    references = models.TextField("References", blank=True)
    direction = models.CharField(max_length=10, choices=Direction)
    from_address = models.CharField(max_length=320, blank=True)
    from_name = models.CharField(max_length=500, blank=True)
    to = models.JSONField(default=list, blank=True)
    cc = models.JSONField(default=list, blank=True)
    bcc = models.JSONField(default=list, blank=True)
    reply_to = models.CharField("Reply-To", max_length=998, blank=True)
    subject = models.TextField(blank=True)
    text_body = models.TextField(blank=True)
    html_body = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    internal_date = models.DateTimeField(null=True, blank=True, help_text="Gmail's received time.")
    label_ids = models.JSONField(default=list, blank=True)
    auto_submitted = models.CharField("Auto-Submitted", max_length=200, blank=True)
    precedence = models.CharField(max_length=100, blank=True)
    list_id = models.CharField("List-Id", max_length=500, blank=True)
    list_unsubscribe = models.TextField("List-Unsubscribe", blank=True)
    automatic_reason = models.CharField(
        max_length=200, blank=True, help_text="Why a machine sent this (bulk, list, auto-reply); blank for a person."
    )
    size = models.PositiveIntegerField(default=0)
    note = models.CharField(max_length=500, blank=True, help_text="Why part of the message was not stored.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = EmailMessageQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["account", "gmail_id"], name="message_unique_gmail_id")]
        indexes = [
            models.Index(fields=["account", "thread_id", "internal_date"], name="message_thread"),
            models.Index(fields=["account", "-internal_date"], name="message_newest"),
            models.Index(fields=["account", "message_id"], name="message_rfc_id"),
        ]

    def __str__(self):
        return f"{self.subject[:60] or '(no subject)'} <{self.gmail_id}>"
