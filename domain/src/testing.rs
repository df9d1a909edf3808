//! Pinned event contracts: a given/when/then harness for aggregates, with a fixed
//! [`CommandContext`] and deterministic randomness, so a test states the exact events a
//! command decides (or the exact error it refuses with).
//!
//! ```
//! use domain::role::{Role, RoleCommand, RoleError};
//! use domain::testing::given;
//!
//! given::<Role>([])
//!     .when(RoleCommand::Delete)
//!     .then_error(RoleError::NotFound);
//! ```
//!
//! Each `then…` applies what was decided and returns the scenario, so a test can go on
//! with the next `when`. Pure and dependency-free, so other crates' tests may use it too.

// Test-support code: a panic is how the test using the harness fails.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::aggregate::{Aggregate, CommandContext};
use crate::ids::Random;
use crate::time::Timestamp;
use std::fmt::Debug;

/// The instant every scenario runs at unless told otherwise ([`Scenario::at`]).
pub const NOW: Timestamp = Timestamp::from_millis(1_700_000_000_000);

/// The command context of a scenario at [`NOW`].
pub const CTX: CommandContext = CommandContext { now: NOW };

/// An aggregate rebuilt from `history` (events as stored, applied in order).
pub fn given<A: Aggregate>(history: impl IntoIterator<Item = A::Event>) -> Scenario<A> {
    let mut aggregate = A::default();
    for event in history {
        aggregate.apply(&event);
    }
    Scenario {
        aggregate,
        ctx: CTX,
    }
}

/// An aggregate state and the context the next command is decided in.
#[derive(Clone)]
pub struct Scenario<A: Aggregate> {
    aggregate: A,
    ctx: CommandContext,
}

impl<A: Aggregate> Scenario<A> {
    /// Decides the next commands at `ms` epoch milliseconds instead of [`NOW`].
    pub fn at_ms(self, ms: i64) -> Self {
        self.at(Timestamp::from_millis(ms))
    }

    /// Decides the next commands at `now` instead of [`NOW`].
    pub fn at(mut self, now: Timestamp) -> Self {
        self.ctx = CommandContext { now };
        self
    }

    /// The context the next command is decided in.
    pub fn ctx(&self) -> CommandContext {
        self.ctx
    }

    /// The aggregate as the events so far left it (also reachable through `Deref`).
    pub fn aggregate(&self) -> &A {
        &self.aggregate
    }

    /// Decides `command` at the scenario's context and applies what it decided: for tests
    /// that look at a result in more ways than one `then` can say. Prefer `when`/`then`.
    pub fn decide(&mut self, command: A::Command) -> Result<Vec<A::Event>, A::Error> {
        let ctx = self.ctx;
        self.decide_at(command, ctx)
    }

    /// [`Scenario::decide`] in another context (a later instant).
    pub fn decide_at(
        &mut self,
        command: A::Command,
        ctx: CommandContext,
    ) -> Result<Vec<A::Event>, A::Error> {
        let events = self.aggregate.handle(command, &ctx)?;
        for event in &events {
            self.aggregate.apply(event);
        }
        Ok(events)
    }

    /// Decides `command` against the current state (nothing applied yet).
    pub fn when(self, command: A::Command) -> Decided<A> {
        let result = self.aggregate.handle(command, &self.ctx);
        Decided {
            scenario: self,
            result,
        }
    }
}

impl<A: Aggregate> std::ops::Deref for Scenario<A> {
    type Target = A;

    fn deref(&self) -> &A {
        &self.aggregate
    }
}

/// What a command decided, waiting for the test's expectation.
#[must_use = "a decision is only checked by one of the `then` methods"]
pub struct Decided<A: Aggregate> {
    scenario: Scenario<A>,
    result: Result<Vec<A::Event>, A::Error>,
}

impl<A: Aggregate> Decided<A>
where
    A::Event: PartialEq + Debug,
    A::Error: Debug,
{
    /// Asserts the command decided exactly `expected` (in order), then applies them.
    #[track_caller]
    pub fn then(self, expected: impl IntoIterator<Item = A::Event>) -> Scenario<A> {
        let expected: Vec<A::Event> = expected.into_iter().collect();
        self.then_with(|events| assert_eq!(events, expected, "the command decided other events"))
    }

    /// Asserts the command was accepted and changed nothing (an idempotent repeat).
    #[track_caller]
    pub fn then_nothing(self) -> Scenario<A> {
        self.then([])
    }

    /// Asserts the command was accepted, hands its events to `check` (for events holding
    /// values a test cannot spell out, such as fresh random ids), then applies them.
    #[track_caller]
    pub fn then_with(self, check: impl FnOnce(&[A::Event])) -> Scenario<A> {
        match self.result {
            Ok(events) => {
                check(&events);
                let mut scenario = self.scenario;
                for event in &events {
                    scenario.aggregate.apply(event);
                }
                scenario
            }
            Err(e) => panic!("the command was refused: {e:?}"),
        }
    }

    /// Asserts the command was refused with exactly `expected`; the state is unchanged.
    #[track_caller]
    pub fn then_error(self, expected: A::Error) -> Scenario<A>
    where
        A::Error: PartialEq,
    {
        match self.result {
            Err(e) => {
                assert_eq!(e, expected, "the command was refused with another error");
                self.scenario
            }
            Ok(events) => panic!("expected the error {expected:?}, the command decided {events:?}"),
        }
    }

    /// Asserts the command was refused, with any error matching `check`.
    #[track_caller]
    pub fn then_error_matching(self, check: impl FnOnce(&A::Error) -> bool) -> Scenario<A> {
        match self.result {
            Err(e) => {
                assert!(
                    check(&e),
                    "the command was refused with an unexpected error: {e:?}"
                );
                self.scenario
            }
            Ok(events) => panic!("expected an error, the command decided {events:?}"),
        }
    }
}

/// A deterministic xorshift generator: the same seed gives the same ids and secrets.
#[derive(Debug, Clone)]
pub struct SeqRandom(pub u64);

impl Random for SeqRandom {
    fn fill(&mut self, dest: &mut [u8]) {
        for b in dest {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            *b = self.0 as u8;
        }
    }
}
