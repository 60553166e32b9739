"""Validate a --report-dir: every *.json against reports/finding.schema.json,
junit.xml as JUnit XML (testsuites > testsuite > testcase, counts that
match), every *.md beside its *.json. Usage: validate_reports.py SCHEMA DIR
EXPECTED_FINDINGS. Exit 0 if all hold."""
import json
import pathlib
import sys
import xml.etree.ElementTree as ET

import jsonschema

schema = json.loads(pathlib.Path(sys.argv[1]).read_text())
jsonschema.Draft202012Validator.check_schema(schema)
d = pathlib.Path(sys.argv[2])
expected = int(sys.argv[3])
found = sorted(d.glob("*.json"))
for f in found:
    doc = json.loads(f.read_text())
    jsonschema.validate(doc, schema, cls=jsonschema.Draft202012Validator)
    md = f.with_suffix(".md")
    assert md.exists(), f"{md} missing"
    text = md.read_text()
    assert text.startswith("# closeonce: " + doc["verdict"]["kind"]), md
    assert "## The trace, with the owners after every step" in text, md
assert len(found) == expected, f"{len(found)} findings, expected {expected}"
root = ET.parse(d / "junit.xml").getroot()
assert root.tag == "testsuites", root.tag
suite = root.find("testsuite")
cases = suite.findall("testcase")
failures = [c for c in cases if c.find("failure") is not None]
assert int(suite.get("tests")) == len(cases), "tests count"
assert int(suite.get("failures")) == len(failures) == expected, "failures"
for c in failures:
    assert c.find("failure").get("type") in (
        "divergence", "ownership-violation", "invalid-handle", "leak")
print(f"ok: {len(found)} JSON reports valid, junit.xml with {len(cases)} "
      f"test cases, {len(failures)} failures")
