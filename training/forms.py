from django import forms

from .models import Cursor, TrainingPair

PAGE_SIZES = [25, 50, 100, 200]


class PairFilterForm(forms.Form):
    """The review list's filters, read from the query string; an invalid value falls back to its default."""

    status = forms.ChoiceField(choices=TrainingPair.Status.choices, required=False)
    # A plain id, not a ModelChoiceField: validating it would cost a query on every htmx request.
    account = forms.IntegerField(required=False, min_value=1)
    q = forms.CharField(required=False, max_length=200, label="Search")
    since = forms.DateField(required=False, label="From", widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(required=False, label="To", widget=forms.DateInput(attrs={"type": "date"}))
    sort = forms.ChoiceField(choices=[("newest", "Newest first"), ("oldest", "Oldest first")], required=False)
    size = forms.TypedChoiceField(choices=[(n, n) for n in PAGE_SIZES], coerce=int, required=False, empty_value=50)
    after = forms.CharField(required=False)
    before = forms.CharField(required=False)

    FILTER_FIELDS = ["status", "account", "q", "since", "until", "sort", "size"]

    @property
    def filters(self):
        """The cleaned values, with defaults in place of anything missing or invalid."""
        if not hasattr(self, "_filters"):
            self.is_valid()
            data = {name: self.cleaned_data.get(name) for name in self.fields if name not in self.errors}
            data["status"] = data.get("status") or TrainingPair.Status.NEW
            data["sort"] = data.get("sort") or "newest"
            data["size"] = data.get("size") or 50
            data["q"] = data.get("q") or ""
            data["after"] = Cursor.parse(data.get("after") or "")
            data["before"] = Cursor.parse(data.get("before") or "")
            self._filters = data
        return self._filters

    def matching(self, queryset):
        """queryset narrowed by every filter but status (the status tabs count across statuses)."""
        f = self.filters
        if f.get("account"):
            queryset = queryset.for_account(f["account"])
        return queryset.search(f["q"]).sent_between(f.get("since"), f.get("until"))

    def querystring(self, **changes):
        """The filters as a query string (no cursor), with changes applied; empty values left out."""
        params = self.data.copy()
        for key in ("after", "before"):
            params.pop(key, None)
        for key, value in changes.items():
            params[key] = value
        for key in [k for k, v in params.items() if v in ("", None)]:
            params.pop(key)
        return params.urlencode()


class BulkForm(forms.Form):
    action = forms.ChoiceField(choices=[("approve", "Approve"), ("reject", "Reject")])
    ids = forms.TypedMultipleChoiceField(coerce=int, required=False)
    scope = forms.ChoiceField(choices=[("selected", "selected"), ("all", "all")], required=False)
    filters = forms.CharField(required=False)
    # The highest pair id when the reviewer confirmed "all matching": pairs that arrive later are left alone.
    upto = forms.IntegerField(required=False)
    confirmed = forms.BooleanField(required=False)

    def __init__(self, data):
        super().__init__(data)
        # Any integers are accepted; the query only touches pairs that exist and match.
        self.fields["ids"].choices = [(v, v) for v in data.getlist("ids") if str(v).isdigit()]

    def clean(self):
        data = super().clean()
        if data.get("scope") != "all" and not data.get("ids"):
            raise forms.ValidationError("Select at least one pair, or all pairs matching the filter.")
        return data

    @property
    def status(self):
        return {"approve": TrainingPair.Status.APPROVED, "reject": TrainingPair.Status.REJECTED}[
            self.cleaned_data["action"]
        ]


class EditForm(forms.Form):
    client_text = forms.CharField(widget=forms.Textarea(attrs={"rows": 14}), strip=False, label="Client message")
    reply_text = forms.CharField(widget=forms.Textarea(attrs={"rows": 14}), strip=False, label="Our reply")
    version = forms.DateTimeField(widget=forms.HiddenInput)
    filters = forms.CharField(required=False, widget=forms.HiddenInput)
