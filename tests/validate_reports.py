"""Validate a --report-dir: every *.json against reports/finding.schema.json,
junit.xml as JUnit XML (testsuites > testsuite > testcase, counts that
match), every *.md beside its *.json, and a shrunk finding's claims
consistent (its length, what was checked, the same words in the .md).
Usage: validate_reports.py SCHEMA DIR
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
    sh = doc.get("shrink")
    if sh is None:
        assert "| shrinking | not shrunk: the trace as given |" in text, md
        continue
    assert sh["after"] == len(doc["trace"]), f"{f}: shrink.after"
    assert sh["confirmed"] == (sh["checked"] != "unconfirmed"), f
    if not sh["confirmed"]:
        assert sh["after"] == sh["before"], f"{f}: unconfirmed but shrunk"
    if sh["checked"] in ("pairs", "singles"):
        assert not sh["round_limit"], f"{f}: checked at the round limit"
        assert "1-minimal" in sh["text"], f
    else:
        assert "1-minimal:" not in sh["text"], f"{f}: claims 1-minimal"
    if sh["checked"] == "pairs":
        assert sh["after"] <= sh["pairs_max"], f"{f}: pairs beyond the limit"
    assert f"| shrinking | {sh['text']} |" in text, f"{md}: shrink claim"
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
        "divergence", "ownership-violation", "invalid-handle", "leak",
        "harness-error")
print(f"ok: {len(found)} JSON reports valid, junit.xml with {len(cases)} "
      f"test cases, {len(failures)} failures")
