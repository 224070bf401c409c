//! Generates a realistic handbook of any size, for benchmarks.
//!
//! cargo run --release --example gen-site -- DIR --pages N --exceptions N --incidents N
//!
//! Pages are about 3 KB of Markdown each (headings, lists, a table, links to other pages),
//! spread over sections of 50. Records follow the example register's shape. The output is
//! the same for the same arguments: a fixed-seed generator picks every value.

// A tool and tests print to their terminal: no exit status rides on it.
#![allow(clippy::disallowed_macros)]

use secbook::model::date::Date;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

const WORDS: &[&str] = &[
    "risk",
    "owner",
    "control",
    "review",
    "patch",
    "access",
    "vendor",
    "incident",
    "response",
    "evidence",
    "policy",
    "audit",
    "network",
    "service",
    "account",
    "credential",
    "endpoint",
    "monitoring",
    "alert",
    "ticket",
    "remediation",
    "exception",
    "approval",
    "deadline",
    "system",
    "customer",
    "data",
    "encryption",
    "backup",
    "recovery",
    "the",
    "a",
    "of",
    "and",
    "to",
    "for",
    "with",
    "when",
    "before",
    "after",
    "each",
    "team",
    "security",
    "program",
    "quarter",
    "report",
];

/// A small fixed-seed generator (xorshift), so every run writes the same handbook.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn words(&mut self, n: usize) -> String {
        let mut out = String::new();
        for i in 0..n {
            if i > 0 {
                out.push(' ');
            }
            out.push_str(WORDS[self.below(WORDS.len())]);
        }
        out
    }

    fn sentence(&mut self) -> String {
        let n = 8 + self.below(10);
        let mut s = self.words(n);
        if let Some(first) = s.get_mut(0..1) {
            first.make_ascii_uppercase();
        }
        s.push('.');
        s
    }
}

struct Args {
    dir: PathBuf,
    pages: usize,
    exceptions: usize,
    incidents: usize,
}

fn parse_args() -> Result<Args, String> {
    let mut args = std::env::args().skip(1);
    let mut dir = None;
    let (mut pages, mut exceptions, mut incidents) = (200, 100, 50);
    while let Some(arg) = args.next() {
        let mut number = |name: &str| -> Result<usize, String> {
            args.next()
                .and_then(|v| v.parse().ok())
                .ok_or_else(|| format!("{name} takes a whole number"))
        };
        match arg.as_str() {
            "--pages" => pages = number("--pages")?,
            "--exceptions" => exceptions = number("--exceptions")?,
            "--incidents" => incidents = number("--incidents")?,
            other if dir.is_none() && !other.starts_with('-') => dir = Some(PathBuf::from(other)),
            other => return Err(format!("unexpected argument `{other}`")),
        }
    }
    Ok(Args {
        dir: dir.ok_or("usage: gen-site DIR [--pages N] [--exceptions N] [--incidents N]")?,
        pages,
        exceptions,
        incidents,
    })
}

fn main() -> ExitCode {
    match parse_args().and_then(|a| generate(&a).map_err(|e| e.to_string())) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("gen-site: {e}");
            ExitCode::from(2)
        }
    }
}

fn write(path: &Path, text: &str) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir)?;
    }
    fs::write(path, text)
}

fn generate(args: &Args) -> std::io::Result<()> {
    let dir = &args.dir;
    let mut rng = Rng(0x5ec_b00c);
    write(
        &dir.join("handbook.yaml"),
        "title: Benchmark Handbook\ndescription: A generated handbook\nas_of: 2026-06-30\nmetrics:\n  open_risks: 5000\n",
    )?;
    write(
        &dir.join("content/_index.md"),
        "---\ntitle: Home\n---\nThe generated handbook.\n",
    )?;
    let sections = args.pages.div_ceil(50).max(1);
    for s in 0..sections {
        write(
            &dir.join(format!("content/section-{s:03}/_index.md")),
            &format!(
                "---\ntitle: Section {s}\nweight: {s}\n---\n{}\n",
                rng.sentence()
            ),
        )?;
    }
    for p in 0..args.pages {
        let section = p % sections;
        write(
            &dir.join(format!("content/section-{section:03}/page-{p:05}.md")),
            &page(&mut rng, p, args.pages, sections),
        )?;
    }
    write_people(dir)?;
    for i in 0..args.exceptions {
        write(
            &dir.join(format!("data/exceptions/EXC-{i:05}.yaml")),
            &exception(&mut rng, i),
        )?;
    }
    for i in 0..args.incidents {
        write(
            &dir.join(format!("data/incidents/INC-{i:05}.yaml")),
            &incident(&mut rng, i),
        )?;
    }
    Ok(())
}

/// About 3 KB of Markdown with the features real pages use.
fn page(rng: &mut Rng, p: usize, pages: usize, sections: usize) -> String {
    let mut out = format!(
        "---\ntitle: Page {p} {}\nweight: {}\n---\n",
        rng.words(3),
        rng.below(10)
    );
    for h in 0..4 {
        let _ = writeln!(out, "\n## Part {h}: {}\n", rng.words(3));
        for _ in 0..3 {
            out.push_str(&rng.sentence());
            out.push(' ');
        }
        out.push_str("\n\n");
        for _ in 0..3 {
            let _ = writeln!(out, "- {}", rng.sentence());
        }
    }
    out.push_str("\n| Step | Owner | Due |\n|---|---|---|\n");
    for r in 0..3 {
        let _ = writeln!(
            out,
            "| {} | {} | day {} |",
            rng.words(2),
            rng.words(1),
            r * 5
        );
    }
    let other = rng.below(pages);
    let _ = writeln!(
        out,
        "\nSee [a related page](../section-{:03}/page-{other:05}.md) and [the home page](../_index.md).",
        other % sections
    );
    out
}

const PEOPLE: &[(&str, &str, &str)] = &[
    ("Ann Lee", "business", "vp"),
    ("Bo Chen", "security", "vp"),
    ("Cy Diaz", "business", "director"),
    ("Di Evans", "security", "director"),
    ("Ed Fox", "business", "manager"),
    ("Flo Gray", "security", "manager"),
    ("Gus Hall", "security", "staff"),
];

fn email(name: &str) -> String {
    format!("{}@example.com", name.to_lowercase().replace(' ', "."))
}

fn write_people(dir: &Path) -> std::io::Result<()> {
    let mut out = String::new();
    for (name, side, level) in PEOPLE {
        let _ = writeln!(
            out,
            "- name: {name}\n  email: {}\n  side: {side}\n  level: {level}",
            email(name)
        );
    }
    write(&dir.join("data/people.yaml"), &out)
}

fn person(rng: &mut Rng) -> String {
    let (name, _, _) = PEOPLE[rng.below(PEOPLE.len())];
    format!("\"{name} <{}>\"", email(name))
}

/// YYYY-MM-DD for `day` days after 2025-01-01.
fn date(day: usize) -> String {
    let start = Date::parse("2025-01-01").expect("a valid date");
    start.add_days(day as i64).to_string()
}

fn exception(rng: &mut Rng, i: usize) -> String {
    let severities = ["critical", "high", "medium", "low"];
    let statuses = [
        "pending", "approved", "approved", "approved", "denied", "closed",
    ];
    let severity = severities[rng.below(4)];
    let status = statuses[rng.below(statuses.len())];
    let kind = if rng.below(2) == 0 {
        "extension"
    } else {
        "acceptance"
    };
    let created = rng.below(480);
    let mut out = format!(
        "id: EXC-{i:05}\ntitle: {}\ntype: {kind}\nseverity: {severity}\nstatus: {status}\nrequested_by: {}\nrisk_owner: {}\ncreated: {}\nfirst_review: {}\n",
        rng.sentence(),
        person(rng),
        person(rng),
        date(created),
        date(created + 3),
    );
    match status {
        "approved" => {
            let _ = write!(
                out,
                "decided: {}\nexpires: {}\n",
                date(created + 7),
                date(created + 7 + 30 + rng.below(300))
            );
        }
        "denied" => {
            let _ = writeln!(out, "decided: {}", date(created + 7));
        }
        "closed" => {
            let _ = writeln!(out, "closed: {}", date(created + 20));
        }
        _ => {}
    }
    let _ = write!(
        out,
        "tickets: [SEC-{}]\nassets: [{}]\nsummary: |\n  {}\n  {}\njustification: |\n  {}\n",
        1000 + i,
        rng.words(1),
        rng.sentence(),
        rng.sentence(),
        rng.sentence()
    );
    if kind == "extension" {
        let _ = write!(
            out,
            "remediation_plan: |\n  1. {}\n  2. {}\n",
            rng.sentence(),
            rng.sentence()
        );
    }
    if status == "approved" {
        out.push_str("approvals:\n");
        for (name, side, level) in [PEOPLE[0], PEOPLE[1]] {
            let _ = writeln!(
                out,
                "  - {{name: {name}, email: {}, role: approver, side: {side}, level: {level}, decision: approved, date: {}}}",
                email(name),
                date(created + 7)
            );
        }
    }
    out
}

fn incident(rng: &mut Rng, i: usize) -> String {
    let severities = ["sev1", "sev2", "sev3", "sev4"];
    let statuses = [
        "investigating",
        "mitigated",
        "resolved",
        "closed",
        "closed",
        "not_an_incident",
    ];
    let sources = [
        "customer",
        "employee",
        "monitoring",
        "bug bounty",
        "third party",
    ];
    let severity = severities[rng.below(4)];
    let status = statuses[rng.below(statuses.len())];
    let day = date(rng.below(540));
    let mut out = format!(
        "id: INC-{i:05}\ntitle: {}\nseverity: {severity}\nstatus: {status}\ncommander: {}\nsource: {}\n\
         detected: {day}T08:00:00+00:00\nreported: {day}T09:00:00+00:00\nresponded: {day}T09:30:00+00:00\n",
        rng.sentence(),
        person(rng),
        sources[rng.below(sources.len())],
    );
    if matches!(status, "resolved" | "closed") {
        let _ = write!(
            out,
            "contained: {day}T12:00:00+00:00\nresolved: {day}T18:00:00+00:00\n"
        );
    }
    if status == "closed" {
        let _ = writeln!(out, "closed: {day}T20:00:00+00:00");
    }
    let _ = write!(
        out,
        "effort_hours: {}\nsummary: |\n  {}\ntimeline:\n  - {{at: \"{day}T08:00:00+00:00\", event: {}}}\n  - {{at: \"{day}T09:30:00+00:00\", event: {}}}\n",
        1 + rng.below(40),
        rng.sentence(),
        rng.words(5),
        rng.words(5)
    );
    let _ = write!(
        out,
        "action_items:\n  - {{title: {}, owner: {}, priority: P2, status: planned, due: {}}}\n",
        rng.words(4),
        person(rng),
        day
    );
    if matches!(status, "resolved" | "closed") && matches!(severity, "sev1" | "sev2") {
        let _ = write!(
            out,
            "postmortem:\n  date: {day}\n  went_well: [{}]\n  went_poorly: [{}]\n",
            rng.words(4),
            rng.words(4)
        );
    }
    out
}
