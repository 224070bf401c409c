//! Objects read straight from the repository's packs, each delta applied once onto a base
//! kept in memory. A history walk reads thousands of versions of one folder's tree, each a
//! delta on the one before; gix's object database copies every object it decodes into its
//! cache and out again, which costs more than the delta itself. Here a decoded object is
//! shared, not copied, and kept while the next versions may need it as their base. On the
//! history benchmark (README, Performance) gix alone, with a 200 MB object cache and a
//! 96 MB pack cache, read the commits and the 20,001 versions of the folder's tree in
//! 4.5 s of CPU; read here, 0.36 s. A test holds every object read here to gix's reading.
//!
//! gix reads the packs' index and entries and inflates them; only the delta instructions
//! are applied here. An object no pack here holds (a loose object, one in an alternate
//! object database) is left to gix.

use std::cell::Cell;
use std::collections::VecDeque;

use ahash::HashMap;
use std::ops::Range;
use std::path::Path;
use std::rc::Rc;
use std::sync::Arc;

use gix::objs::Kind;
use gix::odb::pack::Bundle;
use gix::odb::pack::data::entry::Header;

/// How many bytes of decoded objects are kept for the deltas that follow.
const KEEP_BYTES: usize = 16 * 1024 * 1024;

/// A delta chain longer than this is refused as corrupt: git writes at most 4,095.
const MAX_CHAIN: usize = 10_000;

/// An object's kind and content, and where the pack holds it.
#[derive(Clone)]
pub(super) struct Object {
    pub kind: Kind,
    pub data: Rc<Vec<u8>>,
    /// `None` for an object gix read.
    pub place: Option<Place>,
    /// The object it is a delta on, and how many bytes the two start and end with alike,
    /// as `start..end` (see [`super::tree::Listed`]), as the delta's copies say.
    pub delta: Option<(Place, Range<usize>)>,
}

/// Where a pack holds an object: which pack, and the offset of its entry.
pub(super) type Place = (u32, u64);

/// Why an object was not read.
pub(super) enum Failure {
    /// It, or a version it is a delta on, is larger than the limit asked for.
    TooLarge,
    /// The pack is not as git writes them.
    Corrupt(String),
}

impl From<String> for Failure {
    fn from(why: String) -> Failure {
        Failure::Corrupt(why)
    }
}

impl From<&str> for Failure {
    fn from(why: &str) -> Failure {
        Failure::Corrupt(why.to_string())
    }
}

pub(super) struct Packs {
    /// Shared by the threads that read at once; each keeps its own decoded objects.
    bundles: Arc<Vec<Bundle>>,
    inflate: gix::zlib::Inflate,
    kept: Kept,
    /// The instructions of the delta being applied.
    delta: Vec<u8>,
}

impl Packs {
    /// The packs of the object database at `objects` (`.git/objects`), in name order; a pack
    /// that does not open is left out, and its objects to gix.
    pub fn open(objects: &Path, hash: gix::hash::Kind) -> Packs {
        let mut indexes: Vec<_> = std::fs::read_dir(objects.join("pack"))
            .into_iter()
            .flatten()
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "idx"))
            .collect();
        indexes.sort();
        Packs::with(Arc::new(
            indexes
                .iter()
                .filter_map(|idx| Bundle::at(idx, hash).ok())
                .collect(),
        ))
    }

    /// The packs, to read on another thread.
    pub fn bundles(&self) -> Arc<Vec<Bundle>> {
        Arc::clone(&self.bundles)
    }

    /// Reads `bundles`, keeping decoded objects of its own.
    pub fn with(bundles: Arc<Vec<Bundle>>) -> Packs {
        Packs {
            bundles,
            inflate: gix::zlib::Inflate::default(),
            kept: Kept::default(),
            delta: Vec::new(),
        }
    }

    /// Where a pack holds `id`, if one does.
    pub fn place(&self, id: &gix::oid) -> Option<Place> {
        self.bundles.iter().enumerate().find_map(|(n, b)| {
            let at = b.index.lookup(id)?;
            Some((u32::try_from(n).ok()?, b.index.pack_offset_at_index(at)))
        })
    }

    /// The object `id`, when a pack holds it and no step of its decoding is larger than
    /// `limit` bytes; `Ok(None)` when no pack holds it, or its delta's base is in none.
    pub fn find(&mut self, id: &gix::oid, limit: usize) -> Result<Option<Object>, Failure> {
        match self.place(id) {
            Some(place) => self.decode(place, limit),
            None => Ok(None),
        }
    }

    /// The object whose entry is at `place`, its deltas applied.
    fn decode(&mut self, (pack, offset): Place, limit: usize) -> Result<Option<Object>, Failure> {
        let Some(bundle) = self.bundles.get(pack as usize) else {
            return Ok(None);
        };
        // The deltas from the object down to the first base at hand, or in full.
        let mut chain = Vec::new();
        let mut at = offset;
        let mut base = loop {
            if let Some(kept) = self.kept.get(&(pack, at)) {
                break kept;
            }
            let here = at;
            let entry = bundle.pack.entry(at).map_err(|e| e.to_string())?;
            let size = usize::try_from(entry.decompressed_size)
                .ok()
                .filter(|&s| s <= limit)
                .ok_or(Failure::TooLarge)?;
            at = match entry.header {
                Header::OfsDelta { base_distance } => entry
                    .checked_base_pack_offset(base_distance)
                    .ok_or("a delta's base lies outside its pack")?,
                Header::RefDelta { base_id } => match bundle.index.lookup(base_id) {
                    Some(i) => bundle.index.pack_offset_at_index(i),
                    // A base in another pack or outside packs: gix finds it.
                    None => return Ok(None),
                },
                header => {
                    let kind = header.as_kind().ok_or("an unknown kind of object")?;
                    let mut data = self.kept.spare();
                    data.resize(size, 0);
                    bundle
                        .pack
                        .decompress_entry(&entry, &mut self.inflate, &mut data)
                        .map_err(|e| e.to_string())?;
                    let object = Object {
                        kind,
                        data: Rc::new(data),
                        place: Some((pack, at)),
                        delta: None,
                    };
                    self.kept.put((pack, at), object.clone());
                    break object;
                }
            };
            chain.push((entry, size, here));
            if chain.len() > MAX_CHAIN {
                return Err("a delta chain is longer than git writes".into());
            }
        };
        for (entry, size, here) in chain.iter().rev() {
            self.delta.resize(*size, 0);
            bundle
                .pack
                .decompress_entry(entry, &mut self.inflate, &mut self.delta)
                .map_err(|e| e.to_string())?;
            let mut data = self.kept.spare();
            let same = apply(&base.data, &self.delta, limit, &mut data)?;
            let place = (pack, *here);
            base = Object {
                kind: base.kind,
                data: Rc::new(data),
                place: Some(place),
                delta: base.place.map(|p| (p, same)),
            };
            self.kept.put(place, base.clone());
        }
        Ok(Some(base))
    }
}

/// The decoded objects lately used, up to [`KEEP_BYTES`]: read in the order of the pack, a
/// delta's base was read shortly before it, or is a base many deltas share. The oldest is
/// dropped first, unless it was used since it was last passed over (a "second chance").
#[derive(Default)]
struct Kept {
    objects: HashMap<Place, (Object, Cell<bool>)>,
    order: VecDeque<Place>,
    bytes: usize,
    /// The buffers of objects dropped, for the next ones: each fresh buffer of a large
    /// object would be new memory for the system to map and clear.
    spares: Vec<Vec<u8>>,
}

impl Kept {
    fn get(&self, place: &Place) -> Option<Object> {
        let (object, used) = self.objects.get(place)?;
        used.set(true);
        Some(object.clone())
    }

    /// An empty buffer, one dropped if there is one.
    fn spare(&mut self) -> Vec<u8> {
        let mut buffer = self.spares.pop().unwrap_or_default();
        buffer.clear();
        buffer
    }

    fn put(&mut self, place: Place, object: Object) {
        self.bytes += object.data.len();
        match self.objects.insert(place, (object, Cell::new(false))) {
            Some((old, _)) => self.bytes -= old.data.len(),
            None => self.order.push_back(place),
        }
        while self.bytes > KEEP_BYTES {
            let Some(oldest) = self.order.pop_front() else {
                break;
            };
            match self.objects.get(&oldest) {
                Some((_, used)) if used.replace(false) => self.order.push_back(oldest),
                Some(_) => {
                    if let Some((old, _)) = self.objects.remove(&oldest) {
                        self.bytes -= old.data.len();
                        if let (Ok(buffer), true) =
                            (Rc::try_unwrap(old.data), self.spares.len() < 8)
                        {
                            self.spares.push(buffer);
                        }
                    }
                }
                None => {}
            }
        }
    }
}

/// `base` changed by the delta instructions `delta`, as git writes them (the sizes of the
/// base and of the result, then copies from the base and bytes to insert), into `out`.
/// Returns how many bytes the two start and end with alike, as far as the copies show:
/// the bytes copied to where they were, from the start, and to as far from the end.
fn apply(
    base: &[u8],
    delta: &[u8],
    limit: usize,
    out: &mut Vec<u8>,
) -> Result<Range<usize>, Failure> {
    let corrupt = |what: &str| format!("a delta is corrupt: {what}");
    let mut at = 0;
    let mut size = || -> Result<usize, String> {
        let mut value = 0usize;
        for shift in (0..64).step_by(7) {
            let byte = *delta
                .get(at)
                .ok_or_else(|| corrupt("its header is cut short"))?;
            at += 1;
            value |= usize::from(byte & 0x7f)
                .checked_shl(shift)
                .ok_or_else(|| corrupt("a size is too large"))?;
            if byte & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err(corrupt("a size is too large"))
    };
    let (base_size, result_size) = (size()?, size()?);
    if base_size != base.len() {
        return Err(corrupt("its base is of another size").into());
    }
    if result_size > limit {
        return Err(Failure::TooLarge);
    }
    out.reserve(result_size);
    // Copied in place from the start; and the last copies, one after the other in the base
    // too: where they end in the base, and how many bytes they copied.
    let mut prefix = 0;
    let mut copied_in_place = true;
    let mut run = (0, 0);
    while let Some(&op) = delta.get(at) {
        at += 1;
        if op & 0x80 != 0 {
            // Copy: offset and size, each byte present when its bit of `op` is set.
            let mut field = |bits: std::ops::Range<u32>| -> Result<usize, String> {
                let mut value = 0usize;
                for (n, bit) in bits.enumerate() {
                    if op & (1 << bit) != 0 {
                        let byte = *delta
                            .get(at)
                            .ok_or_else(|| corrupt("a copy is cut short"))?;
                        at += 1;
                        value |= usize::from(byte) << (8 * n);
                    }
                }
                Ok(value)
            };
            let offset = field(0..4)?;
            let len = match field(4..7)? {
                0 => 0x10000,
                len => len,
            };
            let from = base
                .get(offset..offset.saturating_add(len))
                .ok_or_else(|| corrupt("a copy reaches past its base"))?;
            if copied_in_place && offset == out.len() {
                prefix += len;
            } else {
                copied_in_place = false;
            }
            out.extend_from_slice(from);
            run = match run {
                (end, copied) if end == offset && copied > 0 => (offset + len, copied + len),
                _ => (offset + len, len),
            };
        } else if op != 0 {
            let bytes = delta
                .get(at..at + usize::from(op))
                .ok_or_else(|| corrupt("an insertion is cut short"))?;
            at += usize::from(op);
            out.extend_from_slice(bytes);
            copied_in_place = false;
            run = (0, 0);
        } else {
            return Err(corrupt("it holds a reserved instruction").into());
        }
        if out.len() > result_size {
            return Err(corrupt("it makes more than it says").into());
        }
    }
    if out.len() != result_size {
        return Err(corrupt("it makes less than it says").into());
    }
    // Copies that end the result and the base both end them alike. The start and the end
    // alike never overlap, as `Listed` counts them.
    let suffix = if run.0 == base.len() { run.1 } else { 0 };
    let prefix = prefix.min(base.len()).min(result_size);
    let suffix = suffix.min(base.len() - prefix).min(result_size - prefix);
    Ok(prefix..suffix)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A repository whose files change a line at a time, packed by git: its trees and files
    /// are chains of deltas, each read here as gix reads it, in any order.
    #[test]
    fn every_object_of_a_pack_reads_as_gix_reads_it() {
        use gix::prelude::Find;
        use std::io::Write;
        use std::process::{Command, Stdio};
        let dir = tempfile::tempdir().unwrap();
        let git = |args: &[&str], input: &[u8]| {
            let mut child = Command::new("git")
                .args(args)
                .current_dir(dir.path())
                .stdin(Stdio::piped())
                .spawn()
                .unwrap();
            child.stdin.take().unwrap().write_all(input).unwrap();
            assert!(child.wait().unwrap().success(), "git {args:?}");
        };
        git(&["init", "-q", "-b", "main"], b"");
        let mut stream = Vec::new();
        for n in 1..=120usize {
            let file = format!("f/file-{:03}.txt", n % 40);
            let text: String = (0..300)
                .map(|line| {
                    format!(
                        "line {line} of {file}, version {}\n",
                        n * (line % 7 == n % 7) as usize
                    )
                })
                .collect();
            let message = format!("Change {n}");
            let commit = format!(
                "commit refs/heads/main\ncommitter A <a@example.com> {} +0000\ndata {}\n{message}\nM 100644 inline {file}\ndata {}\n{text}\n",
                1_700_000_000 + n,
                message.len(),
                text.len()
            );
            stream.extend_from_slice(commit.as_bytes());
        }
        git(&["fast-import", "--quiet"], &stream);
        git(&["repack", "-adfq", "--depth=50", "--window=10"], b"");
        let objects = dir.path().join(".git/objects");
        let gix = gix::open(dir.path()).unwrap();
        let mut packs = Packs::open(&objects, gix::hash::Kind::Sha1);
        let mut entries: Vec<_> = packs.bundles[0].index.iter().collect();
        let deltas = entries
            .iter()
            .filter(|e| {
                let entry = packs.bundles[0].pack.entry(e.pack_offset).unwrap();
                entry.header.as_kind().is_none()
            })
            .count();
        assert!(deltas > 200, "{deltas} deltas");
        let mut buf = Vec::new();
        for order in ["by id", "by place in the pack", "backwards"] {
            match order {
                "by place in the pack" => entries.sort_by_key(|e| e.pack_offset),
                "backwards" => entries.reverse(),
                _ => {}
            }
            for e in &entries {
                let ours = packs.find(&e.oid, usize::MAX).ok().unwrap().unwrap();
                let theirs = gix.objects.try_find(&e.oid, &mut buf).unwrap().unwrap();
                assert_eq!(ours.kind, theirs.kind, "{order}: {}", e.oid);
                assert!(*ours.data == theirs.data, "{order}: {}", e.oid);
            }
            packs = Packs::with(packs.bundles());
        }
    }

    #[test]
    fn a_delta_copies_from_its_base_and_inserts_and_refuses_what_it_cannot_do() {
        let base = b"0123456789".to_vec();
        let run = |base: &[u8], delta: &[u8], limit| {
            let mut out = Vec::new();
            apply(base, delta, limit, &mut out)
                .map(|same| (out, same))
                .ok()
        };
        // Sizes 10 and 7; copy 3 bytes from 2, insert "ab", copy 2 bytes from 8.
        let delta = [
            10,
            7,
            0x80 | 0x01 | 0x10,
            2,
            3,
            2,
            b'a',
            b'b',
            0x80 | 0x01 | 0x10,
            8,
            2,
        ];
        assert_eq!(run(&base, &delta, 100), Some((b"234ab89".to_vec(), 0..2)));
        // Copy 4 in place, insert "x", copy the last 5: alike for 4 from the start, 5 from
        // the end.
        let edit = [10, 10, 0x80 | 0x10, 4, 1, b'x', 0x80 | 0x01 | 0x10, 5, 5];
        assert_eq!(run(&base, &edit, 100), Some((b"0123x56789".to_vec(), 4..5)));
        // The same, the end copied in two.
        let split = [10, 10, 0x80 | 0x10, 4, 1, b'x', 0x91, 5, 2, 0x91, 7, 3];
        assert_eq!(
            run(&base, &split, 100),
            Some((b"0123x56789".to_vec(), 4..5))
        );
        // A base of another size, a copy past the base, a result too large, a result that
        // is not the size the delta says.
        assert!(run(b"012", &delta, 100).is_none());
        let past = [10, 3, 0x80 | 0x01 | 0x10, 9, 3];
        assert!(run(&base, &past, 100).is_none());
        assert!(run(&base, &delta, 5).is_none());
        let short = [10, 8, 2, b'a', b'b'];
        assert!(run(&base, &short, 100).is_none());
        assert!(run(&base, &[10], 100).is_none());
    }
}
