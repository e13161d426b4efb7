"""Operators manage accounts and territorial grants here; the security log is read-only.

The admin's own login page is replaced by Identité's (password, then TOTP, which is mandatory
for staff), so that nobody reaches the admin with a password alone through it."""

from django.contrib import admin, messages
from django.contrib.auth.views import redirect_to_login
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_otp.plugins.otp_totp.admin import TOTPDeviceAdmin
from django_otp.plugins.otp_totp.models import TOTPDevice

from .models import Account, ExternalIdentity, SecurityEvent, TerritorialGrant, UserSession
from .security import log_event


def _identite_login(request, extra_context=None):
    next_url = request.GET.get("next") or reverse("admin:index")
    return redirect_to_login(next_url, reverse("identite:login"))


admin.site.login = _identite_login


class TerritorialGrantInline(admin.TabularInline):
    model = TerritorialGrant
    extra = 0
    fields = ["kind", "code", "valid_until", "granted_by", "granted_at"]
    readonly_fields = ["granted_by", "granted_at"]


class ExternalIdentityInline(admin.TabularInline):
    model = ExternalIdentity
    extra = 0
    fields = ["provider", "linked_at", "last_used_at"]
    readonly_fields = fields
    can_delete = True


def reset_devices(request, user, devices) -> int:
    """Remove `devices` of `user` on an operator's explicit request, and say so in the security
    log (who, whose, how many): a second factor never disappears silently."""
    with transaction.atomic():
        count = devices.count()
        devices.delete()
    log_event(
        "totp_reset",
        request=request,
        user=user,
        details={"operator": request.user.get_username(), "devices": count},
    )
    return count


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin):
    list_display = ["user", "kind", "state", "person_uid", "activated_at"]
    list_filter = ["kind", "state"]
    search_fields = ["user__username", "user__last_name", "person_uid"]
    readonly_fields = ["uid", "created_at", "updated_at", "activated_at", "password_changed_at"]
    raw_id_fields = ["user"]
    inlines = [TerritorialGrantInline, ExternalIdentityInline]
    actions = ["reset_second_factor"]

    @admin.action(
        description=_("Reset the second factor (the person enrols a new application at the next login)"),
        permissions=["change"],
    )
    def reset_second_factor(self, request, queryset):
        """The support's answer to a lost phone, after checking the person's identity."""
        reset = 0
        for account in queryset.select_related("user"):
            reset_devices(request, account.user, TOTPDevice.objects.filter(user=account.user))
            reset += 1
        self.message_user(
            request,
            ngettext(
                "Second factor reset for %(count)d account (logged).",
                "Second factor reset for %(count)d accounts (logged).",
                reset,
            )
            % {"count": reset},
            messages.SUCCESS,
        )

    def save_formset(self, request, form, formset, change):
        instances = formset.save(commit=False)
        for instance in instances:
            if isinstance(instance, TerritorialGrant) and instance.granted_by_id is None:
                instance.granted_by = request.user
            instance.save()
        for deleted in formset.deleted_objects:
            deleted.delete()
        formset.save_m2m()


@admin.register(SecurityEvent)
class SecurityEventAdmin(admin.ModelAdmin):
    list_display = ["at", "kind", "user", "ip_address", "ip_pseudonym", "path"]
    list_filter = ["kind"]
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(UserSession)
class UserSessionAdmin(admin.ModelAdmin):
    list_display = ["user", "created_at", "last_seen_at", "second_factor", "revoked_at"]
    readonly_fields = [
        "user",
        "session_key_hash",
        "user_agent",
        "ip_pseudonym",
        "created_at",
        "last_seen_at",
        "second_factor",
    ]

    def has_add_permission(self, request):
        return False


class LoggedTOTPDeviceAdmin(TOTPDeviceAdmin):
    """django-otp's device admin, with every deletion in the security log."""

    def delete_model(self, request, obj):
        reset_devices(request, obj.user, TOTPDevice.objects.filter(pk=obj.pk))

    def delete_queryset(self, request, queryset):
        for device in queryset.select_related("user"):
            reset_devices(request, device.user, TOTPDevice.objects.filter(pk=device.pk))


if admin.site.is_registered(TOTPDevice):
    admin.site.unregister(TOTPDevice)
admin.site.register(TOTPDevice, LoggedTOTPDeviceAdmin)
