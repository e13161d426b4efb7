"""The school-holiday calendar seeded by migration 0002 (metropolitan zones A, B, C).

Source: the ministry's calendar (education.gouv.fr/calendrier-scolaire-100148) for 2025-2026,
cross-checked against public pages reproducing it (zone A: macommune.info, 19 August 2025; winter
zones A/B/C and spring zones A/B: professeurs-des-ecoles.com); zone C's spring dates (18 April →
4 May 2026) follow the same calendar but were not cross-checked. Dates are the days without
classes: the official "fin des cours" Saturday up to the day before "reprise des cours".

Not seeded, for want of a source I could verify offline: 2026-2027 (the arrêté fixing it), Corse
and the overseas académies, which set their own calendars. Operators add them with the admin or
the API (`PUT /api/holidays`), and `HolidayPeriod` takes any zone in `HolidayZone`."""

import datetime as dt

SOURCE = "education.gouv.fr/calendrier-scolaire-100148 (2025-2026)"
D = dt.date

ALL_ZONES = ("A", "B", "C")
CALENDAR_2025_2026: list[tuple[tuple[str, ...], str, dt.date, dt.date]] = [
    (ALL_ZONES, "Vacances de la Toussaint", D(2025, 10, 18), D(2025, 11, 2)),
    (ALL_ZONES, "Vacances de Noël", D(2025, 12, 20), D(2026, 1, 4)),
    (("A",), "Vacances d'hiver", D(2026, 2, 7), D(2026, 2, 22)),
    (("B",), "Vacances d'hiver", D(2026, 2, 14), D(2026, 3, 1)),
    (("C",), "Vacances d'hiver", D(2026, 2, 21), D(2026, 3, 8)),
    (("A",), "Vacances de printemps", D(2026, 4, 4), D(2026, 4, 19)),
    (("B",), "Vacances de printemps", D(2026, 4, 11), D(2026, 4, 26)),
    (("C",), "Vacances de printemps", D(2026, 4, 18), D(2026, 5, 3)),
    # No classes on Friday 15 and Saturday 16 May 2026 (all zones); Thursday 14 is Ascension.
    (ALL_ZONES, "Pont de l'Ascension", D(2026, 5, 14), D(2026, 5, 17)),
    (ALL_ZONES, "Vacances d'été", D(2026, 7, 4), D(2026, 8, 31)),
]


def rows():
    for zones, label, first, last in CALENDAR_2025_2026:
        for zone in zones:
            yield {
                "zone": zone,
                "school_year": "2025-2026",
                "label": label,
                "first_day": first,
                "last_day": last,
            }


def seed(HolidayPeriod) -> int:
    """Idempotent: (zone, first_day) is unique."""
    created = 0
    for row in rows():
        _obj, new = HolidayPeriod.objects.update_or_create(
            zone=row["zone"], first_day=row["first_day"], defaults={**row, "source": SOURCE}
        )
        created += new
    return created
