//! The README documents every diagnostic code (codes are stable API).

use modellock::diag::Code;

#[test]
fn readme_lists_every_code_and_no_other() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let table: Vec<&str> = readme
        .lines()
        .filter_map(|l| l.strip_prefix("| `"))
        .filter_map(|l| l.split_once('`'))
        .map(|(code, _)| code)
        .filter(|c| c.contains("::"))
        .collect();
    for code in Code::ALL {
        assert!(
            table.contains(&code.as_str()),
            "README does not list {code}"
        );
    }
    for listed in &table {
        assert!(
            Code::ALL.iter().any(|c| c.as_str() == *listed),
            "README lists unknown code {listed}"
        );
    }
    // the exit column agrees with the code's class
    for line in readme
        .lines()
        .filter(|l| l.starts_with("| `") && l.contains("::"))
    {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        let code = cells[1].trim_matches('`');
        let Some(c) = Code::ALL.iter().find(|c| c.as_str() == code) else {
            continue;
        };
        let exit = cells[3];
        if cells[2] == "error" {
            assert_eq!(exit, if c.is_fatal() { "2" } else { "1" }, "{code}");
        }
    }
}

/// The README's table of the license families `update` identifies is the
/// built-in fingerprints, by license (`MODELLOCK_BLESS=1` rewrites it).
#[test]
fn readme_lists_the_identified_families_from_the_data() {
    use modellock::license::identify::Fingerprints;
    use modellock::license::kb::Kb;
    use std::collections::BTreeMap;
    let mut by_id: BTreeMap<&str, usize> = BTreeMap::new();
    for t in &Fingerprints::builtin().texts {
        *by_id.entry(t.id.as_str()).or_default() += 1;
    }
    let kb = Kb::builtin();
    let mut table = String::from(
        "<!-- families:start (generated from src/license/fingerprints.toml by tests/it/readme.rs) -->\n| license | name | known texts | names it must carry |\n|---|---|---|---|\n",
    );
    for (id, n) in &by_id {
        let e = kb.get(id).expect("every fingerprint's id is in kb.toml");
        let names = if e.names.is_empty() {
            "—".to_owned()
        } else {
            // `a|b` as "`a` or `b`" (a `|` would end the table's cell)
            e.names
                .iter()
                .map(|n| {
                    n.split('|')
                        .map(|a| format!("`{a}`"))
                        .collect::<Vec<_>>()
                        .join(" or ")
                })
                .collect::<Vec<_>>()
                .join(", ")
        };
        table.push_str(&format!("| `{id}` | {} | {n} | {names} |\n", e.name));
    }
    table.push_str("<!-- families:end -->");
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/README.md");
    let readme = std::fs::read_to_string(path).unwrap();
    let (start, end) = (
        readme
            .find("<!-- families:start")
            .expect("the table's start marker"),
        readme
            .find("<!-- families:end -->")
            .expect("the table's end marker")
            + "<!-- families:end -->".len(),
    );
    if std::env::var("MODELLOCK_BLESS").as_deref() == Ok("1") {
        let updated = format!("{}{table}{}", &readme[..start], &readme[end..]);
        std::fs::write(path, updated).unwrap();
        return;
    }
    assert!(
        readme[start..end] == table,
        "README's families table is not the fingerprints: run MODELLOCK_BLESS=1 cargo test --test it readme::"
    );
}
