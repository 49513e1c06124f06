//! Split tests: a campaign may send a second template (variant B, with its
//! own parameter sources) to an exact share of its audience, interleaved
//! through it, so both variants meet the same mix of recipients and hours.

use crate::store::repo::campaigns::TemplateRef;
use serde_json::{json, Value};

/// Which template a recipient gets.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, ts_rs::TS)]
#[serde(rename_all = "lowercase")]
pub enum Variant {
    /// The campaign's own template.
    #[default]
    A,
    /// The split test's template.
    B,
}

impl Variant {
    /// As stored and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::A => "a",
            Self::B => "b",
        }
    }

    /// Reads the stored form (anything else is A).
    pub fn parse(s: &str) -> Self {
        if s == "b" {
            Self::B
        } else {
            Self::A
        }
    }

    /// The variant of the audience's `index`th recipient when `percent` of
    /// them get B: after n recipients exactly ⌊n·percent/100⌋ have, spread
    /// evenly (B whenever that count steps up).
    pub fn at(index: usize, percent: i32) -> Self {
        let p = u64::try_from(percent.clamp(0, 100)).unwrap_or(0);
        let i = index as u64;
        if (i + 1) * p / 100 > i * p / 100 {
            Self::B
        } else {
            Self::A
        }
    }
}

/// A campaign's variant B: `{"template": {"name", "language"}, "variables":
/// {...}, "split_percent": 1..99}`.
#[derive(Debug, Clone, PartialEq)]
pub struct VariantB {
    /// Its template.
    pub template: TemplateRef,
    /// Where its parameters come from (as a campaign's `variables`).
    pub variables: Value,
    /// The share of the audience that gets it, in percent.
    pub split_percent: i32,
}

impl VariantB {
    /// Reads it (null: no split test).
    pub fn parse(v: &Value) -> Result<Option<Self>, String> {
        if v.is_null() {
            return Ok(None);
        }
        let name = v["template"]["name"].as_str().map(str::trim).filter(|s| !s.is_empty());
        let language = v["template"]["language"].as_str().map(str::trim).filter(|s| !s.is_empty());
        let (Some(name), Some(language)) = (name, language) else {
            return Err("`variant_b.template` needs a `name` and a `language`".into());
        };
        let split_percent = v["split_percent"]
            .as_i64()
            .filter(|p| (1..=99).contains(p))
            .and_then(|p| i32::try_from(p).ok())
            .ok_or_else(|| "`variant_b.split_percent` must be a whole percentage from 1 to 99".to_owned())?;
        let variables = if v["variables"].is_null() { json!({}) } else { v["variables"].clone() };
        Ok(Some(Self { template: TemplateRef { name: name.to_owned(), language: language.to_owned() }, variables, split_percent }))
    }

    /// As stored and shown.
    pub fn to_json(&self) -> Value {
        json!({"template": {"name": self.template.name, "language": self.template.language},
               "variables": self.variables, "split_percent": self.split_percent})
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_split_is_exact_and_interleaved() {
        for percent in [1, 10, 33, 50, 77, 99] {
            for n in [1usize, 7, 100, 1001] {
                let b = (0..n).filter(|&i| Variant::at(i, percent) == Variant::B).count();
                assert_eq!(b, n * percent as usize / 100, "{percent}% of {n}");
            }
        }
        let half: String = (0..6).map(|i| Variant::at(i, 50).as_str()).collect();
        assert_eq!(half, "ababab");
    }

    #[test]
    fn variant_b_reads_with_clear_errors() {
        let v = VariantB::parse(&json!({"template": {"name": "festive_offer", "language": "en"}, "split_percent": 30})).unwrap().unwrap();
        assert_eq!((v.template.name.as_str(), v.split_percent, v.variables.clone()), ("festive_offer", 30, json!({})));
        assert_eq!(VariantB::parse(&Value::Null), Ok(None));
        assert!(VariantB::parse(&json!({"template": {"name": "x"}, "split_percent": 30})).unwrap_err().contains("language"));
        assert!(VariantB::parse(&json!({"template": {"name": "x", "language": "en"}, "split_percent": 100}))
            .unwrap_err()
            .contains("1 to 99"));
    }
}
