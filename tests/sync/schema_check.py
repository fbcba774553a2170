"""Validating against the committed sync/schemas with jsonschema_rs (the validator schemathesis brings)."""
import json

import jsonschema_rs

from fieldaudit.sync import schemas

COMMITTED = schemas.load()
REGISTRY = jsonschema_rs.Registry([(schemas.BASE + rel, schema) for rel, schema in COMMITTED.items()])
_made = {}


def validator(rel: str):
    """A validator for one committed schema (relative path, e.g. "change.json"), its references resolved."""
    if rel not in _made:
        _made[rel] = jsonschema_rs.validator_for({"$ref": schemas.BASE + rel}, registry=REGISTRY)
    return _made[rel]


def problems(rel: str, instance) -> list[str]:
    """What is wrong with `instance` for schema `rel` (empty: it conforms); a CAPA command's payload included."""
    found = [f"{'/'.join(map(str, e.instance_path))}: {e.message}" for e in validator(rel).iter_errors(instance)]
    changes = instance.get("changes", []) if isinstance(instance, dict) and rel != "change.json" else [instance]
    for change in changes if isinstance(changes, list) else []:
        data = change.get("data") if isinstance(change, dict) else None
        if change.get("table") == "capa_commands" and isinstance(data, dict) and "command" in data:
            kind = str(data["command"]).replace(":", "-")
            try:
                payload = json.loads(data.get("payload") or "null")
            except ValueError:
                found.append("payload: not JSON")
                continue
            payload_schema = COMMITTED.get(f"commands/{kind}.json", {}).get("$defs", {}).get("payload")
            if payload_schema is not None:
                found += [f"payload: {e.message}" for e in jsonschema_rs.validator_for(payload_schema)
                          .iter_errors(payload)]
    return found
