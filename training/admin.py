from django.contrib import admin, messages

from .models import TrainingPair


@admin.register(TrainingPair)
class TrainingPairAdmin(admin.ModelAdmin):
    list_display = ["id", "subject_preview", "account", "status", "client_sent_at", "reviewed_by", "reviewed_at"]
    list_filter = ["status", "account"]
    search_fields = ["subject", "client_text", "reply_text"]
    list_select_related = ["account", "reviewed_by"]
    date_hierarchy = "client_sent_at"
    show_full_result_count = False
    raw_id_fields = ["client_message", "reply_message"]
    readonly_fields = ["account", "thread_id", "client_message", "reply_message", "client_text", "reply_text",
                       "client_sent_at", "reviewed_by", "reviewed_at", "created_at", "updated_at"]
    actions = ["approve_pairs", "reject_pairs", "reset_pairs"]

    @admin.display(description="Subject", ordering="subject")
    def subject_preview(self, obj):
        return obj.subject[:80] or "(no subject)"

    def _decide(self, request, queryset, verb, done):
        for pair in queryset:
            getattr(pair, verb)(by=request.user)
        self.message_user(request, f"{done} {len(queryset)} pair(s).", messages.SUCCESS)

    @admin.action(description="Approve selected pairs", permissions=["change"])
    def approve_pairs(self, request, queryset):
        self._decide(request, queryset, "approve", "Approved")

    @admin.action(description="Reject selected pairs", permissions=["change"])
    def reject_pairs(self, request, queryset):
        self._decide(request, queryset, "reject", "Rejected")

    @admin.action(description="Reset selected pairs to new", permissions=["change"])
    def reset_pairs(self, request, queryset):
        self._decide(request, queryset, "reset", "Reset")
