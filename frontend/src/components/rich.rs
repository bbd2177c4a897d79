//! A message's formatted body ([`shared::markup`]) as DOM nodes: every piece of text is a text
//! node and every link's target passed the grammar's check (http, https, mailto), so nothing a
//! sender writes can become markup or script.

use shared::UserId;
use shared::markup::{Block, Inline, parse};
use yew::prelude::*;

/// `source` rendered; `name_of` gives a mentioned person's current name.
pub fn rich(source: &str, name_of: &dyn Fn(UserId) -> Option<String>) -> Html {
    parse(source)
        .iter()
        .map(|block| match block {
            Block::Paragraph(inlines) => html! { <p>{ inline(inlines, name_of) }</p> },
            Block::Quote(inlines) => {
                html! { <blockquote>{ inline(inlines, name_of) }</blockquote> }
            }
            Block::Bullets(items) => {
                html! { <ul>{ for items.iter().map(|i| item(i, name_of)) }</ul> }
            }
            Block::Numbered { start, items } => html! {
                <ol start={start.to_string()}>{ for items.iter().map(|i| item(i, name_of)) }</ol>
            },
            Block::Code { text, .. } => html! { <pre><code>{ text.clone() }</code></pre> },
        })
        .collect()
}

fn item(inlines: &[Inline], name_of: &dyn Fn(UserId) -> Option<String>) -> Html {
    html! { <li>{ inline(inlines, name_of) }</li> }
}

fn inline(nodes: &[Inline], name_of: &dyn Fn(UserId) -> Option<String>) -> Html {
    nodes
        .iter()
        .map(|node| match node {
            Inline::Text(text) => html! { { text.clone() } },
            // A line break as the text it is: blocks keep white space (pre-wrap), and copied
            // text keeps its lines.
            Inline::Break => html! { { "\n" } },
            Inline::Bold(c) => html! { <strong>{ inline(c, name_of) }</strong> },
            Inline::Italic(c) => html! { <em>{ inline(c, name_of) }</em> },
            Inline::Strike(c) => html! { <s>{ inline(c, name_of) }</s> },
            Inline::Code(text) => html! { <code>{ text.clone() }</code> },
            Inline::Link { href, children } => html! {
                <a href={href.clone()} target="_blank" rel="noopener noreferrer nofollow">{ inline(children, name_of) }</a>
            },
            Inline::Mention(id) => html! {
                <span class="mention">{ format!("@{}", name_of(*id).unwrap_or_else(|| "someone".into())) }</span>
            },
        })
        .collect()
}
