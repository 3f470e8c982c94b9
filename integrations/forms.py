from django import forms


class DisconnectForm(forms.Form):
    KEEP = "keep"
    DELETE = "delete"

    mail = forms.ChoiceField(
        label="Synced mail and training pairs",
        choices=[
            (KEEP, "Keep them (the account stays, disabled; reconnect it later)"),
            (DELETE, "Delete the account with its synced mail, training pairs and assistants"),
        ],
        widget=forms.RadioSelect,
    )
