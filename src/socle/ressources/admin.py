"""Django admin for operators: providers (members, API tokens), vocabulary terms, and a
read-only view of notices and their decisions (the workflow itself goes through the pages/API)."""

from django.contrib import admin

from .models import Decision, Provider, Resource, VocabularyTerm


@admin.register(Provider)
class ProviderAdmin(admin.ModelAdmin):
    list_display = ("name", "distributor_code", "siren", "nature")
    search_fields = ("name", "distributor_code", "siren")
    filter_horizontal = ("members", "api_tokens")


@admin.register(VocabularyTerm)
class VocabularyTermAdmin(admin.ModelAdmin):
    list_display = ("label", "vocabulary", "code", "uri")
    list_filter = ("vocabulary",)
    search_fields = ("label", "code")


class DecisionInline(admin.TabularInline):
    model = Decision
    extra = 0
    can_delete = False
    readonly_fields = ("kind", "by_name", "at", "reasons", "checklist", "approved_attributes")
    exclude = ("by",)

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Resource)
class ResourceAdmin(admin.ModelAdmin):
    list_display = ("title", "ark", "provider", "status")
    list_filter = ("status", "provider", "sso_protocol")
    search_fields = ("title", "ark")
    inlines = [DecisionInline]

    def has_delete_permission(self, request, obj=None):
        # Subscriptions and assignments refer to notices by ark: a notice is never deleted.
        return False

    def get_readonly_fields(self, request, obj=None):
        # Status and approved attributes change only through the qualification workflow.
        return [f.name for f in self.model._meta.fields]
