//! Comparing two versions of a license text: the texts are re-flowed into
//! sentences (so that re-wrapping is no change), diffed sentence by
//! sentence with word-level highlights inside changed sentences, and read
//! for what changed in substance: numbers, quoted strings, names, URLs,
//! sentences added and removed.

use serde::Serialize;
use similar::{Algorithm, ChangeTag, DiffOp, TextDiff as Similar};
use std::collections::HashSet;
use std::time::Duration;

/// Work on one pair of texts stops after this and falls back to a coarser
/// diff, so that no input can hang a command.
const DEADLINE: Duration = Duration::from_secs(2);
/// At most this many substance items per file.
const MAX_ITEMS: usize = 12;

/// How two license texts compare.
pub enum Comparison {
    /// The same bytes.
    Identical,
    /// Other bytes, the same normalised text: white space, line ends or a
    /// byte-order mark only.
    FormatOnly,
    /// The normalised texts differ.
    Changed(TextDiff),
}

/// Compares two license texts.
pub fn compare(old: &[u8], new: &[u8]) -> Comparison {
    if old == new {
        return Comparison::Identical;
    }
    let (a, b) = (String::from_utf8_lossy(old), String::from_utf8_lossy(new));
    let (sa, sb) = (segments(&a), segments(&b));
    if sa.join(" ") == sb.join(" ") {
        return Comparison::FormatOnly;
    }
    Comparison::Changed(TextDiff::new(sa, sb))
}

/// A text's segments: its paragraphs, headings and list items, each split
/// into sentences, white space normalised. Joined by single spaces they
/// are the normalised text of DESIGN.md's license digest.
pub fn segments(text: &str) -> Vec<String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut blocks: Vec<Vec<&str>> = Vec::new();
    let mut current: Vec<&str> = Vec::new();
    for line in text.lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        if (words.is_empty() || starts_block(line.trim_start())) && !current.is_empty() {
            blocks.push(std::mem::take(&mut current));
        }
        current.extend(words);
    }
    if !current.is_empty() {
        blocks.push(current);
    }
    blocks.iter().flat_map(|b| sentences(b)).collect()
}

/// A line that starts a heading or a list item (`#`, `-`, `*`, `1.`,
/// `2.1`, `(a)`, `a.`, `iv)`).
fn starts_block(line: &str) -> bool {
    let first = line.split_whitespace().next().unwrap_or("");
    if first.starts_with('#') || matches!(first, "-" | "*" | "+" | "•") {
        return true;
    }
    let core = first.trim_start_matches('(');
    let Some(marker) = core.strip_suffix(['.', ')']) else {
        return false;
    };
    let numbered = !marker.is_empty()
        && marker
            .split('.')
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    let lettered = marker.len() == 1 && marker.bytes().all(|b| b.is_ascii_alphabetic());
    let roman =
        !marker.is_empty() && marker.len() <= 4 && marker.bytes().all(|b| b"ivxIVX".contains(&b));
    numbered || lettered || roman
}

const ABBREVIATIONS: &[&str] = &[
    "e.g", "i.e", "etc", "inc", "ltd", "co", "corp", "no", "nos", "vs", "v", "mr", "ms", "mrs",
    "dr", "st", "sec", "art", "fig", "cf", "al", "approx", "jr", "sr", "llc", "u.s", "u.k", "e.u",
    "s.a", "b.v", "gmbh", "p", "pp", "para", "incl",
];

/// Whether a word ending a sentence-like run really ends a sentence;
/// `first`: the word starts the sentence (a list marker such as `1.`).
fn ends_sentence(word: &str, next: &str, first: bool) -> bool {
    let Some(last) = word.chars().last() else {
        return false;
    };
    if !matches!(last, '.' | '!' | '?' | ';') {
        // a closing quote or parenthesis after the full stop
        let trimmed = word.trim_end_matches(['"', '\'', ')', '”', '’']);
        if trimmed.len() == word.len() || !trimmed.ends_with(['.', '!', '?']) {
            return false;
        }
    }
    let next_starts = next
        .chars()
        .find(|c| !matches!(c, '"' | '“' | '(' | '\'' | '‘' | '*' | '_'))
        .is_some_and(|c| c.is_uppercase() || c.is_ascii_digit());
    if last == ';' {
        return true;
    }
    if !next_starts || last != '.' {
        return next_starts;
    }
    let stem = word
        .trim_end_matches('.')
        .trim_start_matches(['(', '"', '“']);
    let lower = stem.to_lowercase();
    let number = !stem.is_empty()
        && stem.split('.').all(|p| {
            !p.is_empty()
                && p.chars()
                    .all(|c| c.is_ascii_digit() || c == ')' || c == '(')
        });
    let initial = stem.chars().all(|c| c.is_alphabetic() || c == '.')
        && (stem.chars().count() == 1 || (stem.len() <= 4 && stem.contains('.')));
    !(ABBREVIATIONS.contains(&lower.as_str())
        || (number && first)
        || initial
        || (first && word.starts_with('(')))
}

fn sentences(words: &[&str]) -> Vec<String> {
    let mut out = Vec::new();
    let mut start = 0;
    for i in 0..words.len() {
        if i + 1 < words.len() && ends_sentence(words[i], words[i + 1], i == start) {
            out.push(words[start..=i].join(" "));
            start = i + 1;
        }
    }
    if start < words.len() {
        out.push(words[start..].join(" "));
    }
    out
}

/// The difference between two texts that differ after normalisation.
pub struct TextDiff {
    old: String,
    new: String,
}

/// What changed in substance.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Substance {
    /// A number (with its unit or magnitude), a date or an amount.
    Number {
        old: String,
        new: String,
    },
    /// A quoted string, such as an attribution text.
    Quoted {
        old: String,
        new: String,
    },
    /// A name: a product, a company, a version of a name.
    Name {
        old: String,
        new: String,
    },
    /// A URL changed, was added or was removed.
    Url {
        old: Option<String>,
        new: Option<String>,
    },
    SentenceAdded {
        text: String,
    },
    SentenceRemoved {
        text: String,
    },
    /// Other words changed: an excerpt of each side around the change.
    Reworded {
        old: String,
        new: String,
    },
    /// More changes than are listed.
    More {
        count: usize,
    },
}

impl Substance {
    /// What is listed first when there are many changes.
    fn rank(&self) -> u8 {
        match self {
            Substance::Number { .. } | Substance::Quoted { .. } | Substance::Url { .. } => 0,
            Substance::SentenceAdded { .. } | Substance::SentenceRemoved { .. } => 1,
            Substance::Name { .. } => 2,
            Substance::Reworded { .. } => 3,
            Substance::More { .. } => 4,
        }
    }

    /// One line for people.
    pub fn describe(&self) -> String {
        match self {
            Substance::Number { old, new }
            | Substance::Quoted { old, new }
            | Substance::Name { old, new } => format!("'{old}' → '{new}'"),
            Substance::Url {
                old: Some(o),
                new: Some(n),
            } => format!("URL {o} → {n}"),
            Substance::Url {
                old: None,
                new: Some(n),
            } => format!("added URL {n}"),
            Substance::Url {
                old: Some(o),
                new: None,
            } => format!("removed URL {o}"),
            Substance::Url { .. } => "a URL changed".to_owned(),
            Substance::SentenceAdded { text } => format!("added '{text}'"),
            Substance::SentenceRemoved { text } => format!("removed '{text}'"),
            Substance::Reworded { old, new } => format!("reworded '{old}' → '{new}'"),
            Substance::More { count } => format!("… and {count} more changes"),
        }
    }
}

impl TextDiff {
    fn new(old: Vec<String>, new: Vec<String>) -> TextDiff {
        let join = |s: Vec<String>| {
            let mut t = s.join("\n");
            if !t.is_empty() {
                t.push('\n');
            }
            t
        };
        TextDiff {
            old: join(old),
            new: join(new),
        }
    }

    fn diff(&self) -> Similar<'_, '_, '_, str> {
        Similar::configure()
            .algorithm(Algorithm::Patience)
            .timeout(DEADLINE)
            .diff_lines(&self.old, &self.new)
    }

    /// A unified diff, one sentence a line, with the changed words marked:
    /// in colour (red deletions, green insertions, changed words in bold
    /// reverse video), or as `[-old-]` and `{+new+}` without.
    pub fn unified(&self, old_label: &str, new_label: &str, context: usize, color: bool) -> String {
        let diff = self.diff();
        let mut out = format!("--- {old_label}\n+++ {new_label}\n");
        for group in diff.grouped_ops(context) {
            out.push_str(&hunk_header(&group));
            for op in &group {
                for change in diff.iter_inline_changes(op) {
                    let (sign, code, open, close) = match change.tag() {
                        ChangeTag::Equal => (' ', "", "", ""),
                        ChangeTag::Delete => ('-', "31", "[-", "-]"),
                        ChangeTag::Insert => ('+', "32", "{+", "+}"),
                    };
                    let mut line = String::new();
                    for (emphasized, text) in change.iter_strings_lossy() {
                        let text = text.trim_end_matches('\n');
                        match (emphasized, color) {
                            (true, true) => {
                                line.push_str(&format!("\x1b[1;7;{code}m{text}\x1b[0;{code}m"))
                            }
                            (true, false) => line.push_str(&format!("{open}{text}{close}")),
                            (false, _) => line.push_str(text),
                        }
                    }
                    if color && !code.is_empty() {
                        out.push_str(&format!("\x1b[{code}m{sign}{line}\x1b[0m\n"));
                    } else {
                        out.push_str(&format!("{sign}{line}\n"));
                    }
                }
            }
        }
        out
    }

    /// The diff as data: hunks of lines, each with its changed words.
    pub fn hunks_json(&self, context: usize) -> serde_json::Value {
        let diff = self.diff();
        let hunks: Vec<serde_json::Value> = diff
            .grouped_ops(context)
            .iter()
            .map(|group| {
                let (o, n) = ranges(group);
                let mut lines = Vec::new();
                for op in group {
                    for change in diff.iter_inline_changes(op) {
                        let tag = match change.tag() {
                            ChangeTag::Equal => "equal",
                            ChangeTag::Delete => "delete",
                            ChangeTag::Insert => "insert",
                        };
                        let parts: Vec<serde_json::Value> = change
                            .iter_strings_lossy()
                            .map(|(e, t)| serde_json::json!({"emphasized": e, "text": t.trim_end_matches('\n')}))
                            .collect();
                        let text: String = change
                            .iter_strings_lossy()
                            .map(|(_, t)| t.into_owned())
                            .collect();
                        lines.push(serde_json::json!({"tag": tag, "text": text.trim_end_matches('\n'), "changes": parts}));
                    }
                }
                serde_json::json!({
                    "old-start": o.start + 1, "old-lines": o.len(),
                    "new-start": n.start + 1, "new-lines": n.len(),
                    "lines": lines,
                })
            })
            .collect();
        serde_json::Value::Array(hunks)
    }

    /// What changed in substance, in document order, each change once.
    pub fn substance(&self) -> Vec<Substance> {
        let diff = self.diff();
        let old: Vec<&str> = self.old.lines().collect();
        let new: Vec<&str> = self.new.lines().collect();
        let mut items = Vec::new();
        for op in diff.ops() {
            match *op {
                DiffOp::Equal { .. } => {}
                DiffOp::Delete {
                    old_index, old_len, ..
                } => {
                    for s in &old[old_index..old_index + old_len] {
                        items.push(Substance::SentenceRemoved {
                            text: abbreviate(s),
                        });
                    }
                }
                DiffOp::Insert {
                    new_index, new_len, ..
                } => {
                    for s in &new[new_index..new_index + new_len] {
                        items.push(Substance::SentenceAdded {
                            text: abbreviate(s),
                        });
                    }
                }
                DiffOp::Replace {
                    old_index,
                    old_len,
                    new_index,
                    new_len,
                } => {
                    replaced(
                        &old[old_index..old_index + old_len],
                        &new[new_index..new_index + new_len],
                        &mut items,
                    );
                }
            }
        }
        // each change once (also when only its letter case differs), the
        // weightiest kinds first, each kind in document order
        let mut seen = HashSet::new();
        items.retain(|i| seen.insert(i.describe().to_lowercase()));
        items.sort_by_key(Substance::rank);
        if items.len() > MAX_ITEMS {
            let more = items.len() - (MAX_ITEMS - 1);
            items.truncate(MAX_ITEMS - 1);
            items.push(Substance::More { count: more });
        }
        items
    }
}

fn ranges(group: &[DiffOp]) -> (std::ops::Range<usize>, std::ops::Range<usize>) {
    let first = group
        .first()
        .map(|o| (o.old_range().start, o.new_range().start));
    let last = group.last().map(|o| (o.old_range().end, o.new_range().end));
    match (first, last) {
        (Some((os, ns)), Some((oe, ne))) => (os..oe, ns..ne),
        _ => (0..0, 0..0),
    }
}

fn hunk_header(group: &[DiffOp]) -> String {
    let (o, n) = ranges(group);
    // an empty side starts at line 0, as in GNU diff
    let start = |r: &std::ops::Range<usize>| if r.is_empty() { r.start } else { r.start + 1 };
    format!(
        "@@ -{},{} +{},{} @@\n",
        start(&o),
        o.len(),
        start(&n),
        n.len()
    )
}

/// A long sentence shortened to its start and its end.
fn abbreviate(s: &str) -> String {
    let words: Vec<&str> = s.split(' ').collect();
    if words.len() <= 24 {
        return s.to_owned();
    }
    format!(
        "{} … {}",
        words[..12].join(" "),
        words[words.len() - 8..].join(" ")
    )
}

fn words_of(s: &str) -> HashSet<String> {
    s.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// How alike two sentences are: shared words over all words.
fn similarity(a: &str, b: &str) -> f64 {
    let (wa, wb) = (words_of(a), words_of(b));
    let shared = wa.intersection(&wb).count() as f64;
    let all = wa.union(&wb).count().max(1) as f64;
    shared / all
}

/// Sentences replaced by others: pairs of alike sentences are read word by
/// word; the rest were added or removed.
fn replaced(old: &[&str], new: &[&str], items: &mut Vec<Substance>) {
    let mut used = vec![false; new.len()];
    let mut pairs: Vec<(usize, Option<usize>)> = Vec::new();
    for (i, o) in old.iter().enumerate() {
        let best = new
            .iter()
            .enumerate()
            .filter(|(j, _)| !used[*j])
            .map(|(j, n)| (j, similarity(o, n)))
            .max_by(|a, b| a.1.total_cmp(&b.1));
        match best {
            // one sentence for one: the same place, so alike with less
            Some((j, sim)) if sim >= 0.35 || (old.len() == 1 && new.len() == 1 && sim >= 0.2) => {
                used[j] = true;
                pairs.push((i, Some(j)));
            }
            _ => pairs.push((i, None)),
        }
    }
    for (i, j) in pairs {
        match j {
            Some(j) => sentence_changes(old[i], new[j], items),
            None => items.push(Substance::SentenceRemoved {
                text: abbreviate(old[i]),
            }),
        }
    }
    for (k, n) in new.iter().enumerate() {
        if !used[k] {
            items.push(Substance::SentenceAdded {
                text: abbreviate(n),
            });
        }
    }
}

fn urls(s: &str) -> Vec<String> {
    s.split(|c: char| c.is_whitespace() || matches!(c, '(' | ')' | '<' | '>' | '"' | '“' | '”'))
        .filter(|w| w.starts_with("http://") || w.starts_with("https://"))
        .map(|w| {
            w.trim_end_matches(['.', ',', ';', ':', '!', '?', '\''])
                .to_owned()
        })
        .collect()
}

fn quoted(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = s;
    while let Some(start) = rest.find(['"', '“']) {
        let open = rest[start..].chars().next().unwrap_or('"');
        let after = &rest[start + open.len_utf8()..];
        let close = if open == '“' { '”' } else { '"' };
        let Some(end) = after.find(close) else { break };
        let q = after[..end].trim();
        if !q.is_empty() {
            out.push(q.to_owned());
        }
        rest = &after[end + close.len_utf8()..];
    }
    out
}

/// Pairs what is only in `old` with what is only in `new`, in order.
fn pair_lists(old: Vec<String>, new: Vec<String>) -> Vec<(Option<String>, Option<String>)> {
    let gone: Vec<String> = old.iter().filter(|o| !new.contains(o)).cloned().collect();
    let came: Vec<String> = new.iter().filter(|n| !old.contains(n)).cloned().collect();
    let n = gone.len().max(came.len());
    (0..n)
        .map(|i| (gone.get(i).cloned(), came.get(i).cloned()))
        .collect()
}

const UNITS: &[&str] = &[
    "thousand", "million", "billion", "trillion", "percent", "%", "days", "day", "months", "month",
    "years", "year", "hours", "hour", "users", "mau", "dollars", "usd", "eur",
];
const MONTHS: &[&str] = &[
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

fn bare(w: &str) -> &str {
    w.trim_matches(|c: char| !c.is_alphanumeric() && c != '%')
}

fn capitalised(w: &str) -> bool {
    bare(w).chars().next().is_some_and(char::is_uppercase)
}

/// Markdown punctuation and list markers: `*`, `**`, `-`, `#`, `1.`, `(a)`.
fn is_markup(w: &str) -> bool {
    w.chars().all(|c| "*_#->|`[]()".contains(c))
        || (w.len() <= 4 && starts_block(w) && !w.starts_with('#'))
}

/// ALL CAPS (a heading) rather than a Capitalised name.
fn shouting(w: &str) -> bool {
    let b = bare(w);
    b.chars().filter(|c| c.is_alphabetic()).count() > 1 && !b.chars().any(char::is_lowercase)
}

fn has_digit(w: &str) -> bool {
    w.chars().any(|c| c.is_ascii_digit())
}

/// Reads one changed sentence word by word.
fn sentence_changes(old: &str, new: &str, items: &mut Vec<Substance>) {
    let mut covered: Vec<String> = Vec::new();
    let mut links: Vec<String> = Vec::new();
    for (o, n) in pair_lists(urls(old), urls(new)) {
        links.extend(o.iter().chain(n.iter()).cloned());
        items.push(Substance::Url { old: o, new: n });
    }
    for (o, n) in pair_lists(quoted(old), quoted(new)) {
        if let (Some(o), Some(n)) = (o, n) {
            covered.push(o.clone());
            covered.push(n.clone());
            items.push(Substance::Quoted { old: o, new: n });
        }
    }
    let ow: Vec<&str> = old.split(' ').collect();
    let nw: Vec<&str> = new.split(' ').collect();
    let ops = similar::capture_diff_slices_deadline(
        Algorithm::Myers,
        &ow,
        &nw,
        Some(std::time::Instant::now() + DEADLINE),
    );
    // runs of other words, merged when only a few words apart
    let mut rewordings: Vec<(std::ops::Range<usize>, std::ops::Range<usize>)> = Vec::new();
    for op in ops {
        if let DiffOp::Equal { .. } = op {
            continue;
        }
        let (or, nr) = (op.old_range(), op.new_range());
        let changed: Vec<&str> = ow[or.clone()]
            .iter()
            .chain(&nw[nr.clone()])
            .copied()
            .collect();
        let is_covered = |w: &str| {
            let b = bare(w);
            b.is_empty() || covered.iter().any(|c| c.contains(b))
        };
        // already said (a quoted string, the markup around a changed URL),
        // or markup only (`*` → `1.` list markers, `**` emphasis)
        let has_link = changed
            .iter()
            .any(|w| links.iter().any(|l| w.contains(l.as_str())));
        if has_link || changed.iter().all(|w| is_covered(w) || is_markup(w)) {
            continue;
        }
        match classify(&ow, or.clone(), &nw, nr.clone()) {
            Some(item) => items.push(item),
            None => match rewordings.last_mut() {
                Some((po, pn)) if or.start <= po.end + 3 && nr.start <= pn.end + 3 => {
                    po.end = or.end;
                    pn.end = nr.end;
                }
                _ => rewordings.push((or, nr)),
            },
        }
    }
    for (or, nr) in rewordings {
        items.push(reworded(&ow, or, &nw, nr));
    }
}

/// An excerpt of each side around a change, with a few words of context.
fn reworded(
    ow: &[&str],
    or: std::ops::Range<usize>,
    nw: &[&str],
    nr: std::ops::Range<usize>,
) -> Substance {
    let (cs, ce) = (or.start.saturating_sub(3), (or.end + 3).min(ow.len()));
    let (ds, de) = (nr.start.saturating_sub(3), (nr.end + 3).min(nw.len()));
    let excerpt = |w: &[&str], s: usize, e: usize| {
        let mut t = w[s..e].join(" ");
        if s > 0 {
            t = format!("… {t}");
        }
        if e < w.len() {
            t.push_str(" …");
        }
        t
    };
    Substance::Reworded {
        old: excerpt(ow, cs, ce),
        new: excerpt(nw, ds, de),
    }
}

/// Widens a changed run over the words around it that belong to the same
/// thing (a unit after a number, the name before a version) and names it;
/// `None` for other words (and for words only added or only removed).
fn classify(
    ow: &[&str],
    or: std::ops::Range<usize>,
    nw: &[&str],
    nr: std::ops::Range<usize>,
) -> Option<Substance> {
    if or.is_empty() || nr.is_empty() {
        return None;
    }
    let changed: Vec<&str> = ow[or.clone()]
        .iter()
        .chain(&nw[nr.clone()])
        .copied()
        .collect();
    let (mut os, mut oe, mut ns, mut ne) = (or.start, or.end, nr.start, nr.end);
    let text = |w: &[&str], s: usize, e: usize| {
        w[s..e]
            .join(" ")
            .trim_matches(|c: char| {
                matches!(c, ',' | '.' | ';' | ':' | '(' | ')' | '*' | '_' | '`')
            })
            .to_owned()
    };
    let month = changed
        .iter()
        .any(|w| capitalised(w) && MONTHS.contains(&bare(w).to_lowercase().as_str()));
    if month || changed.iter().any(|w| has_digit(w)) {
        // the unit or the rest of a date after it (shared by both sides)
        while oe < ow.len() && ne < nw.len() && ow[oe] == nw[ne] && oe - or.end < 2 {
            let w = bare(ow[oe]).to_lowercase();
            let unit = UNITS.contains(&w.as_str());
            if unit || (month && has_digit(ow[oe])) {
                oe += 1;
                ne += 1;
            } else {
                break;
            }
        }
        // the name a version number belongs to: "Example 3" → "Example 3.1"
        let versioned =
            os > 0 && ns > 0 && ow[os - 1] == nw[ns - 1] && capitalised(ow[os - 1]) && !month;
        if versioned {
            let style = shouting(ow[os - 1]);
            while os > 0
                && ns > 0
                && ow[os - 1] == nw[ns - 1]
                && capitalised(ow[os - 1])
                && shouting(ow[os - 1]) == style
            {
                os -= 1;
                ns -= 1;
            }
            return Some(Substance::Name {
                old: text(ow, os, oe),
                new: text(nw, ns, ne),
            });
        }
        return Some(Substance::Number {
            old: text(ow, os, oe),
            new: text(nw, ns, ne),
        });
    }
    if !changed.is_empty() && changed.iter().all(|w| capitalised(w)) {
        while os > 0 && ns > 0 && ow[os - 1] == nw[ns - 1] && capitalised(ow[os - 1]) {
            os -= 1;
            ns -= 1;
        }
        while oe < ow.len()
            && ne < nw.len()
            && ow[oe] == nw[ne]
            && (capitalised(ow[oe]) || has_digit(ow[oe]))
        {
            oe += 1;
            ne += 1;
        }
        return Some(Substance::Name {
            old: text(ow, os, oe),
            new: text(nw, ns, ne),
        });
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn changed(a: &str, b: &str) -> TextDiff {
        match compare(a.as_bytes(), b.as_bytes()) {
            Comparison::Changed(d) => d,
            _ => panic!("expected a change"),
        }
    }

    fn summary(a: &str, b: &str) -> Vec<String> {
        changed(a, b)
            .substance()
            .iter()
            .map(Substance::describe)
            .collect()
    }

    #[test]
    fn segments_are_sentences_and_add_up_to_the_normalised_text() {
        let text = "# Terms\n\n1. Grant. You may use it, e.g. for research;\nyou must credit Example Corp. in the docs.\n(a) Sub-item with No. 5 inside. Next sentence here.\n- a bullet\r\n";
        let s = segments(text);
        assert_eq!(
            s,
            [
                "# Terms",
                "1. Grant.",
                "You may use it, e.g. for research;",
                "you must credit Example Corp. in the docs.",
                "(a) Sub-item with No. 5 inside.",
                "Next sentence here.",
                "- a bullet",
            ]
        );
        assert_eq!(s.join(" "), crate::license::normalise(text.as_bytes()));
    }

    #[test]
    fn identical_format_only_and_changed() {
        assert!(matches!(compare(b"a b", b"a b"), Comparison::Identical));
        assert!(matches!(
            compare(b"\xEF\xBB\xBFa\r\nb\n", b"a b"),
            Comparison::FormatOnly
        ));
        assert!(matches!(compare(b"a b", b"a c"), Comparison::Changed(_)));
    }

    #[test]
    fn numbers_quotes_names_and_urls() {
        let a = "If users exceed 700 million monthly active users, ask. Display \"Built with Example 3\" on your site. See https://example.com/v3/policy. This is Example 3 by Example Corp.";
        let b = "If users exceed 100 million monthly active users, ask. Display \"Built with Example\" on your site. See https://example.com/v3_1/policy. This is Example 3.1 by Example Corp.";
        let s = summary(a, b);
        assert_eq!(
            s,
            [
                "'700 million' → '100 million'",
                "'Built with Example 3' → 'Built with Example'",
                "URL https://example.com/v3/policy → https://example.com/v3_1/policy",
                "'Example 3' → 'Example 3.1'",
            ]
        );
    }

    #[test]
    fn sentences_added_removed_and_reworded() {
        let a = "Use it well. You must not misuse it. Old clause goes away entirely now.";
        let b =
            "Use it well. You may not misuse it. A new clause about the European Union arrives.";
        let s = summary(a, b);
        assert_eq!(
            s,
            [
                "removed 'Old clause goes away entirely now.'",
                "added 'A new clause about the European Union arrives.'",
                "reworded 'You must not misuse it.' → 'You may not misuse it.'",
            ]
        );
        let long = format!(
            "Start. {}",
            (0..40)
                .map(|i| format!("W{i}"))
                .collect::<Vec<_>>()
                .join(" ")
        );
        let s = summary("Start.", &long);
        assert_eq!(
            s,
            ["added 'W0 W1 W2 W3 W4 W5 W6 W7 W8 W9 W10 W11 … W32 W33 W34 W35 W36 W37 W38 W39'"]
        );
    }

    #[test]
    fn dates_and_repeated_changes_once() {
        let a = "Released on March 1, 2026. Example 3 is good. Example 3 is fast.";
        let b = "Released on July 1, 2026. Example 3.1 is good. Example 3.1 is fast.";
        assert_eq!(
            summary(a, b),
            [
                "'March 1, 2026' → 'July 1, 2026'",
                "'Example 3' → 'Example 3.1'"
            ]
        );
    }

    #[test]
    fn unified_marks_changed_words() {
        let d = changed(
            "One. Two is 700 here. Three.",
            "One. Two is 100 here. Three.",
        );
        assert_eq!(
            d.unified("a", "b", 1, false),
            "--- a\n+++ b\n@@ -1,3 +1,3 @@\n One.\n-Two is [-700-] here.\n+Two is {+100+} here.\n Three.\n"
        );
        let j = d.hunks_json(0);
        assert_eq!(j[0]["old-start"], 2);
        assert_eq!(j[0]["lines"][0]["tag"], "delete");
        assert_eq!(j[0]["lines"][0]["changes"][1]["emphasized"], true);
        assert!(d.unified("a", "b", 1, true).contains("\x1b[1;7;31m700"));
    }

    #[test]
    fn large_inputs_finish() {
        let a: String = (0..60_000)
            .map(|i| format!("word{} ", i * 7 % 1013))
            .collect();
        let b: String = (0..60_000)
            .map(|i| format!("word{} ", i * 11 % 1009))
            .collect();
        let d = changed(&a, &b);
        assert!(d.substance().len() <= MAX_ITEMS);
    }
}
