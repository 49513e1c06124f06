//! Smart replies: the offline engine (canned replies and past agent
//! answers to similar questions) and the language-model provider against a
//! local OpenAI-compatible fake; template drafts.

use crate::helpers::*;
use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};

/// A local stand-in for an OpenAI-compatible chat completions endpoint:
/// answers replies or a template draft, and records what it was asked.
/// What the fake was asked: (Authorization header, request body).
type Asked = Arc<Mutex<Vec<(String, Value)>>>;

fn fake_model() -> (String, Asked) {
    let asked = Arc::new(Mutex::new(Vec::new()));
    let a = asked.clone();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = HttpServer::new(move || {
        let a = a.clone();
        App::new().route(
            "/v1/chat/completions",
            web::post().to(move |req: HttpRequest, body: web::Json<Value>| {
                let a = a.clone();
                async move {
                    let auth = req.headers().get("Authorization").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
                    a.lock().unwrap().push((auth, body.0.clone()));
                    let system = body["messages"][0]["content"].as_str().unwrap_or_default();
                    let content = if system.contains("templates") {
                        r#"Here it is: {"name": "Order Ready!", "body": "Hi {{1}}, your order {{2}} is ready for pickup.", "examples": ["Asha", "A-42"]}"#.to_owned()
                    } else {
                        "```json\n[\"Sorry about that, checking now.\", \"Could you share your order number?\", \"Thanks for waiting!\"]\n```".to_owned()
                    };
                    HttpResponse::Ok().json(json!({"choices": [{"message": {"role": "assistant", "content": content}}]}))
                }
            }),
        )
    })
    .workers(1)
    .listen(listener)
    .unwrap()
    .run();
    actix_rt::spawn(server);
    (format!("http://127.0.0.1:{port}/v1"), asked)
}

#[actix_rt::test]
async fn the_offline_engine_suggests_canned_replies_and_past_answers_to_similar_questions() {
    let app = spawn_app().await;
    let t = app.register("Smart Ltd").await;
    app.connect_channel(&t, PHONE_NUMBER_ID).await;
    let res = app
        .post_json(
            &t.token,
            "/api/v1/canned-replies",
            json!({"shortcut": "refund", "text": "Hi {{contact.name}}, your refund is on its way."}),
        )
        .await;
    assert_eq!(res.status(), 201);
    // An agent once answered a delivery question.
    let first = app.open_conversation(&t, "919700000001").await;
    app.post_webhook_ok(text_webhook(PHONE_NUMBER_ID, "919700000001", "wamid.s1", "when will my delivery arrive?")).await;
    eventually("the question stored", WAIT, || async {
        (app.all_messages(&t).await.iter().filter(|m| m["direction"] == "inbound").count() >= 2).then_some(())
    })
    .await;
    let res = app.send(&t, &first, json!({"type": "text", "text": {"body": "Deliveries arrive within 3 days."}})).await;
    assert!(res.status().is_success());
    // Nothing to suggest before the customer writes anything relevant.
    let second = app.open_conversation(&t, "919700000002").await;
    let (_, none) = app.get(&t, &format!("/api/v1/conversations/{second}/suggestions")).await;
    assert_eq!(none["engine"], "retrieval");
    assert!(none["suggestions"].as_array().unwrap().is_empty(), "{none}");
    // A similar question elsewhere: the past answer.
    app.post_webhook_ok(text_webhook(PHONE_NUMBER_ID, "919700000002", "wamid.s2", "my delivery did not arrive")).await;
    let s = eventually("a suggestion from the past answer", WAIT, || async {
        let (_, s) = app.get(&t, &format!("/api/v1/conversations/{second}/suggestions")).await;
        s["suggestions"].as_array()?.iter().any(|x| x["text"] == "Deliveries arrive within 3 days.").then_some(s)
    })
    .await;
    assert_eq!(s["suggestions"][0]["source"], "history");
    // A refund question: the canned reply, with the contact's name filled.
    app.post_webhook_ok(text_webhook(PHONE_NUMBER_ID, "919700000002", "wamid.s3", "where is my refund?")).await;
    let s = eventually("the canned reply", WAIT, || async {
        let (_, s) = app.get(&t, &format!("/api/v1/conversations/{second}/suggestions")).await;
        (s["suggestions"][0]["source"] == "canned").then_some(s)
    })
    .await;
    assert_eq!(s["suggestions"][0]["text"], "Hi Customer 919700000002, your refund is on its way.");
    assert!(s["suggestions"].as_array().unwrap().len() <= 3);
    // Suggestions never send themselves: only the agent's one reply went out.
    assert_eq!(app.sim_sends().await.len(), 1);
    // Another account learns nothing from this one's answers.
    let other = app.register("Other Smart").await;
    let (status, _) = app.get(&other, &format!("/api/v1/conversations/{second}/suggestions")).await;
    assert_eq!(status, 404);
    // Without a provider, drafting says what to set.
    let (_, ai) = app.get(&t, "/api/v1/ai/status").await;
    assert_eq!(ai["configured"], false);
    let res = app.post_json(&t.token, "/api/v1/templates/draft", json!({"description": "order ready"})).await;
    assert_eq!(res.status(), 403);
    let v: Value = res.json().await.unwrap();
    assert_eq!(v["error"]["code"], "AI_NOT_CONFIGURED");
    assert!(v["error"]["message"].as_str().unwrap().contains("AI_BASE_URL"));
}

#[actix_rt::test]
async fn a_configured_model_suggests_replies_and_drafts_templates() {
    let (base, asked) = fake_model();
    let app = spawn_with(
        fresh_database().await,
        move |mut c| {
            c.ai = Some(whatsflow::ai::AiConfig {
                base_url: base,
                api_key: whatsflow::config::Secret::new("sk-test-123"),
                model: "test-model".into(),
            });
            c
        },
        None,
    )
    .await;
    let t = app.register("Model Ltd").await;
    app.connect_channel(&t, PHONE_NUMBER_ID).await;
    let c = app.open_conversation(&t, "919700000003").await;
    let (_, s) = app.get(&t, &format!("/api/v1/conversations/{c}/suggestions")).await;
    assert_eq!(s["engine"], "ai");
    let texts: Vec<&str> = s["suggestions"].as_array().unwrap().iter().map(|x| x["text"].as_str().unwrap()).collect();
    assert_eq!(texts, ["Sorry about that, checking now.", "Could you share your order number?", "Thanks for waiting!"]);
    {
        let asked = asked.lock().unwrap();
        let (auth, body) = &asked[0];
        assert_eq!(auth, "Bearer sk-test-123");
        assert_eq!(body["model"], "test-model");
        assert!(body["messages"][1]["content"].as_str().unwrap().contains("Customer: hello?"), "{body}");
    }
    let (_, ai) = app.get(&t, "/api/v1/ai/status").await;
    assert_eq!((ai["configured"].as_bool(), ai["model"].as_str()), (Some(true), Some("test-model")));
    let res = app
        .post_json(
            &t.token,
            "/api/v1/templates/draft",
            json!({"description": "Tell a customer their order is ready", "category": "UTILITY"}),
        )
        .await;
    assert_eq!(res.status(), 200);
    let d: Value = res.json().await.unwrap();
    assert_eq!(d["name"], "order_ready");
    assert_eq!(d["components"][0]["text"], "Hi {{1}}, your order {{2}} is ready for pickup.");
    assert_eq!(d["components"][0]["example"]["body_text"], json!([["Asha", "A-42"]]));
    // The draft is a valid template: it can be created as it is.
    let res = app
        .post_json(
            &t.token,
            "/api/v1/templates",
            json!({"name": d["name"], "language": "en", "category": d["category"], "components": d["components"]}),
        )
        .await;
    assert_eq!(res.status(), 201, "{}", res.text().await.unwrap_or_default());
}
