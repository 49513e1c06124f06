//! Micro-benchmarks of the hot path's pieces: webhook signature and parse
//! per payload type, a conversation batch plan (what an actor does per
//! event), a flow interpreter step, and a socket frame's JSON encoding.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use serde_json::json;
use std::hint::black_box;
use whatsflow_actors::conversation::{plan_batch, ConversationWork, PlanContext};
use whatsflow_actors::events::ConversationEvent;
use whatsflow_actors::ids::{ConversationId, MessageId, TenantId};
use whatsflow_actors::meta::{parse_webhook, WebhookEvent};

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!("{}/../tests/fixtures/webhooks/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

fn webhook(c: &mut Criterion) {
    let secret = b"bench-secret";
    let mut g = c.benchmark_group("webhook_sign_verify_parse");
    for name in
        ["text.json", "image.json", "interactive_button_reply.json", "status_with_pricing.json", "batch_multi.json", "username_only.json"]
    {
        let body = fixture(name);
        let sig = whatsflow::http::webhooks::sign(secret, &body);
        g.throughput(Throughput::Bytes(body.len() as u64));
        g.bench_with_input(BenchmarkId::from_parameter(name), &body, |b, body| {
            b.iter(|| {
                assert!(whatsflow::http::webhooks::signature_valid(secret, black_box(body), Some(&sig)));
                black_box(parse_webhook(body).unwrap())
            })
        });
    }
    g.finish();
}

fn actor_apply(c: &mut Criterion) {
    let body = fixture("text.json");
    let parsed = parse_webhook(&body).unwrap();
    let WebhookEvent::Message(m) = parsed.events[0].clone() else { panic!("fixture is a message") };
    let pc = PlanContext {
        tenant_id: TenantId::generate(),
        conversation_id: ConversationId::generate(),
        last_seq: 10,
        to: None,
        user_id: None,
        now: chrono::Utc::now(),
    };
    let mut g = c.benchmark_group("conversation_plan_batch");
    for n in [1usize, 25, 256] {
        g.throughput(Throughput::Elements(n as u64));
        g.bench_with_input(BenchmarkId::from_parameter(n), &n, |b, &n| {
            b.iter(|| {
                let works = (0..n).map(|_| ConversationWork::Inbound(m.clone())).collect();
                black_box(plan_batch(&pc, works))
            })
        });
    }
    g.finish();
}

fn flow_step(c: &mut Criterion) {
    use whatsflow_actors::flow::interpret::{execute, RunContext};
    use whatsflow_actors::flow::{validate, FlowData};
    let data: FlowData = serde_json::from_value(json!({"nodes": [
        {"id": "c", "type": "condition", "data": {"start": true, "rules": [{"field": "contact.tags", "operator": "contains", "value": "vip", "handle": "vip"}]}},
        {"id": "m", "type": "message", "data": {"text": "Hi {{contact.name}}, order {{vars.order}}"}},
        {"id": "e", "type": "end", "data": {}}
    ], "edges": [{"id": "1", "source": "c", "target": "m", "sourceHandle": "vip"}, {"id": "2", "source": "c", "target": "e", "sourceHandle": "else"}]}))
    .unwrap();
    let flow = validate(&data).unwrap();
    let ctx = RunContext {
        contact: json!({"name": "Asha", "tags": ["vip"], "fields": {}}).as_object().cloned().unwrap(),
        vars: json!({"order": "4821"}).as_object().cloned().unwrap(),
        message: None,
    };
    let mut g = c.benchmark_group("flow_step");
    for id in ["c", "m"] {
        let spec = flow.spec(id).unwrap();
        g.bench_function(id, |b| b.iter(|| black_box(execute(&flow, id, spec, &ctx))));
    }
    g.finish();
}

fn frame_encoding(c: &mut Criterion) {
    let body = fixture("text.json");
    let parsed = parse_webhook(&body).unwrap();
    let WebhookEvent::Message(m) = parsed.events[0].clone() else { panic!("fixture is a message") };
    let conversation_id = ConversationId::generate();
    let message = whatsflow_actors::message::MessageView {
        id: MessageId::generate(),
        conversation_id,
        seq: 42,
        wamid: Some(m.wamid),
        direction: whatsflow_actors::message::Direction::Inbound,
        kind: m.kind,
        status: whatsflow_actors::message::MessageStatus::Received,
        content: m.content,
        context: None,
        referral: None,
        errors: None,
        reaction: None,
        pricing: None,
        sent_by: None,
        client_id: None,
        timestamp: m.timestamp,
        created_at: chrono::Utc::now(),
        sent_at: None,
        delivered_at: None,
        read_at: None,
        failed_at: None,
    };
    let event = ConversationEvent::MessageNew { conversation_id, seq: 42, message: Box::new(message) };
    c.bench_function("socket_frame_json", |b| b.iter(|| black_box(serde_json::to_string(&event).unwrap())));
}

criterion_group!(benches, webhook, actor_apply, flow_step, frame_encoding);
criterion_main!(benches);
