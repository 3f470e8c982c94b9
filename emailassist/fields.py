from django.db import models

from . import crypto


class EncryptedTextField(models.TextField):
    """A text field stored as authenticated ciphertext; Python code only ever sees the plaintext.

    The empty string is stored as is, meaning "not set". Forms never render the value: admin pages and
    views show whether it is set and offer a field to replace it.
    """

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return crypto.decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return crypto.encrypt(value)

    def formfield(self, **kwargs):
        # Secrets are replaced through explicit password fields, never edited in place.
        return None
