//! Drip sequences and scheduled messages against the real server and the
//! Graph API simulator, on a clock the test moves (no real waiting):
//! delays to the second, send windows in each contact's zone across a DST
//! change, every exit rule, re-entry, versioned edits, pause and resume,
//! scheduled messages inside and outside the customer's window.

use crate::campaigns::{contacts, ready};
use crate::helpers::*;
use chrono::{DateTime, Duration as Span, TimeZone, Utc};
use serde_json::{json, Value};
use std::sync::Arc;
use whatsflow_actors::ports::{Clock, ManualClock};

/// Templates the simulator received for `phone` (digits), by name, in order.
async fn templates_to(app: &TestApp, phone: &str) -> Vec<String> {
    app.sim_sends()
        .await
        .into_iter()
        .filter(|b| b["to"].as_str().map(|t| t.trim_start_matches('+')) == Some(phone) && b["type"] == "template")
        .map(|b| b["template"]["name"].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// Texts the simulator received for `phone`.
async fn texts_to(app: &TestApp, phone: &str) -> Vec<String> {
    app.sim_sends()
        .await
        .into_iter()
        .filter(|b| b["to"].as_str().map(|t| t.trim_start_matches('+')) == Some(phone) && b["type"] == "text")
        .map(|b| b["text"]["body"].as_str().unwrap_or_default().to_owned())
        .collect()
}

async fn create_drip(app: &TestApp, t: &Tenant, body: Value) -> String {
    let res = app.post_json(&t.token, "/api/v1/campaigns", &body).await;
    let status = res.status();
    let v: Value = res.json().await.unwrap();
    assert_eq!(status, 201, "{v}");
    assert_eq!(v["type"], "drip");
    assert_eq!(v["status"], "draft");
    let id = v["id"].as_str().unwrap().to_owned();
    let (s, started) = crate::campaigns::action(app, t, &id, "start").await;
    assert_eq!(s, 200, "{started}");
    assert_eq!(started["status"], "running");
    id
}

async fn enroll(app: &TestApp, t: &Tenant, contact: &str, drip: &str) -> (u16, Value) {
    let res = app.post_json(&t.token, &format!("/api/v1/contacts/{contact}/campaigns/{drip}/enroll"), &json!({})).await;
    (res.status().as_u16(), res.json().await.unwrap())
}

async fn enrollment_of(app: &TestApp, t: &Tenant, drip: &str, contact: &str) -> Value {
    let (s, v) = app.get(t, &format!("/api/v1/campaigns/{drip}/enrollments?limit=200")).await;
    assert_eq!(s, 200, "{v}");
    v["data"].as_array().unwrap().iter().rev().find(|e| e["contact_id"] == contact).cloned().unwrap_or(Value::Null)
}

/// The server on a clock the test moves, with a tenant whose number has Meta's templates.
async fn on_a_moved_clock() -> (Arc<ManualClock>, TestApp, Tenant, String) {
    let clock = Arc::new(ManualClock::default());
    let app = spawn_with_clock(fresh_database().await, clock.clone()).await;
    let (t, channel) = ready(&app).await;
    (clock, app, t, channel)
}

fn at(v: &Value) -> DateTime<Utc> {
    v.as_str().unwrap().parse().unwrap()
}

fn hello(delay: i64) -> Value {
    json!({"delay_seconds": delay, "template": {"name": "hello_world", "language": "en_US"}})
}

fn order_update(delay: i64) -> Value {
    json!({"name": "Order", "delay_seconds": delay, "template": {"name": "order_update", "language": "en"},
           "variables": {"body": [{"field": "contact.name"}, {"value": "#42"}]}})
}

#[actix_rt::test]
async fn steps_go_out_when_their_delay_has_passed_on_the_clock_once_each() {
    let (clock, app, t, channel) = on_a_moved_clock().await;
    let ids = contacts(&app, &t, "lead", &[("+14155550101", "Asha", true)]).await;
    let drip = create_drip(
        &app,
        &t,
        json!({"type": "drip", "name": "Onboarding", "channel_id": channel,
               "steps": [hello(0), order_update(3600), {"delay_seconds": 172_800, "delay_from": "enrolment", "template": {"name": "hello_world", "language": "en_US"}}]}),
    )
    .await;
    let (s, first) = enroll(&app, &t, &ids[0], &drip).await;
    assert_eq!(s, 201, "{first}");
    let enrolled_at = at(&first["enrolled_at"]);
    assert!((clock.now() - enrolled_at).num_milliseconds().abs() < 1, "enrolled on the application's clock");
    assert_eq!(first["state"], "active");
    // Enrolling again while in it: the same enrolment.
    let (s, again) = enroll(&app, &t, &ids[0], &drip).await;
    assert_eq!(s, 200);
    assert_eq!(again["id"], first["id"]);

    // Step 1 at once; step 2 an hour after it, to the second.
    eventually("the first step", WAIT, || async { (templates_to(&app, "14155550101").await == ["hello_world"]).then_some(()) }).await;
    let e = eventually("waiting for step 2", WAIT, || async {
        let e = enrollment_of(&app, &t, &drip, &ids[0]).await;
        (e["step"] == 2).then_some(e)
    })
    .await;
    assert_eq!(at(&e["due_at"]), enrolled_at + Span::seconds(3600), "{e}");
    clock.advance(Span::seconds(3599));
    due_passed(&app).await;
    assert_eq!(templates_to(&app, "14155550101").await, ["hello_world"], "step 2 went a second early");
    clock.advance(Span::seconds(1));
    eventually("the second step", WAIT, || async {
        (templates_to(&app, "14155550101").await == ["hello_world", "order_update"]).then_some(())
    })
    .await;
    let sends = app.sim_sends().await;
    let order = sends.iter().find(|b| b["template"]["name"] == "order_update").unwrap();
    let (_, contact) = app.get(&t, &format!("/api/v1/contacts/{}", ids[0])).await;
    assert_eq!(order["template"]["components"][0]["parameters"][0]["text"], contact["name"], "the variable is filled per contact");
    assert_eq!(order["template"]["components"][0]["parameters"][1]["text"], "#42");
    // Step 3 counts from the enrolment: 48 hours after it.
    let e = eventually("waiting for step 3", WAIT, || async {
        let e = enrollment_of(&app, &t, &drip, &ids[0]).await;
        (e["step"] == 3).then_some(e)
    })
    .await;
    assert_eq!(at(&e["due_at"]), enrolled_at + Span::hours(48));
    clock.advance(Span::hours(47));
    eventually("the last step", WAIT, || async { (templates_to(&app, "14155550101").await.len() == 3).then_some(()) }).await;
    let e = eventually("completed", WAIT, || async {
        let e = enrollment_of(&app, &t, &drip, &ids[0]).await;
        (e["state"] == "completed").then_some(e)
    })
    .await;
    assert_eq!(e["exit_reason"], Value::Null);
    // More passes send nothing more.
    clock.advance(Span::days(3));
    due_passed(&app).await;
    assert_eq!(templates_to(&app, "14155550101").await.len(), 3);

    // The path and the counts.
    let (_, path) = app.get(&t, &format!("/api/v1/campaigns/{drip}/enrollments/{}", e["id"].as_str().unwrap())).await;
    let statuses: Vec<&str> = path["path"].as_array().unwrap().iter().map(|p| p["sent_as"].as_str().unwrap()).collect();
    assert_eq!(statuses, ["template", "template", "template"], "{path}");
    let (_, d) = app.get(&t, &format!("/api/v1/campaigns/{drip}")).await;
    assert_eq!(d["stats"]["enrolled"], 1);
    assert_eq!(d["stats"]["completed"], 1);
    let steps = d["stats"]["steps"].as_array().unwrap();
    assert_eq!(steps.len(), 3);
    for s in steps {
        let handed = s["sending"].as_i64().unwrap() + s["sent"].as_i64().unwrap() + s["failed"].as_i64().unwrap();
        assert_eq!(handed, 1, "each step handed over once: {s}");
    }
}

#[actix_rt::test]
async fn send_windows_follow_each_contacts_zone_across_a_dst_change() {
    // Friday 2027-03-12, 23:30 UTC: 18:30 in New York (EST), Saturday 05:00 in Kolkata.
    let clock = Arc::new(ManualClock::at(Utc.with_ymd_and_hms(2027, 3, 12, 23, 30, 0).unwrap()));
    let app = spawn_with_clock(fresh_database().await, clock.clone()).await;
    let (t, channel) = ready(&app).await;
    let ids = contacts(&app, &t, "lead", &[("+12125550102", "Nia", true), ("+919812345678", "Ravi", true)]).await;
    let drip = create_drip(
        &app,
        &t,
        json!({"type": "drip", "name": "Weekday hello", "channel_id": channel, "timezone": "Europe/London",
               "steps": [{"delay_seconds": 0, "send_window": {"days": [1, 2, 3, 4, 5], "start": "09:00", "end": "18:00"},
                          "template": {"name": "hello_world", "language": "en_US"}}]}),
    )
    .await;
    for id in &ids {
        assert_eq!(enroll(&app, &t, id, &drip).await.0, 201);
    }
    // New York: Monday 09:00, which is EDT after Sunday's change: 13:00 UTC.
    let ny = enrollment_of(&app, &t, &drip, &ids[0]).await;
    assert_eq!(at(&ny["due_at"]), Utc.with_ymd_and_hms(2027, 3, 15, 13, 0, 0).unwrap(), "{ny}");
    // Kolkata (no DST): Monday 09:00 IST = 03:30 UTC.
    let kol = enrollment_of(&app, &t, &drip, &ids[1]).await;
    assert_eq!(at(&kol["due_at"]), Utc.with_ymd_and_hms(2027, 3, 15, 3, 30, 0).unwrap(), "{kol}");

    clock.advance(Span::seconds(Utc.with_ymd_and_hms(2027, 3, 15, 3, 29, 59).unwrap().timestamp() - clock.now().timestamp()));
    due_passed(&app).await;
    assert!(templates_to(&app, "919812345678").await.is_empty(), "sent before the window opened");
    clock.advance(Span::seconds(1));
    eventually("Kolkata's send", WAIT, || async { (templates_to(&app, "919812345678").await.len() == 1).then_some(()) }).await;
    assert!(templates_to(&app, "12125550102").await.is_empty(), "New York is still asleep");
    clock.advance(Span::seconds(Utc.with_ymd_and_hms(2027, 3, 15, 13, 0, 0).unwrap().timestamp() - clock.now().timestamp()));
    eventually("New York's send", WAIT, || async { (templates_to(&app, "12125550102").await.len() == 1).then_some(()) }).await;
}

#[actix_rt::test]
async fn every_exit_rule_ends_the_sequence_before_its_next_step() {
    let (clock, app, t, channel) = on_a_moved_clock().await;
    let people = [
        ("+14155550201", "Replies", true),
        ("+14155550202", "Buys", true),
        ("+14155550203", "Orders", true),
        ("+14155550204", "Stops", true),
        ("+14155550205", "Removed", true),
        ("+14155550206", "Unreachable", true),
        ("+14155550207", "Stays", true),
    ];
    let ids = contacts(&app, &t, "lead", &people).await;
    app.sim_control(json!({"fail_recipients": ["14155550206"]})).await;
    let drip = create_drip(
        &app,
        &t,
        json!({"type": "drip", "name": "Nurture", "channel_id": channel, "exit_on_reply": true, "exit_on_tags": ["purchased"],
               "exit_when": {"field": "order_placed", "equals": "true"}, "steps": [hello(0), hello(3600)]}),
    )
    .await;
    let res = app.post_json(&t.token, &format!("/api/v1/campaigns/{drip}/enrollments"), &json!({"tag": "lead"})).await;
    let bulk: Value = res.json().await.unwrap();
    assert_eq!(bulk["enrolled"], 7, "{bulk}");
    eventually("the first step to everyone", WAIT, || async {
        let n = app.sim_sends().await.iter().filter(|b| b["type"] == "template").count();
        (n == 7).then_some(())
    })
    .await;
    settled(&app).await;

    // A reply, a tag, a field, an opt-out, an API exit; Meta refused one for good.
    app.post_webhook_ok(text_webhook(PHONE_NUMBER_ID, "14155550201", "wamid.exit-reply", "thanks!")).await;
    assert_eq!(app.post_json(&t.token, &format!("/api/v1/contacts/{}/tags", ids[1]), &json!({"tags": ["purchased"]})).await.status(), 200);
    let res = app.patch_json(&t.token, &format!("/api/v1/contacts/{}", ids[2]), &json!({"custom_fields": {"order_placed": true}})).await;
    assert_eq!(res.status(), 200);
    let res = app.patch_json(&t.token, &format!("/api/v1/contacts/{}", ids[3]), &json!({"opted_in": false})).await;
    assert_eq!(res.status(), 200);
    let res = app
        .http
        .delete(app.url(&format!("/api/v1/contacts/{}/campaigns/{drip}/enroll", ids[4])))
        .bearer_auth(&t.token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let res = app
        .http
        .delete(app.url(&format!("/api/v1/contacts/{}/campaigns/{drip}/enroll", ids[4])))
        .bearer_auth(&t.token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404, "not in it any more");
    let expected = ["replied", "tag_added", "field_matched", "opted_out", "api", "send_failed"];
    for (id, reason) in ids.iter().zip(expected) {
        eventually(&format!("exit {reason}"), WAIT, || async {
            let e = enrollment_of(&app, &t, &drip, id).await;
            (e["state"] == "exited" && e["exit_reason"] == reason).then_some(())
        })
        .await;
    }
    // The next step reaches only the one who stayed.
    clock.advance(Span::hours(1));
    eventually("the stayer completes", WAIT, || async {
        (enrollment_of(&app, &t, &drip, &ids[6]).await["state"] == "completed").then_some(())
    })
    .await;
    due_passed(&app).await;
    for (phone, _, _) in &people[..6] {
        let digits = phone.trim_start_matches('+');
        assert_eq!(templates_to(&app, digits).await.len(), 1, "{phone} got a step after leaving");
    }
    assert_eq!(templates_to(&app, "14155550207").await.len(), 2);
    let (_, d) = app.get(&t, &format!("/api/v1/campaigns/{drip}")).await;
    let by: &Value = &d["stats"]["exited_by_reason"];
    for reason in expected {
        assert_eq!(by[reason], 1, "{by}");
    }
    assert_eq!(d["stats"]["exited"], 6);
    assert_eq!(d["stats"]["completed"], 1);
    // Filtered lists.
    let (_, exited) = app.get(&t, &format!("/api/v1/campaigns/{drip}/enrollments?state=exited")).await;
    assert_eq!(exited["data"].as_array().unwrap().len(), 6);
}

#[actix_rt::test]
async fn reentry_is_refused_or_allowed_after_the_days_the_policy_names() {
    let (clock, app, t, channel) = on_a_moved_clock().await;
    let ids = contacts(&app, &t, "lead", &[("+14155550301", "Once", true)]).await;
    let never = create_drip(&app, &t, json!({"type": "drip", "name": "Once", "channel_id": channel, "steps": [hello(0)]})).await;
    let monthly = create_drip(
        &app,
        &t,
        json!({"type": "drip", "name": "Monthly", "channel_id": channel, "reentry": {"policy": "after_days", "days": 30}, "steps": [hello(0)]}),
    )
    .await;
    for drip in [&never, &monthly] {
        assert_eq!(enroll(&app, &t, &ids[0], drip).await.0, 201);
        eventually("completed", WAIT, || async { (enrollment_of(&app, &t, drip, &ids[0]).await["state"] == "completed").then_some(()) })
            .await;
    }
    let (s, e) = enroll(&app, &t, &ids[0], &never).await;
    assert_eq!(s, 409);
    assert_eq!(e["error"]["code"], "ENROLLMENT_CLOSED");
    let (s, e) = enroll(&app, &t, &ids[0], &monthly).await;
    assert_eq!(s, 409);
    assert!(e["error"]["message"].as_str().unwrap().contains("30 days"), "{e}");
    clock.advance(Span::days(30));
    let (s, e) = enroll(&app, &t, &ids[0], &monthly).await;
    assert_eq!(s, 201, "{e}");
    eventually("the second time through", WAIT, || async { (templates_to(&app, "14155550301").await.len() == 3).then_some(()) }).await;
}

#[actix_rt::test]
async fn an_edit_reaches_new_arrivals_at_a_step_and_leaves_those_waiting_alone() {
    let (clock, app, t, channel) = on_a_moved_clock().await;
    let ids = contacts(&app, &t, "lead", &[("+14155550401", "Early", true), ("+14155550402", "Late", true)]).await;
    let body = |second: Value| json!({"type": "drip", "name": "Versions", "channel_id": channel, "steps": [hello(0), second]});
    let drip = create_drip(&app, &t, body(hello(3600))).await;
    assert_eq!(enroll(&app, &t, &ids[0], &drip).await.0, 201);
    eventually("waiting at step 2", WAIT, || async { (enrollment_of(&app, &t, &drip, &ids[0]).await["step"] == 2).then_some(()) }).await;

    // Step 2 becomes order_update two hours after step 1.
    let res = app.patch_json(&t.token, &format!("/api/v1/campaigns/{drip}"), &body(order_update(7200))).await;
    let v: Value = res.json().await.unwrap();
    assert_eq!(v["version"], 2, "{v}");
    assert_eq!(v["steps"][1]["template"]["name"], "order_update");
    assert_eq!(enroll(&app, &t, &ids[1], &drip).await.0, 201);
    eventually("the late one waits at step 2", WAIT, || async {
        (enrollment_of(&app, &t, &drip, &ids[1]).await["step"] == 2).then_some(())
    })
    .await;

    clock.advance(Span::hours(1));
    eventually("the early one gets the version it waited for", WAIT, || async {
        (templates_to(&app, "14155550401").await == ["hello_world", "hello_world"]).then_some(())
    })
    .await;
    due_passed(&app).await;
    assert_eq!(templates_to(&app, "14155550402").await, ["hello_world"], "the new version waits two hours");
    clock.advance(Span::hours(1));
    eventually("the late one gets the new version", WAIT, || async {
        (templates_to(&app, "14155550402").await == ["hello_world", "order_update"]).then_some(())
    })
    .await;
}

#[actix_rt::test]
async fn a_paused_sequence_holds_everyone_and_resuming_carries_on() {
    let (clock, app, t, channel) = on_a_moved_clock().await;
    let ids = contacts(&app, &t, "lead", &[("+14155550501", "Held", true)]).await;
    let drip = create_drip(&app, &t, json!({"type": "drip", "name": "Held", "channel_id": channel, "steps": [hello(60), hello(60)]})).await;
    assert_eq!(enroll(&app, &t, &ids[0], &drip).await.0, 201);
    let (s, v) = crate::campaigns::action(&app, &t, &drip, "pause").await;
    assert_eq!((s, v["status"].as_str()), (200, Some("paused")));
    // Paused: contacts may still be enrolled, and wait.
    clock.advance(Span::minutes(10));
    due_passed(&app).await;
    assert!(templates_to(&app, "14155550501").await.is_empty(), "a paused sequence sent");
    let (s, v) = crate::campaigns::action(&app, &t, &drip, "resume").await;
    assert_eq!((s, v["status"].as_str()), (200, Some("running")));
    eventually("resumed", WAIT, || async { (templates_to(&app, "14155550501").await.len() == 1).then_some(()) }).await;
    // Cancelled: everyone leaves.
    let (s, _) = crate::campaigns::action(&app, &t, &drip, "cancel").await;
    assert_eq!(s, 200);
    let e = enrollment_of(&app, &t, &drip, &ids[0]).await;
    assert_eq!((e["state"].as_str(), e["exit_reason"].as_str()), (Some("exited"), Some("cancelled")));
    clock.advance(Span::hours(1));
    due_passed(&app).await;
    assert_eq!(templates_to(&app, "14155550501").await.len(), 1);
    let (s, e) = enroll(&app, &t, &ids[0], &drip).await;
    assert_eq!((s, e["error"]["code"].as_str()), (409, Some("CAMPAIGN_STATE")));
}

#[actix_rt::test]
async fn a_sequence_is_checked_field_by_field_and_its_templates_must_exist() {
    let app = spawn_app().await;
    let (t, channel) = ready(&app).await;
    let res = app
        .post_json(
            &t.token,
            "/api/v1/campaigns",
            &json!({"type": "drip", "name": "Bad", "channel_id": channel, "steps": [hello(0), hello(-1)]}),
        )
        .await;
    assert_eq!(res.status(), 400);
    let v: Value = res.json().await.unwrap();
    assert!(v["error"]["message"].as_str().unwrap().contains("`steps[1].delay_seconds`"), "{v}");
    let res = app
        .post_json(
            &t.token,
            "/api/v1/campaigns",
            &json!({"type": "drip", "name": "Bad", "channel_id": channel, "steps": [{"delay_seconds": 0, "template": {"name": "nope", "language": "en"}}]}),
        )
        .await;
    assert_eq!(res.status(), 422);
    let v: Value = res.json().await.unwrap();
    assert_eq!(v["error"]["code"], "TEMPLATE_NOT_APPROVED");
    assert!(v["error"]["message"].as_str().unwrap().contains("`steps[0].template`"), "{v}");
    // A broadcast-only action on a sequence says what it is.
    let drip = create_drip(&app, &t, json!({"type": "drip", "name": "Ok", "channel_id": channel, "steps": [hello(3600)]})).await;
    let (s, v) = app.get(&t, &format!("/api/v1/campaigns/{drip}/preview")).await;
    assert_eq!((s, v["error"]["code"].as_str()), (409, Some("CAMPAIGN_STATE")));
    // Lists keep the kinds apart.
    let (_, broadcasts) = app.get(&t, "/api/v1/campaigns").await;
    assert!(broadcasts["data"].as_array().unwrap().is_empty());
    let (_, sequences) = app.get(&t, "/api/v1/campaigns?type=drip").await;
    assert_eq!(sequences["data"][0]["id"], drip.as_str());
}

#[actix_rt::test]
async fn a_session_message_goes_inside_the_window_and_the_template_outside_it() {
    let (_clock, app, t, channel) = on_a_moved_clock().await;
    app.open_conversation(&t, "14155550601").await;
    let ids = contacts(&app, &t, "lead", &[("+14155550602", "Closed", true)]).await;
    let open_contact = app.conversations(&t).await[0]["contact"]["id"].as_str().unwrap().to_owned();
    let step = json!({"delay_seconds": 0, "session_message": {"type": "text", "text": {"body": "Free while you are here"}},
                      "template": {"name": "hello_world", "language": "en_US"}});
    let drip =
        create_drip(&app, &t, json!({"type": "drip", "name": "Mixed", "channel_id": channel, "exit_on_reply": false, "steps": [step]}))
            .await;
    assert_eq!(enroll(&app, &t, &open_contact, &drip).await.0, 201);
    assert_eq!(enroll(&app, &t, &ids[0], &drip).await.0, 201);
    eventually("both sent", WAIT, || async {
        let open = texts_to(&app, "14155550601").await;
        let closed = templates_to(&app, "14155550602").await;
        (open == ["Free while you are here"] && closed == ["hello_world"]).then_some(())
    })
    .await;
    assert!(templates_to(&app, "14155550601").await.is_empty(), "a paid template went inside the window");
}

#[actix_rt::test]
async fn scheduled_messages_go_at_their_time_under_the_window_rule() {
    let clock = Arc::new(ManualClock::default());
    let app = spawn_with_clock(fresh_database().await, clock.clone()).await;
    let (t, _) = ready(&app).await;
    let conversation = app.open_conversation(&t, "14155550701").await;
    let mut socket = app.socket(&t.token).await;
    let path = format!("/api/v1/conversations/{conversation}/scheduled-messages");
    let text = |body: &str, secs: i64| json!({"send_in_seconds": secs, "type": "text", "text": {"body": body}});

    // Inside the window: the text itself, at its time.
    let res = app.post_json(&t.token, &path, &text("See you in an hour", 3600)).await;
    assert_eq!(res.status(), 201);
    let soon: Value = res.json().await.unwrap();
    assert_eq!(soon["status"], "scheduled");
    assert_eq!(soon["created_by_name"], "Admin");
    socket.expect("scheduled:updated", |d| d["scheduled_message"]["id"] == soon["id"]).await;
    // After the window closes, free text needs a template.
    let res = app.post_json(&t.token, &path, &text("Tomorrow", 25 * 3600)).await;
    assert_eq!(res.status(), 422);
    let v: Value = res.json().await.unwrap();
    assert_eq!(v["error"]["code"], "TEMPLATE_REQUIRED");
    let mut late = text("Tomorrow", 25 * 3600);
    late["fallback"] = json!({"type": "template", "template": {"name": "hello_world", "language": {"code": "en_US"}}});
    let res = app.post_json(&t.token, &path, &late).await;
    assert_eq!(res.status(), 201);
    let late: Value = res.json().await.unwrap();
    // One cancelled, one moved.
    let doomed: Value = app.post_json(&t.token, &path, &text("Never", 1800)).await.json().await.unwrap();
    let res = app.http.delete(app.url(&format!("{path}/{}", doomed["id"].as_str().unwrap()))).bearer_auth(&t.token).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let moved: Value = app.post_json(&t.token, &path, &text("Moved", 600)).await.json().await.unwrap();
    let res = app.patch_json(&t.token, &format!("{path}/{}", moved["id"].as_str().unwrap()), &json!({"send_in_seconds": 7200})).await;
    assert_eq!(res.status(), 200);

    clock.advance(Span::seconds(3599));
    due_passed(&app).await;
    assert!(texts_to(&app, "14155550701").await.is_empty(), "went early");
    clock.advance(Span::seconds(1));
    eventually("the hour's message", WAIT, || async { (texts_to(&app, "14155550701").await == ["See you in an hour"]).then_some(()) })
        .await;
    socket.expect("scheduled:updated", |d| d["scheduled_message"]["id"] == soon["id"] && d["scheduled_message"]["status"] == "sent").await;
    clock.advance(Span::hours(1));
    eventually("the moved one", WAIT, || async { (texts_to(&app, "14155550701").await.len() == 2).then_some(()) }).await;
    clock.advance(Span::hours(24));
    eventually("the fallback template", WAIT, || async { (templates_to(&app, "14155550701").await == ["hello_world"]).then_some(()) })
        .await;
    assert_eq!(texts_to(&app, "14155550701").await, ["See you in an hour", "Moved"], "the cancelled one went");
    let (_, list) = app.get(&t, &path).await;
    let row = |id: &Value| list["data"].as_array().unwrap().iter().find(|m| m["id"] == *id).cloned().unwrap();
    assert_eq!(row(&late["id"])["sent_as"], "template");
    assert_eq!(row(&soon["id"])["sent_as"], "session");
    assert_eq!(row(&doomed["id"])["status"], "cancelled");
    let sent_message = row(&soon["id"])["message_id"].as_str().unwrap().to_owned();
    let (_, messages) = app.get(&t, &format!("/api/v1/conversations/{conversation}/messages")).await;
    assert!(messages["data"].as_array().unwrap().iter().any(|m| m["id"] == sent_message.as_str()), "the sent one is in the thread");
    let res = app.patch_json(&t.token, &format!("{path}/{}", soon["id"].as_str().unwrap()), &json!({"send_in_seconds": 60})).await;
    assert_eq!(res.status(), 409);
    let v: Value = res.json().await.unwrap();
    assert_eq!(v["error"]["code"], "SCHEDULED_STATE");
    // Another tenant sees none of it.
    let other = app.register("Other").await;
    let (s, _) = app.get(&other, &path).await;
    assert_eq!(s, 404);
}

#[actix_rt::test]
async fn a_flow_node_and_an_automation_rule_enrol_the_contact_they_act_for() {
    let app = spawn_app().await;
    let (t, channel) = ready(&app).await;
    let drip = create_drip(&app, &t, json!({"type": "drip", "name": "From bots", "channel_id": channel, "steps": [hello(3600)]})).await;
    // A flow: on "join", thank and enrol.
    let flow = json!({"name": "Join", "trigger_type": "keyword", "trigger_value": "join", "flow_data": {"nodes": [
        {"id": "m", "type": "message", "data": {"start": true, "text": "Welcome aboard"}},
        {"id": "e", "type": "enroll", "data": {"campaign_id": drip}}
    ], "edges": [{"id": "1", "source": "m", "target": "e"}]}});
    let res = app.post_json(&t.token, "/api/v1/flows", &flow).await;
    assert_eq!(res.status(), 201);
    let id = res.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
    assert_eq!(app.patch_json(&t.token, &format!("/api/v1/flows/{id}/status"), &json!({"status": "active"})).await.status(), 200);
    // A node naming something that is not an id is refused with the node named.
    let bad = json!({"name": "Bad", "trigger_type": "keyword", "trigger_value": "bad", "flow_data": {"nodes": [
        {"id": "e", "type": "enroll", "data": {"start": true, "campaign_id": "not-an-id"}}], "edges": []}});
    let res = app.post_json(&t.token, "/api/v1/flows", &bad).await;
    let v: Value = res.json().await.unwrap();
    assert_eq!(v["error"]["code"], "FLOW_INVALID", "{v}");
    // A rule: every message saying "vip" enrols.
    let rule = json!({"name": "VIP", "event": "message.received",
                      "conditions": {"all": [{"field": "message.text", "op": "eq", "value": "vip"}]},
                      "actions": [{"type": "enroll_in_sequence", "campaign_id": drip}]});
    assert_eq!(app.post_json(&t.token, "/api/v1/automations", &rule).await.status(), 201);

    app.post_webhook_ok(text_webhook(PHONE_NUMBER_ID, "14155550801", "wamid.join-1", "join")).await;
    app.post_webhook_ok(text_webhook(PHONE_NUMBER_ID, "14155550802", "wamid.vip-1", "vip")).await;
    let sources = eventually("both enrolled", WAIT, || async {
        let (_, v) = app.get(&t, &format!("/api/v1/campaigns/{drip}/enrollments")).await;
        let mut s: Vec<(String, String)> = v["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| (e["phone"].as_str().unwrap().to_owned(), e["source"].as_str().unwrap().to_owned()))
            .collect();
        s.sort();
        (s.len() == 2).then_some(s)
    })
    .await;
    assert_eq!(sources, [("+14155550801".to_owned(), "flow".to_owned()), ("+14155550802".to_owned(), "automation".to_owned())]);
    settled(&app).await;
    // Their own message came before the enrolment: it does not count as a reply.
    let (_, v) = app.get(&t, &format!("/api/v1/campaigns/{drip}/enrollments?state=active")).await;
    assert_eq!(v["data"].as_array().unwrap().len(), 2, "{v}");
}

#[actix_rt::test]
async fn an_erased_contact_leaves_every_sequence_and_their_scheduled_messages_go() {
    let app = spawn_app().await;
    let (t, channel) = ready(&app).await;
    let conversation = app.open_conversation(&t, "14155550901").await;
    let contact = app.conversations(&t).await[0]["contact"]["id"].as_str().unwrap().to_owned();
    let drip = create_drip(&app, &t, json!({"type": "drip", "name": "Erase", "channel_id": channel, "steps": [hello(3600)]})).await;
    assert_eq!(enroll(&app, &t, &contact, &drip).await.0, 201);
    let path = format!("/api/v1/conversations/{conversation}/scheduled-messages");
    let res = app.post_json(&t.token, &path, &json!({"send_in_seconds": 600, "type": "text", "text": {"body": "Private reminder"}})).await;
    assert_eq!(res.status(), 201);
    assert_eq!(app.post_json(&t.token, &format!("/api/v1/contacts/{contact}/erase"), &json!({})).await.status(), 200);
    let e = enrollment_of(&app, &t, &drip, &contact).await;
    assert_eq!((e["state"].as_str(), e["exit_reason"].as_str()), (Some("exited"), Some("contact_gone")));
    let left: i64 = sqlx::query_scalar("SELECT count(*) FROM scheduled_messages WHERE content::text LIKE '%Private reminder%'")
        .fetch_one(&app.owner)
        .await
        .unwrap();
    assert_eq!(left, 0, "the scheduled text outlived the erasure");
}

#[actix_rt::test]
async fn members_of_a_segment_are_enrolled_including_those_who_join_it_later() {
    let app = spawn_app().await;
    let (t, channel) = ready(&app).await;
    let ids = contacts(&app, &t, "vip", &[("+14155551001", "Early", true)]).await;
    let later = contacts(&app, &t, "other", &[("+14155551002", "Later", true)]).await;
    let res = app
        .post_json(
            &t.token,
            "/api/v1/contacts/segments",
            &json!({"name": "VIPs", "rule": {"all": [{"field": "tag", "op": "has", "value": "vip"}]}}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let segment = res.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
    let drip = create_drip(
        &app,
        &t,
        json!({"type": "drip", "name": "VIP care", "channel_id": channel, "enroll_segment_id": segment, "steps": [hello(3600)]}),
    )
    .await;
    eventually("the member enrolled", WAIT, || async {
        let e = enrollment_of(&app, &t, &drip, &ids[0]).await;
        (e["source"] == "segment").then_some(())
    })
    .await;
    assert_eq!(app.post_json(&t.token, &format!("/api/v1/contacts/{}/tags", later[0]), &json!({"tags": ["vip"]})).await.status(), 200);
    eventually("the one who joined enrolled", WAIT, || async {
        let e = enrollment_of(&app, &t, &drip, &later[0]).await;
        (e["source"] == "segment").then_some(())
    })
    .await;
    // The segment cannot go while the sequence enrols from it.
    let res = app.http.delete(app.url(&format!("/api/v1/contacts/segments/{segment}"))).bearer_auth(&t.token).send().await.unwrap();
    assert_eq!(res.status(), 409);
}

#[actix_rt::test]
async fn a_step_held_past_its_window_waits_for_the_next_opening() {
    // Monday 2027-03-15, 10:00 UTC: 15:30 in Kolkata.
    let clock = Arc::new(ManualClock::at(Utc.with_ymd_and_hms(2027, 3, 15, 10, 0, 0).unwrap()));
    let app = spawn_with_clock(fresh_database().await, clock.clone()).await;
    let (t, channel) = ready(&app).await;
    let ids = contacts(&app, &t, "lead", &[("+919812345001", "Late", true)]).await;
    let drip = create_drip(
        &app,
        &t,
        json!({"type": "drip", "name": "Office hours", "channel_id": channel,
               "steps": [{"delay_seconds": 3600, "send_window": {"days": [1, 2, 3, 4, 5], "start": "09:00", "end": "18:00"},
                          "template": {"name": "hello_world", "language": "en_US"}}]}),
    )
    .await;
    assert_eq!(enroll(&app, &t, &ids[0], &drip).await.0, 201);
    // Paused before its 16:30 turn, resumed at 18:30 their time: it waits for Tuesday 09:00.
    assert_eq!(crate::campaigns::action(&app, &t, &drip, "pause").await.0, 200);
    clock.advance(Span::hours(3));
    assert_eq!(crate::campaigns::action(&app, &t, &drip, "resume").await.0, 200);
    let tuesday = Utc.with_ymd_and_hms(2027, 3, 16, 3, 30, 0).unwrap();
    eventually("moved to the next opening", WAIT, || async {
        let e = enrollment_of(&app, &t, &drip, &ids[0]).await;
        (e["due_at"].as_str().map(|d| d.parse::<DateTime<Utc>>().unwrap()) == Some(tuesday)).then_some(())
    })
    .await;
    due_passed(&app).await;
    assert!(templates_to(&app, "919812345001").await.is_empty(), "sent outside the window");
    clock.advance(Span::seconds(tuesday.timestamp() - clock.now().timestamp()));
    eventually("sent when the window opens", WAIT, || async { (templates_to(&app, "919812345001").await.len() == 1).then_some(()) }).await;
}
