//! When a load or a commit fails: decide by what failed. An unavailable
//! store fails the work back to its inbox rows and restarts (reloading with
//! backoff); a vanished contact or conversation hands the events back to be
//! routed afresh and stops for good; a failure waiting will not cure (a bug,
//! a constraint) is retried a few times, then its events are parked as a
//! dead letter an operator can replay.

use super::{ConversationActor, ConversationGone, EventKind, Work};
use crate::events::ConversationEvent;
use crate::metrics::EngineMetrics;
use crate::parked::{ParkedEvents, ParkedWork};
use crate::ports::{DeadLetter, HeldEvent, StoreError};
use crate::protocol::SendRefusal;
use crate::ticket::EventReceipt;
use actix::prelude::*;

/// The durable form of queued work: an event parks; a command is refused
/// with `why` (it is answered, never stored) and a control dropped.
fn park_or_refuse(work: Work, why: SendRefusal) -> Option<ParkedWork> {
    Some(match work {
        Work::Event(EventKind::Inbound(m)) => ParkedWork::Inbound { message: Box::new(m) },
        Work::Event(EventKind::Status(s)) => ParkedWork::Held { event: HeldEvent::Status(super::plan::status_change(s)) },
        Work::Event(EventKind::Held(event)) => ParkedWork::Held { event },
        Work::Event(EventKind::SendResult(o)) => ParkedWork::SendResult { message_id: o.message_id, result: o.result },
        // Expanded into its events when it arrived: never queued whole.
        Work::Event(EventKind::Replay(_)) | Work::Control(_) => return None,
        Work::Command(command) => {
            command.refuse(why);
            return None;
        }
    })
}

/// An event in its durable form, for another node (a replay as its events).
pub fn parkable(kind: EventKind) -> Vec<ParkedWork> {
    match kind {
        EventKind::Replay(works) => works,
        other => park_or_refuse(Work::Event(other), SendRefusal::Unavailable).into_iter().collect(),
    }
}

/// Answers work that cannot be done here (a command) with `why`.
pub(super) fn refuse(work: Work, why: SendRefusal) {
    if let Work::Command(command) = work {
        command.refuse(why);
    }
}

impl ConversationActor {
    /// A load or commit failed: decide by what failed. `parked` turns the
    /// failed batch back into its events (none for a load), called only when
    /// they are parked; `receipts` are their inbox rows.
    pub(super) fn failed(
        &mut self,
        ctx: &mut Context<Self>,
        e: StoreError,
        parked: impl FnOnce() -> Vec<ParkedWork>,
        receipts: Vec<EventReceipt>,
    ) {
        match &e {
            StoreError::Fenced => self.relinquish(ctx, receipts),
            StoreError::Missing(_) => self.gone(ctx, &e, receipts),
            StoreError::Unavailable(_) => self.fail(ctx, &e, receipts),
            StoreError::Conflict(_) | StoreError::Bug(_) => {
                self.poison_failures = self.poison_failures.saturating_add(1);
                if self.poison_failures < self.deps.settings.dead_letter_after.max(1) {
                    return self.fail(ctx, &e, receipts);
                }
                let (mut parked, mut receipts) = (parked(), receipts);
                if self.live.is_none() {
                    // It cannot even load: what waits is parked too.
                    let (queued, queued_receipts) = self.drain_parkable();
                    parked.extend(queued);
                    receipts.extend(queued_receipts);
                }
                if parked.is_empty() {
                    // Nothing to set aside: stop for good rather than reload
                    // in a loop; the next event starts afresh.
                    tracing::error!(error = %e, "conversation keeps failing with nothing waiting; retiring it until its next event");
                    for r in receipts {
                        r.fail(&e.to_string());
                    }
                    self.link.tenant.gone.do_send(ConversationGone { key: self.key, contact_gone: false, incarnation: self.incarnation });
                    self.passivating = true;
                    self.detach_run();
                    return ctx.stop();
                }
                self.park(ctx, &e, parked, receipts);
            }
        }
    }

    /// Takes the queue's storable events out with their receipts (answering
    /// the rest): the receipts complete only once the dead letter is stored.
    fn drain_parkable(&mut self) -> (Vec<ParkedWork>, Vec<EventReceipt>) {
        let (mut works, mut receipts) = (Vec::new(), Vec::new());
        for q in self.queue.drain(..) {
            works.extend(park_or_refuse(q.work, SendRefusal::Unavailable));
            receipts.push(q.receipt);
        }
        (works, receipts)
    }

    /// Fails the work back to its inbox rows and restarts from the store.
    fn fail(&mut self, ctx: &mut Context<Self>, e: &StoreError, receipts: Vec<EventReceipt>) {
        self.consecutive_failures = self.consecutive_failures.saturating_add(1);
        tracing::error!(channel_id = %self.key.channel_id, error = %e, "conversation actor failed; restarting from the store");
        let reason = e.to_string();
        for r in receipts {
            r.fail(&reason);
        }
        ctx.stop();
    }

    /// Another node owns the conversation's partition now: nothing more is
    /// written or sent here. Waiting events fail back to their inbox rows
    /// (retried, they reach the new owner), senders are told to retry, and
    /// the actor stops for good; the tenant forgets it.
    pub(super) fn relinquish(&mut self, ctx: &mut Context<Self>, receipts: Vec<EventReceipt>) {
        EngineMetrics::add(&self.deps.metrics.conversations_fenced, 1);
        tracing::warn!(channel_id = %self.key.channel_id, contact_id = %self.key.contact_id, "fenced: another node owns this conversation's partition now; stopping it here");
        let reason = "fenced: the conversation moved to another node";
        for r in receipts {
            r.fail(reason);
        }
        for q in self.queue.drain(..) {
            refuse(q.work, SendRefusal::Unavailable);
            q.receipt.fail(reason);
        }
        // Its row is committed, and the new owner will load it as one that
        // exists: a conversation this actor created is announced here.
        if self.announce_pending {
            self.announce();
        }
        self.link.tenant.gone.do_send(ConversationGone { key: self.key, contact_gone: false, incarnation: self.incarnation });
        self.passivating = true;
        self.detach_run();
        ctx.stop();
    }

    /// The contact (or the conversation) is gone: every waiting event goes
    /// back to its inbox row, to be routed afresh once the tenant has
    /// forgotten this contact; senders are told; the actor stops for good.
    fn gone(&mut self, ctx: &mut Context<Self>, e: &StoreError, receipts: Vec<EventReceipt>) {
        EngineMetrics::add(&self.deps.metrics.conversations_gone, 1);
        tracing::warn!(error = %e, "the conversation's contact is gone; its events are routed again");
        let reason = format!("the contact was removed while this event was on its way: {e}");
        for r in receipts {
            r.fail(&reason);
        }
        for q in self.queue.drain(..) {
            refuse(q.work, SendRefusal::Gone);
            q.receipt.fail(&reason);
        }
        self.link.tenant.gone.do_send(ConversationGone { key: self.key, contact_gone: true, incarnation: self.incarnation });
        self.passivating = true;
        self.detach_run();
        ctx.stop();
    }

    /// Parks events as a dead letter: they stop blocking the conversation
    /// and their inbox rows, an operator sees them (and the error) and can
    /// retry them, agents are told.
    fn park(&mut self, ctx: &mut Context<Self>, e: &StoreError, parked: Vec<ParkedWork>, receipts: Vec<EventReceipt>) {
        let conversation_id = self.live.as_ref().map(|l| l.snapshot.id);
        let assignee = self.live.as_ref().and_then(|l| l.snapshot.assignee_id);
        let count = parked.len();
        let events = match serde_json::to_value(ParkedEvents { customer: self.customer(), works: parked }) {
            Ok(v) => v,
            Err(err) => {
                tracing::error!(error = %err, "events could not be serialised for a dead letter");
                return self.fail(ctx, e, receipts);
            }
        };
        let letter = DeadLetter {
            tenant_id: self.tenant_id(),
            channel_id: self.key.channel_id,
            contact_id: self.key.contact_id,
            conversation_id,
            events,
            error: e.to_string(),
        };
        let store = self.deps.store.clone();
        let error = e.clone();
        self.flushing = true;
        ctx.spawn(async move { store.park(letter).await }.into_actor(self).map(move |res, act, ctx| {
            let _span = act.span().entered();
            act.flushing = false;
            match res {
                Ok(id) => {
                    EngineMetrics::add(&act.deps.metrics.dead_letters, count as u64);
                    tracing::error!(dead_letter = id, events = count, error = %error, "events parked as a dead letter after repeated failures");
                    for r in receipts {
                        r.note(serde_json::json!({"kind": "dead_letter", "dead_letter_id": id}));
                        r.complete();
                    }
                    // Agents of the conversation hear of it (a conversation
                    // that never loaded has no one to tell but the logs,
                    // the metric and the admins' dead-letter list).
                    if let Some(conversation_id) = conversation_id {
                        act.deps.sink.publish(
                            act.tenant_id(),
                            assignee,
                            ConversationEvent::Notification {
                                conversation_id,
                                kind: "dead_letter".into(),
                                message: format!(
                                    "{count} event(s) of this conversation could not be stored after repeated failures and were set aside (dead letter {id}); an admin can retry them"
                                ),
                            },
                        );
                    }
                    act.poison_failures = 0;
                    // Reload: what is in memory may not match the store.
                    ctx.stop();
                }
                Err(park_error) => {
                    tracing::error!(error = %park_error, "a dead letter could not be stored");
                    act.fail(ctx, &error, receipts);
                }
            }
        }));
    }
}
