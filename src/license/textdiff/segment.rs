//! Splitting a license text into segments for diffing: paragraphs,
//! headings and list items, each split into sentences, white space
//! normalised. Joined by single spaces they are the normalised text of the
//! license digest, so nothing is lost and re-wrapping changes nothing.

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
pub(super) fn starts_block(line: &str) -> bool {
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
