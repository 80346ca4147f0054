//! Fan-out: one message to several alerters at once, and groups of
//! alerters (`alerter group set release ops-slack ops-discord`) usable
//! wherever an alerter name is.
//!
//! Each target is resolved, posted to and retried on its own: a target that
//! is misconfigured, down or rate-limited fails (or waits) alone, and a
//! rate-limited target is re-sent without re-sending to the others.

use std::future::Future;
use std::pin::Pin;
use std::task::Poll;

use crate::alerter::{Alerter, Delivered, Host};
use crate::error::{Error, NameKind};
use crate::flavor::Message;
use crate::secrets::valid_ident;

/// Exit code when some targets of a fan-out failed and some succeeded
/// (all failed: 3, as for one alerter; all succeeded: 0).
pub const PARTIAL_FAILURE_EXIT: u8 = 4;

/// What `group set` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupChange {
    /// A new group.
    Added,
    /// The group existed; its members are replaced.
    Replaced,
}

/// One target of a fan-out: its name, and the alerter or why it could not
/// be set up (a missing setting, a group member removed since).
pub struct Target {
    /// The alerter's name.
    pub name: String,
    /// The ready alerter, or why not.
    pub alerter: Result<Alerter, Error>,
}

impl Host {
    /// Creates or replaces the group `name` of the alerters `members` (at
    /// least one; groups do not nest). A group and an alerter cannot share
    /// a name.
    pub fn set_group(&self, name: &str, members: &[String]) -> Result<GroupChange, Error> {
        if !valid_ident(name) {
            return Err(Error::InvalidName { kind: NameKind::Group, name: name.to_string() });
        }
        let lock = self.state.lock()?;
        let mut reg = self.state.registry()?;
        if reg.alerters.contains_key(name) {
            return Err(Error::NameTaken { name: name.to_string(), what: "an alerter" });
        }
        if members.is_empty() {
            return Err(Error::EmptyGroup { name: name.to_string() });
        }
        let mut list: Vec<String> = Vec::new();
        for m in members {
            if !reg.alerters.contains_key(m) {
                return Err(Error::UnknownAlerter { name: m.clone(), known: reg.alerters.keys().cloned().collect() });
            }
            if !list.contains(m) {
                list.push(m.clone());
            }
        }
        let change = match reg.groups.insert(name.to_string(), list) {
            Some(_) => GroupChange::Replaced,
            None => GroupChange::Added,
        };
        self.state.save_registry(&lock, &reg)?;
        Ok(change)
    }

    /// The groups and their members, by name.
    pub fn groups(&self) -> Result<Vec<(String, Vec<String>)>, Error> {
        Ok(self.state.registry()?.groups.into_iter().collect())
    }

    /// Deletes a group (its alerters stay).
    pub fn remove_group(&self, name: &str) -> Result<(), Error> {
        let lock = self.state.lock()?;
        let mut reg = self.state.registry()?;
        if reg.groups.remove(name).is_none() {
            return Err(Error::UnknownGroup { name: name.to_string(), known: reg.groups.keys().cloned().collect() });
        }
        self.state.save_registry(&lock, &reg)
    }

    /// The alerter names `names` stand for, in order and each once: an
    /// alerter's own name, or a group's members. No names: the active
    /// alerter.
    pub fn target_names(&self, names: &[String]) -> Result<Vec<String>, Error> {
        let reg = self.state.registry()?;
        if names.is_empty() {
            return Ok(vec![reg.active.clone().ok_or(Error::NoActiveAlerter)?]);
        }
        let mut out: Vec<String> = Vec::new();
        for name in names {
            let expanded = if reg.alerters.contains_key(name) {
                vec![name.clone()]
            } else if let Some(members) = reg.groups.get(name) {
                members.clone()
            } else {
                return Err(Error::UnknownTarget {
                    name: name.clone(),
                    alerters: reg.alerters.keys().cloned().collect(),
                    groups: reg.groups.keys().cloned().collect(),
                });
            };
            for n in expanded {
                if !out.contains(&n) {
                    out.push(n);
                }
            }
        }
        Ok(out)
    }

    /// Resolves `names` (alerters or groups, see [`Host::target_names`])
    /// with per-call overrides. An unknown name fails the whole call; an
    /// alerter that cannot be set up fails only its own target.
    pub async fn targets(&self, names: &[String], overrides: &[(String, String)]) -> Result<Vec<Target>, Error> {
        let mut targets = Vec::new();
        for name in self.target_names(names)? {
            let alerter = self.alerter(Some(&name), overrides).await;
            targets.push(Target { name, alerter });
        }
        Ok(targets)
    }
}

/// Posts `message` through every alerter of `alerters` in parallel; one
/// result per alerter, in the same order.
pub async fn post_all(alerters: &[&Alerter], message: &Message) -> Vec<Result<Delivered, Error>> {
    join_all(alerters.iter().map(|a| a.deliver(message)).collect()).await
}

/// The exit code of a fan-out with `ok` successes and `failed` failures:
/// 0 when all succeeded, 3 when all failed, [`PARTIAL_FAILURE_EXIT`] else.
pub fn fan_out_exit_code(ok: usize, failed: usize) -> u8 {
    match (ok, failed) {
        (_, 0) => 0,
        (0, _) => crate::ErrorClass::Failure.exit_code(),
        _ => PARTIAL_FAILURE_EXIT,
    }
}

/// Runs the futures concurrently (on the current task) and returns their
/// outputs in order.
pub(crate) async fn join_all<F: Future>(futures: Vec<F>) -> Vec<F::Output> {
    let mut pending: Vec<Pin<Box<F>>> = futures.into_iter().map(Box::pin).collect();
    let mut done: Vec<Option<F::Output>> = pending.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut waiting = false;
        for (f, slot) in pending.iter_mut().zip(done.iter_mut()) {
            if slot.is_none() {
                match f.as_mut().poll(cx) {
                    Poll::Ready(v) => *slot = Some(v),
                    Poll::Pending => waiting = true,
                }
            }
        }
        if waiting {
            Poll::Pending
        } else {
            Poll::Ready(())
        }
    })
    .await;
    done.into_iter().map(|v| v.expect("every future finished")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn exit_codes_tell_all_some_and_none() {
        assert_eq!(fan_out_exit_code(2, 0), 0);
        assert_eq!(fan_out_exit_code(1, 1), 4);
        assert_eq!(fan_out_exit_code(0, 2), 3);
    }

    #[tokio::test(flavor = "current_thread")]
    async fn join_all_runs_concurrently_and_keeps_the_order() {
        let started = std::time::Instant::now();
        let out = join_all(
            [300u64, 100, 200]
                .into_iter()
                .map(|ms| async move {
                    tokio::time::sleep(Duration::from_millis(ms)).await;
                    ms
                })
                .collect(),
        )
        .await;
        assert_eq!(out, [300, 100, 200]);
        assert!(started.elapsed() < Duration::from_millis(550), "concurrent, not one after another");
    }
}
