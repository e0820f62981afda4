from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from dashboard.models import IndexIndicator
from organisations.models import Bureau, Region
from portal import uploads
from portal.params import query_id
from portal.validators import validate_plain_text


class DashboardFilterForm(forms.Form):
    """City, year and bureau; what the form cannot read is ignored, not an error page."""

    city = forms.ModelChoiceField(
        label=_("City"),
        queryset=Region.objects.filter(level=Region.Level.CITY).order_by("code"),
        required=False,
        empty_label=_("All cities"),
    )
    year = forms.TypedChoiceField(label=_("Year"), coerce=int, required=False)
    bureau = forms.ModelChoiceField(
        label=_("Bureau"),
        queryset=Bureau.objects.select_related("city").order_by("city__code", "name"),
        required=False,
        empty_label=_("All bureaus"),
    )

    def __init__(self, *args, years, with_bureau=True, city_required=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [(y, str(y)) for y in years]
        if not with_bureau:
            del self.fields["bureau"]
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-select"
        if city_required:
            self.fields["city"].required = True
            self.fields["city"].empty_label = None
        city_id = query_id(self.data.get("city")) if self.is_bound else None
        if with_bureau and city_id:
            self.fields["bureau"].queryset = self.fields["bureau"].queryset.filter(city_id=city_id)

    def values(self, *, default_year, default_city=None) -> dict:
        """The filters that are valid; anything else falls back to its default."""
        self.is_valid()
        clean = getattr(self, "cleaned_data", {})  # the fields that were valid
        values = {
            "city": clean.get("city") or default_city,
            "year": clean.get("year") or default_year,
            "bureau": clean.get("bureau") if "bureau" in self.fields else None,
        }
        if not self.is_bound:  # show the defaults the page uses
            self.initial.update({k: v for k, v in values.items() if v is not None})
        return values

    @property
    def ignored(self) -> list[str]:
        """Labels of the filters that could not be read and were left at their default."""
        return [
            str(self.fields[name].label)
            for name in self.errors
            if name in self.fields and self.data.get(name) not in (None, "")
        ]


class TargetFigureForm(forms.Form):
    year = forms.TypedChoiceField(label=_("Year"), coerce=int)
    value = forms.DecimalField(
        label=_("Figure"),
        max_digits=14,
        decimal_places=2,
        min_value=Decimal(0),
    )
    source = forms.CharField(
        label=_("Where the figure comes from"),
        max_length=200,
        validators=[validate_plain_text],
        help_text=_("For example: 2025年技术市场登记统计（市科技局）"),
    )

    def __init__(self, *args, years, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [(y, str(y)) for y in years]


class DistrictFiguresForm(forms.Form):
    """One field per indicator (per unit kind for per-unit indicators), built from the scheme."""

    def __init__(self, *args, indicators, figures, **kwargs):
        super().__init__(*args, **kwargs)
        self.indicators = []
        for indicator in indicators:
            if indicator.portal_source:
                continue
            figure = figures.get(indicator.pk)
            names = []
            if indicator.method == IndexIndicator.Method.PER_UNIT:
                for n, unit in enumerate(indicator.units):
                    name = f"i{indicator.pk}_u{n}"
                    assessed = unit.get("points") is None
                    self.fields[name] = forms.DecimalField(
                        label=unit["what"],
                        required=False,
                        min_value=Decimal(0),
                        max_value=indicator.weight if assessed else Decimal(9999),
                        decimal_places=2 if assessed else 0,
                        max_digits=6,
                        help_text=_("points given")
                        if assessed
                        else _("%(points)s points each") % {"points": unit["points"]},
                        initial=(figure.counts.get(unit["what"]) if figure else None),
                    )
                    names.append((name, unit["what"]))
            else:
                name = f"i{indicator.pk}"
                self.fields[name] = forms.DecimalField(
                    label=indicator.name,
                    required=False,
                    min_value=Decimal(0),
                    max_value=indicator.weight
                    if indicator.method == IndexIndicator.Method.ASSESSED
                    else Decimal("999999999999"),
                    max_digits=16,
                    decimal_places=4,
                    help_text=indicator.unit,
                    initial=figure.value if figure else None,
                )
                names.append((name, None))
            self.indicators.append((indicator, names))

    def entries(self):
        """(indicator, value, counts) for the service, from the cleaned data."""
        out = []
        for indicator, names in self.indicators:
            if indicator.method == IndexIndicator.Method.PER_UNIT:
                counts = {
                    what: self.cleaned_data[name]
                    for name, what in names
                    if self.cleaned_data.get(name) not in (None, Decimal(0))
                }
                out.append((indicator, None, counts))
            else:
                out.append((indicator, self.cleaned_data.get(names[0][0]), None))
        return out


class FiguresImportForm(forms.Form):
    city = forms.ModelChoiceField(
        label=_("City"),
        queryset=Region.objects.filter(level=Region.Level.CITY).order_by("code"),
        empty_label=None,
    )
    file = forms.FileField(
        label=_("Excel file (.xlsx)"),
        help_text=_(
            "In the layout of the template; at most 5 MB. "
            "Nothing is saved unless every row is right."
        ),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        try:  # by content, with the archive guards of the attachments (zip bombs, nesting)
            info = uploads.inspect_upload(upload, max_size=5 * 1024 * 1024)
        except uploads.UploadRefused as refused:
            raise forms.ValidationError(refused.message, code=refused.code) from refused
        if info.kind != "xlsx":
            raise forms.ValidationError(_("Please upload an Excel workbook (.xlsx)."))
        return upload
