//! Driving a flow run: [`drive`] executes nodes from the cursor until the
//! run has to wait (a reply, an input, a delay, a person), persisting the
//! cursor before each side effect that a resume could not redo alike
//! ([`Unsaved`]). Effects go through an [`Effects`]
//! executor: the live one (the [`super::actor::FlowRun`] actor: real sends
//! through the conversation, real HTTP) or the sandbox of
//! `POST /flows/{id}/test` (a transcript). Time comes from the executor too
//! ([`Effects::now`]), so delays and input timeouts are tested without
//! waiting.

use super::interpret::{self, Effect, Replay, RunContext, Then};
use super::record::{RunRecord, RunStatus, Waiting};
use super::spec::NodeSpec;
use super::Flow;
use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use serde_json::{json, Value};

/// Most nodes one drive executes before it stops the run as looping.
pub const MAX_STEPS_PER_DRIVE: usize = 200;

/// What wakes a run.
#[derive(Debug, Clone, PartialEq)]
pub enum Trigger {
    /// Begin at the start node (or continue from the cursor).
    Go,
    /// The customer wrote (`interpret::message_facts`).
    Message(Value),
    /// A timer fired.
    Timer(DateTime<Utc>),
}

/// Performs a run's side effects.
#[async_trait]
pub trait Effects: Send {
    /// Persists the run (before each side effect).
    async fn persist(&mut self, run: &RunRecord) -> Result<(), String>;
    /// Sends a message; `key` makes a re-executed step send once.
    async fn send(&mut self, kind: &str, content: &Value, key: &str) -> Result<(), String>;
    /// Calls an API: its JSON answer, or why not.
    async fn api(
        &mut self,
        method: &str,
        url: &str,
        headers: &[(String, String)],
        body: Option<&Value>,
        timeout_ms: u64,
    ) -> Result<Value, String>;
    /// Posts the run's context (best effort).
    async fn webhook(&mut self, url: &str, body: &Value) -> Result<(), String>;
    /// Assigns the conversation.
    async fn assign(&mut self, agent_id: Option<&str>, team: Option<&str>, strategy: &str) -> Result<(), String>;
    /// Changes the contact's tags.
    async fn tag(&mut self, add: &[String], remove: &[String]) -> Result<(), String>;
    /// Sets a contact field.
    async fn set_field(&mut self, field: &str, value: &Value) -> Result<(), String>;
    /// Hands the conversation to people.
    async fn handoff(&mut self, note: Option<&str>) -> Result<(), String>;
    /// Puts the contact into a drip sequence (already in it, or refused by
    /// its re-entry policy: nothing changes, the run goes on).
    async fn enroll(&mut self, campaign_id: &str) -> Result<(), String>;
    /// Now.
    fn now(&self) -> DateTime<Utc>;
}

/// `now` plus `seconds`, or why not: checked, so a huge wait (say, in a flow
/// stored before waits were bounded) fails the run instead of panicking.
fn deadline(now: DateTime<Utc>, seconds: u64) -> Result<DateTime<Utc>, String> {
    i64::try_from(seconds)
        .ok()
        .and_then(Duration::try_seconds)
        .and_then(|d| now.checked_add_signed(d))
        .ok_or_else(|| format!("a wait of {seconds} seconds is out of range"))
}

/// Fails the run and records it (best effort): a failed run must not stay
/// `running` in the store, or a restart would resume it at the failed node.
async fn failed(run: RunRecord, why: String, fx: &mut dyn Effects) -> RunRecord {
    let run = fail(run, why);
    if let Err(e) = fx.persist(&run).await {
        tracing::warn!(run_id = %run.id, error = %e, "a failed run could not be recorded; it is retried when its conversation reloads");
    }
    run
}

fn fail(mut run: RunRecord, why: String) -> RunRecord {
    run.status = RunStatus::Failed;
    run.error = Some(why);
    run.waiting = None;
    run
}

/// Resolves what the run waits for with a trigger; false when the trigger
/// does not concern the run (e.g. a reply matching no button).
fn resolve_wait(flow: &Flow, run: &mut RunRecord, ctx: &mut RunContext, trigger: &Trigger) -> Result<bool, Option<(String, Value)>> {
    let Some(waiting) = run.waiting.clone() else {
        return Ok(matches!(trigger, Trigger::Go));
    };
    match (&waiting, trigger) {
        (Waiting::Reply { node }, Trigger::Message(m)) => {
            let Some(spec) = flow.spec(node) else { return Ok(false) };
            match interpret::branch_for_reply(flow, node, spec, m) {
                Some(next) => {
                    run.cursor = next;
                    run.waiting = None;
                    Ok(true)
                }
                None => Ok(false),
            }
        }
        (Waiting::Input { node, retries, until }, Trigger::Message(m)) => {
            let Some(NodeSpec::Input(input)) = flow.spec(node) else { return Ok(false) };
            match interpret::validate_input(input, m) {
                Some(value) => {
                    run.vars.insert(input.variable.clone(), value);
                    ctx.vars = run.vars.clone();
                    run.cursor = flow.next(node, Some("ok")).or_else(|| flow.next(node, None)).map(str::to_owned);
                    run.waiting = None;
                    Ok(true)
                }
                None if *retries > 0 => {
                    run.waiting = Some(Waiting::Input { node: node.clone(), retries: retries - 1, until: *until });
                    let again = input.retry_prompt.as_deref().unwrap_or(&input.prompt);
                    Err(Some(("text".to_owned(), json!({"body": interpret::interpolate(again, ctx)}))))
                }
                None => {
                    run.cursor = flow.next(node, Some("invalid")).map(str::to_owned);
                    run.waiting = None;
                    Ok(true)
                }
            }
        }
        (Waiting::Input { node, until: Some(until), .. }, Trigger::Timer(now)) if now >= until => {
            run.cursor = flow.next(node, Some("timeout")).map(str::to_owned);
            run.waiting = None;
            Ok(true)
        }
        (Waiting::Delay { node, until }, Trigger::Timer(now)) if now >= until => {
            run.cursor = flow.next(node, None).map(str::to_owned);
            run.waiting = None;
            Ok(true)
        }
        _ => Ok(false),
    }
}

/// What the run did since its last save: a resume (a restart, or another
/// node taking the conversation over) starts from that save and does it all
/// again. A stretch is safe to do again when every send in it repeats under
/// its key (the outbox refuses the repeat), at most its first step changes the
/// contact or calls out (done again the way an interrupted step always was),
/// and nothing in it came from outside the stored row (a customer's answer,
/// a resume by hand). The driver saves before a step that would break this,
/// so a run with only sends, conditions and contact changes costs one save
/// per drive instead of one per node.
#[derive(Debug, Default)]
struct Unsaved {
    /// Steps executed since the save.
    steps: usize,
    /// One of them called out ([`Replay::External`]).
    external: bool,
    /// The run took something a resume would not find again: it left a wait
    /// or a pause.
    consumed: bool,
}

impl Unsaved {
    /// Whether the run must be saved before a step with this effect.
    fn save_before(&self, effect: Option<&Effect>) -> bool {
        let Some(effect) = effect else { return false };
        self.consumed
            || match effect.replay() {
                Replay::Deduplicated => self.external,
                Replay::Idempotent | Replay::External => self.steps > 0,
            }
    }

    /// Records a step done after the last save.
    fn did(&mut self, effect: Option<&Effect>) {
        self.steps += 1;
        self.external |= effect.map(Effect::replay) == Some(Replay::External);
    }
}

/// Drives a run until it waits or ends. The cursor is persisted before
/// every side effect a resume could not redo alike ([`Unsaved`]), and when
/// the run stops; the returned record is the run's new state.
pub async fn drive(flow: &Flow, mut run: RunRecord, ctx: &mut RunContext, trigger: Trigger, fx: &mut dyn Effects) -> RunRecord {
    if !run.status.is_active() || (run.status == RunStatus::Paused && trigger != Trigger::Go) {
        return run;
    }
    if let Trigger::Message(m) = &trigger {
        ctx.message = Some(m.clone());
    }
    ctx.vars = run.vars.clone();
    // A run stored in the middle of a step (every step is saved before its
    // side effect; the process, or its node's lease, was lost before the
    // next save) does that step again under the same key: a message it may
    // already have sent is then refused as a duplicate, not sent twice.
    let mut unsaved = Unsaved { consumed: run.status != RunStatus::Running, ..Unsaved::default() };
    let mut mid_step = run.status == RunStatus::Running
        && trigger == Trigger::Go
        && run.step > 0
        && run.cursor.is_some()
        && run.path.last() == run.cursor.as_ref();
    match resolve_wait(flow, &mut run, ctx, &trigger) {
        Ok(true) => {}
        Ok(false) => return run,
        Err(reprompt) => {
            // A wrong answer: ask again, once per retry.
            run.step += 1;
            if let Err(e) = fx.persist(&run).await {
                return fail(run, format!("could not save the run: {e}"));
            }
            if let Some((kind, content)) = reprompt {
                if let Err(e) = fx.send(&kind, &content, &format!("{}:{}", run.id, run.step)).await {
                    return failed(run, format!("re-prompt not sent: {e}"), fx).await;
                }
            }
            return run;
        }
    }
    run.status = RunStatus::Running;
    for _ in 0..MAX_STEPS_PER_DRIVE {
        let Some(node_id) = run.cursor.clone() else {
            run.status = RunStatus::Completed;
            let _ = fx.persist(&run).await;
            return run;
        };
        let Some(spec) = flow.spec(&node_id) else {
            return failed(run, format!("node `{node_id}` is not in this flow version"), fx).await;
        };
        if !std::mem::take(&mut mid_step) {
            run.step += 1;
            run.path.push(node_id.clone());
        }
        let step = interpret::execute(flow, &node_id, spec, ctx);
        if unsaved.save_before(step.effect.as_ref()) {
            if let Err(e) = fx.persist(&run).await {
                return fail(run, format!("could not save the run: {e}"));
            }
            unsaved = Unsaved::default();
        }
        unsaved.did(step.effect.as_ref());
        let key = format!("{}:{}", run.id, run.step);
        let mut api_answer = None;
        let outcome = match &step.effect {
            None => Ok(()),
            Some(Effect::Send { kind, content }) => fx.send(kind, content, &key).await,
            Some(Effect::Api { method, url, headers, body, timeout_ms }) => {
                api_answer = Some(fx.api(method, url, headers, body.as_ref(), *timeout_ms).await);
                Ok(())
            }
            Some(Effect::Webhook { url, body }) => {
                if let Err(e) = fx.webhook(url, body).await {
                    tracing::warn!(run_id = %run.id, node = %node_id, error = %e, "flow webhook failed; continuing");
                }
                Ok(())
            }
            Some(Effect::Assign { agent_id, team, strategy }) => fx.assign(agent_id.as_deref(), team.as_deref(), strategy).await,
            Some(Effect::Tag { add, remove }) => {
                let r = fx.tag(add, remove).await;
                if r.is_ok() {
                    let mut tags: Vec<String> = ctx
                        .contact
                        .get("tags")
                        .and_then(Value::as_array)
                        .map(|a| a.iter().filter_map(Value::as_str).map(str::to_owned).collect())
                        .unwrap_or_default();
                    tags.retain(|t| !remove.contains(t));
                    tags.extend(add.iter().filter(|a| !tags.contains(a)).cloned().collect::<Vec<_>>());
                    ctx.contact.insert("tags".into(), json!(tags));
                }
                r
            }
            Some(Effect::SetField { field, value }) => {
                let r = fx.set_field(field, value).await;
                if r.is_ok() {
                    if field == "name" {
                        ctx.contact.insert("name".into(), value.clone());
                    } else if let Some(Value::Object(f)) = ctx.contact.get_mut("fields") {
                        f.insert(field.clone(), value.clone());
                    } else {
                        ctx.contact.insert("fields".into(), json!({field: value}));
                    }
                }
                r
            }
            Some(Effect::Handoff { note }) => fx.handoff(note.as_deref()).await,
            Some(Effect::Enroll { campaign_id }) => fx.enroll(campaign_id).await,
        };
        if let Err(e) = outcome {
            return failed(run, format!("node `{node_id}`: {e}"), fx).await;
        }
        match step.then {
            Then::Goto(next) => run.cursor = next,
            Then::AwaitApi => {
                let next = match api_answer {
                    Some(Ok(answer)) => {
                        if let NodeSpec::Api(api) = spec {
                            run.vars.extend(interpret::api_saves(api, &answer));
                        }
                        ctx.vars = run.vars.clone();
                        flow.next(&node_id, Some("ok")).or_else(|| flow.next(&node_id, None))
                    }
                    Some(Err(e)) => match flow.next(&node_id, Some("error")) {
                        Some(n) => {
                            run.vars.insert("api_error".into(), json!(e));
                            ctx.vars = run.vars.clone();
                            Some(n)
                        }
                        None => return failed(run, format!("api node `{node_id}`: {e} (and no `error` branch)"), fx).await,
                    },
                    None => None,
                };
                run.cursor = next.map(str::to_owned);
            }
            Then::WaitReply => {
                run.status = RunStatus::Waiting;
                run.waiting = Some(Waiting::Reply { node: node_id });
                break;
            }
            Then::WaitInput { retries, timeout_seconds } => {
                let until = match timeout_seconds.map(|s| deadline(fx.now(), s)).transpose() {
                    Ok(until) => until,
                    Err(e) => return failed(run, format!("input node `{node_id}`: {e}"), fx).await,
                };
                run.status = RunStatus::Waiting;
                run.waiting = Some(Waiting::Input { node: node_id, retries, until });
                break;
            }
            Then::Delay { seconds } => {
                let until = match deadline(fx.now(), seconds) {
                    Ok(until) => until,
                    Err(e) => return failed(run, format!("delay node `{node_id}`: {e}"), fx).await,
                };
                run.status = RunStatus::Waiting;
                run.waiting = Some(Waiting::Delay { node: node_id, until });
                break;
            }
            Then::Pause => {
                run.status = RunStatus::Paused;
                run.cursor = flow.next(&node_id, None).map(str::to_owned);
                break;
            }
            Then::End => {
                run.status = RunStatus::Completed;
                run.cursor = None;
                break;
            }
        }
    }
    if run.status == RunStatus::Running {
        return failed(run, format!("more than {MAX_STEPS_PER_DRIVE} steps without waiting: a loop?"), fx).await;
    }
    if let Err(e) = fx.persist(&run).await {
        return fail(run, format!("could not save the run: {e}"));
    }
    run
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flow::{validate, FlowData};
    use crate::ports::{Clock, ManualClock};

    /// Records effects; its time is a [`ManualClock`] the test moves.
    #[derive(Default)]
    struct Recorder {
        sent: Vec<(String, Value, String)>,
        persisted: Vec<RunRecord>,
        api: Option<Result<Value, String>>,
        clock: ManualClock,
    }

    #[async_trait]
    impl Effects for Recorder {
        async fn persist(&mut self, run: &RunRecord) -> Result<(), String> {
            self.persisted.push(run.clone());
            Ok(())
        }
        async fn send(&mut self, kind: &str, content: &Value, key: &str) -> Result<(), String> {
            self.sent.push((kind.into(), content.clone(), key.into()));
            Ok(())
        }
        async fn api(&mut self, _: &str, _: &str, _: &[(String, String)], _: Option<&Value>, _: u64) -> Result<Value, String> {
            self.api.clone().unwrap_or(Ok(json!({})))
        }
        async fn webhook(&mut self, _: &str, _: &Value) -> Result<(), String> {
            Ok(())
        }
        async fn assign(&mut self, _: Option<&str>, _: Option<&str>, _: &str) -> Result<(), String> {
            Ok(())
        }
        async fn tag(&mut self, _: &[String], _: &[String]) -> Result<(), String> {
            Ok(())
        }
        async fn set_field(&mut self, _: &str, _: &Value) -> Result<(), String> {
            Ok(())
        }
        async fn handoff(&mut self, _: Option<&str>) -> Result<(), String> {
            Ok(())
        }
        async fn enroll(&mut self, _: &str) -> Result<(), String> {
            Ok(())
        }
        fn now(&self) -> DateTime<Utc> {
            self.clock.now()
        }
    }

    fn order_flow() -> Flow {
        let data: FlowData = serde_json::from_value(json!({"nodes": [
            {"id": "ask", "type": "input", "data": {"start": true, "prompt": "Order number?", "variable": "order", "validation": "regex", "pattern": "^\\d{4}$", "retries": 1, "timeout_seconds": 60}},
            {"id": "look", "type": "api", "data": {"method": "GET", "url": "https://shop.test/orders/{{vars.order}}", "save": {"state": "status"}}},
            {"id": "tell", "type": "message", "data": {"text": "Order {{vars.order}} is {{vars.state}}"}},
            {"id": "sorry", "type": "message", "data": {"text": "Lookup failed"}},
            {"id": "bye", "type": "message", "data": {"text": "No answer, bye"}},
            {"id": "bad", "type": "handoff", "data": {"note": "could not parse"}}
        ], "edges": [
            {"id": "1", "source": "ask", "target": "look", "sourceHandle": "ok"},
            {"id": "2", "source": "ask", "target": "bad", "sourceHandle": "invalid"},
            {"id": "3", "source": "ask", "target": "bye", "sourceHandle": "timeout"},
            {"id": "4", "source": "look", "target": "tell", "sourceHandle": "ok"},
            {"id": "5", "source": "look", "target": "sorry", "sourceHandle": "error"}
        ]})).unwrap();
        validate(&data).unwrap()
    }

    fn msg(t: &str) -> Trigger {
        Trigger::Message(json!({"type": "text", "text": t}))
    }

    #[actix_rt::test]
    async fn input_reprompts_then_calls_the_api_and_answers() {
        let flow = order_flow();
        let mut fx = Recorder { api: Some(Ok(json!({"status": "shipped"}))), ..Default::default() };
        let mut ctx = RunContext::default();
        let run = drive(&flow, RunRecord::new(uuid::Uuid::nil(), 1, &flow), &mut ctx, Trigger::Go, &mut fx).await;
        assert_eq!(run.status, RunStatus::Waiting);
        assert_eq!(fx.sent[0].1["body"], "Order number?");
        let run = drive(&flow, run, &mut ctx, msg("soon"), &mut fx).await;
        assert_eq!(fx.sent.len(), 2, "garbage gets the re-prompt");
        let run = drive(&flow, run, &mut ctx, msg("4821"), &mut fx).await;
        assert_eq!(run.status, RunStatus::Completed);
        assert_eq!(fx.sent.last().unwrap().1["body"], "Order 4821 is shipped");
        assert_eq!(run.path, vec!["ask", "look", "tell"]);
        let keys: std::collections::HashSet<&String> = fx.sent.iter().map(|s| &s.2).collect();
        assert_eq!(keys.len(), fx.sent.len(), "every send has its own idempotency key");
        assert!(fx.persisted.iter().any(|r| r.cursor.as_deref() == Some("tell")), "the cursor is saved before the send");
    }

    #[actix_rt::test]
    async fn a_run_stored_mid_step_repeats_that_step_under_the_same_key() {
        let data: FlowData = serde_json::from_value(json!({"nodes": [
            {"id": "hi", "type": "message", "data": {"start": true, "text": "Here is our menu"}},
            {"id": "more", "type": "message", "data": {"text": "Anything else?"}}],
            "edges": [{"id": "1", "source": "hi", "target": "more"}]}))
        .unwrap();
        let flow = validate(&data).unwrap();
        let mut first = Recorder::default();
        let done = drive(&flow, RunRecord::new(uuid::Uuid::nil(), 1, &flow), &mut RunContext::default(), Trigger::Go, &mut first).await;
        assert_eq!(done.status, RunStatus::Completed);
        // Two sends in a row share the run's one save (at the end): a
        // resume redoes both under their keys. A run saved just before its
        // first send (as one is before a step that must not be redone
        // blindly) is found by a takeover or a restart like this:
        assert_eq!(first.persisted.len(), 1, "one save for the drive: {:?}", first.persisted);
        let mut stored = RunRecord { id: done.id, ..RunRecord::new(uuid::Uuid::nil(), 1, &flow) };
        stored.step = 1;
        stored.path.push("hi".into());
        let mut again = Recorder::default();
        let resumed = drive(&flow, stored, &mut RunContext::default(), Trigger::Go, &mut again).await;
        assert_eq!(resumed.status, RunStatus::Completed);
        let keys = |r: &Recorder| r.sent.iter().map(|s| s.2.clone()).collect::<Vec<_>>();
        assert_eq!(keys(&again), keys(&first), "the same sends under the same keys (the outbox refuses the repeats)");
        assert_eq!(resumed.path, vec!["hi", "more"]);
        assert_eq!(resumed.step, done.step);
    }

    #[actix_rt::test]
    async fn saves_are_taken_where_a_resume_could_differ_and_every_resume_ends_alike() {
        let data: FlowData = serde_json::from_value(json!({"nodes": [
            {"id": "a", "type": "set_field", "data": {"start": true, "field": "stage", "value": "one"}},
            {"id": "b", "type": "condition", "data": {"rules": [{"field": "contact.fields.stage", "operator": "equals", "value": "one", "handle": "yes"}]}},
            {"id": "c", "type": "message", "data": {"text": "Your order number?"}},
            {"id": "d", "type": "input", "data": {"prompt": "Order number please", "variable": "order", "validation": "number"}},
            {"id": "e", "type": "tag", "data": {"add": ["bench"]}},
            {"id": "g", "type": "api", "data": {"method": "GET", "url": "https://shop.test/orders/{{vars.order}}", "save": {"state": "status"}}},
            {"id": "h", "type": "message", "data": {"text": "Order {{vars.order}} is {{vars.state}}"}},
            {"id": "f", "type": "end", "data": {}},
            {"id": "z", "type": "end", "data": {}}
        ], "edges": [
            {"id": "1", "source": "a", "target": "b"}, {"id": "2", "source": "b", "target": "c", "sourceHandle": "yes"},
            {"id": "3", "source": "b", "target": "z", "sourceHandle": "else"}, {"id": "4", "source": "c", "target": "d"},
            {"id": "5", "source": "d", "target": "e", "sourceHandle": "ok"}, {"id": "6", "source": "e", "target": "g"},
            {"id": "7", "source": "g", "target": "h", "sourceHandle": "ok"}, {"id": "8", "source": "h", "target": "f"}
        ]}))
        .unwrap();
        let flow = validate(&data).unwrap();
        let shipped = || Recorder { api: Some(Ok(json!({"status": "shipped"}))), ..Default::default() };
        // Runs a run (from any stored state) to its end the way the live
        // actor would: woken with Go, then given the customer's answer.
        async fn finish(flow: &Flow, run: RunRecord, fx: &mut Recorder) -> RunRecord {
            let mut ctx = RunContext::default();
            let run = drive(flow, run, &mut ctx, Trigger::Go, fx).await;
            match run.status {
                RunStatus::Waiting => drive(flow, run, &mut ctx, msg("4821"), fx).await,
                _ => run,
            }
        }
        let mut first = shipped();
        let mut ctx = RunContext::default();
        let waiting = drive(&flow, RunRecord::new(uuid::Uuid::nil(), 1, &flow), &mut ctx, Trigger::Go, &mut first).await;
        assert_eq!(waiting.status, RunStatus::Waiting);
        assert_eq!(first.persisted.len(), 1, "a field, a condition and two sends ride on the drive's one save");
        let done = drive(&flow, waiting, &mut ctx, msg("4821"), &mut first).await;
        assert_eq!(done.status, RunStatus::Completed);
        assert_eq!(done.path, vec!["a", "b", "c", "d", "e", "g", "h", "f"]);
        let saved: Vec<(Option<String>, RunStatus)> = first.persisted.iter().map(|r| (r.cursor.clone(), r.status)).collect();
        assert_eq!(
            saved,
            vec![
                (Some("d".into()), RunStatus::Waiting),
                // The answer is saved before anything is done with it.
                (Some("e".into()), RunStatus::Running),
                // A call out after a change to the contact, then the send
                // after the call out, each behind a save.
                (Some("g".into()), RunStatus::Running),
                (Some("h".into()), RunStatus::Running),
                (None, RunStatus::Completed),
            ]
        );
        let sent: std::collections::HashMap<String, Value> = first.sent.iter().map(|(_, c, k)| (k.clone(), c.clone())).collect();
        assert_eq!(sent.len(), 3);
        // A crash anywhere resumes from the last save, or from the stored
        // start: every resume ends in the same state, and sends nothing the
        // first pass did not send under the same key.
        let mut resumes = vec![RunRecord { id: done.id, ..RunRecord::new(uuid::Uuid::nil(), 1, &flow) }];
        resumes.extend(first.persisted.iter().filter(|r| r.status != RunStatus::Completed).cloned());
        for stored in resumes {
            let mut again = shipped();
            let end = finish(&flow, stored.clone(), &mut again).await;
            assert_eq!((end.status, &end.path, end.step, &end.vars), (done.status, &done.path, done.step, &done.vars), "from {stored:?}");
            for (_, content, key) in &again.sent {
                assert_eq!(sent.get(key), Some(content), "from {stored:?}: {key} was not sent so the first time");
            }
        }
    }

    #[actix_rt::test]
    async fn timeouts_errors_and_invalid_answers_take_their_branches() {
        let flow = order_flow();
        let mut ctx = RunContext::default();
        let mut fx = Recorder::default();
        let run = drive(&flow, RunRecord::new(uuid::Uuid::nil(), 1, &flow), &mut ctx, Trigger::Go, &mut fx).await;
        fx.clock.advance(Duration::seconds(59));
        let early = drive(&flow, run.clone(), &mut ctx, Trigger::Timer(fx.clock.now()), &mut fx).await;
        assert_eq!(early.status, RunStatus::Waiting, "a timer before its time changes nothing");
        fx.clock.advance(Duration::seconds(2));
        let late = drive(&flow, run.clone(), &mut ctx, Trigger::Timer(fx.clock.now()), &mut fx).await;
        assert_eq!(late.status, RunStatus::Completed);
        assert_eq!(fx.sent.last().unwrap().1["body"], "No answer, bye");

        let mut fx = Recorder { api: Some(Err("connection refused".into())), ..Default::default() };
        let run = drive(&flow, RunRecord::new(uuid::Uuid::nil(), 1, &flow), &mut ctx, Trigger::Go, &mut fx).await;
        let run = drive(&flow, run, &mut ctx, msg("1234"), &mut fx).await;
        assert_eq!(fx.sent.last().unwrap().1["body"], "Lookup failed");
        assert_eq!(run.vars["api_error"], "connection refused");

        let mut fx = Recorder::default();
        let run = drive(&flow, RunRecord::new(uuid::Uuid::nil(), 1, &flow), &mut ctx, Trigger::Go, &mut fx).await;
        let run = drive(&flow, run, &mut ctx, msg("x"), &mut fx).await;
        let run = drive(&flow, run, &mut ctx, msg("y"), &mut fx).await;
        assert_eq!(run.status, RunStatus::Paused, "out of retries: the invalid branch hands off");
    }

    #[actix_rt::test]
    async fn a_jump_loop_fails_visibly() {
        let data: FlowData = serde_json::from_value(json!({"nodes": [
            {"id": "a", "type": "jump", "data": {"start": true, "target": "b"}}, {"id": "b", "type": "jump", "data": {"target": "a"}}], "edges": []})).unwrap();
        let flow = validate(&data).unwrap();
        let run =
            drive(&flow, RunRecord::new(uuid::Uuid::nil(), 1, &flow), &mut RunContext::default(), Trigger::Go, &mut Recorder::default())
                .await;
        assert_eq!(run.status, RunStatus::Failed);
        assert!(run.error.unwrap().contains("loop"));
    }

    /// A flow validated with small waits, then given huge ones, as a flow
    /// stored before waits were bounded would have.
    fn with_huge_waits() -> Flow {
        let data: FlowData = serde_json::from_value(json!({"nodes": [
            {"id": "wait", "type": "delay", "data": {"start": true, "seconds": 10}},
            {"id": "ask", "type": "input", "data": {"prompt": "?", "variable": "v", "timeout_seconds": 10}}],
            "edges": [{"id": "1", "source": "wait", "target": "ask"}]}))
        .unwrap();
        let mut flow = validate(&data).unwrap();
        for spec in &mut flow.specs {
            match spec {
                NodeSpec::Delay { seconds } => *seconds = u64::MAX,
                NodeSpec::Input(input) => input.timeout_seconds = Some(i64::MAX as u64),
                _ => {}
            }
        }
        flow
    }

    #[actix_rt::test]
    async fn huge_waits_in_a_stored_flow_fail_the_run_without_panicking() {
        let flow = with_huge_waits();
        let mut fx = Recorder::default();
        let run = drive(&flow, RunRecord::new(uuid::Uuid::nil(), 1, &flow), &mut RunContext::default(), Trigger::Go, &mut fx).await;
        assert_eq!(run.status, RunStatus::Failed);
        assert!(run.error.as_deref().unwrap().contains("out of range"), "{:?}", run.error);
        assert!(run.waiting.is_none());

        // Past the delay (as a run stored mid-flow would be): the input's timeout overflows too.
        let mut run = RunRecord::new(uuid::Uuid::nil(), 1, &flow);
        run.cursor = Some("ask".into());
        let run = drive(&flow, run, &mut RunContext::default(), Trigger::Go, &mut fx).await;
        assert_eq!(run.status, RunStatus::Failed);
        assert!(run.error.as_deref().unwrap().contains("input node `ask`"), "{:?}", run.error);

        // Near the end of time even a bounded 60 s timeout overflows: a failure, not a panic.
        let flow = order_flow();
        let mut fx = Recorder { clock: ManualClock::at(DateTime::<Utc>::MAX_UTC - Duration::seconds(5)), ..Default::default() };
        let run = drive(&flow, RunRecord::new(uuid::Uuid::nil(), 1, &flow), &mut RunContext::default(), Trigger::Go, &mut fx).await;
        assert_eq!(run.status, RunStatus::Failed);
        assert!(run.error.as_deref().unwrap().contains("out of range"), "{:?}", run.error);
    }

    #[actix_rt::test]
    async fn a_stored_run_waiting_until_the_end_of_time_does_not_panic() {
        let flow = order_flow();
        let stored = json!({
            "id": uuid::Uuid::nil(), "flow_id": uuid::Uuid::nil(), "version": 1, "status": "waiting", "cursor": "ask",
            "vars": {}, "path": ["ask"], "step": 1, "error": null,
            "waiting": {"kind": "input", "node": "ask", "retries": 1, "until": DateTime::<Utc>::MAX_UTC}
        });
        let run: RunRecord = serde_json::from_value(stored).unwrap();
        let mut fx = Recorder::default();
        let run = drive(&flow, run, &mut RunContext::default(), Trigger::Timer(fx.clock.now()), &mut fx).await;
        assert_eq!(run.status, RunStatus::Waiting, "its timer is not due");
        let run = drive(&flow, run, &mut RunContext::default(), Trigger::Timer(DateTime::<Utc>::MAX_UTC), &mut fx).await;
        assert_eq!(run.status, RunStatus::Completed, "the timeout branch, at the end of time");
    }
}
