from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings


class AccountAdapter(DefaultAccountAdapter):
    """A team tool: admins create accounts; open sign-up only when ALLOW_SIGNUP is on."""

    def is_open_for_signup(self, request):
        return settings.ALLOW_SIGNUP
