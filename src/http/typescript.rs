//! The TypeScript the web app imports, generated from the Rust types so the
//! two cannot drift: the domain's value sets (`web/src/lib/domain.ts`) and
//! the API's error codes (`web/src/lib/errorCodes.ts`, from
//! [`super::error::error_codes_typescript`]). A test compares each file with
//! what the server would generate; `UPDATE_GENERATED=1 cargo test
//! generated_typescript` rewrites them.

use crate::auth::Role;
use crate::store::repo::activity::{ActivityEntry, BotRun};
use crate::store::repo::analytics::{AgentActivity, Day, FlowRuns, Overview, Range, ResponseTime, Totals};
use crate::store::repo::automations::{RuleView, RunLog};
use crate::store::repo::campaigns::{
    CampaignStats, CampaignStatus, CampaignView, Cost, Funnel, RecipientError, RecipientView, SkipReason, TemplateRef,
};
use crate::store::repo::canned::CannedReply;
use crate::store::repo::channels::ChannelView;
use crate::store::repo::contacts::{ContactConversation, ContactView};
use crate::store::repo::conversations::{ContactRef, ConversationView, MessageSummary, Note};
use crate::store::repo::dead_letters::DeadLetter;
use crate::store::repo::flows::{FlowView, RunView};
use crate::store::repo::keys::KeyView;
use crate::store::repo::service::{AssignmentSettings, CsatSettings, HoursView, PerformanceRow, SlaPolicy};
use crate::store::repo::teams::{TeamMember, TeamView};
use crate::store::repo::templates::Template;
use crate::store::repo::users::UserView;
use crate::store::repo::webhooks_out::{AttemptView, DeliveryView, EndpointView};
use ts_rs::TS;
use whatsflow_actors::flow::run::RunStatus;
use whatsflow_actors::flow::triggers::{TriggerMatch, TriggerType};
use whatsflow_actors::flow::{Edge, FlowData, Node};
use whatsflow_actors::ids::{
    ApiKeyId, CampaignId, ChannelId, ContactId, ConversationId, FlowId, MessageId, RecipientId, RunId, TemplateId, TenantId, UserId, Wamid,
};
use whatsflow_actors::message::MessageStatus;
use whatsflow_actors::message::{Direction, MessageView, SentBy};
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

/// One `export type …` per API shape, documented from the Rust doc
/// comments. ts-rs declares 64-bit integers as `bigint`, but serde_json
/// writes them as JSON numbers, which `JSON.parse` reads as `number`.
fn declare<T: TS>(out: &mut String) {
    out.push_str("export ");
    out.push_str(&T::decl().replace("bigint", "number"));
    out.push_str("\n\n");
}

/// A segment's rule as `crate::segments::rule` reads it (a recursive
/// shape that the Rust side parses by hand, so it is written here).
const SEGMENT_RULE: &str =
    "/** A segment rule's condition: `field` is tag, custom.<name>, opted_in, channel, last_inbound, conversation_status, phone or name. */
export type SegmentCondition = { field: string, op: string, value?: string | number | boolean, };

/** A segment's rule: `all` / `any` groups (at most 4 deep, 30 conditions) of conditions. */
export type SegmentRule = { all: Array<SegmentRule | SegmentCondition>, } | { any: Array<SegmentRule | SegmentCondition>, };

";

/// `web/src/lib/apiTypes.ts`: the shapes the REST API and the socket return,
/// declared from the structs that serialize them. The value sets come from
/// `domain.ts`.
pub fn api_typescript() -> String {
    let mut out = String::from(
        "// Generated from the server's Rust types by `cargo test generated_typescript`; do not edit.\n\n\
         import type { ConversationStatus, MessageStatus, Role, RunStatus, TriggerMatch, TriggerType } from \"./domain\";\n\n\
         /** Any JSON value. */\nexport type JsonValue = number | string | boolean | Array<JsonValue> | { [key in string]?: JsonValue } | null;\n\n",
    );
    declare::<TenantId>(&mut out);
    declare::<UserId>(&mut out);
    declare::<ContactId>(&mut out);
    declare::<ConversationId>(&mut out);
    declare::<MessageId>(&mut out);
    declare::<Wamid>(&mut out);
    declare::<TemplateId>(&mut out);
    declare::<FlowId>(&mut out);
    declare::<RunId>(&mut out);
    declare::<ApiKeyId>(&mut out);
    declare::<Direction>(&mut out);
    declare::<SentBy>(&mut out);
    declare::<MessageView>(&mut out);
    declare::<MessageSummary>(&mut out);
    declare::<ContactRef>(&mut out);
    declare::<ConversationView>(&mut out);
    declare::<ContactConversation>(&mut out);
    declare::<ContactView>(&mut out);
    declare::<Note>(&mut out);
    declare::<UserView>(&mut out);
    declare::<ChannelView>(&mut out);
    declare::<Template>(&mut out);
    declare::<Node>(&mut out);
    declare::<Edge>(&mut out);
    declare::<FlowData>(&mut out);
    declare::<FlowView>(&mut out);
    declare::<RunView>(&mut out);
    declare::<KeyView>(&mut out);
    declare::<TeamView>(&mut out);
    declare::<RuleView>(&mut out);
    declare::<RunLog>(&mut out);
    declare::<HoursView>(&mut out);
    declare::<CsatSettings>(&mut out);
    declare::<SlaPolicy>(&mut out);
    declare::<PerformanceRow>(&mut out);
    declare::<TeamMember>(&mut out);
    declare::<CannedReply>(&mut out);
    declare::<ActivityEntry>(&mut out);
    declare::<BotRun>(&mut out);
    declare::<AssignmentSettings>(&mut out);
    declare::<EndpointView>(&mut out);
    declare::<AttemptView>(&mut out);
    declare::<DeliveryView>(&mut out);
    declare::<DeadLetter>(&mut out);
    declare::<Totals>(&mut out);
    declare::<Day>(&mut out);
    declare::<ResponseTime>(&mut out);
    declare::<AgentActivity>(&mut out);
    declare::<FlowRuns>(&mut out);
    declare::<CampaignId>(&mut out);
    declare::<RecipientId>(&mut out);
    declare::<ChannelId>(&mut out);
    declare::<CampaignStatus>(&mut out);
    declare::<TemplateRef>(&mut out);
    declare::<CampaignView>(&mut out);
    declare::<Funnel>(&mut out);
    declare::<Cost>(&mut out);
    declare::<crate::campaigns::split::Variant>(&mut out);
    declare::<crate::store::repo::campaigns::VariantStats>(&mut out);
    declare::<CampaignStats>(&mut out);
    declare::<SkipReason>(&mut out);
    declare::<RecipientError>(&mut out);
    declare::<RecipientView>(&mut out);
    declare::<crate::http::campaigns::PreviewSkip>(&mut out);
    declare::<crate::http::campaigns::PreviewSample>(&mut out);
    declare::<crate::http::campaigns::CampaignPreview>(&mut out);
    declare::<crate::campaigns::csv::RejectedLine>(&mut out);
    declare::<crate::http::campaigns::CsvAudienceReport>(&mut out);
    declare::<crate::drips::spec::DelayFrom>(&mut out);
    declare::<crate::drips::spec::SendWindow>(&mut out);
    declare::<crate::drips::spec::StepCondition>(&mut out);
    declare::<crate::drips::spec::StepSpec>(&mut out);
    declare::<crate::drips::spec::Reentry>(&mut out);
    declare::<crate::drips::spec::FieldEquals>(&mut out);
    declare::<crate::drips::spec::DripSettings>(&mut out);
    declare::<crate::store::repo::drips::DripStep>(&mut out);
    declare::<crate::store::repo::drips::DripView>(&mut out);
    declare::<crate::store::repo::drips::StepStats>(&mut out);
    declare::<crate::store::repo::drips::DripStats>(&mut out);
    declare::<crate::http::drips::DripDetail>(&mut out);
    declare::<crate::store::repo::drips::Enrollment>(&mut out);
    declare::<crate::store::repo::drips::PathStep>(&mut out);
    declare::<crate::store::repo::drips::EnrollmentPath>(&mut out);
    declare::<crate::store::repo::scheduled::ScheduledMessage>(&mut out);
    declare::<crate::partners::RevenueModel>(&mut out);
    declare::<crate::partners::PartnerStatus>(&mut out);
    declare::<crate::partners::brand::BrandColors>(&mut out);
    declare::<crate::partners::brand::Branding>(&mut out);
    declare::<crate::store::repo::partners::PartnerView>(&mut out);
    declare::<crate::store::repo::partners::ClientUsage>(&mut out);
    declare::<crate::store::repo::partners::ClientBilling>(&mut out);
    declare::<crate::store::repo::partners::ClientView>(&mut out);
    declare::<crate::store::repo::partners::PartnerPrice>(&mut out);
    declare::<crate::store::repo::partners::DomainView>(&mut out);
    declare::<crate::store::repo::partners::LedgerEntry>(&mut out);
    declare::<crate::store::repo::partners::LedgerTotals>(&mut out);
    declare::<crate::store::repo::partners::PartnerLedger>(&mut out);
    declare::<crate::store::repo::affiliates::Earnings>(&mut out);
    declare::<crate::store::repo::affiliates::AffiliateStats>(&mut out);
    declare::<crate::store::repo::affiliates::AffiliateView>(&mut out);
    declare::<crate::store::repo::affiliates::ReferralView>(&mut out);
    declare::<crate::store::repo::affiliates::CommissionView>(&mut out);
    declare::<crate::store::repo::affiliates::PayoutView>(&mut out);
    declare::<Range>(&mut out);
    declare::<Overview>(&mut out);
    out.push_str(SEGMENT_RULE);
    declare::<crate::store::repo::plans::PlanView>(&mut out);
    declare::<crate::store::repo::plans::AccountPlan>(&mut out);
    declare::<crate::store::repo::usage::PeriodView>(&mut out);
    declare::<crate::store::repo::usage::UsageDay>(&mut out);
    declare::<crate::store::repo::usage::UsageCategory>(&mut out);
    declare::<crate::store::repo::usage::UsageAlert>(&mut out);
    declare::<crate::store::repo::usage::UsageView>(&mut out);
    declare::<crate::store::repo::billing::BillingDetails>(&mut out);
    declare::<crate::store::repo::billing::SubscriptionView>(&mut out);
    declare::<crate::store::repo::billing::InvoiceView>(&mut out);
    declare::<crate::store::repo::security::SessionView>(&mut out);
    declare::<crate::store::repo::wallet::WalletEntry>(&mut out);
    declare::<crate::store::repo::wallet::WalletView>(&mut out);
    declare::<crate::store::repo::admin::TenantSummary>(&mut out);
    declare::<crate::http::admin::AdminOverview>(&mut out);
    declare::<crate::store::repo::admin::PlatformSettings>(&mut out);
    declare::<crate::store::repo::audit::AuditRow>(&mut out);
    declare::<crate::store::repo::segments::SegmentView>(&mut out);
    declare::<crate::store::repo::segments::SegmentPreview>(&mut out);
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
        check("web/src/lib/apiTypes.ts", &api_typescript());
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
