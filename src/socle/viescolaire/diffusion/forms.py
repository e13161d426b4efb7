"""The head's quiet-hours settings form. Bounds are checked by services.validate_school_settings,
whose messages are attached to the fields."""

from django import forms
from django.utils.translation import gettext_lazy as _

from socle.core.forms import AccessibleErrorsMixin

from .models import HolidayZone, SchoolSettings


class SchoolSettingsForm(AccessibleErrorsMixin, forms.ModelForm):
    class Meta:
        model = SchoolSettings
        fields = [
            "evening_start",
            "morning_end",
            "holiday_zone",
            "quiet_during_holidays",
            "guardian_marks_delay_hours",
        ]
        widgets = {
            "evening_start": forms.TimeInput(format="%H:%M", attrs={"class": "fr-input", "type": "time"}),
            "morning_end": forms.TimeInput(format="%H:%M", attrs={"class": "fr-input", "type": "time"}),
            "holiday_zone": forms.Select(attrs={"class": "fr-select"}),
            "guardian_marks_delay_hours": forms.NumberInput(attrs={"class": "fr-input", "min": 0}),
        }
        labels = {
            "evening_start": _("Quiet hours start (evening)"),
            "morning_end": _("Quiet hours end (morning)"),
            "holiday_zone": _("School-holiday zone"),
            "quiet_during_holidays": _("Keep school holidays quiet"),
            "guardian_marks_delay_hours": _("Delay before guardians see marks (hours)"),
        }
        help_texts = {
            "evening_start": _("Format HH:MM. Default 20:00, also on Friday evening."),
            "morning_end": _("Format HH:MM. Default 07:00, on Monday after the weekend."),
            "holiday_zone": _("Zone of the ministry's calendar; empty: no holidays."),
            "guardian_marks_delay_hours": _("Counted from the pupils' release; 24 hours by default."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["holiday_zone"].choices = [("", _("No zone")), *HolidayZone.choices]
