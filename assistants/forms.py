from django import forms
from django.core.validators import URLValidator
from django.utils import timezone

from .models import AiProvider

# The fields a connection test needs; the others (code, name, order) cannot make it fail.
CONNECTION_FIELDS = ("kind", "base_url", "default_model", "new_api_key")


class AiProviderForm(forms.ModelForm):
    """Used by the settings page and the admin. The stored key is never rendered: a blank key field
    keeps it, a typed one replaces it, and the checkbox removes it."""

    base_url = forms.URLField(
        label="Base URL",
        max_length=500,
        required=False,
        assume_scheme="https",
        validators=[URLValidator(schemes=["http", "https"])],
        error_messages={
            "invalid": "Enter a full URL starting with http:// or https://, e.g. http://127.0.0.1:11434/v1."
        },
        help_text="Empty for OpenAI's own API. For other servers, usually ends in /v1.",
    )
    new_api_key = forms.CharField(
        label="API key",
        required=False,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text="Leave blank to keep the stored key.",
    )
    clear_api_key = forms.BooleanField(label="Remove the stored key", required=False)

    class Meta:
        model = AiProvider
        fields = ["code", "display_name", "kind", "base_url", "default_model", "priority", "enabled"]
        labels = {"code": "Code", "display_name": "Name", "default_model": "Default model"}
        help_texts = {
            "code": "A short unique name: letters, digits, - and _.",
            "priority": "Lower is tried first; the next provider is used only when one is busy or down.",
        }
        error_messages = {"code": {"unique": "Another provider already uses this code."}}
        # The settings page fills this datalist with the provider's models when it can list them.
        widgets = {"default_model": forms.TextInput(attrs={"list": "model-options", "autocomplete": "off"})}

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("kind") == AiProvider.Kind.OPENAI_COMPATIBLE and not cleaned.get("base_url"):
            if "base_url" not in self.errors:
                self.add_error("base_url", "An OpenAI-compatible server needs its base URL.")
        return cleaned

    def api_key_to_use(self):
        """The typed key, or else the stored one unless the form removes it."""
        if self.cleaned_data.get("new_api_key"):
            return self.cleaned_data["new_api_key"]
        if self.cleaned_data.get("clear_api_key"):
            return ""
        return self.instance.api_key  # the form never assigns it, so this is what is stored

    def connection_errors(self):
        """Errors that stop a connection test, which may run before the rest of the form is valid."""
        self.is_valid()
        return {name: errors for name, errors in self.errors.items() if name in CONNECTION_FIELDS + ("__all__",)}

    def unsaved_provider(self):
        """An AiProvider built from the typed values, for a test before saving; never saved."""
        return AiProvider(
            pk=self.instance.pk,
            display_name=self.cleaned_data.get("display_name") or self.instance.display_name,
            kind=self.cleaned_data["kind"],
            base_url=self.cleaned_data.get("base_url") or "",
            default_model=self.cleaned_data.get("default_model") or "",
            api_key=self.api_key_to_use(),
        )

    def save(self, commit=True):
        provider = super().save(commit=False)
        if self.cleaned_data.get("new_api_key"):
            provider.api_key = self.cleaned_data["new_api_key"]
            provider.api_key_changed_at = timezone.now()
        elif self.cleaned_data.get("clear_api_key"):
            provider.api_key = ""
            provider.api_key_changed_at = timezone.now()
        if commit:
            provider.save()
        return provider
