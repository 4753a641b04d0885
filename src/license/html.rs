//! A web page reduced to the text a reader sees: what a document
//! incorporated by URL (an acceptable use policy) is locked as.
//!
//! The page is parsed as browsers parse it (html5ever, through `scraper`):
//! entities decoded, broken markup repaired. Its content is the `<main>`
//! element (or `role="main"`, else the only `<article>`, else `<body>`);
//! what is not content is left out — scripts, styles, templates, images,
//! forms, navigation, and the site's header and footer outside the
//! content — so that a site redesign is not a change of terms, while any
//! changed word of the policy is. Blocks become lines, list items `- `
//! lines, so that the stored text reads as the page does.

use scraper::{ElementRef, Html, Node, Selector};

/// Elements whose content is never part of the text.
const SKIPPED: &[&str] = &[
    "script", "style", "noscript", "template", "svg", "math", "head", "nav", "form", "button",
    "select", "textarea", "iframe", "object", "embed", "canvas", "dialog", "img", "picture",
    "video", "audio", "link", "meta",
];

/// Elements that begin a line of their own.
const BLOCKS: &[&str] = &[
    "address",
    "article",
    "aside",
    "blockquote",
    "br",
    "dd",
    "div",
    "dl",
    "dt",
    "figcaption",
    "figure",
    "footer",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hr",
    "li",
    "main",
    "ol",
    "p",
    "pre",
    "section",
    "table",
    "tbody",
    "thead",
    "tr",
    "ul",
];

/// Whether bytes served as `content_type` (or, without one, that look so)
/// are an HTML page.
pub fn is_html(content_type: Option<&str>, body: &[u8]) -> bool {
    let mime = content_type
        .and_then(|c| c.split(';').next())
        .map(|m| m.trim().to_ascii_lowercase());
    match mime.as_deref() {
        Some("text/html" | "application/xhtml+xml") => true,
        Some(m) if m.starts_with("text/") => false,
        _ => {
            let head: Vec<u8> = body
                .iter()
                .skip_while(|b| b.is_ascii_whitespace())
                .take(15)
                .map(u8::to_ascii_lowercase)
                .collect();
            head.starts_with(b"<!doctype html") || head.starts_with(b"<html")
        }
    }
}

/// The text of an HTML page, one block a line.
pub fn text(html: &str) -> String {
    let doc = Html::parse_document(html);
    let first = |css: &str| {
        Selector::parse(css)
            .ok()
            .and_then(|s| doc.select(&s).next())
    };
    let articles = Selector::parse("article")
        .map(|s| doc.select(&s).count())
        .unwrap_or(0);
    let content = first("main")
        .or_else(|| first("[role=main]"))
        .or_else(|| (articles == 1).then(|| first("article")).flatten());
    // without a marked content element, the site's own header and footer
    // are left out as well
    let (root, site_chrome) = match content {
        Some(c) => (c, false),
        None => match first("body") {
            Some(b) => (b, true),
            None => (doc.root_element(), true),
        },
    };
    let mut out = Writer::default();
    walk(root, site_chrome, &mut out);
    out.finish()
}

#[derive(Default)]
struct Writer {
    lines: Vec<String>,
    line: String,
}

impl Writer {
    fn text(&mut self, t: &str) {
        for (i, word) in t.split(char::is_whitespace).enumerate() {
            if i > 0 && !self.line.ends_with(' ') && !self.line.is_empty() {
                self.line.push(' ');
            }
            self.line.push_str(word);
        }
    }

    fn break_line(&mut self) {
        let line = self.line.trim().to_owned();
        if !line.is_empty() && line != "-" {
            self.lines.push(line);
        }
        self.line.clear();
    }

    fn finish(mut self) -> String {
        self.break_line();
        let mut s = self.lines.join("\n");
        if !s.is_empty() {
            s.push('\n');
        }
        s
    }
}

fn walk(el: ElementRef<'_>, site_chrome: bool, out: &mut Writer) {
    for child in el.children() {
        match child.value() {
            Node::Text(t) => out.text(t),
            Node::Element(e) => {
                let name = e.name();
                let hidden = e.attr("hidden").is_some()
                    || e.attr("aria-hidden") == Some("true")
                    || e.attr("role") == Some("navigation");
                if hidden
                    || SKIPPED.contains(&name)
                    || (site_chrome && matches!(name, "header" | "footer" | "aside"))
                {
                    continue;
                }
                let Some(child_el) = ElementRef::wrap(child) else {
                    continue;
                };
                let block = BLOCKS.contains(&name);
                if block {
                    out.break_line();
                }
                if name == "li" {
                    out.line.push_str("- ");
                }
                if matches!(name, "td" | "th") && !out.line.is_empty() {
                    out.line.push_str(" | ");
                }
                walk(child_el, site_chrome, out);
                if block {
                    out.break_line();
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_without_the_site_around_it() {
        let page = r#"<!DOCTYPE html><html><head><title>Policy</title>
            <style>p { color: red }</style><script>var x = "not text";</script></head>
            <body><header>Site menu</header><nav><a href="/">Home</a></nav>
            <main><h1>Acceptable Use Policy</h1>
            <p>You agree you will not use, or allow others to use, the model to:</p>
            <ol><li>Violate the law &amp; others&#8217; rights</li>
            <li>Engage in <b>illegal</b> activity</li></ol>
            <p hidden>tracking</p><button>Accept</button></main>
            <footer>&copy; 2026 Site, last built 12:00</footer></body></html>"#;
        assert_eq!(
            text(page),
            "Acceptable Use Policy\nYou agree you will not use, or allow others to use, the model to:\n\
             - Violate the law & others\u{2019} rights\n- Engage in illegal activity\n"
        );
    }

    #[test]
    fn body_without_main_drops_header_and_footer() {
        let page = "<html><body><header>Menu</header><div><p>Terms\n  here.</p>\
                    <p>More <i>terms</i>.</p></div><footer>Updated today</footer></body></html>";
        assert_eq!(text(page), "Terms here.\nMore terms.\n");
    }

    #[test]
    fn a_changed_word_changes_the_text_and_a_redesign_does_not() {
        let a =
            "<html><body><nav>A</nav><main><p>Do not use it for weapons.</p></main></body></html>";
        let b = "<html><body><div class=new><nav>B</nav><main><p>Do not use it\nfor   weapons.</p></main></div><footer>x</footer></body></html>";
        let c = "<html><body><main><p>Do not use it for medicine.</p></main></body></html>";
        let norm = |s: &str| crate::license::normalise(text(s).as_bytes());
        assert_eq!(norm(a), norm(b));
        assert_ne!(norm(a), norm(c));
    }

    #[test]
    fn what_is_html() {
        assert!(is_html(Some("text/html; charset=utf-8"), b""));
        assert!(!is_html(Some("text/plain"), b"<html>"));
        assert!(!is_html(Some("text/markdown"), b"# Policy"));
        assert!(is_html(None, b"\n  <!DOCTYPE HTML><html>"));
        assert!(is_html(Some("application/octet-stream"), b"<html><body>"));
        assert!(!is_html(None, b"Plain terms"));
    }
}
