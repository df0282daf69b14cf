//! Task handles: what the signing proxy gives its callers in place of a TaskId, so that each caller
//! sees only the tasks it created.
//!
//! A handle is the real TaskId, `~`, and a MAC of the subject and the TaskId (128 bits, base64url).
//! The proxy keeps no table: a describe is answered only when its handle verifies for the caller's
//! subject, which holds across restarts and isolates with nothing shared but the secret. A
//! client treats a handle as the opaque task id it is, so `create` then `wait(taskId)` through the
//! proxy works unchanged, also from another process.

use crate::prelude::*;
use base64ct::{Base64UrlUnpadded, Encoding};
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

/// Separates the TaskId from its MAC (never part of a real TaskId).
pub const SEPARATOR: char = '~';
const MAC_BYTES: usize = 16;

/// A key for handles, derived from a secret (a token secret, or the proxy's secret key): never the
/// secret itself, so a handle says nothing about it.
pub fn derive_key(secret: &[u8]) -> [u8; 32] {
    mac(secret, &[b"mps-aigc task handle v1"])
}

fn mac(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key).unwrap_or_else(|_| unreachable!());
    for part in parts {
        // Length-prefixed, so that ("ab", "c") and ("a", "bc") differ.
        mac.update(&(part.len() as u64).to_be_bytes());
        mac.update(part);
    }
    mac.finalize().into_bytes().into()
}

/// The handle of `task_id` for `subject`.
pub fn seal(key: &[u8; 32], subject: &str, task_id: &str) -> String {
    let tag = mac(key, &[subject.as_bytes(), task_id.as_bytes()]);
    let mut handle = String::with_capacity(task_id.len() + 24);
    handle.push_str(task_id);
    handle.push(SEPARATOR);
    handle.push_str(&Base64UrlUnpadded::encode_string(&tag[..MAC_BYTES]));
    handle
}

/// The TaskId inside `handle`, if `handle` was sealed for `subject` under one of `keys` (every key
/// compared in constant time).
pub fn open(keys: &[[u8; 32]], subject: &str, handle: &str) -> Option<String> {
    let (task_id, tag) = handle.rsplit_once(SEPARATOR)?;
    let tag = Base64UrlUnpadded::decode_vec(tag).ok().filter(|t| t.len() == MAC_BYTES)?;
    let mut matched = subtle::Choice::from(0);
    for key in keys {
        matched |= mac(key, &[subject.as_bytes(), task_id.as_bytes()])[..MAC_BYTES].ct_eq(&tag);
    }
    (bool::from(matched) && !task_id.is_empty()).then(|| task_id.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_handle_opens_for_its_subject_only() {
        let key = derive_key(b"an example token secret of 32+ bytes, for tests only");
        let handle = seal(&key, "alice", "4-AigcVideo-abc");
        assert!(handle.starts_with("4-AigcVideo-abc~"));
        assert_eq!(open(&[key], "alice", &handle).as_deref(), Some("4-AigcVideo-abc"));
        assert_eq!(open(&[key], "bob", &handle), None, "another subject");
        assert_eq!(open(&[key], "alice", "4-AigcVideo-abc"), None, "a bare TaskId");
        assert_eq!(open(&[key], "alice", &handle.replace("abc~", "abd~")), None, "another task");
        let other = derive_key(b"another example token secret, also 32+ bytes long");
        assert_eq!(open(&[other], "alice", &handle), None, "another secret");
        assert_eq!(open(&[other, key], "alice", &handle).as_deref(), Some("4-AigcVideo-abc"), "rotation");
        assert_eq!(open(&[key], "alice", "~"), None);
    }
}
