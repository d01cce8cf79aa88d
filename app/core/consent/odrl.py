"""Consent terms as an ODRL 2.2 policy (JSON-LD), and back.

Mapping (normative text in ``resources/protocol/submission.md``):

* each use is one rule with action ``use`` and a ``purpose`` constraint whose
  right operand is ``tessera:<use>``; allowed and constrained uses are
  permissions, a constrained one with a second constraint
  ``tessera:condition eq "<words>"`` (an evaluator that does not understand
  it cannot satisfy it, so the use stays unpermitted: the CAWG reading of
  ``constrained``); not-allowed uses are prohibitions;
* the validity period (``dateTime gteq`` / ``lt``) and the jurisdictions
  (``spatial isAnyOf``) bound every rule: outside them nothing is permitted;
* attribution and compensation are duties (``attribute``, ``compensate``
  with a ``payAmount`` constraint for a fixed amount) on every permission;
* revocability and contact, which ODRL has no words for, are policy-level
  ``tessera:`` properties under the Tessera ODRL profile.

The import reads exactly that subset and names whatever else it meets, so a
policy is never half understood.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from app.core.consent.jsonform import format_utc, parse_utc
from app.core.consent.terms import (
    AMOUNT,
    CURRENCY,
    SCHEMA_VERSION,
    Attribution,
    Compensation,
    CompensationKind,
    ConsentTerms,
    InvalidTerms,
    Permission,
    RevocationTerms,
    Use,
    UseTerm,
    Validity,
)
from app.core.errors import InvalidInput

_T = TypeVar("_T")

ODRL_CONTEXT = "http://www.w3.org/ns/odrl.jsonld"
TESSERA_NS = "https://tessera.dev/ns/consent#"
PROFILE = "https://tessera.dev/odrl/consent/v1"
DEFAULT_TARGET = "urn:tessera:dataset"
CURRENCY_UNIT = "urn:iso:std:iso:4217:"
XSD_NS = "http://www.w3.org/2001/XMLSchema#"
CONTEXT: list[Any] = [ODRL_CONTEXT, {"tessera": TESSERA_NS, "xsd": XSD_NS}]
_PREFIXES = {"tessera": TESSERA_NS, "xsd": XSD_NS}

_POLICY_TYPES = ("Offer", "Agreement", "Set", "Policy")
_POLICY_KEYS = frozenset(
    {
        "@context",
        "@type",
        "uid",
        "profile",
        "target",
        "assigner",
        "assignee",
        "permission",
        "prohibition",
        "tessera:schemaVersion",
        "tessera:revocable",
        "tessera:revocationMethod",
        "tessera:contact",
    }
)


class UnsupportedPolicy(InvalidInput):
    """A policy uses ODRL features that Tessera terms cannot express."""


def to_odrl(
    terms: ConsentTerms,
    *,
    uid: str | None = None,
    assigner: str | None = None,
    assignee: str | None = None,
    target: str = DEFAULT_TARGET,
) -> dict[str, Any]:
    """The terms as an ODRL ``Offer`` (or an ``Agreement`` once the assignee is known)."""
    if assignee is not None and assigner is None:
        raise ValueError("an ODRL Agreement needs an assigner as well as an assignee")
    policy: dict[str, Any] = {
        "@context": CONTEXT,
        "@type": "Agreement" if assignee is not None else "Offer",
        "uid": uid or f"urn:tessera:consent:{terms.digest()}",
        "profile": PROFILE,
        "target": target,
    }
    if assigner is not None:
        policy["assigner"] = assigner
    if assignee is not None:
        policy["assignee"] = assignee
    permissions: list[dict[str, Any]] = []
    prohibitions: list[dict[str, Any]] = []
    for use, term in terms.uses.items():
        constraints = [_purpose(use)]
        if term.permission is Permission.CONSTRAINED:
            constraints.append(
                {
                    "leftOperand": "tessera:condition",
                    "operator": "eq",
                    "rightOperand": term.constraint,
                }
            )
        # Fresh objects per rule, so that a caller editing one rule edits only that rule.
        rule: dict[str, Any] = {"action": "use", "constraint": constraints + _scope(terms)}
        if term.permitted:
            duties = _duties(terms)
            if duties:
                rule["duty"] = duties
            permissions.append(rule)
        else:
            prohibitions.append(rule)
    if permissions:
        policy["permission"] = permissions
    if prohibitions:
        policy["prohibition"] = prohibitions
    policy["tessera:schemaVersion"] = SCHEMA_VERSION
    policy["tessera:revocable"] = terms.revocation.revocable
    if terms.revocation.method is not None:
        policy["tessera:revocationMethod"] = terms.revocation.method
    if terms.contact is not None:
        policy["tessera:contact"] = terms.contact
    return policy


def _purpose(use: Use) -> dict[str, Any]:
    return {"leftOperand": "purpose", "operator": "eq", "rightOperand": {"@id": f"tessera:{use}"}}


def _scope(terms: ConsentTerms) -> list[dict[str, Any]]:
    scope: list[dict[str, Any]] = []
    for operator, moment in (("gteq", terms.validity.start), ("lt", terms.validity.until)):
        if moment is not None:
            scope.append(
                {
                    "leftOperand": "dateTime",
                    "operator": operator,
                    "rightOperand": {"@value": format_utc(moment), "@type": "xsd:dateTime"},
                }
            )
    if terms.jurisdictions:
        scope.append(
            {
                "leftOperand": "spatial",
                "operator": "isAnyOf",
                "rightOperand": list(terms.jurisdictions),
            }
        )
    return scope


def _duties(terms: ConsentTerms) -> list[dict[str, Any]]:
    duties: list[dict[str, Any]] = []
    if terms.attribution.required:
        attribute: dict[str, Any] = {"action": "attribute"}
        if terms.attribution.credit is not None:
            attribute["tessera:credit"] = terms.attribution.credit
        duties.append(attribute)
    compensation = terms.compensation
    if compensation.kind is not CompensationKind.NONE:
        compensate: dict[str, Any] = {
            "action": "compensate",
            "tessera:compensation": compensation.kind.value,
        }
        if compensation.kind is CompensationKind.FIXED:
            compensate["constraint"] = [
                {
                    "leftOperand": "payAmount",
                    "operator": "eq",
                    "rightOperand": {"@value": compensation.amount, "@type": "xsd:decimal"},
                    "unit": CURRENCY_UNIT + (compensation.currency or ""),
                }
            ]
        if compensation.details is not None:
            compensate["tessera:details"] = compensation.details
        duties.append(compensate)
    return duties


# -- import ---------------------------------------------------------------------------------------


class _Scope:
    """The validity and jurisdiction constraints read from one rule."""

    def __init__(self) -> None:
        self.start: datetime | None = None
        self.until: datetime | None = None
        self.jurisdictions: tuple[str, ...] | None = None

    def key(self) -> tuple[object, ...]:
        return (self.start, self.until, self.jurisdictions)


def from_odrl(policy: object) -> ConsentTerms:
    """Terms from an ODRL policy in the subset :func:`to_odrl` writes.

    Uses that no rule mentions are not allowed: ODRL grants only what a
    permission grants.
    """
    top = _object(policy, "policy")
    for key in top:
        if key not in _POLICY_KEYS:
            raise _unsupported("policy", f"the member {key!r}")
    _check_context(top.get("@context"))
    if top.get("@type") not in _POLICY_TYPES:
        raise _unsupported(
            "policy.@type", f"{top.get('@type')!r} (expected Offer, Agreement or Set)"
        )
    profile = top.get("profile")
    if profile is not None and profile != PROFILE and profile != [PROFILE]:
        raise _unsupported("policy.profile", f"{profile!r}")
    for key in ("uid", "target", "assigner", "assignee"):
        if key in top and not isinstance(top[key], str):
            raise _unsupported(f"policy.{key}", "a value that is not a single IRI")
    uses: dict[Use, UseTerm] = {}
    scopes: list[tuple[str, _Scope]] = []
    duty_sets: list[tuple[str, tuple[Attribution, Compensation]]] = []
    for kind in ("permission", "prohibition"):
        for index, raw_rule in enumerate(_array(top.get(kind, []), f"policy.{kind}")):
            where = f"{kind}[{index}]"
            use, term, scope, duties = _read_rule(raw_rule, where, kind, top.get("target"))
            if use in uses:
                raise _unsupported(where, f"a second rule for the purpose {use.value!r}")
            uses[use] = term
            scopes.append((where, scope))
            if duties is not None:
                duty_sets.append((where, duties))
    if not scopes:
        raise _unsupported("policy", "no rules at all")
    scope = _same(scopes, _Scope.key, "validity period or jurisdictions")
    attribution, compensation = (
        _same(duty_sets, lambda duties: duties, "duties")
        if duty_sets
        else (Attribution(), Compensation())
    )
    revocation = _read_revocation(top)
    contact = top.get("tessera:contact")
    if contact is not None and not isinstance(contact, str):
        raise _unsupported("policy.tessera:contact", "a value that is not a string")
    try:
        return ConsentTerms(
            uses={use: uses.get(use, UseTerm(Permission.NOT_ALLOWED)) for use in Use},
            attribution=attribution,
            compensation=compensation,
            validity=Validity(scope.start, scope.until),
            jurisdictions=scope.jurisdictions or (),
            revocation=revocation,
            contact=contact,
        )
    except InvalidTerms as exc:
        raise UnsupportedPolicy(f"ODRL policy: {exc.message}") from None


def _read_rule(
    raw: object, where: str, kind: str, policy_target: object
) -> tuple[Use, UseTerm, _Scope, tuple[Attribution, Compensation] | None]:
    rule = _object(raw, where)
    allowed = {"action", "constraint", "target"} | ({"duty"} if kind == "permission" else set())
    for key in rule:
        if key not in allowed:
            raise _unsupported(where, f"the member {key!r}")
    if "target" in rule and rule["target"] != policy_target:
        raise _unsupported(f"{where}.target", "a target different from the policy's target")
    if policy_target is None and "target" not in rule:
        raise _unsupported(where, "a rule without a target")
    if rule.get("action") not in ("use", "odrl:use"):
        raise _unsupported(f"{where}.action", f"{rule.get('action')!r} (only 'use' is supported)")
    use: Use | None = None
    condition: str | None = None
    scope = _Scope()
    for index, raw_constraint in enumerate(
        _array(rule.get("constraint", []), f"{where}.constraint")
    ):
        at = f"{where}.constraint[{index}]"
        left, operator, right = _constraint(raw_constraint, at)
        if left in ("purpose", "odrl:purpose") and operator == "eq" and use is None:
            use = _purpose_use(right, at)
        elif left == "tessera:condition" and operator == "eq" and condition is None:
            if kind != "permission" or not isinstance(right, str):
                raise _unsupported(
                    at, "a condition on a prohibition or a condition that is not text"
                )
            condition = right
        elif left in ("dateTime", "odrl:dateTime") and operator == "gteq" and scope.start is None:
            scope.start = _time(right, at)
        elif left in ("dateTime", "odrl:dateTime") and operator == "lt" and scope.until is None:
            scope.until = _time(right, at)
        elif left in ("spatial", "odrl:spatial") and scope.jurisdictions is None:
            scope.jurisdictions = _jurisdictions(operator, right, at)
        else:
            raise _unsupported(at, f"the constraint {left!r} {operator!r} here")
    if use is None:
        raise _unsupported(where, "a rule without a purpose constraint naming a Tessera use")
    if kind == "prohibition":
        return use, UseTerm(Permission.NOT_ALLOWED), scope, None
    term = UseTerm(Permission.ALLOWED) if condition is None else _constrained(condition, where)
    return use, term, scope, _read_duties(rule.get("duty", []), f"{where}.duty")


def _constrained(condition: str, where: str) -> UseTerm:
    try:
        return UseTerm(Permission.CONSTRAINED, condition)
    except InvalidTerms as exc:
        raise UnsupportedPolicy(f"ODRL policy: {where}: {exc.message}") from None


def _read_duties(raw: object, where: str) -> tuple[Attribution, Compensation]:
    attribution = Attribution()
    compensation = Compensation()
    seen: set[str] = set()
    for index, raw_duty in enumerate(_array(raw, where)):
        at = f"{where}[{index}]"
        duty = _object(raw_duty, at)
        action = duty.get("action")
        if action in seen:
            raise _unsupported(at, f"a second {action!r} duty")
        if action in ("attribute", "odrl:attribute"):
            _only(duty, at, {"action", "tessera:credit"})
            credit = duty.get("tessera:credit")
            if credit is not None and not isinstance(credit, str):
                raise _unsupported(f"{at}.tessera:credit", "a value that is not text")
            attribution = _terms(Attribution, at, True, credit)
        elif action in ("compensate", "odrl:compensate"):
            _only(duty, at, {"action", "constraint", "tessera:compensation", "tessera:details"})
            compensation = _read_compensation(duty, at)
        else:
            raise _unsupported(f"{at}.action", f"{action!r} (only attribute and compensate)")
        seen.add(str(action))
    return attribution, compensation


def _read_compensation(duty: dict[str, Any], at: str) -> Compensation:
    amount: str | None = None
    currency: str | None = None
    for index, raw_constraint in enumerate(_array(duty.get("constraint", []), f"{at}.constraint")):
        where = f"{at}.constraint[{index}]"
        constraint = _object(raw_constraint, where)
        _only(constraint, where, {"leftOperand", "operator", "rightOperand", "unit"})
        left, operator, right = _constraint(
            {k: v for k, v in constraint.items() if k != "unit"}, where
        )
        if left not in ("payAmount", "odrl:payAmount") or operator != "eq" or amount is not None:
            raise _unsupported(where, f"the constraint {left!r} {operator!r} on compensation")
        value = right.get("@value") if isinstance(right, dict) else right
        unit = constraint.get("unit")
        if not isinstance(value, str) or not AMOUNT.fullmatch(value):
            raise _unsupported(where, "a pay amount that is not a decimal string")
        if not isinstance(unit, str) or not unit.startswith(CURRENCY_UNIT):
            raise _unsupported(where, f"the unit {unit!r} (expected {CURRENCY_UNIT}XXX)")
        code = unit[len(CURRENCY_UNIT) :]
        if not CURRENCY.fullmatch(code):
            raise _unsupported(where, f"the currency {code!r}")
        amount, currency = value, code
    kind_word = duty.get("tessera:compensation")
    if kind_word is None:
        kind = CompensationKind.FIXED if amount is not None else CompensationKind.NEGOTIATED
    else:
        try:
            kind = CompensationKind(kind_word)
        except ValueError:
            raise _unsupported(f"{at}.tessera:compensation", f"{kind_word!r}") from None
    if kind is CompensationKind.NONE:
        raise _unsupported(f"{at}.tessera:compensation", "'none' on a compensate duty")
    details = duty.get("tessera:details")
    if details is not None and not isinstance(details, str):
        raise _unsupported(f"{at}.tessera:details", "a value that is not text")
    return _terms(Compensation, at, kind, amount, currency, details)


def _read_revocation(top: dict[str, Any]) -> RevocationTerms:
    version = top.get("tessera:schemaVersion", SCHEMA_VERSION)
    if version != SCHEMA_VERSION or isinstance(version, bool):
        raise _unsupported("policy.tessera:schemaVersion", f"{version!r}")
    revocable = top.get("tessera:revocable", True)
    method = top.get("tessera:revocationMethod")
    if not isinstance(revocable, bool):
        raise _unsupported("policy.tessera:revocable", "a value that is not true or false")
    if method is not None and not isinstance(method, str):
        raise _unsupported("policy.tessera:revocationMethod", "a value that is not text")
    return _terms(RevocationTerms, "policy", revocable, method)


def _check_context(context: object) -> None:
    entries = context if isinstance(context, list) else [context]
    if ODRL_CONTEXT not in entries:
        raise _unsupported("policy.@context", f"a context without {ODRL_CONTEXT}")
    for entry in entries:
        if entry == ODRL_CONTEXT:
            continue
        if isinstance(entry, dict) and all(
            _PREFIXES.get(key) == value for key, value in entry.items()
        ):
            continue
        raise _unsupported("policy.@context", f"the context entry {entry!r}")


def _purpose_use(right: object, at: str) -> Use:
    value = right.get("@id") if isinstance(right, dict) and set(right) == {"@id"} else right
    if isinstance(value, str):
        for prefix in ("tessera:", TESSERA_NS):
            if value.startswith(prefix):
                try:
                    return Use(value[len(prefix) :])
                except ValueError:
                    break
    raise _unsupported(at, f"the purpose {right!r} (expected tessera:<use>)")


def _time(right: object, at: str) -> datetime:
    value = right
    if isinstance(right, dict):
        if set(right) != {"@value", "@type"} or right.get("@type") not in (
            "xsd:dateTime",
            XSD_NS + "dateTime",
        ):
            raise _unsupported(at, "a date that is not an xsd:dateTime value")
        value = right["@value"]
    if not isinstance(value, str):
        raise _unsupported(at, "a date that is not text")
    try:
        return parse_utc(value, where=at, error=UnsupportedPolicy)
    except UnsupportedPolicy as exc:
        raise UnsupportedPolicy(f"ODRL policy: {exc.message}") from None


def _jurisdictions(operator: str, right: object, at: str) -> tuple[str, ...]:
    codes = [right] if operator == "eq" else right if operator == "isAnyOf" else None
    if not isinstance(codes, list) or not codes or not all(isinstance(c, str) for c in codes):
        raise _unsupported(at, f"a spatial constraint {operator!r} other than a list of codes")
    if len(set(codes)) != len(codes):
        raise _unsupported(at, "a jurisdiction listed twice")
    return _terms(
        lambda: ConsentTerms(uses=_nothing(), jurisdictions=tuple(codes)), at
    ).jurisdictions


def _nothing() -> dict[Use, UseTerm]:
    return {use: UseTerm(Permission.NOT_ALLOWED) for use in Use}


def _constraint(raw: object, at: str) -> tuple[str, str, object]:
    constraint = _object(raw, at)
    _only(constraint, at, {"leftOperand", "operator", "rightOperand"})
    left = constraint.get("leftOperand")
    operator = constraint.get("operator")
    if (
        not isinstance(left, str)
        or not isinstance(operator, str)
        or "rightOperand" not in constraint
    ):
        raise _unsupported(at, "a constraint that is not leftOperand/operator/rightOperand")
    return left, operator.removeprefix("odrl:"), constraint["rightOperand"]


def _same(items: list[tuple[str, Any]], key: Callable[[Any], object], what: str) -> Any:
    first_where, first = items[0]
    for where, item in items[1:]:
        if key(item) != key(first):
            raise _unsupported(
                where, f"{what} different from {first_where}'s; Tessera terms have one for all uses"
            )
    return first


def _terms(build: Callable[..., _T], at: str, *args: Any) -> _T:
    """Build a part of the terms, reporting its own complaint as an import error."""
    try:
        return build(*args)
    except InvalidTerms as exc:
        raise UnsupportedPolicy(f"ODRL policy: {at}: {exc.message}") from None


def _object(value: object, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _unsupported(where, "a value that is not a JSON object")
    return value


def _array(value: object, where: str) -> list[object]:
    if isinstance(value, dict):
        return [value]
    if not isinstance(value, list):
        raise _unsupported(where, "a value that is not an array")
    return value


def _only(value: dict[str, Any], where: str, keys: set[str]) -> None:
    for key in value:
        if key not in keys:
            raise _unsupported(where, f"the member {key!r}")


def _unsupported(where: str, what: str) -> UnsupportedPolicy:
    return UnsupportedPolicy(f"ODRL policy: {where}: Tessera terms cannot express {what}")
