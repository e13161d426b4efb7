"""Django admin for operators: search and correct registry records. Every change made here is
recorded by django-auditlog with the operator as actor."""

from django.contrib import admin

from . import models


@admin.register(models.RegionAcademique)
class RegionAcademiqueAdmin(admin.ModelAdmin):
    list_display = ["code", "name"]


@admin.register(models.Academie)
class AcademieAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "region"]
    list_filter = ["region"]


@admin.register(models.Departement)
class DepartementAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "academie"]
    list_filter = ["academie"]
    search_fields = ["code", "name"]


@admin.register(models.Commune)
class CommuneAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "departement"]
    search_fields = ["code", "name"]
    list_select_related = ["departement"]


@admin.register(models.Etablissement)
class EtablissementAdmin(admin.ModelAdmin):
    list_display = ["uai", "name", "type", "sector", "state", "departement", "collectivite_type", "status"]
    list_filter = ["type", "sector", "state", "education_prioritaire", "academie", "status", "source"]
    search_fields = ["uai", "name"]
    list_select_related = ["departement"]
    raw_id_fields = ["commune"]
    readonly_fields = ["uid", "date_last_modified"]


@admin.register(models.SchoolYear)
class SchoolYearAdmin(admin.ModelAdmin):
    list_display = ["code", "start_date", "end_date", "is_current"]


@admin.register(models.Period)
class PeriodAdmin(admin.ModelAdmin):
    list_display = ["name", "school_year", "etablissement", "start_date", "end_date"]
    raw_id_fields = ["etablissement"]


@admin.register(models.Mef)
class MefAdmin(admin.ModelAdmin):
    list_display = ["code", "label", "level"]
    search_fields = ["code", "label"]


@admin.register(models.Matiere)
class MatiereAdmin(admin.ModelAdmin):
    list_display = ["code", "short_label", "label"]
    search_fields = ["code", "label"]


@admin.register(models.Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ["last_name", "first_name", "status", "source", "date_last_modified"]
    list_filter = ["status", "source"]
    # No search on INE or birth date: operators look people up by name and school.
    search_fields = ["last_name", "first_name"]
    readonly_fields = ["uid", "date_last_modified"]
    show_full_result_count = False


@admin.register(models.ClassGroup)
class ClassGroupAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "kind", "level", "etablissement", "school_year"]
    list_filter = ["kind", "level", "school_year"]
    search_fields = ["etablissement__uai", "code"]
    raw_id_fields = ["etablissement", "mef"]


class _LinkAdmin(admin.ModelAdmin):
    list_display = ["__str__", "begin_date", "end_date", "status"]
    list_filter = ["status"]
    show_full_result_count = False


@admin.register(models.Enrolment)
class EnrolmentAdmin(_LinkAdmin):
    raw_id_fields = ["person", "class_group"]


@admin.register(models.TeachingAssignment)
class TeachingAssignmentAdmin(_LinkAdmin):
    raw_id_fields = ["person", "class_group"]


@admin.register(models.StaffFunction)
class StaffFunctionAdmin(_LinkAdmin):
    raw_id_fields = ["person", "etablissement"]
    list_filter = ["role", "status"]


@admin.register(models.Guardianship)
class GuardianshipAdmin(_LinkAdmin):
    raw_id_fields = ["guardian", "pupil"]
