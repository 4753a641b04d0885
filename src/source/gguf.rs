//! The license a GGUF file of a model carries in its header, read from a
//! prefix of the file: over HTTP with `Range` (the Hub, an Ollama
//! registry), or from disk (`path:`). Only the header is read: 1 MiB, then
//! the next bytes as far as the metadata goes (at most 64 MiB in all, each
//! byte read once); the answer is cached by the file's sha256.

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

/// The header license of the file `file` (sha256 `sha256`), reading the
/// bytes `start..end` with `range(start, end)` (fewer at the end of the
/// file): `Ok(None)` when the source cannot give a range (a server
/// without ranges) or the file is not GGUF.
pub fn header(
    cx: &Context,
    file: &str,
    sha256: &str,
    range: impl Fn(u64, u64) -> Result<Option<Vec<u8>>, Failure>,
) -> Result<Option<GgufFacts>, Failure> {
    let key = format!("sha256:{sha256}");
    if let Some(license) = cx.cache.get::<Option<GgufLicense>>("gguf-license", &key) {
        return Ok(license.map(|license| GgufFacts {
            file: file.to_owned(),
            license,
        }));
    }
    let mut bytes: Vec<u8> = Vec::new();
    let mut len = FIRST_READ;
    let found = loop {
        // only what is not read yet
        let start = bytes.len() as u64;
        let Some(more) = range(start, len)? else {
            return Ok(None);
        };
        let short = (more.len() as u64) < len - start;
        bytes.extend(more);
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

/// The bytes `start..end` over HTTP (`Range: bytes=start-(end-1)`); a
/// server that ignores the range and sends more is not read further
/// (`None`), and one that answers another range is not believed.
pub fn http_range(
    http: &crate::net::Http,
    url: &str,
    start: u64,
    end: u64,
) -> Result<Option<crate::net::Response>, crate::net::NetError> {
    let range = format!("bytes={start}-{}", end - 1);
    match http.get(
        url,
        &[("range", range.as_str()), ("accept-encoding", "identity")],
        end - start,
    ) {
        // a 200 to a range from 0 is the whole (short) file; from further
        // on, it is not the bytes asked for
        Ok(r) if r.status == 200 && start > 0 => Ok(None),
        Ok(r)
            if r.status == 206
                && !r
                    .header("content-range")
                    .is_some_and(|c| c.trim().starts_with(&format!("bytes {start}-"))) =>
        {
            Ok(None)
        }
        Ok(r) => Ok(Some(r)),
        Err(crate::net::NetError::TooLarge { .. }) => Ok(None),
        Err(e) => Err(e),
    }
}

/// The bytes `start..end` of a file on disk (fewer at its end).
pub fn file_range(path: &std::path::Path, start: u64, end: u64) -> std::io::Result<Vec<u8>> {
    use std::io::{Read as _, Seek as _};
    let mut f = std::fs::File::open(path)?;
    f.seek(std::io::SeekFrom::Start(start))?;
    let mut out = Vec::new();
    f.take(end - start).read_to_end(&mut out)?;
    Ok(out)
}
