//! Edits of models.toml that keep the user's comments and layout
//! (toml_edit's `DocumentMut`).

use toml_edit::{value, Array, DocumentMut, Item, Table};

/// What `add` inserts.
pub struct NewEntry<'a> {
    pub name: &'a str,
    pub source: &'a str,
    pub revision: Option<&'a str>,
    pub files: &'a [String],
    /// A semver requirement on the repo's release tags (`version`).
    pub version: Option<&'a str>,
    /// The license the entry expects (`license`).
    pub license: Option<&'a str>,
    /// The entry it derives from (`base`).
    pub base: Option<&'a str>,
}

/// Returns the manifest text with a `[models.NAME]` table appended. The
/// caller has checked that the name is free.
pub fn add_model(text: &str, entry: &NewEntry<'_>) -> Result<String, String> {
    let mut doc: DocumentMut = text
        .parse()
        .map_err(|e: toml_edit::TomlError| e.message().to_owned())?;
    let root = doc.as_table_mut();
    if !root.contains_key("models") {
        let mut models = Table::new();
        models.set_implicit(true);
        root.insert("models", Item::Table(models));
    }
    let inline = root.get("models").is_some_and(|i| i.is_inline_table());
    let trailing = if inline {
        String::new()
    } else {
        let t = doc.trailing().as_str().unwrap_or_default().to_owned();
        doc.set_trailing("");
        t
    };
    let root = doc.as_table_mut();
    let models = root
        .get_mut("models")
        .and_then(Item::as_table_like_mut)
        .ok_or("`models` is not a table")?;

    let mut files = Array::new();
    for f in entry.files {
        files.push(f.as_str());
    }
    match models.get_mut(entry.name) {
        Some(_) => return Err(format!("model `{}` already exists", entry.name)),
        None => {
            // Inside an inline `models = { … }` the entry must be inline too.
            if inline {
                let mut t = toml_edit::InlineTable::new();
                t.insert("source", entry.source.into());
                if let Some(r) = entry.revision {
                    t.insert("revision", r.into());
                }
                if let Some(v) = entry.version {
                    t.insert("version", v.into());
                }
                if !entry.files.is_empty() {
                    t.insert("files", toml_edit::Value::Array(files));
                }
                if let Some(l) = entry.license {
                    t.insert("license", l.into());
                }
                if let Some(b) = entry.base {
                    t.insert("base", b.into());
                }
                models.insert(entry.name, Item::Value(toml_edit::Value::InlineTable(t)));
            } else {
                let mut t = Table::new();
                t.insert("source", value(entry.source));
                if let Some(r) = entry.revision {
                    t.insert("revision", value(r));
                }
                if let Some(v) = entry.version {
                    t.insert("version", value(v));
                }
                if !entry.files.is_empty() {
                    t.insert("files", value(files));
                }
                if let Some(l) = entry.license {
                    t.insert("license", value(l));
                }
                if let Some(b) = entry.base {
                    t.insert("base", value(b));
                }
                // After everything, trailing comments included: the old text
                // stays a prefix of the new one.
                t.decor_mut().set_prefix(format!("{trailing}\n"));
                models.insert(entry.name, Item::Table(t));
            }
        }
    }
    Ok(doc.to_string())
}

/// A review record to append.
pub struct NewReview<'a> {
    pub license_digest: &'a str,
    /// The documents digest approved with them (when the terms
    /// incorporate documents).
    pub documents_digest: Option<&'a str>,
    pub reviewer: &'a str,
    pub date: crate::date::Date,
    pub note: Option<&'a str>,
    pub expires: Option<crate::date::Date>,
    pub license: Option<&'a str>,
    pub revision: Option<&'a str>,
}

fn toml_date(d: crate::date::Date) -> toml_edit::Value {
    let date = toml_edit::Date {
        year: d.year,
        month: d.month,
        day: d.day,
    };
    toml_edit::Value::from(toml_edit::Datetime {
        date: Some(date),
        time: None,
        offset: None,
    })
}

/// An acceptance record to append.
pub struct NewAcceptance<'a> {
    pub finding: super::Finding,
    pub license_digest: &'a str,
    pub ancestor: Option<&'a str>,
    pub reviewer: &'a str,
    pub date: crate::date::Date,
    pub reason: &'a str,
    pub expires: Option<crate::date::Date>,
}

/// Returns the manifest text without the entries `names` (their tables,
/// records and the comments above them); everything else is kept.
pub fn remove_models(text: &str, names: &[&str]) -> Result<String, String> {
    let mut doc: DocumentMut = text
        .parse()
        .map_err(|e: toml_edit::TomlError| e.message().to_owned())?;
    let models = doc
        .as_table_mut()
        .get_mut("models")
        .and_then(Item::as_table_like_mut)
        .ok_or("`models` is not a table")?;
    for name in names {
        if models.remove(name).is_none() {
            return Err(format!("there is no model `{name}`"));
        }
    }
    Ok(doc.to_string())
}

/// Returns the manifest text with a `[[models.NAME.review]]` record
/// appended after the model's existing records; everything else is kept.
pub fn add_review(text: &str, model: &str, review: &NewReview<'_>) -> Result<String, String> {
    let mut fields: Vec<(&str, toml_edit::Value)> =
        vec![("license-digest", review.license_digest.into())];
    if let Some(d) = review.documents_digest {
        fields.push(("documents-digest", d.into()));
    }
    fields.extend([
        ("reviewer", review.reviewer.into()),
        ("date", toml_date(review.date)),
    ]);
    if let Some(n) = review.note {
        fields.push(("note", n.into()));
    }
    if let Some(e) = review.expires {
        fields.push(("expires", toml_date(e)));
    }
    if let Some(l) = review.license {
        fields.push(("license", l.into()));
    }
    if let Some(r) = review.revision {
        fields.push(("revision", r.into()));
    }
    append_record(text, model, "review", fields)
}

/// Returns the manifest text with a `[[models.NAME.accept]]` record
/// appended after the model's existing ones; everything else is kept.
pub fn add_acceptance(text: &str, model: &str, a: &NewAcceptance<'_>) -> Result<String, String> {
    let mut fields: Vec<(&str, toml_edit::Value)> = vec![("finding", a.finding.as_str().into())];
    if let Some(anc) = a.ancestor {
        fields.push(("ancestor", anc.into()));
    }
    fields.extend([
        ("license-digest", a.license_digest.into()),
        ("reviewer", a.reviewer.into()),
        ("date", toml_date(a.date)),
        ("reason", a.reason.into()),
    ]);
    if let Some(e) = a.expires {
        fields.push(("expires", toml_date(e)));
    }
    append_record(text, model, "accept", fields)
}

/// Appends one record to the array of tables `models.MODEL.KEY` (or to
/// its array of inline tables when the entry is inline).
fn append_record(
    text: &str,
    model: &str,
    key: &str,
    fields: Vec<(&str, toml_edit::Value)>,
) -> Result<String, String> {
    let mut doc: DocumentMut = text
        .parse()
        .map_err(|e: toml_edit::TomlError| e.message().to_owned())?;
    let entry = doc
        .get_mut("models")
        .and_then(Item::as_table_like_mut)
        .and_then(|m| m.get_mut(model))
        .ok_or_else(|| format!("models.toml has no model `{model}`"))?;
    match entry {
        Item::Table(t) => {
            let records = t
                .entry(key)
                .or_insert_with(|| Item::ArrayOfTables(toml_edit::ArrayOfTables::new()));
            let array = records
                .as_array_of_tables_mut()
                .ok_or_else(|| format!("`{key}` is not an array of tables"))?;
            let mut record = Table::new();
            for (k, v) in fields {
                record.insert(k, Item::Value(v));
            }
            array.push(record);
        }
        Item::Value(toml_edit::Value::InlineTable(t)) => {
            let records = t
                .entry(key)
                .or_insert(toml_edit::Value::Array(Array::new()));
            let array = records
                .as_array_mut()
                .ok_or_else(|| format!("`{key}` is not an array"))?;
            let mut record = toml_edit::InlineTable::new();
            for (k, v) in fields {
                record.insert(k, v);
            }
            array.push(record);
        }
        _ => return Err(format!("model `{model}` is not a table")),
    }
    Ok(doc.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry<'a>(name: &'a str, files: &'a [String]) -> NewEntry<'a> {
        NewEntry {
            name,
            source: "hf:org/model",
            revision: Some("v1.0"),
            files,
            version: None,
            license: None,
            base: None,
        }
    }

    #[test]
    fn appends_after_comments() {
        let text = "# my models\n[policy]\nallow = [\"mit\"] # ok\n\n# the chat model\n[models.chat]\nsource = \"hf:a/b\"\n\n# the end\n";
        let out = add_model(text, &entry("embed", &["*.json".into()])).unwrap();
        assert!(out.starts_with(text), "{out}");
        assert!(out.ends_with("\n[models.embed]\nsource = \"hf:org/model\"\nrevision = \"v1.0\"\nfiles = [\"*.json\"]\n"), "{out}");
    }

    #[test]
    fn creates_models_table() {
        let out = add_model("[policy]\nallow = []\n", &entry("x", &[])).unwrap();
        assert_eq!(
            out,
            "[policy]\nallow = []\n\n[models.x]\nsource = \"hf:org/model\"\nrevision = \"v1.0\"\n"
        );
    }

    #[test]
    fn reviews_append_after_the_existing_ones() {
        let text = "[models.chat]\nsource = \"hf:a/b\" # the chat model\n\n[[models.chat.review]]\nlicense-digest = \"sha256:aa\"\nreviewer = \"x\"\ndate = 2026-01-01\n\n# other models\n[models.embed]\nsource = \"hf:c/d\"\n";
        let r = NewReview {
            license_digest: "sha256:bb",
            documents_digest: None,
            reviewer: "legal@example.com",
            date: crate::date::Date::parse("2026-11-23").unwrap(),
            note: Some("LEGAL-1"),
            expires: None,
            license: Some("llama3.1"),
            revision: Some("abc"),
        };
        let out = add_review(text, "chat", &r).unwrap();
        assert!(out.contains("date = 2026-01-01\n\n[[models.chat.review]]\nlicense-digest = \"sha256:bb\"\nreviewer = \"legal@example.com\"\ndate = 2026-11-23\nnote = \"LEGAL-1\"\nlicense = \"llama3.1\"\nrevision = \"abc\"\n"), "{out}");
        assert!(
            out.find("sha256:bb").unwrap() < out.find("# other models").unwrap(),
            "{out}"
        );
        assert!(out.contains("source = \"hf:a/b\" # the chat model"));
        let first = add_review(
            "[models.x]\nsource = \"hf:a/b\"\n\n[models.y]\nsource = \"hf:c/d\"\n",
            "x",
            &r,
        )
        .unwrap();
        assert!(
            first.find("[[models.x.review]]").unwrap() < first.find("[models.y]").unwrap(),
            "{first}"
        );
        let inline = add_review("models = { x = { source = \"hf:a/b\" } }\n", "x", &r).unwrap();
        assert!(
            inline.contains("review = [{ license-digest = \"sha256:bb\""),
            "{inline}"
        );
    }

    #[test]
    fn inline_models() {
        let out = add_model(
            "models = { a = { source = \"hf:a/b\" } }\n",
            &entry("x", &[]),
        )
        .unwrap();
        assert!(
            out.contains("x = { source = \"hf:org/model\", revision = \"v1.0\" }"),
            "{out}"
        );
    }
}
