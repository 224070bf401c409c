//! A build killed at any moment leaves the previous output exactly as it was (SPEC 8: "A
//! failed build leaves the previous output folder exactly as it was"), and the next build
//! leaves no staging folder behind.
//!
//! The test builds a generated handbook big enough that a build takes a while, then starts
//! builds and kills them with SIGKILL after a random few milliseconds, thirty times. The
//! input alternates between two versions, so after each kill the output must be, file for
//! file and byte for byte, either what it was before (killed before the swap) or the new
//! build's (killed after it): never a mix, never missing.

mod common;

use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

use common::files_below;
use secbook::harness;

const BIN: &str = env!("CARGO_BIN_EXE_secbook");

/// A handbook of a few hundred pages and records, from the harness's small one.
fn generate(root: &Path) {
    let write = |rel: &str, text: &str| {
        let path = root.join(rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    };
    write("handbook.yaml", harness::HANDBOOK_YAML);
    write("data/people.yaml", harness::PEOPLE);
    write("content/_index.md", harness::HOME);
    write("content/process.md", harness::PAGE);
    write("data/exceptions/EXC-001.yaml", harness::EXCEPTION);
    write("data/incidents/INC-001.yaml", harness::INCIDENT);
    let paragraph = "Each owner reviews the open exceptions every quarter and records the \
                     decision in the register, with the evidence the auditors ask for.\n\n";
    for i in 0..40 {
        let text = format!(
            "---\ntitle: Page {i}\nweight: {i}\n---\n# Page {i}\n\n{}See [the process](../process.md).\n",
            paragraph.repeat(12)
        );
        write(&format!("content/section-{}/page-{i}.md", i % 8), &text);
    }
    let cut = |text: &str| text[..text.find("related:").unwrap()].to_string();
    for i in 2..12 {
        let id = format!("EXC-{i:03}");
        write(
            &format!("data/exceptions/{id}.yaml"),
            &cut(harness::EXCEPTION).replace("id: EXC-001", &format!("id: {id}")),
        );
        let id = format!("INC-{i:03}");
        write(
            &format!("data/incidents/{id}.yaml"),
            &cut(harness::INCIDENT).replace("id: INC-001", &format!("id: {id}")),
        );
    }
}

/// A small fixed generator, seeded from the clock; the seed is printed for a rerun.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n.max(1)
    }
}

fn build(root: &Path, out: &Path) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.arg("build")
        .arg(root)
        .arg("-o")
        .arg(out)
        .env_remove("SOURCE_DATE_EPOCH")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    cmd
}

/// The staging folders of builds that did not finish, beside the output.
fn leftovers(parent: &Path) -> Vec<String> {
    fs::read_dir(parent)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".public.secbook-"))
        .collect()
}

#[test]
fn a_killed_build_leaves_the_previous_output_intact() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("handbook");
    let out = tmp.path().join("public");
    generate(&root);
    let page = root.join("content/section-0/page-0.md");
    let version_a = fs::read_to_string(&page).unwrap();
    let version_b = version_a.replace("# Page 0", "# Page 0, revised");

    // The output of each version, and how long a build takes.
    let mut snapshots = Vec::new();
    let mut took = Duration::ZERO;
    for text in [&version_a, &version_b] {
        fs::write(&page, text).unwrap();
        let started = Instant::now();
        assert!(build(&root, &out).status().unwrap().success());
        took = took.max(started.elapsed());
        snapshots.push(files_below(&out));
    }
    assert!(snapshots[0].len() > 100, "{} files", snapshots[0].len());
    assert_ne!(snapshots[0], snapshots[1]);
    // Kills spread over a little more than a build, so some land after the swap.
    let window = took.as_millis() as u64 * 5 / 4;

    let seed = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
        | 1;
    let mut rng = Rng(seed);
    let mut current = 1;
    let (mut before_swap, mut after_swap, mut mid_write) = (0, 0, 0);
    for round in 0..30 {
        let next = 1 - current;
        fs::write(&page, [&version_a, &version_b][next]).unwrap();
        let mut child = build(&root, &out).spawn().unwrap();
        let wait = rng.below(window);
        std::thread::sleep(Duration::from_millis(wait));
        // SIGKILL; the build may have finished already.
        let _ = child.kill();
        child.wait().unwrap();
        if !leftovers(tmp.path()).is_empty() {
            mid_write += 1;
        }
        let now = files_below(&out);
        if now == snapshots[current] {
            before_swap += 1;
        } else if now == snapshots[next] {
            after_swap += 1;
            current = next;
        } else {
            let differ: Vec<&String> = now
                .keys()
                .chain(snapshots[current].keys())
                .filter(|k| now.get(*k) != snapshots[current].get(*k))
                .take(5)
                .collect();
            panic!(
                "round {round} (seed {seed}, killed after {wait} ms): the output is neither the \
                 previous nor the new build; first differences: {differ:?}"
            );
        }
    }
    eprintln!(
        "kills: {before_swap} before the swap, {after_swap} after it, {mid_write} left a \
         staging folder (builds take {took:?})"
    );
    assert!(
        mid_write > 0,
        "no kill landed while the site was being written (seed {seed})"
    );

    // The next build that finishes cleans up after the killed ones.
    fs::write(&page, &version_a).unwrap();
    assert!(build(&root, &out).status().unwrap().success());
    assert_eq!(leftovers(tmp.path()), Vec::<String>::new());
    assert!(files_below(&out) == snapshots[0]);
    let names: Vec<String> = fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
}
