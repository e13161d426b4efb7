from django.contrib import admin

from .models import ApiToken, ImportRejection, ImportRun


class ImportRejectionInline(admin.TabularInline):
    model = ImportRejection
    extra = 0
    can_delete = False
    readonly_fields = ["file", "line", "field", "value", "reason"]


@admin.register(ImportRun)
class ImportRunAdmin(admin.ModelAdmin):
    list_display = ["kind", "source_name", "actor_label", "started_at", "finished_at", "outcome"]
    list_filter = ["kind", "outcome"]
    readonly_fields = [f.name for f in ImportRun._meta.fields]
    inlines = [ImportRejectionInline]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "prefix", "scopes", "created_at", "expires_at", "last_used_at", "is_active"]
    readonly_fields = ["prefix", "digest", "created_at", "last_used_at"]
