"""The Gmail stand-in: a real HTTP server speaking Gmail API v1, Google OAuth and Pub/Sub push, one per test."""

import pytest

from integrations.gmail.sandbox import GmailSandbox


@pytest.fixture
def gmail_sandbox(monkeypatch):
    """A running sandbox with me@example.com holding the built-in samples.

    Load more with `gmail_sandbox.load(path_or_pairs, address)`, `load_demo(address, count, seed)` or
    `load_samples(address)`; point the product at it with `settings_overrides()`.
    """
    # oauthlib refuses plain-HTTP token URLs unless told this is a local setup.
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")
    with GmailSandbox("me@example.com") as sandbox:
        sandbox.load_samples()
        yield sandbox
