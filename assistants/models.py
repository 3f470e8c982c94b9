from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models, transaction

from emailassist.fields import EncryptedTextField

from . import llm


class AiProviderQuerySet(models.QuerySet):
    def enabled(self):
        return self.filter(enabled=True)

    def in_fallback_order(self):
        return self.enabled().order_by("priority", "id")


class AiProvider(models.Model):
    """An OpenAI or OpenAI-compatible endpoint. Several providers are tried in priority order."""

    class Kind(models.TextChoices):
        OPENAI = "openai", "OpenAI"
        OPENAI_COMPATIBLE = "openai_compatible", "OpenAI-compatible server"

    code = models.SlugField(max_length=50, unique=True)
    display_name = models.CharField(max_length=100)
    kind = models.CharField(max_length=20, choices=Kind, default=Kind.OPENAI)
    base_url = models.URLField(max_length=500, blank=True, help_text="Empty for OpenAI's own API.")
    api_key = EncryptedTextField(blank=True)
    api_key_changed_at = models.DateTimeField(null=True, blank=True)
    default_model = models.CharField(max_length=200, blank=True)
    priority = models.PositiveSmallIntegerField(default=0, help_text="Lower is tried first.")
    enabled = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = AiProviderQuerySet.as_manager()

    class Meta:
        ordering = ["priority", "id"]
        permissions = [("manage_ai_settings", "Can manage AI provider settings")]

    def __str__(self):
        return self.display_name

    @property
    def has_api_key(self):
        return bool(self.api_key)

    @property
    def effective_base_url(self):
        return self.base_url or "https://api.openai.com/v1"

    def check_connection(self, *, timeout):
        """One tiny call with these settings (saved or not): a line saying what answered, or LLMError."""
        try:
            base_url = llm.resolve_base_url(self.kind, self.base_url)
        except ValueError as exc:
            raise llm.LLMError(llm.UNREACHABLE, str(exc)) from None
        if not self.default_model:
            models = llm.list_models(base_url, self.api_key, timeout=timeout)
            return f"OK: the provider answered and offers {len(models)} models. Choose a default model."
        return llm.test_connection(base_url, self.api_key, self.default_model, timeout=timeout)

    def list_models(self, *, timeout):
        return llm.list_models(llm.resolve_base_url(self.kind, self.base_url), self.api_key, timeout=timeout)

    @transaction.atomic
    def move(self, step):
        """Swaps places with the neighbour in the fallback order (step -1: earlier, +1: later) and
        numbers every provider 0, 1, 2... so equal priorities cannot hide the move."""
        providers = list(AiProvider.objects.select_for_update().only("id", "priority").order_by("priority", "id"))
        here = next(i for i, p in enumerate(providers) if p.pk == self.pk)
        there = here + step
        if 0 <= there < len(providers):
            providers[here], providers[there] = providers[there], providers[here]
        for number, provider in enumerate(providers):
            provider.priority = number
        AiProvider.objects.bulk_update(providers, ["priority"])
        self.priority = next(p.priority for p in providers if p.pk == self.pk)


class AssistantProfile(models.Model):
    class Mode(models.TextChoices):
        OFF = "off", "Off"
        DRAFT = "draft", "Draft replies"
        AUTONOMOUS = "autonomous", "Autonomous"

    name = models.CharField(max_length=100)
    instructions = models.TextField(blank=True)
    account = models.ForeignKey(
        "integrations.Account", on_delete=models.CASCADE, null=True, blank=True, related_name="assistant_profiles"
    )
    provider = models.ForeignKey(
        AiProvider, on_delete=models.SET_NULL, null=True, blank=True, help_text="Empty: providers in fallback order."
    )
    model = models.CharField(max_length=200, blank=True, help_text="Empty: the provider's default model.")
    temperature = models.FloatField(default=0.3, validators=[MinValueValidator(0.0), MaxValueValidator(2.0)])
    mode = models.CharField(max_length=20, choices=Mode, default=Mode.OFF)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return self.name
