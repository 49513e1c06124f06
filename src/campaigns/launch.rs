//! Checks a campaign against its template and resolves its audience: what
//! a preview shows and what launching commits.

use super::audience::{self, Source};
use super::local_time::{self, LocalSend};
use super::retarget::RetargetRule;
use super::split::{Variant, VariantB};
use crate::store::repo::campaigns::{CampaignView, NewRecipient, TemplateRef};
use crate::store::repo::{DbError, TenantDb};
use serde_json::Value;
use whatsflow_actors::ids::CampaignId;

/// Most recipients one campaign may have.
pub const MAX_AUDIENCE: i64 = 100_000;
/// Most contacts an audience may name one by one (larger ones are tags or a CSV).
pub const MAX_CONTACT_IDS: usize = 10_000;

/// Why a campaign cannot be previewed or launched as it is.
#[derive(Debug, thiserror::Error)]
pub enum LaunchError {
    /// The template is missing, not approved, paused or disabled.
    #[error("{0}")]
    TemplateNotApproved(String),
    /// The parameter sources do not fit the template, or the audience is malformed.
    #[error("{0}")]
    Invalid(String),
    /// The account's plan does not include broadcasts.
    #[error(transparent)]
    NotInPlan(#[from] crate::plans::FeatureMissing),
    /// The database.
    #[error(transparent)]
    Db(#[from] DbError),
}

/// A campaign's template as it stands now.
#[derive(Debug, Clone)]
pub struct TemplateFacts {
    /// Whether it is a marketing template (consent and the US rule apply).
    pub marketing: bool,
    /// Meta's components (for previews).
    pub components: Value,
}

/// The campaign's template, which must be approved.
pub async fn approved_template(db: TenantDb<'_>, c: &CampaignView) -> Result<TemplateFacts, LaunchError> {
    approved(db, &c.template).await
}

/// A split test's variant B and its template, which must be approved too
/// (None: no split test).
pub async fn variant_b(db: TenantDb<'_>, c: &CampaignView) -> Result<Option<(VariantB, TemplateFacts)>, LaunchError> {
    let Some(b) = c.variant_b.as_ref().map(VariantB::parse).transpose().map_err(LaunchError::Invalid)?.flatten() else {
        return Ok(None);
    };
    let facts = approved(db, &b.template).await?;
    Ok(Some((b, facts)))
}

/// A template, which must be approved.
pub async fn approved(db: TenantDb<'_>, template: &TemplateRef) -> Result<TemplateFacts, LaunchError> {
    let found = db.campaigns().template_state(template).await?;
    let Some((status, category, components, _)) = found else {
        return Err(LaunchError::TemplateNotApproved(format!(
            "there is no template `{}` in `{}`; create it (or sync templates from Meta) and wait for its approval",
            template.name, template.language
        )));
    };
    if status != "APPROVED" {
        return Err(LaunchError::TemplateNotApproved(format!(
            "the template `{}` is {status}, not APPROVED; campaigns send approved templates only",
            template.name
        )));
    }
    Ok(TemplateFacts { marketing: category.as_deref().is_some_and(|c| c.eq_ignore_ascii_case("MARKETING")), components })
}

/// The parameter sources, checked against the template's placeholders (and
/// a CSV audience's columns).
pub fn sources(c: &CampaignView, template: &TemplateFacts) -> Result<Vec<(String, Vec<Source>)>, LaunchError> {
    let columns = csv_columns(&c.audience);
    audience::parse_variables(&c.variables, &audience::placeholders(&template.components), columns.as_deref()).map_err(LaunchError::Invalid)
}

/// The CSV columns an audience's recipients carry: an uploaded CSV's, or
/// those of the CSV campaign a retarget draft reaches again (None: no CSV).
pub fn csv_columns(audience: &Value) -> Option<Vec<String>> {
    let from = audience.get("csv").or_else(|| audience.get("retarget").filter(|r| r.get("columns").is_some()))?;
    Some(from.get("columns").and_then(|c| serde_json::from_value(c.clone()).ok()).unwrap_or_default())
}

/// The campaign's recipients, skipped ones with their reason. `launching`
/// makes contacts of a CSV's new numbers (a preview does not).
pub async fn resolve(
    db: TenantDb<'_>,
    c: &CampaignView,
    template: &TemplateFacts,
    launching: bool,
) -> Result<Vec<NewRecipient>, LaunchError> {
    let sources = sources(c, template)?;
    let contacts = match audience_spec(&c.audience).map_err(LaunchError::Invalid)? {
        AudienceSpec::Csv => {
            if c.audience["csv"]["rows"].as_u64().unwrap_or(0) == 0 {
                return Err(LaunchError::Invalid(
                    "the CSV audience has no rows yet; upload it with POST /campaigns/{id}/audience/csv".into(),
                ));
            }
            db.campaigns().csv_audience_contacts(c.id, launching).await?
        }
        AudienceSpec::Segment(id) => {
            let rule = db
                .segments()
                .rule(id)
                .await?
                .ok_or_else(|| LaunchError::Invalid("the audience's segment was deleted; pick another segment or audience".into()))?;
            db.segments().audience(&rule, MAX_AUDIENCE + 1).await?
        }
        AudienceSpec::Contacts { tags, ids } => db.campaigns().audience_contacts(&tags, &ids, MAX_AUDIENCE + 1).await?,
        AudienceSpec::Retarget { campaign_id, rule } => {
            db.campaigns().retarget_contacts(CampaignId(campaign_id), rule, MAX_AUDIENCE + 1).await?
        }
    };
    if contacts.len() as i64 > MAX_AUDIENCE {
        return Err(LaunchError::Invalid(format!("the audience has more than {MAX_AUDIENCE} contacts; split it into several campaigns")));
    }
    let mut recipients = audience::recipients(&contacts, &sources, template.marketing);
    if let Some((b, facts)) = variant_b(db, c).await? {
        // Variant B's share of the audience, interleaved, with B's own values.
        let columns = csv_columns(&c.audience);
        let b_sources = audience::parse_variables(&b.variables, &audience::placeholders(&facts.components), columns.as_deref())
            .map_err(|e| LaunchError::Invalid(format!("variant B: {e}")))?;
        let b_recipients = audience::recipients(&contacts, &b_sources, facts.marketing);
        for (i, (r, rb)) in recipients.iter_mut().zip(b_recipients).enumerate() {
            if Variant::at(i, b.split_percent) == Variant::B {
                *r = NewRecipient { variant: Variant::B, ..rb };
            }
        }
    }
    // Each recipient's own clock: their zone, and their turn for a local send.
    let fallback = local_time::parse_zone(&c.timezone).unwrap_or(chrono_tz::Tz::UTC);
    let local = c.local_send.as_ref().and_then(|l| LocalSend::parse(l).ok());
    for (r, contact) in recipients.iter_mut().zip(&contacts) {
        let zone = local_time::zone_of(contact, fallback);
        r.timezone = Some(zone.name().to_owned());
        r.send_after = local.map(|l| local_time::local_instant(l.date, l.time, zone));
    }
    Ok(recipients)
}

/// Who a campaign's audience names.
#[derive(Debug, Clone, PartialEq)]
pub enum AudienceSpec {
    /// An uploaded CSV (`{"csv": …}`), read from its stored rows.
    Csv,
    /// A saved segment's members at launch (`{"segment_id": …}`).
    Segment(uuid::Uuid),
    /// Recipients of an earlier campaign, by what they did with its
    /// message (`{"retarget": {"campaign_id", "rule", "after_hours"?}}`).
    Retarget {
        /// The earlier campaign.
        campaign_id: uuid::Uuid,
        /// Who of its recipients.
        rule: RetargetRule,
    },
    /// Contacts with any of these tags, and these contacts
    /// (`{"tags": [...]}`, `{"contact_ids": [...]}`).
    Contacts {
        /// Tags, lower-case.
        tags: Vec<String>,
        /// Contact ids.
        ids: Vec<uuid::Uuid>,
    },
}

/// Reads a campaign's audience.
pub fn audience_spec(audience: &Value) -> Result<AudienceSpec, String> {
    if audience.get("csv").is_some() {
        return Ok(AudienceSpec::Csv);
    }
    if let Some(r) = audience.get("retarget") {
        let campaign_id = r["campaign_id"]
            .as_str()
            .and_then(|s| uuid::Uuid::parse_str(s).ok())
            .ok_or_else(|| "`audience.retarget.campaign_id` must be a campaign id".to_owned())?;
        let rule = RetargetRule::parse(r["rule"].as_str().unwrap_or_default(), r["after_hours"].as_i64())?;
        return Ok(AudienceSpec::Retarget { campaign_id, rule });
    }
    if let Some(segment) = audience.get("segment_id") {
        if audience.get("tags").is_some() || audience.get("contact_ids").is_some() {
            return Err("`audience` names a segment or tags and contacts, not both".into());
        }
        return segment
            .as_str()
            .and_then(|s| uuid::Uuid::parse_str(s).ok())
            .map(AudienceSpec::Segment)
            .ok_or_else(|| "`audience.segment_id` must be a segment id (GET /api/v1/contacts/segments)".to_owned());
    }
    let tags: Vec<String> = match audience.get("tags") {
        None => Vec::new(),
        Some(v) => serde_json::from_value::<Vec<String>>(v.clone())
            .map_err(|_| "`audience.tags` must be a list of tags".to_owned())?
            .into_iter()
            .map(|t| t.trim().to_lowercase())
            .filter(|t| !t.is_empty())
            .collect(),
    };
    let ids: Vec<uuid::Uuid> = match audience.get("contact_ids") {
        None => Vec::new(),
        Some(v) => serde_json::from_value(v.clone()).map_err(|_| "`audience.contact_ids` must be a list of contact ids".to_owned())?,
    };
    if ids.len() > MAX_CONTACT_IDS {
        return Err(format!("`audience.contact_ids` names {} contacts; at most {MAX_CONTACT_IDS} (use tags or a CSV for more)", ids.len()));
    }
    if tags.is_empty() && ids.is_empty() {
        return Err(
            "`audience` needs {\"tags\": [...]}, {\"contact_ids\": [...]}, {\"segment_id\": \"...\"} or {\"csv\": {}} (then upload the file)".into(),
        );
    }
    Ok(AudienceSpec::Contacts { tags, ids })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn an_audience_names_tags_contacts_a_segment_or_a_csv() {
        assert_eq!(
            audience_spec(&json!({"tags": [" VIP ", ""]})).unwrap(),
            AudienceSpec::Contacts { tags: vec!["vip".into()], ids: vec![] }
        );
        let id = uuid::Uuid::new_v4();
        assert_eq!(audience_spec(&json!({"contact_ids": [id]})).unwrap(), AudienceSpec::Contacts { tags: vec![], ids: vec![id] });
        assert_eq!(audience_spec(&json!({"segment_id": id})).unwrap(), AudienceSpec::Segment(id));
        assert_eq!(audience_spec(&json!({"csv": {}})).unwrap(), AudienceSpec::Csv);
        assert!(audience_spec(&json!({})).is_err());
        assert!(audience_spec(&json!({"tags": "vip"})).is_err());
        assert!(audience_spec(&json!({"segment_id": "nope"})).unwrap_err().contains("segment id"));
        assert!(audience_spec(&json!({"segment_id": id, "tags": ["a"]})).unwrap_err().contains("not both"));
    }
}
