from django import forms
from django.utils.translation import gettext_lazy as _

from incentives import selectors
from incentives.models import Beneficiary, FundingLevel, SupportKind


def _with_all(choices):
    return [("", _("All")), *choices]


class CatalogueFilterForm(forms.Form):
    """The public catalogue's filters; every field optional, bad values are simply ignored.
    The lead bureaus offered are those of the chosen city: a bureau of another city is a bad
    value like any other."""

    q = forms.CharField(label=_("Search"), required=False, max_length=50)
    city = forms.ModelChoiceField(
        label=_("City"), queryset=None, required=False, empty_label=_("All")
    )
    bureau = forms.ModelChoiceField(
        label=_("Lead bureau"), queryset=None, required=False, empty_label=_("All")
    )
    support_kind = forms.ChoiceField(
        label=_("Kind of support"), choices=_with_all(SupportKind.choices), required=False
    )
    beneficiary = forms.ChoiceField(
        label=_("Who it is for"), choices=_with_all(Beneficiary.choices), required=False
    )
    state = forms.ChoiceField(
        label=_("Application"), choices=_with_all(selectors.ItemState.CHOICES), required=False
    )
    funding_level = forms.ChoiceField(
        label=_("Funding source"), choices=_with_all(FundingLevel.choices), required=False
    )
    examples = forms.BooleanField(label=_("Include example documents"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        examples = self.fields["examples"].clean(self._raw("examples"))
        self.fields["city"].queryset = selectors.catalogue_cities(examples=examples)
        self.fields["bureau"].queryset = selectors.catalogue_bureaus(
            city=self._chosen_city(), examples=examples
        )

    def _raw(self, name: str):
        return self.data.get(self.add_prefix(name)) if self.is_bound else None

    def _chosen_city(self):
        try:
            return self.fields["city"].clean(self._raw("city"))
        except forms.ValidationError:
            return None

    def filters(self) -> selectors.CatalogueFilters:
        if not self.is_valid():
            # Keep whatever parsed; a stale or mistyped value never breaks the page.
            data = {k: v for k, v in self.cleaned_data.items() if k not in self.errors}
        else:
            data = self.cleaned_data
        return selectors.CatalogueFilters(**{k: v for k, v in data.items() if v})
