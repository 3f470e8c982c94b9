from django.contrib import admin

from .forms import AiProviderForm
from .models import AiProvider, AssistantProfile


@admin.register(AiProvider)
class AiProviderAdmin(admin.ModelAdmin):
    form = AiProviderForm
    list_display = ["display_name", "kind", "base_url", "default_model", "priority", "enabled", "api_key_state"]
    list_filter = ["kind", "enabled"]
    search_fields = ["code", "display_name", "base_url"]
    list_editable = ["priority", "enabled"]
    readonly_fields = ["api_key_state", "api_key_changed_at", "created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["code", "display_name", "kind", "base_url", "default_model", "priority", "enabled"]}),
        ("API key", {"fields": ["api_key_state", "api_key_changed_at", "new_api_key", "clear_api_key"]}),
        ("History", {"fields": ["created_at", "updated_at"]}),
    ]

    @admin.display(description="API key")
    def api_key_state(self, obj):
        return "set" if obj.api_key else "not set"


@admin.register(AssistantProfile)
class AssistantProfileAdmin(admin.ModelAdmin):
    list_display = ["name", "account", "mode", "provider", "model", "temperature", "updated_at"]
    list_filter = ["mode", "provider"]
    search_fields = ["name", "instructions", "account__address"]
    list_select_related = ["account", "provider"]
    readonly_fields = ["created_at", "updated_at"]
