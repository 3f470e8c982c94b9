"""Connecting and disconnecting Gmail accounts: Google's OAuth 2.0 web flow through google-auth-oauthlib.

- The flow asks for offline access with `prompt=consent` (so Google returns a refresh token again on a
  reconnect), `include_granted_scopes=true`, and PKCE (S256). The verifier stays on the server.
- `state` is random, single use, bound to the signed-in user and to a hash of the session key, and expires
  after OAuthState.LIFETIME (RFC 6749 section 10.12): a callback from another browser or user, a replayed or
  stale one is refused before any token is exchanged.
- The endpoints (settings.GOOGLE_OAUTH_*) and scopes (settings.GMAIL_SCOPES) are settings, so the same code
  runs against Google and the local sandbox.
- Failures raise ConnectError with a short reason for the user; logs carry reasons and error class names,
  never a code, token or verifier.
"""

import hashlib
import ipaddress
import logging
import os
import secrets
import urllib.parse
from datetime import UTC, datetime

import requests
from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from google_auth_oauthlib.flow import Flow
from oauthlib.oauth2.rfc6749.errors import OAuth2Error

from integrations.gmail.client import GmailError, profile_for_token
from integrations.models import Account, Credentials, OAuthState, Provider

logger = logging.getLogger(__name__)
# requests-oauthlib logs token requests and responses (codes, verifiers, tokens) at DEBUG: never let them
# through, whatever LOG_LEVEL says.
for _name in ("requests_oauthlib", "oauthlib"):
    logging.getLogger(_name).setLevel(logging.WARNING)

REVOKE_TIMEOUT_SECONDS = 10
TOKEN_TIMEOUT_SECONDS = 20


class ConnectError(Exception):
    """The flow was refused or failed; `reason` is short and safe to show (no secrets)."""

    def __init__(self, reason, detail=""):
        super().__init__(reason)
        self.reason = reason
        self.detail = detail

    def __str__(self):
        return f"{self.reason}: {self.detail}" if self.detail else self.reason


def session_hash(session_key: str) -> str:
    return hashlib.sha256((session_key or "").encode()).hexdigest()


def redirect_uri() -> str:
    return settings.SITE_URL.rstrip("/") + reverse("integrations:gmail_callback")


def connect_scopes(account=None) -> list[str]:
    """Reading, labelling and drafting; sending only when an assistant on this account may send."""
    from assistants.models import AssistantProfile

    scopes = list(settings.GMAIL_SCOPES)
    if (
        account is not None
        and settings.GMAIL_SEND_SCOPE not in scopes
        and AssistantProfile.objects.filter(account=account, mode=AssistantProfile.Mode.AUTONOMOUS).exists()
    ):
        scopes.append(settings.GMAIL_SEND_SCOPE)
    return scopes


def _allow_http_on_loopback():
    """oauthlib refuses plain http. The local sandbox serves http on loopback only, which never leaves the
    machine, so allow it there; Google's https endpoints are unaffected."""
    for url in (settings.GOOGLE_OAUTH_AUTHORIZE_URL, settings.GOOGLE_OAUTH_TOKEN_URL):
        parts = urllib.parse.urlsplit(url)
        if parts.scheme != "http":
            continue
        host = parts.hostname or ""
        try:
            loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
        except ValueError:
            loopback = False
        if loopback:
            os.environ["OAUTHLIB_INSECURE_TRANSPORT"] = "1"


def _flow(*, scopes, code_verifier=None, state=None) -> Flow:
    _allow_http_on_loopback()
    client_config = {
        "web": {
            "client_id": settings.GOOGLE_CLIENT_ID,
            "client_secret": settings.GOOGLE_CLIENT_SECRET,
            "auth_uri": settings.GOOGLE_OAUTH_AUTHORIZE_URL,
            "token_uri": settings.GOOGLE_OAUTH_TOKEN_URL,
            "redirect_uris": [redirect_uri()],
        }
    }
    return Flow.from_client_config(
        client_config,
        scopes=scopes,
        redirect_uri=redirect_uri(),
        state=state,
        code_verifier=code_verifier,
        autogenerate_code_verifier=code_verifier is None,
    )


def oauth_flow_start(*, user, session_key: str, account=None) -> str:
    """Store a new state for this user's session and return Google's authorization URL."""
    if not settings.GOOGLE_CLIENT_ID:
        raise ConnectError("Gmail is not configured", "GOOGLE_CLIENT_ID is empty.")
    if not session_key:
        raise ConnectError("invalid state", "No session.")
    OAuthState.objects.filter(created_at__lt=timezone.now() - OAuthState.LIFETIME).delete()
    scopes = connect_scopes(account)
    state = secrets.token_urlsafe(32)
    flow = _flow(scopes=scopes)
    extra = {"login_hint": account.address} if account is not None else {}
    url, _ = flow.authorization_url(
        access_type="offline", prompt="consent", include_granted_scopes="true", state=state, **extra
    )
    OAuthState.objects.create(
        state=state,
        user=user,
        session_hash=session_hash(session_key),
        code_verifier=flow.code_verifier,
        redirect_uri=redirect_uri(),
        scopes=scopes,
    )
    return url


def oauth_state_take(*, user, session_key: str, state: str) -> OAuthState:
    """The stored flow for this callback, marked used; ConnectError("invalid state") otherwise."""
    if not state:
        raise ConnectError("invalid state", "The answer from Google carries no state.")
    row = OAuthState.objects.filter(state=state).first()
    if row is None:
        raise ConnectError("invalid state", "This connection was not started here, or was already finished.")
    if row.user_id != user.pk or not secrets.compare_digest(row.session_hash, session_hash(session_key)):
        logger.warning("OAuth callback for user %s refused: state belongs to another session", user.pk)
        raise ConnectError("invalid state", "This connection was started in another session. Start again here.")
    if row.used_at is not None or not row.use():
        raise ConnectError("invalid state", "This connection was already used. Start again.")
    if row.expired:
        raise ConnectError("invalid state", "This connection expired (10 minutes). Start again.")
    return row


def _exchange(flow: Flow, code: str) -> dict:
    try:
        return dict(flow.fetch_token(code=code, timeout=TOKEN_TIMEOUT_SECONDS))
    except Warning as warning:
        # oauthlib warns when the granted scopes differ from the requested ones (include_granted_scopes
        # adds earlier grants; the user may untick some): the token is fine, we check the scopes ourselves.
        token = getattr(warning, "token", None)
        if token is None:
            raise
        return dict(token)


def _granted_scopes(token: dict, requested: list[str]) -> list[str]:
    scope = token.get("scope")
    if scope is None:
        return list(requested)
    return scope.split() if isinstance(scope, str) else list(scope)


def account_connect(*, user, session_key: str, params) -> Account:
    """Finish the flow from the callback's query parameters: the connected (created or updated) Account."""
    row = oauth_state_take(user=user, session_key=session_key, state=params.get("state", ""))
    if params.get("error"):
        error = params["error"]
        if error == "access_denied":
            raise ConnectError("access_denied", "Google access was not granted.")
        raise ConnectError("authorization failed", error[:100])
    code = params.get("code", "")
    if not code:
        raise ConnectError("token exchange failed", "Google's answer has no authorization code.")

    flow = _flow(scopes=row.scopes, code_verifier=row.code_verifier, state=row.state)
    try:
        token = _exchange(flow, code)
    except (OAuth2Error, requests.RequestException, ValueError) as error:
        logger.warning("OAuth token exchange for user %s failed: %s", user.pk, type(error).__name__)
        raise ConnectError("token exchange failed", "Google refused the authorization code.") from None
    if not token.get("access_token"):
        raise ConnectError("token exchange failed", "Google's answer has no access token.")
    granted = _granted_scopes(token, row.scopes)
    missing = [scope for scope in row.scopes if scope.startswith("https://www.googleapis.com/auth/gmail.") and scope not in granted]
    if missing:
        raise ConnectError("scopes not granted", "Tick every Gmail permission on Google's page and try again.")

    try:
        profile = profile_for_token(token["access_token"])
    except GmailError as error:
        logger.warning("getProfile after OAuth for user %s failed: %s", user.pk, error.status or error)
        raise ConnectError("profile failed", "Gmail did not return the mailbox address.") from None
    address = (profile.get("emailAddress") or "").strip()
    if not address:
        raise ConnectError("profile failed", "Gmail did not return the mailbox address.")

    expires_at = None
    if token.get("expires_at"):
        expires_at = datetime.fromtimestamp(float(token["expires_at"]), tz=UTC)
    account = _account_store(
        user=user,
        address=address,
        access_token=token["access_token"],
        refresh_token=token.get("refresh_token") or "",
        expires_at=expires_at,
        scopes=granted,
    )
    logger.info("Gmail account %s connected by user %s", account.pk, user.pk)
    return account


def _account_store(*, user, address, access_token, refresh_token, expires_at, scopes) -> Account:
    provider = Provider.objects.get(code="gmail")
    with transaction.atomic():
        account = (
            Account.objects.select_for_update().filter(provider=provider, address__iexact=address).first()
        )
        if account is not None and account.owner_id != user.pk:
            logger.warning("User %s tried to connect account %s owned by another user", user.pk, account.pk)
            raise ConnectError("already connected", f"{address} is connected by another user.")
        if account is None:
            account = Account.objects.create(provider=provider, owner=user, address=address)
        else:
            account.status = Account.Status.ACTIVE
            account.status_reason = ""
            account.save(update_fields=["status", "status_reason", "updated_at"])
        credentials, created = Credentials.objects.select_for_update().get_or_create(account=account)
        if not refresh_token and not credentials.refresh_token:
            # Google sends a refresh token only with consent; without one the account stops working in an hour.
            raise ConnectError("token exchange failed", "Google returned no refresh token. Try again.")
        credentials.access_token = access_token
        if refresh_token:  # a reconnect without a new one keeps the stored one
            credentials.refresh_token = refresh_token
        credentials.expires_at = expires_at
        credentials.scopes = scopes
        credentials.save()
    return account


def token_revoke(token: str) -> bool:
    """Ask Google to revoke a token (and its grant). Best effort: False when it could not be done."""
    if not token:
        return False
    try:
        response = requests.post(
            settings.GOOGLE_OAUTH_REVOKE_URL,
            data={"token": token},
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            timeout=REVOKE_TIMEOUT_SECONDS,
        )
    except requests.RequestException as error:
        logger.warning("Token revocation failed: %s", type(error).__name__)
        return False
    if response.status_code != 200:
        # 400 invalid_token: already revoked or expired, which is what we wanted anyway.
        logger.info("Token revocation answered %s", response.status_code)
    return response.status_code == 200


def account_disconnect(*, account: Account, delete_mail: bool) -> None:
    """Stop the watch, revoke the token, delete the credentials; then delete the account with its mail and
    pairs, or keep them on a disabled account."""
    from integrations.push import account_watch_stop

    credentials = Credentials.objects.filter(account=account).first()
    if credentials is not None:
        account_watch_stop(account=account)
        token_revoke(credentials.refresh_token or credentials.access_token)
        credentials.delete()
    if delete_mail:
        logger.info("Gmail account %s disconnected; its mail and pairs deleted", account.pk)
        account.delete()
        return
    account.status = Account.Status.DISABLED
    account.status_reason = "Disconnected by its owner; mail and pairs kept."
    account.watch_expires_at = None
    account.sync_queued_at = None
    account.save(update_fields=["status", "status_reason", "watch_expires_at", "sync_queued_at", "updated_at"])
    logger.info("Gmail account %s disconnected; its mail and pairs kept", account.pk)


def account_needs_send_scope(account: Account) -> bool:
    """An assistant may send from this account but the stored grant cannot: the owner should reconnect."""
    credentials = getattr(account, "credentials", None)
    return (
        credentials is not None
        and settings.GMAIL_SEND_SCOPE in connect_scopes(account)
        and settings.GMAIL_SEND_SCOPE not in (credentials.scopes or [])
        and "https://mail.google.com/" not in (credentials.scopes or [])
    )

