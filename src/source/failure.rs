//! Why a source could not give what was asked: a diagnostic code, a
//! message and a hint, and how network errors map to them.

use crate::diag::Code;
use crate::net::NetError;

/// Why a model could not be resolved: a diagnostic code, a message and a
/// hint; `update` adds the model and the span it points at.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    pub code: Code,
    pub message: String,
    pub help: String,
    /// Point at the entry's `revision` (or `version`) rather than `source`.
    pub at_revision: bool,
}

impl Failure {
    pub fn new(code: Code, message: impl Into<String>, help: impl Into<String>) -> Failure {
        Failure {
            code,
            message: message.into(),
            help: help.into(),
            at_revision: false,
        }
    }

    pub fn at_revision(mut self) -> Failure {
        self.at_revision = true;
        self
    }
}

impl Failure {
    /// A network failure; `setting` says where the host came from (e.g.
    /// `HF_ENDPOINT is https://huggingface.co`), for the hint.
    pub fn network(e: NetError, setting: &str) -> Failure {
        use NetError as N;
        let setting = if setting.is_empty() {
            String::new()
        } else {
            format!("; {setting}")
        };
        let (code, help) = match &e {
            N::Connect { .. } => (
                Code::NetworkConnect,
                format!("check the network, the host name and proxy settings (HTTPS_PROXY, NO_PROXY){setting}"),
            ),
            N::Timeout { .. } => (
                Code::NetworkTimeout,
                format!("the server did not answer in time; try again later{setting}"),
            ),
            N::Tls { .. } => (
                Code::NetworkTls,
                format!("a proxy that intercepts TLS needs its certificate trusted; check the date and the server's certificate{setting}"),
            ),
            N::Io { .. } => (
                Code::NetworkIo,
                "the connection broke repeatedly; try again later".to_owned(),
            ),
            N::TooLarge { .. } => (
                Code::SourceFileTooLarge,
                "the response is larger than modellock reads".to_owned(),
            ),
            N::TooManyRedirects { .. } => (
                Code::SourceUnexpectedResponse,
                "the server redirects in a loop".to_owned(),
            ),
            N::Server { status: 429, .. } => (
                Code::NetworkServer,
                "rate limited: wait and try again (a Hub token raises the limit)".to_owned(),
            ),
            N::Server { .. } => (
                Code::NetworkServer,
                "the server failed repeatedly; try again later".to_owned(),
            ),
        };
        Failure::new(code, e.to_string(), help)
    }
}

impl From<NetError> for Failure {
    fn from(e: NetError) -> Failure {
        Failure::network(e, "")
    }
}
