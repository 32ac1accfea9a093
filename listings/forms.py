"""Search Listings and the listing page's forms.

The search form reads a query string (the URL holds the whole search) and cleans it into
*criteria*: a dict of JSON values (ints, floats, bools, strings, lists) that ``listings.search``
turns into a queryset and that ``SavedSearch.criteria`` stores as is. Nothing a visitor types can
make it raise: every bad value becomes an error in words next to its field.
"""

from __future__ import annotations

import re

from django import forms

from . import search
from .models import Listing, ListingComment, ListingReaction

MAX_PRICE = 1_000_000_000
MAX_AREA = 10_000_000
MAX_ACRES = 100_000
MAX_DAYS = 36_500
# Longer text is no search anyone types; it is refused before any SQL sees it.
MAX_TEXT = 200

MIN_CHOICES = [("", "Any")] + [(str(n), f"{n}+") for n in range(1, 6)]
NEW_DAYS_CHOICES = [("", "Any time"), ("1", "Last 24 hours"), ("3", "Last 3 days")] + [
    (str(n), f"Last {n} days") for n in (7, 14, 30)
]
STATUS_CHOICES = [("", "For sale")] + [
    (value, label) for value, label in Listing.StandardStatus.choices
]
TYPE_CHOICES = [("", "Any type")] + list(Listing.PropertyType.choices)
SORT_CHOICES = [(key, sort.label) for key, sort in search.SORTS.items()]

_NUMBER_CLEANUP = re.compile(r"[\s$,_]")


class LooseNumberField(forms.CharField):
    """A whole number as people type it: "$450,000", "450000", "450k" or "1.2m".

    A CharField underneath so that letters give our message ("Enter the price as a number, like
    450000") rather than a generic one, and so huge values are refused before any arithmetic.
    """

    def __init__(self, *, noun: str, example: str, maximum: int, allow_suffix=False, **kwargs):
        self.noun, self.example, self.maximum = noun, example, maximum
        self.allow_suffix = allow_suffix
        kwargs.setdefault("required", False)
        # Length is checked on the typed text in to_python; Django's validator would see a number.
        self.max_chars = kwargs.pop("max_length", 40)
        super().__init__(**kwargs)
        self.widget.attrs["inputmode"] = "decimal"

    def _text(self, value) -> str:
        text = super().to_python(value)
        if len(text) > self.max_chars:
            raise forms.ValidationError(f"Enter the {self.noun} as a number, like {self.example}.")
        return _NUMBER_CLEANUP.sub("", text)

    def to_python(self, value):
        text = self._text(value).lower()
        if not text:
            return None
        multiplier = 1
        if self.allow_suffix and text[-1:] in ("k", "m"):
            multiplier = 1_000 if text[-1] == "k" else 1_000_000
            text = text[:-1]
        if not re.fullmatch(r"\d{1,15}(\.\d{1,6})?", text):
            raise forms.ValidationError(f"Enter the {self.noun} as a number, like {self.example}.")
        number = round(float(text) * multiplier)
        if number > self.maximum:
            raise forms.ValidationError(
                f"That {self.noun} is too large — enter at most {self.maximum:,}."
            )
        return number


class LooseDecimalField(LooseNumberField):
    """Like LooseNumberField but keeps fractions (lot size in acres)."""

    def to_python(self, value):
        text = self._text(value)
        if not text:
            return None
        if not re.fullmatch(r"\d{1,9}(\.\d{1,4})?|\.\d{1,4}", text):
            raise forms.ValidationError(f"Enter the {self.noun} as a number, like {self.example}.")
        number = float(text)
        if number > self.maximum:
            raise forms.ValidationError(
                f"That {self.noun} is too large — enter at most {self.maximum:,}."
            )
        return number


class ListingSearchForm(forms.Form):
    # Top bar: the fields people use most.
    q = forms.CharField(
        label="Location",
        required=False,
        max_length=MAX_TEXT,
        widget=forms.TextInput(
            attrs={"placeholder": "City, ZIP, address or MLS #", "autocomplete": "off"}
        ),
    )
    min_price = LooseNumberField(
        label="Min price", noun="price", example="450000", maximum=MAX_PRICE, allow_suffix=True
    )
    max_price = LooseNumberField(
        label="Max price", noun="price", example="450000", maximum=MAX_PRICE, allow_suffix=True
    )
    beds = forms.TypedChoiceField(
        label="Beds", choices=MIN_CHOICES, required=False, coerce=int, empty_value=None
    )
    baths = forms.TypedChoiceField(
        label="Baths", choices=MIN_CHOICES, required=False, coerce=int, empty_value=None
    )
    type = forms.ChoiceField(label="Property type", choices=TYPE_CHOICES, required=False)
    status = forms.ChoiceField(label="Status", choices=STATUS_CHOICES, required=False)

    # Side panel: "More filters".
    min_sqft = LooseNumberField(
        label="Min living area (sq ft)", noun="living area", example="1500", maximum=MAX_AREA
    )
    max_sqft = LooseNumberField(
        label="Max living area (sq ft)", noun="living area", example="3000", maximum=MAX_AREA
    )
    min_lot = LooseDecimalField(
        label="Min lot size (acres)", noun="lot size", example="0.5", maximum=MAX_ACRES
    )
    max_lot = LooseDecimalField(
        label="Max lot size (acres)", noun="lot size", example="2", maximum=MAX_ACRES
    )
    min_year = LooseNumberField(
        label="Built after (year)", noun="year", example="1990", maximum=2100, max_length=6
    )
    max_year = LooseNumberField(
        label="Built before (year)", noun="year", example="2010", maximum=2100, max_length=6
    )
    garage = forms.TypedChoiceField(
        label="Garage spaces", choices=MIN_CHOICES[:5], required=False, coerce=int, empty_value=None
    )
    max_dom = LooseNumberField(
        label="Days on market (at most)", noun="number of days", example="30", maximum=MAX_DAYS
    )
    keywords = forms.CharField(
        label="Keywords in description",
        required=False,
        max_length=MAX_TEXT,
        widget=forms.TextInput(attrs={"placeholder": "pool, fireplace, water view"}),
    )
    open_house = forms.BooleanField(label="Open houses only", required=False)
    reduced = forms.BooleanField(label="Price reduced", required=False)
    new_days = forms.TypedChoiceField(
        label="New on the market",
        choices=NEW_DAYS_CHOICES,
        required=False,
        coerce=int,
        empty_value=None,
    )
    sort = forms.ChoiceField(label="Sort by", choices=SORT_CHOICES, required=False)

    # The map: the visible box ("search this area") and a drawn shape.
    bbox = forms.CharField(required=False, max_length=200, widget=forms.HiddenInput)
    poly = forms.CharField(required=False, max_length=4000, widget=forms.HiddenInput)
    # Keyset cursor of the page; not part of the criteria.
    after = forms.CharField(required=False, max_length=120, widget=forms.HiddenInput)

    RANGE_PAIRS = [
        ("min_price", "max_price", "Minimum price is above maximum price."),
        ("min_sqft", "max_sqft", "Minimum living area is above maximum living area."),
        ("min_lot", "max_lot", "Minimum lot size is above maximum lot size."),
        ("min_year", "max_year", "“Built after” is later than “Built before”."),
    ]
    SIDE_FIELDS = [
        "min_sqft",
        "max_sqft",
        "min_lot",
        "max_lot",
        "min_year",
        "max_year",
        "garage",
        "max_dom",
        "keywords",
        "new_days",
        "open_house",
        "reduced",
    ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.ChoiceField):
                field.error_messages["invalid_choice"] = (
                    f"Choose {field.label.lower()} from the list."
                )

    def clean_q(self):
        return " ".join(self.cleaned_data["q"].split())

    def clean_keywords(self):
        return " ".join(self.cleaned_data["keywords"].split())

    def clean_bbox(self):
        text = self.cleaned_data["bbox"].strip()
        if not text:
            return None
        try:
            return search.parse_bbox(text)
        except ValueError as error:
            raise forms.ValidationError(f"The map area is not valid: {error}") from None

    def clean_poly(self):
        text = self.cleaned_data["poly"].strip()
        if not text:
            return None
        try:
            return search.parse_polygon(text)
        except ValueError as error:
            raise forms.ValidationError(f"The drawn shape is not valid: {error}") from None

    def clean(self):
        cleaned = super().clean()
        for low, high, message in self.RANGE_PAIRS:
            both = cleaned.get(low) is not None and cleaned.get(high) is not None
            if both and cleaned[low] > cleaned[high]:
                self.add_error(high, message)
        # The cursor belongs to a sort: one from another sort (or hand-edited) is ignored and the
        # page starts again from the top, with a word why, rather than failing.
        after = (cleaned.get("after") or "").strip()
        cleaned["after"] = None
        self.cursor_ignored = False
        if after:
            cursor = search.parse_cursor(after, sort=cleaned.get("sort") or search.DEFAULT_SORT)
            if cursor is None:
                self.cursor_ignored = True
            cleaned["after"] = cursor
        return cleaned

    @property
    def criteria(self) -> dict:
        """The cleaned search as JSON values, without empty fields and without the cursor."""
        return search.criteria_from_cleaned(self.cleaned_data)

    def side_fields(self):
        return [self[name] for name in self.SIDE_FIELDS]

    def side_filter_count(self) -> int:
        if not self.is_bound or not self.is_valid():
            return 0
        return sum(1 for name in self.SIDE_FIELDS if name in self.criteria)


class SaveSearchForm(forms.Form):
    """Save this search. ``contact`` choices are the agent's own contacts (scoped by the view)."""

    name = forms.CharField(label="Name this search", max_length=150)
    contact = forms.ModelChoiceField(
        label="For client",
        queryset=None,
        required=False,
        empty_label="Just me (no client)",
        error_messages={"invalid_choice": "Choose one of your own contacts."},
    )

    def __init__(self, *args, contacts=None, **kwargs):
        super().__init__(*args, **kwargs)
        if contacts is None:
            del self.fields["contact"]
        else:
            self.fields["contact"].queryset = contacts


class ReactionForm(forms.Form):
    # "clear" is how a second tap on the pressed button takes the reaction back.
    kind = forms.ChoiceField(choices=ListingReaction.Kind.choices + [("clear", "Clear")])


class CommentForm(forms.ModelForm):
    class Meta:
        model = ListingComment
        fields = ["body"]
        labels = {"body": "Add a comment"}
        error_messages = {"body": {"required": "Write something before posting."}}
        widgets = {
            "body": forms.Textarea(
                attrs={"rows": 3, "placeholder": "What do you like? Any questions?"}
            )
        }

    def clean_body(self):
        body = self.cleaned_data["body"].strip()
        if not body:
            raise forms.ValidationError("Write something before posting.")
        return body
