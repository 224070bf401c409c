"""Independent readers for files secbook writes, run by tests/testsuite/exports.rs.

    python3 tests/checkers.py oscal-poam FILE      load with compliance-trestle's POA&M model
    python3 tests/checkers.py xsd SCHEMA FILE...   validate XML against an XML Schema (lxml)
    python3 tests/checkers.py junit FILE           read a JUnit XML report with junitparser
    python3 tests/checkers.py ics FILE             read an iCalendar file with the icalendar package
    python3 tests/checkers.py mail FILE...         read messages with Python's email package

Exit 0 when every file passes, 1 with the reasons on stderr when one does not, and 3 when
the reader itself is not installed (.ci/run installs them into a virtual environment).
"""

import json
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


def junit(path):
    """Reads a JUnit report as CI systems do, checks that each count it declares is the
    count of its cases, and prints its suites and cases as JSON for the test to compare."""
    try:
        import junitparser
        from junitparser import Error, Failure, JUnitXml, Skipped
    except ImportError as e:
        print(f"junitparser is not installed: {e}", file=sys.stderr)
        return MISSING
    try:
        xml = JUnitXml.fromfile(path)
    except Exception as e:  # lxml's or the standard library's parse errors
        print(f"{path}: junitparser {junitparser.version} refuses it:\n{e}", file=sys.stderr)
        return 1
    wrong = []
    suites = []
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for suite in xml:
        cases = []
        counted = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
        for case in suite:
            counted["tests"] += 1
            result = {"name": case.name, "classname": case.classname, "result": "passed"}
            for r in case.result:
                kind = {Failure: "failure", Error: "error", Skipped: "skipped"}[type(r)]
                counted[{"failure": "failures", "error": "errors"}.get(kind, kind)] += 1
                result.update(result=kind, type=r.type, message=r.message, text=r.text)
            cases.append(result)
        for key, n in counted.items():
            totals[key] += n
            if getattr(suite, key) != n:
                wrong.append(f"suite {suite.name}: {key}={getattr(suite, key)}, but {n} counted")
        suites.append({"name": suite.name, "cases": cases})
    for key, n in totals.items():
        # The root need not declare every count (Jenkins' schema has no `skipped` there).
        if getattr(xml, key) not in (None, n):
            wrong.append(f"testsuites: {key}={getattr(xml, key)}, but {n} counted")
    if wrong:
        print(f"{path}:\n" + "\n".join(wrong), file=sys.stderr)
        return 1
    json.dump(suites, sys.stdout, indent=1)
    return 0


# What RFC 5545 (3.6.6) lets a VALARM hold, besides x-names.
VALARM_PROPERTIES = {
    "ACTION", "TRIGGER", "DESCRIPTION", "SUMMARY", "ATTENDEE", "DURATION", "REPEAT", "ATTACH",
}


def ics(path):
    try:
        import icalendar
    except ImportError as e:
        print(f"icalendar is not installed: {e}", file=sys.stderr)
        return MISSING
    try:
        calendar = icalendar.Calendar.from_ical(Path(path).read_bytes())
    except ValueError as e:
        print(f"{path}: icalendar {icalendar.__version__} refuses it: {e}", file=sys.stderr)
        return 1
    problems = []
    for component in calendar.walk():
        problems += [f"{component.name}: {error}" for error in component.errors]
        if component.name == "VEVENT":
            problems += [f"VEVENT without {p}" for p in ("UID", "DTSTAMP") if p not in component]
        if component.name == "VALARM":
            problems += [
                f"VALARM holds {name}, which RFC 5545 does not define there"
                for name in component
                if name not in VALARM_PROPERTIES and not name.startswith("X-")
            ]
    for problem in problems:
        print(f"{path}: {problem}", file=sys.stderr)
    events = len(calendar.walk("VEVENT"))
    alarms = len(calendar.walk("VALARM"))
    if not problems:
        print(f"icalendar {icalendar.__version__} read {path}: {events} events, {alarms} alarms")
    return 1 if problems else 0


# Elements and attributes through which an HTML mail would load something, or send
# something somewhere, when it is opened.
REMOTE_TAGS = {
    "img", "script", "link", "iframe", "frame", "object", "embed", "video", "audio", "source",
    "track", "picture", "style", "base", "form", "svg", "image", "input", "applet",
}
REMOTE_ATTRIBUTES = {
    "src", "srcset", "background", "action", "formaction", "poster", "data", "xlink:href",
    "lowsrc", "dynsrc", "codebase", "ping", "cite", "longdesc", "manifest",
}


def mail(paths):
    """Reads each message with the email package's strict modern policy and prints them as
    JSON for the test to check: headers, each part's type and decoded text, the links of the
    HTML part, everything in it that would load something, the defects found in the headers
    and the parts, and the lines longer than RFC 5322 allows."""
    import email
    from email import policy
    from html.parser import HTMLParser

    class Links(HTMLParser):
        def __init__(self):
            super().__init__()
            self.links, self.remote = [], []

        def handle_starttag(self, tag, attrs):
            if tag in REMOTE_TAGS:
                self.remote.append(f"<{tag}>")
            if tag == "meta" and any(k == "http-equiv" for k, _ in attrs):
                self.remote.append("<meta http-equiv>")
            for name, value in attrs:
                value = value or ""
                if name == "href":
                    self.links.append(value)
                elif name in REMOTE_ATTRIBUTES:
                    self.remote.append(f"{tag} {name}={value}")
                elif name == "style" and ("url(" in value.lower() or "@import" in value.lower()):
                    self.remote.append(f"{tag} style={value}")

    messages = []
    for path in paths:
        raw = Path(path).read_bytes()
        msg = email.message_from_bytes(raw, policy=policy.strict)
        parts, links, remote, defects = [], [], [], []
        for name, value in msg.items():
            defects += [f"{name}: {d!r}" for d in getattr(value, "defects", ())]
        for part in msg.walk():
            defects += [f"{part.get_content_type()}: {d!r}" for d in part.defects]
            if part.is_multipart():
                continue
            text = part.get_content()
            parts.append({"type": part.get_content_type(), "text": text})
            if part.get_content_type() == "text/html":
                parser = Links()
                parser.feed(text)
                parser.close()
                links += parser.links
                remote += parser.remote
        messages.append({
            "file": str(path),
            "from": str(msg["From"]),
            "to": [a.addr_spec for a in msg["To"].addresses],
            "subject": str(msg["Subject"]),
            "message_id": str(msg["Message-ID"]),
            "date": str(msg["Date"]),
            "content_type": msg.get_content_type(),
            "parts": parts,
            "links": links,
            "remote": remote,
            "defects": defects,
            # RFC 5322 2.1.1: no line is longer than 998 bytes, its CRLF aside.
            "long_lines": [n for n, line in enumerate(raw.split(b"\r\n"), 1) if len(line) > 998],
        })
    json.dump(messages, sys.stdout, indent=1)
    return 0


def main(args):
    if len(args) == 2 and args[0] == "oscal-poam":
        return oscal_poam(args[1])
    if len(args) >= 3 and args[0] == "xsd":
        return xsd(args[1], args[2:])
    if len(args) == 2 and args[0] == "junit":
        return junit(args[1])
    if len(args) == 2 and args[0] == "ics":
        return ics(args[1])
    if len(args) >= 2 and args[0] == "mail":
        return mail(args[1:])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
