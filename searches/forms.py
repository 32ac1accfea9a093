"""Input for My Searches: renaming a saved search and keeping a previous one."""

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
