//! Which license files govern the weights. Real repos ship the license of
//! their code beside the license of their weights: `LICENSE-CODE` and
//! `LICENSE-MODEL` (DeepSeek), `LICENSE` (MIT) and `LICENSE_weights`
//! (audiocraft), `LICENSE` (Apache-2.0) and `MODEL_LICENSE` (ChatGLM). A
//! card's `license:` speaks of the weights, so only the files that govern
//! them are compared with it.

use super::LicenseFile;

/// What a license file governs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// The model's weights (and the model as a whole when nothing says
    /// otherwise).
    Weights,
    /// The code in the repo, not the weights.
    Code,
    /// A use policy, notice or terms document that goes with the license.
    Attached,
}

impl Scope {
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Weights => "weights",
            Scope::Code => "code",
            Scope::Attached => "attached",
        }
    }
}

/// What a file's name says: `Some(Weights)` for `LICENSE-MODEL`,
/// `LICENSE_weights`, `MODEL_LICENSE`…; `Some(Code)` for `LICENSE-CODE`,
/// `CODE_LICENSE`…; `Some(Attached)` for use policies, notices and terms
/// documents; `None` for a plain `LICENSE` (`.md`, `.txt`).
pub fn named(path: &str) -> Option<Scope> {
    // a use policy stays one, whatever else its name says
    if !is_license_text(path) {
        return Some(Scope::Attached);
    }
    let upper = path.to_ascii_uppercase();
    let words: Vec<&str> = upper
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let has = |set: &[&str]| words.iter().any(|w| set.contains(w));
    if has(&[
        "MODEL",
        "MODELS",
        "WEIGHT",
        "WEIGHTS",
        "CHECKPOINT",
        "CHECKPOINTS",
    ]) {
        Some(Scope::Weights)
    } else if has(&["CODE", "SOURCE", "SOFTWARE"]) {
        Some(Scope::Code)
    } else {
        None
    }
}

/// A license text proper (`LICENSE`, `LICENCE`, `MODEL_LICENSE`…), not a
/// use policy, notice or terms document.
pub fn is_license_text(path: &str) -> bool {
    let upper = path.to_ascii_uppercase();
    let upper = super::digest::strip_qualifier(&upper);
    upper.starts_with("LICENSE") || upper.starts_with("LICENCE")
}

/// Whether an identified license is one written for software (MIT,
/// Apache-2.0, the GPL family…), as the code of a repo is licensed.
fn is_software_license(id: &str) -> bool {
    use super::kb::{Category, Kb};
    matches!(
        Kb::builtin().get(id).map(|e| e.category),
        Some(Category::Permissive | Category::WeakCopyleft | Category::Copyleft)
    )
}

/// The scope of every license file, in order. Names decide first; plain
/// `LICENSE` files govern the weights unless another file names the
/// weights (then they are the code's), and when several plain files are
/// all there is, one identified as a software license beside one that is
/// not is the code's.
pub fn scopes(files: &[LicenseFile]) -> Vec<Scope> {
    let named: Vec<Option<Scope>> = files.iter().map(|f| named(&f.path)).collect();
    let weights_named = named.contains(&Some(Scope::Weights));
    let plain: Vec<usize> = (0..files.len()).filter(|&i| named[i].is_none()).collect();
    let software = |i: usize| files[i].id.as_deref().is_some_and(is_software_license);
    let mixed = plain.len() > 1
        && plain.iter().any(|&i| software(i))
        && plain.iter().any(|&i| {
            files[i]
                .id
                .as_deref()
                .is_some_and(|id| id != "unknown" && !is_software_license(id))
        });
    named
        .iter()
        .enumerate()
        .map(|(i, n)| match n {
            Some(s) => *s,
            None if weights_named => Scope::Code,
            None if mixed && software(i) => Scope::Code,
            None => Scope::Weights,
        })
        .collect()
}

/// The license texts that govern the weights.
pub fn governing(files: &[LicenseFile]) -> impl Iterator<Item = &LicenseFile> {
    files
        .iter()
        .zip(scopes(files))
        .filter(|(f, s)| *s == Scope::Weights && is_license_text(&f.path))
        .map(|(f, _)| f)
}

/// The license a model is bound by: the declared one, unless an identified
/// license file of the weights is another license — then the stricter of
/// the two (one identified file stands in for a missing declaration).
/// What `update` locks as `license`, and what `check` expects it to be.
pub fn bound_license(declared: Option<&str>, files: &[LicenseFile]) -> Option<String> {
    use super::identify::{disagrees, stricter};
    let mut license = declared.map(str::to_owned);
    for lf in governing(files) {
        let (Some(id), Some(c)) = (&lf.id, lf.confidence) else {
            continue;
        };
        if id == "unknown" {
            continue;
        }
        license = match license {
            Some(l) if disagrees(&l, id, c) => Some(stricter(&l, id).to_owned()),
            Some(l) => Some(l),
            None => Some(id.clone()),
        };
    }
    license
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(path: &str, id: &str) -> LicenseFile {
        LicenseFile {
            path: path.into(),
            digest: String::new(),
            id: Some(id.into()),
            confidence: Some(100),
            ..Default::default()
        }
    }

    fn governing_paths(files: &[LicenseFile]) -> Vec<&str> {
        governing(files).map(|f| f.path.as_str()).collect()
    }

    #[test]
    fn names_decide() {
        // DeepSeek
        let f = [
            file("LICENSE-CODE", "mit"),
            file("LICENSE-MODEL", "deepseek"),
        ];
        assert_eq!(governing_paths(&f), ["LICENSE-MODEL"]);
        // audiocraft
        let f = [
            file("LICENSE", "mit"),
            file("LICENSE_weights", "cc-by-nc-4.0"),
        ];
        assert_eq!(governing_paths(&f), ["LICENSE_weights"]);
        // ChatGLM
        let f = [
            file("LICENSE", "apache-2.0"),
            file("MODEL_LICENSE", "unknown"),
        ];
        assert_eq!(governing_paths(&f), ["MODEL_LICENSE"]);
        // code named, plain file governs
        let f = [file("LICENSE", "llama3"), file("CODE_LICENSE", "mit")];
        assert_eq!(governing_paths(&f), ["LICENSE"]);
    }

    #[test]
    fn the_text_decides_when_names_say_nothing() {
        let f = [file("LICENSE", "mit"), file("LICENSE.txt", "llama3.1")];
        assert_eq!(governing_paths(&f), ["LICENSE.txt"]);
        // one plain file governs, whatever it is
        let f = [file("LICENSE", "mit"), file("USE_POLICY.md", "unknown")];
        assert_eq!(governing_paths(&f), ["LICENSE"]);
        // a use policy of the model is attached, not the weights' license
        assert_eq!(named("MODEL_USE_POLICY.md"), Some(Scope::Attached));
        // two software licenses: both
        let f = [file("LICENSE", "mit"), file("LICENSE.apache", "apache-2.0")];
        assert_eq!(governing_paths(&f), ["LICENSE", "LICENSE.apache"]);
    }
}
