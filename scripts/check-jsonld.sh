#!/usr/bin/env bash
# Checks the JSON-LD of a shift page of a running lingong with outside tools: `extruct` (the
# structured-data extractor, PyPI) reads the page as HTML and extracts its JSON-LD the way a
# crawler does; the result is then checked against the schema.org vocabulary the tests use
# (tests/data/schemaorg-jobposting.json: every type known, every property valid for its type,
# every value within its range) and for Google's required and recommended JobPosting properties.
# It does not run Google's own Rich Results Test (not reachable from here).
#
#   scripts/check-jsonld.sh [BASE_URL] [SHIFT_ID]
#
# BASE_URL defaults to http://127.0.0.1:8080 (e.g. `lingong serve --demo`); SHIFT_ID defaults to
# the first shift in the sitemap.
set -euo pipefail
base="${1:-http://127.0.0.1:8080}"
here="$(cd "$(dirname "$0")/.." && pwd)"
python3 -c 'import extruct' 2>/dev/null || python3 -m pip install --quiet extruct
id="${2:-}"
if [ -z "$id" ]; then
  id="$(curl -fsS "$base/sitemaps/shifts-1.xml" | grep -o '/shifts/[0-9]*</loc>' | head -1 | grep -o '[0-9]*')"
  [ -n "$id" ] || { echo "no published shift in $base/sitemaps/shifts-1.xml" >&2; exit 1; }
fi
curl -fsS "$base/shifts/$id" > /tmp/lingong-shift-$id.html
python3 - "$here/tests/data/schemaorg-jobposting.json" "/tmp/lingong-shift-$id.html" "$base/shifts/$id" <<'PY'
import json, re, sys, datetime
import extruct

vocab = json.load(open(sys.argv[1]))["classes"]
html = open(sys.argv[2], encoding="utf-8").read()
found = extruct.extract(html, base_url=sys.argv[3], syntaxes=["json-ld"])["json-ld"]
postings = [d for d in found if d.get("@type") == "JobPosting"]
if len(postings) != 1:
    sys.exit(f"expected one JobPosting, found {len(found)} JSON-LD items: {found}")
ld = postings[0]
errors = []

def lineage(c):
    out = [c]
    for x in out:
        out += [s for s in vocab.get(x, {}).get("super", []) if s not in out]
    return out

def range_of(c, p):
    for x in lineage(c):
        r = vocab.get(x, {}).get("properties", {}).get(p)
        if r is not None:
            return r
    return None

def is_date(s):
    try:
        datetime.date.fromisoformat(s); return True
    except ValueError:
        return False

def is_datetime(s):
    try:
        datetime.datetime.fromisoformat(s); return True
    except ValueError:
        return False

def check(node, path):
    t = node.get("@type")
    if t not in vocab:
        errors.append(f"{path}: unknown type {t}"); return
    for k, v in node.items():
        if k in ("@type", "@context"):
            continue
        r = range_of(t, k)
        if r is None:
            errors.append(f"{path}.{k}: not a property of {t}"); continue
        for x in (v if isinstance(v, list) else [v]):
            ok = False
            if isinstance(x, dict):
                ok = any(c in r for c in lineage(x.get("@type", "")))
                if ok: check(x, f"{path}.{k}")
            elif isinstance(x, bool):
                ok = "Boolean" in r
            elif isinstance(x, (int, float)):
                ok = "Number" in r or ("Integer" in r and isinstance(x, int))
            elif isinstance(x, str):
                ok = "Text" in r or ("URL" in r and x.startswith("http")) or ("DateTime" in r and is_datetime(x)) or ("Date" in r and is_date(x))
            if not ok:
                errors.append(f"{path}.{k}: {x!r} is not one of {r}")

check(ld, "JobPosting")
for p in ["title", "description", "datePosted", "hiringOrganization", "jobLocation"]:
    if not ld.get(p): errors.append(f"Google requires {p}")
for p in ["validThrough", "employmentType", "baseSalary", "directApply", "identifier"]:
    if p not in ld: print(f"note: Google recommends {p} (absent: a piece rate has no salary per hour)" if p == "baseSalary" else f"warning: Google recommends {p}")
if errors:
    print("\n".join(errors)); sys.exit(1)
print(f"{sys.argv[3]}: one JobPosting, {len(ld)} properties, valid against schema.org; Google's required properties present")
PY
