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
