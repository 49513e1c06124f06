//! Segments against the real server: nested rules over tags, custom
//! fields, consent, numbers, last inbound time and conversation status;
//! errors that name the wrong path; a segment as a campaign's audience;
//! one tenant's segments never see another's contacts.

use crate::helpers::*;
use serde_json::{json, Value};

/// Adds a contact; its id.
async fn contact(app: &TestApp, t: &Tenant, body: Value) -> String {
    let res = app.post_json(&t.token, "/api/v1/contacts", &body).await;
    assert_eq!(res.status(), 201);
    res.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned()
}

async fn preview(app: &TestApp, t: &Tenant, rule: Value) -> Value {
    let res = app.post_json(&t.token, "/api/v1/contacts/segments/preview", &json!({ "rule": rule })).await;
    let status = res.status();
    let v: Value = res.json().await.unwrap();
    assert_eq!(status, 200, "{v}");
    v
}

/// The names a preview shows, sorted.
fn names(v: &Value) -> Vec<String> {
    let mut out: Vec<String> =
        v["contacts"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap_or_default().to_owned()).collect();
    out.sort();
    out
}

/// Five customers: Asha and Bala (VIPs in Chennai and Pune), Chitra (VIP in
/// Delhi, opted out), Dev (no tags, 12 orders) and Esha, who wrote to the
/// number (her conversation is open). The number is the tenant's first.
async fn customers(app: &TestApp, t: &Tenant) -> String {
    let channel = match app.get(t, "/api/v1/channels").await.1["data"][0]["id"].as_str() {
        Some(id) => id.to_owned(),
        None => app.connect_channel(t, PHONE_NUMBER_ID).await["id"].as_str().unwrap().to_owned(),
    };
    contact(app, t, json!({"phone": "+919800000001", "name": "Asha", "tags": ["vip"], "custom_fields": {"city": "Chennai", "orders": 3}}))
        .await;
    contact(
        app,
        t,
        json!({"phone": "+919800000002", "name": "Bala", "tags": ["vip", "wholesale"], "custom_fields": {"city": "pune", "orders": "7"}}),
    )
    .await;
    contact(
        app,
        t,
        json!({"phone": "+919800000003", "name": "Chitra", "tags": ["vip"], "custom_fields": {"city": "Delhi"}, "opted_in": false}),
    )
    .await;
    contact(app, t, json!({"phone": "+14155550004", "name": "Dev", "custom_fields": {"orders": 12, "city": ""}})).await;
    app.open_conversation(t, "919800000005").await;
    channel
}

#[actix_rt::test]
async fn nested_rules_count_and_preview_the_right_contacts() {
    let app = spawn_app().await;
    let t = app.register("Acme").await;
    let channel = customers(&app, &t).await;
    let check = |rule: Value, expected: &'static [&'static str]| {
        let app = &app;
        let t = &t;
        async move {
            let v = preview(app, t, rule.clone()).await;
            assert_eq!(names(&v), expected.iter().map(|s| s.to_string()).collect::<Vec<_>>(), "{rule}");
            assert_eq!(v["count"], expected.len(), "{rule}");
        }
    };
    let c = |field: &str, op: &str, value: Value| json!({"field": field, "op": op, "value": value});
    // VIPs in Chennai or Pune (any case).
    check(
        json!({"all": [c("tag", "has", json!("VIP")), {"any": [c("custom.city", "eq", json!("chennai")), c("custom.city", "eq", json!("Pune"))]}]}),
        &["Asha", "Bala"],
    )
    .await;
    check(json!({"all": [c("tag", "lacks", json!("vip"))]}), &["Customer 919800000005", "Dev"]).await;
    check(json!({"all": [c("opted_in", "eq", json!(false))]}), &["Chitra"]).await;
    // Numbers and numeric text compare as numbers.
    check(json!({"all": [c("custom.orders", "gt", json!(5))]}), &["Bala", "Dev"]).await;
    check(json!({"all": [c("custom.orders", "lt", json!(5))]}), &["Asha"]).await;
    check(json!({"all": [c("custom.orders", "eq", json!(12))]}), &["Dev"]).await;
    // An empty field is missing; neq includes the missing ones.
    check(json!({"all": [{"field": "custom.city", "op": "missing"}]}), &["Customer 919800000005", "Dev"]).await;
    check(json!({"all": [{"field": "custom.city", "op": "exists"}, c("custom.city", "neq", json!("delhi"))]}), &["Asha", "Bala"]).await;
    check(json!({"all": [c("custom.city", "contains", json!("EN"))]}), &["Asha"]).await;
    check(json!({"all": [c("phone", "starts_with", json!("+1"))]}), &["Dev"]).await;
    check(json!({"all": [c("name", "contains", json!("SH"))]}), &["Asha"]).await;
    check(json!({"all": [c("name", "contains", json!("tomer 91"))]}), &["Customer 919800000005"]).await;
    // Conversations: the number, the status, the last inbound message.
    check(json!({"all": [c("channel", "eq", json!(channel))]}), &["Customer 919800000005"]).await;
    check(json!({"all": [c("conversation_status", "eq", json!("open"))]}), &["Customer 919800000005"]).await;
    check(json!({"all": [c("conversation_status", "eq", json!("resolved"))]}), &[]).await;
    check(json!({"all": [c("last_inbound", "within_days", json!(1))]}), &["Customer 919800000005"]).await;
    check(json!({"all": [c("last_inbound", "older_than_days", json!(1))]}), &[]).await;
    check(json!({"all": [{"field": "last_inbound", "op": "never"}, c("tag", "has", json!("wholesale"))]}), &["Bala"]).await;
    // A write-scoped rule cannot reach around the bound values.
    check(json!({"all": [c("tag", "has", json!("vip') OR true OR ('"))]}), &[]).await;
}

#[actix_rt::test]
async fn a_saved_segment_is_listed_renamed_and_counted_as_contacts_change() {
    let app = spawn_app().await;
    let t = app.register("Acme").await;
    customers(&app, &t).await;
    let rule = json!({"any": [{"field": "tag", "op": "has", "value": "vip"}]});
    let res = app.post_json(&t.token, "/api/v1/contacts/segments", &json!({"name": "VIPs", "rule": rule})).await;
    assert_eq!(res.status(), 201);
    let saved: Value = res.json().await.unwrap();
    assert_eq!(saved["contacts"], 3);
    assert_eq!(saved["rule"], rule);
    let id = saved["id"].as_str().unwrap();

    // The same name in another case is taken.
    let res = app.post_json(&t.token, "/api/v1/contacts/segments", &json!({"name": "vips", "rule": rule})).await;
    assert_eq!(res.status(), 409);
    let err: Value = res.json().await.unwrap();
    assert_eq!(err["error"]["code"], "SEGMENT_EXISTS");
    assert!(err["error"]["message"].as_str().unwrap().contains("choose another name"), "{err}");

    // Counts follow the contacts: a new VIP joins.
    contact(&app, &t, json!({"phone": "+919800000009", "name": "Farah", "tags": ["vip"]})).await;
    let (s, v) = app.get(&t, &format!("/api/v1/contacts/segments/{id}")).await;
    assert_eq!((s, v["contacts"].as_i64()), (200, Some(4)));
    let (_, v) = app.get(&t, &format!("/api/v1/contacts/segments/{id}/preview")).await;
    assert_eq!(names(&v), ["Asha", "Bala", "Chitra", "Farah"]);

    // Renamed, then narrowed to the opted-in.
    let res = app
        .patch_json(
            &t.token,
            &format!("/api/v1/contacts/segments/{id}"),
            &json!({"name": "Reachable VIPs", "rule": {"all": [rule, {"field": "opted_in", "op": "eq", "value": true}]}}),
        )
        .await;
    assert_eq!(res.status(), 200);
    let v: Value = res.json().await.unwrap();
    assert_eq!((v["name"].as_str(), v["contacts"].as_i64()), (Some("Reachable VIPs"), Some(3)));
    let (_, list) = app.get(&t, "/api/v1/contacts/segments").await;
    assert_eq!(list["data"].as_array().unwrap().len(), 1);
    assert_eq!(list["data"][0]["contacts"], 3);

    let res = app.http.delete(app.url(&format!("/api/v1/contacts/segments/{id}"))).bearer_auth(&t.token).send().await.unwrap();
    assert_eq!(res.status(), 204);
    assert_eq!(app.get(&t, &format!("/api/v1/contacts/segments/{id}")).await.0, 404);
}

#[actix_rt::test]
async fn a_wrong_rule_is_refused_with_its_path_and_nothing_is_saved() {
    let app = spawn_app().await;
    let t = app.register("Acme").await;
    let cases = [
        (json!({"all": []}), "`rule.all` is empty"),
        (
            json!({"all": [{"any": [{"field": "tag", "op": "equals", "value": "vip"}]}]}),
            "`rule.all[0].any[0].op`: `tag` takes has or lacks",
        ),
        (json!({"all": [{"field": "custom.orders", "op": "gt", "value": "five"}]}), "`rule.all[0].value` must be a number"),
        (json!({"all": [{"field": "birthday", "op": "eq", "value": "x"}]}), "`birthday` is not a field"),
        (json!({"all": [{"field": "last_inbound", "op": "within_days", "value": 0}]}), "from 1 to 3650"),
        (json!({"all": [{"all": [{"all": [{"all": [{"all": [{"field": "tag", "op": "has", "value": "a"}]}]}]}]}]}), "at most 4 deep"),
    ];
    for (rule, says) in cases {
        for path in ["/api/v1/contacts/segments", "/api/v1/contacts/segments/preview"] {
            let res = app.post_json(&t.token, path, &json!({"name": "Broken", "rule": rule})).await;
            assert_eq!(res.status(), 400, "{path} {rule}");
            let err: Value = res.json().await.unwrap();
            assert_eq!(err["error"]["code"], "VALIDATION_FAILED");
            assert!(err["error"]["message"].as_str().unwrap().contains(says), "{err} should say {says}");
        }
    }
    let res = app
        .post_json(
            &t.token,
            "/api/v1/contacts/segments",
            &json!({"name": "  ", "rule": {"all": [{"field": "opted_in", "op": "eq", "value": true}]}}),
        )
        .await;
    assert_eq!(res.status(), 400);
    let (_, list) = app.get(&t, "/api/v1/contacts/segments").await;
    assert_eq!(list["data"], json!([]));
}

#[actix_rt::test]
async fn a_campaign_reaches_a_segment_and_holds_it_until_launch() {
    let app = spawn_app().await;
    let t = app.register("Acme").await;
    let channel = app.connect_channel(&t, PHONE_NUMBER_ID).await["id"].as_str().unwrap().to_owned();
    assert_eq!(app.post_json(&t.token, "/api/v1/templates/sync", &json!({})).await.status(), 200);
    customers(&app, &t).await;
    let segment = app
        .post_json(
            &t.token,
            "/api/v1/contacts/segments",
            &json!({"name": "VIPs", "rule": {"all": [{"field": "tag", "op": "has", "value": "vip"}]}}),
        )
        .await
        .json::<Value>()
        .await
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let body = |audience: Value| {
        json!({"name": "Spring sale", "channel_id": channel, "template": {"name": "spring_sale", "language": "en"},
               "variables": {"body": [{"field": "contact.name"}, {"value": "20%"}]}, "audience": audience})
    };
    // Another account's segment (or none) is not an audience.
    let res = app.post_json(&t.token, "/api/v1/campaigns", &body(json!({"segment_id": uuid::Uuid::new_v4()}))).await;
    assert_eq!(res.status(), 400);
    assert!(res.text().await.unwrap().contains("not a segment of this account"));

    let res = app.post_json(&t.token, "/api/v1/campaigns", &body(json!({"segment_id": segment}))).await;
    assert_eq!(res.status(), 201);
    let campaign = res.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
    let (s, p) = app.get(&t, &format!("/api/v1/campaigns/{campaign}/preview")).await;
    assert_eq!(s, 200, "{p}");
    // Three VIPs: Chitra opted out of marketing.
    assert_eq!(p["audience"], 3, "{p}");
    assert_eq!(p["sendable"], 2, "{p}");

    // A draft holds its segment.
    let res = app.http.delete(app.url(&format!("/api/v1/contacts/segments/{segment}"))).bearer_auth(&t.token).send().await.unwrap();
    assert_eq!(res.status(), 409);
    let err: Value = res.json().await.unwrap();
    assert_eq!(err["error"]["code"], "SEGMENT_IN_USE");
    assert!(err["error"]["message"].as_str().unwrap().contains("`Spring sale`"), "{err}");

    // Launched, the members at launch are its recipients; the segment is free.
    let res = app.post_json(&t.token, &format!("/api/v1/campaigns/{campaign}/start"), &json!({})).await;
    assert_eq!(res.status(), 200);
    let sent = eventually("both opted-in VIPs sent", WAIT, || async {
        let (_, s) = app.get(&t, &format!("/api/v1/campaigns/{campaign}/stats")).await;
        (s["pending"] == 0 && s["sending"] == 0).then_some(s)
    })
    .await;
    assert_eq!((sent["audience"].as_i64(), sent["skipped"].as_i64()), (Some(3), Some(1)), "{sent}");
    let mut phones: Vec<String> =
        app.sim_sends().await.iter().filter(|b| b["type"] == "template").map(|b| b["to"].as_str().unwrap().to_owned()).collect();
    phones.sort();
    assert_eq!(phones, ["+919800000001", "+919800000002"]);
    let res = app.http.delete(app.url(&format!("/api/v1/contacts/segments/{segment}"))).bearer_auth(&t.token).send().await.unwrap();
    assert_eq!(res.status(), 204);
}

#[actix_rt::test]
async fn a_segment_sees_only_its_own_accounts_contacts() {
    let app = spawn_app().await;
    let acme = app.register("Acme").await;
    let globex = app.register("Globex").await;
    customers(&app, &acme).await;
    contact(&app, &globex, json!({"phone": "+919800000001", "name": "Globex Asha", "tags": ["vip"]})).await;
    let rule = json!({"all": [{"field": "tag", "op": "has", "value": "vip"}]});
    assert_eq!(names(&preview(&app, &globex, rule.clone()).await), ["Globex Asha"]);
    let res = app.post_json(&acme.token, "/api/v1/contacts/segments", &json!({"name": "VIPs", "rule": rule})).await;
    let id = res.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
    // The same name is free in another account; the id is not theirs.
    let res = app.post_json(&globex.token, "/api/v1/contacts/segments", &json!({"name": "VIPs", "rule": rule})).await;
    assert_eq!(res.status(), 201);
    assert_eq!(res.json::<Value>().await.unwrap()["contacts"], 1);
    assert_eq!(app.get(&globex, &format!("/api/v1/contacts/segments/{id}")).await.0, 404);
    assert_eq!(app.get(&globex, &format!("/api/v1/contacts/segments/{id}/preview")).await.0, 404);
}
