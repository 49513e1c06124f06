//! Checks a campaign against its template and resolves its audience: what
//! a preview shows and what launching commits.

use super::audience::{self, Source};
use crate::store::repo::campaigns::{CampaignView, NewRecipient};
use crate::store::repo::{DbError, TenantDb};
use serde_json::Value;

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

/// The template, which must be approved.
pub async fn approved_template(db: TenantDb<'_>, c: &CampaignView) -> Result<TemplateFacts, LaunchError> {
    let found = db.campaigns().template_state(&c.template).await?;
    let Some((status, category, components, _)) = found else {
        return Err(LaunchError::TemplateNotApproved(format!(
            "there is no template `{}` in `{}`; create it (or sync templates from Meta) and wait for its approval",
            c.template.name, c.template.language
        )));
    };
    if status != "APPROVED" {
        return Err(LaunchError::TemplateNotApproved(format!(
            "the template `{}` is {status}, not APPROVED; campaigns send approved templates only",
            c.template.name
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

/// The columns of an uploaded CSV audience (None: the audience is not a CSV).
pub fn csv_columns(audience: &Value) -> Option<Vec<String>> {
    let csv = audience.get("csv")?;
    Some(csv.get("columns").and_then(|c| serde_json::from_value(c.clone()).ok()).unwrap_or_default())
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
    if c.audience.get("csv").is_some() {
        if c.audience["csv"]["rows"].as_u64().unwrap_or(0) == 0 {
            return Err(LaunchError::Invalid("the CSV audience has no rows yet; upload it with POST /campaigns/{id}/audience/csv".into()));
        }
        let contacts = db.campaigns().csv_audience_contacts(c.id, launching).await?;
        return Ok(audience::recipients(&contacts, &sources, template.marketing));
    }
    let (tags, ids) = audience_filter(&c.audience).map_err(LaunchError::Invalid)?;
    let contacts = db.campaigns().audience_contacts(&tags, &ids, MAX_AUDIENCE + 1).await?;
    if contacts.len() as i64 > MAX_AUDIENCE {
        return Err(LaunchError::Invalid(format!("the audience has more than {MAX_AUDIENCE} contacts; split it into several campaigns")));
    }
    Ok(audience::recipients(&contacts, &sources, template.marketing))
}

/// An audience's tags and contact ids (`{"tags": [...]}` or
/// `{"contact_ids": [...]}`); a CSV audience (`{"csv": …}`) has neither.
pub fn audience_filter(audience: &Value) -> Result<(Vec<String>, Vec<uuid::Uuid>), String> {
    if audience.get("csv").is_some() {
        return Ok((Vec::new(), Vec::new()));
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
        return Err("`audience` needs {\"tags\": [...]}, {\"contact_ids\": [...]} or {\"csv\": {}} (then upload the file)".into());
    }
    Ok((tags, ids))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn an_audience_names_tags_or_contacts() {
        assert_eq!(audience_filter(&json!({"tags": [" VIP ", ""]})).unwrap().0, vec!["vip"]);
        let id = uuid::Uuid::new_v4();
        assert_eq!(audience_filter(&json!({"contact_ids": [id]})).unwrap().1, vec![id]);
        assert!(audience_filter(&json!({})).is_err());
        assert!(audience_filter(&json!({"tags": "vip"})).is_err());
    }
}
