//! The token cache's decisions, apart from its mechanism: what a caller asking for a token does
//! next ([`plan`]), and when a token is renewed ([`renewal_instant`]). Both are pure functions of
//! the cache's state and an instant, so the tables below check every edge instant without a
//! runtime, a clock or a token source.

use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;

use super::AccessToken;
use crate::auth::AuthError;

/// What the cache holds, behind the watch channel every caller reads.
#[derive(Default)]
pub(super) struct State {
    /// The token in hand; `None` before the first fetch and after the API rejected it.
    pub(super) current: Option<Current>,
    pub(super) renewal: Renewal,
    /// Renewals that failed in a row.
    pub(super) failures: u32,
}

/// A token and the instant from which callers start its renewal.
pub(super) struct Current {
    pub(super) token: Arc<AccessToken>,
    pub(super) renew_at: Instant,
}

/// The one fetch the cache runs at a time.
#[derive(Default)]
pub(super) enum Renewal {
    /// None in flight, and the last one (if any) succeeded.
    #[default]
    Idle,
    /// One in flight: callers without a usable token wait for it.
    Running,
    /// The last one failed; nobody starts another before `retry_at`.
    Failed { error: AuthError, retry_at: Instant },
}

/// What a caller asking for a token does next, decided by [`plan`].
#[derive(Debug)]
pub(super) enum Plan<'s> {
    /// Use this token: it is before its renewal point, or its renewal is in flight or backing
    /// off after a failure.
    Use(&'s Arc<AccessToken>),
    /// Use this token, and start its renewal in the background: it is past its renewal point.
    UseAndRenew(&'s Arc<AccessToken>),
    /// No usable token and no fetch in flight: start one and wait for it.
    StartAndWait,
    /// No usable token; a fetch is in flight: wait for it.
    Wait,
    /// No usable token; the last fetch failed and the next may start at this instant, which the
    /// caller's deadline allows: sleep until then and plan again.
    RetryAt(Instant),
    /// No usable token; the last fetch failed and the next may start only after the caller's
    /// deadline: fail with that fetch's error.
    Fail(&'s AuthError),
}

impl Plan<'_> {
    /// Whether the caller following this plan starts a fetch.
    pub(super) fn starts_fetch(&self) -> bool {
        matches!(self, Self::UseAndRenew(_) | Self::StartAndWait)
    }
}

/// What a caller does with the cache in `state` at `now`, when it may wait until `deadline`.
///
/// The path every call takes (a token before its renewal point) is the first arm: two
/// comparisons, no allocation.
#[inline]
pub(super) fn plan(state: &State, now: Instant, deadline: Instant) -> Plan<'_> {
    match (state.usable(now), &state.renewal) {
        (Some(current), _) if now < current.renew_at => Plan::Use(&current.token),
        // Past the renewal point, before expiry.
        (Some(current), Renewal::Idle) => Plan::UseAndRenew(&current.token),
        (Some(current), Renewal::Failed { retry_at, .. }) if now >= *retry_at => Plan::UseAndRenew(&current.token),
        // The renewal is in flight, or backing off.
        (Some(current), _) => Plan::Use(&current.token),
        // No token, an expired one, or one the API rejected.
        (None, Renewal::Idle) => Plan::StartAndWait,
        (None, Renewal::Running) => Plan::Wait,
        (None, Renewal::Failed { retry_at, .. }) if now >= *retry_at => Plan::StartAndWait,
        (None, Renewal::Failed { retry_at, .. }) if *retry_at <= deadline => Plan::RetryAt(*retry_at),
        (None, Renewal::Failed { error, .. }) => Plan::Fail(error),
    }
}

/// When a token that expires at `expires_at`, `lifetime` after it was requested, is renewed:
/// `margin` before it expires, but not before half its lifetime has passed; at expiry when the
/// clock cannot go back that far.
pub(super) fn renewal_instant(expires_at: Instant, lifetime: Duration, margin: Duration) -> Instant {
    let margin = margin.min(lifetime / 2);
    expires_at.checked_sub(margin).unwrap_or(expires_at)
}

impl State {
    /// The token in hand if it has not expired at `now`.
    pub(super) fn usable(&self, now: Instant) -> Option<&Current> {
        self.current.as_ref().filter(|current| now < current.token.expires_at)
    }

    /// Marks a fetch as in flight if the plan for `now` and `deadline` still starts one: the
    /// state may have changed since the caller planned on a snapshot of it. Returns whether the
    /// caller claimed the fetch (and so must start it).
    pub(super) fn claim_fetch(&mut self, now: Instant, deadline: Instant) -> bool {
        let claimed = plan(self, now, deadline).starts_fetch();
        if claimed {
            self.renewal = Renewal::Running;
        }
        claimed
    }

    /// Forgets `rejected` if it is the token in hand, not one already replaced. Returns whether
    /// it was forgotten.
    pub(super) fn discard(&mut self, rejected: &Arc<AccessToken>) -> bool {
        let is_current = self
            .current
            .as_ref()
            .is_some_and(|current| Arc::ptr_eq(&current.token, rejected));
        if is_current {
            self.current = None;
        }
        is_current
    }
}

#[cfg(test)]
mod tests {
    use secrecy::SecretString;

    use super::*;
    use crate::auth::token_endpoint::MAX_LIFETIME;

    const SECOND: Duration = Duration::from_secs(1);
    const MARGIN: Duration = Duration::from_secs(10);

    /// The token a row starts from.
    #[derive(Clone, Copy, Debug)]
    enum Held {
        Nothing,
        /// Requested at 0 s with a 100 s life: renewal point 90 s, expiry 100 s.
        Token,
        /// That token, after a 401 discarded it.
        Discarded,
        /// That token, after a late 401 for the token it replaced.
        Replaced,
    }

    /// The fetch a row starts from.
    #[derive(Clone, Copy, Debug)]
    enum Fetch {
        Idle,
        Running,
        /// Failed; the next may start at this many milliseconds.
        FailedUntil(u64),
    }

    /// The plan a row expects; times in milliseconds.
    #[derive(Clone, Copy, Debug, PartialEq)]
    enum Want {
        Use,
        UseAndRenew,
        StartAndWait,
        Wait,
        RetryAt(u64),
        Fail,
    }

    /// Milliseconds from `start` as an instant.
    fn at(start: Instant, millis: u64) -> Instant {
        start + Duration::from_millis(millis)
    }

    fn token(name: &str, expires_at: Instant, lifetime: Duration) -> Arc<AccessToken> {
        Arc::new(AccessToken::bearer(&SecretString::from(name), expires_at, lifetime).unwrap())
    }

    fn state(start: Instant, held: Held, fetch: Fetch) -> State {
        let expires_at = at(start, 100_000);
        let issued = token("issued", expires_at, 100 * SECOND);
        let mut state = State {
            current: Some(Current {
                token: issued.clone(),
                renew_at: renewal_instant(expires_at, 100 * SECOND, MARGIN),
            }),
            renewal: match fetch {
                Fetch::Idle => Renewal::Idle,
                Fetch::Running => Renewal::Running,
                Fetch::FailedUntil(millis) => Renewal::Failed {
                    error: AuthError::Timeout { waited: SECOND },
                    retry_at: at(start, millis),
                },
            },
            failures: 0,
        };
        match held {
            Held::Nothing => state.current = None,
            Held::Token => {}
            Held::Discarded => assert!(state.discard(&issued)),
            Held::Replaced => assert!(!state.discard(&token("replaced", expires_at, 100 * SECOND))),
        }
        state
    }

    /// The plan as a [`Want`], checking that a token or error it names is the one in `state`.
    fn want_of(plan: Plan<'_>, state: &State, start: Instant) -> Want {
        let held = || &state.current.as_ref().expect("a token in hand").token;
        match plan {
            Plan::Use(token) => {
                assert!(Arc::ptr_eq(token, held()));
                Want::Use
            }
            Plan::UseAndRenew(token) => {
                assert!(Arc::ptr_eq(token, held()));
                Want::UseAndRenew
            }
            Plan::StartAndWait => Want::StartAndWait,
            Plan::Wait => Want::Wait,
            Plan::RetryAt(instant) => Want::RetryAt(instant.duration_since(start).as_millis().try_into().unwrap()),
            Plan::Fail(error) => {
                assert!(matches!(&state.renewal, Renewal::Failed { error: failed, .. } if std::ptr::eq(failed, error)));
                Want::Fail
            }
        }
    }

    #[test]
    fn plans_at_every_edge_instant() {
        use Fetch::*;
        use Held::*;
        // (case, token, fetch, now, caller's deadline, plan), times in milliseconds.
        #[rustfmt::skip]
        let rows: &[(&str, Held, Fetch, u64, u64, Want)] = &[
            ("fresh token", Token, Idle, 0, 60_000, Want::Use),
            ("just before the renewal point", Token, Idle, 89_999, 149_999, Want::Use),
            ("exactly at the renewal point", Token, Idle, 90_000, 150_000, Want::UseAndRenew),
            ("just after the renewal point", Token, Idle, 90_001, 150_001, Want::UseAndRenew),
            ("just before expiry", Token, Idle, 99_999, 159_999, Want::UseAndRenew),
            ("exactly at expiry", Token, Idle, 100_000, 160_000, Want::StartAndWait),
            ("after expiry", Token, Idle, 100_001, 160_001, Want::StartAndWait),
            ("cold start", Nothing, Idle, 0, 60_000, Want::StartAndWait),
            ("cold start, a fetch in flight", Nothing, Running, 0, 60_000, Want::Wait),
            ("renewal in flight, token before its renewal point", Token, Running, 89_999, 149_999, Want::Use),
            ("renewal in flight, token past its renewal point", Token, Running, 95_000, 155_000, Want::Use),
            ("renewal in flight, token exactly at expiry", Token, Running, 100_000, 160_000, Want::Wait),
            ("discarded token", Discarded, Idle, 0, 60_000, Want::StartAndWait),
            ("discarded token, a fetch in flight", Discarded, Running, 0, 60_000, Want::Wait),
            ("late discard of the token replaced", Replaced, Idle, 0, 60_000, Want::Use),
            ("renewal failed, token usable, just before the next attempt", Token, FailedUntil(95_000), 94_999, 154_999, Want::Use),
            ("renewal failed, token usable, exactly at the next attempt", Token, FailedUntil(95_000), 95_000, 155_000, Want::UseAndRenew),
            ("renewal failed, token usable, just after the next attempt", Token, FailedUntil(95_000), 95_001, 155_001, Want::UseAndRenew),
            ("renewal failed, token expired before the next attempt", Token, FailedUntil(105_000), 100_000, 160_000, Want::RetryAt(105_000)),
            ("renewal failed, token expired at the next attempt", Token, FailedUntil(100_000), 100_000, 160_000, Want::StartAndWait),
            ("fetch failed, just before the next attempt", Nothing, FailedUntil(5_000), 4_999, 64_999, Want::RetryAt(5_000)),
            ("fetch failed, exactly at the next attempt", Nothing, FailedUntil(5_000), 5_000, 65_000, Want::StartAndWait),
            ("fetch failed, just after the next attempt", Nothing, FailedUntil(5_000), 5_001, 65_001, Want::StartAndWait),
            ("fetch failed, next attempt just after the deadline", Nothing, FailedUntil(5_000), 0, 4_999, Want::Fail),
            ("fetch failed, next attempt exactly at the deadline", Nothing, FailedUntil(5_000), 0, 5_000, Want::RetryAt(5_000)),
            ("discarded token, fetch failed, next attempt after the deadline", Discarded, FailedUntil(5_000), 0, 2_000, Want::Fail),
        ];
        let start = Instant::now();
        for &(case, held, fetch, now, deadline, want) in rows {
            let state = state(start, held, fetch);
            let plan = plan(&state, at(start, now), at(start, deadline));
            assert_eq!(want_of(plan, &state, start), want, "{case}");
        }
    }

    #[test]
    fn a_caller_claims_the_fetch_only_while_its_plan_still_starts_one() {
        let start = Instant::now();
        // (case, token, fetch, now, whether the caller claims the fetch)
        let rows = [
            ("past the renewal point", Held::Token, Fetch::Idle, 90_000, true),
            ("no token", Held::Nothing, Fetch::Idle, 0, true),
            (
                "fetch failed, next attempt due",
                Held::Nothing,
                Fetch::FailedUntil(5_000),
                5_000,
                true,
            ),
            (
                "another caller claimed it first",
                Held::Nothing,
                Fetch::Running,
                0,
                false,
            ),
            ("a renewal finished first", Held::Token, Fetch::Idle, 89_999, false),
            ("backing off", Held::Nothing, Fetch::FailedUntil(5_000), 4_999, false),
        ];
        for (case, held, fetch, now, claims) in rows {
            let mut state = state(start, held, fetch);
            let now = at(start, now);
            assert_eq!(state.claim_fetch(now, at(start, 60_000)), claims, "{case}");
            // A claimed fetch is in flight: the next caller waits for it or keeps its token.
            let in_flight = matches!(state.renewal, Renewal::Running);
            assert_eq!(in_flight, claims || matches!(fetch, Fetch::Running), "{case}");
            assert!(!state.claim_fetch(now, at(start, 60_000)), "{case}: claimed twice");
        }
    }

    #[test]
    fn renewal_instants() {
        let expires_at = Instant::now() + 400 * 24 * 60 * 60 * SECOND;
        let ns = Duration::from_nanos;
        // (case, lifetime, margin, how long before expiry the token is renewed)
        let rows = [
            ("a long life: the margin before expiry", 100 * SECOND, MARGIN, MARGIN),
            ("a margin of exactly half the life", 20 * SECOND, MARGIN, MARGIN),
            ("a margin over half the life: half-way", 4 * SECOND, MARGIN, 2 * SECOND),
            (
                "an odd lifetime in nanoseconds: half, rounded down",
                ns(3),
                MARGIN,
                ns(1),
            ),
            ("lifetime 0: at expiry", Duration::ZERO, MARGIN, Duration::ZERO),
            ("margin 0: at expiry", 100 * SECOND, Duration::ZERO, Duration::ZERO),
            // token_endpoint keeps a token with a missing, zero or negative `expires_in` for
            // MAX_LIFETIME (until a 401 replaces it), and clamps a longer one to it.
            (
                "a missing or negative expires_in, or a huge one clamped",
                MAX_LIFETIME,
                60 * SECOND,
                60 * SECOND,
            ),
            ("an unclamped huge lifetime", Duration::MAX, 60 * SECOND, 60 * SECOND),
        ];
        for (case, lifetime, margin, ahead) in rows {
            assert_eq!(
                renewal_instant(expires_at, lifetime, margin),
                expires_at - ahead,
                "{case}"
            );
        }
        // A margin the clock cannot subtract (from an expiry already far back, where the
        // platform's clock allows one): renewed at expiry, not a panic.
        let far_back = expires_at.checked_sub(Duration::MAX / 2).unwrap_or(expires_at);
        assert_eq!(renewal_instant(far_back, Duration::MAX, Duration::MAX), far_back);
    }
}
