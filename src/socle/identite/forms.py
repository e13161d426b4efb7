"""Identité's forms. Labels and hints in French through gettext; DSFR classes and the
autocomplete tokens WCAG 1.3.5 asks for; errors linked to inputs by AccessibleErrorsMixin."""

from django import forms
from django.contrib.auth.forms import PasswordChangeForm as DjangoPasswordChangeForm
from django.utils.translation import gettext_lazy as _

from socle.core.forms import AccessibleErrorsMixin as CoreAccessibleErrorsMixin

from . import passwords


class AccessibleErrorsMixin(CoreAccessibleErrorsMixin):
    """The core mixin, also for errors added after validation (`form.add_error` in a view, e.g.
    "wrong login or password"): the inputs are marked again."""

    def add_error(self, field, error):
        super().add_error(field, error)
        if getattr(self, "cleaned_data", None) is None:
            return
        form_wide = bool(self.non_field_errors())
        for name, form_field in self.fields.items():
            described_by = []
            if name in self.errors:
                described_by.append(f"{self[name].auto_id}-error")
            if form_wide:
                described_by.append(self.non_field_errors_id)
            if described_by:
                form_field.widget.attrs.update(
                    {"aria-invalid": "true", "aria-describedby": " ".join(described_by)}
                )


def _input(autocomplete: str, **extra) -> dict:
    return {"class": "fr-input", "autocomplete": autocomplete, **extra}


class LoginForm(AccessibleErrorsMixin, forms.Form):
    non_field_errors_id = "form-errors"
    username = forms.CharField(
        label=_("Login"),
        max_length=150,
        widget=forms.TextInput(attrs=_input("username", autocapitalize="none", spellcheck="false")),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        max_length=4096,
        widget=forms.PasswordInput(attrs=_input("current-password")),
    )


class TotpForm(AccessibleErrorsMixin, forms.Form):
    non_field_errors_id = "form-errors"
    token = forms.RegexField(
        label=_("6-digit code"),
        help_text=_("Shown by your authenticator application, e.g. 123456."),
        regex=r"^\s*\d{6}\s*$",
        error_messages={"invalid": _("Enter the 6 digits shown by your application.")},
        widget=forms.TextInput(attrs=_input("one-time-code", inputmode="numeric", maxlength="7")),
    )

    def clean_token(self):
        return self.cleaned_data["token"].strip()


class TotpEnrolForm(TotpForm):
    """The code of the new device; when a device is already confirmed, also the code of the
    current one: replacing a second factor needs that factor (a stolen session is not enough)."""

    current_token = forms.RegexField(
        label=_("Code of your current application"),
        help_text=_("The code your current authenticator application shows, e.g. 123456."),
        regex=r"^\s*\d{6}\s*$",
        required=False,
        error_messages={"invalid": _("Enter the 6 digits shown by your application.")},
        widget=forms.TextInput(attrs=_input("one-time-code", inputmode="numeric", maxlength="7")),
    )
    field_order = ["current_token", "token"]

    def __init__(self, *args, replacing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.replacing = replacing
        if replacing:
            self.fields["current_token"].required = True
            self.fields["token"].label = _("Code of the new application")
        else:
            del self.fields["current_token"]

    def clean_current_token(self):
        return (self.cleaned_data.get("current_token") or "").strip()


class NewPasswordMixin(forms.Form):
    new_password1 = forms.CharField(
        label=_("New password"),
        strip=False,
        max_length=4096,
        help_text=_(
            "At least 12 characters. A sentence of several words is easy to remember and hard to guess."
        ),
        widget=forms.PasswordInput(attrs=_input("new-password")),
    )
    new_password2 = forms.CharField(
        label=_("New password (again)"),
        strip=False,
        max_length=4096,
        widget=forms.PasswordInput(attrs=_input("new-password")),
    )

    def check_password(self, user):
        """Validate the new password against the policy for `user` (None: without user attributes)."""
        p1, p2 = self.cleaned_data.get("new_password1"), self.cleaned_data.get("new_password2")
        if not p1 or not p2:
            return
        if p1 != p2:
            self.add_error("new_password2", _("The two passwords differ."))
            return
        try:
            passwords.validate(p1, user)
        except forms.ValidationError as error:
            self.add_error("new_password1", error)


class CodeForm(AccessibleErrorsMixin, NewPasswordMixin):
    """Login + one-time code + new password (activation and reset)."""

    non_field_errors_id = "form-errors"
    field_order = ["username", "code", "new_password1", "new_password2"]
    username = forms.CharField(
        label=_("Login"),
        max_length=150,
        help_text=_("As written on your letter or in the message you received."),
        widget=forms.TextInput(attrs=_input("username", autocapitalize="none", spellcheck="false")),
    )
    code = forms.CharField(
        label=_("Code"),
        max_length=40,
        help_text=_("Dashes and spaces do not matter, e.g. ABCD-EFGH-JKMN-PQRS."),
        widget=forms.TextInput(
            attrs=_input("one-time-code", autocapitalize="characters", spellcheck="false")
        ),
    )


class ContactForm(AccessibleErrorsMixin, forms.Form):
    """Guardian self-activation: the e-mail or mobile number the school knows."""

    non_field_errors_id = "form-errors"
    contact = forms.CharField(
        label=_("E-mail address or mobile phone number"),
        max_length=200,
        help_text=_("The one you gave to the school, e.g. nom@exemple.fr or 06 12 34 56 78."),
        widget=forms.TextInput(attrs=_input("email", spellcheck="false")),
    )


class ResetRequestForm(AccessibleErrorsMixin, forms.Form):
    non_field_errors_id = "form-errors"
    username = forms.CharField(
        label=_("Login"),
        max_length=150,
        widget=forms.TextInput(attrs=_input("username", autocapitalize="none", spellcheck="false")),
    )


class PasswordChangeForm(AccessibleErrorsMixin, DjangoPasswordChangeForm):
    non_field_errors_id = "form-errors"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["old_password"].widget.attrs.update(_input("current-password"))
        self.fields["new_password1"].widget.attrs.update(_input("new-password"))
        self.fields["new_password2"].widget.attrs.update(_input("new-password"))
        self.fields["new_password1"].help_text = NewPasswordMixin.base_fields["new_password1"].help_text

    def clean(self):
        cleaned = super().clean()
        problem = passwords.french_common_problem(cleaned.get("new_password1") or "")
        if problem and "new_password1" not in self.errors:
            self.add_error("new_password1", forms.ValidationError(problem, code="password_too_common"))
        return cleaned
