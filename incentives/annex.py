"""Importing a task-division annex (重点任务责任分工) from a spreadsheet, with django-import-export.

One row per measure: 文件 (the document's number 文号, its title or its key), 任务, 措施 (the
measure's number), 牵头单位, 责任单位, 配合单位 (units separated by 、). A dry run shows what
would change, with bureau aliases resolved; unknown bureaus, unknown measures and repeated rows
are errors, and then nothing is saved.
"""

from __future__ import annotations

import re
from pathlib import Path

import tablib
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from import_export import fields, resources, widgets

from incentives import caching
from incentives.models import Assignment, AssignmentRole, Measure, PolicyDocument
from organisations.models import Bureau, BureauAlias

COLUMNS = {
    AssignmentRole.LEAD: "牵头单位",
    AssignmentRole.RESPONSIBLE: "责任单位",
    AssignmentRole.COOPERATE: "配合单位",
}
# Units are separated by 、 and the like, except inside brackets: 各县（市、区）政府 is one unit.
SEPARATORS = re.compile(r"[、，,;；/\n]+(?![^（(]*[）)])")


def split_units(text: str | None) -> list[str]:
    return [part.strip() for part in SEPARATORS.split(text or "") if part.strip()]


# 唐政发[2019]15号, 唐政发【2019】15号 and 唐政发(2019)15号 all mean 唐政发〔2019〕15号.
_BRACKETS = str.maketrans(
    {
        "[": "〔",
        "]": "〕",
        "【": "〔",
        "】": "〕",
        "(": "〔",
        ")": "〕",
        "（": "〔",
        "）": "〕",
        "［": "〔",
        "］": "〕",
        " ": None,
        "\u3000": None,
    }
)


def _normal(text: str) -> str:
    return text.strip().translate(_BRACKETS)


def find_document(value) -> PolicyDocument | None:
    """The document a 文件 cell names: by its number (文号), its title or its key."""
    text = _normal(str(value or ""))
    if not text:
        return None
    for document in PolicyDocument.objects.select_related("region").order_by("pk"):
        if text in (_normal(document.key), _normal(document.doc_number), _normal(document.title)):
            return document
    return None


class DocumentWidget(widgets.ForeignKeyWidget):
    """The 文件 cell: the document's number (唐政发〔2019〕15号), its title or its key."""

    def __init__(self):
        super().__init__(PolicyDocument, field="key")

    def clean(self, value, row=None, **kwargs):
        if not str(value or "").strip():
            raise ValueError(_("the 文件 column is empty: give the document's number (文号)"))
        document = find_document(value)
        if document is None:
            raise ValueError(
                _(
                    "no document “%(value)s” in the catalogue: give its number (文号, e.g. "
                    "唐政发〔2019〕15号) or its title"
                )
                % {"value": value}
            )
        return document

    def render(self, value, obj=None, **kwargs):
        # The number people know the document by (or its title); the import reads either back.
        return (value.doc_number or value.title) if value else ""


class BureauListWidget(widgets.Widget):
    """A cell listing units; each name or alias resolved among the bureaus of the row's city."""

    def __init__(self):
        super().__init__()
        self._by_city: dict[int, dict[str, Bureau]] = {}

    def _names(self, city_id: int) -> dict[str, Bureau]:
        if city_id not in self._by_city:
            names = {b.name: b for b in Bureau.objects.filter(city_id=city_id)}
            for alias in BureauAlias.objects.filter(city_id=city_id).select_related("bureau"):
                names.setdefault(alias.name, alias.bureau)
            self._by_city[city_id] = names
        return self._by_city[city_id]

    def clean(self, value, row=None, **kwargs):
        document = find_document((row or {}).get("文件"))
        if document is None:
            return []
        names = self._names(document.region_id)
        unknown = [name for name in split_units(value) if name not in names]
        if unknown:
            raise ValueError(
                _("unknown unit(s) in %(city)s: %(names)s — add them as bureaus or aliases first")
                % {"city": document.region.name, "names": "、".join(unknown)}
            )
        return [names[name] for name in split_units(value)]

    def render(self, value, obj=None, **kwargs):
        return "、".join(bureau.name for bureau in value or [])


class AnnexResource(resources.ModelResource):
    document = fields.Field(
        column_name="文件",
        attribute="document",
        widget=DocumentWidget(),
    )
    number = fields.Field(column_name="措施", attribute="number")
    lead = fields.Field(column_name="牵头单位", attribute="annex_lead", widget=BureauListWidget())
    responsible = fields.Field(
        column_name="责任单位", attribute="annex_responsible", widget=BureauListWidget()
    )
    cooperate = fields.Field(
        column_name="配合单位", attribute="annex_cooperate", widget=BureauListWidget()
    )

    class Meta:
        model = Measure
        fields = ("document", "number", "lead", "responsible", "cooperate")
        import_id_fields = ("document", "number")
        skip_unchanged = True
        report_skipped = True
        use_transactions = True
        clean_model_instances = False

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._seen: set[tuple[str, str]] = set()

    def import_instance(self, instance, row, **kwargs):
        """Errors keyed by the column's heading (牵头单位), not the attribute (annex_lead): the
        import page shows each beside its row."""
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as error:
            columns = {field.attribute: field.column_name for field in self.get_import_fields()}
            raise ValidationError(
                {columns.get(key, key): value for key, value in error.error_dict.items()}
            ) from error

    def before_import_row(self, row, **kwargs):
        document = find_document(row.get("文件"))
        key = (
            document.key if document else str(row.get("文件") or "").strip(),
            str(row.get("措施") or "").strip(),
        )
        if key in self._seen:
            raise ValueError(
                _("measure %(number)s of %(document)s appears in more than one row")
                % {"number": key[1], "document": key[0]}
            )
        self._seen.add(key)

    def init_instance(self, row=None):
        raise ValueError(
            _(
                "measure %(number)s is not in document %(document)s; the annex can only assign "
                "bureaus to measures the catalogue has"
            )
            % {"number": (row or {}).get("措施"), "document": (row or {}).get("文件")}
        )

    @staticmethod
    def current(measure: Measure, role: str) -> list[Bureau]:
        return [
            a.bureau
            for a in measure.assignments.filter(item__isnull=True, role=role)
            .select_related("bureau")
            .order_by("position")
        ]

    def _value(self, measure: Measure, role: str) -> list[Bureau]:
        pending = getattr(measure, f"annex_{role}", None)
        return pending if pending is not None else self.current(measure, role)

    def dehydrate_lead(self, measure):
        return "、".join(b.name for b in self._value(measure, AssignmentRole.LEAD))

    def dehydrate_responsible(self, measure):
        return "、".join(b.name for b in self._value(measure, AssignmentRole.RESPONSIBLE))

    def dehydrate_cooperate(self, measure):
        return "、".join(b.name for b in self._value(measure, AssignmentRole.COOPERATE))

    def skip_row(self, instance, original, row, import_validation_errors=None):
        if import_validation_errors:
            return False
        return all(
            [b.pk for b in self._value(instance, role)]
            == [b.pk for b in self.current(original, role)]
            for role in AssignmentRole.values
        )

    def after_save_instance(self, instance, row, **kwargs):
        for role in AssignmentRole.values:
            wanted = self._value(instance, role)
            Assignment.objects.filter(measure=instance, item__isnull=True, role=role).delete()
            Assignment.objects.bulk_create(
                Assignment(measure=instance, bureau=bureau, role=role, position=n)
                for n, bureau in enumerate(wanted)
            )
            caching.bump()  # bulk_create sends no signal


def read_dataset(path: Path) -> tablib.Dataset:
    if path.suffix.lower() == ".xlsx":
        return tablib.Dataset().load(path.read_bytes(), format="xlsx")
    return tablib.Dataset().load(path.read_text(encoding="utf-8-sig"), format="csv")


def annex_import(*, dataset: tablib.Dataset, dry_run: bool):
    """Import an annex; with ``dry_run`` nothing is kept. A result with errors saved nothing."""
    resource = AnnexResource()
    with transaction.atomic():
        result = resource.import_data(
            dataset, dry_run=dry_run, raise_errors=False, rollback_on_validation_errors=True
        )
        if result.has_errors() or result.has_validation_errors():
            transaction.set_rollback(True)
    return result
