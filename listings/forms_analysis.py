"""Forms of the CMA and market report pages. Every number has bounds and a message in words, so
hostile input ("abc", 10^30, 25 months) is answered next to its field, never with a 500."""

from __future__ import annotations

import re
from decimal import Decimal

from django import forms

from clients.selectors import contacts_for_agent, emailable_contacts_for_agent

from . import search
from .models import Cma, Listing, MarketReport

ZIP = re.compile(r"\d{5}")


def _int(label: str, low: int, high: int, **kwargs) -> forms.IntegerField:
    message = f"Enter a whole number from {low:,} to {high:,}."
    return forms.IntegerField(
        label=label,
        min_value=low,
        max_value=high,
        error_messages={"invalid": message, "min_value": message, "max_value": message},
        **kwargs,
    )


def _decimal(label: str, low, high, places: int, **kwargs) -> forms.DecimalField:
    message = f"Enter a number from {low:,} to {high:,}."
    return forms.DecimalField(
        label=label,
        min_value=Decimal(str(low)),
        max_value=Decimal(str(high)),
        decimal_places=places,
        max_digits=14,
        error_messages={
            "invalid": message,
            "min_value": message,
            "max_value": message,
            "max_digits": message,
            "max_decimal_places": f"Use at most {places} decimal places.",
            "max_whole_digits": message,
        },
        **kwargs,
    )


class CmaForm(forms.ModelForm):
    """The subject's facts and how comparables are suggested."""

    title = forms.CharField(
        max_length=200, required=False, help_text="Blank: “CMA for” and the address."
    )
    address = forms.CharField(
        max_length=200, error_messages={"required": "Enter the subject's street address."}
    )
    latitude = _decimal("Latitude", -90, 90, 12, required=False)
    longitude = _decimal("Longitude", -180, 180, 12, required=False)
    bedrooms = _int("Bedrooms", 0, 50, required=False)
    bathrooms = _int("Bathrooms", 0, 50, required=False)
    living_area = _int("Living area (sq ft)", 100, 100_000, required=False)
    lot_size_area = _decimal("Lot (acres)", 0, 100_000, 4, required=False)
    year_built = _int("Year built", 1600, 2100, required=False)
    radius_miles = _decimal("Radius (miles)", Decimal("0.1"), 50, 1, initial=Decimal("1.0"))
    closed_within_months = _int("Closed within (months)", 1, 24, initial=6)
    area_tolerance_percent = _int("Living area within ± %", 0, 100, initial=25)
    beds_tolerance = _int("Bedrooms within ±", 0, 10, initial=1)

    class Meta:
        model = Cma
        fields = [
            "title",
            "address",
            "city",
            "postal_code",
            "latitude",
            "longitude",
            "property_type",
            "bedrooms",
            "bathrooms",
            "living_area",
            "lot_size_area",
            "year_built",
            "radius_miles",
            "closed_within_months",
            "area_tolerance_percent",
            "beds_tolerance",
            "include_active",
            "include_pending",
            "include_closed",
            "note",
        ]
        labels = {
            "postal_code": "ZIP code",
            "include_active": "Active",
            "include_pending": "Pending",
            "include_closed": "Closed",
            "note": "Note to the client",
        }
        widgets = {"note": forms.Textarea(attrs={"rows": 3})}

    def _coordinate(self, name: str):
        value = self.cleaned_data.get(name)
        # Pasted coordinates often carry more digits than the 6 (about 10 cm) that are kept.
        return None if value is None else value.quantize(Decimal("0.000001"))

    def clean_latitude(self):
        return self._coordinate("latitude")

    def clean_longitude(self):
        return self._coordinate("longitude")

    def clean_postal_code(self):
        value = self.cleaned_data.get("postal_code", "").strip()
        if value and not ZIP.fullmatch(value[:5]):
            raise forms.ValidationError("Enter a 5-digit ZIP code.")
        return value[:10]

    def clean(self):
        cleaned = super().clean()
        lat, lng = cleaned.get("latitude"), cleaned.get("longitude")
        if (lat is None) != (lng is None) and "latitude" not in self.errors:
            self.add_error("longitude", "Enter both latitude and longitude, or neither.")
        has_point = lat is not None and lng is not None
        if not has_point and not cleaned.get("postal_code") and not cleaned.get("city"):
            self.add_error(
                "city", "Enter a city or ZIP code (or coordinates) so comparables can be found."
            )
        if not (
            cleaned.get("include_active")
            or cleaned.get("include_pending")
            or cleaned.get("include_closed")
        ):
            self.add_error("include_closed", "Keep at least one status group.")
        return cleaned

    @property
    def subject_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class CmaStartForm(forms.Form):
    """Where a new CMA starts: a listing (its facts are copied) and/or one of the agent's contacts.
    Read from the query string; a wrong id is a message, not an error page."""

    listing = forms.ModelChoiceField(
        queryset=Listing.objects.all(),
        required=False,
        error_messages={"invalid_choice": "That listing does not exist (any more)."},
    )
    contact = forms.ModelChoiceField(
        queryset=None,
        required=False,
        error_messages={"invalid_choice": "Choose one of your contacts."},
    )

    def __init__(self, *args, agent, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contact"].queryset = contacts_for_agent(agent).prefetch_related(None)


class ComparableForm(forms.Form):
    """Add, remove or adjust one comparable."""

    ACTIONS = [("add", "Add"), ("remove", "Remove"), ("adjust", "Adjust")]
    action = forms.ChoiceField(choices=ACTIONS)
    listing = forms.ModelChoiceField(
        queryset=Listing.objects.all(),
        error_messages={
            "required": "Choose a listing.",
            "invalid_choice": "That listing does not exist (any more).",
        },
    )
    adjustment_amount = _decimal("Adjustment ($)", -10_000_000, 10_000_000, 2, required=False)
    adjustment_percent = _decimal("Adjustment (%)", -50, 50, 2, required=False)
    adjustment_note = forms.CharField(max_length=200, required=False, label="Why")


class AddByMlsForm(forms.Form):
    mls = forms.CharField(label="MLS #", max_length=64)

    def clean_mls(self):
        value = self.cleaned_data["mls"].strip()
        listing = Listing.objects.filter(listing_id__iexact=value).first()
        if listing is None:
            raise forms.ValidationError(f"No listing with MLS # {value}.")
        return listing


class RecipientChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, contact) -> str:
        return contact.full_name


class SendForm(forms.Form):
    """Send to some of the agent's emailable clients (Inactive and opted-out contacts are not
    choices; another agent's contact is refused)."""

    recipients = RecipientChoiceField(
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": "Choose at least one recipient.",
            "invalid_choice": "One of the chosen contacts cannot receive this.",
            "invalid_pk_value": "One of the chosen contacts cannot receive this.",
        },
    )
    note = forms.CharField(
        required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )
    send_no = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=1_000_000)

    def __init__(self, *args, agent, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["recipients"].queryset = emailable_contacts_for_agent(agent).order_by(
            "last_name", "first_name"
        )


class ReportForm(forms.ModelForm):
    title = forms.CharField(
        max_length=200, required=False, help_text="Blank: named after the area."
    )
    area_value = forms.CharField(
        label="City or ZIP code",
        max_length=100,
        required=False,
        help_text="A city name (“Hartford”) or a 5-digit ZIP code.",
    )
    area_shape_text = forms.CharField(
        label="Shape corners",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="For a drawn shape: “lat lng, lat lng, lat lng, …” (3 to 100 corners).",
    )
    period_months = _int("Period (months)", 1, 24, initial=12)

    class Meta:
        model = MarketReport
        fields = ["title", "area_kind", "area_value", "property_type", "period_months", "schedule"]
        fields += ["note"]
        labels = {
            "area_kind": "Area",
            "property_type": "Property type",
            "schedule": "Refresh",
            "note": "Note to the client",
        }
        widgets = {"note": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["property_type"].choices = [("", "All property types")] + list(
            Listing.PropertyType.choices
        )
        self.fields["property_type"].required = False
        if self.instance and self.instance.area_shape:
            self.initial.setdefault(
                "area_shape_text",
                ", ".join(f"{lat} {lng}" for lat, lng in self.instance.area_shape),
            )

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("area_kind")
        value = (cleaned.get("area_value") or "").strip()
        cleaned["area_shape"] = []
        if kind == MarketReport.AreaKind.CITY:
            if not value:
                self.add_error("area_value", "Enter a city.")
            elif not re.fullmatch(r"[A-Za-z][A-Za-z .'\-]{0,99}", value):
                self.add_error("area_value", "A city name has letters, spaces, . ' and - only.")
        elif kind == MarketReport.AreaKind.ZIP:
            if not ZIP.fullmatch(value):
                self.add_error("area_value", "Enter a 5-digit ZIP code.")
        elif kind == MarketReport.AreaKind.SHAPE:
            try:
                cleaned["area_shape"] = search.parse_polygon(cleaned.get("area_shape_text") or "")
            except ValueError as error:
                self.add_error("area_shape_text", f"Check the shape: {error}")
            value = ""
        cleaned["area_value"] = value
        return cleaned

    @property
    def report_data(self) -> dict:
        names = [*self.Meta.fields, "area_shape"]
        return {name: self.cleaned_data[name] for name in names}
