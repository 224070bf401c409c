//! A folder's tree as git stores it, with where each entry starts: two versions of a
//! folder of thousands of records differ in one or two entries, found by comparing bytes
//! rather than by reading every entry of both.

use std::ops::Range;
use std::rc::Rc;

/// A raw tree object and the offset of each of its entries.
#[derive(Debug)]
pub(super) struct Listed {
    pub raw: Rc<Vec<u8>>,
    /// Where each entry starts, then the end of the last.
    starts: Vec<usize>,
}

/// No tree: no entries.
impl Default for Listed {
    fn default() -> Self {
        Listed {
            raw: Rc::default(),
            starts: vec![0],
        }
    }
}

impl Listed {
    /// Lists every entry of `raw`, whose ids are `hash_len` bytes long. A tree that ends
    /// in the middle of an entry is listed up to there.
    pub fn new(raw: Rc<Vec<u8>>, hash_len: usize) -> Listed {
        let mut starts = vec![0];
        let mut at = 0;
        while let Some(next) = next_entry(&raw, at, hash_len) {
            starts.push(next);
            at = next;
        }
        Listed { raw, starts }
    }

    /// Lists `raw`, another version of this tree: the entries before the first byte that
    /// differs and after the last are this tree's, so only those between are read. `same`
    /// says how many bytes the two start and end with alike, as far as it is known (from
    /// a delta of one on the other); without it, they are compared.
    pub fn relist(&self, raw: Rc<Vec<u8>>, hash_len: usize, same: Option<Range<usize>>) -> Listed {
        let same = same.unwrap_or_else(|| self.same_bytes(&raw));
        let first = self.entries_within(same.start);
        let last = self.entries_from(self.raw.len() - same.end);
        let (begin, end) = (self.starts[first], self.starts[last]);
        let shift = |at: usize| (at + raw.len()).checked_sub(self.raw.len());
        let Some(stop) = shift(end) else {
            return Listed::new(raw, hash_len);
        };
        let mut starts = self.starts[..=first].to_vec();
        let mut at = begin;
        while at < stop {
            match next_entry(&raw, at, hash_len) {
                Some(next) => {
                    starts.push(next);
                    at = next;
                }
                None => break,
            }
        }
        if at != stop {
            // Entries that do not meet where the unchanged end starts: read it all.
            return Listed::new(raw, hash_len);
        }
        starts.pop();
        starts.extend(self.starts[last..].iter().filter_map(|&s| shift(s)));
        Listed { raw, starts }
    }

    /// How many entries there are.
    pub fn len(&self) -> usize {
        self.starts.len() - 1
    }

    /// The bytes of the entries in `range`.
    pub fn slice(&self, range: Range<usize>) -> &[u8] {
        &self.raw[self.starts[range.start]..self.starts[range.end]]
    }

    /// The entries of this tree and of `other` that may differ, as ranges of each: the
    /// entries before and after are the same in both, byte for byte. `same` is as for
    /// [`Listed::relist`].
    pub fn changed(
        &self,
        other: &Listed,
        same: Option<Range<usize>>,
    ) -> (Range<usize>, Range<usize>) {
        let same = same.unwrap_or_else(|| self.same_bytes(&other.raw));
        let first = self
            .entries_within(same.start)
            .min(other.entries_within(same.start));
        let (mine, theirs) = (
            self.entries_from(self.raw.len() - same.end),
            other.entries_from(other.raw.len() - same.end),
        );
        // The unchanged ends line up when their first entries start as far from the end:
        // from there on the bytes, and so the entries, are the same.
        if self.raw.len() - self.starts[mine] != other.raw.len() - other.starts[theirs] {
            return (0..self.len(), 0..other.len());
        }
        (first..mine.max(first), first..theirs.max(first))
    }

    /// How many bytes the two start with alike, and end with alike, as `prefix..suffix`:
    /// the two never overlap.
    fn same_bytes(&self, other: &[u8]) -> Range<usize> {
        let a = &self.raw;
        let prefix = common(a.len().min(other.len()), |at, n| {
            a[at..at + n] == other[at..at + n]
        });
        let room = a.len().min(other.len()) - prefix;
        let (ea, eb) = (a.len(), other.len());
        let suffix = common(room, |at, n| {
            a[ea - at - n..ea - at] == other[eb - at - n..eb - at]
        });
        prefix..suffix
    }

    /// How many entries end within the first `bytes` bytes.
    fn entries_within(&self, bytes: usize) -> usize {
        self.starts[1..].partition_point(|&end| end <= bytes)
    }

    /// The first entry that starts at or after byte `at`.
    fn entries_from(&self, at: usize) -> usize {
        self.starts[..self.len()].partition_point(|&start| start < at)
    }
}

/// How many of the first `len` positions are alike, by `alike(at, n)`, which compares the
/// `n` positions from `at`: whole blocks first (a comparison of memory), then one by one.
fn common(len: usize, alike: impl Fn(usize, usize) -> bool) -> usize {
    const BLOCK: usize = 256;
    let mut at = 0;
    while at + BLOCK <= len && alike(at, BLOCK) {
        at += BLOCK;
    }
    while at < len && alike(at, 1) {
        at += 1;
    }
    at
}

/// Where the entry after the one at `at` starts: past the name's closing NUL and the id.
fn next_entry(raw: &[u8], at: usize, hash_len: usize) -> Option<usize> {
    let nul = at + raw.get(at..)?.iter().position(|&b| b == 0)?;
    let next = nul + 1 + hash_len;
    (next <= raw.len()).then_some(next)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HASH: usize = 4;

    fn tree(entries: &[(&str, u8)]) -> Vec<u8> {
        let mut raw = Vec::new();
        for (name, id) in entries {
            raw.extend_from_slice(format!("100644 {name}\0").as_bytes());
            raw.extend_from_slice(&[*id, 0, *id, b' ']);
        }
        raw
    }

    fn names(listed: &Listed, range: Range<usize>) -> Vec<String> {
        range
            .map(|i| {
                let entry = listed.slice(i..i + 1);
                let name = &entry[7..entry.len() - HASH - 1];
                String::from_utf8(name.to_vec()).unwrap()
            })
            .collect()
    }

    #[test]
    fn only_the_entries_that_changed_are_read_again() {
        let names_of: Vec<String> = (0..50).map(|i| format!("E-{i:03}.yaml")).collect();
        let base: Vec<(&str, u8)> = names_of.iter().map(|n| (n.as_str(), 1)).collect();
        let a = Listed::new(Rc::new(tree(&base)), HASH);
        assert_eq!(a.len(), 50);
        for edit in [
            // One id changed, at the start, in the middle, at the end.
            vec![(0, Some(2))],
            vec![(25, Some(2))],
            vec![(49, Some(2))],
            // An entry removed, and one changed with one removed.
            vec![(10, None)],
            vec![(3, Some(9)), (40, None)],
        ] {
            let mut changed = base.clone();
            for (i, id) in edit.iter().rev() {
                match id {
                    Some(id) => changed[*i].1 = *id,
                    None => {
                        changed.remove(*i);
                    }
                }
            }
            let raw = Rc::new(tree(&changed));
            let b = a.relist(raw.clone(), HASH, None);
            let full = Listed::new(raw, HASH);
            assert_eq!(b.starts, full.starts, "{edit:?}");
            // What is known of the bytes alike, even less than there are, lists the same.
            let less = a.same_bytes(&b.raw);
            let known = less.start / 2..less.end / 2;
            assert_eq!(
                a.relist(Rc::clone(&b.raw), HASH, Some(known.clone()))
                    .starts,
                full.starts
            );
            let (x, y) = a.changed(&b, None);
            let (kx, ky) = a.changed(&b, Some(known));
            assert!(
                kx.start <= x.start && kx.end >= x.end && ky.start <= y.start && ky.end >= y.end
            );
            let first = edit[0].0;
            assert!(
                x.start <= first && x.end > edit.last().unwrap().0,
                "{edit:?}: {x:?}"
            );
            // An entry more, at most, where the end alike reaches into the start alike.
            assert!(
                x.len() <= edit.last().unwrap().0 - first + 2,
                "{edit:?}: {x:?}"
            );
            // Outside the ranges, the two are the same.
            assert_eq!(names(&a, 0..x.start), names(&b, 0..y.start));
            assert_eq!(names(&a, x.end..a.len()), names(&b, y.end..b.len()));
        }
        // Added at the end, and a tree compared with itself.
        let mut more = base.clone();
        more.push(("F-000.yaml", 3));
        let b = a.relist(Rc::new(tree(&more)), HASH, None);
        assert_eq!(a.changed(&b, None), (50..50, 50..51));
        assert_eq!(a.changed(&a, None), (50..50, 50..50));
        assert_eq!(Listed::default().changed(&a, None), (0..0, 0..50));
        assert_eq!(a.changed(&Listed::default(), None), (0..50, 0..0));
        assert_eq!(names(&b, 50..51), ["F-000.yaml"]);
    }
}
