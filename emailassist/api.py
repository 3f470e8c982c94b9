"""The REST API: read mail accounts and training pairs, and decide pairs, with Django's model permissions.

Secrets never leave the server: accounts say whether credentials exist, providers whether a key is set.
"""

from django.db.models import Exists, OuterRef
from django.shortcuts import get_object_or_404
from django.urls import path
from rest_framework import permissions, serializers
from rest_framework.decorators import api_view, permission_classes
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response

from assistants.models import AiProvider
from integrations.models import Account, Credentials
from training.models import TrainingPair


class AccountSerializer(serializers.ModelSerializer):
    provider = serializers.CharField(source="provider.code")
    has_credentials = serializers.BooleanField()

    class Meta:
        model = Account
        fields = ["id", "provider", "address", "display_name", "status", "status_reason", "last_synced_at",
                  "last_sync_summary", "watch_expires_at", "has_credentials"]


class PairSerializer(serializers.ModelSerializer):
    account = serializers.CharField(source="account.address")
    reviewed_by = serializers.CharField(source="reviewed_by.username", default=None)

    class Meta:
        model = TrainingPair
        fields = ["id", "account", "thread_id", "subject", "client_text", "reply_text", "edited_client_text",
                  "edited_reply_text", "status", "labels", "client_sent_at", "reviewed_by", "reviewed_at"]


class ProviderSerializer(serializers.ModelSerializer):
    class Meta:
        model = AiProvider
        fields = ["id", "code", "display_name", "kind", "base_url", "default_model", "priority", "enabled",
                  "has_api_key", "api_key_changed_at"]


class NewestFirst(CursorPagination):
    ordering = "-id"
    page_size = 50


def requires(perm):
    """A DRF permission class: signed in and holding this Django permission."""

    class HasPermission(permissions.BasePermission):
        def has_permission(self, request, view):
            return bool(request.user and request.user.is_authenticated and request.user.has_perm(perm))

    return HasPermission


def _page(request, queryset, serializer_class):
    paginator = NewestFirst()
    page = paginator.paginate_queryset(queryset, request)
    return paginator.get_paginated_response(serializer_class(page, many=True).data)


@api_view(["GET"])
@permission_classes([requires("integrations.view_account")])
def account_list(request):
    # Whether credentials exist, without loading (and decrypting) them.
    accounts = Account.objects.select_related("provider").annotate(
        has_credentials=Exists(Credentials.objects.filter(account=OuterRef("pk")))
    )
    if not request.user.is_superuser:
        accounts = accounts.filter(owner=request.user)
    return _page(request, accounts, AccountSerializer)


@api_view(["GET"])
@permission_classes([requires("training.view_trainingpair")])
def pair_list(request):
    pairs = TrainingPair.objects.select_related("account", "reviewed_by")
    if status := request.query_params.get("status"):
        if status not in TrainingPair.Status.values:
            raise serializers.ValidationError({"status": f"Must be one of {', '.join(TrainingPair.Status.values)}."})
        pairs = pairs.filter(status=status)
    if account := request.query_params.get("account"):
        pairs = pairs.filter(account__address=account)
    return _page(request, pairs, PairSerializer)


@api_view(["GET"])
@permission_classes([requires("training.view_trainingpair")])
def pair_detail(request, pk):
    pair = get_object_or_404(TrainingPair.objects.select_related("account", "reviewed_by"), pk=pk)
    return Response(PairSerializer(pair).data)


@api_view(["POST"])
@permission_classes([requires("training.change_trainingpair")])
def pair_decide(request, pk, decision):
    pair = get_object_or_404(TrainingPair.objects.select_related("account"), pk=pk)
    getattr(pair, decision)(by=request.user)
    pair.refresh_from_db()
    return Response(PairSerializer(pair).data)


@api_view(["GET"])
@permission_classes([requires("assistants.view_aiprovider")])
def provider_list(request):
    return _page(request, AiProvider.objects.all(), ProviderSerializer)


urlpatterns = [
    path("accounts/", account_list, name="api-accounts"),
    path("pairs/", pair_list, name="api-pairs"),
    path("pairs/<int:pk>/", pair_detail, name="api-pair"),
    path("pairs/<int:pk>/approve/", pair_decide, {"decision": "approve"}, name="api-pair-approve"),
    path("pairs/<int:pk>/reject/", pair_decide, {"decision": "reject"}, name="api-pair-reject"),
    path("pairs/<int:pk>/reset/", pair_decide, {"decision": "reset"}, name="api-pair-reset"),
    path("providers/", provider_list, name="api-providers"),
]
