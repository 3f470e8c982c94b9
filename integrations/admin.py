from django.contrib import admin, messages

from .models import Account, Credentials, EmailMessage, Provider


@admin.register(Provider)
class ProviderAdmin(admin.ModelAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]


class TokenStates:
    """Tokens are never shown: only whether they are set. They change only through the OAuth flow."""

    @admin.display(description="Access token")
    def access_token_state(self, obj):
        return "set" if obj.access_token else "not set"

    @admin.display(description="Refresh token")
    def refresh_token_state(self, obj):
        return "set" if obj.refresh_token else "not set"


class CredentialsInline(TokenStates, admin.StackedInline):
    model = Credentials
    can_delete = False
    extra = 0
    max_num = 0
    fields = ["access_token_state", "refresh_token_state", "expires_at", "scopes", "updated_at"]
    readonly_fields = fields


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin):
    list_display = ["address", "display_name", "provider", "owner", "status", "last_synced_at", "watch_expires_at"]
    list_filter = ["status", "provider"]
    search_fields = ["address", "display_name", "owner__username", "owner__email"]
    list_select_related = ["provider", "owner"]
    date_hierarchy = "created_at"
    readonly_fields = [
        "status_reason",
        "history_id",
        "watch_expires_at",
        "last_push_at",
        "last_synced_at",
        "sync_state",
        "last_sync_summary_display",
        "resync_requested_at",
        "created_at",
        "updated_at",
    ]
    exclude = [
        "last_sync_summary",
        "sync_lease_until",
        "sync_lease_token",
        "full_sync_stage",
        "full_sync_page_token",
        "full_sync_history_id",
        "full_sync_started_at",
    ]
    inlines = [CredentialsInline]
    actions = ["sync_now", "enable_accounts", "disable_accounts", "request_resync"]

    @admin.display(description="Sync")
    def sync_state(self, obj):
        if obj.sync_running:
            stage = obj.get_full_sync_stage_display() if obj.full_sync_stage else "incremental"
            return f"running ({stage})"
        if obj.full_sync_stage:
            return f"full sync interrupted at: {obj.get_full_sync_stage_display()} (resumes on the next sync)"
        return "idle"

    @admin.display(description="Last sync summary")
    def last_sync_summary_display(self, obj):
        summary = obj.last_sync_summary or {}
        if not summary:
            return "never synced"
        keys = ["mode", "fetched", "stored", "updated", "deleted", "pairs_created", "errors", "units_spent", "duration"]
        text = ", ".join(f"{key.replace('_', ' ')}: {summary[key]}" for key in keys if key in summary)
        if summary.get("error"):
            text += f" \u2014 error: {summary['error']}"
        return text

    @admin.action(description="Sync now")
    def sync_now(self, request, queryset):
        from .tasks import sync_account_enqueue

        accounts = list(queryset.exclude(status=Account.Status.DISABLED))
        for account in accounts:
            sync_account_enqueue(account.pk)
        self.message_user(request, f"Sync queued for {len(accounts)} account(s).", messages.SUCCESS)

    @admin.action(description="Enable selected accounts")
    def enable_accounts(self, request, queryset):
        for account in queryset:
            account.enable()
        self.message_user(request, f"Enabled {len(queryset)} account(s).", messages.SUCCESS)

    @admin.action(description="Disable selected accounts")
    def disable_accounts(self, request, queryset):
        for account in queryset:
            account.disable()
        self.message_user(request, f"Disabled {len(queryset)} account(s).", messages.SUCCESS)

    @admin.action(description="Request a full resync")
    def request_resync(self, request, queryset):
        for account in queryset:
            account.request_resync()
        self.message_user(request, f"Resync requested for {len(queryset)} account(s).", messages.SUCCESS)


@admin.register(Credentials)
class CredentialsAdmin(TokenStates, admin.ModelAdmin):
    list_display = ["account", "access_token_state", "refresh_token_state", "expires_at", "updated_at"]
    search_fields = ["account__address"]
    list_select_related = ["account"]
    fields = ["account", "access_token_state", "refresh_token_state", "expires_at", "scopes", "updated_at"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False


@admin.register(EmailMessage)
class EmailMessageAdmin(admin.ModelAdmin):
    list_display = ["subject_preview", "from_address", "direction", "account", "internal_date"]
    list_filter = ["direction", "account"]
    search_fields = ["subject", "from_address", "message_id", "gmail_id", "thread_id"]
    list_select_related = ["account"]
    date_hierarchy = "internal_date"
    show_full_result_count = False
    readonly_fields = [
        "account",
        "gmail_id",
        "thread_id",
        "message_id",
        "in_reply_to",
        "references",
        "direction",
        "from_address",
        "from_name",
        "to",
        "cc",
        "bcc",
        "reply_to",
        "subject",
        "sent_at",
        "internal_date",
        "label_ids",
        "auto_submitted",
        "precedence",
        "list_id",
        "list_unsubscribe",
        "automatic_reason",
        "size",
        "note",
        "text_body",
        "html_body",
        "created_at",
        "updated_at",
    ]

    @admin.display(description="Subject", ordering="subject")
    def subject_preview(self, obj):
        return obj.subject[:80] or "(no subject)"

    def has_add_permission(self, request):
        return False
