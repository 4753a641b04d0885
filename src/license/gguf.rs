//! The license a GGUF file carries in its header (`general.license`,
//! `general.license.name`, `general.license.link`, and where the weights
//! came from: `general.source.huggingface.repository`,
//! `general.source.url`). An Ollama model has no card: this is its best
//! evidence; for a Hub repo it is a third witness beside the card and the
//! LICENSE file. The header is read, never the tensors: a reader asks for
//! a prefix of the file and, when the metadata runs past it, a longer one.

use serde::{Deserialize, Serialize};

/// What a GGUF header says of its license and origin.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GgufLicense {
    pub license: Option<String>,
    pub name: Option<String>,
    pub link: Option<String>,
    /// `general.source.huggingface.repository`, else `general.source.url`.
    pub source: Option<String>,
}

impl GgufLicense {
    pub fn is_empty(&self) -> bool {
        *self == GgufLicense::default()
    }
}

/// How far a prefix of a file got.
#[derive(Debug, PartialEq, Eq)]
pub enum Read {
    /// Every metadata entry was read.
    Done(GgufLicense),
    /// The metadata goes on past the prefix: at least this many bytes are
    /// needed.
    More(u64),
    /// Not a GGUF file, or a malformed one.
    Bad(String),
}

/// The most a reader fetches for a header (a vocabulary of a few hundred
/// thousand tokens takes a few MiB).
pub const MAX_HEADER: u64 = 64 << 20;
/// The first prefix a reader asks for.
pub const FIRST_READ: u64 = 1 << 20;

struct Cursor<'a> {
    bytes: &'a [u8],
    at: usize,
}

enum Stop {
    More(u64),
    Bad(String),
}

impl Cursor<'_> {
    fn take(&mut self, n: u64) -> Result<&[u8], Stop> {
        let end = (self.at as u64)
            .checked_add(n)
            .filter(|e| *e <= MAX_HEADER)
            .ok_or_else(|| {
                Stop::Bad(format!(
                    "a GGUF header longer than {} MiB",
                    MAX_HEADER >> 20
                ))
            })?;
        if end > self.bytes.len() as u64 {
            return Err(Stop::More(end));
        }
        let s = &self.bytes[self.at..end as usize];
        self.at = end as usize;
        Ok(s)
    }

    fn u32(&mut self) -> Result<u32, Stop> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn u64(&mut self) -> Result<u64, Stop> {
        let b = self.take(8)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(b);
        Ok(u64::from_le_bytes(a))
    }

    fn string(&mut self) -> Result<String, Stop> {
        let n = self.u64()?;
        let b = self.take(n)?;
        Ok(String::from_utf8_lossy(b).into_owned())
    }

    /// Skips (or reads, for a string) a value of GGUF type `t`.
    fn value(&mut self, t: u32) -> Result<Option<String>, Stop> {
        let fixed = |t: u32| match t {
            0 | 1 | 7 => Some(1),
            2 | 3 => Some(2),
            4..=6 => Some(4),
            10..=12 => Some(8),
            _ => None,
        };
        match t {
            8 => self.string().map(Some),
            9 => {
                let inner = self.u32()?;
                let count = self.u64()?;
                if let Some(size) = fixed(inner) {
                    let n = count
                        .checked_mul(size)
                        .ok_or_else(|| Stop::Bad("an array too large".into()))?;
                    self.take(n)?;
                } else if inner == 8 {
                    for _ in 0..count {
                        let n = self.u64()?;
                        self.take(n)?;
                    }
                } else {
                    return Err(Stop::Bad(format!("an array of type {inner}")));
                }
                Ok(None)
            }
            t => match fixed(t) {
                Some(n) => self.take(n).map(|_| None),
                None => Err(Stop::Bad(format!("a value of unknown type {t}"))),
            },
        }
    }
}

/// Reads the license entries of a GGUF header from a prefix of the file.
pub fn read(bytes: &[u8]) -> Read {
    let mut c = Cursor { bytes, at: 0 };
    match header(&mut c) {
        Ok(l) => Read::Done(l),
        Err(Stop::More(n)) => Read::More(n),
        Err(Stop::Bad(why)) => Read::Bad(why),
    }
}

fn header(c: &mut Cursor<'_>) -> Result<GgufLicense, Stop> {
    if c.take(4)? != b"GGUF" {
        return Err(Stop::Bad("not a GGUF file (no `GGUF` magic)".into()));
    }
    let version = c.u32()?;
    if !(2..=3).contains(&version) {
        return Err(Stop::Bad(format!("GGUF version {version}")));
    }
    let _tensors = c.u64()?;
    let count = c.u64()?;
    let mut out = GgufLicense::default();
    let mut url = None;
    for _ in 0..count {
        let key = c.string()?;
        let t = c.u32()?;
        let v = c.value(t)?;
        let slot = match key.as_str() {
            "general.license" => &mut out.license,
            "general.license.name" => &mut out.name,
            "general.license.link" => &mut out.link,
            "general.source.huggingface.repository" => &mut out.source,
            "general.source.url" => &mut url,
            _ => continue,
        };
        // a value of bounded length, as the lock will hold it
        *slot = v
            .map(|s| s.trim().chars().take(512).collect())
            .filter(|s: &String| !s.is_empty());
    }
    if out.source.is_none() {
        out.source = url;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncated_and_foreign_prefixes() {
        assert_eq!(read(b"GGU"), Read::More(4));
        assert!(matches!(read(b"PK\x03\x04rest of a zip"), Read::Bad(_)));
        // version 3, 0 tensors, 1 entry whose key is cut short
        let mut b = b"GGUF".to_vec();
        b.extend(3u32.to_le_bytes());
        b.extend(0u64.to_le_bytes());
        b.extend(1u64.to_le_bytes());
        b.extend(15u64.to_le_bytes());
        b.extend(b"general.");
        assert_eq!(read(&b), Read::More(b.len() as u64 + 7));
        // a length no header has
        let mut huge = b"GGUF".to_vec();
        huge.extend(3u32.to_le_bytes());
        huge.extend(0u64.to_le_bytes());
        huge.extend(1u64.to_le_bytes());
        huge.extend(u64::MAX.to_le_bytes());
        assert!(matches!(read(&huge), Read::Bad(_)));
    }
}
