"""The LLM provider stand-in: a real HTTP server speaking the OpenAI protocol, one per test."""

import pytest

from assistants.sandbox import LLMServer


@pytest.fixture
def llm_server():
    with LLMServer() as server:
        yield server
