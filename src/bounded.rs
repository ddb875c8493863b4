//! Lists and trees read back from a file merge does not trust (a shard's record), refused as
//! soon as they pass what a run could have written, before they are built. Bounding the file's
//! size alone was not enough: ten million empty strings in a 30 MB record took 1.4 GB to hold
//! (and twice more to compare), and a list of numbers or an arbitrary JSON tree costs many
//! times its text; a 1 GiB record could have reached tens of gigabytes.

use std::cell::Cell;
use std::fmt;
use std::marker::PhantomData;

use serde::de::{Deserialize, DeserializeSeed, Deserializer, Error, MapAccess, SeqAccess, Visitor};

/// A list of at most `most` entries, for the record's `key`; `why` says where the limit comes
/// from. Built as it is read: an over-long list stops at its first entry past the limit.
pub struct List<'a, T> {
    pub key: &'a str,
    pub most: usize,
    pub why: &'a str,
    pub entry: PhantomData<T>,
}

impl<'a, T> List<'a, T> {
    pub fn new(key: &'a str, most: usize, why: &'a str) -> Self {
        Self {
            key,
            most,
            why,
            entry: PhantomData,
        }
    }

    /// The refusal of a list past the limit.
    pub fn too_long<E: Error>(&self) -> E {
        E::custom(format!(
            "`{}` lists more than {} entries: {}",
            self.key, self.most, self.why
        ))
    }
}

/// Read `d` as a list of at most `most` entries (see [`List`]).
pub fn list<'de, D, T>(d: D, key: &str, most: usize, why: &str) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    d.deserialize_seq(List::new(key, most, why))
}

impl<'de, T: Deserialize<'de>> DeserializeSeed<'de> for List<'_, T> {
    type Value = Vec<T>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Vec<T>, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de, T: Deserialize<'de>> Visitor<'de> for List<'_, T> {
    type Value = Vec<T>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(
            f,
            "a list of at most {} entries for `{}`",
            self.most, self.key
        )
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<T>, A::Error> {
        // The hint is the file's word: trusted only up to a small first allocation.
        let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(self.most).min(1024));
        while let Some(entry) = seq.next_element()? {
            if out.len() == self.most {
                return Err(self.too_long());
            }
            out.push(entry);
        }
        Ok(out)
    }
}

/// Read `d` as a JSON value of at most `most` values in all (every number, string, list and
/// table counts one), for the record's `key`; `why` says where the limit comes from. A JSON tree
/// in memory takes tens of bytes per value, where `0,` takes two in the file.
pub fn json<'de, D: Deserializer<'de>>(
    d: D,
    key: &str,
    most: usize,
    why: &str,
) -> Result<serde_json::Value, D::Error> {
    let budget = Budget {
        key,
        most,
        why,
        left: Cell::new(most),
    };
    Node(&budget).deserialize(d)
}

struct Budget<'a> {
    key: &'a str,
    most: usize,
    why: &'a str,
    left: Cell<usize>,
}

impl Budget<'_> {
    fn take<E: Error>(&self) -> Result<(), E> {
        match self.left.get() {
            0 => Err(E::custom(format!(
                "`{}` holds more than {} values: {}",
                self.key, self.most, self.why
            ))),
            n => {
                self.left.set(n - 1);
                Ok(())
            }
        }
    }
}

#[derive(Clone, Copy)]
struct Node<'b, 'a>(&'b Budget<'a>);

impl<'de> DeserializeSeed<'de> for Node<'_, '_> {
    type Value = serde_json::Value;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Node<'_, '_> {
    type Value = serde_json::Value;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E: Error>(self, v: bool) -> Result<Self::Value, E> {
        self.0.take()?;
        Ok(v.into())
    }
    fn visit_i64<E: Error>(self, v: i64) -> Result<Self::Value, E> {
        self.0.take()?;
        Ok(v.into())
    }
    fn visit_u64<E: Error>(self, v: u64) -> Result<Self::Value, E> {
        self.0.take()?;
        Ok(v.into())
    }
    fn visit_f64<E: Error>(self, v: f64) -> Result<Self::Value, E> {
        self.0.take()?;
        Ok(serde_json::Number::from_f64(v).map_or(serde_json::Value::Null, Into::into))
    }
    fn visit_str<E: Error>(self, v: &str) -> Result<Self::Value, E> {
        self.0.take()?;
        Ok(v.into())
    }
    fn visit_string<E: Error>(self, v: String) -> Result<Self::Value, E> {
        self.0.take()?;
        Ok(v.into())
    }
    fn visit_unit<E: Error>(self) -> Result<Self::Value, E> {
        self.0.take()?;
        Ok(serde_json::Value::Null)
    }
    fn visit_none<E: Error>(self) -> Result<Self::Value, E> {
        self.visit_unit()
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        self.deserialize(d)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        self.0.take()?;
        let mut out = Vec::new();
        while let Some(v) = seq.next_element_seed(self)? {
            out.push(v);
        }
        Ok(serde_json::Value::Array(out))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        self.0.take()?;
        let mut out = serde_json::Map::new();
        while let Some(k) = map.next_key::<String>()? {
            // The key is a value of its own: a table of a million empty keys is as big.
            self.0.take()?;
            let v = map.next_value_seed(self)?;
            out.insert(k, v);
        }
        Ok(serde_json::Value::Object(out))
    }
}
