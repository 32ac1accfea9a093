import uuid

from django import forms

from clients.selectors import emailable_contacts_for_agent


class RecipientChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, contact) -> str:
        return contact.full_name


class ComposeEmailForm(forms.Form):
    """An email from the agent to some of their contacts. Only emailable contacts are offered:
    Inactive and opted-out contacts never appear here."""

    recipients = RecipientChoiceField(
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": "Choose at least one recipient.",
            "invalid_choice": "One of the chosen contacts cannot receive email.",
            "invalid_pk_value": "One of the chosen contacts cannot receive email.",
        },
    )
    subject = forms.CharField(max_length=200)
    body = forms.CharField(
        label="Message", max_length=10_000, widget=forms.Textarea(attrs={"rows": 8})
    )
    # One key per opened form: a double submit sends once.
    send_key = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4)

    def __init__(self, *args, agent, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["recipients"].queryset = emailable_contacts_for_agent(agent).order_by(
            "last_name", "first_name"
        )
