#!/usr/bin/env python3
"""Runs schemathesis against a running simulator with the official ePayment document.

Usage: fuzz.py SPEC_DIR BASE_URL TOKEN SUBSCRIPTION_KEY MSN [MAX_EXAMPLES]

The document is written, with the corrections of validate_traffic.py applied and its
external receipt reference pointed at a local copy of the Order Management document, to
a temporary directory outside the project. Checks: no server error, and every documented
response matches its schema.
"""
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).parent))
from validate_traffic import RECEIPT_URL, load_specs  # noqa: E402


def main():
    spec_dir, base_url, token, key, msn = sys.argv[1:6]
    max_examples = sys.argv[6] if len(sys.argv) > 6 else "25"
    specs = load_specs(spec_dir)
    with tempfile.TemporaryDirectory() as work:
        om = Path(work) / "order-management-api.yaml"
        om.write_text(yaml.safe_dump(specs["order-management-api.yaml"], sort_keys=False))
        text = yaml.safe_dump(specs["epayment-api.yaml"], sort_keys=False).replace(RECEIPT_URL, "order-management-api.yaml")
        epayment = Path(work) / "epayment-api.yaml"
        epayment.write_text(text)
        schemathesis = Path(sys.executable).parent / "schemathesis"
        command = [
            str(schemathesis), "run", str(epayment), "--url", base_url,
            "--header", f"Authorization: Bearer {token}",
            "--header", f"Ocp-Apim-Subscription-Key: {key}",
            "--header", f"Merchant-Serial-Number: {msn}",
            "--checks", "not_a_server_error,response_schema_conformance",
            "--max-examples", max_examples, "--workers", "1", "--max-time", os.environ.get("KASSE_FUZZ_SECONDS", "180"),
            "--request-timeout", "10", "--suppress-health-check", "all", "--no-color",
        ]
        environment = dict(os.environ, SCHEMATHESIS_HOOKS="", NO_COLOR="1")
        result = subprocess.run(command, env=environment, cwd=work)
        return result.returncode


if __name__ == "__main__":
    sys.exit(main())
