//! Templates: Meta's rules, submit, approval by webhook, sync, preview, send.

use crate::helpers::*;
use serde_json::{json, Value};

fn draft() -> Value {
    json!({"name": "shipping_update", "language": "en", "category": "UTILITY", "components": [
        {"type": "HEADER", "format": "TEXT", "text": "Order {{1}}", "example": {"header_text": ["#4821"]}},
        {"type": "BODY", "text": "Hi {{1}}, your order {{2}} ships today.", "example": {"body_text": [["Asha", "#4821"]]}},
        {"type": "FOOTER", "text": "Reply STOP to opt out"},
        {"type": "BUTTONS", "buttons": [{"type": "QUICK_REPLY", "text": "Track"}]}
    ]})
}

#[actix_rt::test]
async fn a_template_is_checked_submitted_approved_by_webhook_and_sent() {
    let app = spawn_app().await;
    let t = app.register("Acme").await;
    app.connect_channel(&t, PHONE_NUMBER_ID).await;
    let post = |body: Value| app.http.post(app.url("/api/v1/templates")).bearer_auth(&t.token).json(&body).send();
    let bad = post(
        json!({"name": "Bad Name", "language": "english", "category": "PROMO", "components": [{"type": "BODY", "text": "{{1}} only"}]}),
    )
    .await
    .unwrap();
    assert_eq!(bad.status(), 422);
    let err: Value = bad.json().await.unwrap();
    assert_eq!(err["error"]["code"], "TEMPLATE_INVALID");
    let msg = err["error"]["message"].as_str().unwrap();
    for want in ["name:", "language:", "category:", "components[0].text"] {
        assert!(msg.contains(want), "{want} not named in: {msg}");
    }
    let res = post(draft()).await.unwrap();
    assert_eq!(res.status(), 201);
    let created: Value = res.json().await.unwrap();
    assert_eq!(created["status"], "DRAFT");
    assert_eq!(created["waba_id"], WABA_ID);
    let id = created["id"].as_str().unwrap().to_owned();
    assert_eq!(post(draft()).await.unwrap().status(), 409);

    let preview: Value = app
        .post_json(&t.token, &format!("/api/v1/templates/{id}/preview"), &json!({"header": ["#7"], "body": ["Ravi", "#7"]}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(preview["header"], "Order #7");
    assert_eq!(preview["body"], "Hi Ravi, your order #7 ships today.");
    let wrong = app.post_json(&t.token, &format!("/api/v1/templates/{id}/preview"), &json!({"body": ["Ravi"]})).await;
    assert_eq!(wrong.status(), 422);

    let submitted: Value =
        app.http.post(app.url(&format!("/api/v1/templates/{id}/submit"))).bearer_auth(&t.token).send().await.unwrap().json().await.unwrap();
    assert_eq!(submitted["status"], "PENDING");
    assert!(submitted["meta_template_id"].is_string());
    let created_at_meta = app.sim_requests_on("message_templates").await;
    assert_eq!(created_at_meta[0]["name"], "shipping_update");
    assert_eq!(created_at_meta[0]["components"][1]["text"], "Hi {{1}}, your order {{2}} ships today.");
    // Meta approves it and says so by webhook.
    eventually("approved by webhook", WAIT, || async {
        let (_, v) = app.get(&t, &format!("/api/v1/templates/{id}")).await;
        (v["status"] == "APPROVED").then_some(())
    })
    .await;
    let locked = app.patch_json(&t.token, &format!("/api/v1/templates/{id}"), &json!({"category": "MARKETING"})).await;
    assert_eq!(locked.status(), 409);
    let (_, approved) = app.get(&t, "/api/v1/templates?status=approved").await;
    assert!(approved["data"].as_array().unwrap().iter().any(|x| x["name"] == "shipping_update"));

    // It reaches a customer whose window is closed.
    app.post_webhook_ok(fixture("text.json")).await;
    let conv =
        eventually("conversation", WAIT, || async { app.conversations(&t).await.first().map(|c| c["id"].as_str().unwrap().to_owned()) })
            .await;
    let send = json!({"type": "template", "template": {"name": "shipping_update", "language": {"code": "en"}, "components": [
        {"type": "header", "parameters": [{"type": "text", "text": "#4821"}]},
        {"type": "body", "parameters": [{"type": "text", "text": "Kerry"}, {"type": "text", "text": "#4821"}]}]}});
    let res = app.send(&t, &conv, send).await;
    assert_eq!(res.status(), 201);
    let mid = res.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
    eventually("delivered", WAIT, || async {
        let (_, v) = app.get(&t, &format!("/api/v1/conversations/{conv}/messages")).await;
        v["data"].as_array().unwrap().iter().find(|m| m["id"] == mid.as_str() && m["status"] == "read").map(|_| ())
    })
    .await;
}

#[actix_rt::test]
async fn sync_pulls_templates_made_in_meta() {
    let app = spawn_app().await;
    let t = app.register("Acme").await;
    let none = app.post_json(&t.token, "/api/v1/templates", &draft()).await;
    assert_eq!(none.status(), 422, "no channel yet");
    assert_eq!(none.json::<Value>().await.unwrap()["error"]["code"], "NO_CHANNEL");
    app.connect_channel(&t, PHONE_NUMBER_ID).await;
    let res: Value = app.http.post(app.url("/api/v1/templates/sync")).bearer_auth(&t.token).send().await.unwrap().json().await.unwrap();
    assert!(res["synced"].as_i64().unwrap() >= 2);
    let (_, list) = app.get(&t, "/api/v1/templates").await;
    let names: Vec<&str> = list["data"].as_array().unwrap().iter().map(|x| x["name"].as_str().unwrap()).collect();
    assert!(names.contains(&"hello_world") && names.contains(&"order_update"), "{names:?}");
    let hello = list["data"].as_array().unwrap().iter().find(|x| x["name"] == "hello_world").unwrap();
    assert_eq!(hello["status"], "APPROVED");
    assert_eq!(hello["language"], "en_US");
}
