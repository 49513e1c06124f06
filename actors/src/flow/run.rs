//! The old home of a flow run's pieces, kept as a map of where each now
//! lives (and so `flow::run::…` paths keep working): the stored record in
//! [`super::record`], the driver in [`super::driver`], the triggers in
//! [`super::triggers`] and the ports in [`super::ports`].

pub use super::driver::{drive, Effects, Trigger, MAX_STEPS_PER_DRIVE};
pub use super::ports::{FlowHttp, FlowStore};
pub use super::record::{RunRecord, RunStatus, Waiting};
pub use super::triggers::{ActiveFlow, ActiveFlowRow};
