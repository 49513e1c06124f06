//! Tenant isolation: through the API and in the database itself.

use crate::helpers::*;

#[actix_rt::test]
async fn one_tenant_never_reads_another_tenants_conversations() {
    let app = spawn_app().await;
    let a = app.register("Acme").await;
    let b = app.register("Beta").await;
    app.connect_channel(&a, PHONE_NUMBER_ID).await;
    app.connect_channel(&b, "106540352242999").await;
    app.post_webhook_ok(text_webhook(PHONE_NUMBER_ID, "15550001111", "wamid.a1", "for acme")).await;
    app.post_webhook_ok(text_webhook("106540352242999", "15550002222", "wamid.b1", "for beta")).await;
    eventually("both stored", WAIT, || async { (app.count("messages").await == 2).then_some(()) }).await;
    let a_convs = app.conversations(&a).await;
    let b_convs = app.conversations(&b).await;
    assert_eq!(a_convs.len(), 1);
    assert_eq!(b_convs.len(), 1);
    let b_conv = b_convs[0]["id"].as_str().unwrap();
    assert_eq!(app.get(&a, &format!("/api/v1/conversations/{b_conv}")).await.0, 404);
    assert_eq!(app.get(&a, &format!("/api/v1/conversations/{b_conv}/messages")).await.0, 404);
    let (_, contacts) = app.get(&a, "/api/v1/contacts").await;
    let contacts = contacts["data"].as_array().unwrap();
    assert_eq!(contacts.len(), 1);
    assert_eq!(contacts[0]["phone"], "+15550001111");
    let (_, channels) = app.get(&a, "/api/v1/channels").await;
    assert_eq!(channels["data"].as_array().unwrap().len(), 1);
}

#[actix_rt::test]
async fn a_query_without_a_tenant_sees_no_rows() {
    let app = spawn_app().await;
    let a = app.register("Acme").await;
    app.connect_channel(&a, PHONE_NUMBER_ID).await;
    app.post_webhook_ok(fixture("text.json")).await;
    eventually("stored", WAIT, || async { (app.count("messages").await == 1).then_some(()) }).await;
    // The application's own pool runs as whatsflow_app, without BYPASSRLS.
    let pool = &app.state.pool;
    let (role, bypass): (String, bool) =
        sqlx::query_as("SELECT current_user::text, rolbypassrls FROM pg_roles WHERE rolname = current_user").fetch_one(pool).await.unwrap();
    assert_eq!(role, "whatsflow_app");
    assert!(!bypass);
    for table in ["tenants", "users", "channels", "contacts", "conversations", "messages", "refresh_tokens"] {
        let n: i64 = sqlx::query_scalar(&format!("SELECT count(*) FROM {table}")).fetch_one(pool).await.unwrap();
        assert_eq!(n, 0, "{table} visible without app.tenant_id");
    }
    // With the tenant set, its rows appear; another tenant's id shows nothing.
    let mut tx = whatsflow::db::tenant_tx(pool, whatsflow_actors::ids::TenantId(a.tenant_id.parse().unwrap())).await.unwrap();
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM messages").fetch_one(&mut *tx).await.unwrap();
    assert_eq!(n, 1);
    tx.rollback().await.unwrap();
    let mut tx = whatsflow::db::tenant_tx(pool, whatsflow_actors::ids::TenantId::generate()).await.unwrap();
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM messages").fetch_one(&mut *tx).await.unwrap();
    assert_eq!(n, 0);
    // Writing a row for another tenant is refused by the policy.
    let res = sqlx::query("INSERT INTO tenants (id, name) VALUES ($1, 'sneaky')").bind(uuid::Uuid::new_v4()).execute(&mut *tx).await;
    assert!(res.is_err(), "RLS must refuse a row of another tenant");
}

/// The inbox is walked by the minute of last activity and sorted exactly
/// within it: pages in any size give the order of the last message's time
/// (ties by id), across minute boundaries, and a new message moves its
/// conversation to the top.
#[actix_rt::test]
async fn the_inbox_is_ordered_by_the_last_message_across_minutes() {
    let app = spawn_app().await;
    let t = app.register("Acme").await;
    app.connect_channel(&t, PHONE_NUMBER_ID).await;
    let base = chrono::Utc::now() - chrono::Duration::minutes(30);
    let base = base - chrono::Duration::seconds(base.timestamp() % 60);
    // Seconds after `base`: three in one minute, two in the next, one tie,
    // one ten minutes later, one in between the first two.
    let offsets = [5i64, 50, 59, 61, 61, 119, 600, 30];
    for (i, s) in offsets.iter().enumerate() {
        let at = base + chrono::Duration::seconds(*s);
        app.post_webhook_ok(text_webhook_at(PHONE_NUMBER_ID, &format!("1555100{i:04}"), &format!("wamid.o{i}"), "hi", at)).await;
    }
    eventually("8 messages in", WAIT, || async { (app.all_messages(&t).await.len() == 8).then_some(()) }).await;
    let list = |limit: usize| {
        let app = &app;
        let t = &t;
        async move {
            let mut seen: Vec<(String, String)> = Vec::new();
            let mut path = format!("/api/v1/conversations?limit={limit}");
            loop {
                let (s, page) = app.get(t, &path).await;
                assert_eq!(s, 200, "{page}");
                for c in page["data"].as_array().unwrap() {
                    seen.push((c["last_message_at"].as_str().unwrap().to_owned(), c["id"].as_str().unwrap().to_owned()));
                }
                match page["next_cursor"].as_str() {
                    Some(c) => path = format!("/api/v1/conversations?limit={limit}&cursor={c}"),
                    None => break seen,
                }
            }
        }
    };
    let order = |v: &[(String, String)]| {
        let mut sorted: Vec<(chrono::DateTime<chrono::Utc>, uuid::Uuid)> =
            v.iter().map(|(at, id)| (at.parse().unwrap(), id.parse().unwrap())).collect();
        sorted.sort_by(|a, b| b.cmp(a));
        sorted.into_iter().map(|(_, id)| id.to_string()).collect::<Vec<_>>()
    };
    for limit in [1, 2, 3, 100] {
        let seen = list(limit).await;
        assert_eq!(seen.len(), 8, "page size {limit}: {seen:?}");
        let ids: Vec<String> = seen.iter().map(|(_, id)| id.clone()).collect();
        assert_eq!(ids, order(&seen), "page size {limit}: newest last message first, ties by id");
    }
    // The oldest conversation writes again, now: it comes first.
    let first = list(100).await;
    let oldest = first.last().unwrap().1.clone();
    app.post_webhook_ok(text_webhook(PHONE_NUMBER_ID, "15551000000", "wamid.o-again", "again")).await;
    eventually("the oldest conversation on top", WAIT, || async {
        let now = list(2).await;
        (now.len() == 8 && now[0].1 == oldest).then_some(())
    })
    .await;
}

#[actix_rt::test]
async fn lists_paginate_with_a_cursor() {
    let app = spawn_app().await;
    let t = app.register("Acme").await;
    app.connect_channel(&t, PHONE_NUMBER_ID).await;
    for i in 0..7 {
        app.post_webhook_ok(text_webhook(PHONE_NUMBER_ID, &format!("1555000{i:04}"), &format!("wamid.p{i}"), "hi")).await;
    }
    // Each conversation is listed once opened; wait until all 7 messages are in too.
    eventually("7 conversations with their messages", WAIT, || async { (app.all_messages(&t).await.len() == 7).then_some(()) }).await;
    let mut seen = Vec::new();
    let mut path = "/api/v1/conversations?limit=3".to_owned();
    loop {
        let (s, page) = app.get(&t, &path).await;
        assert_eq!(s, 200);
        for c in page["data"].as_array().unwrap() {
            seen.push(c["id"].as_str().unwrap().to_owned());
        }
        match page["next_cursor"].as_str() {
            Some(c) => path = format!("/api/v1/conversations?limit=3&cursor={c}"),
            None => break,
        }
    }
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!((seen.len(), unique.len()), (7, 7));
    let (s, v) = app.get(&t, "/api/v1/conversations?cursor=garbage").await;
    assert_eq!(s, 400);
    assert_eq!(v["error"]["code"], "INVALID_CURSOR");
    let (_, unread) = app.get(&t, "/api/v1/conversations?unread=true&status=open&assignee=unassigned").await;
    assert_eq!(unread["data"].as_array().unwrap().len(), 7);
    let (_, mine) = app.get(&t, "/api/v1/conversations?assignee=me").await;
    assert_eq!(mine["data"].as_array().unwrap().len(), 0, "nothing is assigned yet");
    let (s, v) = app.get(&t, "/api/v1/conversations?status=bogus").await;
    assert_eq!(s, 400);
    assert_eq!(v["error"]["code"], "VALIDATION_FAILED");
}
