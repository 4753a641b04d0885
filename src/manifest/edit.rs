//! Edits of models.toml that keep the user's comments and layout
//! (toml_edit's `DocumentMut`).

use toml_edit::{value, Array, DocumentMut, Item, Table};

/// What `add` inserts.
pub struct NewEntry<'a> {
    pub name: &'a str,
    pub source: &'a str,
    pub revision: Option<&'a str>,
    pub files: &'a [String],
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
                if !entry.files.is_empty() {
                    t.insert("files", toml_edit::Value::Array(files));
                }
                models.insert(entry.name, Item::Value(toml_edit::Value::InlineTable(t)));
            } else {
                let mut t = Table::new();
                t.insert("source", value(entry.source));
                if let Some(r) = entry.revision {
                    t.insert("revision", value(r));
                }
                if !entry.files.is_empty() {
                    t.insert("files", value(files));
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

#[cfg(test)]
mod tests {
    use super::*;

    fn entry<'a>(name: &'a str, files: &'a [String]) -> NewEntry<'a> {
        NewEntry {
            name,
            source: "hf:org/model",
            revision: Some("v1.0"),
            files,
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
