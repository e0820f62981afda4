"""Forms of official lists: they check shape; the services decide."""

from django import forms
from django.utils.translation import gettext_lazy as _

from official_lists.reading import MAX_BYTES
from portal.validators import validate_plain_text


class ListUploadForm(forms.Form):
    title = forms.CharField(
        label=_("Title of the list"),
        max_length=120,
        validators=[validate_plain_text],
        help_text=_("As published, e.g. 河北省2026年第一批高新技术企业名单"),
    )
    batch = forms.CharField(
        label=_("Batch or document number (批次/文号)"),
        max_length=70,
        validators=[validate_plain_text],
        help_text=_("e.g. 冀科高〔2026〕3号; it is recorded as the source of every qualification."),
    )
    file = forms.FileField(
        label=_("File (.xlsx or .csv)"),
        help_text=_(
            "First row: 统一社会信用代码, 企业名称, 资质, 层级, 认定日期, 证书编号, 批次/文号 "
            "(有效期至 optional). CSV in UTF-8 or GBK. At most 5 MB and 10,000 rows."
        ),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than 5 MB."))
        return upload


class ListWithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("Why is the list withdrawn?"),
        max_length=1000,
        validators=[validate_plain_text],
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Recorded with the withdrawal and sent to enterprises whose offer is withdrawn."
        ),
    )
