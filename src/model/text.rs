//! Text values as a handbook must give them, for `#[serde(deserialize_with)]` on the
//! record and configuration types. The messages are shared with `load::yaml`, which turns
//! them into reports at the field.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer};

/// What [`text`] says of a field given `null`, `~` or nothing; `load::yaml::diagnose` puts the
/// field's path in front.
pub const NO_VALUE: &str = "has no value";
/// What [`text`] says of a field given only white space.
pub const EMPTY: &str = "is empty";
/// What [`unique_keys`] says of a key given twice; `load::yaml::diagnose` names the key.
pub const DUPLICATE: &str = "duplicate key";

/// A text that must be given. serde_yaml reads `null`, `~` and an empty value into a
/// `String` as the texts "null", "~" and "", so `title: null` would load as a title;
/// reading the value as an option first tells a written `null` from the text "null".
/// White space alone is no text either.
pub struct Text(pub String);

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_option(TextVisitor).map(Text)
    }
}

struct TextVisitor;

impl<'de> Visitor<'de> for TextVisitor {
    type Value = String;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a text")
    }

    fn visit_none<E: de::Error>(self) -> Result<String, E> {
        Err(E::custom(NO_VALUE))
    }

    fn visit_unit<E: de::Error>(self) -> Result<String, E> {
        Err(E::custom(NO_VALUE))
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<String, D::Error> {
        d.deserialize_string(self)
    }

    fn visit_str<E: de::Error>(self, s: &str) -> Result<String, E> {
        self.visit_string(s.to_string())
    }

    fn visit_string<E: de::Error>(self, s: String) -> Result<String, E> {
        if s.trim().is_empty() {
            Err(E::custom(EMPTY))
        } else {
            Ok(s)
        }
    }
}

/// For `#[serde(deserialize_with)]` on a `String` that must be given: see [`Text`].
pub fn text<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Text::deserialize(d).map(|t| t.0)
}

/// For `#[serde(deserialize_with)]` on a list of strings: each item must be a [`Text`].
pub fn texts<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    Vec::<Text>::deserialize(d).map(|items| items.into_iter().map(|t| t.0).collect())
}

/// For `#[serde(deserialize_with)]` on a map: a key given twice is an error, where serde
/// would keep the last value and drop the first without a word.
pub fn unique_keys<'de, D, K, V>(d: D) -> Result<BTreeMap<K, V>, D::Error>
where
    D: Deserializer<'de>,
    K: Deserialize<'de> + Ord,
    V: Deserialize<'de>,
{
    struct Unique<K, V>(std::marker::PhantomData<(K, V)>);
    impl<'de, K: Deserialize<'de> + Ord, V: Deserialize<'de>> Visitor<'de> for Unique<K, V> {
        type Value = BTreeMap<K, V>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a mapping")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut out = BTreeMap::new();
            while let Some((key, value)) = map.next_entry()? {
                if out.insert(key, value).is_some() {
                    return Err(de::Error::custom(DUPLICATE));
                }
            }
            Ok(out)
        }
    }
    d.deserialize_map(Unique(std::marker::PhantomData))
}
