"""Forms of the user-interface shell. Templates render the DSFR markup themselves (label, hint,
error linked by aria-describedby); the forms only carry fields, validation and HTML attributes."""

from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _


class AccessibleErrorsMixin:
    """After validation, mark every invalid input with aria-invalid and link it to its error
    messages with aria-describedby (RGAA 11.10, WCAG 3.3.1). Field errors are rendered with the id
    `<auto_id>-error`; form-wide errors with the id `non_field_errors_id`, and they describe every
    input, since they concern all of them (e.g. "wrong username or password")."""

    non_field_errors_id = "form-errors"

    def full_clean(self):
        super().full_clean()
        if not self.is_bound:
            return
        form_wide = bool(self.non_field_errors())
        for name, field in self.fields.items():
            described_by = []
            if name in self.errors:
                described_by.append(f"{self[name].auto_id}-error")
            if form_wide:
                described_by.append(self.non_field_errors_id)
            if described_by:
                field.widget.attrs.update(
                    {"aria-invalid": "true", "aria-describedby": " ".join(described_by)}
                )


class LoginForm(AccessibleErrorsMixin, AuthenticationForm):
    """Django's authentication form with the autocomplete tokens WCAG 1.3.5 asks for."""

    non_field_errors_id = "login-errors"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("Username")
        self.fields["username"].widget.attrs.update(
            {"class": "fr-input", "autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"}
        )
        # No autofocus: it would skip the page's context and the skip links for screen-reader and
        # keyboard users (the first Tab must reach "Skip to content").
        self.fields["username"].widget.attrs.pop("autofocus", None)
        self.fields["password"].label = _("Password")
        self.fields["password"].widget.attrs.update({"class": "fr-input", "autocomplete": "current-password"})
