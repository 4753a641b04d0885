//! The environment, read once: Hugging Face and Ollama settings with the
//! same meaning and defaults as in `huggingface_hub` and Ollama.

use std::path::PathBuf;

/// A secret token. Its `Debug` and `Display` never show it.
#[derive(Clone, PartialEq, Eq)]
pub struct Token(String);

impl Token {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Token(<redacted>)")
    }
}

/// Where the Hub token came from, for messages (never the token itself).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenSource {
    HfToken,
    LegacyEnv,
    File,
}

impl TokenSource {
    pub fn describe(self) -> &'static str {
        match self {
            TokenSource::HfToken => "HF_TOKEN",
            TokenSource::LegacyEnv => "HUGGING_FACE_HUB_TOKEN",
            TokenSource::File => "the token file (HF_TOKEN_PATH, default $HF_HOME/token)",
        }
    }
}

#[derive(Clone, Debug)]
pub struct Env {
    /// `HF_ENDPOINT` without a trailing `/`.
    pub hf_endpoint: String,
    pub hf_token: Option<(Token, TokenSource)>,
    pub hf_home: PathBuf,
    pub hf_hub_cache: PathBuf,
    pub hf_offline: bool,
    /// `HF_HUB_DISABLE_SYMLINKS`: snapshot entries are copies, not links.
    pub hf_disable_symlinks: bool,
    pub ollama_models: PathBuf,
    /// Where modellock keeps its metadata cache.
    pub cache_dir: PathBuf,
    /// `MODELLOCK_FINGERPRINTS`: more known license texts to identify.
    pub fingerprints: Option<PathBuf>,
    /// `MODELLOCK_DOCUMENTS_MIRROR`: a base URL documents incorporated by
    /// URL are read through (`https://host/path` is read at
    /// `MIRROR/host/path`), for networks that reach only a mirror.
    pub documents_mirror: Option<String>,
    /// A token file that is there but cannot be read (the path and why):
    /// modellock goes on without a token and says so.
    pub token_file_problem: Option<(PathBuf, String)>,
}

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

fn home() -> PathBuf {
    var("HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("."))
}

/// `expanduser` for a leading `~/`.
fn expand(p: String) -> PathBuf {
    match p.strip_prefix("~/") {
        Some(rest) => home().join(rest),
        None if p == "~" => home(),
        None => PathBuf::from(p),
    }
}

fn truthy(v: &str) -> bool {
    matches!(v.to_ascii_uppercase().as_str(), "1" | "ON" | "YES" | "TRUE")
}

/// Strips white space and line breaks around a token; empty is none.
fn clean_token(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_owned())
}

impl Env {
    pub fn from_process() -> Env {
        let xdg_cache = var("XDG_CACHE_HOME")
            .map(expand)
            .unwrap_or_else(|| home().join(".cache"));
        let hf_home = var("HF_HOME")
            .map(expand)
            .unwrap_or_else(|| xdg_cache.join("huggingface"));
        let hf_hub_cache = var("HF_HUB_CACHE")
            .or_else(|| var("HUGGINGFACE_HUB_CACHE"))
            .map(expand)
            .unwrap_or_else(|| hf_home.join("hub"));
        let token_path = var("HF_TOKEN_PATH")
            .map(expand)
            .unwrap_or_else(|| hf_home.join("token"));
        let mut token_file_problem = None;
        let hf_token = var("HF_TOKEN")
            .and_then(|t| clean_token(&t))
            .map(|t| (Token(t), TokenSource::HfToken))
            .or_else(|| {
                var("HUGGING_FACE_HUB_TOKEN")
                    .and_then(|t| clean_token(&t))
                    .map(|t| (Token(t), TokenSource::LegacyEnv))
            })
            .or_else(|| match std::fs::read_to_string(&token_path) {
                Ok(t) => clean_token(&t).map(|t| (Token(t), TokenSource::File)),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
                Err(e) => {
                    token_file_problem = Some((token_path.clone(), e.to_string()));
                    None
                }
            });
        let hf_offline = match var("HF_HUB_OFFLINE") {
            Some(v) => truthy(&v),
            None => var("TRANSFORMERS_OFFLINE").is_some_and(|v| truthy(&v)),
        };
        let hf_endpoint = var("HF_ENDPOINT")
            .unwrap_or_else(|| "https://huggingface.co".to_owned())
            .trim_end_matches('/')
            .to_owned();
        let ollama_models = var("OLLAMA_MODELS")
            .map(expand)
            .unwrap_or_else(|| home().join(".ollama/models"));
        let cache_dir = var("MODELLOCK_CACHE_DIR")
            .map(expand)
            .unwrap_or_else(|| xdg_cache.join("modellock"));
        let fingerprints = var("MODELLOCK_FINGERPRINTS").map(expand);
        let documents_mirror =
            var("MODELLOCK_DOCUMENTS_MIRROR").map(|m| m.trim_end_matches('/').to_owned());
        let hf_disable_symlinks = var("HF_HUB_DISABLE_SYMLINKS").is_some_and(|v| truthy(&v));
        Env {
            hf_disable_symlinks,
            token_file_problem,
            fingerprints,
            documents_mirror,
            hf_endpoint,
            hf_token,
            hf_home,
            hf_hub_cache,
            hf_offline,
            ollama_models,
            cache_dir,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_never_shown() {
        let t = Token("hf_secret".into());
        assert_eq!(format!("{t:?}"), "Token(<redacted>)");
        assert_eq!(clean_token("  hf_x\r\n"), Some("hf_x".into()));
        assert_eq!(clean_token(" \n"), None);
        assert!(truthy("yes") && truthy("1") && !truthy("0"));
    }
}
