//! A build killed at any moment leaves the previous output exactly as it was (SPEC 8: "A
//! failed build leaves the previous output folder exactly as it was"), and the next build
//! leaves no staging folder behind. Builds into one output at once take turns (SPEC 8,
//! "The output folder"), so none publishes a mixed or partial site.
//!
//! The first test builds a generated handbook big enough that a build takes a while, then
//! starts builds and kills them with SIGKILL after a random few milliseconds, thirty times.
//! The input alternates between two versions, so after each kill the output must be, file
//! for file and byte for byte, either what it was before (killed before the swap) or the
//! new build's (killed after it): never a mix, never missing.
//!
//! The second starts a hundred builds of two small handbooks into one output, in waves of
//! twenty at once, and kills some of each wave at random moments: after each wave the
//! output must be one of the two sites exactly.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

use crate::common::{self, files_below};
use secbook::harness;

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
    let mut cmd = common::command();
    cmd.arg("build")
        .arg(root)
        .arg("-o")
        .arg(out)
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    cmd
}

/// The staging folders of builds that did not finish, beside the output.
fn leftovers(parent: &Path) -> Vec<String> {
    fs::read_dir(parent)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".public.secbook-new-") || n.starts_with(".public.secbook-old-"))
        .collect()
}

fn clock_seed() -> u64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
        | 1
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

    let seed = clock_seed();
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

/// A handbook of two pages and two records, titled `title`: a build takes tens of
/// milliseconds, and every page shows the title.
fn small(root: &Path, title: &str) {
    let write = |rel: &str, text: &str| {
        let path = root.join(rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    };
    write(
        "handbook.yaml",
        &harness::HANDBOOK_YAML.replace("Fuzz handbook", title),
    );
    write("data/people.yaml", harness::PEOPLE);
    write("content/_index.md", harness::HOME);
    write("content/process.md", harness::PAGE);
    write("data/exceptions/EXC-001.yaml", harness::EXCEPTION);
    write("data/incidents/INC-001.yaml", harness::INCIDENT);
}

#[test]
fn concurrent_and_killed_builds_never_publish_a_mixed_site() {
    let tmp = tempfile::tempdir().unwrap();
    let roots = [tmp.path().join("a"), tmp.path().join("b")];
    small(&roots[0], "Handbook A");
    small(&roots[1], "Handbook B");
    let sites: Vec<_> = roots
        .iter()
        .map(|root| {
            let reference = root.with_extension("site");
            assert!(build(root, &reference).status().unwrap().success());
            files_below(&reference)
        })
        .collect();
    assert_ne!(sites[0], sites[1]);

    // The output, and what others keep beside it.
    let parent = tmp.path().join("site");
    let out = parent.join("public");
    fs::create_dir_all(parent.join("public.bak")).unwrap();
    fs::write(parent.join("public.bak/index.html"), "an old site").unwrap();
    fs::write(parent.join(".public.keep"), "notes").unwrap();
    let theirs = files_below(&parent);

    let seed = clock_seed();
    let mut rng = Rng(seed);
    let started = Instant::now();
    let (mut killed_running, mut finished) = (0, 0);
    for wave in 0..5 {
        let mut builds: Vec<_> = (0..20)
            .map(|_| {
                let root = &roots[rng.below(2) as usize];
                let child = build(root, &out).spawn().unwrap();
                // A third are killed, at a moment within the time the wave takes.
                let kill_at = (rng.below(3) == 0).then(|| rng.below(600));
                (child, kill_at)
            })
            .collect();
        builds.sort_by_key(|(_, kill_at)| *kill_at);
        let wave_started = Instant::now();
        for (child, kill_at) in &mut builds {
            if let Some(ms) = *kill_at {
                let due = Duration::from_millis(ms);
                std::thread::sleep(due.saturating_sub(wave_started.elapsed()));
                if child.try_wait().unwrap().is_none() {
                    killed_running += 1;
                }
                let _ = child.kill();
            }
        }
        for (mut child, kill_at) in builds {
            let status = child.wait().unwrap();
            if kill_at.is_none() {
                assert!(
                    status.success(),
                    "wave {wave} (seed {seed}): a build failed: {status}"
                );
                finished += 1;
            }
        }
        let now = files_below(&out);
        let differ: Vec<&String> = now
            .keys()
            .chain(sites[0].keys())
            .filter(|k| now.get(*k) != sites[0].get(*k))
            .take(5)
            .collect();
        assert!(
            now == sites[0] || now == sites[1],
            "wave {wave} (seed {seed}): the output is neither site; first differences from \
             the first: {differ:?}"
        );
        let beside: BTreeMap<_, _> = files_below(&parent)
            .into_iter()
            .filter(|(path, _)| {
                !path.starts_with("public/") && !path.starts_with(".public.secbook-")
            })
            .collect();
        assert_eq!(beside, theirs, "wave {wave} (seed {seed})");
    }
    eprintln!(
        "{finished} builds finished, {killed_running} killed while running, in {:?}",
        started.elapsed()
    );

    assert!(build(&roots[0], &out).status().unwrap().success());
    assert_eq!(files_below(&out), sites[0]);
    let mut names: Vec<String> = fs::read_dir(&parent)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, [".public.keep", "public", "public.bak"]);
}

/// A limit on processes that leaves no room for the worker threads (`ulimit -u`, a
/// container's pids limit) is told, with exit status 2, where rayon panicked and the
/// process aborted. The limit binds a user other than root: as root, the check runs as
/// `nobody`.
#[test]
fn a_limit_on_processes_is_told() {
    let bin = env!("CARGO_BIN_EXE_secbook");
    let script = format!("ulimit -u 1 && exec '{bin}' check .");
    let uid = Command::new("id").arg("-u").output().unwrap().stdout;
    let mut run = match String::from_utf8_lossy(&uid).trim() {
        "0" => {
            let mut run = Command::new("setpriv");
            run.args([
                "--reuid=65534",
                "--regid=65534",
                "--clear-groups",
                "bash",
                "-c",
            ]);
            run
        }
        _ => {
            let mut run = Command::new("bash");
            run.arg("-c");
            run
        }
    };
    let out = run.arg(&script).current_dir("/").output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.starts_with("error: cannot start a thread: "),
        "{stderr}"
    );
    assert!(stderr.contains("ulimit -u"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}
