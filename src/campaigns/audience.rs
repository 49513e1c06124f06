//! Who a campaign reaches and what each recipient's template says: the
//! audience's contacts become recipients (or skips with a reason), each
//! template parameter is resolved from its source for that contact, and
//! the Cloud API `template` object is built from them. Pure functions, so
//! the rules are tested without a database.

use crate::campaigns::split::Variant;
use crate::store::repo::campaigns::{AudienceContact, NewRecipient, SkipReason};
use serde::Deserialize;
use serde_json::{json, Map, Value};
use std::collections::HashSet;

/// Components whose text can hold parameters, in the order Meta wants them.
pub const COMPONENTS: [&str; 2] = ["header", "body"];

/// Where one template parameter comes from.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(untagged)]
pub enum Source {
    /// A contact field: `contact.name`, `contact.phone`, `contact.fields.<key>`.
    Field {
        /// The path.
        field: String,
    },
    /// The same text for everyone.
    Value {
        /// The text.
        value: String,
    },
    /// A column of the uploaded CSV audience.
    Column {
        /// Its (lower-cased) name.
        column: String,
    },
}

/// The parameter sources of a campaign: per component, in order.
pub type Variables = Map<String, Value>;

/// Reads and checks the sources of every component against the template's
/// placeholders (and, for a CSV audience, its columns); the error names the
/// fix.
pub fn parse_variables(
    variables: &Value,
    placeholders: &[(String, usize)],
    csv_columns: Option<&[String]>,
) -> Result<Vec<(String, Vec<Source>)>, String> {
    let Some(map) = variables.as_object().cloned().or_else(|| variables.is_null().then(Map::new)) else {
        return Err("`variables` must be an object such as {\"body\": [{\"field\": \"contact.name\"}]}".into());
    };
    if let Some(other) = map.keys().find(|k| !COMPONENTS.contains(&k.as_str())) {
        return Err(format!("`variables.{other}`: only header and body text parameters can be filled"));
    }
    let mut out = Vec::new();
    for (component, wanted) in placeholders {
        let given = match map.get(component) {
            None => Vec::new(),
            Some(v) => serde_json::from_value::<Vec<Source>>(v.clone()).map_err(|_| {
                format!("`variables.{component}` must be a list of {{\"field\": \"contact.name\"}}, {{\"column\": \"…\"}} or {{\"value\": \"…\"}}")
            })?,
        };
        if given.len() != *wanted {
            return Err(format!(
                "the template's {component} has {wanted} parameter(s) but `variables.{component}` gives {}; give one source per {{{{n}}}}",
                given.len()
            ));
        }
        for (i, s) in given.iter().enumerate() {
            match s {
                Source::Field { field } if !known_field(field) => {
                    return Err(format!(
                        "`variables.{component}[{i}].field` is `{field}`: use contact.name, contact.phone or contact.fields.<key>"
                    ));
                }
                Source::Column { column } => match csv_columns {
                    None => {
                        return Err(format!(
                            "`variables.{component}[{i}]` names the CSV column `{column}`, but the audience is not a CSV upload"
                        ))
                    }
                    Some(cols) if !cols.iter().any(|c| c.eq_ignore_ascii_case(column)) => {
                        return Err(format!(
                            "`variables.{component}[{i}]` names the CSV column `{column}`, which the uploaded file does not have (it has: {})",
                            cols.join(", ")
                        ));
                    }
                    Some(_) => {}
                },
                _ => {}
            }
        }
        if !given.is_empty() {
            out.push((component.clone(), given));
        }
    }
    Ok(out)
}

fn known_field(field: &str) -> bool {
    matches!(field, "contact.name" | "contact.phone") || field.strip_prefix("contact.fields.").is_some_and(|k| !k.is_empty())
}

/// Refuses templates campaigns cannot fill yet, naming why: a media or
/// location header, named parameters, or buttons with variables.
pub fn supported(components: &Value) -> Result<(), String> {
    for c in components.as_array().into_iter().flatten() {
        let kind = c["type"].as_str().unwrap_or_default().to_uppercase();
        if kind == "HEADER" && c["format"].as_str().is_some_and(|f| !f.eq_ignore_ascii_case("text")) {
            return Err(format!(
                "the template has a {} header; campaigns send templates whose header is text (or none) for now",
                c["format"].as_str().unwrap_or_default().to_lowercase()
            ));
        }
        if let Some(text) = c["text"].as_str() {
            if text.match_indices("{{").any(|(i, _)| !text[i + 2..].trim_start().starts_with(|ch: char| ch.is_ascii_digit())) {
                return Err("the template uses named parameters; campaigns fill numbered ones ({{1}}, {{2}}, …) for now".into());
            }
        }
        if kind == "BUTTONS" && c["buttons"].as_array().into_iter().flatten().any(|b| b["url"].as_str().is_some_and(|u| u.contains("{{"))) {
            return Err("the template has a button with a variable URL; campaigns send templates with fixed buttons for now".into());
        }
    }
    Ok(())
}

/// How many `{{…}}` placeholders each component's text of a template has
/// (Meta's `components` as stored), for the components that have any.
pub fn placeholders(components: &Value) -> Vec<(String, usize)> {
    COMPONENTS
        .iter()
        .map(|name| {
            let text = components
                .as_array()
                .and_then(|c| c.iter().find(|c| c["type"].as_str().is_some_and(|t| t.eq_ignore_ascii_case(name))))
                .filter(|c| c["format"].as_str().is_none_or(|f| f.eq_ignore_ascii_case("text")))
                .and_then(|c| c["text"].as_str())
                .unwrap_or("");
            ((*name).to_owned(), text.matches("{{").count())
        })
        .collect()
}

/// A value of a contact for a field path; empty when it has none.
fn field_value(contact: &AudienceContact, field: &str) -> String {
    let v = match field {
        "contact.name" => contact.name.clone().map(Value::String),
        "contact.phone" => contact.phone.clone().map(Value::String),
        _ => field.strip_prefix("contact.fields.").and_then(|k| contact.custom_fields.get(k).cloned()),
    };
    match v {
        Some(Value::String(s)) => s.trim().to_owned(),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    }
}

/// Whether Meta delivers marketing templates to this number: not to US
/// (+1 with a US area code) numbers. Canada and the Caribbean share +1 but
/// not their area codes.
pub fn marketing_blocked(phone: &str) -> bool {
    let Some(rest) = phone.strip_prefix("+1") else { return false };
    let area: String = rest.chars().take(3).collect();
    !NON_US_NANP_AREA_CODES.contains(&area.as_str())
}

/// Area codes of +1 that are not the United States (Canada, the Caribbean,
/// Pacific territories are US and stay blocked).
const NON_US_NANP_AREA_CODES: &[&str] = &[
    // Canada
    "204", "226", "236", "249", "250", "263", "289", "306", "343", "354", "365", "367", "368", "382", "387", "403", "416", "418", "428",
    "431", "437", "438", "450", "460", "468", "474", "506", "514", "519", "548", "579", "581", "584", "587", "604", "613", "639", "647",
    "672", "683", "705", "709", "742", "753", "778", "780", "782", "807", "819", "825", "867", "873", "879", "902", "905",
    // Caribbean and Atlantic
    "242", "246", "264", "268", "284", "345", "441", "473", "649", "658", "664", "721", "758", "767", "784", "809", "829", "849", "868",
    "869", "876",
];

/// The audience's contacts as recipients, in order: the skipped ones with
/// their reason, the others with their resolved parameters.
pub fn recipients(contacts: &[AudienceContact], sources: &[(String, Vec<Source>)], marketing: bool) -> Vec<NewRecipient> {
    let mut seen = HashSet::new();
    contacts
        .iter()
        .map(|c| {
            let mut parameters = Map::new();
            let mut missing = false;
            for (component, list) in sources {
                let values: Vec<Value> = list
                    .iter()
                    .map(|s| {
                        let v = match s {
                            Source::Field { field } => field_value(c, field),
                            Source::Value { value } => value.trim().to_owned(),
                            Source::Column { column } => c
                                .columns
                                .as_ref()
                                .and_then(|cols| cols.get(&column.to_lowercase()))
                                .and_then(Value::as_str)
                                .unwrap_or_default()
                                .trim()
                                .to_owned(),
                        };
                        missing |= v.is_empty();
                        Value::String(v)
                    })
                    .collect();
                parameters.insert(component.clone(), Value::Array(values));
            }
            let skip = match &c.phone {
                None => Some(SkipReason::InvalidPhone),
                Some(p) if !seen.insert(p.clone()) => Some(SkipReason::Duplicate),
                Some(_) if marketing && !c.opted_in => Some(SkipReason::OptedOut),
                Some(p) if marketing && marketing_blocked(p) => Some(SkipReason::UsMarketing),
                Some(_) if missing => Some(SkipReason::MissingVariable),
                Some(_) => None,
            };
            NewRecipient {
                contact_id: c.id,
                phone: c.phone.clone(),
                parameters: Value::Object(parameters),
                skip_reason: skip,
                line: c.line,
                timezone: None,
                send_after: None,
                variant: Variant::A,
            }
        })
        .collect()
}

/// The Cloud API `template` object for one recipient.
pub fn template_payload(name: &str, language: &str, parameters: &Value) -> Value {
    let components: Vec<Value> = COMPONENTS
        .iter()
        .filter_map(|component| {
            let values = parameters.get(*component)?.as_array()?;
            let params: Vec<Value> = values.iter().map(|v| json!({"type": "text", "text": v.as_str().unwrap_or_default()})).collect();
            Some(json!({"type": component, "parameters": params}))
        })
        .collect();
    json!({"name": name, "language": {"code": language}, "components": components})
}

/// The template's text with one recipient's parameters filled in, for
/// previews.
pub fn render(components: &Value, parameters: &Value) -> String {
    let mut parts = Vec::new();
    for name in COMPONENTS {
        let Some(text) = components
            .as_array()
            .and_then(|c| c.iter().find(|c| c["type"].as_str().is_some_and(|t| t.eq_ignore_ascii_case(name))))
            .and_then(|c| c["text"].as_str())
        else {
            continue;
        };
        let values = parameters.get(name).and_then(Value::as_array).cloned().unwrap_or_default();
        let mut out = String::new();
        let mut rest = text;
        let mut i = 0;
        while let Some(start) = rest.find("{{") {
            out.push_str(&rest[..start]);
            let Some(end) = rest[start..].find("}}") else { break };
            out.push_str(values.get(i).and_then(Value::as_str).unwrap_or_default());
            i += 1;
            rest = &rest[start + end + 2..];
        }
        out.push_str(rest);
        parts.push(out);
    }
    parts.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use whatsflow_actors::ids::ContactId;

    fn contact(phone: Option<&str>, name: Option<&str>, opted_in: bool) -> AudienceContact {
        AudienceContact {
            id: Some(ContactId::generate()),
            phone: phone.map(str::to_owned),
            name: name.map(str::to_owned),
            custom_fields: json!({"city": "Pune"}),
            opted_in,
            columns: None,
            line: None,
        }
    }

    #[test]
    fn placeholders_are_counted_per_component() {
        let c = json!([{"type": "HEADER", "format": "TEXT", "text": "Order {{1}}"}, {"type": "BODY", "text": "Hi {{1}}, {{2}} ships"}]);
        assert_eq!(placeholders(&c), vec![("header".into(), 1), ("body".into(), 2)]);
        let image = json!([{"type": "HEADER", "format": "IMAGE"}, {"type": "BODY", "text": "Hello"}]);
        assert_eq!(placeholders(&image), vec![("header".into(), 0), ("body".into(), 0)]);
    }

    #[test]
    fn templates_campaigns_cannot_fill_are_refused() {
        assert!(
            supported(&json!([{"type": "HEADER", "format": "TEXT", "text": "Order {{1}}"}, {"type": "BODY", "text": "Hi {{1}}"}])).is_ok()
        );
        assert!(supported(&json!([{"type": "HEADER", "format": "IMAGE"}])).unwrap_err().contains("image header"));
        assert!(supported(&json!([{"type": "BODY", "text": "Hi {{first_name}}"}])).unwrap_err().contains("named"));
        let url = json!([{"type": "BUTTONS", "buttons": [{"type": "URL", "text": "Track", "url": "https://x.test/{{1}}"}]}]);
        assert!(supported(&url).unwrap_err().contains("URL"));
    }

    #[test]
    fn sources_must_match_the_placeholders() {
        let p = vec![("header".to_owned(), 0), ("body".to_owned(), 2)];
        let ok = parse_variables(&json!({"body": [{"field": "contact.name"}, {"value": "10%"}]}), &p, None).unwrap();
        assert_eq!(ok.len(), 1);
        let short = parse_variables(&json!({"body": [{"field": "contact.name"}]}), &p, None).unwrap_err();
        assert!(short.contains("has 2 parameter(s)"), "{short}");
        let bad = parse_variables(&json!({"body": [{"field": "contact.age"}, {"value": "x"}]}), &p, None).unwrap_err();
        assert!(bad.contains("contact.fields.<key>"), "{bad}");
        assert!(parse_variables(&json!({"footer": []}), &p, None).is_err());
        let columns = vec!["first_name".to_owned()];
        let csv = json!({"body": [{"column": "first_name"}, {"value": "10%"}]});
        assert!(parse_variables(&csv, &p, Some(&columns)).is_ok());
        assert!(parse_variables(&csv, &p, None).unwrap_err().contains("not a CSV upload"));
        let missing = json!({"body": [{"column": "city"}, {"value": "10%"}]});
        assert!(parse_variables(&missing, &p, Some(&columns)).unwrap_err().contains("does not have"));
    }

    #[test]
    fn every_skip_has_its_reason_and_the_rest_their_parameters() {
        let sources = vec![(
            "body".to_owned(),
            vec![Source::Field { field: "contact.name".into() }, Source::Field { field: "contact.fields.city".into() }],
        )];
        let contacts = vec![
            contact(Some("+919800000001"), Some("Asha"), true),
            contact(None, Some("No phone"), true),
            contact(Some("+919800000001"), Some("Twin"), true),
            contact(Some("+919800000002"), Some("Stopped"), false),
            contact(Some("+14155550100"), Some("US"), true),
            contact(Some("+14165550100"), Some("Toronto"), true),
            contact(Some("+919800000003"), None, true),
        ];
        let r = recipients(&contacts, &sources, true);
        let reasons: Vec<Option<SkipReason>> = r.iter().map(|r| r.skip_reason).collect();
        assert_eq!(
            reasons,
            vec![
                None,
                Some(SkipReason::InvalidPhone),
                Some(SkipReason::Duplicate),
                Some(SkipReason::OptedOut),
                Some(SkipReason::UsMarketing),
                None,
                Some(SkipReason::MissingVariable)
            ]
        );
        assert_eq!(r[0].parameters, json!({"body": ["Asha", "Pune"]}));
        // A utility template reaches the opted-out and US numbers.
        let utility = recipients(&contacts, &sources, false);
        assert_eq!(utility[3].skip_reason, None);
        assert_eq!(utility[4].skip_reason, None);
    }

    #[test]
    fn the_payload_and_the_preview_carry_the_recipients_values() {
        let params = json!({"header": ["#7"], "body": ["Ravi", "#7"]});
        let p = template_payload("shipping_update", "en", &params);
        assert_eq!(p["components"][0], json!({"type": "header", "parameters": [{"type": "text", "text": "#7"}]}));
        assert_eq!(p["components"][1]["parameters"][0]["text"], "Ravi");
        assert_eq!(p["language"]["code"], "en");
        let c = json!([{"type": "HEADER", "format": "TEXT", "text": "Order {{1}}"}, {"type": "BODY", "text": "Hi {{1}}, {{2}} ships"}]);
        assert_eq!(render(&c, &params), "Order #7\nHi Ravi, #7 ships");
    }
}
