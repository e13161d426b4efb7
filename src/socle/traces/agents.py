"""Agents: inverse functional identifiers, the stable key the LRS indexes them by, and the keyed
pseudonyms of the privacy policy."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from . import conf

IFIS = ("mbox", "mbox_sha1sum", "openid", "account")


def ifi_string(agent: dict) -> str | None:
    """The canonical text of an agent's or group's identifier, or None for an anonymous group."""
    if "mbox" in agent:
        return "mbox|" + agent["mbox"]
    if "mbox_sha1sum" in agent:
        return "mbox_sha1sum|" + agent["mbox_sha1sum"].lower()
    if "openid" in agent:
        return "openid|" + agent["openid"]
    account = agent.get("account")
    if isinstance(account, dict):
        return f"account|{account.get('homePage')}|{account.get('name')}"
    return None


def agent_key(agent: dict) -> str:
    """The indexed key of an agent or identified group ("" for an anonymous group)."""
    ifi = ifi_string(agent)
    if ifi is None:
        return ""
    return hashlib.sha256(ifi.encode()).hexdigest()[:32]


def mbox_sha1sum(mbox: str) -> str:
    return hashlib.sha1(mbox.encode()).hexdigest()  # noqa: S324 - the xAPI identifier is SHA-1


def pseudonym(agent: dict) -> str:
    ifi = ifi_string(agent) or ""
    if ifi.startswith("mbox|"):  # the same person whether sent as mbox or as its SHA-1
        ifi = "mbox_sha1sum|" + mbox_sha1sum(ifi[5:])
    return hmac.new(conf.pseudonym_key(), ifi.encode(), hashlib.sha256).hexdigest()[:32]


def pseudonymise_agent(agent: Any) -> Any:
    """An agent or group with its identifier replaced by a keyed pseudonym account and its name
    dropped; anonymous groups keep their (pseudonymised) members."""
    if not isinstance(agent, dict):
        return agent
    home_page = conf.pseudonym_home_page()
    account = agent.get("account")
    result: dict[str, Any] = {}
    if "objectType" in agent:
        result["objectType"] = agent["objectType"]
    if isinstance(account, dict) and account.get("homePage") == home_page:
        result["account"] = account
    elif ifi_string(agent) is not None:
        result["account"] = {"homePage": home_page, "name": pseudonym(agent)}
    if isinstance(agent.get("member"), list):
        result["member"] = [pseudonymise_agent(member) for member in agent["member"]]
    return result


def pseudonymise_statement(statement: dict) -> dict:
    """Every agent of a statement pseudonymised, except its authority (the LRS client)."""
    result = dict(statement)
    _pseudonymise_body(result)
    return result


def _pseudonymise_body(statement: dict) -> None:
    statement["actor"] = pseudonymise_agent(statement.get("actor"))
    obj = statement.get("object")
    if isinstance(obj, dict):
        if obj.get("objectType") in ("Agent", "Group"):
            statement["object"] = pseudonymise_agent(obj)
        elif obj.get("objectType") == "SubStatement":
            sub = dict(obj)
            _pseudonymise_body(sub)
            statement["object"] = sub
    context = statement.get("context")
    if isinstance(context, dict):
        context = dict(context)
        for key in ("instructor", "team"):
            if key in context:
                context[key] = pseudonymise_agent(context[key])
        if isinstance(context.get("contextAgents"), list):
            context["contextAgents"] = [
                {**item, "agent": pseudonymise_agent(item.get("agent"))} for item in context["contextAgents"]
            ]
        if isinstance(context.get("contextGroups"), list):
            context["contextGroups"] = [
                {**item, "group": pseudonymise_agent(item.get("group"))} for item in context["contextGroups"]
            ]
        statement["context"] = context


def person(agent: dict) -> dict:
    """The Person object of the Agents Resource for what the LRS knows of an agent."""
    result: dict[str, Any] = {"objectType": "Person"}
    if "name" in agent:
        result["name"] = [agent["name"]]
    for key in IFIS:
        if key in agent:
            result[key] = [agent[key]]
    return result
