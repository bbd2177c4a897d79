//! Chat formatting: a small grammar for messages, parsed once into a tree ([`Block`],
//! [`Inline`]) by the server (which stores the source) and by the app (which renders the tree as
//! DOM nodes, never as HTML), and rendered as plain text for email and SMS.
//!
//! The grammar, line by line:
//! - a line of three backticks (optionally followed by a language word) opens a code block,
//!   closed by a line of three backticks or the end; its lines are kept as they are;
//! - lines starting `> ` (or a lone `>`) are a quote; `- ` a bullet list; `1. ` (any number up
//!   to nine digits) a numbered list, numbered from its first item;
//! - other lines are paragraphs; a blank line separates blocks; a line break within a paragraph,
//!   quote or item stays a line break.
//!
//! Within a line: `**bold**` or `*bold*`, `_italic_` (only at word edges, so `snake_case`
//! stays), `~~strike~~`, `` `code` `` (nothing inside it is markup), `[text](url)` with an
//! `http:`, `https:` or `mailto:` url, `<@user id>` (a mention, shown with the person's name),
//! and URLs (`http://`, `https://`) and email addresses become links by themselves. An opening
//! marker must be followed, and a closing one preceded, by something other than a space. A
//! backslash before a punctuation character makes it plain. Anything that does not close is
//! plain text: every input parses.
//!
//! The parser is total and linear: each closer is found through a table made in one pass, so
//! unclosed markers cost nothing more, and nesting deeper than [`MAX_NESTING`] is plain text.

use crate::UserId;

/// How deep bold, italic, strike and links may nest inside each other.
pub const MAX_NESTING: usize = 8;

/// The longest link the grammar accepts (longer is plain text).
pub const MAX_URL_CHARS: usize = 2048;

/// A block of a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    Paragraph(Vec<Inline>),
    Quote(Vec<Inline>),
    Bullets(Vec<Vec<Inline>>),
    Numbered {
        start: u32,
        items: Vec<Vec<Inline>>,
    },
    Code {
        language: Option<String>,
        text: String,
    },
}

/// A run of text within a block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inline {
    Text(String),
    Break,
    Bold(Vec<Inline>),
    Italic(Vec<Inline>),
    Strike(Vec<Inline>),
    Code(String),
    /// `href` is an `http:`, `https:` or `mailto:` URL.
    Link {
        href: String,
        children: Vec<Inline>,
    },
    Mention(UserId),
}

/// The blocks of `source`.
pub fn parse(source: &str) -> Vec<Block> {
    let lines: Vec<&str> = source
        .split('\n')
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .collect();
    let mut blocks = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        if line.trim().is_empty() {
            i += 1;
        } else if let Some(rest) = line.trim_start().strip_prefix("```") {
            let language = Some(rest.trim())
                .filter(|l| {
                    !l.is_empty()
                        && l.len() <= 20
                        && l.bytes()
                            .all(|b| b.is_ascii_alphanumeric() || b"+-_#.".contains(&b))
                })
                .map(str::to_owned);
            let start = i + 1;
            let mut end = start;
            while end < lines.len() && lines[end].trim() != "```" {
                end += 1;
            }
            blocks.push(Block::Code {
                language,
                text: lines[start..end].join("\n"),
            });
            i = end + 1;
        } else if quoted(line).is_some() {
            let mut content = Vec::new();
            while let Some(text) = lines.get(i).and_then(|l| quoted(l)) {
                content.push(text);
                i += 1;
            }
            blocks.push(Block::Quote(inline(&content.join("\n"))));
        } else if bullet(line).is_some() {
            let mut items = Vec::new();
            while let Some(text) = lines.get(i).and_then(|l| bullet(l)) {
                items.push(inline(text));
                i += 1;
            }
            blocks.push(Block::Bullets(items));
        } else if let Some((start, _)) = numbered(line) {
            let mut items = Vec::new();
            while let Some((_, text)) = lines.get(i).and_then(|l| numbered(l)) {
                items.push(inline(text));
                i += 1;
            }
            blocks.push(Block::Numbered { start, items });
        } else {
            let start = i;
            while i < lines.len() && starts_paragraph_line(lines[i]) {
                i += 1;
            }
            blocks.push(Block::Paragraph(inline(&lines[start..i].join("\n"))));
        }
    }
    blocks
}

fn quoted(line: &str) -> Option<&str> {
    match line.strip_prefix('>') {
        Some(rest) => Some(rest.strip_prefix(' ').unwrap_or(rest)),
        None => None,
    }
}

fn bullet(line: &str) -> Option<&str> {
    line.strip_prefix("- ")
}

fn numbered(line: &str) -> Option<(u32, &str)> {
    let digits = line.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 || digits > 9 {
        return None;
    }
    let rest = line[digits..].strip_prefix(". ")?;
    Some((line[..digits].parse().ok()?, rest))
}

/// Whether `line` continues a paragraph (anything but a blank line or another block's start).
fn starts_paragraph_line(line: &str) -> bool {
    !line.trim().is_empty()
        && quoted(line).is_none()
        && bullet(line).is_none()
        && numbered(line).is_none()
        && !line.trim_start().starts_with("```")
}

/// The kinds of paired markers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Marker {
    Star2,
    Star1,
    Under,
    Tilde2,
}

const MARKERS: [Marker; 4] = [Marker::Star2, Marker::Star1, Marker::Under, Marker::Tilde2];

impl Marker {
    fn len(self) -> usize {
        match self {
            Marker::Star2 | Marker::Tilde2 => 2,
            Marker::Star1 | Marker::Under => 1,
        }
    }

    fn index(self) -> usize {
        self as usize
    }

    fn wrap(self, children: Vec<Inline>) -> Inline {
        match self {
            Marker::Star2 | Marker::Star1 => Inline::Bold(children),
            Marker::Under => Inline::Italic(children),
            Marker::Tilde2 => Inline::Strike(children),
        }
    }
}

/// What one pass over a line found: where code spans end, where each marker may close, which
/// bracket closes each `[`, and where the next `)` is.
struct Tables<'a> {
    text: &'a str,
    bytes: &'a [u8],
    /// For a backtick that opens a code span, where its closing backtick is.
    code_end: Vec<usize>,
    /// Per marker kind: the first position at or after `i` where it may close.
    closer: [Vec<usize>; 4],
    /// For a `[`, its matching `]`.
    bracket_end: Vec<usize>,
    /// The first `)` at or after `i`.
    next_paren: Vec<usize>,
    /// Positions made plain by a backslash.
    escaped: Vec<bool>,
}

const NONE: usize = usize::MAX;

fn is_space(b: Option<u8>) -> bool {
    b.is_none_or(|b| b.is_ascii_whitespace())
}

fn is_word(b: Option<u8>) -> bool {
    // Any byte of a non-ASCII character counts as a letter.
    b.is_some_and(|b| b.is_ascii_alphanumeric() || b >= 0x80)
}

impl<'a> Tables<'a> {
    fn new(text: &'a str) -> Self {
        let bytes = text.as_bytes();
        let n = bytes.len();
        let mut escaped = vec![false; n];
        let mut i = 0;
        while i < n {
            if bytes[i] == b'\\' && i + 1 < n && bytes[i + 1].is_ascii_punctuation() {
                escaped[i + 1] = true;
                i += 2;
            } else {
                i += 1;
            }
        }
        let plain = |i: usize| escaped[i] || (bytes[i] == b'\\' && i + 1 < n && escaped[i + 1]);
        // Code spans, left to right: a backtick opens, the next one closes.
        let mut code_end = vec![NONE; n];
        let mut inert = vec![false; n];
        let mut open = None;
        for i in 0..n {
            if bytes[i] == b'`' && !plain(i) {
                match open.take() {
                    None => open = Some(i),
                    Some(start) => {
                        code_end[start] = i;
                        for flag in &mut inert[start..=i] {
                            *flag = true;
                        }
                    }
                }
            }
        }
        let at = |i: usize, pattern: &[u8]| bytes[i..].starts_with(pattern);
        let closes = |m: Marker, i: usize| -> bool {
            if inert[i] || plain(i) || is_space(i.checked_sub(1).map(|p| bytes[p])) {
                return false;
            }
            let after = bytes.get(i + m.len()).copied();
            match m {
                Marker::Star2 => at(i, b"**"),
                Marker::Star1 => bytes[i] == b'*',
                Marker::Under => bytes[i] == b'_' && !is_word(after),
                Marker::Tilde2 => at(i, b"~~"),
            }
        };
        let mut closer: [Vec<usize>; 4] = std::array::from_fn(|_| vec![NONE; n + 1]);
        for m in MARKERS {
            let table = &mut closer[m.index()];
            for i in (0..n).rev() {
                table[i] = if closes(m, i) { i } else { table[i + 1] };
            }
        }
        let mut bracket_end = vec![NONE; n];
        let mut stack = Vec::new();
        for i in 0..n {
            if inert[i] || plain(i) {
                continue;
            }
            match bytes[i] {
                b'[' => stack.push(i),
                b']' => {
                    if let Some(start) = stack.pop() {
                        bracket_end[start] = i;
                    }
                }
                _ => {}
            }
        }
        let mut next_paren = vec![NONE; n + 1];
        for i in (0..n).rev() {
            next_paren[i] = if bytes[i] == b')' {
                i
            } else {
                next_paren[i + 1]
            };
        }
        Tables {
            text,
            bytes,
            code_end,
            closer,
            bracket_end,
            next_paren,
            escaped,
        }
    }

    /// Whether marker `m` may open at `i`.
    fn opens(&self, m: Marker, i: usize) -> bool {
        let b = self.bytes;
        let after = b.get(i + m.len()).copied();
        if self.escaped[i] || is_space(after) {
            return false;
        }
        match m {
            Marker::Star2 => b[i..].starts_with(b"**"),
            Marker::Star1 => b[i] == b'*',
            Marker::Under => b[i] == b'_' && !is_word(i.checked_sub(1).map(|p| b[p])),
            Marker::Tilde2 => b[i..].starts_with(b"~~"),
        }
    }
}

/// The inline content of `text`.
pub fn inline(text: &str) -> Vec<Inline> {
    let tables = Tables::new(text);
    let mut out = Vec::new();
    run(&tables, 0, text.len(), 0, false, &mut out);
    out
}

/// Appends plain `text` to `out`, merged with a plain run before it.
fn push_text(out: &mut Vec<Inline>, text: &str) {
    if text.is_empty() {
        return;
    }
    if let Some(Inline::Text(last)) = out.last_mut() {
        last.push_str(text);
    } else {
        out.push(Inline::Text(text.to_owned()));
    }
}

/// Parses `[start, end)` of the tables' text into `out`.
fn run(t: &Tables, start: usize, end: usize, depth: usize, in_link: bool, out: &mut Vec<Inline>) {
    let b = t.bytes;
    let mut plain_from = start;
    let mut i = start;
    // Ends the plain run before `i` (autolinking it), for a node starting at `i`.
    let flush = |out: &mut Vec<Inline>, from: usize, to: usize| {
        if in_link {
            push_text(out, &t.text[from..to]);
        } else {
            autolink(&t.text[from..to], out);
        }
    };
    while i < end {
        let c = b[i];
        if c == b'\\' && i + 1 < end && t.escaped[i + 1] {
            flush(out, plain_from, i);
            push_text(out, &t.text[i + 1..i + 2]);
            i += 2;
            plain_from = i;
            continue;
        }
        if t.escaped[i] {
            i += 1;
            continue;
        }
        if c == b'\n' {
            flush(out, plain_from, i);
            out.push(Inline::Break);
            i += 1;
            plain_from = i;
            continue;
        }
        if c == b'`' && t.code_end[i] != NONE && t.code_end[i] < end {
            let close = t.code_end[i];
            flush(out, plain_from, i);
            out.push(Inline::Code(t.text[i + 1..close].to_owned()));
            i = close + 1;
            plain_from = i;
            continue;
        }
        // A pair of stars is bold's pair or plain: never a single star twice.
        let candidates: &[Marker] = match (c, b.get(i + 1).filter(|_| i + 1 < end)) {
            (b'*', Some(b'*')) => &[Marker::Star2],
            (b'*', _) => &[Marker::Star1],
            (b'_', _) => &[Marker::Under],
            (b'~', Some(b'~')) => &[Marker::Tilde2],
            _ => &[],
        };
        let paired = candidates.iter().find_map(|&m| {
            if depth >= MAX_NESTING || !t.opens(m, i) {
                return None;
            }
            let close = t.closer[m.index()][i + m.len()];
            // Something between, and the closer within this run.
            (close != NONE && close > i + m.len() && close + m.len() <= end).then_some((m, close))
        });
        if let Some((m, close)) = paired {
            flush(out, plain_from, i);
            let mut children = Vec::new();
            run(t, i + m.len(), close, depth + 1, in_link, &mut children);
            out.push(m.wrap(children));
            i = close + m.len();
            plain_from = i;
            continue;
        }
        if let [m] = candidates
            && m.len() == 2
        {
            // An unpaired `**` or `~~` is plain, both characters.
            i += 2;
            continue;
        }
        if c == b'[' && !in_link && depth < MAX_NESTING {
            let close = t.bracket_end[i];
            if close != NONE && close + 1 < end && b[close + 1] == b'(' {
                let paren = t.next_paren[close + 2];
                if paren != NONE && paren < end {
                    let url = &t.text[close + 2..paren];
                    if let Some(href) = link_target(url) {
                        flush(out, plain_from, i);
                        let mut children = Vec::new();
                        run(t, i + 1, close, depth + 1, true, &mut children);
                        out.push(Inline::Link { href, children });
                        i = paren + 1;
                        plain_from = i;
                        continue;
                    }
                }
            }
        }
        if c == b'<'
            && let Some(id) = t.text.get(i + 2..i + 28)
            && b[i + 1] == b'@'
            && b.get(i + 28) == Some(&b'>')
            && i + 29 <= end
            && let Ok(user) = id.parse::<UserId>()
        {
            flush(out, plain_from, i);
            out.push(Inline::Mention(user));
            i += 29;
            plain_from = i;
            continue;
        }
        i += 1;
    }
    flush(out, plain_from, end);
}

/// `url` if it may be a link: `http:`, `https:` or `mailto:` (any case), no spaces or controls,
/// at most [`MAX_URL_CHARS`].
pub fn link_target(url: &str) -> Option<String> {
    let url = url.trim();
    if url.is_empty()
        || url.chars().count() > MAX_URL_CHARS
        || url.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        return None;
    }
    let lower = url.get(..8).unwrap_or(url).to_ascii_lowercase();
    let fits = |scheme: &str, min: usize| lower.starts_with(scheme) && url.len() > min;
    (fits("https://", 8) || fits("http://", 7) || fits("mailto:", 7)).then(|| url.to_owned())
}

/// Appends `text` to `out` with its URLs and email addresses as links.
fn autolink(text: &str, out: &mut Vec<Inline>) {
    let mut plain_from = 0;
    let mut word_start = 0;
    for (i, c) in text
        .char_indices()
        .chain(std::iter::once((text.len(), ' ')))
    {
        if !c.is_whitespace() {
            continue;
        }
        let word = &text[word_start..i];
        if let Some((lead, link, href)) = linkable(word) {
            let at = word_start + lead;
            push_text(out, &text[plain_from..at]);
            out.push(Inline::Link {
                href,
                children: vec![Inline::Text(link.to_owned())],
            });
            plain_from = at + link.len();
        }
        word_start = i + c.len_utf8();
    }
    push_text(out, &text[plain_from..]);
}

/// The link in a word, if it is one: how far into the word it starts, its text and its target.
/// Punctuation around it (a sentence's period, quotes, an unmatched parenthesis) stays outside.
fn linkable(word: &str) -> Option<(usize, &str, String)> {
    let lead = word.len() - word.trim_start_matches(['(', '"', '\'', '<']).len();
    let mut link = &word[lead..];
    loop {
        let trimmed = link.trim_end_matches(['.', ',', ';', ':', '!', '?', '"', '\'', '>']);
        let trimmed = match trimmed.strip_suffix(')') {
            Some(t) if t.matches('(').count() < t.matches(')').count() + 1 => t,
            _ => trimmed,
        };
        if trimmed.len() == link.len() {
            break;
        }
        link = trimmed;
    }
    let lower = link.get(..8).unwrap_or(link).to_ascii_lowercase();
    if lower.starts_with("http://") || lower.starts_with("https://") {
        return link_target(link).map(|href| (lead, link, href));
    }
    let (local, domain) = link.split_once('@')?;
    let email = !local.is_empty()
        && local.len() <= 64
        && local
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._%+-".contains(&b))
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && domain
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b".-".contains(&b));
    email.then(|| (lead, link, format!("mailto:{link}")))
}

/// Everyone `blocks` mentions, in order of first mention.
pub fn mentions(blocks: &[Block]) -> Vec<UserId> {
    fn walk(inlines: &[Inline], found: &mut Vec<UserId>) {
        for node in inlines {
            match node {
                Inline::Mention(id) if !found.contains(id) => found.push(*id),
                Inline::Bold(c) | Inline::Italic(c) | Inline::Strike(c) => walk(c, found),
                Inline::Link { children, .. } => walk(children, found),
                _ => {}
            }
        }
    }
    let mut found = Vec::new();
    for block in blocks {
        match block {
            Block::Paragraph(i) | Block::Quote(i) => walk(i, &mut found),
            Block::Bullets(items) | Block::Numbered { items, .. } => {
                for item in items {
                    walk(item, &mut found);
                }
            }
            Block::Code { .. } => {}
        }
    }
    found
}

/// `source` in one line of plain text, for a preview (the inbox, a quoted reply): markers
/// dropped, links as their text, blocks and lines joined by spaces.
pub fn summary(source: &str, name_of: &dyn Fn(UserId) -> Option<String>) -> String {
    let text = render_plain(&parse(source), name_of, false);
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `blocks` as plain text (for email and SMS): markers dropped, links as `text (url)`, mentions
/// as `@Name` (`name_of` gives a person's current name).
pub fn plain_text(blocks: &[Block], name_of: &dyn Fn(UserId) -> Option<String>) -> String {
    render_plain(blocks, name_of, true)
}

fn render_plain(
    blocks: &[Block],
    name_of: &dyn Fn(UserId) -> Option<String>,
    spell_links: bool,
) -> String {
    let inline_text =
        |nodes: &[Inline], out: &mut String| inline_plain(nodes, name_of, spell_links, out);
    let mut parts = Vec::new();
    for block in blocks {
        let mut text = String::new();
        match block {
            Block::Paragraph(i) => inline_text(i, &mut text),
            Block::Quote(i) => {
                let mut quoted = String::new();
                inline_text(i, &mut quoted);
                let lines: Vec<String> = quoted.lines().map(|l| format!("> {l}")).collect();
                text = lines.join("\n");
            }
            Block::Bullets(items) => {
                let lines: Vec<String> = items
                    .iter()
                    .map(|item| {
                        let mut line = String::from("- ");
                        inline_text(item, &mut line);
                        line
                    })
                    .collect();
                text = lines.join("\n");
            }
            Block::Numbered { start, items } => {
                let lines: Vec<String> = items
                    .iter()
                    .enumerate()
                    .map(|(n, item)| {
                        let mut line = format!("{}. ", u64::from(*start) + n as u64);
                        inline_text(item, &mut line);
                        line
                    })
                    .collect();
                text = lines.join("\n");
            }
            Block::Code { text: code, .. } => text = code.clone(),
        }
        parts.push(text);
    }
    parts.join("\n\n")
}

fn inline_plain(
    nodes: &[Inline],
    name_of: &dyn Fn(UserId) -> Option<String>,
    spell_links: bool,
    out: &mut String,
) {
    for node in nodes {
        match node {
            Inline::Text(t) | Inline::Code(t) => out.push_str(t),
            Inline::Break => out.push('\n'),
            Inline::Bold(c) | Inline::Italic(c) | Inline::Strike(c) => {
                inline_plain(c, name_of, spell_links, out)
            }
            Inline::Link { href, children } => {
                let mut text = String::new();
                inline_plain(children, name_of, spell_links, &mut text);
                let shown = href.strip_prefix("mailto:").unwrap_or(href);
                if text == shown || !spell_links {
                    out.push_str(&text);
                } else {
                    out.push_str(&format!("{text} ({shown})"));
                }
            }
            Inline::Mention(id) => {
                out.push('@');
                out.push_str(&name_of(*id).unwrap_or_else(|| "someone".into()));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Inline::*;

    fn t(s: &str) -> Inline {
        Text(s.into())
    }

    fn one(source: &str) -> Vec<Inline> {
        match parse(source).as_slice() {
            [Block::Paragraph(inlines)] => inlines.clone(),
            other => panic!("{source:?} is not one paragraph: {other:?}"),
        }
    }

    #[test]
    fn every_inline_construct() {
        let cases: Vec<(&str, Vec<Inline>)> = vec![
            ("plain", vec![t("plain")]),
            ("**bold**", vec![Bold(vec![t("bold")])]),
            ("*bold*", vec![Bold(vec![t("bold")])]),
            ("_italic_", vec![Italic(vec![t("italic")])]),
            ("~~gone~~", vec![Strike(vec![t("gone")])]),
            ("`a *b* c`", vec![Code("a *b* c".into())]),
            (
                "**bold _and italic_**",
                vec![Bold(vec![t("bold "), Italic(vec![t("and italic")])])],
            ),
            ("snake_case_name", vec![t("snake_case_name")]),
            ("2 * 3 * 4", vec![t("2 * 3 * 4")]),
            ("** not bold**", vec![t("** not bold**")]),
            ("*unclosed", vec![t("*unclosed")]),
            ("\\*not bold\\*", vec![t("*not bold*")]),
            ("a\\_b", vec![t("a_b")]),
            (
                "line one\nline two",
                vec![t("line one"), Break, t("line two")],
            ),
            (
                "[the plan](https://example.com/plan)",
                vec![Link {
                    href: "https://example.com/plan".into(),
                    children: vec![t("the plan")],
                }],
            ),
            (
                "[**bold** link](mailto:coach@example.com)",
                vec![Link {
                    href: "mailto:coach@example.com".into(),
                    children: vec![Bold(vec![t("bold")]), t(" link")],
                }],
            ),
            (
                "[x](javascript:alert(1))",
                vec![t("[x](javascript:alert(1))")],
            ),
            ("[x](data:text/html,hi)", vec![t("[x](data:text/html,hi)")]),
            (
                "[x](HTTPS://EXAMPLE.COM)",
                vec![Link {
                    href: "HTTPS://EXAMPLE.COM".into(),
                    children: vec![t("x")],
                }],
            ),
            (
                "see https://example.com/a_b_c.",
                vec![
                    t("see "),
                    Link {
                        href: "https://example.com/a_b_c".into(),
                        children: vec![t("https://example.com/a_b_c")],
                    },
                    t("."),
                ],
            ),
            (
                "(https://example.com/x_(y))",
                vec![
                    t("("),
                    Link {
                        href: "https://example.com/x_(y)".into(),
                        children: vec![t("https://example.com/x_(y)")],
                    },
                    t(")"),
                ],
            ),
            (
                "mail maya@example.com!",
                vec![
                    t("mail "),
                    Link {
                        href: "mailto:maya@example.com".into(),
                        children: vec![t("maya@example.com")],
                    },
                    t("!"),
                ],
            ),
            ("javascript:alert(1)", vec![t("javascript:alert(1)")]),
            ("@coach on twitter", vec![t("@coach on twitter")]),
        ];
        for (source, expected) in cases {
            assert_eq!(one(source), expected, "{source:?}");
        }
        let id = UserId::from_ulid(ulid::Ulid::from_parts(1_700_000_000_000, 1));
        let source = format!("hi <@{id}>! and <@not-an-id>");
        assert_eq!(
            one(&source),
            vec![t("hi "), Mention(id), t("! and <@not-an-id>")]
        );
        assert_eq!(mentions(&parse(&source)), vec![id]);
    }

    #[test]
    fn every_block_construct() {
        let source = "Today:\n- squats **5x5**\n- rest\n\n1. warm up\n2. lift\n\n> did you eat?\n> before?\n```rust\nlet *x* = 1;\n```\nafter";
        assert_eq!(
            parse(source),
            vec![
                Block::Paragraph(vec![t("Today:")]),
                Block::Bullets(vec![
                    vec![t("squats "), Bold(vec![t("5x5")])],
                    vec![t("rest")],
                ]),
                Block::Numbered {
                    start: 1,
                    items: vec![vec![t("warm up")], vec![t("lift")]],
                },
                Block::Quote(vec![t("did you eat?"), Break, t("before?")]),
                Block::Code {
                    language: Some("rust".into()),
                    text: "let *x* = 1;".into(),
                },
                Block::Paragraph(vec![t("after")]),
            ]
        );
        assert_eq!(
            parse("3. third\n4. fourth"),
            vec![Block::Numbered {
                start: 3,
                items: vec![vec![t("third")], vec![t("fourth")]],
            }]
        );
        assert_eq!(
            parse("```\nunclosed *code*"),
            vec![Block::Code {
                language: None,
                text: "unclosed *code*".into(),
            }]
        );
        assert_eq!(parse(""), vec![]);
        assert_eq!(parse("\n\n"), vec![]);
        assert_eq!(
            parse("-not a list"),
            vec![Block::Paragraph(vec![t("-not a list")])]
        );
    }

    #[test]
    fn plain_text_drops_markers_and_spells_out_links() {
        let id = UserId::from_ulid(ulid::Ulid::from_parts(1_700_000_000_000, 1));
        let source = format!(
            "**Plan** for <@{id}>:\n- [video](https://example.com/v)\n- https://example.com\n\n> ok?"
        );
        let name = |_| Some("Maya".to_owned());
        assert_eq!(
            plain_text(&parse(&source), &name),
            "Plan for @Maya:\n\n- video (https://example.com/v)\n- https://example.com\n\n> ok?"
        );
        assert_eq!(
            summary(&source, &name),
            "Plan for @Maya: - video - https://example.com > ok?"
        );
    }

    /// A small deterministic generator, so the property test needs no dependency.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
    }

    #[test]
    fn any_input_parses_without_panicking() {
        let pieces = [
            "*",
            "**",
            "_",
            "~~",
            "~",
            "`",
            "[",
            "]",
            "(",
            ")",
            "\\",
            "\n",
            " ",
            "a",
            "é",
            "💪",
            "> ",
            "- ",
            "1. ",
            "```",
            "http://x.y",
            "https://a.b/c_(d)",
            "@",
            "<@",
            ">",
            "x@y.z",
            "mailto:",
            "javascript:",
            "\r",
            "\t",
            "<@01HF0000000000000000000001>",
        ];
        let mut rng = Rng(0x5eed_1234_abcd_ef01);
        for _ in 0..20_000 {
            let len = (rng.next() % 40) as usize;
            let source: String = (0..len)
                .map(|_| pieces[(rng.next() % pieces.len() as u64) as usize])
                .collect();
            let blocks = parse(&source);
            let _ = plain_text(&blocks, &|_| None);
            let _ = mentions(&blocks);
        }
    }

    #[test]
    fn a_hundred_kilobytes_of_unclosed_markers_parse_in_linear_time() {
        for pattern in ["*_~[", "**__~~[[((", "[a](", "`*", "_a*b~~c[", "\\*"] {
            let source = pattern.repeat(100_000 / pattern.len());
            let started = std::time::Instant::now();
            let blocks = parse(&source);
            let took = started.elapsed();
            assert!(!blocks.is_empty());
            eprintln!("{pattern:>12} × 100 KB: {took:?}");
            // Generous even for a debug build on a slow machine; quadratic would take minutes.
            assert!(took.as_millis() < 2_000, "{pattern}: {took:?}");
        }
        // Deep nesting stops at the limit, as plain text.
        let deep = "**_".repeat(5_000) + "x" + &"_**".repeat(5_000);
        assert!(!parse(&deep).is_empty());
    }
}
