"""The declaration forms (equipment, Pix) and the CSV upload form."""

from django import forms
from django.utils.translation import gettext_lazy as _

from socle.core.forms import AccessibleErrorsMixin

from . import services
from .models import EQUIPMENT_FIELDS, MAX_COUNT, PIX_FIELDS, BandwidthClass, Declaration, DeclarationKind

YES_NO = [("", _("— choose —")), ("true", _("yes")), ("false", _("no"))]
HELP = {
    "computers_pupils": _("Desktop and laptop computers for pupils' use, mobile sets excluded."),
    "projection_systems": _("Video projectors, interactive whiteboards and screens."),
    "mobile_device_sets": _("Mobile class sets (10 to 15 terminals per 4 classes in the école socle)."),
    "teaching_rooms_wifi": _("At most the number of teaching rooms."),
    "wifi_switchable": _("The Wi-Fi of the classrooms can be switched off."),
}


def vintage_choices():
    current = services.current_vintage()
    start = int(current[:4])
    return [(f"{year}-{year + 1}", f"{year}-{year + 1}") for year in range(start, start - 3, -1)]


class DeclarationForm(AccessibleErrorsMixin, forms.Form):
    kind: str = ""
    names: tuple[str, ...] = ()

    def __init__(self, *args, school=None, **kwargs):
        super().__init__(*args, **kwargs)
        # The declared school: its Référentiel populations bound the Pix counts.
        self.school = school
        self.fields["vintage"] = forms.ChoiceField(
            label=_("School year"),
            choices=vintage_choices(),
            widget=forms.Select(attrs={"class": "fr-select"}),
        )
        for name in self.names:
            model_field = Declaration._meta.get_field(name)
            label = model_field.verbose_name
            label = label[:1].upper() + label[1:]
            required = name in services.REQUIRED_FIELDS[self.kind]
            if name in services.BOOLEAN_FIELDS:
                field = forms.TypedChoiceField(
                    label=label,
                    choices=YES_NO,
                    coerce=lambda value: value == "true",
                    empty_value=None,
                    required=required,
                    widget=forms.Select(attrs={"class": "fr-select"}),
                )
            elif name in services.CHOICE_FIELDS:
                field = forms.ChoiceField(
                    label=label,
                    choices=[("", _("— choose —")), *BandwidthClass.choices],
                    required=required,
                    widget=forms.Select(attrs={"class": "fr-select"}),
                )
            else:
                field = forms.IntegerField(
                    label=label,
                    min_value=0,
                    max_value=MAX_COUNT,
                    required=required,
                    widget=forms.NumberInput(attrs={"class": "fr-input", "inputmode": "numeric"}),
                )
            field.help_text = HELP.get(name, "")
            self.fields[name] = field

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        values = {name: data.get(name) for name in self.names}
        problems = services.cross_check(self.kind, values)
        if not problems and self.school is not None:
            problems = services.check_against_registry(self.school.uai, data["vintage"], self.kind, values)
        for problem in problems:
            self.add_error(problem.field, _("Expected %(expected)s.") % {"expected": problem.expected})
        return data

    def values(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in self.names}


class EquipmentForm(DeclarationForm):
    kind = DeclarationKind.EQUIPMENT
    names = EQUIPMENT_FIELDS


class PixForm(DeclarationForm):
    kind = DeclarationKind.PIX
    names = PIX_FIELDS


class CsvUploadForm(AccessibleErrorsMixin, forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_("UTF-8, separator ; or , with the header line of the template. 5 MB at most."),
        widget=forms.ClearableFileInput(attrs={"class": "fr-upload", "accept": ".csv,text/csv"}),
    )
