//! [`Map`]: a JSON object's members in order.

use alloc::string::String;
use alloc::vec::Vec;

use super::{write, Value};

/// An object: its members in order.
///
/// JSON text may name a key twice (no request made from a JavaScript object does; a broken server
/// might). The map then keeps both members, in place, and writes them back as they came, while
/// every lookup sees the last one: what `JSON.parse` or `serde_json` make of it, read or written,
/// is the same (the first place, the last value), with no hashing or sorting code in the wasm.
/// (Dropping `null`s drops a member that is `null`, so there a key given twice may keep an earlier
/// value; a request made from a JavaScript object never has one.)
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Map(pub(crate) Vec<(String, Value)>);

impl Map {
    /// An empty object.
    pub fn new() -> Self {
        Map(Vec::new())
    }
    /// An object of these members, in this order (keys must differ).
    pub fn of<const N: usize>(members: [(&str, Value); N]) -> Self {
        Map(members.into_iter().map(|(k, v)| (k.into(), v)).collect())
    }
    /// How many members.
    pub fn len(&self) -> usize {
        self.0.len()
    }
    /// Whether it has no members.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    /// Where `key`'s (last) member is.
    fn position(&self, key: &str) -> Option<usize> {
        self.0.iter().rposition(|(k, _)| k == key)
    }
    /// The value of `key`.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.position(key).map(|i| &self.0[i].1)
    }
    /// Whether `key` is a member.
    pub fn contains_key(&self, key: &str) -> bool {
        self.position(key).is_some()
    }
    /// Sets `key`: in its place if it is a member, else last. Returns the value it replaced.
    pub fn insert(&mut self, key: String, value: Value) -> Option<Value> {
        match self.position(&key) {
            Some(i) => Some(core::mem::replace(&mut self.0[i].1, value)),
            None => {
                self.0.push((key, value));
                None
            }
        }
    }
    /// Puts `key` (not a member) at `index`, moving the members from there on one place back.
    pub fn insert_at(&mut self, index: usize, key: String, value: Value) {
        self.0.insert(index, (key, value));
    }
    /// Takes `key` out (every member of that name: the value is the last one's), keeping the
    /// others in order.
    pub fn remove(&mut self, key: &str) -> Option<Value> {
        let last = self.position(key)?;
        let value = core::mem::take(&mut self.0[last].1);
        self.0.retain(|(k, _)| k != key);
        Some(value)
    }
    /// The value of `key`, set to `make()` first (last) when it is not a member.
    pub fn get_or_insert_with(&mut self, key: &str, make: impl FnOnce() -> Value) -> &mut Value {
        let i = match self.position(key) {
            Some(i) => i,
            None => {
                self.0.push((key.into(), make()));
                self.0.len() - 1
            }
        };
        &mut self.0[i].1
    }
    /// Keeps the members for which `keep` says so.
    pub fn retain(&mut self, mut keep: impl FnMut(&str, &mut Value) -> bool) {
        self.0.retain_mut(|(k, v)| keep(k, v));
    }
    /// The keys, in order.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(|(k, _)| k.as_str())
    }
    /// The members, in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v))
    }
    /// The values, in order, to change.
    pub fn values_mut(&mut self) -> impl Iterator<Item = &mut Value> {
        self.0.iter_mut().map(|(_, v)| v)
    }
    /// Compact JSON text.
    pub fn to_json(&self) -> String {
        let mut out = String::new();
        write::write_object(&mut out, self);
        out
    }
}

impl IntoIterator for Map {
    type Item = (String, Value);
    type IntoIter = alloc::vec::IntoIter<(String, Value)>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl FromIterator<(String, Value)> for Map {
    /// The members in order, as they come (see [`Map`] for a key given twice).
    fn from_iter<I: IntoIterator<Item = (String, Value)>>(members: I) -> Self {
        Map(members.into_iter().collect())
    }
}
