//! The report of `review`: the record written to models.toml.

use serde::Serialize;

/// A review record as JSON reports show it (`"review": {…}`).
#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct ReviewRecord<'a> {
    pub model: &'a str,
    pub license_digest: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub documents_digest: Option<&'a str>,
    pub reviewer: &'a str,
    pub date: String,
    pub note: Option<&'a str>,
    pub expires: Option<String>,
    pub license: Option<&'a str>,
    pub revision: &'a str,
}

/// An acceptance record as JSON reports show it (`"acceptance": {…}`).
#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct AcceptanceRecord<'a> {
    pub model: &'a str,
    pub finding: &'a str,
    pub ancestor: Option<&'a str>,
    pub license_digest: &'a str,
    pub reviewer: &'a str,
    pub date: String,
    pub reason: Option<&'a str>,
    pub expires: Option<String>,
}

#[derive(Serialize)]
pub struct Report<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub review: Option<ReviewRecord<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub acceptance: Option<AcceptanceRecord<'a>>,
}
