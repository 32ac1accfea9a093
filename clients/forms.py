from django import forms

from .models import Agent, Contact, ContactEmail


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
