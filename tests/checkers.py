"""Independent readers for files secbook writes, run by tests/exports.rs.

    python3 tests/checkers.py oscal-poam FILE      load with compliance-trestle's POA&M model
    python3 tests/checkers.py xsd SCHEMA FILE...   validate XML against an XML Schema (lxml)

Exit 0 when every file passes, 1 with the reasons on stderr when one does not, and 3 when
the reader itself is not installed (.ci/run installs both into a virtual environment).
"""

import re
import sys
from pathlib import Path

MISSING = 3


def oscal_poam(path):
    try:
        import trestle
        from trestle.oscal import OSCAL_VERSION_REGEX
        from trestle.oscal.poam import PlanOfActionAndMilestones
    except ImportError as e:
        print(f"compliance-trestle is not installed: {e}", file=sys.stderr)
        return MISSING
    try:
        poam = PlanOfActionAndMilestones.oscal_read(Path(path))
    except Exception as e:  # trestle raises pydantic's and its own errors
        print(f"{path}: compliance-trestle {trestle.__version__} refuses it:\n{e}", file=sys.stderr)
        return 1
    if poam is None:
        print(f"{path}: compliance-trestle read nothing", file=sys.stderr)
        return 1
    # trestle checks the declared version only in its strict mode: check it here.
    declared = poam.metadata.oscal_version.root.root
    if not re.match(OSCAL_VERSION_REGEX, declared):
        print(
            f"{path}: declares OSCAL {declared}, which compliance-trestle "
            f"{trestle.__version__} does not model ({OSCAL_VERSION_REGEX})",
            file=sys.stderr,
        )
        return 1
    print(f"compliance-trestle {trestle.__version__} loaded {path}: OSCAL {declared}, "
          f"{len(poam.risks or [])} risks, {len(poam.poam_items)} POA&M items")
    return 0


def xsd(schema_path, paths):
    try:
        from lxml import etree
    except ImportError as e:
        print(f"lxml is not installed: {e}", file=sys.stderr)
        return MISSING
    schema = etree.XMLSchema(etree.parse(schema_path))
    failed = 0
    for path in paths:
        try:
            doc = etree.parse(path)
        except etree.XMLSyntaxError as e:
            print(f"{path}: not well-formed XML: {e}", file=sys.stderr)
            failed = 1
            continue
        if not schema.validate(doc):
            for error in schema.error_log:
                print(f"{path}:{error.line}: {error.message}", file=sys.stderr)
            failed = 1
    if not failed:
        print(f"{len(paths)} file(s) valid against {schema_path}")
    return failed


def main(args):
    if len(args) == 2 and args[0] == "oscal-poam":
        return oscal_poam(args[1])
    if len(args) >= 3 and args[0] == "xsd":
        return xsd(args[1], args[2:])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
