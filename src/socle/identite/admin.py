"""Operators manage accounts and territorial grants here; the security log is read-only.

The admin's own login page is replaced by Identité's (password, then TOTP, which is mandatory
for staff), so that nobody reaches the admin with a password alone through it."""

from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.urls import reverse

from .models import Account, ExternalIdentity, SecurityEvent, TerritorialGrant, UserSession


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


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin):
    list_display = ["user", "kind", "state", "person_uid", "activated_at"]
    list_filter = ["kind", "state"]
    search_fields = ["user__username", "user__last_name", "person_uid"]
    readonly_fields = ["uid", "created_at", "updated_at", "activated_at", "password_changed_at"]
    raw_id_fields = ["user"]
    inlines = [TerritorialGrantInline, ExternalIdentityInline]

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
