//! What lets `serve` render again only what a change touched: fingerprints of what goes
//! into each rendered file, the files of the last build by path, and template values kept
//! as what they are made from until a page is rendered.

use std::collections::hash_map::DefaultHasher;
use std::convert::Infallible;
use std::hash::{BuildHasher, Hash, Hasher};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use ahash::HashMap;
use serde::Serialize;
use tera::Context;

use super::{KeptClaims, OutputFile, Renderer, value};
use crate::diagnostics::SourceFile;
use crate::load::theme::Body;
use crate::write::output::PartFiles;

/// Files as rendered by the last build, by path, each with the fingerprint of what went
/// into it: `serve` keeps it between builds, and a file whose inputs did not change is
/// taken from it rather than rendered again. The renderer is kept too.
#[derive(Default)]
pub struct RenderCache {
    /// The files made outside the parts.
    files: Mutex<KeptFiles>,
    /// The files of each export, and of each other part of the site made as one, by its
    /// name: made together, from one set of inputs, so kept together.
    exports: ByName<KeptPart>,
    renderer: Mutex<Option<Arc<Renderer>>>,
    /// Text that goes into a file with other text, by name: made from one set of inputs,
    /// kept with their fingerprint.
    texts: ByName<Arc<str>>,
    /// What each record shows in an export, by the export's name (see [`Pieces`]).
    pieces: Mutex<HashMap<&'static str, PieceMap>>,
    claims: Mutex<Option<KeptClaims>>,
}

/// The files kept by path, each stamped with the last build that took or made it, and how
/// many this build stamped: when that is all of them, each was put again, and none need be
/// forgotten (see [`RenderCache::end_build`]).
#[derive(Default)]
struct KeptFiles {
    by_path: HashMap<String, (u64, Body, u64)>,
    build: u64,
    stamped: usize,
}

/// A part of the site made as one, as kept between builds: its files, and the fingerprint
/// each was made under. When the part is made again, a file whose fingerprint is the
/// same is taken from here ([`KeptPart::get`]); its files are never kept by path as well,
/// so a build that takes the whole part, as a page edit takes the registers, leaves no
/// file kept by path untouched, and none to look for to forget (see
/// [`RenderCache::end_build`]).
#[derive(Clone)]
pub(super) struct KeptPart {
    files: Arc<PartFiles>,
    /// For each file, in order: the fingerprint it was made under, if any. Empty for an
    /// export, made whole every time.
    made_from: Arc<[Option<u64>]>,
}

impl KeptPart {
    /// The part of `files`, each made under the fingerprint beside it in `made_from`.
    pub(super) fn new(files: Vec<OutputFile>, made_from: Vec<Option<u64>>) -> KeptPart {
        let (files, made_from) = PartFiles::with(files.into_iter().zip(made_from).collect());
        KeptPart {
            files: Arc::new(files),
            made_from: made_from.into(),
        }
    }

    fn export(files: Vec<OutputFile>) -> KeptPart {
        KeptPart {
            files: Arc::new(PartFiles::new(files)),
            made_from: Arc::new([]),
        }
    }

    pub(super) fn files(&self) -> &Arc<PartFiles> {
        &self.files
    }

    /// The body of the file at `path`, when it was made under this `fingerprint`.
    pub(super) fn get(&self, path: &str, fingerprint: u64) -> Option<Body> {
        let files = self.files.files();
        let at = files.binary_search_by(|f| f.path.as_str().cmp(path)).ok()?;
        (self.made_from.get(at) == Some(&Some(fingerprint))).then(|| files[at].body.clone())
    }
}

/// Pieces by the hash of what each is a piece of (a record, a row at a depth), each with
/// the fingerprint of what it was made from.
type PieceMap = HashMap<u64, (u64, Arc<[u8]>)>;

/// What each record shows in one file made of many records' parts (an export's event, row
/// or entry, a registry's row): kept with the fingerprint of what it was made from (the
/// record's file, what shapes every record, what else the piece reads), and made again only
/// when that changes, so an edit to one record makes its own pieces again, not every
/// record's. A piece not asked for in one make is kept too, for a file made of some of them
/// (a registry's pages): there is one piece at most of each record and variant.
pub struct Pieces<'a> {
    kept: Option<(&'a RenderCache, &'static str)>,
    /// What every piece of the file reads besides what [`Pieces::get`] is given.
    shape: u64,
    was: PieceMap,
    /// The pieces made by this make, which replace those of `was` when it ends.
    now: Mutex<PieceMap>,
}

impl Pieces<'_> {
    /// Pieces made every time, for an output that keeps nothing between builds.
    pub fn fresh() -> Pieces<'static> {
        Pieces {
            kept: None,
            shape: 0,
            was: HashMap::default(),
            now: Mutex::default(),
        }
    }

    /// The piece of the record loaded from `source`, which reads besides it what shapes
    /// every record and `reads`: the one made for an earlier build from the same, or the
    /// one `make` makes.
    pub fn get(
        &self,
        source: &SourceFile,
        reads: impl Hash,
        make: impl FnOnce() -> Vec<u8>,
    ) -> Arc<[u8]> {
        let made: Result<_, Infallible> =
            self.try_get(&source.name, || (source.hash(), reads), || Ok(make()));
        made.unwrap_or_else(|never| match never {})
    }

    /// The piece `of` (what it is a piece of), made from what `inputs` gives and the file's
    /// shape: the one made for an earlier build from the same, or the one `make` makes. The
    /// inputs are worked out only for an output that keeps pieces. A failure is not kept,
    /// so the next build makes the piece again and reports it again.
    pub fn try_get<H: Hash, E>(
        &self,
        of: impl Hash,
        inputs: impl FnOnce() -> H,
        make: impl FnOnce() -> Result<Vec<u8>, E>,
    ) -> Result<Arc<[u8]>, E> {
        if self.kept.is_none() {
            return make().map(Arc::from);
        }
        let hash = |value: &dyn Fn(&mut DefaultHasher)| {
            let mut hasher = DefaultHasher::new();
            value(&mut hasher);
            hasher.finish()
        };
        let key = hash(&|h| of.hash(h));
        let inputs = inputs();
        let fingerprint = hash(&|h| (self.shape, &inputs).hash(h));
        if let Some((was, piece)) = self.was.get(&key)
            && *was == fingerprint
        {
            return Ok(Arc::clone(piece));
        }
        let piece: Arc<[u8]> = Arc::from(make()?);
        self.now
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(key, (fingerprint, Arc::clone(&piece)));
        Ok(piece)
    }
}

impl Drop for Pieces<'_> {
    fn drop(&mut self) {
        if let Some((cache, name)) = self.kept {
            let now = std::mem::take(self.now.get_mut().unwrap_or_else(PoisonError::into_inner));
            let mut kept = std::mem::take(&mut self.was);
            kept.extend(now);
            cache
                .pieces
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .insert(name, kept);
        }
    }
}

/// What was made from one set of inputs, by name, with the fingerprint of those inputs.
struct ByName<T>(Mutex<HashMap<&'static str, (u64, T)>>);

impl<T> Default for ByName<T> {
    fn default() -> Self {
        ByName(Mutex::new(HashMap::default()))
    }
}

impl<T: Clone> ByName<T> {
    /// What `name` holds, with the fingerprint of what it was made from.
    fn entry(&self, name: &str) -> Option<(u64, T)> {
        let kept = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        kept.get(name).cloned()
    }

    /// What `name` holds, when it was made from inputs with this `fingerprint`.
    fn get(&self, name: &str, fingerprint: u64) -> Option<T> {
        let (was, made) = self.entry(name)?;
        (was == fingerprint).then_some(made)
    }

    /// What `name` holds, whatever it was made from.
    fn last(&self, name: &str) -> Option<T> {
        self.entry(name).map(|(_, made)| made)
    }

    /// Keeps `made`, made from inputs with this `fingerprint`, for the next build.
    fn keep(&self, name: &'static str, fingerprint: u64, made: T) {
        let mut kept = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        kept.insert(name, (fingerprint, made));
    }

    /// What `name` holds, when made from inputs with this `fingerprint`; else what `make`
    /// makes, kept for the next build. Whether it was kept comes with it.
    fn get_or_make(
        &self,
        name: &'static str,
        fingerprint: u64,
        make: impl FnOnce() -> T,
    ) -> (T, bool) {
        if let Some(made) = self.get(name, fingerprint) {
            return (made, true);
        }
        let made = make();
        self.keep(name, fingerprint, made.clone());
        (made, false)
    }
}

impl RenderCache {
    /// The claims of the records' pages kept from the last build.
    pub(super) fn claims(&self) -> MutexGuard<'_, Option<KeptClaims>> {
        self.claims.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn files(&self) -> MutexGuard<'_, KeptFiles> {
        self.files.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The file at `path`, when it was made from inputs with this `fingerprint`.
    pub(super) fn get(&self, path: &str, fingerprint: u64) -> Option<Body> {
        let mut files = self.files();
        let build = files.build;
        let (was, body, stamp) = files.by_path.get_mut(path)?;
        if *was != fingerprint {
            return None;
        }
        let body = body.clone();
        if std::mem::replace(stamp, build) != build {
            files.stamped += 1;
        }
        Some(body)
    }

    pub(super) fn insert(&self, path: &str, fingerprint: u64, body: &Body) {
        let mut files = self.files();
        let kept = (fingerprint, body.clone(), files.build);
        let build = files.build;
        if (files.by_path.insert(path.to_string(), kept)).is_none_or(|k| k.2 != build) {
            files.stamped += 1;
        }
    }

    /// The files of the export `name`, when they were made from inputs with this
    /// `fingerprint`; else those `make` makes, kept for the next build.
    pub(super) fn export(
        &self,
        name: &'static str,
        fingerprint: u64,
        make: impl FnOnce() -> Vec<OutputFile>,
    ) -> (Arc<PartFiles>, bool) {
        let (part, kept) = self
            .exports
            .get_or_make(name, fingerprint, || KeptPart::export(make()));
        (part.files, kept)
    }

    /// The files of `name` (an export, or another part of the site made as one), when
    /// they were made from inputs with this `fingerprint`.
    pub(super) fn part(&self, name: &'static str, fingerprint: u64) -> Option<Arc<PartFiles>> {
        self.exports.get(name, fingerprint).map(|part| part.files)
    }

    /// The part `name` as last kept, whatever it was made from.
    pub(super) fn last_part(&self, name: &str) -> Option<KeptPart> {
        self.exports.last(name)
    }

    /// Keeps the part `name`, made from inputs with this `fingerprint`, for the next build.
    pub(super) fn keep_part(&self, name: &'static str, fingerprint: u64, part: KeptPart) {
        self.exports.keep(name, fingerprint, part);
    }

    /// The text `name`, when it was made from inputs with this `fingerprint`; else the
    /// one `make` makes, kept for the next build.
    pub(super) fn text(
        &self,
        name: &'static str,
        fingerprint: u64,
        make: impl FnOnce() -> String,
    ) -> Arc<str> {
        self.texts
            .get_or_make(name, fingerprint, || make().into())
            .0
    }

    /// The pieces of the file `name`, each of which reads `shape` besides what it is given,
    /// holding those its earlier makes made.
    pub(super) fn pieces(&self, name: &'static str, shape: u64) -> Pieces<'_> {
        let was = self
            .pieces
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(name)
            .unwrap_or_default();
        Pieces {
            kept: Some((self, name)),
            shape,
            was,
            now: Mutex::default(),
        }
    }

    /// Ends a build's use of the kept files, forgetting those it neither took nor made: a
    /// page that goes is made again when it comes back. Most builds take or make each of
    /// them, and then there are none to look for.
    pub(super) fn end_build(&self) {
        let mut files = self.files();
        let build = files.build;
        if files.stamped != files.by_path.len() {
            files.by_path.retain(|_, (_, _, stamp)| *stamp == build);
        }
        files.build += 1;
        files.stamped = 0;
    }

    /// The renderer with this `fingerprint`, made by `make` unless kept from an earlier
    /// build.
    pub(super) fn renderer<E>(
        &self,
        fingerprint: u64,
        make: impl FnOnce() -> Result<Renderer, E>,
    ) -> Result<Arc<Renderer>, E> {
        let mut kept = self.renderer.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(renderer) = kept.as_ref()
            && renderer.fingerprint == fingerprint
        {
            return Ok(Arc::clone(renderer));
        }
        let renderer = Arc::new(make()?);
        *kept = Some(Arc::clone(&renderer));
        Ok(renderer)
    }
}

/// What goes into a rendered file, as serde sees it, which is the same for the same
/// value: fields come in order and maps are sorted. Each part is fed to a fast hasher as
/// it is visited, never written out as text: fingerprints are compared only within one
/// process.
pub struct Fingerprint(ahash::AHasher);

impl Default for Fingerprint {
    fn default() -> Self {
        Fingerprint(ahash::RandomState::with_seeds(1, 2, 3, 4).build_hasher())
    }
}

impl Fingerprint {
    pub fn add<T: Serialize + ?Sized>(&mut self, value: &T) -> &mut Self {
        let _ = value.serialize(Feed(&mut self.0));
        self.0.write_u8(0);
        self
    }

    /// A value that is `Hash`, fed to the hasher as it hashes itself rather than through
    /// serde: for values hashed by the thousand at each build, such as the findings.
    pub fn hash<T: Hash + ?Sized>(&mut self, value: &T) -> &mut Self {
        value.hash(&mut self.0);
        self
    }

    /// A record's or page's file: its name and the hash of its text.
    pub fn file(&mut self, source: &SourceFile) -> &mut Self {
        self.add(&source.name).add(&source.hash())
    }

    pub fn finish(&self) -> u64 {
        self.0.finish()
    }
}

/// A serde serializer that feeds what it is given to a hasher: each part with a tag of its
/// kind, a string with its length, a list or map with its end, so that different values
/// feed different streams. JSON wrote every number as text and read every string a byte
/// at a time for escapes; this feeds them as they are.
struct Feed<'h>(&'h mut ahash::AHasher);

/// The tags of [`Feed`]: one per kind of part.
mod tag {
    pub const BOOL: u8 = 1;
    pub const INT: u8 = 2;
    pub const FLOAT: u8 = 3;
    pub const STR: u8 = 4;
    pub const BYTES: u8 = 5;
    pub const NONE: u8 = 6;
    pub const SOME: u8 = 7;
    pub const UNIT: u8 = 8;
    pub const VARIANT: u8 = 9;
    pub const LIST: u8 = 10;
    pub const MAP: u8 = 11;
    pub const END: u8 = 12;
    /// After text written in pieces, which holds no 0xFF byte, being UTF-8.
    pub const TEXT_END: u8 = 0xFF;
}

impl Feed<'_> {
    fn str(&mut self, v: &str) {
        self.0.write_u8(tag::STR);
        self.0.write_usize(v.len());
        self.0.write(v.as_bytes());
    }

    /// A variant by its name, as JSON writes it.
    fn variant(&mut self, name: &str) {
        self.0.write_u8(tag::VARIANT);
        self.str(name);
    }

    fn open(self, tag: u8) -> Result<Self, serde_json::Error> {
        self.0.write_u8(tag);
        Ok(self)
    }

    fn part<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), serde_json::Error> {
        value.serialize(Feed(&mut *self.0))
    }

    fn close(self) -> Result<(), serde_json::Error> {
        self.0.write_u8(tag::END);
        Ok(())
    }
}

impl std::fmt::Write for Feed<'_> {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.0.write(s.as_bytes());
        Ok(())
    }
}

/// Every integer that fits is fed as an `i128`: equal numbers of different types feed
/// the same, as JSON writes them the same.
macro_rules! feed_as_i128 {
    ($($method:ident: $int:ty,)*) => {$(
        fn $method(self, v: $int) -> Result<(), Self::Error> {
            self.serialize_i128(i128::from(v))
        }
    )*};
}

impl serde::Serializer for Feed<'_> {
    type Ok = ();
    type Error = serde_json::Error;
    type SerializeSeq = Self;
    type SerializeTuple = Self;
    type SerializeTupleStruct = Self;
    type SerializeTupleVariant = Self;
    type SerializeMap = Self;
    type SerializeStruct = Self;
    type SerializeStructVariant = Self;

    fn serialize_bool(self, v: bool) -> Result<(), Self::Error> {
        self.0.write_u8(tag::BOOL);
        self.0.write_u8(u8::from(v));
        Ok(())
    }

    feed_as_i128! {
        serialize_i8: i8, serialize_i16: i16, serialize_i32: i32, serialize_i64: i64,
        serialize_u8: u8, serialize_u16: u16, serialize_u32: u32, serialize_u64: u64,
    }

    fn serialize_i128(self, v: i128) -> Result<(), Self::Error> {
        self.0.write_u8(tag::INT);
        self.0.write_i128(v);
        Ok(())
    }

    fn serialize_u128(self, v: u128) -> Result<(), Self::Error> {
        self.0.write_u8(tag::INT);
        self.0.write_u128(v);
        Ok(())
    }

    fn serialize_f32(self, v: f32) -> Result<(), Self::Error> {
        self.serialize_f64(f64::from(v))
    }

    fn serialize_f64(self, v: f64) -> Result<(), Self::Error> {
        self.0.write_u8(tag::FLOAT);
        self.0.write_u64(v.to_bits());
        Ok(())
    }

    fn serialize_char(self, v: char) -> Result<(), Self::Error> {
        self.serialize_str(v.encode_utf8(&mut [0; 4]))
    }

    fn serialize_str(mut self, v: &str) -> Result<(), Self::Error> {
        self.str(v);
        Ok(())
    }

    fn serialize_bytes(self, v: &[u8]) -> Result<(), Self::Error> {
        self.0.write_u8(tag::BYTES);
        self.0.write_usize(v.len());
        self.0.write(v);
        Ok(())
    }

    fn serialize_none(self) -> Result<(), Self::Error> {
        self.0.write_u8(tag::NONE);
        Ok(())
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), Self::Error> {
        self.0.write_u8(tag::SOME);
        value.serialize(self)
    }

    fn serialize_unit(self) -> Result<(), Self::Error> {
        self.0.write_u8(tag::UNIT);
        Ok(())
    }

    fn serialize_unit_struct(self, _: &'static str) -> Result<(), Self::Error> {
        self.serialize_unit()
    }

    fn serialize_unit_variant(
        mut self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<(), Self::Error> {
        self.variant(variant);
        Ok(())
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<(), Self::Error> {
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        mut self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<(), Self::Error> {
        self.variant(variant);
        value.serialize(self)
    }

    fn serialize_seq(self, _: Option<usize>) -> Result<Self, Self::Error> {
        self.open(tag::LIST)
    }

    fn serialize_tuple(self, _: usize) -> Result<Self, Self::Error> {
        self.open(tag::LIST)
    }

    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<Self, Self::Error> {
        self.open(tag::LIST)
    }

    fn serialize_tuple_variant(
        mut self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Self, Self::Error> {
        self.variant(variant);
        self.open(tag::LIST)
    }

    fn serialize_map(self, _: Option<usize>) -> Result<Self, Self::Error> {
        self.open(tag::MAP)
    }

    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self, Self::Error> {
        self.open(tag::MAP)
    }

    fn serialize_struct_variant(
        mut self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Self, Self::Error> {
        self.variant(variant);
        self.open(tag::MAP)
    }

    /// Text written in pieces (a date, anything `Display`), fed as it is written.
    fn collect_str<T: std::fmt::Display + ?Sized>(mut self, value: &T) -> Result<(), Self::Error> {
        use std::fmt::Write;
        self.0.write_u8(tag::STR);
        let _ = write!(self, "{value}");
        self.0.write_u8(tag::TEXT_END);
        Ok(())
    }
}

/// The parts of a list, a tuple or a map are fed one after another, a struct's each after
/// its field's name; the end is fed after the last.
macro_rules! feed_parts {
    ($($part:ident: $($field:ident)? => $($compound:ident)::+;)*) => {$(
        impl serde::ser::$($compound)::+ for Feed<'_> {
            type Ok = ();
            type Error = serde_json::Error;

            fn $part<T: Serialize + ?Sized>(
                &mut self,
                $($field: &'static str,)?
                value: &T,
            ) -> Result<(), Self::Error> {
                $(self.str($field);)?
                self.part(value)
            }

            fn end(self) -> Result<(), Self::Error> {
                self.close()
            }
        }
    )*};
}

feed_parts! {
    serialize_element: => SerializeSeq;
    serialize_element: => SerializeTuple;
    serialize_field: => SerializeTupleStruct;
    serialize_field: => SerializeTupleVariant;
    serialize_field: key => SerializeStruct;
    serialize_field: key => SerializeStructVariant;
}

impl serde::ser::SerializeMap for Feed<'_> {
    type Ok = ();
    type Error = serde_json::Error;

    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Self::Error> {
        self.part(key)
    }

    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Self::Error> {
        self.part(value)
    }

    fn end(self) -> Result<(), Self::Error> {
        self.close()
    }
}

/// Named template values, kept as what they are made from: a page's context, or the
/// globals every template sees. Nothing becomes a template value until a page is
/// rendered, and the fingerprint is worked out only for an output that keeps earlier
/// builds, so a page taken from one costs only its fingerprint, and `build` pays nothing.
#[derive(Default)]
pub struct Values<'a> {
    entries: Vec<(&'static str, Box<dyn Entry + 'a>)>,
    /// What shapes the output without being a value templates see.
    depends: Fingerprint,
}

/// One template value: how to fingerprint it, and how to make it.
trait Entry {
    fn hash(&self, fingerprint: &mut Fingerprint);
    fn make(self: Box<Self>) -> tera::Value;
}

struct Borrowed<'a, T: ?Sized>(&'a T);

impl<T: Serialize + ?Sized> Entry for Borrowed<'_, T> {
    fn hash(&self, fingerprint: &mut Fingerprint) {
        fingerprint.add(self.0);
    }

    fn make(self: Box<Self>) -> tera::Value {
        value(self.0)
    }
}

struct Owned<T>(T);

impl<T: Serialize> Entry for Owned<T> {
    fn hash(&self, fingerprint: &mut Fingerprint) {
        fingerprint.add(&self.0);
    }

    fn make(self: Box<Self>) -> tera::Value {
        value(&self.0)
    }
}

/// A value made by a function, fingerprinted by another from what it is made from.
struct Made<H, M>(H, M);

impl<H: Fn(&mut Fingerprint), M: FnOnce() -> tera::Value> Entry for Made<H, M> {
    fn hash(&self, fingerprint: &mut Fingerprint) {
        (self.0)(fingerprint);
    }

    fn make(self: Box<Self>) -> tera::Value {
        (self.1)()
    }
}

/// A value made only when a template reads it or a fingerprint needs it, then kept: its
/// fingerprint is the value's own, so it holds whatever the value is made from.
struct Lazy<M> {
    made: std::cell::OnceCell<tera::Value>,
    make: std::cell::Cell<Option<M>>,
}

impl<M: FnOnce() -> tera::Value> Lazy<M> {
    fn value(&self) -> &tera::Value {
        self.made.get_or_init(|| {
            self.make
                .take()
                .map_or_else(tera::Value::none, |make| make())
        })
    }
}

impl<M: FnOnce() -> tera::Value> Entry for Lazy<M> {
    fn hash(&self, fingerprint: &mut Fingerprint) {
        fingerprint.add(self.value());
    }

    fn make(self: Box<Self>) -> tera::Value {
        let Lazy { made, make } = *self;
        made.into_inner()
            .or_else(|| make.into_inner().map(|make| make()))
            .unwrap_or_else(tera::Value::none)
    }
}

impl<'a> Values<'a> {
    pub fn insert<T: Serialize + ?Sized>(&mut self, key: &'static str, v: &'a T) {
        self.entries.push((key, Box::new(Borrowed(v))));
    }

    pub fn insert_owned<T: Serialize + 'a>(&mut self, key: &'static str, v: T) {
        self.entries.push((key, Box::new(Owned(v))));
    }

    /// A value made by `make`; `made_from` adds all it depends on to a fingerprint.
    pub fn insert_with(
        &mut self,
        key: &'static str,
        made_from: impl Fn(&mut Fingerprint) + 'a,
        make: impl FnOnce() -> tera::Value + 'a,
    ) {
        self.entries.push((key, Box::new(Made(made_from, make))));
    }

    /// A value made by `make` only when a template reads it (or the page is fingerprinted),
    /// for a value cheaper to make than to say what it is made from.
    pub fn insert_lazy(&mut self, key: &'static str, make: impl FnOnce() -> tera::Value + 'a) {
        self.entries.push((
            key,
            Box::new(Lazy {
                made: std::cell::OnceCell::new(),
                make: std::cell::Cell::new(Some(make)),
            }),
        ));
    }

    /// Adds to the fingerprint something that shapes the output without being a value
    /// templates see.
    pub fn depend_on<T: Serialize + ?Sized>(&mut self, v: &T) {
        self.depends.add(v);
    }

    pub(super) fn fingerprint(&self) -> Fingerprint {
        let mut fingerprint = Fingerprint::default();
        fingerprint.add(&self.depends.finish());
        for (key, entry) in &self.entries {
            fingerprint.add(key);
            entry.hash(&mut fingerprint);
        }
        fingerprint
    }

    pub(super) fn into_context(self) -> Context {
        self.into_context_for(|_| true)
    }

    /// The context with only the values `reads` names: the others are never made.
    pub(super) fn into_context_for(self, reads: impl Fn(&str) -> bool) -> Context {
        let mut ctx = Context::new();
        for (key, entry) in self.entries {
            if reads(key) {
                ctx.insert_value(key, entry.make());
            }
        }
        ctx
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::Output;
    use std::cell::Cell;

    /// A part's files are kept with the part, never by path: a build that takes the whole
    /// part leaves every file kept by path taken again, so none is looked for to forget.
    /// Made again, the part takes each file whose fingerprint is the same from the part as
    /// last made, and makes the others; a file the part no longer made is made again when
    /// it comes back.
    #[test]
    fn a_parts_files_are_kept_with_the_part_and_taken_from_it_when_it_is_made_again() {
        let cache = Arc::new(RenderCache::default());
        let made: &Mutex<Vec<String>> = &Mutex::default();
        // One build: the part from `inputs`, with a file of each (path, fingerprint), and
        // one file outside it. What it made, and each path with its body's address.
        let build = |inputs: u64, files: &[(&str, u64)]| {
            let out = Output::keep_cached(Arc::clone(&cache));
            let take = |out: &Output, path: &str, fingerprint: u64| {
                let render = || {
                    made.lock().unwrap().push(path.to_string());
                    Ok(OutputFile::bytes(path, path.as_bytes().to_vec()))
                };
                assert!(out.take_cached(path, Some(fingerprint), render).is_none());
            };
            let diags = out.put_part(
                "part",
                || inputs,
                |part| {
                    for (path, fingerprint) in files {
                        take(part, path, *fingerprint);
                    }
                    Vec::new()
                },
            );
            assert!(diags.is_empty());
            take(&out, "page/index.html", 1);
            let finished = out.finish().unwrap();
            let bodies: Vec<(String, *const u8)> = (finished.files.iter())
                .map(|f| match &f.body {
                    Body::Bytes(b) => (f.path.clone(), b.as_ptr()),
                    _ => panic!("{} is made as one", f.path),
                })
                .collect();
            (std::mem::take(&mut *made.lock().unwrap()), bodies)
        };
        let by_path = || {
            let mut paths: Vec<String> = cache.files().by_path.keys().cloned().collect();
            paths.sort();
            paths
        };
        let both = [("a/index.html", 10), ("b/index.html", 20)];

        let (first, was) = build(1, &both);
        assert_eq!(first, ["a/index.html", "b/index.html", "page/index.html"]);
        assert_eq!(by_path(), ["page/index.html"]);
        let (taken, now) = build(1, &both);
        assert!(taken.is_empty(), "{taken:?}");
        assert_eq!(now, was);
        assert_eq!(by_path(), ["page/index.html"]);

        // Made again: `a` is as it was, `b` is made from something else.
        let (again, now) = build(2, &[("a/index.html", 10), ("b/index.html", 21)]);
        assert_eq!(again, ["b/index.html"]);
        assert_eq!(now[0], was[0], "a/index.html is taken from the part");
        assert_ne!(now[1], was[1]);

        // `b` goes, then comes back as it was: it is made again.
        assert_eq!(build(3, &[("a/index.html", 10)]).0, Vec::<String>::new());
        assert_eq!(build(4, &both).0, ["b/index.html"]);
    }

    /// A lazy value is made once at most: not at all for a template that does not read it,
    /// and once for a page that is both fingerprinted and rendered; its fingerprint
    /// follows what it is made from.
    #[test]
    fn a_lazy_value_is_made_only_when_needed_and_fingerprinted_by_what_it_is() {
        let made = &Cell::new(0);
        let values_of = |text: &'static str| {
            let mut values = Values::default();
            values.insert_lazy("nav", move || {
                made.set(made.get() + 1);
                tera::Value::from(text)
            });
            values
        };
        let context = values_of("a").into_context_for(|name| name != "nav");
        assert!(context.get("nav").is_none());
        assert_eq!(made.get(), 0);

        let values = values_of("a");
        let first = values.fingerprint().finish();
        let context = values.into_context();
        assert_eq!(made.get(), 1);
        assert_eq!(context.get("nav"), Some(&tera::Value::from("a")));

        assert_eq!(values_of("a").fingerprint().finish(), first);
        assert_ne!(values_of("b").fingerprint().finish(), first);
    }

    /// Values that differ only in where one part ends and the next begins, in which of
    /// two kinds a part is, or in a variant's name, feed different streams, as their JSON
    /// differs.
    #[test]
    fn values_that_differ_only_in_their_shape_have_different_fingerprints() {
        /// Text that serde is given in pieces, as a date is.
        struct Shown(&'static str);
        impl Serialize for Shown {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(self.0)
            }
        }
        let of = |value: &dyn erased::Value| {
            let mut fingerprint = Fingerprint::default();
            value.add_to(&mut fingerprint);
            fingerprint.finish()
        };
        #[derive(Serialize)]
        enum First {
            A,
        }
        #[derive(Serialize)]
        enum Second {
            B,
        }
        let pairs: [(&dyn erased::Value, &dyn erased::Value); 10] = [
            (&First::A, &Second::B),
            (&(vec![1], 2), &(vec![1, 2],)),
            (&("ab", "c"), &("a", "bc")),
            (&["a", ""], &["", "a"]),
            (&(vec![1], vec![2, 3]), &(vec![1, 2], vec![3])),
            (&Some(""), &None::<&str>),
            (&Some(Some(1)), &Some(None::<u8>)),
            (&1_u8, &true),
            (&std::collections::BTreeMap::from([("a", "b")]), &["a", "b"]),
            (&(Shown("ab"), Shown("c")), &(Shown("a"), Shown("bc"))),
        ];
        for (a, b) in pairs {
            assert_ne!(of(a), of(b));
            assert_eq!(of(a), of(a));
        }
    }

    /// Lets values of different types sit in one list.
    mod erased {
        pub trait Value {
            fn add_to(&self, fingerprint: &mut super::Fingerprint);
        }

        impl<T: serde::Serialize> Value for T {
            fn add_to(&self, fingerprint: &mut super::Fingerprint) {
                fingerprint.add(self);
            }
        }
    }
}
