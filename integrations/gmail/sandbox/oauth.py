"""Google's OAuth 2.0 endpoints as the sandbox plays them: /o/oauth2/auth (auto-consent), /token, /revoke.

Grants tie a refresh token to its access tokens, so revoking either revokes both, as Google does.
"""

import base64
import hashlib
import html
import json
import secrets
import time
import urllib.parse

from .push import shared_signing_key

GOOGLE_SCOPE = "https://www.googleapis.com/auth/"
KNOWN_SCOPES = {
    "openid",
    "email",
    "profile",
    "https://mail.google.com/",
    *(
        GOOGLE_SCOPE + name
        for name in (
            "gmail.readonly",
            "gmail.modify",
            "gmail.send",
            "gmail.compose",
            "gmail.labels",
            "gmail.metadata",
            "gmail.insert",
            "gmail.settings.basic",
            "userinfo.email",
            "userinfo.profile",
        )
    ),
}
CODE_LIFETIME = 600


def json_response(status, data, headers=None):
    return status, {"Content-Type": "application/json; charset=utf-8", **(headers or {})}, json.dumps(data).encode()


def oauth_error(status, error, description):
    return json_response(status, {"error": error, "error_description": description})


def error_page(status, error, description):
    body = f"<!doctype html><title>Error {status}: {error}</title><h1>Error {status}: {error}</h1><p>{html.escape(description)}</p>"
    return status, {"Content-Type": "text/html; charset=utf-8"}, body.encode()


def redirect(uri, params):
    separator = "&" if "?" in uri else "?"
    return 302, {"Location": uri + separator + urllib.parse.urlencode(params)}, b""


class OAuthGrants:
    def __init__(self, *, client_id, client_secret, user_address, token_lifetime=3600, redirect_uris=None):
        self.client_id = client_id
        self.client_secret = client_secret
        self.user_address = user_address
        self.token_lifetime = token_lifetime
        self.redirect_uris = redirect_uris  # None accepts any http(s) URI
        self.deny_consent = False
        self.grants = {}  # grant id -> {address, scopes, client_id, revoked}
        self.codes = {}
        self.access_tokens = {}  # token -> {grant, expires}
        self.refresh_tokens = {}  # token -> grant id
        self.consented = set()  # (client_id, address) that already gave an offline refresh token

    # ----- used by the Gmail endpoints and the handle -----

    def check(self, token):
        """The grant behind a valid access token, or None."""
        entry = self.access_tokens.get(token or "")
        if entry is None or entry["expires"] <= time.time():
            return None
        grant = self.grants[entry["grant"]]
        return None if grant["revoked"] else grant

    def issue(self, address, scopes, client_id=None, refresh=True):
        """Create a grant and return a token response (what /token answers)."""
        grant_id = secrets.token_hex(8)
        self.grants[grant_id] = {
            "address": address,
            "scopes": list(scopes),
            "client_id": client_id or self.client_id,
            "revoked": False,
        }
        response = self._access_token_response(grant_id)
        if refresh:
            refresh_token = "1//sandbox-" + secrets.token_urlsafe(32)
            self.refresh_tokens[refresh_token] = grant_id
            response["refresh_token"] = refresh_token
        return response

    def revoke_all(self):
        for grant in self.grants.values():
            grant["revoked"] = True

    def expire_access_tokens(self):
        for entry in self.access_tokens.values():
            entry["expires"] = 0

    def _access_token_response(self, grant_id):
        grant = self.grants[grant_id]
        token = "ya29.sandbox-" + secrets.token_urlsafe(32)
        self.access_tokens[token] = {"grant": grant_id, "expires": time.time() + self.token_lifetime}
        response = {
            "access_token": token,
            "expires_in": self.token_lifetime,
            "scope": " ".join(grant["scopes"]),
            "token_type": "Bearer",
        }
        if "openid" in grant["scopes"]:
            response["id_token"] = self._id_token(grant)
        return response

    def _id_token(self, grant):
        now = int(time.time())
        return shared_signing_key().sign_jwt(
            {
                "iss": "https://accounts.google.com",
                "azp": grant["client_id"],
                "aud": grant["client_id"],
                "sub": str(int(hashlib.sha256(grant["address"].encode()).hexdigest()[:15], 16)),
                "email": grant["address"],
                "email_verified": True,
                "iat": now,
                "exp": now + 3600,
            }
        )

    # ----- GET /o/oauth2/auth -----

    def authorize(self, params, known_addresses):
        client_id = params.get("client_id", "")
        redirect_uri = params.get("redirect_uri", "")
        if client_id != self.client_id:
            return error_page(401, "invalid_client", "The OAuth client was not found.")
        if not redirect_uri.startswith(("http://", "https://")) or (
            self.redirect_uris is not None and redirect_uri not in self.redirect_uris
        ):
            return error_page(400, "redirect_uri_mismatch", f"Unregistered redirect_uri: {redirect_uri}")
        if params.get("response_type") != "code":
            return redirect(redirect_uri, {"error": "unsupported_response_type", **_state(params)})
        scopes = params.get("scope", "").split()
        if not scopes:
            return error_page(400, "invalid_request", "Missing required parameter: scope")
        unknown = [scope for scope in scopes if scope not in KNOWN_SCOPES]
        if unknown:
            return error_page(400, "invalid_scope", f"Some requested scopes were invalid: {unknown}")
        method = params.get("code_challenge_method", "plain" if params.get("code_challenge") else "")
        if method not in ("", "plain", "S256"):
            return error_page(400, "invalid_request", f"Invalid code_challenge_method: {method}")
        if self.deny_consent or params.get("sandbox_deny") == "1":
            return redirect(redirect_uri, {"error": "access_denied", **_state(params)})
        hint = params.get("login_hint", "")
        address = hint if hint in known_addresses else self.user_address
        code = "4/sandbox-" + secrets.token_urlsafe(24)
        self.codes[code] = {
            "client_id": client_id,
            "redirect_uri": redirect_uri,
            "scopes": scopes,
            "address": address,
            "challenge": params.get("code_challenge"),
            "method": method,
            "expires": time.time() + CODE_LIFETIME,
            "used": False,
            "offline": params.get("access_type") == "offline",
            "prompt_consent": "consent" in params.get("prompt", "").split(),
        }
        return redirect(
            redirect_uri,
            {
                **_state(params),
                "iss": "https://accounts.google.com",
                "code": code,
                "scope": " ".join(scopes),
                "authuser": "0",
                "prompt": "consent",
            },
        )

    # ----- POST /token -----

    def token(self, form, authorization_header):
        client_id, client_secret = form.get("client_id"), form.get("client_secret")
        if authorization_header.startswith("Basic "):
            decoded = base64.b64decode(authorization_header[6:]).decode()
            client_id, _, client_secret = decoded.partition(":")
            client_id, client_secret = urllib.parse.unquote(client_id), urllib.parse.unquote(client_secret)
        if client_id != self.client_id or client_secret != self.client_secret:
            return oauth_error(401, "invalid_client", "Unauthorized")
        grant_type = form.get("grant_type")
        if grant_type == "authorization_code":
            return self._exchange_code(form)
        if grant_type == "refresh_token":
            return self._refresh(form)
        return oauth_error(400, "unsupported_grant_type", f"Invalid grant_type: {grant_type}")

    def _exchange_code(self, form):
        code = self.codes.get(form.get("code", ""))
        if code is None or code["expires"] <= time.time():
            return oauth_error(400, "invalid_grant", "Malformed auth code.")
        if code["used"]:
            return oauth_error(400, "invalid_grant", "Bad Request")
        if form.get("redirect_uri") != code["redirect_uri"]:
            return oauth_error(400, "redirect_uri_mismatch", "Bad Request")
        if code["challenge"]:
            verifier = form.get("code_verifier")
            if not verifier:
                return oauth_error(400, "invalid_grant", "Missing code verifier.")
            if code["method"] == "S256":
                verifier = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
            if not secrets.compare_digest(verifier, code["challenge"]):
                return oauth_error(400, "invalid_grant", "Invalid code verifier.")
        code["used"] = True
        consent_key = (code["client_id"], code["address"])
        # Google hands out a refresh token for offline access on first consent, or when consent is forced.
        give_refresh = code["offline"] and (consent_key not in self.consented or code["prompt_consent"])
        if give_refresh:
            self.consented.add(consent_key)
        return json_response(200, self.issue(code["address"], code["scopes"], code["client_id"], give_refresh))

    def _refresh(self, form):
        grant_id = self.refresh_tokens.get(form.get("refresh_token", ""))
        if grant_id is None or self.grants[grant_id]["revoked"]:
            return oauth_error(400, "invalid_grant", "Token has been expired or revoked.")
        requested = form.get("scope", "").split()
        if not set(requested) <= set(self.grants[grant_id]["scopes"]):
            return oauth_error(400, "invalid_scope", "Bad Request")
        return json_response(200, self._access_token_response(grant_id))

    # ----- POST /revoke -----

    def revoke(self, form):
        token = form.get("token", "")
        grant_id = self.refresh_tokens.get(token)
        if grant_id is None and token in self.access_tokens:
            grant_id = self.access_tokens[token]["grant"]
        if grant_id is None or self.grants[grant_id]["revoked"]:
            return oauth_error(400, "invalid_token", "Token expired or revoked")
        self.grants[grant_id]["revoked"] = True
        return json_response(200, {})


def _state(params):
    return {"state": params["state"]} if "state" in params else {}
