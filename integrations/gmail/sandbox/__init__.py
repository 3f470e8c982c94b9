"""A local Gmail: an in-process HTTP server that speaks Gmail API v1, Google OAuth 2.0 and Pub/Sub push
closely enough that the real client libraries (google-api-python-client, google-auth, google-auth-oauthlib)
work against it unchanged. Nothing leaves the machine.

Start it:
    sandbox = GmailSandbox("me@example.com").start(); sandbox.load_samples()
    python manage.py gmail_sandbox --port 8765 --demo          (or --mbox Takeout.mbox, .eml files/folders)
In tests, use the `gmail_sandbox` fixture from tests/fixtures_gmail.py.

Endpoints (paths as in gmail.v1.json, with rootUrl = sandbox.url + "/"):
    /gmail/v1/users/{userId}/...      profile, labels, messages (+attachments, send, modify, trash), drafts.create,
                                      threads, history, watch, stop; /upload/gmail/v1/... for media sends
    POST /batch/gmail/v1 (and /batch) multipart/mixed batches as BatchHttpRequest sends them
    GET /o/oauth2/auth                auto-consents for the configured address (or login_hint if it has a
                                      mailbox); ?sandbox_deny=1 or configure(deny_consent=True) answers access_denied
    POST /token, POST /revoke         authorization_code (+PKCE S256/plain) and refresh_token grants
    GET /oauth2/v1/certs              {kid: PEM x509} certificates for push and id tokens
    /_sandbox/...                     control API (see GmailSandbox.control)

Knobs (constructor keywords; most also settable later with configure() / set_faults()):
    client_id, client_secret    OAuth client the sandbox accepts ("sandbox-client-id" / "sandbox-client-secret")
    token_lifetime              access token lifetime in seconds (3600)
    quota_per_minute            per-user quota units in a sliding minute (6000); over it -> 429 rateLimitExceeded
                                with Retry-After. Costs per method in api.COSTS
    time_scale                  speeds up the quota minute: 10 means a "minute" of 6 s (1.0)
    batch_limit                 calls per batch served normally; later parts get 429 each (50). Over 100 -> 400
    attachment_threshold        leaf parts larger than this (bytes) come as body.attachmentId (64 KiB);
                                parts with a filename always do
    push_endpoint, push_audience, push_service_account
                                where users.watch notifications are POSTed, and the OIDC token's aud / email
    seed, faults                set_faults(rate_429=, user_rate_403=, backend_500=, unavailable_503=, drop=,
                                latency=, latency_jitter=, seed=): probabilities per Gmail call, drawn from a seeded
                                RNG so runs repeat; drop closes the socket without an answer
    expire_history()            startHistoryId below the current one -> 404 (clients must full-sync)
    revoke_refresh_tokens()     every grant revoked: calls answer 401, refresh answers invalid_grant
    expire_access_tokens()      access tokens stop working, so google-auth's refresh path runs

Message ids are 16 hex digits that grow with internalDate and are the same for the same load; threads follow
In-Reply-To/References when the subjects agree (and X-GM-THRID in Takeout files), as Gmail does.
"""

from .server import GmailSandbox

__all__ = ["GmailSandbox"]
