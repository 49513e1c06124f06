//! Contacts: CRUD, tags, custom fields, CSV import with its report, export.

use crate::helpers::*;
use serde_json::{json, Value};

#[actix_rt::test]
async fn contacts_crud_tags_and_custom_fields() {
    let app = spawn_app().await;
    let t = app.register("Acme").await;
    let res = app
        .post_json(
            &t.token,
            "/api/v1/contacts",
            &json!({"phone": "+1 (415) 555-0101", "name": "Asha", "tags": ["VIP", "vip", "lead"], "custom_fields": {"city": "Pune"}}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let c: Value = res.json().await.unwrap();
    assert_eq!(c["phone"], "+14155550101");
    assert_eq!(c["tags"], json!(["vip", "lead"]));
    assert_eq!(c["opted_in"], true);
    let id = c["id"].as_str().unwrap().to_owned();
    let dup = app.post_json(&t.token, "/api/v1/contacts", &json!({"phone": "14155550101"})).await;
    assert_eq!(dup.status(), 409);
    assert_eq!(dup.json::<Value>().await.unwrap()["error"]["code"], "CONTACT_EXISTS");
    let bad = app.post_json(&t.token, "/api/v1/contacts", &json!({"phone": "call me"})).await;
    assert_eq!(bad.status(), 400);
    assert!(bad.json::<Value>().await.unwrap()["error"]["message"].as_str().unwrap().contains("international form"));
    let patched: Value = app
        .patch_json(
            &t.token,
            &format!("/api/v1/contacts/{id}"),
            &json!({"custom_fields": {"city": null, "tier": "gold"}, "opted_in": false}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(patched["custom_fields"], json!({"tier": "gold"}));
    assert_eq!(patched["opted_in"], false);
    let tags: Value =
        app.post_json(&t.token, &format!("/api/v1/contacts/{id}/tags"), &json!({"tags": ["Refund"]})).await.json().await.unwrap();
    assert_eq!(tags["tags"], json!(["lead", "refund", "vip"]));
    let tags: Value = app
        .http
        .delete(app.url(&format!("/api/v1/contacts/{id}/tags/vip")))
        .bearer_auth(&t.token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(tags["tags"], json!(["lead", "refund"]));
    let (_, by_tag) = app.get(&t, "/api/v1/contacts?tag=refund").await;
    assert_eq!(by_tag["data"].as_array().unwrap().len(), 1);
    let (_, none) = app.get(&t, "/api/v1/contacts?tag=vip").await;
    assert_eq!(none["data"].as_array().unwrap().len(), 0);
    let (s, one) = app.get(&t, &format!("/api/v1/contacts/{id}")).await;
    assert_eq!(s, 200);
    assert_eq!(one["conversations"], json!([]));
    assert_eq!(app.http.delete(app.url(&format!("/api/v1/contacts/{id}"))).bearer_auth(&t.token).send().await.unwrap().status(), 204);
    assert_eq!(app.get(&t, &format!("/api/v1/contacts/{id}")).await.0, 404);
}

#[actix_rt::test]
async fn csv_import_reports_every_bad_row_and_export_round_trips() {
    let app = spawn_app().await;
    let t = app.register("Acme").await;
    app.post_json(&t.token, "/api/v1/contacts", &json!({"phone": "+14155550101", "name": "Old name", "tags": ["old"]})).await;
    let csv = "phone,name,tags,opted_in,city\n\
               +1 415 555 0101,Asha,vip,yes,Pune\n\
               14155550102,Ravi,lead;vip,no,Delhi\n\
               not-a-phone,Bad,,,\n\
               14155550103,Mira,,sometimes,\n\
               14155550102,Ravi again,,,\n\
               ,Nobody,,,\n\
               +44 7700 900123,Amelia,,,London\n";
    let res = app
        .http
        .post(app.url("/api/v1/contacts/import"))
        .bearer_auth(&t.token)
        .header("content-type", "text/csv")
        .body(csv)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let report: Value = res.json().await.unwrap();
    assert_eq!(report["imported"], 2, "{report}");
    assert_eq!(report["updated"], 1);
    assert_eq!(report["failed"], 4);
    assert_eq!(report["total"], 7, "every data row is accounted for");
    let lines: Vec<i64> = report["errors"].as_array().unwrap().iter().map(|e| e["line"].as_i64().unwrap()).collect();
    assert_eq!(lines, vec![4, 5, 6, 7]);
    assert_eq!(report["errors"][0]["field"], "phone");
    assert_eq!(report["errors"][1]["field"], "opted_in");
    assert!(report["errors"][2]["message"].as_str().unwrap().contains("duplicate of line 3"));
    let (_, list) = app.get(&t, "/api/v1/contacts?search=asha").await;
    let asha = &list["data"][0];
    assert_eq!(asha["name"], "Asha");
    assert_eq!(asha["tags"], json!(["old", "vip"]), "tags merge on update");
    assert_eq!(asha["custom_fields"]["city"], "Pune");
    let export = app.http.get(app.url("/api/v1/contacts/export")).bearer_auth(&t.token).send().await.unwrap();
    assert_eq!(export.status(), 200);
    assert!(export.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    let text = export.text().await.unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next().unwrap(), "phone,name,username,user_id,tags,opted_in,created_at,city");
    let rows: Vec<&str> = lines.collect();
    assert_eq!(rows.len(), 3);
    assert!(rows.iter().any(|r| r.starts_with("+14155550102,Ravi,,,lead;vip,false,") && r.ends_with(",Delhi")));
    // The export imports back cleanly.
    let res = app.http.post(app.url("/api/v1/contacts/import")).bearer_auth(&t.token).body(text.clone()).send().await.unwrap();
    let again: Value = res.json().await.unwrap();
    assert_eq!((again["updated"].as_i64(), again["failed"].as_i64()), (Some(3), Some(0)), "{again}");
    let res = app.http.post(app.url("/api/v1/contacts/import")).bearer_auth(&t.token).body("name\nAsha\n").send().await.unwrap();
    assert_eq!(res.status(), 400);
    assert_eq!(res.json::<Value>().await.unwrap()["error"]["code"], "INVALID_CSV");
}

#[actix_rt::test]
async fn conversations_take_tags() {
    let app = spawn_app().await;
    let t = app.register("Acme").await;
    app.connect_channel(&t, PHONE_NUMBER_ID).await;
    let conv = app.open_conversation(&t, "15550707070").await;
    let res: Value =
        app.post_json(&t.token, &format!("/api/v1/conversations/{conv}/tags"), &json!({"tags": ["Refund"]})).await.json().await.unwrap();
    assert_eq!(res["tags"], json!(["refund"]));
    let (_, c) = app.get(&t, &format!("/api/v1/conversations/{conv}")).await;
    assert_eq!(c["tags"], json!(["refund"]));
    app.open_conversation(&t, "15550707071").await;
    let (_, tagged) = app.get(&t, "/api/v1/conversations?tag=REFUND").await;
    assert_eq!(tagged["data"].as_array().unwrap().len(), 1);
    let (_, found) = app.get(&t, "/api/v1/conversations?search=0707071").await;
    assert_eq!(found["data"].as_array().unwrap().len(), 1);
    assert_eq!(found["data"][0]["contact"]["phone"], "+15550707071");
    let (_, by_name) = app.get(&t, "/api/v1/conversations?search=customer%2015550707070").await;
    assert_eq!(by_name["data"].as_array().unwrap().len(), 1);
}

#[actix_rt::test]
async fn a_refused_tag_add_changes_nothing() {
    let app = spawn_app().await;
    let t = app.register("Acme").await;
    let c: Value =
        app.post_json(&t.token, "/api/v1/contacts", &json!({"phone": "+14155550199", "tags": ["keep"]})).await.json().await.unwrap();
    let id = c["id"].as_str().unwrap();
    let many: Vec<String> = (0..50).map(|i| format!("t{i}")).collect();
    let res = app.post_json(&t.token, &format!("/api/v1/contacts/{id}/tags"), &json!({"tags": many})).await;
    assert_eq!(res.status(), 400);
    let (_, after) = app.get(&t, &format!("/api/v1/contacts/{id}")).await;
    assert_eq!(after["tags"], json!(["keep"]), "nothing of the refused request was stored");
}
