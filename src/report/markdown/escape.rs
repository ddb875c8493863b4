//! Text made safe for Markdown: shown as written, never as HTML, a link or a table break.

/// Generated text in a Markdown table cell: pipes escaped and line breaks flattened so the
/// table holds, and HTML's special characters as entities.
pub(in crate::report) fn cell(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '|' => out.push_str("\\|"),
            '\n' | '\r' => out.push(' '),
            _ => push_html_safe(&mut out, c),
        }
    }
    out
}

fn push_html_safe(out: &mut String, c: char) {
    match c {
        '&' => out.push_str("&amp;"),
        '<' => out.push_str("&lt;"),
        '>' => out.push_str("&gt;"),
        c if c.is_control() => out.push('\u{FFFD}'),
        c => out.push(c),
    }
}

/// Text the user wrote (a name, the scenario's comment, a currency), shown exactly as written:
/// HTML is escaped to entities (`<script>` stays text), every character that could open a
/// link, an image, emphasis or code is backslash-escaped, a `|` cannot split a table, and line
/// breaks are flattened. An underscore between letters or digits cannot start emphasis in
/// Markdown, so `retention_days` stays readable in the file.
pub(in crate::report) fn literal(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    for (i, &c) in chars.iter().enumerate() {
        match c {
            '\\' | '`' | '*' | '[' | ']' | '|' | '~' => {
                out.push('\\');
                out.push(c);
            }
            '_' => {
                let word = |j: Option<usize>| {
                    j.and_then(|j| chars.get(j))
                        .is_some_and(|c| c.is_alphanumeric())
                };
                if !(word(i.checked_sub(1)) && word(Some(i + 1))) {
                    out.push('\\');
                }
                out.push('_');
            }
            '\n' | '\r' => out.push(' '),
            _ => push_html_safe(&mut out, c),
        }
    }
    out
}

/// Text inside a code span: shown literally by Markdown (no HTML, no formatting), so only a
/// backtick (which would close the span) and a line break (which would end the line) change.
pub(in crate::report) fn code_text(text: &str) -> String {
    text.replace('`', "'").replace(['\n', '\r'], " ")
}

/// One line of the scenario's comment inside the report's quote: `literal`, and a start that
/// would make a heading, a list item, a rule or an underline is escaped.
pub(in crate::report) fn quoted_line(line: &str) -> String {
    let text = literal(line);
    let rest = |n: usize| text[n..].chars().next();
    let blank_after = |n: usize| rest(n).is_none_or(char::is_whitespace);
    let only = |set: &[char]| text.chars().all(|c| set.contains(&c) || c.is_whitespace());
    let digits = text.chars().take_while(char::is_ascii_digit).count();
    let escape_at = match text.chars().next() {
        Some('#') => Some(0),
        Some('-' | '+') if blank_after(1) || only(&['-']) => Some(0),
        Some('=') if only(&['=']) => Some(0),
        Some(c)
            if c.is_ascii_digit()
                && digits <= 9
                && matches!(rest(digits), Some('.' | ')'))
                && blank_after(digits + 1) =>
        {
            Some(digits)
        }
        _ => None,
    };
    match escape_at {
        Some(at) => format!("{}\\{}", &text[..at], &text[at..]),
        None => text,
    }
}
