"""Read-only admin views: declarations are changed by declaring again (history), and the access
log is evidence, so neither is editable here."""

from django.contrib import admin

from .models import Declaration, IndicatorAccess


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Declaration)
class DeclarationAdmin(ReadOnly):
    list_display = ("uai", "vintage", "kind", "declared_at", "declared_by_name", "source")
    list_filter = ("kind", "source", "vintage")
    search_fields = ("uai", "declared_by_name")


@admin.register(IndicatorAccess)
class IndicatorAccessAdmin(ReadOnly):
    list_display = ("at", "username", "token_name", "channel", "what", "level", "code")
    list_filter = ("channel", "what", "level")
    search_fields = ("username", "token_name", "code")
