//! Telegram's formatted text, parsed as the Bot API parses it: the
//! visible text (whose length Telegram limits, in UTF-16 code units) and
//! the entities, or the error it answers (`can't parse entities: ...`).
//! HTML mode: only Telegram's tags, properly nested, `&lt;` `&gt;` `&amp;`
//! `&quot;` and numeric entities; MarkdownV2: every special character
//! escaped outside entities.

use serde_json::{json, Value};

/// The visible text of a message and its entities (offsets in UTF-16).
#[derive(Debug, Clone, PartialEq)]
pub struct Parsed {
    /// What people see.
    pub text: String,
    /// `MessageEntity` objects.
    pub entities: Vec<Value>,
}

/// UTF-16 code units of `s`, Telegram's measure.
pub fn utf16_len(s: &str) -> usize {
    s.encode_utf16().count()
}

/// Parses `text` in `parse_mode` (`None`: plain text).
pub fn parse(text: &str, parse_mode: Option<&str>) -> Result<Parsed, String> {
    match parse_mode.map(str::to_ascii_lowercase).as_deref() {
        None | Some("") => Ok(Parsed { text: text.to_string(), entities: Vec::new() }),
        Some("html") => html(text),
        Some("markdownv2") => markdown_v2(text),
        Some(other) => Err(format!("unsupported parse_mode \"{other}\"")),
    }
}

/// HTML tags Telegram knows, and the entity each makes.
fn entity_type(tag: &str) -> Option<&'static str> {
    Some(match tag {
        "b" | "strong" => "bold",
        "i" | "em" => "italic",
        "u" | "ins" => "underline",
        "s" | "strike" | "del" => "strikethrough",
        "tg-spoiler" | "span" => "spoiler",
        "a" => "text_link",
        "code" => "code",
        "pre" => "pre",
        "blockquote" => "blockquote",
        "tg-emoji" => "custom_emoji",
        _ => return None,
    })
}

fn html(input: &str) -> Result<Parsed, String> {
    let mut text = String::new();
    let mut entities = Vec::new();
    let mut open: Vec<(String, usize, Option<String>)> = Vec::new();
    let mut rest = input;
    while let Some(c) = rest.chars().next() {
        let at = input.len() - rest.len();
        match c {
            '<' => {
                let end = rest.find('>').ok_or(format!("Unclosed start tag at byte offset {at}"))?;
                let tag = &rest[1..end];
                rest = &rest[end + 1..];
                if let Some(name) = tag.strip_prefix('/') {
                    let name = name.trim().to_ascii_lowercase();
                    match open.pop() {
                        Some((open_name, start, href)) if open_name == name => {
                            let mut e = json!({"type": entity_type(&name).unwrap_or("bold"), "offset": start,
                                               "length": utf16_len(&text) - start});
                            if let Some(h) = href {
                                e["url"] = json!(h);
                            }
                            entities.push(e);
                        }
                        _ => return Err(format!("Unmatched end tag at byte offset {at}, expected \"</{name}>\"")),
                    }
                } else {
                    let (name, attrs) = tag.split_once(char::is_whitespace).unwrap_or((tag, ""));
                    let name = name.to_ascii_lowercase();
                    if entity_type(&name).is_none() {
                        return Err(format!("Unsupported start tag \"{name}\" at byte offset {at}"));
                    }
                    let href = if name == "a" {
                        let v = attrs.trim().strip_prefix("href=").ok_or(format!("Empty href at byte offset {at}"))?;
                        Some(unescape(v.trim_matches('"'))?)
                    } else {
                        None
                    };
                    open.push((name, utf16_len(&text), href));
                }
            }
            '&' => {
                let end = rest
                    .find(';')
                    .filter(|e| *e <= 10)
                    .ok_or(format!("Character '&' at byte offset {at} must be escaped as &amp;"))?;
                text.push_str(&unescape(&rest[..=end])?);
                rest = &rest[end + 1..];
            }
            '>' => return Err(format!("Character '>' at byte offset {at} must be escaped as &gt;")),
            _ => {
                text.push(c);
                rest = &rest[c.len_utf8()..];
            }
        }
    }
    if let Some((name, _, _)) = open.pop() {
        return Err(format!("Can't find end tag corresponding to start tag \"{name}\""));
    }
    Ok(Parsed { text, entities })
}

/// Decodes the entities Telegram's HTML mode supports.
fn unescape(s: &str) -> Result<String, String> {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        let end = rest[i..].find(';').ok_or("Unclosed character entity")? + i;
        let name = &rest[i + 1..end];
        let decoded = match name {
            "lt" => '<',
            "gt" => '>',
            "amp" => '&',
            "quot" => '"',
            n if n.starts_with('#') => {
                let code = match n.strip_prefix("#x") {
                    Some(hex) => u32::from_str_radix(hex, 16).ok(),
                    None => n[1..].parse().ok(),
                };
                code.and_then(char::from_u32).ok_or(format!("Invalid character entity \"&{n};\""))?
            }
            n => return Err(format!("Unsupported HTML entity \"&{n};\"")),
        };
        out.push(decoded);
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// Characters MarkdownV2 reserves.
const MD_SPECIAL: &str = "_*[]()~`>#+-=|{}.!\\";

fn markdown_v2(input: &str) -> Result<Parsed, String> {
    let mut text = String::new();
    let mut entities = Vec::new();
    let mut open: Vec<(&str, usize)> = Vec::new();
    let chars: Vec<char> = input.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let marker = match c {
            '\\' => {
                let next = chars.get(i + 1).ok_or("Character '\\' is reserved and must be escaped")?;
                text.push(*next);
                i += 2;
                continue;
            }
            '*' => "bold",
            '_' if chars.get(i + 1) == Some(&'_') => "underline",
            '_' => "italic",
            '~' => "strikethrough",
            '|' if chars.get(i + 1) == Some(&'|') => "spoiler",
            '[' => {
                // [text](url): the text is parsed, the URL taken as is.
                let close = (i..chars.len())
                    .find(|&j| chars[j] == ']' && chars[j - 1] != '\\')
                    .ok_or("Can't find end of a link")?;
                let inner: String = chars[i + 1..close].iter().collect();
                let label = markdown_v2(&inner)?;
                if chars.get(close + 1) != Some(&'(') {
                    return Err("Character '[' is reserved and must be escaped with the preceding '\\'".into());
                }
                let end = (close + 2..chars.len())
                    .find(|&j| chars[j] == ')' && chars[j - 1] != '\\')
                    .ok_or("Can't find end of a URL")?;
                let url: String = chars[close + 2..end].iter().collect();
                entities.push(json!({"type": "text_link", "offset": utf16_len(&text), "length": utf16_len(&label.text), "url": url.replace("\\)", ")").replace("\\\\", "\\")}));
                text.push_str(&label.text);
                i = end + 1;
                continue;
            }
            c if MD_SPECIAL.contains(c) => {
                return Err(format!("Character '{c}' is reserved and must be escaped with the preceding '\\'"))
            }
            c => {
                text.push(c);
                i += 1;
                continue;
            }
        };
        let width = if matches!(marker, "underline" | "spoiler") { 2 } else { 1 };
        match open.last() {
            Some((m, start)) if *m == marker => {
                entities.push(json!({"type": marker, "offset": start, "length": utf16_len(&text) - start}));
                open.pop();
            }
            _ => open.push((marker, utf16_len(&text))),
        }
        i += width;
    }
    if let Some((m, _)) = open.last() {
        return Err(format!("Can't find end of {m} entity"));
    }
    Ok(Parsed { text, entities })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_is_parsed_like_telegram() {
        let p =
            parse("<b>A &amp; B</b> &lt;x&gt; <a href=\"https://e.com/?a=1&amp;b=2\">link</a>", Some("HTML")).unwrap();
        assert_eq!(p.text, "A & B <x> link");
        assert_eq!(p.entities[0], json!({"type": "bold", "offset": 0, "length": 5}));
        assert_eq!(p.entities[1]["url"], "https://e.com/?a=1&b=2");
        assert!(parse("a < b", Some("HTML")).is_err());
        assert!(parse("<b>x</i>", Some("HTML")).is_err());
        assert!(parse("<script>x</script>", Some("HTML")).is_err());
        assert!(parse("AT&T", Some("HTML")).is_err());
        assert_eq!(utf16_len(&parse("😀", Some("HTML")).unwrap().text), 2);
    }

    #[test]
    fn markdown_v2_needs_every_special_escaped() {
        let p = parse("*bold* \\. [a\\.b](https://e.com/x\\)y)", Some("MarkdownV2")).unwrap();
        assert_eq!(p.text, "bold . a.b");
        assert_eq!(p.entities[1]["url"], "https://e.com/x)y");
        assert!(parse("1.5", Some("MarkdownV2")).is_err());
        assert!(parse("*open", Some("MarkdownV2")).is_err());
        assert_eq!(parse("a < b.", None).unwrap().text, "a < b.");
    }
}
