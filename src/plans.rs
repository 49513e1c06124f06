//! Plans: what a tenant pays for and may use. A plan's limits are counts
//! (team members, numbers, flows, monthly unique users; none means
//! unlimited) checked where they bite, in the same transaction as the
//! addition, so racing additions never overshoot; its features gate whole
//! capabilities (broadcasts, API access, AI).

use serde_json::Value;

/// A counted limit of a plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    /// People on the team (admins and agents).
    Agents,
    /// Connected WhatsApp numbers.
    Numbers,
    /// Chatbot flows.
    Flows,
    /// Customers reached in a billing month.
    MonthlyUniqueUsers,
}

impl Limit {
    /// The key in a plan's `limits`.
    pub fn key(self) -> &'static str {
        match self {
            Self::Agents => "agents",
            Self::Numbers => "numbers",
            Self::Flows => "flows",
            Self::MonthlyUniqueUsers => "monthly_unique_users",
        }
    }

    /// What is counted, for people.
    pub fn noun(self) -> &'static str {
        match self {
            Self::Agents => "team members",
            Self::Numbers => "WhatsApp numbers",
            Self::Flows => "flows",
            Self::MonthlyUniqueUsers => "customers a month",
        }
    }

    /// How many the tenant has now (`$1` is the tenant); None for what is
    /// metered per billing period rather than added one by one.
    pub fn count_sql(self) -> Option<&'static str> {
        match self {
            Self::Agents => Some("SELECT count(*) FROM users WHERE tenant_id = $1"),
            Self::Numbers => Some("SELECT count(*) FROM channels WHERE tenant_id = $1"),
            Self::Flows => Some("SELECT count(*) FROM flows WHERE tenant_id = $1"),
            Self::MonthlyUniqueUsers => None,
        }
    }

    /// The limits a plan may set.
    pub const ALL: [Limit; 4] = [Self::MonthlyUniqueUsers, Self::Agents, Self::Numbers, Self::Flows];
}

/// A capability a plan includes or not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Feature {
    /// Broadcast campaigns.
    Broadcasts,
    /// API keys and the public API.
    ApiAccess,
    /// AI smart replies.
    Ai,
    /// Meta's charges are prepaid from a wallet (sends need its balance).
    Wallet,
}

impl Feature {
    /// As plans list it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Broadcasts => "broadcasts",
            Self::ApiAccess => "api_access",
            Self::Ai => "ai",
            Self::Wallet => "wallet",
        }
    }

    /// For people.
    pub fn describe(self) -> &'static str {
        match self {
            Self::Broadcasts => "broadcast campaigns",
            Self::ApiAccess => "API access",
            Self::Ai => "AI replies",
            Self::Wallet => "a prepaid wallet for WhatsApp charges",
        }
    }

    /// Every feature.
    pub const ALL: [Feature; 4] = [Self::Broadcasts, Self::ApiAccess, Self::Ai, Self::Wallet];
}

/// An addition refused by the plan: what, how many it allows and has, and
/// the first plan that allows more.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.message())]
pub struct LimitReached {
    /// Which limit.
    pub limit: Limit,
    /// The tenant's plan's name.
    pub plan: String,
    /// How many it allows.
    pub allowed: i64,
    /// The first offered plan (in pricing order) that allows more: its name
    /// and its allowance (None: unlimited).
    pub upgrade: Option<(String, Option<i64>)>,
}

impl LimitReached {
    /// The sentence the API and the web app show.
    pub fn message(&self) -> String {
        let noun = self.limit.noun();
        let head = match self.limit {
            Limit::MonthlyUniqueUsers => {
                format!("the {} plan allows {} {noun} and this would reach more this month", self.plan, self.allowed)
            }
            _ => format!("the {} plan allows {} {noun} and this account has them all", self.plan, self.allowed),
        };
        match &self.upgrade {
            Some((name, Some(n))) => format!("{head}; upgrade to {name} ({n} {noun}) to add more"),
            Some((name, None)) => format!("{head}; upgrade to {name} (unlimited {noun}) to add more"),
            None if self.limit == Limit::MonthlyUniqueUsers => format!("{head}; contact us for a custom plan"),
            None => format!("{head}; remove one first or contact us for a custom plan"),
        }
    }
}

/// A capability the tenant's plan does not include.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the {plan} plan does not include {}; {}", feature.describe(), upgrade.as_ref().map_or("contact us for a plan that does".to_owned(), |u| format!("upgrade to {u} to use it")))]
pub struct FeatureMissing {
    /// Which.
    pub feature: Feature,
    /// The tenant's plan's name.
    pub plan: String,
    /// The first offered plan (in pricing order) that includes it.
    pub upgrade: Option<String>,
}

/// Checks a plan's `limits` and `features` as an admin writes them: known
/// keys, whole non-negative counts (or null), known features.
pub fn check_plan_shape(limits: &Value, features: &[String]) -> Result<(), String> {
    let Some(map) = limits.as_object() else { return Err("`limits` must be an object of counts".into()) };
    for (k, v) in map {
        if !Limit::ALL.iter().any(|l| l.key() == k) {
            return Err(format!("`limits.{k}` is not a limit; use {}", Limit::ALL.iter().map(|l| l.key()).collect::<Vec<_>>().join(", ")));
        }
        if !(v.is_null() || v.as_i64().is_some_and(|n| n >= 0)) {
            return Err(format!("`limits.{k}` must be a whole number of 0 or more, or null for unlimited"));
        }
    }
    for f in features {
        if !Feature::ALL.iter().any(|x| x.as_str() == f) {
            return Err(format!("`{f}` is not a feature; use {}", Feature::ALL.iter().map(|x| x.as_str()).collect::<Vec<_>>().join(", ")));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_refusal_names_the_limit_and_the_upgrade() {
        let hit =
            LimitReached { limit: Limit::Agents, plan: "Starter".into(), allowed: 3, upgrade: Some(("Professional".into(), Some(10))) };
        assert_eq!(
            hit.message(),
            "the Starter plan allows 3 team members and this account has them all; upgrade to Professional (10 team members) to add more"
        );
        let missing = FeatureMissing { feature: Feature::ApiAccess, plan: "Starter".into(), upgrade: Some("Professional".into()) };
        assert_eq!(missing.to_string(), "the Starter plan does not include API access; upgrade to Professional to use it");
    }

    #[test]
    fn plan_shapes_are_checked() {
        assert!(check_plan_shape(&json!({"agents": 3, "flows": null}), &["broadcasts".into()]).is_ok());
        assert!(check_plan_shape(&json!({"seats": 3}), &[]).unwrap_err().contains("not a limit"));
        assert!(check_plan_shape(&json!({"agents": -1}), &[]).unwrap_err().contains("0 or more"));
        assert!(check_plan_shape(&json!({}), &["teleport".into()]).unwrap_err().contains("not a feature"));
    }
}
