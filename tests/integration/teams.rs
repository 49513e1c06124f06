//! Teams and routing (round robin, least busy, caps, only online members,
//! waiting conversations given out when someone comes online, reassignment
//! after a long absence, the flow `assign` node's team) and canned replies.

use crate::flows::create_flow;
use crate::helpers::*;
use serde_json::{json, Value};
use std::time::Duration;

async fn create_team(app: &TestApp, admin: &Tenant, body: Value) -> Value {
    let res = app.post_json(&admin.token, "/api/v1/teams", &body).await;
    assert_eq!(res.status(), 201, "{}", res.text().await.unwrap_or_default());
    res.json().await.unwrap()
}

/// Waits until the team lists these members as online.
async fn online(app: &TestApp, admin: &Tenant, team: &str, who: &[&Tenant]) {
    eventually("presence online", WAIT, || async {
        let (_, t) = app.get(admin, &format!("/api/v1/teams/{team}")).await;
        let members = t["members"].as_array().cloned().unwrap_or_default();
        who.iter().all(|w| members.iter().any(|m| m["user_id"] == w.user_id.as_str() && m["presence"] == "online")).then_some(())
    })
    .await;
}

async fn move_to_team(app: &TestApp, t: &Tenant, conversation: &str, team: &str) -> Value {
    let res = app.patch_json(&t.token, &format!("/api/v1/conversations/{conversation}"), json!({"team_id": team})).await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap_or_default());
    res.json().await.unwrap()
}

#[actix_rt::test]
async fn round_robin_is_fair_among_online_members_within_the_cap_and_waiting_ones_go_to_whoever_comes_online() {
    let app = spawn_app().await;
    let admin = app.register("Routing Ltd").await;
    app.connect_channel(&admin, PHONE_NUMBER_ID).await;
    let (a, b, c) = (app.add_user(&admin, "agent").await, app.add_user(&admin, "agent").await, app.add_user(&admin, "agent").await);
    let team = create_team(
        &app,
        &admin,
        json!({"name": "Support", "member_ids": [a.user_id, b.user_id, c.user_id], "assignment": "round_robin", "max_open_per_agent": 2}),
    )
    .await;
    let team_id = team["id"].as_str().unwrap().to_owned();
    assert_eq!(team["members"].as_array().unwrap().len(), 3);
    let _sa = app.socket(&a.token).await;
    let _sb = app.socket(&b.token).await;
    online(&app, &admin, &team_id, &[&a, &b]).await;

    let mut assignees = Vec::new();
    for n in 0..5 {
        let conversation = app.open_conversation(&admin, &format!("91970000000{n}")).await;
        let moved = move_to_team(&app, &admin, &conversation, &team_id).await;
        assert_eq!(moved["team_id"], team_id.as_str());
        assignees.push((conversation, moved["assignee_id"].as_str().map(str::to_owned)));
    }
    let given: Vec<Option<&str>> = assignees.iter().map(|(_, a)| a.as_deref()).collect();
    // Alternating between the two online members, each up to the cap of
    // two; C is offline; the fifth waits.
    assert_eq!(given.iter().filter(|g| **g == Some(a.user_id.as_str())).count(), 2, "{given:?}");
    assert_eq!(given.iter().filter(|g| **g == Some(b.user_id.as_str())).count(), 2, "{given:?}");
    assert!(given[0] != given[1] && given[2] != given[3], "not alternating: {given:?}");
    assert_eq!(given[4], None);
    let (_, waiting) = app.get(&admin, &format!("/api/v1/conversations?team_id={team_id}&assignee=unassigned")).await;
    assert_eq!(waiting["data"].as_array().unwrap().len(), 1);

    // C comes online: the sweep gives them the waiting conversation.
    let _sc = app.socket(&c.token).await;
    let last = assignees[4].0.clone();
    eventually("the waiting conversation to reach C", WAIT, || async {
        let (_, conv) = app.get(&admin, &format!("/api/v1/conversations/{last}")).await;
        (conv["assignee_id"] == c.user_id.as_str()).then_some(())
    })
    .await;
    let (_, t) = app.get(&admin, &format!("/api/v1/teams/{team_id}")).await;
    let loads: Vec<i64> = t["members"].as_array().unwrap().iter().map(|m| m["open_conversations"].as_i64().unwrap()).collect();
    assert_eq!(loads.iter().sum::<i64>(), 5);
    // The inbox filters by team.
    let (_, in_team) = app.get(&admin, &format!("/api/v1/conversations?team_id={team_id}")).await;
    assert_eq!(in_team["data"].as_array().unwrap().len(), 5);
    let (_, no_team) = app.get(&admin, "/api/v1/conversations?team_id=none").await;
    assert_eq!(no_team["data"].as_array().unwrap().len(), 0);
}

#[actix_rt::test]
async fn least_busy_gives_to_the_member_with_fewest_open_conversations() {
    let app = spawn_app().await;
    let admin = app.register("Busy Ltd").await;
    app.connect_channel(&admin, PHONE_NUMBER_ID).await;
    let (a, b) = (app.add_user(&admin, "agent").await, app.add_user(&admin, "agent").await);
    let team =
        create_team(&app, &admin, json!({"name": "Billing", "member_ids": [a.user_id, b.user_id], "assignment": "least_busy"})).await;
    let team_id = team["id"].as_str().unwrap().to_owned();
    let _sa = app.socket(&a.token).await;
    let _sb = app.socket(&b.token).await;
    online(&app, &admin, &team_id, &[&a, &b]).await;
    // A already works two conversations (assigned by hand, outside the team).
    for n in 0..2 {
        let conversation = app.open_conversation(&admin, &format!("91971000000{n}")).await;
        let res = app.patch_json(&admin.token, &format!("/api/v1/conversations/{conversation}"), json!({"assignee_id": a.user_id})).await;
        assert_eq!(res.status(), 200);
    }
    let mut given = Vec::new();
    for n in 0..3 {
        let conversation = app.open_conversation(&admin, &format!("91972000000{n}")).await;
        given.push(move_to_team(&app, &admin, &conversation, &team_id).await["assignee_id"].as_str().unwrap().to_owned());
    }
    // B (0 open) twice, then they are even (2 and 2) and A, served longer ago, gets the third.
    assert_eq!(given, [b.user_id.clone(), b.user_id.clone(), a.user_id.clone()]);
}

#[actix_rt::test]
async fn a_member_offline_for_long_hands_back_their_team_conversations() {
    let app = spawn_with(
        fresh_database().await,
        |mut c| {
            c.routing.reassign_after = Duration::from_secs(1);
            c
        },
        None,
    )
    .await;
    let admin = app.register("Absent Ltd").await;
    app.connect_channel(&admin, PHONE_NUMBER_ID).await;
    let (a, b) = (app.add_user(&admin, "agent").await, app.add_user(&admin, "agent").await);
    let team = create_team(&app, &admin, json!({"name": "Care", "member_ids": [a.user_id, b.user_id], "assignment": "round_robin"})).await;
    let team_id = team["id"].as_str().unwrap().to_owned();
    let sa = app.socket(&a.token).await;
    online(&app, &admin, &team_id, &[&a]).await;
    let conversation = app.open_conversation(&admin, "919730000000").await;
    assert_eq!(move_to_team(&app, &admin, &conversation, &team_id).await["assignee_id"], a.user_id.as_str());

    // A closes the app; nobody else is online: it goes back to the team and waits.
    let mut stream = sa.stream;
    stream.close(None).await.unwrap();
    eventually("the conversation back in the team", WAIT, || async {
        let (_, conv) = app.get(&admin, &format!("/api/v1/conversations/{conversation}")).await;
        conv["assignee_id"].is_null().then_some(())
    })
    .await;
    // B comes online and gets it.
    let _sb = app.socket(&b.token).await;
    eventually("B to get it", WAIT, || async {
        let (_, conv) = app.get(&admin, &format!("/api/v1/conversations/{conversation}")).await;
        (conv["assignee_id"] == b.user_id.as_str()).then_some(())
    })
    .await;
}

#[actix_rt::test]
async fn the_flow_assign_node_puts_the_conversation_in_its_team() {
    let app = spawn_app().await;
    let admin = app.register("Flow Teams Ltd").await;
    app.connect_channel(&admin, PHONE_NUMBER_ID).await;
    let a = app.add_user(&admin, "agent").await;
    let outsider = app.add_user(&admin, "agent").await;
    let team = create_team(&app, &admin, json!({"name": "Sales", "member_ids": [a.user_id], "assignment": "manual"})).await;
    let _sa = app.socket(&a.token).await;
    let _so = app.socket(&outsider.token).await;
    online(&app, &admin, team["id"].as_str().unwrap(), &[&a]).await;
    create_flow(
        &app,
        &admin,
        json!({"name": "to sales", "trigger_type": "keyword", "trigger_value": "buy", "flow_data": {"nodes": [
            {"id": "s", "type": "assign", "position": {"x": 0, "y": 0}, "data": {"start": true, "team": "sales", "strategy": "least_busy"}},
            {"id": "e", "type": "end", "position": {"x": 0, "y": 100}, "data": {}}],
            "edges": [{"id": "1", "source": "s", "target": "e"}]}}),
    )
    .await;
    app.post_webhook_ok(text_webhook(PHONE_NUMBER_ID, "919740000000", "wamid.buy1", "buy")).await;
    let conv = eventually("the conversation assigned by the flow", WAIT, || async {
        app.conversations(&admin).await.into_iter().find(|c| c["assignee_id"].is_string())
    })
    .await;
    assert_eq!(conv["assignee_id"], a.user_id.as_str(), "only the team's members");
    assert_eq!(conv["team_id"], team["id"]);
}

#[actix_rt::test]
async fn teams_are_checked_and_kept_to_their_account() {
    let app = spawn_app().await;
    let admin = app.register("Checks Ltd").await;
    let other = app.register("Other Ltd").await;
    let agent = app.add_user(&admin, "agent").await;
    let team = create_team(&app, &admin, json!({"name": "Sales", "member_ids": [agent.user_id]})).await;
    assert_eq!(team["assignment"], "round_robin");
    let res = app.post_json(&admin.token, "/api/v1/teams", json!({"name": "sales"})).await;
    assert_eq!(res.status(), 409);
    assert_eq!(res.json::<Value>().await.unwrap()["error"]["code"], "TEAM_EXISTS");
    let res = app.post_json(&admin.token, "/api/v1/teams", json!({"name": "X", "member_ids": [other.user_id]})).await;
    assert_eq!(res.status(), 400);
    assert!(res.text().await.unwrap().contains(&other.user_id), "names the stranger");
    let res = app.post_json(&admin.token, "/api/v1/teams", json!({"name": "Y", "assignment": "random"})).await;
    assert_eq!(res.status(), 400);
    let res = app.post_json(&agent.token, "/api/v1/teams", json!({"name": "Mine"})).await;
    assert_eq!(res.status(), 403);
    let (status, list) = app.get(&agent, "/api/v1/teams").await;
    assert_eq!(status, 200);
    assert_eq!(list["data"].as_array().unwrap().len(), 1);
    let (status, _) = app.get(&other, &format!("/api/v1/teams/{}", team["id"].as_str().unwrap())).await;
    assert_eq!(status, 404);
    let res = app
        .patch_json(
            &admin.token,
            &format!("/api/v1/teams/{}", team["id"].as_str().unwrap()),
            json!({"member_ids": [], "max_open_per_agent": 3}),
        )
        .await;
    let v: Value = res.json().await.unwrap();
    assert_eq!(v["members"].as_array().unwrap().len(), 0);
    assert_eq!(v["max_open_per_agent"], 3);
}

#[actix_rt::test]
async fn canned_replies_are_shared_or_personal_and_render_for_a_conversation() {
    let app = spawn_app().await;
    let admin = app.register("Canned Ltd").await;
    let other = app.register("Other Canned").await;
    app.connect_channel(&admin, PHONE_NUMBER_ID).await;
    let agent = app.add_user(&admin, "agent").await;
    let colleague = app.add_user(&admin, "agent").await;
    let res = app
        .post_json(
            &admin.token,
            "/api/v1/canned-replies",
            json!({"shortcut": "/Thanks", "text": "Thanks {{contact.name}}, {{agent.name}} here. Order {{contact.order_id}}."}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let shared: Value = res.json().await.unwrap();
    assert_eq!((shared["shortcut"].as_str(), shared["scope"].as_str()), (Some("thanks"), Some("shared")));
    let res = app.post_json(&agent.token, "/api/v1/canned-replies", json!({"shortcut": "mine", "text": "My own words"})).await;
    assert_eq!(res.status(), 201);
    let mine: Value = res.json().await.unwrap();
    assert_eq!(mine["scope"], "personal");
    // An agent keeps no shared replies, and cannot change the shared ones.
    let res = app.post_json(&agent.token, "/api/v1/canned-replies", json!({"shortcut": "x", "text": "x", "scope": "shared"})).await;
    assert_eq!(res.status(), 403);
    let res = app
        .patch_json(&agent.token, &format!("/api/v1/canned-replies/{}", shared["id"].as_str().unwrap()), json!({"text": "mine now"}))
        .await;
    assert_eq!(res.status(), 404);
    // One shortcut per scope; a personal one may share a shared one's shortcut.
    let res = app.post_json(&admin.token, "/api/v1/canned-replies", json!({"shortcut": "thanks", "text": "again"})).await;
    assert_eq!(res.status(), 409);
    assert_eq!(res.json::<Value>().await.unwrap()["error"]["code"], "CANNED_REPLY_EXISTS");
    let res = app.post_json(&agent.token, "/api/v1/canned-replies", json!({"shortcut": "thanks", "text": "my thanks"})).await;
    assert_eq!(res.status(), 201);
    let res = app.post_json(&agent.token, "/api/v1/canned-replies", json!({"shortcut": "bad shortcut", "text": "x"})).await;
    assert_eq!(res.status(), 400);
    let res = app
        .post_json(
            &agent.token,
            "/api/v1/canned-replies",
            json!({"shortcut": "pic", "text": "see", "attachment": {"type": "gif", "link": "https://x.test/a"}}),
        )
        .await;
    assert_eq!(res.status(), 400);

    let (_, seen) = app.get(&agent, "/api/v1/canned-replies").await;
    let shortcuts: Vec<(&str, &str)> =
        seen["data"].as_array().unwrap().iter().map(|r| (r["shortcut"].as_str().unwrap(), r["scope"].as_str().unwrap())).collect();
    assert_eq!(shortcuts, [("mine", "personal"), ("thanks", "shared"), ("thanks", "personal")]);
    let (_, seen) = app.get(&colleague, "/api/v1/canned-replies").await;
    assert_eq!(seen["data"].as_array().unwrap().len(), 1, "a colleague sees the shared one only");
    let (_, found) = app.get(&agent, "/api/v1/canned-replies?search=own").await;
    assert_eq!(found["data"].as_array().unwrap().len(), 1);
    let (_, seen) = app.get(&other, "/api/v1/canned-replies").await;
    assert_eq!(seen["data"].as_array().unwrap().len(), 0);

    // Rendered for a conversation with a named customer and a custom field.
    let conversation = app.open_conversation(&admin, "919750000000").await;
    let (_, conv) = app.get(&admin, &format!("/api/v1/conversations/{conversation}")).await;
    let contact = conv["contact"]["id"].as_str().unwrap();
    let res = app
        .patch_json(&admin.token, &format!("/api/v1/contacts/{contact}"), json!({"name": "Asha", "custom_fields": {"order_id": "A-42"}}))
        .await;
    assert_eq!(res.status(), 200);
    let res = app
        .post_json(
            &admin.token,
            &format!("/api/v1/canned-replies/{}/render", shared["id"].as_str().unwrap()),
            json!({"conversation_id": conversation}),
        )
        .await;
    assert_eq!(res.status(), 200);
    let v: Value = res.json().await.unwrap();
    let name = admin_name(&app, &admin).await;
    assert_eq!(v["text"], format!("Thanks Asha, {name} here. Order A-42."));
    // Another account's conversation is not theirs to render into.
    let res = app
        .post_json(
            &other.token,
            &format!("/api/v1/canned-replies/{}/render", shared["id"].as_str().unwrap()),
            json!({"conversation_id": conversation}),
        )
        .await;
    assert_eq!(res.status(), 404);
}

async fn admin_name(app: &TestApp, t: &Tenant) -> String {
    let (_, me) = app.get(t, "/api/v1/auth/me").await;
    me["name"].as_str().unwrap().to_owned()
}

#[actix_rt::test]
async fn outside_the_teams_business_hours_conversations_wait_in_the_team() {
    let app = spawn_app().await;
    let admin = app.register("Hours Routing Ltd").await;
    app.connect_channel(&admin, PHONE_NUMBER_ID).await;
    let a = app.add_user(&admin, "agent").await;
    let team = create_team(&app, &admin, json!({"name": "Night", "member_ids": [a.user_id], "assignment": "round_robin"})).await;
    let team_id = team["id"].as_str().unwrap().to_owned();
    let put_hours = |weekly: Value| {
        let (app, admin, team_id) = (&app, &admin, team_id.clone());
        async move {
            let res = app
                .http
                .put(app.url("/api/v1/business-hours"))
                .bearer_auth(&admin.token)
                .json(&json!({"team_id": team_id, "time_zone": "UTC", "weekly": weekly}))
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 200, "{}", res.text().await.unwrap_or_default());
        }
    };
    // The team's own schedule: closed every day.
    put_hours(json!({})).await;
    let _sa = app.socket(&a.token).await;
    online(&app, &admin, &team_id, &[&a]).await;
    let conversation = app.open_conversation(&admin, "919760000000").await;
    assert!(move_to_team(&app, &admin, &conversation, &team_id).await["assignee_id"].is_null(), "closed: nobody is given it");
    routing_passed(&app).await;
    let (_, conv) = app.get(&admin, &format!("/api/v1/conversations/{conversation}")).await;
    assert!(conv["assignee_id"].is_null(), "the sweep waits too");
    // Open all week: the sweep gives it out.
    let all: Value = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
        .iter()
        .map(|d| (d.to_string(), json!([["00:00", "24:00"]])))
        .collect::<serde_json::Map<_, _>>()
        .into();
    put_hours(all).await;
    eventually("the conversation given out once open", WAIT, || async {
        let (_, conv) = app.get(&admin, &format!("/api/v1/conversations/{conversation}")).await;
        (conv["assignee_id"] == a.user_id.as_str()).then_some(())
    })
    .await;
}

#[actix_rt::test]
async fn team_and_priority_changes_reach_open_inboxes_live() {
    let app = spawn_app().await;
    let admin = app.register("Live Teams Ltd").await;
    app.connect_channel(&admin, PHONE_NUMBER_ID).await;
    let team = create_team(&app, &admin, json!({"name": "Desk", "assignment": "manual"})).await;
    let agent = app.add_user(&admin, "agent").await;
    let mut watching = app.socket(&agent.token).await;
    let conversation = app.open_conversation(&admin, "919770000000").await;
    move_to_team(&app, &admin, &conversation, team["id"].as_str().unwrap()).await;
    let frame =
        watching.expect("conversation:changed", |d| d["conversation_id"] == conversation.as_str() && d.get("team_id").is_some()).await;
    assert_eq!(frame["team_id"], team["id"]);
    let res = app.patch_json(&admin.token, &format!("/api/v1/conversations/{conversation}"), json!({"priority": "urgent"})).await;
    assert_eq!(res.status(), 200);
    let frame = watching.expect("conversation:changed", |d| d.get("priority").is_some()).await;
    assert_eq!(frame["priority"], "urgent");
}
