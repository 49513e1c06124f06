//! The TypeScript the web app imports, generated from the Rust types so the
//! two cannot drift: the domain's value sets (`web/src/lib/domain.ts`) and
//! the API's error codes (`web/src/lib/errorCodes.ts`, from
//! [`super::error::error_codes_typescript`]). A test compares each file with
//! what the server would generate; `UPDATE_GENERATED=1 cargo test
//! generated_typescript` rewrites them.

use crate::auth::Role;
use whatsflow_actors::flow::run::RunStatus;
use whatsflow_actors::flow::triggers::{TriggerMatch, TriggerType};
use whatsflow_actors::message::MessageStatus;
use whatsflow_actors::ports::ConversationStatus;

/// One `export const NAME = [...] as const;` and its union type.
fn value_set(out: &mut String, doc: &str, constant: &str, type_name: &str, values: &[&str]) {
    let list: Vec<String> = values.iter().map(|v| format!("{v:?}")).collect();
    out.push_str(&format!(
        "/** {doc} */\nexport const {constant} = [{}] as const;\nexport type {type_name} = (typeof {constant})[number];\n\n",
        list.join(", ")
    ));
}

/// `web/src/lib/domain.ts`: every value set the API speaks in.
pub fn domain_typescript() -> String {
    let mut out = String::from("// Generated from the server's Rust types by `cargo test generated_typescript`; do not edit.\n\n");
    let strs = |v: &[&'static str]| v.to_vec();
    value_set(
        &mut out,
        "Where a conversation stands.",
        "CONVERSATION_STATUSES",
        "ConversationStatus",
        &strs(&ConversationStatus::ALL.map(ConversationStatus::as_str)),
    );
    value_set(
        &mut out,
        "Where a message stands.",
        "MESSAGE_STATUSES",
        "MessageStatus",
        &strs(&MessageStatus::ALL.map(MessageStatus::as_str)),
    );
    value_set(&mut out, "What starts a flow.", "TRIGGER_TYPES_ALL", "TriggerType", &strs(&TriggerType::ALL.map(TriggerType::as_str)));
    value_set(
        &mut out,
        "How a keyword trigger compares.",
        "TRIGGER_MATCHES",
        "TriggerMatch",
        &strs(&TriggerMatch::ALL.map(TriggerMatch::as_str)),
    );
    value_set(&mut out, "Where a flow run stands.", "RUN_STATUSES", "RunStatus", &strs(&RunStatus::ALL.map(RunStatus::as_str)));
    value_set(&mut out, "What a person may do.", "ROLES", "Role", &strs(&Role::ALL.map(Role::as_str)));
    out.trim_end().to_owned() + "\n"
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Compares a generated file with the checked-in one (rewriting it
    /// first when `UPDATE_GENERATED` is set).
    fn check(relative: &str, generated: &str) {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(relative);
        if std::env::var_os("UPDATE_GENERATED").is_some() {
            std::fs::write(&path, generated).unwrap();
        }
        let checked_in = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(checked_in == generated, "{relative} is out of date: run `UPDATE_GENERATED=1 cargo test generated_typescript`");
    }

    #[test]
    fn generated_typescript_is_current() {
        check("web/src/lib/domain.ts", &domain_typescript());
        check("web/src/lib/errorCodes.ts", &crate::http::error::error_codes_typescript());
    }

    #[test]
    fn value_sets_round_trip_through_their_parsers() {
        for s in ConversationStatus::ALL {
            assert_eq!(ConversationStatus::parse(s.as_str()), Some(s));
        }
        for s in MessageStatus::ALL {
            assert_eq!(MessageStatus::parse(s.as_str()), Some(s));
        }
        for s in RunStatus::ALL {
            assert_eq!(RunStatus::parse(s.as_str()), Some(s));
        }
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
    }
}
