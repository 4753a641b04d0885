//! The license a GGUF file of a model carries in its header, read from a
//! prefix of the file: over HTTP with `Range` (the Hub, an Ollama
//! registry), or from disk (`path:`). Only the header is read, in growing
//! prefixes (1 MiB, then as far as the metadata goes, at most 64 MiB); the
//! answer is cached by the file's sha256.

use super::{Context, Failure};
use crate::license::gguf::{read, GgufLicense, Read, FIRST_READ, MAX_HEADER};
use serde::{Deserialize, Serialize};

/// What a model's GGUF file says of its license, as the lock records it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GgufFacts {
    /// The file it was read from (the first locked `.gguf` file; for
    /// Ollama, the model layer).
    pub file: String,
    #[serde(flatten)]
    pub license: GgufLicense,
}

/// Whether a path is a GGUF file.
pub fn is_gguf(path: &str) -> bool {
    path.to_ascii_lowercase().ends_with(".gguf")
}

/// The header license of the file `file` (sha256 `sha256`), reading
/// prefixes with `prefix(len)`: `Ok(None)` when the source cannot give a
/// prefix (a server without ranges) or the file is not GGUF.
pub fn header(
    cx: &Context,
    file: &str,
    sha256: &str,
    prefix: impl Fn(u64) -> Result<Option<Vec<u8>>, Failure>,
) -> Result<Option<GgufFacts>, Failure> {
    let key = format!("sha256:{sha256}");
    if let Some(license) = cx.cache.get::<Option<GgufLicense>>("gguf-license", &key) {
        return Ok(license.map(|license| GgufFacts {
            file: file.to_owned(),
            license,
        }));
    }
    let mut len = FIRST_READ;
    let found = loop {
        let Some(bytes) = prefix(len)? else {
            return Ok(None);
        };
        let short = (bytes.len() as u64) < len;
        match read(&bytes) {
            Read::Done(l) => break Some(l),
            Read::More(n) if !short && n <= MAX_HEADER => len = n.max(len * 2).min(MAX_HEADER),
            // the file ends inside its header, or is not GGUF
            Read::More(_) | Read::Bad(_) => break None,
        }
    };
    cx.cache.put("gguf-license", &key, &found);
    Ok(found.map(|license| GgufFacts {
        file: file.to_owned(),
        license,
    }))
}

/// A prefix over HTTP: `Range: bytes=0-(len-1)`; a server that ignores
/// the range and sends more is not read further (`None`).
pub fn http_prefix(
    http: &crate::net::Http,
    url: &str,
    len: u64,
) -> Result<Option<crate::net::Response>, crate::net::NetError> {
    let range = format!("bytes=0-{}", len - 1);
    match http.get(
        url,
        &[("range", range.as_str()), ("accept-encoding", "identity")],
        len,
    ) {
        Ok(r) => Ok(Some(r)),
        Err(crate::net::NetError::TooLarge { .. }) => Ok(None),
        Err(e) => Err(e),
    }
}

/// A prefix of a file on disk.
pub fn file_prefix(path: &std::path::Path, len: u64) -> std::io::Result<Vec<u8>> {
    use std::io::Read as _;
    let mut out = Vec::new();
    std::fs::File::open(path)?.take(len).read_to_end(&mut out)?;
    Ok(out)
}
