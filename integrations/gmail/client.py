"""The one module that talks to Gmail: every request goes through `GmailClient._execute` or `_execute_batch`.

- The service is built from the discovery document shipped inside google-api-python-client, with its
  rootUrl replaced by settings.GMAIL_API_ROOT_URL (batch calls follow it), so Google and the local sandbox
  share one code path and building it needs no network.
- OAuth tokens come from the account's Credentials row and refresh through google-auth against
  settings.GOOGLE_OAUTH_TOKEN_URL; a refreshed token is written back (encrypted by the field). invalid_grant
  raises ReconnectNeeded: the user must reconnect, retrying cannot help.
- Every attempt first spends its units from the account's quota ledger (integrations.gmail.quota), shared
  by all worker processes, so workers together stay under Gmail's per-user limit.
- 429, 403 rateLimitExceeded/userRateLimitExceeded, 5xx and transport errors are retried with exponential
  backoff and jitter from 1 s (settings.GMAIL_RETRY_BASE_SECONDS), honouring Retry-After. A batch retries
  its failed parts in the next batch; it never drops one.
- Nothing here logs a body or a token: exceptions carry a status and Gmail's reason only.
"""

import json
import logging
import os
import random
import time
from datetime import UTC, datetime

import google.auth.exceptions
import google.oauth2.credentials
import google_auth_httplib2
import googleapiclient
import httplib2
from django.conf import settings
from googleapiclient.discovery import build_from_document
from googleapiclient.errors import HttpError

from .quota import quota_done, quota_spend

logger = logging.getLogger(__name__)

# Units per call, Gmail 2026.
COST = {
    "getProfile": 1,
    "messages.list": 5,
    "messages.get": 20,
    "threads.get": 40,
    "history.list": 2,
    "drafts.create": 10,
    "messages.send": 100,
    "watch": 100,
}
BATCH_LIMIT = 50
MAX_ATTEMPTS = 8
MAX_BACKOFF_SECONDS = 64.0
RATE_LIMIT_REASONS = {"rateLimitExceeded", "userRateLimitExceeded"}
# Timeouts, refused and reset connections (OSError covers socket.timeout and ConnectionError).
TRANSIENT_ERRORS = (httplib2.HttpLib2Error, OSError)

_discovery_document = None


class GmailError(Exception):
    """Gmail refused a request or kept failing. `status` and `reason` are Gmail's; no bodies, no tokens."""

    def __init__(self, message, *, status=None, reason=""):
        super().__init__(message)
        self.status = status
        self.reason = reason


class ReconnectNeeded(GmailError):
    """The stored authorization is gone (invalid_grant): the user must connect the account again."""


class HistoryExpired(GmailError):
    """history.list answered 404: the start history id is too old, only a full sync can catch up."""


def sleep(seconds):
    """Waits between retries and for quota; tests replace it or scale settings.GMAIL_RETRY_BASE_SECONDS."""
    time.sleep(seconds)


def _discovery():
    global _discovery_document
    if _discovery_document is None:
        path = os.path.join(os.path.dirname(googleapiclient.__file__), "discovery_cache", "documents", "gmail.v1.json")
        with open(path) as f:
            _discovery_document = json.load(f)
    document = dict(_discovery_document)
    document["rootUrl"] = settings.GMAIL_API_ROOT_URL
    document["baseUrl"] = settings.GMAIL_API_ROOT_URL + document["servicePath"]
    document.pop("mtlsRootUrl", None)
    return document


def _error_reason(error: HttpError) -> str:
    try:
        body = json.loads(error.content)
        details = body["error"].get("errors") or []
        if details and details[0].get("reason"):
            return details[0]["reason"]
        return body["error"].get("status", "")
    except (ValueError, KeyError, TypeError, AttributeError):
        return ""


def _retry_after(error: HttpError) -> float:
    value = (error.resp or {}).get("retry-after") if error.resp is not None else None
    try:
        return max(0.0, float(value)) if value is not None else 0.0
    except ValueError:
        return 0.0  # an HTTP date: fall back to our own backoff


def _retryable(error: HttpError) -> bool:
    status = error.status_code or 0
    if status == 429 or status >= 500:
        return True
    return status == 403 and _error_reason(error) in RATE_LIMIT_REASONS


def backoff_seconds(attempt: int, retry_after: float = 0.0) -> float:
    """Exponential from the base (1 s), with jitter in [d/2, d], never sooner than Retry-After asks."""
    # 1.0 in production; tests shrink it, and Retry-After with it, so time passes faster.
    scale = getattr(settings, "GMAIL_RETRY_BASE_SECONDS", 1.0)
    delay = min(MAX_BACKOFF_SECONDS, 2.0**attempt) * scale
    delay = delay / 2 + random.random() * delay / 2
    return max(delay, retry_after * scale)


def _is_invalid_grant(error: google.auth.exceptions.RefreshError) -> bool:
    for arg in error.args:
        if isinstance(arg, dict) and arg.get("error") == "invalid_grant":
            return True
    return "invalid_grant" in str(error.args[0] if error.args else "")


class GmailClient:
    """Gmail for one account. `units_spent` and `retries` count this client's spending for the summary."""

    def __init__(self, account):
        self.account = account
        self.units_spent = 0
        self.retries = 0
        row = account.credentials
        self.credentials = google.oauth2.credentials.Credentials(
            token=row.access_token or None,
            refresh_token=row.refresh_token or None,
            token_uri=settings.GOOGLE_OAUTH_TOKEN_URL,
            client_id=settings.GOOGLE_CLIENT_ID,
            client_secret=settings.GOOGLE_CLIENT_SECRET,
            scopes=row.scopes or None,
            # google-auth compares expiry with naive UTC.
            expiry=row.expires_at.astimezone(UTC).replace(tzinfo=None) if row.expires_at else None,
        )
        self._saved = (self.credentials.token, self.credentials.refresh_token)
        timeout = getattr(settings, "GMAIL_HTTP_TIMEOUT_SECONDS", 30)
        self._raw_http = httplib2.Http(timeout=timeout)
        self.http = google_auth_httplib2.AuthorizedHttp(self.credentials, http=self._raw_http)
        self.service = build_from_document(_discovery(), http=self.http)

    # ----- tokens -----

    def _refresh_if_needed(self):
        if self.credentials.valid:
            return
        try:
            self.credentials.refresh(google_auth_httplib2.Request(self._raw_http))
        except google.auth.exceptions.RefreshError as error:
            raise self._refresh_failed(error) from None
        self._save_tokens()

    def _refresh_failed(self, error):
        if _is_invalid_grant(error):
            return ReconnectNeeded("Google refused the stored authorization (invalid_grant).", reason="invalid_grant")
        return GmailError("Refreshing the access token failed.", reason="refresh_failed")

    def _save_tokens(self):
        current = (self.credentials.token, self.credentials.refresh_token)
        if current == self._saved:
            return
        from integrations.models import Credentials

        expiry = self.credentials.expiry.replace(tzinfo=UTC) if self.credentials.expiry else None
        row = Credentials.objects.get(account=self.account)
        row.access_token = self.credentials.token or ""
        if self.credentials.refresh_token:
            row.refresh_token = self.credentials.refresh_token
        row.expires_at = expiry
        row.save(update_fields=["access_token", "refresh_token", "expires_at", "updated_at"])
        self._saved = current

    # ----- the two ways out -----

    def _send(self, units, call):
        """Every HTTP call to the API: wait for quota, call, and mark the units spent when it is answered."""
        ticket = quota_spend(account_id=self.account.pk, units=units, sleep=sleep)
        self.units_spent += units
        try:
            return call()
        finally:
            quota_done(account_id=self.account.pk, ticket=ticket)

    def _execute(self, request, units):
        """One request with quota, token refresh and retries; returns the decoded response."""
        for attempt in range(MAX_ATTEMPTS):
            self._refresh_if_needed()
            try:
                response = self._send(units, lambda: request.execute(num_retries=0))
            except HttpError as error:
                if _retryable(error) and attempt + 1 < MAX_ATTEMPTS:
                    self._wait(attempt, _retry_after(error))
                    continue
                raise self._translate(error) from None
            except google.auth.exceptions.RefreshError as error:
                raise self._refresh_failed(error) from None
            except TRANSIENT_ERRORS as error:
                if attempt + 1 < MAX_ATTEMPTS:
                    logger.info("Gmail transport error for account %s: %s", self.account.pk, type(error).__name__)
                    self._wait(attempt, 0)
                    continue
                raise GmailError(f"Gmail could not be reached ({type(error).__name__}).") from None
            self._save_tokens()
            return response
        raise AssertionError("unreachable")

    def _execute_batch(self, requests, units_each):
        """{key: response or None (404)} for {key: request}; failed parts retried in later batches."""
        results = {}
        pending = dict(requests)
        attempt = 0
        while pending:
            keys = list(pending)[:BATCH_LIMIT]
            failed = {}
            retry_after = 0.0

            def callback(key, response, exception):
                nonlocal retry_after
                if exception is None:
                    results[key] = response
                elif exception.status_code == 404:
                    results[key] = None
                elif _retryable(exception):
                    failed[key] = exception
                    retry_after = max(retry_after, _retry_after(exception))
                else:
                    raise self._translate(exception)

            self._refresh_if_needed()
            batch = self.service.new_batch_http_request(callback=callback)
            for key in keys:
                batch.add(pending[key], request_id=key)
            try:
                self._send(units_each * len(keys), batch.execute)
            except HttpError as error:  # the batch request itself failed: every part is retried
                if not _retryable(error):
                    raise self._translate(error) from None
                failed = {key: error for key in keys if key not in results}
                retry_after = _retry_after(error)
            except google.auth.exceptions.RefreshError as error:
                raise self._refresh_failed(error) from None
            except TRANSIENT_ERRORS as error:
                logger.info("Gmail batch transport error for account %s: %s", self.account.pk, type(error).__name__)
                failed = {key: error for key in keys if key not in results}
            self._save_tokens()
            for key in keys:
                if key in results:
                    del pending[key]
            if failed:
                if attempt + 1 >= MAX_ATTEMPTS:
                    raise GmailError(f"{len(failed)} batched Gmail requests kept failing.")
                self._wait(attempt, retry_after)
                attempt += 1
            else:
                attempt = 0
        return results

    def _wait(self, attempt, retry_after):
        self.retries += 1
        sleep(backoff_seconds(attempt, retry_after))

    def _translate(self, error: HttpError) -> GmailError:
        status = error.status_code
        reason = _error_reason(error)
        if status == 401:
            return ReconnectNeeded("Gmail refused the access token after a refresh.", status=status, reason=reason)
        return GmailError(f"Gmail answered {status} ({reason or 'no reason'}).", status=status, reason=reason)

    # ----- Gmail calls -----

    def get_profile(self) -> dict:
        return self._execute(self.service.users().getProfile(userId="me"), COST["getProfile"])

    def list_message_ids(self, *, label_ids=None, page_token=None, include_spam_trash=True):
        """([(id, thread_id)], next_page_token) for one page of 500, newest first."""
        request = self.service.users().messages().list(
            userId="me",
            maxResults=500,
            labelIds=label_ids or None,
            pageToken=page_token or None,
            includeSpamTrash=include_spam_trash,
        )
        response = self._execute(request, COST["messages.list"])
        ids = [(item["id"], item["threadId"]) for item in response.get("messages", [])]
        return ids, response.get("nextPageToken")

    def list_history(self, *, start_history_id, page_token=None) -> dict:
        """One page of history.list: {'history': [...], 'historyId': ..., 'nextPageToken': ...}."""
        request = self.service.users().history().list(
            userId="me", startHistoryId=str(start_history_id), pageToken=page_token or None, maxResults=500
        )
        try:
            return self._execute(request, COST["history.list"])
        except GmailError as error:
            if error.status == 404:
                raise HistoryExpired("The stored history id is too old for Gmail.", status=404) from None
            raise

    def get_raw_messages(self, message_ids) -> dict:
        """{id: message resource with 'raw' (base64url) or None when Gmail no longer has it}."""
        messages = self.service.users().messages()
        requests = {message_id: messages.get(userId="me", id=message_id, format="raw") for message_id in message_ids}
        return self._execute_batch(requests, COST["messages.get"])

    def watch(self, *, topic_name, label_ids) -> dict:
        """users.watch: Gmail publishes changes to these labels on the Pub/Sub topic. {historyId, expiration}."""
        body = {"topicName": topic_name, "labelIds": list(label_ids), "labelFilterBehavior": "INCLUDE"}
        return self._execute(self.service.users().watch(userId="me", body=body), COST["watch"])

    def stop(self):
        """users.stop: no more push notifications for this mailbox."""
        return self._execute(self.service.users().stop(userId="me"), 1)


def internal_datetime(message: dict):
    """Gmail's internalDate (ms since the epoch, a string) as an aware datetime."""
    value = message.get("internalDate")
    return datetime.fromtimestamp(int(value) / 1000, tz=UTC) if value else None


def profile_for_token(access_token: str) -> dict:
    """users.getProfile with a fresh access token, before any Account exists (the OAuth callback)."""
    credentials = google.oauth2.credentials.Credentials(token=access_token)
    http = google_auth_httplib2.AuthorizedHttp(
        credentials, http=httplib2.Http(timeout=getattr(settings, "GMAIL_HTTP_TIMEOUT_SECONDS", 30))
    )
    service = build_from_document(_discovery(), http=http)
    try:
        return service.users().getProfile(userId="me").execute(num_retries=2)
    except HttpError as error:
        raise GmailError(
            f"Gmail answered {error.status_code} to getProfile.", status=error.status_code, reason=_error_reason(error)
        ) from None
    except TRANSIENT_ERRORS as error:
        raise GmailError(f"Gmail could not be reached ({type(error).__name__}).") from None
