"""Operators manage agreements and read the access log (read-only) in the Django admin."""

from django.contrib import admin

from .models import AccessLogEntry, Agreement


@admin.register(Agreement)
class AgreementAdmin(admin.ModelAdmin):
    list_display = ["name", "consumer_kind", "legal_basis", "expires_on", "is_active", "client_id"]
    list_filter = ["consumer_kind", "legal_basis", "is_active"]
    search_fields = ["name", "reference", "contact_email", "client_id"]
    readonly_fields = ["client_secret_digest", "created_at"]


@admin.register(AccessLogEntry)
class AccessLogEntryAdmin(admin.ModelAdmin):
    list_display = ["at", "consumer_label", "channel", "operation", "record_count", "granted"]
    list_filter = ["channel", "granted", "agreement"]
    search_fields = ["consumer_label", "operation"]
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
