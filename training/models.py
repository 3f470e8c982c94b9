import datetime as dt

from django.conf import settings
from django.db import connections, models
from django.db.models import ExpressionWrapper, F, Q, Value
from django.db.models.functions import Coalesce, Left, NullIf
from django.utils import timezone

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)


class Cursor:
    """A position in the review order: (client_sent_at, id), written in URLs as "<µs since epoch>_<id>" or "n_<id>"."""

    def __init__(self, sent_at, pk):
        self.sent_at, self.pk = sent_at, pk

    @classmethod
    def of(cls, pair):
        return cls(pair.client_sent_at, pair.pk)

    @classmethod
    def parse(cls, text):
        """The cursor written in text, or None when it is not one of ours."""
        try:
            when, pk = text.split("_")
            sent_at = None if when == "n" else _EPOCH + dt.timedelta(microseconds=int(when))
            return cls(sent_at, int(pk))
        except (ValueError, OverflowError):
            return None

    def __str__(self):
        if self.sent_at is None:
            return f"n_{self.pk}"
        return f"{(self.sent_at - _EPOCH) // dt.timedelta(microseconds=1)}_{self.pk}"


class TrainingPairQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(status=TrainingPair.Status.NEW)

    def approved(self):
        return self.filter(status=TrainingPair.Status.APPROVED)

    def for_account(self, account):
        return self.filter(account=account)

    def search(self, text):
        """Pairs whose client or reply text, original or edited, contains text (any case)."""
        text = text.strip()
        if not text:
            return self
        # On PostgreSQL, trigram GIN indexes on UPPER(<column>) (migration 0003) serve these icontains lookups.
        return self.filter(
            Q(client_text__icontains=text)
            | Q(reply_text__icontains=text)
            | Q(edited_client_text__icontains=text)
            | Q(edited_reply_text__icontains=text)
        )

    def sent_between(self, since=None, until=None):
        """Pairs whose client message was sent on or after the date since and on or before the date until."""
        tz = timezone.get_current_timezone()
        qs = self
        if since:
            qs = qs.filter(client_sent_at__gte=dt.datetime.combine(since, dt.time.min, tzinfo=tz))
        if until:
            qs = qs.filter(client_sent_at__lt=dt.datetime.combine(until + dt.timedelta(days=1), dt.time.min, tzinfo=tz))
        return qs

    def with_previews(self, length=240):
        """Only the start of the final texts (edited, or else original), so a list page never loads whole mails."""
        return self.defer("client_text", "reply_text", "edited_client_text", "edited_reply_text").annotate(
            client_preview=Left(Coalesce(NullIf("edited_client_text", Value("")), "client_text"), length),
            reply_preview=Left(Coalesce(NullIf("edited_reply_text", Value("")), "reply_text"), length),
            edited=ExpressionWrapper(~Q(edited_client_text="") | ~Q(edited_reply_text=""), output_field=models.BooleanField()),
        )

    def status_counts(self, cap=10_000):
        """{status: count} for each status; counting stops at cap + 1, so a count above cap reads "cap+".

        One statement of three capped subqueries: the database plans once and answers in one round trip
        (three separate COUNTs spent a third of an approve's server time, mostly planning and round trips)."""
        statuses = TrainingPair.Status.values
        parts, params = [], []
        for status in statuses:
            query = self.filter(status=status).order_by().values("pk")[: cap + 1].query
            sql, part_params = query.get_compiler(using=self.db).as_sql()
            parts.append(f"(SELECT COUNT(*) FROM ({sql}) AS capped)")
            params.extend(part_params)
        with connections[self.db].cursor() as cursor:
            cursor.execute("SELECT " + ", ".join(parts), params)
            return dict(zip(statuses, cursor.fetchone()))

    def in_review_order(self, *, newest=True, sparse=False):
        """Newest or oldest first, as the pair_review_order index is scanned forwards or backwards on PostgreSQL.

        sparse=True says few pairs match (a rare search term): walking that index in order and testing each pair
        would read most of the table, so the sort key becomes an expression no index provides, and PostgreSQL
        fetches the few matches by the trigram indexes and sorts them. Its estimates for LIKE cannot tell.
        """
        sent_at = F("client_sent_at") + dt.timedelta(0) if sparse else F("client_sent_at")
        if newest:
            return self.order_by(sent_at.desc(nulls_first=True), "-id")
        return self.order_by(sent_at.asc(nulls_last=True), "id")

    def page(self, *, size, newest=True, after=None, before=None, sparse=False):
        """Keyset pagination on (client_sent_at, id): one page of pairs, and whether there are newer/older ones.

        Returns (pairs, has_previous, has_next), in the order asked for. after and before are Cursors.
        Cost does not grow with depth: no OFFSET, no COUNT. sparse: see in_review_order.
        """
        if before is not None:
            rows = self._beyond(before, descending=not newest, size=size + 1, sparse=sparse)
            has_previous, has_next = len(rows) > size, True
            return rows[:size][::-1], has_previous, has_next
        rows = self._beyond(after, descending=newest, size=size + 1, sparse=sparse)
        return rows[:size], after is not None, len(rows) > size

    def _beyond(self, cursor, *, descending, size, sparse=False):
        """Up to size pairs strictly past cursor (or from the start) in the order descending/ascending.

        Undated pairs come first when descending and last when ascending, as in PostgreSQL's index order; each
        condition below is a range scan of that index. Crossing from dated to undated pairs takes one more query.
        """
        qs = self.in_review_order(newest=descending, sparse=sparse)
        if descending:
            if cursor is None:
                return list(qs[:size])
            if cursor.sent_at is None:
                return list(qs.filter(Q(client_sent_at__isnull=True, id__lt=cursor.pk) | Q(client_sent_at__isnull=False))[:size])
            c = cursor.sent_at
            return list(qs.filter(Q(client_sent_at__lte=c) & (Q(client_sent_at__lt=c) | Q(id__lt=cursor.pk)))[:size])
        if cursor is not None and cursor.sent_at is None:
            return list(qs.filter(client_sent_at__isnull=True, id__gt=cursor.pk)[:size])
        dated = qs.filter(client_sent_at__isnull=False)
        if cursor is not None:
            c = cursor.sent_at
            dated = dated.filter(Q(client_sent_at__gte=c) & (Q(client_sent_at__gt=c) | Q(id__gt=cursor.pk)))
        rows = list(dated[:size])
        if len(rows) < size:
            rows += list(qs.filter(client_sent_at__isnull=True)[: size - len(rows)])
        return rows

    def decide(self, status, *, by):
        """Set every pair's status in one UPDATE, recording who and when; returns how many pairs changed."""
        now = timezone.now()
        return self.update(status=status, reviewed_by=by, reviewed_at=now, updated_at=now)


class TrainingPair(models.Model):
    """A client's message and the reply we sent to it, cleaned for training and reviewed by staff."""

    class Status(models.TextChoices):
        NEW = "new", "New"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"

    account = models.ForeignKey("integrations.Account", on_delete=models.CASCADE, related_name="training_pairs")
    thread_id = models.CharField(max_length=64)
    subject = models.TextField(blank=True)
    # The pair keeps its texts when Gmail deletes a message, so a reviewed pair is never lost.
    client_message = models.ForeignKey(
        "integrations.EmailMessage", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reply_message = models.ForeignKey(
        "integrations.EmailMessage", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    client_text = models.TextField(help_text="The client's message, quotes and signature removed.")
    reply_text = models.TextField(help_text="Our reply, quotes and signature removed.")
    edited_client_text = models.TextField(blank=True)
    edited_reply_text = models.TextField(blank=True)
    client_sent_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status, default=Status.NEW)
    labels = models.JSONField(default=list, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TrainingPairQuerySet.as_manager()

    class EditConflict(Exception):
        """The pair changed since the reviewer loaded it: their save would overwrite someone else's work."""

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["client_message", "reply_message"], name="pair_unique_messages")
        ]
        indexes = [
            models.Index(fields=["status", "-client_sent_at", "-id"], name="pair_review_order"),
            models.Index(fields=["account", "status"], name="pair_account_status"),
            # The review list filtered by account: its pages, date ranges and status counts from the index alone.
            models.Index(fields=["account", "status", "-client_sent_at", "-id"], name="pair_account_review_order"),
            models.Index(fields=["account", "thread_id"], name="pair_thread"),
        ]

    def __str__(self):
        return f"Pair {self.pk}: {self.subject[:60]}"

    @property
    def final_client_text(self):
        return self.edited_client_text or self.client_text

    @property
    def final_reply_text(self):
        return self.edited_reply_text or self.reply_text

    def _decide(self, status, by):
        self.status = status
        self.reviewed_by = by
        self.reviewed_at = timezone.now()
        self.save(update_fields=["status", "reviewed_by", "reviewed_at", "updated_at"])

    def approve(self, *, by):
        self._decide(self.Status.APPROVED, by)

    def reject(self, *, by):
        self._decide(self.Status.REJECTED, by)

    def reset(self, *, by):
        self._decide(self.Status.NEW, by)

    def edit(self, *, by, client_text: str, reply_text: str, version=None, approve=False):
        """Keep the reviewer's versions beside the originals; an edit equal to the original clears it.

        version is the updated_at the reviewer started from: when given, the save happens only if the pair is
        still at that version (one conditional UPDATE), else EditConflict is raised and nothing is written.
        approve=True approves in the same write ("Save and approve").
        """
        self.edited_client_text = "" if client_text.strip() == self.client_text.strip() else client_text
        self.edited_reply_text = "" if reply_text.strip() == self.reply_text.strip() else reply_text
        if approve:
            self.status = self.Status.APPROVED
        self.reviewed_by = by
        self.reviewed_at = timezone.now()
        fields = ["edited_client_text", "edited_reply_text", "status", "reviewed_by", "reviewed_at"]
        if version is None:
            self.save(update_fields=[*fields, "updated_at"])
            return
        changed = (
            type(self)
            .objects.filter(pk=self.pk, updated_at=version)
            .update(updated_at=self.reviewed_at, **{name: getattr(self, name) for name in fields})
        )
        if not changed:
            raise self.EditConflict
        self.updated_at = self.reviewed_at

    @property
    def version(self):
        """updated_at as text, for a form to send back with an edit."""
        return self.updated_at.isoformat()

    @property
    def is_edited(self):
        return bool(self.edited_client_text or self.edited_reply_text)
