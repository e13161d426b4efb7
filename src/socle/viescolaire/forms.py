"""Forms of the Vie scolaire pages. They carry fields and HTML attributes; the rules (who may
write to whom, quiet hours, mark bounds) are in services.py and the diffusion brick."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from socle.core.forms import AccessibleErrorsMixin

from .models import MarkStatus


class ComposeForm(AccessibleErrorsMixin, forms.Form):
    recipients = forms.MultipleChoiceField(
        label=_("Recipients"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    person = forms.ChoiceField(
        label=_("Or one person"),
        required=False,
        widget=forms.Select(attrs={"class": "fr-select"}),
    )
    subject = forms.CharField(
        label=pgettext_lazy("message", "Subject"),
        max_length=200,
        widget=forms.TextInput(attrs={"class": "fr-input"}),
    )
    body = forms.CharField(label=_("Message"), widget=forms.Textarea(attrs={"class": "fr-input", "rows": 8}))
    urgent = forms.BooleanField(
        label=_("Urgent: deliver at once, even during the quiet hours"),
        required=False,
        help_text=_("Head and deputy only. The send is logged with its reason."),
    )
    urgency_reason = forms.CharField(
        label=_("Reason for the urgent send"),
        required=False,
        max_length=300,
        widget=forms.TextInput(attrs={"class": "fr-input"}),
    )

    def __init__(self, *args, audiences=(), persons=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["recipients"].choices = [(a.key, a.label) for a in audiences]
        self.fields["person"].choices = [("", _("Nobody")), *persons]

    def clean(self):
        data = super().clean()
        if not data.get("recipients") and not data.get("person"):
            raise forms.ValidationError(_("Choose at least one recipient."))
        return data

    def audience_keys(self) -> list[str]:
        keys = list(self.cleaned_data.get("recipients") or [])
        if self.cleaned_data.get("person"):
            keys.append(f"person:{self.cleaned_data['person']}")
        return keys


class ReplyForm(AccessibleErrorsMixin, forms.Form):
    body = forms.CharField(
        label=_("Your reply"), widget=forms.Textarea(attrs={"class": "fr-input", "rows": 5})
    )


class HomeworkForm(AccessibleErrorsMixin, forms.Form):
    teaching = forms.ChoiceField(
        label=_("Class and subject"), widget=forms.Select(attrs={"class": "fr-select"})
    )
    title = forms.CharField(
        label=_("Title"), max_length=200, widget=forms.TextInput(attrs={"class": "fr-input"})
    )
    description = forms.CharField(
        label=_("Instructions"), required=False, widget=forms.Textarea(attrs={"class": "fr-input", "rows": 5})
    )
    due_date = forms.DateField(
        label=_("Due date"),
        help_text=_("Format: YYYY-MM-DD"),
        widget=forms.DateInput(attrs={"class": "fr-input", "type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args, teachings=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["teaching"].choices = [
            (f"{t.class_uid}|{t.subject_code}", f"{t.class_name} — {t.subject_label}") for t in teachings
        ]


class EvaluationForm(AccessibleErrorsMixin, forms.Form):
    teaching = forms.ChoiceField(
        label=_("Class and subject"), widget=forms.Select(attrs={"class": "fr-select"})
    )
    title = forms.CharField(
        label=_("Title"), max_length=200, widget=forms.TextInput(attrs={"class": "fr-input"})
    )
    date = forms.DateField(
        label=_("Date"),
        help_text=_("Format: YYYY-MM-DD"),
        widget=forms.DateInput(attrs={"class": "fr-input", "type": "date"}, format="%Y-%m-%d"),
    )
    scale = forms.DecimalField(
        label=_("Out of"),
        initial=20,
        min_value=1,
        max_value=100,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"class": "fr-input"}),
    )
    coefficient = forms.DecimalField(
        label=_("Coefficient"),
        initial=1,
        min_value=0.01,
        max_value=99,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"class": "fr-input", "step": "0.5"}),
    )

    def __init__(self, *args, teachings=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["teaching"].choices = [
            (f"{t.class_uid}|{t.subject_code}", f"{t.class_name} — {t.subject_label}") for t in teachings
        ]


MARK_STATUS_CHOICES = [("", _("Marked")), (MarkStatus.ABSENT, _("Absent")), (MarkStatus.EXEMPT, _("Exempt"))]
