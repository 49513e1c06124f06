//! Stand-ins for the outside services that cannot exist here, kept apart
//! from the production edges: each speaks real HTTP, shaped and signed as
//! the service's documentation says, so the server talks to it exactly as
//! it talks to the real one. [`graph`] is Meta's Graph API (the WhatsApp
//! Cloud API and its signed webhooks); `demo`, the integration tests and the
//! benches start it, and `whatsflow graph-sim` runs it alone. [`razorpay`]
//! is Razorpay (subscriptions, charges, refunds and their signed webhooks),
//! in `demo` and the tests, and alone as `whatsflow razorpay-sim`. [`smtp`]
//! is a mail server that keeps what it receives (`whatsflow mail-sink`).
//! [`dns`] is an authoritative DNS server for the TXT records partners
//! publish to prove their domains (the tests).

pub mod dns;
pub mod graph;
pub mod razorpay;
pub mod smtp;
