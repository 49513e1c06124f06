//! Message templates as Meta defines them: the rules a template must meet
//! before it is submitted (name, category, language, components, numbered or
//! named variables with examples), and rendering a preview with parameters.

use serde::Serialize;
use serde_json::Value;

/// Template categories Meta accepts.
pub const CATEGORIES: &[&str] = &["MARKETING", "UTILITY", "AUTHENTICATION"];

/// One thing wrong with a template, with where.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// Where (e.g. `components[0].text`).
    pub path: String,
    /// What is wrong and how to fix it.
    pub message: String,
}

fn problem(path: impl Into<String>, message: impl Into<String>) -> Problem {
    Problem { path: path.into(), message: message.into() }
}

/// The variables of a text, in order of appearance: `{{1}}` → "1", `{{name}}` → "name".
pub fn variables(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else { break };
        out.push(after[..end].trim().to_owned());
        rest = &after[end + 2..];
    }
    out
}

fn check_variables(path: &str, text: &str, example: Option<&Value>, named_key: &str, problems: &mut Vec<Problem>) {
    let vars = variables(text);
    if vars.is_empty() {
        return;
    }
    let positional = vars.iter().all(|v| v.parse::<u32>().is_ok());
    let named = vars.iter().all(|v| !v.is_empty() && v.chars().all(|c| c.is_ascii_lowercase() || c == '_'));
    if !positional && !named {
        problems.push(problem(
            path,
            "variables are either all numbered ({{1}}, {{2}}…) or all named in lowercase with underscores ({{first_name}})",
        ));
        return;
    }
    if positional {
        let mut nums: Vec<u32> = vars.iter().filter_map(|v| v.parse().ok()).collect();
        nums.sort_unstable();
        nums.dedup();
        if nums.iter().enumerate().any(|(i, n)| *n as usize != i + 1) {
            problems.push(problem(path, "numbered variables must run {{1}}, {{2}}, … with no gaps"));
        }
    }
    let trimmed = text.trim();
    if trimmed.starts_with("{{") || trimmed.ends_with("}}") {
        problems.push(problem(path, "the text cannot start or end with a variable (Meta error 2388299); add words around it"));
    }
    let distinct = {
        let mut v = vars.clone();
        v.sort();
        v.dedup();
        v.len()
    };
    let given = match example {
        Some(e) if positional => {
            e.as_array().and_then(|a| a.first()).and_then(Value::as_array).map(Vec::len).or_else(|| e.as_array().map(Vec::len))
        }
        Some(e) => e.get(named_key).and_then(Value::as_array).map(Vec::len),
        None => None,
    };
    if given != Some(distinct) {
        problems.push(problem(path, format!("give an example value for each of the {distinct} variable(s) (Meta requires examples)")));
    }
}

/// Checks a template against Meta's rules; every problem is listed.
pub fn validate(name: &str, language: &str, category: &str, components: &Value) -> Result<(), Vec<Problem>> {
    let mut p = Vec::new();
    if name.is_empty() || name.len() > 512 || !name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_') {
        p.push(problem("name", "use 1 to 512 lowercase letters, digits and underscores, e.g. order_update"));
    }
    let lang_ok = {
        let (base, region) = language.split_once('_').map_or((language, None), |(b, r)| (b, Some(r)));
        (2..=3).contains(&base.len())
            && base.chars().all(|c| c.is_ascii_lowercase())
            && region.is_none_or(|r| r.len() == 2 && r.chars().all(|c| c.is_ascii_uppercase()))
    };
    if !lang_ok {
        p.push(problem("language", "use a language code such as en, en_US or hi"));
    }
    if !CATEGORIES.contains(&category) {
        p.push(problem("category", "category must be MARKETING, UTILITY or AUTHENTICATION"));
    }
    let Some(list) = components.as_array() else {
        p.push(problem("components", "components must be an array of HEADER, BODY, FOOTER and BUTTONS objects"));
        return Err(p);
    };
    let count = |t: &str| list.iter().filter(|c| c["type"].as_str().is_some_and(|x| x.eq_ignore_ascii_case(t))).count();
    if count("BODY") != 1 {
        p.push(problem("components", "a template has exactly one BODY"));
    }
    for t in ["HEADER", "FOOTER", "BUTTONS"] {
        if count(t) > 1 {
            p.push(problem("components", format!("at most one {t}")));
        }
    }
    for (i, c) in list.iter().enumerate() {
        let path = format!("components[{i}]");
        let text = c["text"].as_str().unwrap_or("");
        match c["type"].as_str().map(str::to_uppercase).as_deref() {
            Some("BODY") => {
                let n = text.chars().count();
                if n == 0 || n > 1024 {
                    p.push(problem(format!("{path}.text"), "the body needs 1 to 1024 characters"));
                }
                check_variables(
                    &format!("{path}.text"),
                    text,
                    c["example"].get("body_text").or(c["example"].get("body_text_named_params")),
                    "body_text_named_params",
                    &mut p,
                );
            }
            Some("HEADER") => match c["format"].as_str().map(str::to_uppercase).as_deref() {
                Some("TEXT") => {
                    if text.is_empty() || text.chars().count() > 60 {
                        p.push(problem(format!("{path}.text"), "a text header needs 1 to 60 characters"));
                    }
                    if variables(text).len() > 1 {
                        p.push(problem(format!("{path}.text"), "a header has at most one variable"));
                    } else if !variables(text).is_empty() {
                        let ex = c["example"].get("header_text").or(c["example"].get("header_text_named_params"));
                        if ex.and_then(Value::as_array).is_none_or(Vec::is_empty) {
                            p.push(problem(format!("{path}.example"), "give example.header_text for the header variable"));
                        }
                    }
                }
                Some("IMAGE" | "VIDEO" | "DOCUMENT" | "LOCATION") => {}
                _ => p.push(problem(format!("{path}.format"), "header format must be TEXT, IMAGE, VIDEO, DOCUMENT or LOCATION")),
            },
            Some("FOOTER") => {
                if text.is_empty() || text.chars().count() > 60 {
                    p.push(problem(format!("{path}.text"), "the footer needs 1 to 60 characters"));
                }
            }
            Some("BUTTONS") => check_buttons(&path, &c["buttons"], &mut p),
            _ => p.push(problem(format!("{path}.type"), "type must be HEADER, BODY, FOOTER or BUTTONS")),
        }
    }
    if p.is_empty() {
        Ok(())
    } else {
        Err(p)
    }
}

fn check_buttons(path: &str, buttons: &Value, p: &mut Vec<Problem>) {
    let Some(buttons) = buttons.as_array().filter(|b| !b.is_empty() && b.len() <= 10) else {
        p.push(problem(format!("{path}.buttons"), "BUTTONS needs 1 to 10 buttons"));
        return;
    };
    let kinds: Vec<String> = buttons.iter().map(|b| b["type"].as_str().unwrap_or("").to_uppercase()).collect();
    let n = |k: &str| kinds.iter().filter(|x| x.as_str() == k).count();
    if n("URL") > 2 || n("PHONE_NUMBER") > 1 || n("COPY_CODE") > 1 {
        p.push(problem(format!("{path}.buttons"), "at most 2 URL buttons, 1 PHONE_NUMBER and 1 COPY_CODE"));
    }
    // Quick replies must sit together, before or after the others.
    let qr: Vec<bool> = kinds.iter().map(|k| k == "QUICK_REPLY").collect();
    let switches = qr.windows(2).filter(|w| w[0] != w[1]).count();
    if switches > 1 {
        p.push(problem(format!("{path}.buttons"), "group the QUICK_REPLY buttons together, before or after the other buttons"));
    }
    for (j, b) in buttons.iter().enumerate() {
        let label = b["text"].as_str().unwrap_or("");
        if label.is_empty() || label.chars().count() > 25 {
            p.push(problem(format!("{path}.buttons[{j}].text"), "a button label needs 1 to 25 characters"));
        }
        match kinds[j].as_str() {
            "QUICK_REPLY" | "COPY_CODE" | "OTP" | "FLOW" | "CATALOG" | "MPM" | "VOICE_CALL" => {}
            "URL" => {
                let url = b["url"].as_str().unwrap_or("");
                if !(url.starts_with("https://") || url.starts_with("http://")) || url.len() > 2000 {
                    p.push(problem(format!("{path}.buttons[{j}].url"), "a URL button needs an http(s) url of at most 2000 characters"));
                }
            }
            "PHONE_NUMBER" => {
                let phone = b["phone_number"].as_str().unwrap_or("");
                if phone.is_empty() || phone.len() > 20 {
                    p.push(problem(
                        format!("{path}.buttons[{j}].phone_number"),
                        "a PHONE_NUMBER button needs a phone_number of at most 20 characters",
                    ));
                }
            }
            other => p.push(problem(format!("{path}.buttons[{j}].type"), format!("unknown button type `{other}`"))),
        }
    }
}

/// A template filled in for preview.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Rendered {
    /// Header text (or the media kind in brackets).
    pub header: Option<String>,
    /// Body text.
    pub body: String,
    /// Footer text.
    pub footer: Option<String>,
    /// Button labels.
    pub buttons: Vec<String>,
}

fn fill(text: &str, params: &[String], what: &str) -> Result<String, String> {
    let vars = variables(text);
    let mut distinct = vars.clone();
    distinct.dedup();
    let positional = vars.iter().all(|v| v.parse::<usize>().is_ok());
    let expected = if positional { vars.iter().filter_map(|v| v.parse::<usize>().ok()).max().unwrap_or(0) } else { distinct.len() };
    if params.len() != expected {
        return Err(format!("the {what} expects {expected} parameter(s), got {}", params.len()));
    }
    let mut out = text.to_owned();
    if positional {
        for (i, value) in params.iter().enumerate() {
            out = out.replace(&format!("{{{{{}}}}}", i + 1), value);
        }
    } else {
        for (name, value) in distinct.iter().zip(params) {
            out = out.replace(&format!("{{{{{name}}}}}",), value);
        }
    }
    Ok(out)
}

/// Renders a template's text with header and body parameters (in order).
pub fn render(components: &Value, header: &[String], body: &[String]) -> Result<Rendered, String> {
    let list = components.as_array().ok_or("the template has no components")?;
    let find = |t: &str| list.iter().find(|c| c["type"].as_str().is_some_and(|x| x.eq_ignore_ascii_case(t)));
    let body_text = find("BODY").and_then(|b| b["text"].as_str()).ok_or("the template has no body")?;
    let header = match find("HEADER") {
        Some(h) if h["format"].as_str().is_some_and(|f| f.eq_ignore_ascii_case("TEXT")) => {
            Some(fill(h["text"].as_str().unwrap_or(""), header, "header")?)
        }
        Some(h) => Some(format!("[{}]", h["format"].as_str().unwrap_or("MEDIA").to_lowercase())),
        None => None,
    };
    Ok(Rendered {
        header,
        body: fill(body_text, body, "body")?,
        footer: find("FOOTER").and_then(|f| f["text"].as_str()).map(str::to_owned),
        buttons: find("BUTTONS")
            .and_then(|b| b["buttons"].as_array())
            .map(|b| b.iter().filter_map(|x| x["text"].as_str().map(str::to_owned)).collect())
            .unwrap_or_default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ok_components() -> Value {
        json!([
            {"type": "HEADER", "format": "TEXT", "text": "Order {{1}}", "example": {"header_text": ["#4821"]}},
            {"type": "BODY", "text": "Hi {{1}}, your order {{2}} ships today.", "example": {"body_text": [["Asha", "#4821"]]}},
            {"type": "FOOTER", "text": "Reply STOP to opt out"},
            {"type": "BUTTONS", "buttons": [{"type": "QUICK_REPLY", "text": "Track"}, {"type": "QUICK_REPLY", "text": "Help"},
                                            {"type": "URL", "text": "Open", "url": "https://shop.example/o/{{1}}"}]}
        ])
    }

    #[test]
    fn a_good_template_passes() {
        assert_eq!(validate("order_update", "en_US", "UTILITY", &ok_components()), Ok(()));
    }

    #[test]
    fn every_problem_is_listed_with_where() {
        let bad = json!([
            {"type": "BODY", "text": "{{1}} and {{3}}"},
            {"type": "FOOTER", "text": ""},
            {"type": "BUTTONS", "buttons": [{"type": "QUICK_REPLY", "text": "A"}, {"type": "URL", "text": "B", "url": "ftp://x"}, {"type": "QUICK_REPLY", "text": "C"}]}
        ]);
        let p = validate("Order Update", "english", "PROMO", &bad).unwrap_err();
        let paths: Vec<&str> = p.iter().map(|x| x.path.as_str()).collect();
        for want in [
            "name",
            "language",
            "category",
            "components[0].text",
            "components[1].text",
            "components[2].buttons",
            "components[2].buttons[1].url",
        ] {
            assert!(paths.contains(&want), "{want} missing from {paths:?}");
        }
        assert!(p.iter().any(|x| x.message.contains("no gaps")));
        assert!(p.iter().any(|x| x.message.contains("example")));
    }

    #[test]
    fn preview_fills_parameters_and_counts_them() {
        let r = render(&ok_components(), &["#9".into()], &["Ravi".into(), "#9".into()]).unwrap();
        assert_eq!(r.header.as_deref(), Some("Order #9"));
        assert_eq!(r.body, "Hi Ravi, your order #9 ships today.");
        assert_eq!(r.buttons, vec!["Track", "Help", "Open"]);
        assert!(render(&ok_components(), &["#9".into()], &["Ravi".into()]).unwrap_err().contains("expects 2"));
        let named = json!([{"type": "BODY", "text": "Hi {{first_name}}!"}]);
        assert_eq!(render(&named, &[], &["Asha".into()]).unwrap().body, "Hi Asha!");
    }
}
