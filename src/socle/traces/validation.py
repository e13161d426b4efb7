"""Hand-written validation of xAPI statements (1.0.3 and 2.0.0).

No maintained Python library validates xAPI statements against every rule of the spec, so this
module does it by hand: one function per object type, each raising `XAPIValidationError`
with the JSON path of the offending value (`statement.context.instructor.mbox`) and the rule
it breaks. The first error found is reported.

It runs for every statement ingested, so it is written for speed (it was most of the CPU time
of a batch): the JSON path of a value is only built when that value is wrong (the `fail_at`
helpers take the parent path and the key), type checks are inlined, the sets of allowed
properties are module constants and checked with one set comparison.

Beyond the spec, the LRS refuses what it could not store and give back, identically on SQLite
and PostgreSQL (`socle.core.storable`; xAPI requires a 400 for what it does not accept):
a timestamp outside years 0001–9999 once in UTC (with a day's margin), a NUL character in any
string or key (PostgreSQL's jsonb cannot hold it), an extension value nested deeper than
`MAX_JSON_DEPTH`, an IRI longer than `MAX_IRI_BYTES` (it is indexed)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import orjson

from socle.core.storable import (
    MAX_INDEXED_BYTES,
    MAX_JSON_DEPTH,
    datetime_problem,
    json_depth_exceeds,
    json_problem,
)

__all__ = ["MAX_JSON_DEPTH", "XAPIValidationError", "json_depth_exceeds", "validate_statement"]

VOIDED_VERB = "http://adlnet.gov/expapi/verbs/voided"
SIGNATURE_USAGE = "http://adlnet.gov/expapi/attachments/signature"

_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:[^\s<>\"{}|\\^`]*$")
_MBOX = re.compile(r"^mailto:[^@\s]+@[^@\s]+$")
_SHA1 = re.compile(r"^[0-9a-fA-F]{40}$")
_SHA2 = re.compile(r"[0-9a-fA-F]{56,128}")
_LANG = re.compile(r"^(?:[a-zA-Z]{2,8}(?:-[a-zA-Z0-9]{1,8})*|[xX](?:-[a-zA-Z0-9]{1,8})+|i-[a-zA-Z]{2,8})$")
_TIMESTAMP = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?"
    r"(Z|z|[+-]\d{2}(?::?\d{2})?)?$"
)
_DURATION = re.compile(
    r"^P(?:\d+(?:[.,]\d+)?W|(?!$)(?:\d+(?:[.,]\d+)?Y)?(?:\d+(?:[.,]\d+)?M)?(?:\d+(?:[.,]\d+)?D)?"
    r"(?:T(?=\d)(?:\d+(?:[.,]\d+)?H)?(?:\d+(?:[.,]\d+)?M)?(?:\d+(?:[.,]\d+)?S)?)?)$"
)
_MEDIA_TYPE = re.compile(r"^[\w.+\-!#$&^]+/[\w.+\-!#$&^]+(?:\s*;.*)?$")
_VERSION_1 = re.compile(r"^1\.0(\.\d+)?$")
_VERSION_2 = re.compile(r"^(1\.0|2\.0)(\.\d+)?$")
# Bound methods: one attribute lookup less per check.
_is_iri = _IRI.match
_is_lang = _LANG.match
_is_uuid = _UUID.match
MAX_IRI_BYTES = MAX_INDEXED_BYTES
_EARLIEST = datetime(1, 1, 2, tzinfo=UTC)
_LATEST = datetime(9999, 12, 30, tzinfo=UTC)

INTERACTION_TYPES = frozenset(
    {
        "true-false",
        "choice",
        "fill-in",
        "long-fill-in",
        "matching",
        "performance",
        "sequencing",
        "likert",
        "numeric",
        "other",
    }
)
COMPONENT_LISTS = {
    "choices": {"choice", "sequencing"},
    "scale": {"likert"},
    "source": {"matching"},
    "target": {"matching"},
    "steps": {"performance"},
}
IFIS = ("mbox", "mbox_sha1sum", "openid", "account")

# The properties each object may have.
STATEMENT_KEYS = frozenset(
    {
        "id",
        "actor",
        "verb",
        "object",
        "result",
        "context",
        "timestamp",
        "stored",
        "authority",
        "version",
        "attachments",
    }
)
SUBSTATEMENT_KEYS = frozenset(
    {"objectType", "actor", "verb", "object", "result", "context", "timestamp", "attachments"}
)
AGENT_KEYS = frozenset({"objectType", "name", *IFIS})
GROUP_KEYS = frozenset({"objectType", "name", "member", *IFIS})
ACCOUNT_KEYS = frozenset({"homePage", "name"})
VERB_KEYS = frozenset({"id", "display"})
ACTIVITY_KEYS = frozenset({"objectType", "id", "definition"})
DEFINITION_KEYS = frozenset(
    {
        "name",
        "description",
        "type",
        "moreInfo",
        "interactionType",
        "correctResponsesPattern",
        "extensions",
        *COMPONENT_LISTS,
    }
)
COMPONENT_KEYS = frozenset({"id", "description"})
STATEMENT_REF_KEYS = frozenset({"objectType", "id"})
SCORE_KEYS = frozenset({"scaled", "raw", "min", "max"})
RESULT_KEYS = frozenset({"score", "success", "completion", "response", "duration", "extensions"})
CONTEXT_KEYS_1 = frozenset(
    {
        "registration",
        "instructor",
        "team",
        "contextActivities",
        "revision",
        "platform",
        "language",
        "statement",
        "extensions",
    }
)
CONTEXT_KEYS_2 = CONTEXT_KEYS_1 | {"contextAgents", "contextGroups"}
CONTEXT_ACTIVITIES_KEYS = frozenset({"parent", "grouping", "category", "other"})
ATTACHMENT_KEYS = frozenset(
    {"usageType", "display", "description", "contentType", "length", "sha2", "fileUrl"}
)
ATTACHMENT_REQUIRED = ("usageType", "display", "contentType", "length", "sha2")


class XAPIValidationError(ValueError):
    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path
        self.message = message


def fail(path: str, message: str):
    raise XAPIValidationError(path, message)


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    return {
        bool: "boolean",
        int: "number",
        float: "number",
        str: "string",
        list: "array",
        dict: "object",
    }.get(type(value), type(value).__name__)


def _not_a(kind: str, value: Any, path: str):
    fail(path, f"must be {kind}, not {_type_name(value)}")


def check_object(value: Any, path: str) -> dict:
    if not isinstance(value, dict):
        _not_a("a JSON object", value, path)
    return value


def check_keys(
    value: dict, allowed: frozenset[str] | set[str], path: str, required: tuple[str, ...] = ()
) -> None:
    if not allowed.issuperset(value):
        for key in value:
            if key not in allowed:
                fail(
                    f"{path}.{key}",
                    f"is not an allowed property here (allowed: {', '.join(sorted(allowed))})",
                )
    for key in required:
        if key not in value:
            fail(f"{path}.{key}", "is required")


def check_string(value: Any, path: str) -> str:
    if not isinstance(value, str):
        _not_a("a string", value, path)
    return value


def check_bool(value: Any, path: str) -> bool:
    if not isinstance(value, bool):
        _not_a("a boolean", value, path)
    return value


def check_number(value: Any, path: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        _not_a("a number", value, path)
    return value


def _too_long(value: str) -> bool:
    return len(value) * 4 > MAX_IRI_BYTES and len(value.encode()) > MAX_IRI_BYTES


def check_iri(value: Any, path: str) -> str:
    if not isinstance(value, str):
        _not_a("a string", value, path)
    if not _is_iri(value):
        fail(path, f"must be an absolute IRI, got {value!r:.200}")
    if _too_long(value):
        fail(path, f"must be at most {MAX_IRI_BYTES} bytes long (UTF-8): it is indexed")
    return value


# Verb ids, activity ids and types, account home pages: a stream of statements repeats the same
# few thousand IRIs, so the ones already found valid are remembered (bounded).
_valid_iris: set[str] = set()


def _iri_at(value: Any, parent: str, key: str) -> None:
    """check_iri(value, f"{parent}.{key}") without building the path unless it fails."""
    if isinstance(value, str):
        if value in _valid_iris:
            return
        if _is_iri(value) and not _too_long(value):
            if len(_valid_iris) >= 100_000:
                _valid_iris.clear()
            _valid_iris.add(value)
            return
    check_iri(value, f"{parent}.{key}")


def _string_at(value: Any, parent: str, key: str) -> None:
    if not isinstance(value, str):
        _not_a("a string", value, f"{parent}.{key}")


def check_uuid(value: Any, path: str) -> str:
    if not isinstance(value, str):
        _not_a("a string", value, path)
    if not _is_uuid(value):
        fail(path, f"must be a UUID, got {value!r}")
    return value


def is_uuid(value: Any) -> bool:
    return isinstance(value, str) and bool(_is_uuid(value))


def check_language_tag(value: Any, path: str) -> str:
    check_string(value, path)
    if not _is_lang(value):
        fail(path, f"must be an RFC 5646 language tag, got {value!r}")
    return value


def check_language_map(value: Any, path: str) -> None:
    if not isinstance(value, dict):
        _not_a("a JSON object", value, path)
    for tag, text in value.items():
        if not _is_lang(tag):
            fail(f"{path}.{tag}", "language map keys must be RFC 5646 language tags")
        if not isinstance(text, str):
            _not_a("a string", text, f"{path}.{tag}")


def _language_map_at(value: Any, parent: str, key: str) -> None:
    if not isinstance(value, dict):
        _not_a("a JSON object", value, f"{parent}.{key}")
    for tag, text in value.items():
        if not isinstance(text, str) or not _is_lang(tag):
            check_language_map(value, f"{parent}.{key}")


def check_extensions(value: Any, path: str) -> None:
    check_object(value, path)
    for key, item in value.items():
        if not _is_iri(key):
            fail(f"{path}.{key}", "extension keys must be absolute IRIs")
        if isinstance(item, dict | list) and json_depth_exceeds(item, MAX_JSON_DEPTH):
            fail(f"{path}.{key}", f"nests deeper than {MAX_JSON_DEPTH} levels")


def parse_timestamp(value: Any, path: str = "timestamp") -> datetime:
    """Parse an ISO 8601 timestamp; a missing offset means UTC. The negative zero offset
    (-00:00) is rejected, as the spec requires."""
    check_string(value, path)
    match = _TIMESTAMP.match(value)
    if not match:
        fail(path, f"must be an ISO 8601 timestamp, got {value!r}")
    year, month, day, hour, minute, second, fraction, offset = match.groups()
    if offset == "Z" and (fraction is None or len(fraction) <= 6) and "," not in value:
        # The common shape (UTC, at most microseconds): the C parser gives the same datetime.
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            pass  # out-of-range fields: reported below with the reason
        else:
            if _EARLIEST <= parsed <= _LATEST:
                return parsed
            fail(path, datetime_problem(parsed))
    tz = UTC
    try:
        if offset and offset not in ("Z", "z"):
            digits = offset[1:].replace(":", "")
            if offset[0] == "-" and not digits.strip("0"):
                fail(path, "the offset -00:00 is not allowed")
            delta = timedelta(hours=int(digits[:2]), minutes=int(digits[2:4] or 0))
            tz = timezone(delta if offset[0] == "+" else -delta)
        micro = int(fraction[:6].ljust(6, "0")) if fraction else 0
        parsed = datetime(
            int(year), int(month), int(day), int(hour), int(minute), int(second or 0), micro, tzinfo=tz
        )
    except ValueError as exc:
        if isinstance(exc, XAPIValidationError):
            raise
        fail(path, f"is not a valid date and time ({exc})")
    problem = datetime_problem(parsed)
    if problem:
        fail(path, problem)
    # In UTC: PostgreSQL refuses offsets beyond ±15:59 that ISO 8601 allows (the statement keeps
    # the timestamp as it was written).
    return parsed.astimezone(UTC)


def check_duration(value: Any, path: str) -> None:
    check_string(value, path)
    if not _DURATION.match(value):
        fail(path, f"must be an ISO 8601 duration, got {value!r}")


# --- Actors ------------------------------------------------------------------------------------
def check_account(value: Any, path: str) -> None:
    if not isinstance(value, dict):
        _not_a("a JSON object", value, path)
    if len(value) != 2 or not ACCOUNT_KEYS.issuperset(value):
        check_keys(value, ACCOUNT_KEYS, path, ("homePage", "name"))
    _iri_at(value["homePage"], path, "homePage")
    _string_at(value["name"], path, "name")


def _check_ifis(value: dict, path: str) -> int:
    count = 0
    if "mbox" in value:
        count += 1
        item = value["mbox"]
        check_string(item, f"{path}.mbox")
        if not _MBOX.match(item):
            fail(f"{path}.mbox", f"must be a mailto IRI (mailto:name@example.org), got {item!r}")
    if "mbox_sha1sum" in value:
        count += 1
        item = value["mbox_sha1sum"]
        check_string(item, f"{path}.mbox_sha1sum")
        if not _SHA1.match(item):
            fail(f"{path}.mbox_sha1sum", "must be the hex SHA-1 of a mailto IRI")
    if "openid" in value:
        count += 1
        _iri_at(value["openid"], path, "openid")
    if "account" in value:
        count += 1
        check_account(value["account"], f"{path}.account")
    return count


def check_agent(value: Any, path: str, *, object_type_required: bool = False) -> None:
    if not isinstance(value, dict):
        _not_a("a JSON object", value, path)
    check_keys(value, AGENT_KEYS, path)
    if "objectType" in value:
        if value["objectType"] != "Agent":
            fail(f"{path}.objectType", f"must be 'Agent', got {value['objectType']!r}")
    elif object_type_required:
        fail(f"{path}.objectType", "is required")
    if "name" in value:
        _string_at(value["name"], path, "name")
    count = _check_ifis(value, path)
    if count != 1:
        fail(
            path,
            f"an Agent must have exactly one inverse functional identifier ({', '.join(IFIS)}), got {count}",
        )


def check_group(value: Any, path: str) -> None:
    check_object(value, path)
    check_keys(value, GROUP_KEYS, path, ("objectType",))
    if value["objectType"] != "Group":
        fail(f"{path}.objectType", f"must be 'Group', got {value['objectType']!r}")
    if "name" in value:
        check_string(value["name"], f"{path}.name")
    count = _check_ifis(value, path)
    if count > 1:
        fail(path, "a Group must have at most one inverse functional identifier")
    if "member" in value:
        members = value["member"]
        if not isinstance(members, list):
            _not_a("an array", members, f"{path}.member")
        for index, member in enumerate(members):
            check_object(member, f"{path}.member[{index}]")
            if member.get("objectType") == "Group":
                fail(f"{path}.member[{index}]", "a Group's members must be Agents, not Groups")
            check_agent(member, f"{path}.member[{index}]")
    elif count == 0:
        fail(f"{path}.member", "an anonymous Group must list its members")


def check_actor(value: Any, path: str, *, object_type_required: bool = False) -> None:
    if not isinstance(value, dict):
        _not_a("a JSON object", value, path)
    object_type = value.get("objectType")
    if object_type == "Group":
        check_group(value, path)
    elif object_type is None or object_type == "Agent":
        check_agent(value, path, object_type_required=object_type_required)
    else:
        fail(f"{path}.objectType", f"must be 'Agent' or 'Group', got {object_type!r}")


# --- Verb, activity ----------------------------------------------------------------------------
def check_verb(value: Any, path: str) -> None:
    if not isinstance(value, dict):
        _not_a("a JSON object", value, path)
    check_keys(value, VERB_KEYS, path, ("id",))
    _iri_at(value["id"], path, "id")
    if "display" in value:
        _language_map_at(value["display"], path, "display")


def check_interaction_components(value: Any, path: str) -> None:
    if not isinstance(value, list):
        _not_a("an array", value, path)
    seen = set()
    for index, component in enumerate(value):
        item_path = f"{path}[{index}]"
        check_object(component, item_path)
        check_keys(component, COMPONENT_KEYS, item_path, ("id",))
        check_string(component["id"], f"{item_path}.id")
        if component["id"] in seen:
            fail(f"{item_path}.id", f"duplicate interaction component id {component['id']!r}")
        seen.add(component["id"])
        if "description" in component:
            check_language_map(component["description"], f"{item_path}.description")


def check_activity_definition(value: Any, path: str) -> None:
    if not isinstance(value, dict):
        _not_a("a JSON object", value, path)
    check_keys(value, DEFINITION_KEYS, path)
    if "name" in value:
        _language_map_at(value["name"], path, "name")
    if "description" in value:
        _language_map_at(value["description"], path, "description")
    if "type" in value:
        _iri_at(value["type"], path, "type")
    if "moreInfo" in value:
        _iri_at(value["moreInfo"], path, "moreInfo")
    if "extensions" in value:
        check_extensions(value["extensions"], f"{path}.extensions")
    interaction_type = value.get("interactionType")
    if "interactionType" in value:
        check_string(interaction_type, f"{path}.interactionType")
        if interaction_type not in INTERACTION_TYPES:
            fail(f"{path}.interactionType", f"must be one of {', '.join(sorted(INTERACTION_TYPES))}")
    if "correctResponsesPattern" in value:
        if interaction_type is None:
            fail(f"{path}.correctResponsesPattern", "requires an interactionType")
        pattern = value["correctResponsesPattern"]
        if not isinstance(pattern, list):
            fail(f"{path}.correctResponsesPattern", "must be an array of strings")
        for index, item in enumerate(pattern):
            check_string(item, f"{path}.correctResponsesPattern[{index}]")
    for key, types in COMPONENT_LISTS.items():
        if key in value:
            if interaction_type is None:
                fail(f"{path}.{key}", "requires an interactionType")
            if interaction_type not in types:
                fail(f"{path}.{key}", f"is not allowed for the interaction type {interaction_type!r}")
            check_interaction_components(value[key], f"{path}.{key}")


def check_activity(value: Any, path: str) -> None:
    if not isinstance(value, dict):
        _not_a("a JSON object", value, path)
    check_keys(value, ACTIVITY_KEYS, path, ("id",))
    if "objectType" in value and value["objectType"] != "Activity":
        fail(f"{path}.objectType", f"must be 'Activity', got {value['objectType']!r}")
    _iri_at(value["id"], path, "id")
    if "definition" in value:
        check_activity_definition(value["definition"], f"{path}.definition")


def check_statement_ref(value: Any, path: str) -> None:
    check_object(value, path)
    check_keys(value, STATEMENT_REF_KEYS, path, ("objectType", "id"))
    if value["objectType"] != "StatementRef":
        fail(f"{path}.objectType", "must be 'StatementRef'")
    check_uuid(value["id"], f"{path}.id")


def check_object_property(value: Any, path: str, version: str, *, in_substatement: bool = False) -> None:
    if not isinstance(value, dict):
        _not_a("a JSON object", value, path)
    object_type = value.get("objectType", "Activity")
    if object_type == "Activity":
        check_activity(value, path)
    elif object_type in ("Agent", "Group"):
        check_actor(value, path, object_type_required=True)
    elif object_type == "StatementRef":
        check_statement_ref(value, path)
    elif object_type == "SubStatement":
        if in_substatement:
            fail(f"{path}.objectType", "a SubStatement must not contain a SubStatement")
        check_substatement(value, path, version)
    else:
        fail(f"{path}.objectType", f"unknown objectType {object_type!r}")


# --- Result, context ---------------------------------------------------------------------------
def check_score(value: Any, path: str) -> None:
    if not isinstance(value, dict):
        _not_a("a JSON object", value, path)
    check_keys(value, SCORE_KEYS, path)
    for key, number in value.items():
        if isinstance(number, bool) or not isinstance(number, int | float):
            _not_a("a number", number, f"{path}.{key}")
    if "scaled" in value and not -1 <= value["scaled"] <= 1:
        fail(f"{path}.scaled", "must be between -1 and 1")
    if "min" in value and "max" in value and value["min"] >= value["max"]:
        fail(f"{path}.min", "must be less than max")
    if "raw" in value:
        if "min" in value and value["raw"] < value["min"]:
            fail(f"{path}.raw", "must not be less than min")
        if "max" in value and value["raw"] > value["max"]:
            fail(f"{path}.raw", "must not be greater than max")


def check_result(value: Any, path: str) -> None:
    if not isinstance(value, dict):
        _not_a("a JSON object", value, path)
    check_keys(value, RESULT_KEYS, path)
    if "score" in value:
        check_score(value["score"], f"{path}.score")
    for key in ("success", "completion"):
        if key in value and not isinstance(value[key], bool):
            _not_a("a boolean", value[key], f"{path}.{key}")
    if "response" in value:
        _string_at(value["response"], path, "response")
    if "duration" in value:
        duration = value["duration"]
        if not isinstance(duration, str) or not _DURATION.match(duration):
            check_duration(duration, f"{path}.duration")
    if "extensions" in value:
        check_extensions(value["extensions"], f"{path}.extensions")


def _check_activity_list(value: Any, path: str) -> None:
    if isinstance(value, dict):
        check_activity(value, path)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            check_activity(item, f"{path}[{index}]")
    else:
        fail(path, "must be an Activity or an array of Activities")


def _check_relevant_types(value: dict, path: str) -> None:
    if "relevantTypes" in value:
        types = value["relevantTypes"]
        if not isinstance(types, list) or not types:
            fail(f"{path}.relevantTypes", "must be a non-empty array of IRIs")
        for index, item in enumerate(types):
            check_iri(item, f"{path}.relevantTypes[{index}]")


def check_context(value: Any, path: str, version: str, object_value: dict) -> None:
    if not isinstance(value, dict):
        _not_a("a JSON object", value, path)
    check_keys(value, CONTEXT_KEYS_2 if version.startswith("2") else CONTEXT_KEYS_1, path)
    if "registration" in value:
        registration = value["registration"]
        if not isinstance(registration, str) or not _is_uuid(registration):
            check_uuid(registration, f"{path}.registration")
    if "instructor" in value:
        check_actor(value["instructor"], f"{path}.instructor")
    if "team" in value:
        team = check_object(value["team"], f"{path}.team")
        if team.get("objectType") != "Group":
            fail(f"{path}.team", "must be a Group")
        check_group(team, f"{path}.team")
    if "contextActivities" in value:
        activities = value["contextActivities"]
        activities_path = f"{path}.contextActivities"
        check_object(activities, activities_path)
        check_keys(activities, CONTEXT_ACTIVITIES_KEYS, activities_path)
        for key, item in activities.items():
            _check_activity_list(item, f"{activities_path}.{key}")
    is_activity = object_value.get("objectType", "Activity") == "Activity"
    for key in ("revision", "platform"):
        if key in value:
            _string_at(value[key], path, key)
            if not is_activity:
                fail(f"{path}.{key}", "may only be used when the statement's object is an Activity")
    if "language" in value:
        language = value["language"]
        if not isinstance(language, str) or not _is_lang(language):
            check_language_tag(language, f"{path}.language")
    if "statement" in value:
        check_statement_ref(value["statement"], f"{path}.statement")
    if "extensions" in value:
        check_extensions(value["extensions"], f"{path}.extensions")
    for key, kind, inner in (
        ("contextAgents", "contextAgent", "agent"),
        ("contextGroups", "contextGroup", "group"),
    ):
        if key not in value:
            continue
        items = value[key]
        if not isinstance(items, list):
            fail(f"{path}.{key}", "must be an array")
        for index, item in enumerate(items):
            item_path = f"{path}.{key}[{index}]"
            check_object(item, item_path)
            check_keys(
                item, frozenset({"objectType", inner, "relevantTypes"}), item_path, ("objectType", inner)
            )
            if item["objectType"] != kind:
                fail(f"{item_path}.objectType", f"must be {kind!r}")
            if inner == "agent":
                check_agent(item[inner], f"{item_path}.agent")
            else:
                group = check_object(item[inner], f"{item_path}.group")
                if group.get("objectType") != "Group":
                    fail(f"{item_path}.group.objectType", "must be 'Group'")
                check_group(group, f"{item_path}.group")
            _check_relevant_types(item, item_path)


def check_attachments(value: Any, path: str) -> None:
    if not isinstance(value, list):
        _not_a("an array", value, path)
    for index, item in enumerate(value):
        item_path = f"{path}[{index}]"
        check_object(item, item_path)
        check_keys(item, ATTACHMENT_KEYS, item_path, ATTACHMENT_REQUIRED)
        check_iri(item["usageType"], f"{item_path}.usageType")
        check_language_map(item["display"], f"{item_path}.display")
        if "description" in item:
            check_language_map(item["description"], f"{item_path}.description")
        check_string(item["contentType"], f"{item_path}.contentType")
        if not _MEDIA_TYPE.match(item["contentType"]):
            fail(f"{item_path}.contentType", "must be an Internet Media Type")
        length = item["length"]
        if isinstance(length, bool) or not isinstance(length, int) or length < 0:
            fail(f"{item_path}.length", "must be a non-negative integer")
        check_string(item["sha2"], f"{item_path}.sha2")
        if not _SHA2.fullmatch(item["sha2"]):
            fail(f"{item_path}.sha2", "must be the hex SHA-2 of the attachment")
        if "fileUrl" in item:
            check_iri(item["fileUrl"], f"{item_path}.fileUrl")


def check_substatement(value: Any, path: str, version: str) -> None:
    check_keys(value, SUBSTATEMENT_KEYS, path, ("actor", "verb", "object"))
    _check_body(value, path, version, in_substatement=True)


def _check_body(value: dict, path: str, version: str, *, in_substatement: bool) -> datetime | None:
    """The parts a statement and a sub-statement share; returns the parsed timestamp."""
    check_actor(value["actor"], f"{path}.actor")
    verb = value["verb"]
    check_verb(verb, f"{path}.verb")
    obj = value["object"]
    check_object_property(obj, f"{path}.object", version, in_substatement=in_substatement)
    if verb["id"] == VOIDED_VERB and obj.get("objectType") != "StatementRef":
        fail(f"{path}.object", "a voiding statement's object must be a StatementRef")
    if "result" in value:
        check_result(value["result"], f"{path}.result")
    if "context" in value:
        check_context(value["context"], f"{path}.context", version, obj)
    timestamp = None
    if "timestamp" in value:
        timestamp = parse_timestamp(value["timestamp"], f"{path}.timestamp")
    if "attachments" in value:
        check_attachments(value["attachments"], f"{path}.attachments")
    return timestamp


def check_version_property(value: Any, path: str, version: str) -> None:
    check_string(value, path)
    pattern = _VERSION_1 if version.startswith("1") else _VERSION_2
    if not pattern.match(value):
        fail(path, f"unsupported statement version {value!r}")


def check_authority(value: Any, path: str) -> None:
    check_actor(value, path)
    if value.get("objectType") == "Group":
        members = value.get("member", [])
        if any(key in value for key in IFIS) or len(members) != 2:
            fail(path, "a Group authority must be an anonymous Group of exactly two Agents (OAuth)")


def validate_statement(value: Any, version: str, path: str = "statement") -> dict:
    """Validate one statement as received (before the LRS adds id, stored, authority…)."""
    validate_and_parse_timestamp(value, version, path)
    return value


def validate_and_parse_timestamp(value: Any, version: str, path: str = "statement") -> datetime | None:
    """`validate_statement`, returning the statement's parsed timestamp (None when absent), so
    that ingestion does not parse it twice."""
    if not isinstance(value, dict):
        _not_a("a JSON object", value, path)
    check_keys(value, STATEMENT_KEYS, path, ("actor", "verb", "object"))
    if "id" in value:
        statement_id = value["id"]
        if not isinstance(statement_id, str) or not _is_uuid(statement_id):
            check_uuid(statement_id, f"{path}.id")
    timestamp = _check_body(value, path, version, in_substatement=False)
    if "stored" in value:
        parse_timestamp(value["stored"], f"{path}.stored")
    if "authority" in value:
        check_authority(value["authority"], f"{path}.authority")
    if "version" in value:
        check_version_property(value["version"], f"{path}.version", version)
    check_storable(value, path)
    return timestamp


def check_storable(value: Any, path: str) -> None:
    """What the validation above lets through and a database could not hold: a NUL character
    anywhere (in a string or a key). orjson's C encoder writes it `\\u0000`, so one scan of the
    encoding clears a statement (~1 µs); the path is only looked for when it is found."""
    if b"\\u0000" in orjson.dumps(value):
        problem = json_problem(value, path, max_depth=10**6, numbers=False)
        if problem is not None:
            fail(*problem)
