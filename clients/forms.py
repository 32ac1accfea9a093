from django import forms

from .models import (
    Agent,
    AgentPreferences,
    Contact,
    ContactEmail,
    ContactGroup,
    ContactImport,
    User,
)
from .services import CONTACT_FIELDS


class AgentProfileForm(forms.ModelForm):
    class Meta:
        model = Agent
        fields = [
            "display_name",
            "title",
            "brokerage_name",
            "office_street",
            "office_city",
            "office_state",
            "office_postal_code",
            "phone_mobile",
            "phone_office",
            "public_email",
            "website",
            "photo",
            "logo",
            "bio",
            "brand_color",
        ]
        widgets = {
            "brand_color": forms.TextInput(attrs={"type": "color"}),
            "bio": forms.Textarea(attrs={"rows": 4}),
            "photo": forms.ClearableFileInput(attrs={"accept": "image/*"}),
            "logo": forms.ClearableFileInput(attrs={"accept": "image/*"}),
        }


class ContactSearchForm(forms.Form):
    q = forms.CharField(required=False, max_length=100, label="Search contacts")


class ContactStatusForm(forms.Form):
    status = forms.ChoiceField(choices=Contact.Status.choices)


class ContactEmailForm(forms.ModelForm):
    """Correcting an address: a new address starts as unchecked (no longer invalid)."""

    class Meta:
        model = ContactEmail
        fields = ["address"]

    def clean_address(self):
        address = self.cleaned_data["address"].strip().lower()
        duplicate = (
            ContactEmail.objects.filter(contact=self.instance.contact, address__iexact=address)
            .exclude(pk=self.instance.pk)
            .exists()
        )
        if duplicate:
            raise forms.ValidationError("This contact already has that address.")
        return address


# --- Contact Management -------------------------------------------------------------------------

YES_NO = [("", "Any"), ("yes", "Yes"), ("no", "No")]


class ContactFilterForm(forms.Form):
    """The list's query string: search, filters and sort. Bad values fall back to no filter."""

    q = forms.CharField(required=False, max_length=100, label="Search contacts")
    group = forms.ModelChoiceField(
        queryset=ContactGroup.objects.none(), required=False, empty_label="All groups"
    )
    status = forms.ChoiceField(
        choices=[("", "Any status"), *Contact.Status.choices], required=False
    )
    portal = forms.ChoiceField(choices=YES_NO, required=False, label="Portal account")
    opted_out = forms.ChoiceField(choices=YES_NO, required=False, label="Opted out")
    invalid = forms.BooleanField(required=False, label="Invalid email")
    sort = forms.CharField(required=False, max_length=40)

    def __init__(self, *args, agent, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["group"].queryset = ContactGroup.objects.filter(agent=agent)

    def filters(self):
        from .selectors import ContactFilters

        if not self.is_valid():
            # Keep what is valid: a stale group id must not hide the whole list.
            data = {k: v for k, v in self.cleaned_data.items() if k not in self.errors}
        else:
            data = self.cleaned_data
        return ContactFilters(
            query=data.get("q", ""),
            group=data.get("group"),
            status=data.get("status", ""),
            portal=data.get("portal", ""),
            opted_out=data.get("opted_out", ""),
            invalid_email=bool(data.get("invalid")),
        )


class QuickAddForm(forms.Form):
    first_name = forms.CharField(max_length=100, label="First name")
    last_name = forms.CharField(max_length=100, required=False, label="Last name")
    email = forms.EmailField(required=False, label="Email")
    portal = forms.BooleanField(
        required=False, label="Portal", help_text="Create their portal and send the invitation"
    )

    def __init__(self, *args, agent, **kwargs):
        self.agent = agent
        super().__init__(*args, **kwargs)

    def clean_email(self):
        email = (self.cleaned_data.get("email") or "").strip().lower()
        if (
            email
            and ContactEmail.objects.filter(
                contact__agent=self.agent, address__iexact=email
            ).exists()
        ):
            raise forms.ValidationError(f"One of your contacts already has {email}.")
        return email

    def clean(self):
        data = super().clean()
        if data.get("portal"):
            email = data.get("email")
            if not email and "email" not in self.errors:
                self.add_error("email", "Enter an email address: the portal login is the email.")
            elif email and User.objects.filter(email__iexact=email).exists():
                self.add_error("email", f"{email} already has a HomePortal login.")
        return data


class ContactForm(forms.ModelForm):
    groups = forms.ModelMultipleChoiceField(
        queryset=ContactGroup.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Groups",
    )
    status = forms.ChoiceField(choices=Contact.Status.choices)

    class Meta:
        model = Contact
        fields = CONTACT_FIELDS
        widgets = {
            "notes": forms.Textarea(attrs={"rows": 5}),
            "phone_mobile": forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
            "phone_home": forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
            "phone_work": forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
        }
        labels = {"reverse_prospecting": "Reverse Prospecting"}

    def __init__(self, *args, agent, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["groups"].queryset = ContactGroup.objects.filter(agent=agent)
        if self.instance.pk:
            self.fields["groups"].initial = list(self.instance.groups.all())
            # Not a model field of this form: the status changes only through contact_set_status.
            self.fields["status"].initial = self.instance.status
        self.order_fields([*self._meta.fields[:10], "status"])


class EmailEntryForm(forms.Form):
    address = forms.EmailField(required=False, label="Email", max_length=254)
    notify = forms.BooleanField(required=False, label="Notify")


class BaseEmailFormSet(forms.BaseFormSet):
    def clean(self):
        if any(self.errors):
            return
        seen = set()
        for form in self.forms:
            address = (form.cleaned_data.get("address") or "").strip().lower()
            if not address:
                continue
            if address in seen:
                form.add_error("address", f"{address} is already listed above.")
            seen.add(address)

    def entries(self):
        from .services import EmailEntry

        return [
            EmailEntry(address=f.cleaned_data["address"], notify=f.cleaned_data.get("notify"))
            for f in self.forms
            if f.cleaned_data.get("address")
        ]


EmailFormSet = forms.formset_factory(
    EmailEntryForm, formset=BaseEmailFormSet, extra=0, max_num=10, validate_max=True
)


def email_formset(data=None, *, contact=None, add_one=False):
    initial = (
        [{"address": e.address, "notify": e.notify} for e in contact.emails.all()]
        if contact is not None
        else []
    )
    if data is not None:
        formset = EmailFormSet(data, prefix="emails")
        if add_one:
            # "Add another" without JavaScript: the same posted rows and one empty row more.
            mutable = data.copy()
            mutable["emails-TOTAL_FORMS"] = str(int(formset.total_form_count()) + 1)
            formset = EmailFormSet(mutable, prefix="emails")
        return formset
    return EmailFormSet(initial=initial or [{}], prefix="emails")


class GroupForm(forms.Form):
    name = forms.CharField(max_length=100, label="Name")


class ColumnsForm(forms.Form):
    columns = forms.MultipleChoiceField(choices=[], required=False)

    def __init__(self, *args, **kwargs):
        from .columns import COLUMNS

        super().__init__(*args, **kwargs)
        self.fields["columns"].choices = [(c.key, c.label) for c in COLUMNS.values()]


class PortalPreferencesForm(forms.ModelForm):
    portal_card_fields = forms.MultipleChoiceField(
        choices=AgentPreferences.CardField.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Show on your clients’ portal contact card",
    )

    class Meta:
        model = AgentPreferences
        fields = [
            "invitation_message",
            "portal_card_fields",
            "notify_on_favorite",
            "notify_on_comment",
            "notify_on_saved_search",
            "notify_on_message",
        ]
        widgets = {"invitation_message": forms.Textarea(attrs={"rows": 6})}


class ImportUploadForm(forms.Form):
    def clean_file(self):
        from .importing import MAX_IMPORT_BYTES

        upload = self.cleaned_data["file"]
        if upload.size > MAX_IMPORT_BYTES:
            raise forms.ValidationError(
                "The file is larger than 25 MB. Split it into smaller files and import each."
            )
        return upload

    file = forms.FileField(
        label="Address book",
        help_text="CSV from Google Contacts, Outlook or a spreadsheet, or a "
        "vCard (.vcf) from Apple Contacts or iCloud. Up to 50,000 contacts.",
    )
    delimiter = forms.ChoiceField(
        choices=ContactImport.Delimiter.choices,
        initial="auto",
        label="Delimiter",
        help_text="What separates the columns (ignored for vCard).",
    )


class BulkActionForm(forms.Form):
    ACTIONS = [
        ("group_add", "Add to group"),
        ("group_remove", "Remove from group"),
        ("status", "Set status"),
        ("invite", "Send portal invitation"),
        ("accounts", "Create portal accounts (temporary passwords)"),
        ("export", "Export"),
    ]
    action = forms.ChoiceField(choices=ACTIONS)
    ids = forms.TypedMultipleChoiceField(
        coerce=int, choices=[], required=True, error_messages={"required": "Select contacts first."}
    )
    group = forms.ModelChoiceField(queryset=ContactGroup.objects.none(), required=False)
    status = forms.ChoiceField(choices=[("", "—"), *Contact.Status.choices], required=False)

    def __init__(self, *args, agent, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["group"].queryset = ContactGroup.objects.filter(agent=agent)
        # Any integer is accepted here: ownership is decided by the scoped selector (404).
        self.fields["ids"].valid_value = lambda value: str(value).isdigit() and len(str(value)) < 12

    def clean(self):
        data = super().clean()
        action = data.get("action")
        if action in {"group_add", "group_remove"} and not data.get("group"):
            self.add_error("group", "Choose a group.")
        if action == "status" and not data.get("status"):
            self.add_error("status", "Choose a status.")
        return data


class PortalAccountsForm(forms.Form):
    scope = forms.ChoiceField(choices=[("all", "All"), ("selected", "Selected")], initial="all")
    ids = forms.TypedMultipleChoiceField(coerce=int, choices=[], required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["ids"].valid_value = lambda value: str(value).isdigit() and len(str(value)) < 12


class SummaryPeriodForm(forms.Form):
    PERIODS = [
        ("7", "Last 7 days"),
        ("30", "Last 30 days"),
        ("90", "Last 90 days"),
        ("365", "Last 12 months"),
        ("all", "All time"),
    ]
    period = forms.ChoiceField(choices=PERIODS, required=False, initial="30")
