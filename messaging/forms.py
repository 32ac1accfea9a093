import uuid

from django import forms

from clients.selectors import emailable_contacts_for_agent
from listings.models import Listing

from .models import FeedItem


class RecipientChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, contact) -> str:
        return contact.full_name


RECIPIENT_ERRORS = {
    "required": "Choose at least one recipient.",
    "invalid_choice": "One of the chosen contacts cannot receive email.",
    "invalid_pk_value": "One of the chosen contacts cannot receive email.",
}


class RecipientsForm(forms.Form):
    """Recipients are only the agent's emailable contacts: Inactive and opted-out contacts
    never appear (the consent rule), and another agent's contact is not a valid choice."""

    recipients = RecipientChoiceField(
        queryset=None, widget=forms.CheckboxSelectMultiple, error_messages=RECIPIENT_ERRORS
    )

    def __init__(self, *args, agent, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["recipients"].queryset = emailable_contacts_for_agent(agent).order_by(
            "last_name", "first_name"
        )


class ComposeEmailForm(RecipientsForm):
    """An email from the agent to some of their contacts."""

    subject = forms.CharField(max_length=200)
    body = forms.CharField(
        label="Message", max_length=10_000, widget=forms.Textarea(attrs={"rows": 8})
    )
    # One key per opened form: a double submit sends once.
    send_key = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4)


class ShareListingsForm(RecipientsForm):
    listings = forms.ModelMultipleChoiceField(
        queryset=Listing.objects.all(),
        widget=forms.MultipleHiddenInput,
        error_messages={
            "required": "Choose at least one listing to send.",
            "invalid_choice": "One of the listings no longer exists.",
            "invalid_pk_value": "One of the listings no longer exists.",
        },
    )
    note = forms.CharField(
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Shown with the listings in each client's portal and email.",
    )


class ShareDocumentForm(RecipientsForm):
    file = forms.FileField(label="Document", help_text="A PDF or an image, up to 10 MB.")
    title = forms.CharField(required=False, max_length=200)
    note = forms.CharField(
        required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )


class FeedFilterForm(forms.Form):
    category = forms.ChoiceField(
        choices=[("all", "All"), *FeedItem.Category.choices], required=False
    )
    period = forms.ChoiceField(
        choices=[
            ("1", "Last 1 day"),
            ("2", "Last 2 days"),
            ("7", "Last 7 days"),
            ("30", "Last 30 days"),
            ("all", "All time"),
        ],
        required=False,
    )


class MessageForm(forms.Form):
    body = forms.CharField(
        label="Message", max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )
    listing = forms.ModelChoiceField(
        queryset=Listing.objects.all(), required=False, widget=forms.HiddenInput
    )
