//! What changed in substance between two versions of a license text:
//! numbers with their units and dates, quoted strings, names and versions,
//! URLs, sentences added and removed, other rewordings.

use super::segment::starts_block;
use serde::Serialize;
use similar::{Algorithm, DiffOp};
use std::collections::HashSet;

/// At most this many items per file.
pub(super) const MAX_ITEMS: usize = 12;

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

/// Words of what a license permits, restricts, conditions or makes a
/// threshold of: a change that touches one is about the terms.
const OPERATIVE: &[&str] = &[
    "adapt",
    "adapted",
    "adaptation",
    "attribution",
    "commercial",
    "commercially",
    "noncommercial",
    "non-commercial",
    "derivative",
    "derivatives",
    "noderivatives",
    "modify",
    "modified",
    "modification",
    "modifications",
    "share",
    "sharealike",
    "share-alike",
    "distribute",
    "redistribute",
    "redistribution",
    "sublicense",
    "prohibited",
    "prohibit",
    "prohibits",
    "restrict",
    "restricted",
    "restriction",
    "restrictions",
    "must",
    "shall",
    "may",
    "not",
    "never",
    "only",
    "except",
    "without",
    "terminate",
    "terminates",
    "termination",
    "grant",
    "grants",
    "granted",
    "royalty",
    "royalty-free",
    "fee",
    "fees",
    "revenue",
    "users",
    "monthly",
    "active",
    "indemnify",
    "liability",
    "liable",
    "warranty",
    "warranties",
    "irrevocable",
    "perpetual",
    "exclusive",
    "non-exclusive",
    "worldwide",
    "compete",
    "competing",
    "competitor",
    "train",
    "training",
    "improve",
    "military",
    "weapons",
    "surveillance",
    "research",
    "personal",
    "evaluation",
    "production",
    "hosted",
    "service",
    "services",
    "request",
    "permission",
    "permitted",
    "allowed",
    "display",
    "notice",
    "include",
];

/// Lower-case words of a text (letters, digits, `-` and `+` inside).
fn terms_of(s: &str) -> Vec<String> {
    s.split(|c: char| !(c.is_alphanumeric() || c == '-' || c == '+'))
        .map(|w| w.trim_matches(|c| c == '-' || c == '+').to_lowercase())
        .filter(|w| !w.is_empty())
        .collect()
}

/// Whether a text reads as a date (a month name with a number, or an ISO
/// date or a year alone).
fn is_date(s: &str) -> bool {
    let words = terms_of(s);
    let numbers = words
        .iter()
        .filter(|w| w.chars().all(|c| c.is_ascii_digit()))
        .count();
    let month = words.iter().any(|w| MONTHS.contains(&w.as_str()));
    let iso = s.chars().filter(|c| c.is_ascii_digit()).count() >= 6 && s.contains('-');
    let year =
        words.len() == 1 && words[0].len() == 4 && words[0].starts_with("20") && numbers == 1;
    (month && numbers > 0) || iso || year
}

impl Substance {
    /// How much a change weighs for a reader of the terms: what is
    /// permitted, restricted, conditioned or a threshold first; sentences,
    /// quotes and names next; other rewording; URLs, dates and changes of
    /// letter case last.
    fn rank(&self) -> u8 {
        let sides = match self {
            Substance::Number { old, new }
            | Substance::Quoted { old, new }
            | Substance::Name { old, new }
            | Substance::Reworded { old, new } => (old.as_str(), new.as_str()),
            Substance::SentenceAdded { text } | Substance::SentenceRemoved { text } => {
                (text.as_str(), "")
            }
            Substance::Url { .. } => return 5,
            Substance::More { .. } => return 6,
        };
        let case_only = sides.0.to_lowercase() == sides.1.to_lowercase();
        if case_only {
            return 5;
        }
        if let Substance::Number { old, new } = self {
            if is_date(old) || is_date(new) {
                return 5;
            }
            // a threshold, an amount, a term
            return 0;
        }
        // the words that differ between the sides, or the sentence's
        let (a, b) = (terms_of(sides.0), terms_of(sides.1));
        let changed: Vec<&String> = match self {
            Substance::SentenceAdded { .. } | Substance::SentenceRemoved { .. } => {
                a.iter().collect()
            }
            _ => a
                .iter()
                .filter(|w| !b.contains(w))
                .chain(b.iter().filter(|w| !a.contains(w)))
                .collect(),
        };
        let operative = changed.iter().any(|w| OPERATIVE.contains(&w.as_str()))
            || terms_of(&format!("{} {}", sides.0, sides.1))
                .iter()
                .any(|w| {
                    w.starts_with("noderivative")
                        || w.starts_with("noncommercial")
                        || w.starts_with("sharealike")
                });
        match self {
            _ if operative => 1,
            Substance::SentenceAdded { .. }
            | Substance::SentenceRemoved { .. }
            | Substance::Quoted { .. } => 2,
            Substance::Name { .. } => 3,
            _ => 4,
        }
    }

    /// One line for people.
    /// Whether the item's old and new sides are the same text.
    pub fn is_no_change(&self) -> bool {
        match self {
            Substance::Number { old, new }
            | Substance::Quoted { old, new }
            | Substance::Name { old, new }
            | Substance::Reworded { old, new } => old == new,
            Substance::Url { old, new } => old == new,
            _ => false,
        }
    }

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

/// What changed in substance between the sentences of two texts, given
/// their sentence diff: in document order within each kind, the weightiest
/// kinds first, each change once, at most [`MAX_ITEMS`].
pub(super) fn collect(old: &[&str], new: &[&str], ops: &[DiffOp]) -> Vec<Substance> {
    let mut items = Vec::new();
    for op in ops {
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
    // and never an item whose two sides read the same (punctuation trimmed)
    let mut seen = HashSet::new();
    items.retain(|i| !i.is_no_change() && seen.insert(i.describe().to_lowercase()));
    items.sort_by_key(Substance::rank);
    if items.len() > MAX_ITEMS {
        let more = items.len() - (MAX_ITEMS - 1);
        items.truncate(MAX_ITEMS - 1);
        items.push(Substance::More { count: more });
    }
    items
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
        Some(std::time::Instant::now() + super::DEADLINE),
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
