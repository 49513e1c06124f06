//! Flows' changes to their contacts (a `tag` node, a `set_field` node),
//! written in groups. With thousands of runs stepping at once each change
//! was a transaction of its own, a commit per tag; now the changes of many
//! runs share a transaction and one set-based statement per kind, through
//! [`GroupCommit`](crate::store::group::GroupCommit).

use crate::store::group::{GroupTx, GroupWork};
use async_trait::async_trait;
use serde_json::Value;
use std::collections::HashMap;
use whatsflow_actors::ids::{ContactId, TenantId};

/// One change a flow makes to its contact.
#[derive(Debug, Clone, PartialEq)]
pub enum ContactChange {
    /// Tags added and removed (already trimmed and lower-cased).
    Tags {
        /// Added (set semantics: a tag the contact has stays once).
        add: Vec<String>,
        /// Removed.
        remove: Vec<String>,
    },
    /// A custom field set to a value.
    Field {
        /// The field's name.
        field: String,
        /// Its new value.
        value: Value,
    },
    /// The contact's name.
    Name(String),
}

/// Applies contact changes; a group's changes to one contact are applied
/// in the order they were asked for.
pub struct ContactChanges;

#[async_trait]
impl GroupWork for ContactChanges {
    type Job = (TenantId, ContactId, ContactChange);
    type Output = ();

    fn tenant(job: &Self::Job) -> TenantId {
        job.0
    }

    async fn run_tenant(&self, tx: &mut GroupTx, _tenant: TenantId, jobs: &[&Self::Job]) -> Result<Vec<Option<()>>, sqlx::Error> {
        for round in rounds(jobs) {
            apply_tags(tx, &round).await?;
            apply_fields(tx, &round).await?;
            apply_names(tx, &round).await?;
        }
        Ok(vec![Some(()); jobs.len()])
    }
}

type Job = (TenantId, ContactId, ContactChange);

/// Splits jobs into rounds in which each contact appears at most once (an
/// `UPDATE … FROM` applies one source row per target row), the n-th change
/// of a contact in the n-th round; each round in contact order, so
/// concurrent groups lock alike.
fn rounds<'a>(jobs: &[&'a Job]) -> Vec<Vec<&'a Job>> {
    let mut seen: HashMap<ContactId, usize> = HashMap::with_capacity(jobs.len());
    let mut rounds: Vec<Vec<&Job>> = Vec::new();
    for job in jobs {
        let n = seen.entry(job.1).or_insert(0);
        if rounds.len() <= *n {
            rounds.push(Vec::new());
        }
        if let Some(round) = rounds.get_mut(*n) {
            round.push(job);
        }
        *n += 1;
    }
    for round in &mut rounds {
        round.sort_by_key(|j| j.1 .0);
    }
    rounds
}

async fn apply_tags(tx: &mut GroupTx, round: &[&Job]) -> Result<(), sqlx::Error> {
    let (mut ids, mut adds, mut removes) = (Vec::new(), Vec::new(), Vec::new());
    for (_, contact, change) in round {
        if let ContactChange::Tags { add, remove } = change {
            ids.push(contact.0);
            adds.push(Value::from(add.clone()));
            removes.push(Value::from(remove.clone()));
        }
    }
    if ids.is_empty() {
        return Ok(());
    }
    sqlx::query(
        "UPDATE contacts k SET tags = ARRAY(SELECT DISTINCT t FROM unnest(k.tags || ARRAY(SELECT jsonb_array_elements_text(u.add))) t
                                            WHERE NOT (t = ANY(ARRAY(SELECT jsonb_array_elements_text(u.remove)))) ORDER BY t),
                updated_at = now()
         FROM unnest($1::uuid[], $2::jsonb[], $3::jsonb[]) AS u(id, add, remove)
         WHERE k.id = u.id AND k.id = ANY($1)",
    )
    .bind(&ids)
    .bind(&adds)
    .bind(&removes)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

async fn apply_fields(tx: &mut GroupTx, round: &[&Job]) -> Result<(), sqlx::Error> {
    let (mut ids, mut fields, mut values) = (Vec::new(), Vec::new(), Vec::new());
    for (_, contact, change) in round {
        if let ContactChange::Field { field, value } = change {
            ids.push(contact.0);
            fields.push(field.clone());
            values.push(value.clone());
        }
    }
    if ids.is_empty() {
        return Ok(());
    }
    sqlx::query(
        "UPDATE contacts k SET custom_fields = k.custom_fields || jsonb_build_object(u.field, u.value), updated_at = now()
         FROM unnest($1::uuid[], $2::text[], $3::jsonb[]) AS u(id, field, value)
         WHERE k.id = u.id AND k.id = ANY($1)",
    )
    .bind(&ids)
    .bind(&fields)
    .bind(&values)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

async fn apply_names(tx: &mut GroupTx, round: &[&Job]) -> Result<(), sqlx::Error> {
    let (mut ids, mut names) = (Vec::new(), Vec::new());
    for (_, contact, change) in round {
        if let ContactChange::Name(name) = change {
            ids.push(contact.0);
            names.push(name.clone());
        }
    }
    if ids.is_empty() {
        return Ok(());
    }
    sqlx::query(
        "UPDATE contacts k SET name = u.name, updated_at = now() FROM unnest($1::uuid[], $2::text[]) AS u(id, name)
         WHERE k.id = u.id AND k.id = ANY($1)",
    )
    .bind(&ids)
    .bind(&names)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_contact_changed_twice_in_a_group_is_changed_in_two_rounds_in_order() {
        let t = TenantId(uuid::Uuid::nil());
        let (a, b) = (ContactId(uuid::Uuid::from_u128(2)), ContactId(uuid::Uuid::from_u128(1)));
        let field = |v: &str| ContactChange::Field { field: "stage".into(), value: Value::from(v) };
        let jobs = [(t, a, field("one")), (t, b, field("x")), (t, a, field("two")), (t, a, ContactChange::Name("Ravi".into()))];
        let refs: Vec<&Job> = jobs.iter().collect();
        let rounds = rounds(&refs);
        let shape: Vec<Vec<(ContactId, &ContactChange)>> = rounds.iter().map(|r| r.iter().map(|j| (j.1, &j.2)).collect()).collect();
        assert_eq!(
            shape,
            vec![vec![(b, &field("x")), (a, &field("one"))], vec![(a, &field("two"))], vec![(a, &ContactChange::Name("Ravi".into()))]],
            "one change per contact per round, the n-th in the n-th, each round in contact order"
        );
    }
}
