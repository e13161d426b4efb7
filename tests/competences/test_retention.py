"""The retention rule, encoded: results of persons who left the registry go; profiles are kept
until the end of their school year + 2 school years, 6e parcours and certifications + 1."""

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from socle.competences import retention, services
from socle.competences.models import Certification, ParcoursCompletion, PixPlusEdu, PixProfile, Source

from .conftest import LEA, class_profiles

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 12, 7)  # school year 2026-2027


def at(day):
    return dt.datetime.combine(day, dt.time(12), tzinfo=dt.UTC)


def test_cutoffs_follow_school_years():
    assert retention.school_year_end(dt.date(2026, 12, 7)) == dt.date(2027, 8, 31)
    assert retention.school_year_end(dt.date(2026, 8, 31)) == dt.date(2026, 8, 31)
    assert retention.cutoff(TODAY, 2) == dt.date(2024, 8, 31)  # 2023-2024 and before go
    assert retention.cutoff(TODAY, 1) == dt.date(2025, 8, 31)


def test_purge_applies_each_rule(cw):
    today = timezone.localdate()  # the command purges as of today
    y0 = retention.school_year_end(today).year - 1  # this school year is y0-(y0+1)
    class_profiles(cw)
    lea, zoe, jade = (str(cw.persons[k].uid) for k in ("lea", "zoe", "jade"))
    PixProfile.objects.filter(person_uid=zoe).update(shared_at=at(dt.date(y0 - 2, 3, 1)))  # 3 years ago: goes
    PixProfile.objects.filter(person_uid=jade).update(shared_at=at(dt.date(y0, 3, 1)))  # last year: stays
    services.record_parcours(
        lea, 1, completed_at=at(dt.date(2025, 5, 1)), source=Source.DEMO
    )  # 2024-25: goes
    services.record_parcours(lea, 2, completed_at=at(dt.date(y0, 10, 1)), source=Source.DEMO)  # this year
    services.record_certification(
        zoe,
        certified_at=dt.date(2025, 3, 1),
        pix_score=200,
        palier="Novice 2",
        status="validated",
        source=Source.DEMO,
    )
    services.record_pix_plus_edu(
        str(cw.persons["martin"].uid),
        level="initie",
        degree="2d",
        obtained_at=dt.date(2020, 1, 1),
        source=Source.DEMO,
    )
    cw.persons["hugo"].status = "tobedeleted"
    cw.persons["hugo"].save()
    dry = retention.purge(today, dry_run=True)
    assert (dry.profiles, dry.parcours, dry.certifications) == (1, 1, 1)
    assert dry.departed["PixProfile"] == 1  # Hugo
    assert PixProfile.objects.count() == 7
    out = io.StringIO()
    call_command("competences_purge", stdout=out)
    kept = set(map(str, PixProfile.objects.values_list("person_uid", flat=True)))
    assert zoe not in kept and str(cw.persons["hugo"].uid) not in kept and {lea, jade} <= kept
    assert list(ParcoursCompletion.objects.values_list("parcours", flat=True)) == [2]
    assert not Certification.objects.exists()
    assert PixPlusEdu.objects.count() == 1  # the teacher is still in the registry
    assert "deleted 1 profile(s), 1 6e parcours, 1 certification(s) past retention" in out.getvalue()
    assert LEA  # Léa's profile (this school year) is kept whole
    assert PixProfile.objects.get(person_uid=lea).level_of("3.1") == 4
