from django import forms


class ListingFilterForm(forms.Form):
    city = forms.CharField(required=False, max_length=100)
