"""Response schemas of the Référentiel read API (v1).

Public identifiers only: `uid` (UUID) for tracked records, UAI for schools, INSEE / ministry codes
for territories; never database ids. Every tracked record carries `status` (`active` or
`tobedeleted`, OneRoster's vocabulary) and `date_last_modified` so that consumers can sync.

Fields documented as "scope referentiel:read:persons" are *absent* (not null) from responses to
tokens without that scope."""

from __future__ import annotations

import datetime as dt
import uuid

from ninja import Field, Schema

PERSONS = "Only with the referentiel:read:persons scope (absent otherwise)."


class Tracked(Schema):
    status: str = Field(description="`active` or `tobedeleted`")
    date_last_modified: dt.datetime = Field(description="Last change of this record (ISO 8601, UTC offset)")


# --- Territories -------------------------------------------------------------------------------
class RegionOut(Schema):
    code: str = Field(description="INSEE region code")
    name: str


class AcademieOut(Schema):
    code: str
    name: str
    region: str = Field(description="INSEE code of its région académique")


class DepartementOut(Schema):
    code: str = Field(description="INSEE département code (35, 2A, 971…)")
    name: str
    academie: str
    region: str


class RegionList(Schema):
    count: int
    items: list[RegionOut]


class AcademieList(Schema):
    count: int
    items: list[AcademieOut]


class DepartementList(Schema):
    count: int
    items: list[DepartementOut]


# --- Schools -----------------------------------------------------------------------------------
class CodeName(Schema):
    code: str
    name: str


class Collectivite(Schema):
    type: str = Field(description="commune, departement, region, or empty")
    code: str = Field(description="INSEE code of the owning collectivité")


class SchoolOut(Tracked):
    uid: uuid.UUID
    uai: str
    name: str
    type: str
    nature_code: str
    nature_label: str
    sector: str
    private_contract_code: str
    education_prioritaire: str = Field(description="REP, REP+ or empty")
    state: str
    opened_on: dt.date | None
    closed_on: dt.date | None
    region: str
    academie: str
    departement: str
    commune: CodeName | None
    circonscription: CodeName | None
    bassin: CodeName | None
    collectivite: Collectivite | None
    address: str
    postal_code: str
    phone: str
    email: str
    website: str
    latitude: float | None
    longitude: float | None
    ministry: str
    pupil_count: int | None


class SchoolPage(Schema):
    count: int = Field(description="Rows matching the filters (all pages)")
    next: str | None = Field(description="URL of the next page, null on the last page")
    items: list[SchoolOut]


# --- Classes -----------------------------------------------------------------------------------
class ClassOut(Tracked):
    uid: uuid.UUID
    code: str
    name: str
    kind: str = Field(description="division or groupe")
    level: str
    mef: str | None = Field(description="MEF code")
    school_uai: str
    school_year: str


class ClassPage(Schema):
    school_year: str | None = Field(description="The school year listed (default: the current one)")
    count: int
    next: str | None
    items: list[ClassOut]


class SubjectOut(Schema):
    code: str
    short_label: str
    label: str


class PupilOut(Tracked):
    uid: uuid.UUID
    first_name: str
    last_name: str
    level: str | None = Field(description="The pupil's level (of their division this school year)")
    ine: str | None = Field(None, description=PERSONS)
    birth_date: dt.date | None = Field(None, description=PERSONS)
    sex: str | None = Field(None, description="F or M. " + PERSONS)


class TeacherOut(Tracked):
    uid: uuid.UUID
    first_name: str
    last_name: str
    subjects: list[SubjectOut]


class MembersPage(Schema):
    class_: ClassOut = Field(alias="class")
    at: dt.date = Field(description="Date on which membership is evaluated")
    teachers: list[TeacherOut] = Field(
        description="Every current teacher (not paginated; the same on every page)"
    )
    count: int = Field(description="Pupils currently enrolled (all pages)")
    next: str | None
    pupils: list[PupilOut]


# --- People ------------------------------------------------------------------------------------
class PersonRef(Tracked):
    uid: uuid.UUID
    first_name: str
    last_name: str


class ContactPersonRef(PersonRef):
    email: str | None = Field(None, description=PERSONS)
    mobile_phone: str | None = Field(None, description=PERSONS)


class EnrolmentOut(Tracked):
    uid: uuid.UUID
    class_uid: uuid.UUID
    class_code: str
    class_name: str
    kind: str
    level: str
    school_uai: str
    school_year: str
    begin_date: dt.date
    end_date: dt.date | None


class FunctionOut(Tracked):
    uid: uuid.UUID
    school_uai: str
    role: str
    begin_date: dt.date
    end_date: dt.date | None


class TeachingOut(Tracked):
    uid: uuid.UUID
    class_uid: uuid.UUID
    class_code: str
    school_uai: str
    school_year: str
    subject: SubjectOut
    begin_date: dt.date
    end_date: dt.date | None


class GuardianOut(Tracked):
    uid: uuid.UUID = Field(description="The guardianship's uid")
    guardian: ContactPersonRef
    relationship: str
    legal_responsible: bool
    begin_date: dt.date | None
    end_date: dt.date | None


class WardOut(Tracked):
    uid: uuid.UUID = Field(description="The guardianship's uid")
    pupil: PersonRef
    relationship: str
    legal_responsible: bool
    begin_date: dt.date | None
    end_date: dt.date | None


class PersonOut(Tracked):
    uid: uuid.UUID
    first_name: str
    last_name: str
    ine: str | None = Field(None, description=PERSONS)
    birth_date: dt.date | None = Field(None, description=PERSONS)
    sex: str | None = Field(None, description=PERSONS)
    email: str | None = Field(None, description=PERSONS)
    mobile_phone: str | None = Field(None, description=PERSONS)
    enrolments: list[EnrolmentOut]
    functions: list[FunctionOut]
    teaching: list[TeachingOut]
    guardians: list[GuardianOut] = Field(description="This person's guardians (when a pupil)")
    wards: list[WardOut] = Field(description="Pupils this person is a guardian of")
