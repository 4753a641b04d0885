//! What a pickle would import, read without running it: the opcode stream
//! is walked and every `GLOBAL`, `INST` and `STACK_GLOBAL` collected, in a
//! plain pickle, in the `*.pkl` entries of a PyTorch zip archive, and in the
//! pickles at the head of a legacy PyTorch file. Nothing is unpickled.
//!
//! The globals a weights file needs are allowed — picklescan's safe list
//! (mmaitre314/picklescan, `src/picklescan/scanner.py` at
//! 84fb1bad6324a70baed78c83004d9977ecf306a4: `collections.OrderedDict`,
//! the `torch.*Storage` classes, `torch._utils._rebuild_tensor_v2`), with
//! the other tensor and parameter rebuilders of `torch._utils` and NumPy's
//! array and dtype reconstruction. Anything else is reported; what
//! picklescan lists as dangerous (`os`, `posix`, `nt`, `subprocess`, `sys`,
//! `socket`, `webbrowser`, `builtins.eval`/`exec`/`compile`/`open`/
//! `getattr`, …) is named so.

use serde::{Deserialize, Serialize};
use std::io::Read;
use std::path::Path;

/// One global a pickle imports.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Import {
    pub module: String,
    pub name: String,
}

impl Import {
    pub fn shown(&self) -> String {
        format!("{}.{}", self.module, self.name)
    }

    /// Whether a weights file needs it.
    pub fn allowed(&self) -> bool {
        let (m, n) = (self.module.as_str(), self.name.as_str());
        match m {
            "collections" => n == "OrderedDict",
            "torch" => {
                (n.ends_with("Storage") && n.chars().all(|c| c.is_ascii_alphanumeric()))
                    || matches!(n, "Size" | "device" | "dtype")
                    || is_torch_dtype(n)
            }
            "torch._utils" => matches!(
                n,
                "_rebuild_tensor"
                    | "_rebuild_tensor_v2"
                    | "_rebuild_tensor_v3"
                    | "_rebuild_parameter"
                    | "_rebuild_parameter_with_state"
                    | "_rebuild_qtensor"
                    | "_rebuild_sparse_tensor"
                    | "_rebuild_meta_tensor_no_storage"
                    | "_rebuild_wrapper_subclass"
                    | "_rebuild_device_tensor_from_numpy"
            ),
            "torch._tensor" => n == "_rebuild_from_type_v2",
            "torch.nn.parameter" => n == "Parameter",
            "numpy.core.multiarray" | "numpy._core.multiarray" => {
                matches!(n, "_reconstruct" | "scalar")
            }
            "numpy" => matches!(n, "ndarray" | "dtype"),
            "_codecs" => n == "encode",
            "builtins" | "__builtin__" => matches!(n, "set" | "frozenset" | "slice" | "bytearray"),
            _ => false,
        }
    }

    /// Whether picklescan lists it as dangerous.
    pub fn dangerous(&self) -> bool {
        let (m, n) = (self.module.as_str(), self.name.as_str());
        match m {
            "builtins" | "__builtin__" => matches!(
                n,
                "eval"
                    | "compile"
                    | "getattr"
                    | "apply"
                    | "exec"
                    | "open"
                    | "breakpoint"
                    | "__import__"
            ),
            "webbrowser" | "httplib" | "http.client" | "requests.api" | "aiohttp.client" | "os"
            | "nt" | "posix" | "socket" | "subprocess" | "sys" | "runpy" | "shutil" | "pty"
            | "importlib" | "marshal" | "pickle" | "unknown" => true,
            _ => false,
        }
    }
}

fn is_torch_dtype(n: &str) -> bool {
    matches!(
        n,
        "float16"
            | "float32"
            | "float64"
            | "bfloat16"
            | "half"
            | "float"
            | "double"
            | "int8"
            | "int16"
            | "int32"
            | "int64"
            | "uint8"
            | "bool"
            | "long"
            | "int"
            | "complex64"
            | "complex128"
    )
}

/// The globals one pickle stream, or several in a row, imports; `Err` when
/// the bytes are not a pickle at all. Reading stops at the first bytes
/// after a complete pickle that are not one (the storages of a legacy
/// PyTorch file follow its pickles).
pub fn imports(bytes: &[u8]) -> Result<Vec<Import>, String> {
    let mut out = Vec::new();
    let mut at = 0;
    let mut pickles = 0;
    while at < bytes.len() && pickles < 16 {
        match one_pickle(&bytes[at..], &mut out) {
            Ok(len) => {
                at += len;
                pickles += 1;
            }
            Err(e) if pickles == 0 => return Err(e),
            Err(_) => break,
        }
    }
    out.sort();
    out.dedup();
    Ok(out)
}

/// Walks one pickle to its STOP; returns its length.
fn one_pickle(b: &[u8], out: &mut Vec<Import>) -> Result<usize, String> {
    let mut i = 0usize;
    // the strings pushed lately (for STACK_GLOBAL), and the memo of them
    let mut strings: Vec<Option<String>> = Vec::new();
    let mut memo: std::collections::HashMap<u64, Option<String>> = Default::default();
    let take = |i: &mut usize, n: usize| -> Result<&[u8], String> {
        let s = b
            .get(*i..*i + n)
            .ok_or("the pickle ends inside an opcode")?;
        *i += n;
        Ok(s)
    };
    let le = |s: &[u8]| s.iter().rev().fold(0u64, |a, x| (a << 8) | u64::from(*x));
    let line = |i: &mut usize| -> Result<String, String> {
        let rest = b.get(*i..).ok_or("the pickle ends inside an opcode")?;
        let end = rest
            .iter()
            .position(|c| *c == b'\n')
            .ok_or("a line opcode has no end")?;
        *i += end + 1;
        Ok(String::from_utf8_lossy(&rest[..end]).into_owned())
    };
    loop {
        let op = *b.get(i).ok_or("the pickle has no STOP")?;
        i += 1;
        let mut pushed: Option<Option<String>> = None;
        match op {
            b'.' => return Ok(i),
            // GLOBAL and INST: module and name on two lines
            b'c' | b'i' => {
                let module = line(&mut i)?;
                let name = line(&mut i)?;
                out.push(Import { module, name });
                pushed = Some(None);
            }
            // STACK_GLOBAL: the two strings pushed last
            0x93 => {
                let mut last: Vec<Option<String>> = strings.iter().rev().take(2).cloned().collect();
                last.reverse();
                let (module, name) = match last.as_slice() {
                    [Some(m), Some(n)] => (m.clone(), n.clone()),
                    _ => ("unknown".to_owned(), "unknown".to_owned()),
                };
                out.push(Import { module, name });
                pushed = Some(None);
            }
            // strings
            b'X' => {
                let n = le(take(&mut i, 4)?) as usize;
                pushed = Some(Some(String::from_utf8_lossy(take(&mut i, n)?).into_owned()));
            }
            0x8c => {
                let n = take(&mut i, 1)?[0] as usize;
                pushed = Some(Some(String::from_utf8_lossy(take(&mut i, n)?).into_owned()));
            }
            0x8d => {
                let n = le(take(&mut i, 8)?) as usize;
                pushed = Some(Some(String::from_utf8_lossy(take(&mut i, n)?).into_owned()));
            }
            b'V' => pushed = Some(Some(line(&mut i)?)),
            b'S' => {
                let s = line(&mut i)?;
                pushed = Some(Some(s.trim_matches(['\'', '"']).to_owned()));
            }
            b'T' | b'B' => {
                let n = le(take(&mut i, 4)?) as usize;
                let s = take(&mut i, n)?;
                pushed = Some((op == b'T').then(|| String::from_utf8_lossy(s).into_owned()));
            }
            b'U' | b'C' => {
                let n = take(&mut i, 1)?[0] as usize;
                let s = take(&mut i, n)?;
                pushed = Some((op == b'U').then(|| String::from_utf8_lossy(s).into_owned()));
            }
            0x8e | 0x96 => {
                let n = le(take(&mut i, 8)?) as usize;
                take(&mut i, n)?;
                pushed = Some(None);
            }
            // the memo: a string put there can be pushed again
            b'p' => {
                let k = line(&mut i)?.trim().parse::<u64>().unwrap_or(u64::MAX);
                memo.insert(k, strings.last().cloned().flatten());
            }
            b'q' => {
                let k = u64::from(take(&mut i, 1)?[0]);
                memo.insert(k, strings.last().cloned().flatten());
            }
            b'r' => {
                let k = le(take(&mut i, 4)?);
                memo.insert(k, strings.last().cloned().flatten());
            }
            0x94 => {
                let k = memo.len() as u64;
                memo.insert(k, strings.last().cloned().flatten());
            }
            b'g' => {
                let k = line(&mut i)?.trim().parse::<u64>().unwrap_or(u64::MAX);
                pushed = Some(memo.get(&k).cloned().flatten());
            }
            b'h' => {
                let k = u64::from(take(&mut i, 1)?[0]);
                pushed = Some(memo.get(&k).cloned().flatten());
            }
            b'j' => {
                let k = le(take(&mut i, 4)?);
                pushed = Some(memo.get(&k).cloned().flatten());
            }
            // opcodes with arguments of fixed size
            0x80 | b'K' => {
                take(&mut i, 1)?;
                pushed = (op == b'K').then_some(None);
            }
            b'M' => {
                take(&mut i, 2)?;
                pushed = Some(None);
            }
            b'J' => {
                take(&mut i, 4)?;
                pushed = Some(None);
            }
            b'G' | 0x95 => {
                take(&mut i, 8)?;
                pushed = (op == b'G').then_some(None);
            }
            0x8a => {
                let n = take(&mut i, 1)?[0] as usize;
                take(&mut i, n)?;
                pushed = Some(None);
            }
            0x8b => {
                let n = le(take(&mut i, 4)?) as usize;
                take(&mut i, n)?;
                pushed = Some(None);
            }
            // extension codes name globals by number (copyreg): unknown
            0x82..=0x84 => {
                take(&mut i, [1, 2, 4][(op - 0x82) as usize])?;
                out.push(Import {
                    module: "copyreg".into(),
                    name: "extension".into(),
                });
                pushed = Some(None);
            }
            // opcodes with a line argument
            b'I' | b'L' | b'F' | b'P' => {
                line(&mut i)?;
                pushed = Some(None);
            }
            // opcodes without arguments
            b'N' | 0x88 | 0x89 | b']' | b')' | b'}' | 0x8f | b'(' | b'l' | b't' | 0x85 | 0x86
            | 0x87 | b'd' | 0x91 | b'R' | b'o' | 0x81 | 0x92 | b'Q' | 0x97 | 0x98 => {
                pushed = Some(None);
            }
            b'a' | b'e' | b's' | b'u' | 0x90 | b'b' | b'0' | b'1' | b'2' => {}
            other => {
                return Err(format!(
                    "not a pickle (opcode 0x{other:02x} at byte {})",
                    i - 1
                ));
            }
        }
        if let Some(p) = pushed {
            strings.push(p);
            if strings.len() > 64 {
                strings.drain(..32);
            }
        }
        if out.len() > 10_000 {
            return Err("more than 10,000 imports".into());
        }
    }
}

/// The most of a file's head read for the pickles of a legacy PyTorch
/// file, and of a zip entry.
const HEAD: u64 = 64 << 20;

/// What the pickle-based file at `path` imports: the `*.pkl` entries of a
/// zip archive (PyTorch's format since 1.6), else the pickles at its head.
pub fn inspect(path: &Path) -> Result<Vec<Import>, String> {
    let mut f = std::fs::File::open(path).map_err(|e| e.to_string())?;
    let mut magic = [0u8; 4];
    let n = f.read(&mut magic).map_err(|e| e.to_string())?;
    if n == 4 && &magic == b"PK\x03\x04" {
        let mut zip = zip::ZipArchive::new(f).map_err(|e| format!("not a zip archive: {e}"))?;
        let mut out = Vec::new();
        for k in 0..zip.len().min(10_000) {
            let mut entry = zip.by_index(k).map_err(|e| e.to_string())?;
            let name = entry.name().map_err(|e| e.to_string())?.into_owned();
            if !(name.ends_with(".pkl") || name.ends_with(".pickle")) {
                continue;
            }
            let mut bytes = Vec::new();
            (&mut entry)
                .take(HEAD)
                .read_to_end(&mut bytes)
                .map_err(|e| e.to_string())?;
            out.extend(imports(&bytes).map_err(|e| format!("{name}: {e}"))?);
        }
        out.sort();
        out.dedup();
        return Ok(out);
    }
    let mut bytes = magic[..n].to_vec();
    f.take(HEAD)
        .read_to_end(&mut bytes)
        .map_err(|e| e.to_string())?;
    imports(&bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(v: &[Import]) -> Vec<String> {
        v.iter().map(Import::shown).collect()
    }

    #[test]
    fn globals_of_each_kind() {
        // protocol 0: GLOBAL os system, then a REDUCE
        let p0 = b"cos\nsystem\n(S'echo hi'\ntR.";
        assert_eq!(names(&imports(p0).unwrap()), ["os.system"]);
        // INST
        let inst = b"(S'id'\nisubprocess\ncheck_output\n.";
        assert_eq!(names(&imports(inst).unwrap()), ["subprocess.check_output"]);
        // protocol 4: STACK_GLOBAL of two short unicode strings, memoized
        let mut p4 = vec![0x80, 4, 0x95, 0, 0, 0, 0, 0, 0, 0, 0];
        p4.extend([0x8c, 8]);
        p4.extend(b"builtins");
        p4.push(0x94);
        p4.extend([0x8c, 4]);
        p4.extend(b"exec");
        p4.push(0x94);
        p4.extend([0x93, 0x94, 0x8c, 1, b'x', 0x85, b'R', 0x94, b'.']);
        let got = imports(&p4).unwrap();
        assert_eq!(names(&got), ["builtins.exec"]);
        assert!(got[0].dangerous() && !got[0].allowed());
        // a string fetched back from the memo
        let mut memo = vec![0x80, 4, 0x8c, 5];
        memo.extend(b"posix");
        memo.extend([b'q', 7, 0x8c, 6]);
        memo.extend(b"system");
        memo.extend([b'h', 7, 0x8c, 6]);
        memo.extend(b"system");
        memo.extend([0x93, b'.']);
        assert_eq!(names(&imports(&memo).unwrap()), ["posix.system"]);
        assert!(imports(b"\x00\x01garbage").is_err());
    }

    #[test]
    fn what_weights_need_is_allowed() {
        for (m, n) in [
            ("torch._utils", "_rebuild_tensor_v2"),
            ("torch", "FloatStorage"),
            ("torch", "BFloat16Storage"),
            ("collections", "OrderedDict"),
            ("numpy.core.multiarray", "_reconstruct"),
            ("numpy", "dtype"),
        ] {
            assert!(
                Import {
                    module: m.into(),
                    name: n.into()
                }
                .allowed(),
                "{m}.{n}"
            );
        }
        for (m, n) in [
            ("os", "system"),
            ("builtins", "eval"),
            ("runpy", "run_path"),
            ("torch", "load"),
        ] {
            assert!(
                !Import {
                    module: m.into(),
                    name: n.into()
                }
                .allowed(),
                "{m}.{n}"
            );
        }
    }
}
