//! GDPR tools against the real server: a contact's data exported (that
//! tenant only) and erased (no personal data left in messages, notes,
//! campaign rows or raw webhooks; counts and the audit kept), the account
//! exported as a zip without secrets, and deleted after its grace period
//! with its legal records kept.

use crate::helpers::*;
use serde_json::{json, Value};
use std::io::Read;

async fn settled(app: &TestApp) {
    eventually("webhooks applied", WAIT, || async {
        let open: i64 =
            sqlx::query_scalar("SELECT count(*) FROM webhook_inbox WHERE processed_at IS NULL").fetch_one(&app.owner).await.unwrap();
        (open == 0).then_some(())
    })
    .await;
}

#[actix_rt::test]
async fn a_contact_is_exported_and_erased_leaving_no_personal_data() {
    let app = spawn_app().await;
    let t = app.register("Acme").await;
    app.connect_channel(&t, PHONE_NUMBER_ID).await;
    let conversation = app.open_conversation(&t, "919876500001").await;
    let stored = app.post_webhook_ok(text_webhook(PHONE_NUMBER_ID, "919876500001", "wamid.addr", "ship it to 12 MG Road please")).await;
    // A POST of theirs the engine could not use (an event without an id)
    // is kept raw, with its note, for the retention period.
    let kept = app
        .post_webhook_ok(
            json!({"object": "whatsapp_business_account", "entry": [{"id": WABA_ID, "changes": [{"field": "messages", "value": {
                "messaging_product": "whatsapp",
                "metadata": {"display_phone_number": "15550783881", "phone_number_id": PHONE_NUMBER_ID},
                "messages": [{"from": "919876500001", "timestamp": "1763700000", "type": "text", "text": {"body": "flat 4, 12 MG Road"}}]
            }}]}]})
            .to_string()
            .into_bytes(),
        )
        .await;
    assert_eq!(kept["rejected"], 1);
    let res = app.send(&t, &conversation, json!({"type": "text", "text": {"body": "Sure, 12 MG Road it is"}})).await;
    assert!(res.status().is_success());
    let res = app.post_json(&t.token, &format!("/api/v1/conversations/{conversation}/notes"), &json!({"body": "VIP at 12 MG Road"})).await;
    assert_eq!(res.status(), 201);
    let (_, conv) = app.get(&t, &format!("/api/v1/conversations/{conversation}")).await;
    let contact = conv["contact"]["id"].as_str().unwrap().to_owned();
    let res = app
        .patch_json(
            &t.token,
            &format!("/api/v1/contacts/{contact}"),
            &json!({"name": "Ravi Kumar", "custom_fields": {"city": "Bengaluru"}}),
        )
        .await;
    assert_eq!(res.status(), 200);
    // Every status of our reply has come back (so no webhook about them
    // arrives after the erasure).
    eventually("three messages, the reply read", WAIT, || async {
        let all = app.all_messages(&t).await;
        (all.len() == 3 && all.iter().any(|m| m["direction"] == "outbound" && m["status"] == "read")).then_some(())
    })
    .await;
    settled(&app).await;
    let raw: Vec<i64> = sqlx::query_scalar("SELECT id FROM webhook_inbox ORDER BY id").fetch_all(&app.owner).await.unwrap();
    assert_eq!(raw, vec![kept["inbox_id"].as_i64().unwrap()], "only the noted POST is kept raw");
    assert_ne!(stored["inbox_id"], kept["inbox_id"]);

    // The export holds everything about them, and only them.
    let res = app.http.get(app.url(&format!("/api/v1/contacts/{contact}/export"))).bearer_auth(&t.token).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.headers()["content-disposition"].to_str().unwrap().contains("attachment"));
    let export: Value = res.json().await.unwrap();
    assert_eq!(export["contact"]["phone"], "+919876500001");
    assert_eq!(export["contact"]["name"], "Ravi Kumar");
    let text = export.to_string();
    assert!(text.contains("ship it to 12 MG Road") && text.contains("VIP at 12 MG Road"));
    assert_eq!(export["conversations"][0]["messages"].as_array().unwrap().len(), 3);
    let other = app.register("Other").await;
    let res = app.http.get(app.url(&format!("/api/v1/contacts/{contact}/export"))).bearer_auth(&other.token).send().await.unwrap();
    assert_eq!(res.status(), 404);
    let res = app.post_json(&other.token, &format!("/api/v1/contacts/{contact}/erase"), &json!({})).await;
    assert_eq!(res.status(), 404);
    let agent = app.add_user(&t, "agent").await;
    let res = app.post_json(&agent.token, &format!("/api/v1/contacts/{contact}/erase"), &json!({})).await;
    assert_eq!(res.status(), 403);
    let usage_before = app.get(&t, "/api/v1/usage").await.1["monthly_unique_users"].clone();

    let res = app.post_json(&t.token, &format!("/api/v1/contacts/{contact}/erase"), &json!({})).await;
    assert_eq!(res.status(), 200);
    let erased: Value = res.json().await.unwrap();
    assert_eq!(erased["erased"]["messages"], 3);
    assert_eq!(erased["erased"]["notes"], 1);
    assert_eq!(erased["erased"]["webhooks"], 1, "the one raw POST kept names them: {erased}");

    // Nothing personal is left anywhere in the database.
    let tenant: uuid::Uuid = t.tenant_id.parse().unwrap();
    let leaks: i64 = sqlx::query_scalar(
        "SELECT (SELECT count(*) FROM messages WHERE tenant_id = $1 AND (content::text LIKE '%MG Road%' OR content::text LIKE '%9876500001%'))
              + (SELECT count(*) FROM notes WHERE tenant_id = $1)
              + (SELECT count(*) FROM contacts WHERE tenant_id = $1 AND (phone IS NOT NULL OR name IS NOT NULL OR custom_fields <> '{}'))
              + (SELECT count(*) FROM webhook_inbox WHERE position(convert_to('9876500001', 'UTF8') in body) > 0)
              + (SELECT count(*) FROM audit_log WHERE tenant_id = $1 AND (coalesce(before::text, '') || coalesce(after::text, '')) LIKE '%9876500001%')",
    )
    .bind(tenant)
    .fetch_one(&app.owner)
    .await
    .unwrap();
    assert_eq!(leaks, 0);
    // The rows and the counts stay.
    assert_eq!(app.all_messages(&t).await.len(), 3);
    assert_eq!(app.get(&t, "/api/v1/usage").await.1["monthly_unique_users"], usage_before);
    let (_, after) = app.get(&t, &format!("/api/v1/contacts/{contact}")).await;
    assert!(after["phone"].is_null() && after["name"].is_null(), "{after}");
    let (_, audit) = app.get(&t, "/api/v1/audit").await;
    assert!(audit["data"].as_array().unwrap().iter().any(|e| e["action"] == "contact.erased"));
    assert!(audit["data"].as_array().unwrap().iter().any(|e| e["action"] == "contact.exported"));
    // Writing again, the customer is a new contact.
    app.post_webhook_ok(text_webhook(PHONE_NUMBER_ID, "919876500001", "wamid.again", "hello again")).await;
    let fresh = eventually("a new conversation", WAIT, || async {
        app.conversations(&t).await.into_iter().find(|c| c["contact"]["phone"] == "+919876500001").map(|c| c["contact"]["id"].clone())
    })
    .await;
    assert_ne!(fresh, json!(contact));
}

#[actix_rt::test]
async fn an_account_exports_as_a_zip_without_secrets_and_is_deleted_after_its_grace_period() {
    let app = spawn_app().await;
    let t = app.register("Acme").await;
    let keep = app.register("Keep").await;
    let res = app.post_json(&keep.token, "/api/v1/contacts", &json!({"phone": "+919876500099", "name": "Not Acme's"})).await;
    assert_eq!(res.status(), 201);
    app.connect_channel(&t, PHONE_NUMBER_ID).await;
    app.open_conversation(&t, "919876500002").await;
    let res = app.post_json(&t.token, "/api/v1/api-keys", &json!({"name": "crm"})).await;
    assert_eq!(res.status(), 201);
    let tenant: uuid::Uuid = t.tenant_id.parse().unwrap();
    sqlx::query(
        "INSERT INTO invoices (tenant_id, kind, number, financial_year, payment_id, issued_at, seller, buyer, place_of_supply, sac,
             description, currency, taxable_minor, cgst_minor, sgst_minor, igst_minor, total_minor)
         VALUES ($1, 'invoice', 'WF2627-000001', '2026-27', 'pay_gdpr', now(), '{}', '{}', '29-Karnataka', '997331', 'plan', 'INR', 100, 9, 9, 0, 118)",
    )
    .bind(tenant)
    .execute(&app.owner)
    .await
    .unwrap();
    settled(&app).await;

    let res = app.http.get(app.url("/api/v1/account/export")).bearer_auth(&t.token).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "application/zip");
    let bytes = res.bytes().await.unwrap();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let mut read = |name: &str| {
        let mut s = String::new();
        zip.by_name(name).unwrap().read_to_string(&mut s).unwrap();
        s
    };
    let users = read("users.jsonl");
    assert!(users.contains("@acme.test") && !users.contains("password_hash") && !users.contains("argon2"), "{users}");
    let channels = read("channels.jsonl");
    assert!(!channels.is_empty() && !channels.contains("access_token_enc"));
    assert!(!read("api_keys.jsonl").contains("key_hash"));
    assert!(read("messages.jsonl").contains("hello?"));
    assert!(read("invoices.jsonl").contains("WF2627-000001"));
    let manifest: Value = serde_json::from_str(&read("manifest.json")).unwrap();
    assert_eq!(manifest["rows"]["contacts"], 1);
    assert!(!read("contacts.jsonl").contains("919876500099"), "no other account's rows");

    // Deletion: confirmed by the account's name, cancellable, then due.
    let res = app.post_json(&t.token, "/api/v1/account/deletion", &json!({"confirm": "Wrong"})).await;
    assert_eq!(res.status(), 400);
    let res = app.post_json(&t.token, "/api/v1/account/deletion", &json!({"confirm": "Acme"})).await;
    assert_eq!(res.status(), 202);
    let due: chrono::DateTime<chrono::Utc> = res.json::<Value>().await.unwrap()["scheduled_for"].as_str().unwrap().parse().unwrap();
    assert!((due - chrono::Utc::now()).num_days() >= 29);
    let res = app.http.delete(app.url("/api/v1/account/deletion")).bearer_auth(&t.token).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(app.get(&t, "/api/v1/account/deletion").await.1["scheduled_for"].is_null());
    let res = app.post_json(&t.token, "/api/v1/account/deletion", &json!({"confirm": "Acme"})).await;
    assert_eq!(res.status(), 202);
    // Thirty days pass.
    sqlx::query("UPDATE tenants SET deletion_due_at = now() - interval '1 second' WHERE id = $1")
        .bind(tenant)
        .execute(&app.owner)
        .await
        .unwrap();
    eventually("the account deleted", WAIT, || async {
        let deleted: Option<chrono::DateTime<chrono::Utc>> =
            sqlx::query_scalar("SELECT deleted_at FROM tenants WHERE id = $1").bind(tenant).fetch_one(&app.owner).await.unwrap();
        deleted.map(|_| ())
    })
    .await;
    let count = |table: &'static str| {
        let owner = app.owner.clone();
        async move {
            sqlx::query_scalar::<_, i64>(&format!("SELECT count(*) FROM {table} WHERE tenant_id = $1"))
                .bind(tenant)
                .fetch_one(&owner)
                .await
                .unwrap()
        }
    };
    for table in ["users", "contacts", "conversations", "messages", "channels", "api_keys"] {
        assert_eq!(count(table).await, 0, "{table} left");
    }
    assert_eq!(count("invoices").await, 1, "invoices are kept");
    assert!(count("audit_log").await > 0, "the audit log is kept");
    assert_eq!(me(&app, &t.token).await, 401);
    // The other account is untouched.
    assert_eq!(me(&app, &keep.token).await, 200);
    assert_eq!(app.get(&keep, "/api/v1/contacts").await.1["data"].as_array().unwrap().len(), 1);
}

async fn me(app: &TestApp, token: &str) -> u16 {
    app.http.get(app.url("/api/v1/auth/me")).bearer_auth(token).send().await.unwrap().status().as_u16()
}
