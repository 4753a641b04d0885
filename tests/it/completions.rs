//! Shell completions and the man page, generated from the command line's
//! own definition.

use crate::common::*;

#[test]
fn completions_for_every_shell_and_bash_loads_them() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let r = run(modellock().args(["completions", shell]));
        assert_eq!(r.code, 0, "{shell}: {}", r.stderr);
        for sub in ["update", "check", "audit", "fetch", "review"] {
            assert!(r.stdout.contains(sub), "{shell} lacks {sub}");
        }
    }
    // bash reads the script and registers the completion
    let r = run(modellock().args(["completions", "bash"]));
    let script = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(script.path(), &r.stdout).unwrap();
    let out = std::process::Command::new("bash")
        .arg("-c")
        .arg(format!(
            "source {} && complete -p modellock",
            script.path().display()
        ))
        .output()
        .expect("bash runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("modellock"));
    // a shell that does not exist is a usage error
    assert_eq!(run(modellock().args(["completions", "tcsh"])).code, 2);
}

#[test]
fn the_man_page_is_roff_of_every_command() {
    let r = run(modellock().arg("man"));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.contains(".TH modellock 1"),
        "{}",
        &r.stdout[..200.min(r.stdout.len())]
    );
    assert!(
        r.stdout.contains(".SH SUBCOMMANDS") || r.stdout.contains("SUBCOMMANDS"),
        "no subcommands section"
    );
    for sub in ["update", "check", "audit", "verify", "licenses"] {
        assert!(r.stdout.contains(sub), "the man page lacks {sub}");
    }
    // and it needs no project: it runs anywhere
    let dir = tempfile::tempdir().unwrap();
    let r = run(modellock().current_dir(dir.path()).arg("man"));
    assert_eq!(r.code, 0);
}
