"""Validate a closeonce.sarif against SARIF 2.1.0.

Property names and required properties come from Debian's
python3-sarif-python-om: Microsoft's object model generated from the
official SARIF 2.1.0 JSON schema (each attribute carries its schema
property name; attributes without a default are required). What that model
does not carry, the value constraints of the spec (OASIS sarif-v2.1.0-os:
3.13.2 version, 3.14.23 columnKind, 3.27.9 kind, 3.27.10 level, 3.30.5
startLine, 3.38.11 executionOrder, 3.38.13 importance) and which object a
property holds, is written below from the spec.

Beyond the format: every result's ruleId names a rule at ruleIndex, and a
region's startLine really holds the operation of that step of the trace
file (checked with `closeonce print`, the one parser), so a code-scanning
UI points at the right line.

Usage: validate_sarif.py CLOSEONCE SARIF EXPECTED_RESULTS. Exit 0 if all
hold; prints "ok: ...".
"""
import json
import pathlib
import subprocess
import sys
import urllib.parse

import attr
import sarif_om

# (class, property) -> (class of the value, is an array)
NESTED = {
    ("SarifLog", "runs"): ("Run", True),
    ("Run", "tool"): ("Tool", False),
    ("Run", "invocations"): ("Invocation", True),
    ("Run", "results"): ("Result", True),
    ("Tool", "driver"): ("ToolComponent", False),
    ("ToolComponent", "rules"): ("ReportingDescriptor", True),
    ("ReportingDescriptor", "shortDescription"): ("MultiformatMessageString", False),
    ("ReportingDescriptor", "fullDescription"): ("MultiformatMessageString", False),
    ("ReportingDescriptor", "help"): ("MultiformatMessageString", False),
    ("ReportingDescriptor", "defaultConfiguration"): ("ReportingConfiguration", False),
    ("Result", "message"): ("Message", False),
    ("Result", "locations"): ("Location", True),
    ("Result", "codeFlows"): ("CodeFlow", True),
    ("Location", "physicalLocation"): ("PhysicalLocation", False),
    ("Location", "logicalLocations"): ("LogicalLocation", True),
    ("Location", "message"): ("Message", False),
    ("PhysicalLocation", "artifactLocation"): ("ArtifactLocation", False),
    ("PhysicalLocation", "region"): ("Region", False),
    ("CodeFlow", "threadFlows"): ("ThreadFlow", True),
    ("ThreadFlow", "locations"): ("ThreadFlowLocation", True),
    ("ThreadFlowLocation", "location"): ("Location", False),
}
ENUMS = {
    ("SarifLog", "version"): {"2.1.0"},
    ("Run", "columnKind"): {"utf16CodeUnits", "unicodeCodePoints"},
    ("Result", "kind"): {"notApplicable", "pass", "fail", "review", "open",
                         "informational"},
    ("Result", "level"): {"none", "note", "warning", "error"},
    ("ReportingConfiguration", "level"): {"none", "note", "warning", "error"},
    ("ThreadFlowLocation", "importance"): {"important", "essential",
                                           "unimportant"},
}
# Property bags and string maps: free keys.
FREE = {"properties", "partialFingerprints", "fingerprints"}


def members(cls_name):
    cls = getattr(sarif_om, cls_name)
    out = {}
    for a in attr.fields(cls):
        out[a.metadata["schema_property_name"]] = a.default is attr.NOTHING
    return out


def check(obj, cls_name, path):
    assert isinstance(obj, dict), f"{path}: expected an object"
    known = members(cls_name)
    for name, required in known.items():
        assert not required or name in obj, \
            f"{path}: {cls_name} requires '{name}'"
    for name, value in obj.items():
        assert name in known, f"{path}: '{name}' is not a {cls_name} property"
        where = f"{path}.{name}"
        if (cls_name, name) in ENUMS:
            assert value in ENUMS[(cls_name, name)], f"{where}: {value!r}"
        if name in FREE:
            assert isinstance(value, dict), f"{where}: expected an object"
            continue
        sub = NESTED.get((cls_name, name))
        if sub:
            sub_cls, is_array = sub
            if is_array:
                assert isinstance(value, list), f"{where}: expected an array"
                for i, v in enumerate(value):
                    check(v, sub_cls, f"{where}[{i}]")
            else:
                check(value, sub_cls, where)
        else:
            assert not isinstance(value, (dict, list)) or name in (
                "kinds",), f"{where}: unexpected structure"


closeonce, sarif_path, expected = sys.argv[1], pathlib.Path(sys.argv[2]), \
    int(sys.argv[3])
log = json.loads(sarif_path.read_text())
check(log, "SarifLog", "$")
assert len(log["runs"]) == 1, "one run"
run = log["runs"][0]
rules = run["tool"]["driver"]["rules"]
ids = [r["id"] for r in rules]
assert len(set(ids)) == len(ids), "rule ids are unique"
results = run.get("results", [])
assert len(results) == expected, f"{len(results)} results, expected {expected}"


def file_of(uri):
    u = urllib.parse.urlparse(uri)
    return urllib.parse.unquote(u.path if u.scheme == "file" else uri)


lines_checked = 0
for i, r in enumerate(results):
    assert ids[r["ruleIndex"]] == r["ruleId"], f"result {i}: ruleIndex"
    sh = r["properties"].get("shrink")
    if sh is not None:
        # what the shrinker verified, as in the JSON report
        assert sh["after"] == len(r["properties"]["trace"]), f"result {i}"
        assert sh["checked"] in ("pairs", "singles", "unchecked",
                                 "unconfirmed"), f"result {i}: checked"
        assert ("1-minimal:" in sh["text"]) == \
            (sh["checked"] in ("pairs", "singles")), f"result {i}: claim"
    loc = r["locations"][0]["physicalLocation"]
    region = loc.get("region")
    if not region:
        continue
    line = region["startLine"]
    assert isinstance(line, int) and line >= 1, f"result {i}: startLine"
    path = file_of(loc["artifactLocation"]["uri"])
    text = pathlib.Path(path).read_text().splitlines()
    step = r["properties"]["step"]
    op = r["properties"]["trace"][step]
    got = subprocess.run([closeonce, "print", "/dev/stdin"], input=text[line - 1],
                         capture_output=True, text=True, check=True).stdout
    assert got.strip() == op, f"result {i}: line {line} of {path} is " \
        f"{text[line - 1]!r}, not step {step} ({op!r})"
    flow = r["codeFlows"][0]["threadFlows"][0]["locations"]
    assert len(flow) == len(r["properties"]["trace"]), f"result {i}: flow"
    assert flow[step]["importance"] == "essential"
    lines_checked += 1
print(f"ok: SARIF 2.1.0 valid ({sum(1 for _ in rules)} rules, "
      f"{len(results)} results, {lines_checked} located at their step's line)")
