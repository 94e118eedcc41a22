#!/usr/bin/env python3
"""Validates recorded API traffic against the official Vipps MobilePay OpenAPI documents.

Usage: validate_traffic.py SPEC_DIR TRAFFIC.jsonl [--check-requests all|success|none]

Each line of TRAFFIC.jsonl is {"operation": "FILE#operationId-or-'METHOD path'", "status": N,
"contentType": "...", "responseBody": "...", "requestBody": "..."} as the simulator (or the
client's recording transport) writes it. Every response must match the schema documented
for its status; an undocumented error status must still be a valid problem document. With
--check-requests, request bodies are validated against the operation's requestBody schema.

Known quirks of the offline documents, corrected here and nowhere else:
- epayment PaymentEvent.required names 'paymentAction', a property that does not exist ('name').
- epayment AdjustResponse declares application/problem+json for its 200 body.
- epayment Customer is a oneOf of three variants none of which requires its one field, so
  every customer would match all three; each variant requires its field here.
- epayment Reference allows 50 characters; the live API allows 64 since v1.7.0.
- the epayment receipt $ref points at a URL; it resolves to the current Order Management document.
"""
import json
import sys
from pathlib import Path

import yaml
from openapi_schema_validator import OAS30Validator

USERINFO = {
    "type": "object", "required": ["sub"],
    "properties": {
        "sub": {"type": "string", "minLength": 1}, "name": {"type": "string"},
        "given_name": {"type": "string"}, "family_name": {"type": "string"},
        "phone_number": {"type": "string", "pattern": "^[0-9]{8,15}$"}, "email": {"type": "string"},
        "birthdate": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"},
        "address": {"type": "object", "required": ["street_address", "postal_code", "region", "country"]},
    },
}
RECEIPT_URL = "https://raw.githubusercontent.com/vippsas/vipps-order-management-api/2.3.24/docs/swagger.yaml"


def load_specs(spec_dir):
    """Loads the documents and corrects the known quirks listed above."""
    specs = {}
    for name in ["epayment-api.yaml", "webhooks-api.yaml", "access-token-api.yaml",
                 "order-management-api.yaml", "qr-api.yaml", "report-api.yaml"]:
        with open(Path(spec_dir) / name) as handle:
            specs[name] = yaml.safe_load(handle)
    event = specs["epayment-api.yaml"]["components"]["schemas"]["PaymentEvent"]
    event["required"] = [r if r != "paymentAction" else "name" for r in event.get("required", [])]
    schemas = specs["epayment-api.yaml"]["components"]["schemas"]
    # Live-API delta (ePayment v1.7.0, Jan 2025): references may be 64 characters long.
    schemas["Reference"]["pattern"] = "^[a-zA-Z0-9-]{8,64}$"
    schemas["Reference"]["maxLength"] = 64
    for variant, field in [("CustomerPhoneNumber", "phoneNumber"), ("PersonalQrCode", "personalQr"),
                           ("CustomerToken", "customerToken")]:
        schemas[variant]["required"] = [field]
    return specs


def resolve(node, specs, current, seen=()):
    """Inlines every $ref, following external references to the Order Management document."""
    if isinstance(node, list):
        return [resolve(item, specs, current, seen) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        ref = node["$ref"]
        target_file = current
        if ref.startswith(RECEIPT_URL):
            target_file = "order-management-api.yaml"
            ref = ref[len(RECEIPT_URL):]
        if ref in seen:
            return {}
        pointer = ref.lstrip("#/").split("/")
        target = specs[target_file]
        for part in pointer:
            target = target[part.replace("~1", "/").replace("~0", "~")]
        return resolve(target, specs, target_file, seen + (ref,))
    return {key: resolve(value, specs, current, seen) for key, value in node.items()
            if key not in ("example", "examples", "x-examples")}


def index_operations(specs):
    operations = {}
    for file, spec in specs.items():
        for path, item in spec.get("paths", {}).items():
            for method, op in item.items():
                if not isinstance(op, dict) or method == "parameters":
                    continue
                entry = (file, path, method, op)
                if "operationId" in op:
                    operations[f"{file}#{op['operationId']}"] = entry
                operations[f"{file}#{method.upper()} {path}"] = entry
    return operations


def problem_schema(specs):
    return resolve({"$ref": "#/components/schemas/Problem"}, specs, "epayment-api.yaml")


def main():
    args = sys.argv[1:]
    check_requests = "none"
    if "--check-requests" in args:
        position = args.index("--check-requests")
        check_requests = args[position + 1]
        del args[position:position + 2]
    spec_dir, traffic = args
    specs = load_specs(spec_dir)
    operations = index_operations(specs)
    problem = problem_schema(specs)
    failures = []
    checked = 0
    for number, line in enumerate(Path(traffic).read_text().splitlines(), 1):
        if not line.strip():
            continue
        entry = json.loads(line)
        where = f"line {number}: {entry.get('method', '')} {entry.get('path', '')} -> {entry['status']}"
        if entry["operation"].startswith("userinfo#"):
            # The Userinfo API is not among the offline documents: its OpenID Connect shape,
            # checked here by a small schema (sub always; the rest as the scope allows).
            checked += 1
            try:
                body = json.loads(entry.get("responseBody") or "null")
            except ValueError:
                body = None
            schema = USERINFO if entry["status"] == 200 else problem
            for error in list(OAS30Validator(schema).iter_errors(body))[:3]:
                failures.append(f"{where}: userinfo: {error.message[:300]}")
            continue
        found = operations.get(entry["operation"])
        if found is None:
            failures.append(f"{where}: unknown operation {entry['operation']}")
            continue
        file, path, method, op = found
        status = str(entry["status"])
        body_text = entry.get("responseBody", "")
        responses = op.get("responses", {})
        documented = responses.get(status) or responses.get("default")
        checked += 1
        if documented is not None:
            documented = resolve(documented, specs, file)
            content = documented.get("content") or {}
            if not content:
                pass
            else:
                content_type = (entry.get("contentType") or "").split(";")[0].strip()
                declared = {key.split(";")[0].strip(): value for key, value in content.items()}
                media = declared.get(content_type)
                if media is None and "application/problem+json" in declared and content_type == "application/json":
                    media = declared["application/problem+json"]  # AdjustResponse quirk
                if media is None:
                    failures.append(f"{where}: content type '{content_type}' not among {sorted(declared)}")
                    continue
                try:
                    body = json.loads(body_text)
                except ValueError:
                    failures.append(f"{where}: body is not JSON: {body_text[:200]}")
                    continue
                schema = media.get("schema")
                if schema is not None:
                    errors = sorted(OAS30Validator(schema).iter_errors(body), key=lambda e: list(e.path))
                    for error in errors[:3]:
                        failures.append(f"{where}: {'/'.join(map(str, error.path))}: {error.message[:300]}")
        elif entry["status"] >= 400:
            if body_text:
                try:
                    body = json.loads(body_text)
                except ValueError:
                    failures.append(f"{where}: undocumented error status with a non-JSON body")
                    continue
                if file == "epayment-api.yaml" or file == "access-token-api.yaml":
                    for error in list(OAS30Validator(problem).iter_errors(body))[:3]:
                        failures.append(f"{where}: problem body: {error.message}")
        else:
            failures.append(f"{where}: status {status} is not documented for this operation")

        request_text = entry.get("requestBody", "")
        wants = check_requests == "all" or (check_requests == "success" and 200 <= entry["status"] < 300)
        if wants and request_text and "requestBody" in op:
            request_body = resolve(op["requestBody"], specs, file)
            media = (request_body.get("content") or {}).get("application/json")
            if media and media.get("schema"):
                try:
                    body = json.loads(request_text)
                except ValueError:
                    failures.append(f"{where}: request body is not JSON")
                    continue
                for error in list(OAS30Validator(media["schema"]).iter_errors(body))[:3]:
                    failures.append(f"{where}: request {'/'.join(map(str, error.path))}: {error.message[:300]}")

    print(json.dumps({"checked": checked, "failures": failures}))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
