"""Input for My Searches: renaming a saved search and keeping a previous one."""

import functools

from django import forms


class SearchNameForm(forms.Form):
    name = forms.CharField(
        label="Name",
        max_length=150,
        error_messages={
            "required": "Give the search a name.",
            "max_length": "Keep the name under 150 characters.",
        },
    )

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError("Give the search a name.")
        return name


class SavePreviousSearchForm(forms.Form):
    # Blank keeps the search's summary as its name.
    name = forms.CharField(label="Name", max_length=150, required=False)


HOUR_CHOICES = [(h, f"{(h % 12) or 12}:00 {'AM' if h < 12 else 'PM'}") for h in range(24)]
WEEKDAY_CHOICES = list(
    enumerate(["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"])
)


@functools.cache
def time_zone_choices() -> list[tuple[str, str]]:
    """Read from the time-zone database once per process (it costs ~40 ms from disk)."""
    import zoneinfo

    prefixes = ("America/", "Pacific/Honolulu", "Europe/", "UTC")
    zones = sorted(z for z in zoneinfo.available_timezones() if z.startswith(prefixes))
    return [("", "The agent's time zone")] + [(z, z) for z in zones]


class AlertSettingsForm(forms.Form):
    """How an automatic search alerts. The agent's version has every field; a client's only
    the timing and the change types (``for_client=True``)."""

    kind = forms.ChoiceField(
        label="Type",
        choices=[
            ("automatic", "Automatic — email new matches"),
            ("saved", "Saved — run on demand, no email"),
        ],
        initial="automatic",
        widget=forms.RadioSelect,
    )
    frequency = forms.ChoiceField(
        label="How often",
        choices=[
            ("asap", "As soon as possible (within 15 minutes)"),
            ("daily", "Once a day"),
            ("weekly", "Once a week"),
            ("monthly", "Once a month (on the 1st)"),
        ],
        initial="daily",
    )
    send_hour = forms.TypedChoiceField(
        label="At", choices=HOUR_CHOICES, coerce=int, initial=8, required=False, empty_value=8
    )
    send_weekday = forms.TypedChoiceField(
        label="On", choices=WEEKDAY_CHOICES, coerce=int, initial=0, required=False, empty_value=0
    )
    change_types = forms.TypedMultipleChoiceField(
        label="Alert me about",
        choices=[],  # set in __init__ from ChangeType
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one kind of change to hear about."},
    )
    first_send = forms.ChoiceField(
        label="To start",
        choices=[
            ("all", "Send all current matches once, then new ones"),
            ("new_only", "Only send new matches from now on"),
        ],
        initial="all",
        widget=forms.RadioSelect,
    )
    requires_screening = forms.BooleanField(
        label="Let me review matches before my client sees them", required=False
    )
    time_zone = forms.ChoiceField(label="Time zone", required=False, choices=[])

    def __init__(self, *args, for_client: bool = False, **kwargs):
        from .models import DEFAULT_CHANGE_TYPES, ChangeType

        initial = kwargs.setdefault("initial", {})
        if isinstance(initial.get("change_types"), int):
            mask = initial["change_types"]
            initial["change_types"] = [bit for bit in ChangeType.values if mask & bit]
        initial.setdefault(
            "change_types", [bit for bit in ChangeType.values if DEFAULT_CHANGE_TYPES & bit]
        )
        super().__init__(*args, **kwargs)
        self.fields["change_types"].choices = ChangeType.choices
        self.fields["time_zone"].choices = time_zone_choices()
        self.for_client = for_client
        if for_client:
            for name in ("kind", "first_send", "requires_screening", "time_zone"):
                del self.fields[name]

    def clean_change_types(self) -> int:
        return sum(set(self.cleaned_data["change_types"]))
