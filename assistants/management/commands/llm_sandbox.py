"""Run the local OpenAI-compatible sandbox, e.g. to click through the app without a real provider.

    python manage.py llm_sandbox --port 8766
    # then add a provider with base URL http://127.0.0.1:8766/v1 and the printed key
"""

import time

from django.core.management.base import BaseCommand

from assistants.sandbox import DEFAULT_API_KEY, DEFAULT_MODELS, LLMServer


class Command(BaseCommand):
    help = "Serve a deterministic OpenAI-compatible API on localhost for development."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8766)
        parser.add_argument("--api-key", default=DEFAULT_API_KEY)
        parser.add_argument("--model", action="append", dest="models", help="repeat for several models")
        parser.add_argument("--delay", type=float, default=0.0, help="seconds to wait before each answer")
        parser.add_argument("--failure-rate", type=float, default=0.0, help="fraction of requests answered 503")
        parser.add_argument("--seed", type=int, default=0)

    def handle(self, *args, **options):
        server = LLMServer(
            api_key=options["api_key"],
            models=options["models"] or list(DEFAULT_MODELS),
            host=options["host"],
            port=options["port"],
        )
        server.start()
        if options["delay"]:
            server.set_delay(options["delay"])
        if options["failure_rate"]:
            server.fail_randomly(options["failure_rate"], 503, seed=options["seed"])
        self.stdout.write(f"LLM sandbox at {server.base_url}  key={server.api_key}  models={', '.join(server.models)}")
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
        finally:
            server.stop()
