//! What the fake remembers: tokens, resources, settings, faults and counters.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::time::Instant;

use super::capacity::Capacity;
use super::deployments::Deployment;

/// A canned failure for the next API request.
#[derive(Clone, Copy, Debug)]
pub(super) enum Fault {
    /// The status with the API's JSON error body.
    Api(StatusCode),
    /// The status with an HTML page, as from a proxy.
    Html(StatusCode),
    /// 429 with `Retry-After`.
    RateLimited(Duration),
}

/// An instance or a cluster, and where it is in its lifecycle.
#[derive(Debug)]
pub(super) struct Machine {
    pub(super) body: Value,
    deployed_at: Instant,
    provision_time: Duration,
    /// Set by actions; until then the status follows the provisioning timeline.
    settled: Option<&'static str>,
}

impl Machine {
    /// The status now: `ordered`, then `provisioning` half-way, then `running`, unless an action
    /// settled it.
    pub(super) fn status(&self, now: Instant) -> &'static str {
        if let Some(status) = self.settled {
            return status;
        }
        let elapsed = now.duration_since(self.deployed_at);
        if elapsed >= self.provision_time {
            "running"
        } else if elapsed >= self.provision_time / 2 {
            "provisioning"
        } else {
            "ordered"
        }
    }

    /// The body as the API would send it now.
    pub(super) fn current(&self, now: Instant) -> Value {
        let status = self.status(now);
        let mut body = self.body.clone();
        body["status"] = json!(status);
        if status == "running" {
            body["ip"] = json!("192.0.2.10");
        }
        body
    }
}

#[derive(Debug)]
pub(super) struct State {
    pub(super) token_lifetime: Duration,
    pub(super) provision_time: Duration,
    pub(super) latency: Duration,
    pub(super) faults: VecDeque<Fault>,
    /// Access tokens and when each expires.
    access_tokens: HashMap<String, Instant>,
    refresh_tokens: HashSet<String>,
    issued: u64,
    pub(super) token_requests: usize,
    /// Requests per operation id.
    pub(super) counters: BTreeMap<&'static str, usize>,
    next_id: u64,
    pub(super) ssh_keys: Vec<Value>,
    pub(super) scripts: Vec<Value>,
    pub(super) volumes: Vec<Value>,
    pub(super) capacity: Capacity,
    /// Deleted volumes that can still be restored, with the status `deleted`.
    pub(super) volume_trash: Vec<Value>,
    pub(super) instances: Vec<Machine>,
    pub(super) clusters: Vec<Machine>,
    pub(super) container_deployments: Vec<Deployment>,
    pub(super) job_deployments: Vec<Deployment>,
    pub(super) secrets: Vec<Value>,
}

impl State {
    pub(super) fn new() -> Self {
        Self {
            token_lifetime: Duration::from_secs(3600),
            provision_time: Duration::from_secs(30),
            latency: Duration::ZERO,
            faults: VecDeque::new(),
            access_tokens: HashMap::new(),
            refresh_tokens: HashSet::new(),
            issued: 0,
            token_requests: 0,
            counters: BTreeMap::new(),
            next_id: 0,
            ssh_keys: Vec::new(),
            scripts: Vec::new(),
            volumes: Vec::new(),
            volume_trash: Vec::new(),
            instances: Vec::new(),
            capacity: Capacity::new(),
            clusters: Vec::new(),
            container_deployments: Vec::new(),
            job_deployments: Vec::new(),
            secrets: Vec::new(),
        }
    }

    /// Issues a new access token and refresh token; the body of a token answer.
    pub(super) fn issue_token(&mut self, now: Instant) -> Value {
        self.issued += 1;
        let access = format!("fake-access-{}", self.issued);
        let refresh = format!("fake-refresh-{}", self.issued);
        self.access_tokens.insert(access.clone(), now + self.token_lifetime);
        self.refresh_tokens.insert(refresh.clone());
        json!({
            "access_token": access,
            "refresh_token": refresh,
            "expires_in": self.token_lifetime.as_secs(),
            "token_type": "Bearer",
            "scope": "fullAccess",
        })
    }

    /// Uses up a refresh token: true when it was valid. The provider rotates refresh tokens, so
    /// each works once.
    pub(super) fn redeem_refresh_token(&mut self, token: &str) -> bool {
        self.refresh_tokens.remove(token)
    }

    /// Whether `token` was issued, is not revoked and has not expired.
    pub(super) fn accepts(&self, token: &str, now: Instant) -> bool {
        self.access_tokens
            .get(token)
            .is_some_and(|expires_at| now < *expires_at)
    }

    pub(super) fn revoke_tokens(&mut self) {
        self.access_tokens.clear();
        self.refresh_tokens.clear();
    }

    /// A new id in the API's UUID form; `kind` tells resources apart when reading a log.
    pub(super) fn new_id(&mut self, kind: u32) -> String {
        self.next_id += 1;
        format!("{kind:08x}-0000-4000-8000-{:012x}", self.next_id)
    }

    /// A machine deployed now, that runs after the configured provisioning time.
    pub(super) fn machine(&self, body: Value, now: Instant) -> Machine {
        Machine {
            body,
            deployed_at: now,
            provision_time: self.provision_time,
            settled: None,
        }
    }

    pub(super) fn deploy(&mut self, body: Value, now: Instant) {
        let instance = self.machine(body, now);
        self.instances.push(instance);
    }

    pub(super) fn instance_mut(&mut self, id: &str) -> Option<&mut Machine> {
        self.instances.iter_mut().find(|instance| instance.body["id"] == id)
    }

    /// Applies an instance action; `false` when the id is unknown or the action is not one the
    /// fake knows.
    pub(super) fn instance_action(&mut self, id: &str, action: &str) -> bool {
        let settled = match action {
            "start" | "boot" | "restore" => "running",
            "shutdown" | "force_shutdown" | "hibernate" => "offline",
            "delete" | "discontinue" => return self.delete_instance(id),
            _ => return false,
        };
        match self.instance_mut(id) {
            Some(instance) => {
                instance.settled = Some(settled);
                true
            }
            None => false,
        }
    }

    /// Deletes an instance with its OS volume, detaching its other volumes.
    fn delete_instance(&mut self, id: &str) -> bool {
        let before = self.instances.len();
        self.instances.retain(|instance| instance.body["id"] != id);
        if self.instances.len() == before {
            return false;
        }
        self.volumes
            .retain(|volume| !(volume["instance_id"] == id && volume["is_os_volume"] == true));
        for volume in self.volumes.iter_mut().filter(|volume| volume["instance_id"] == id) {
            volume["instance_id"] = Value::Null;
            volume["status"] = json!("detached");
        }
        true
    }

    /// Deletes the volumes with these ids: for good, or into the trash, where they keep their
    /// body with the status `deleted`.
    pub(super) fn delete_volumes(&mut self, ids: &[String], permanently: bool) {
        let deleted = super::routes::take_ids(&mut self.volumes, ids);
        if !permanently {
            self.volume_trash.extend(deleted.into_iter().map(|mut volume: Value| {
                volume["status"] = json!("deleted");
                volume["instance_id"] = Value::Null;
                volume
            }));
        }
    }

    /// Takes the volumes with these ids out of the trash, detached.
    pub(super) fn restore_volumes(&mut self, ids: &[String]) {
        let restored = super::routes::take_ids(&mut self.volume_trash, ids);
        self.volumes.extend(restored.into_iter().map(|mut volume: Value| {
            volume["status"] = json!("detached");
            volume
        }));
    }

    /// Copies the volumes with these ids into new, detached volumes named `name` (else
    /// `<name>-clone`); the new ids, as the API answers them.
    pub(super) fn clone_volumes(&mut self, ids: &[String], name: Option<&str>) -> Vec<String> {
        let mut clones = Vec::new();
        for id in ids {
            let Some(original) = self.volumes.iter().find(|volume| volume["id"] == id.as_str()).cloned() else {
                continue;
            };
            let clone_id = self.new_id(0x70);
            let mut clone = original;
            let clone_name = name.map_or_else(
                || format!("{}-clone", clone["name"].as_str().unwrap_or_default()),
                str::to_owned,
            );
            clone["id"] = json!(clone_id);
            clone["name"] = json!(clone_name);
            clone["status"] = json!("detached");
            clone["instance_id"] = Value::Null;
            clone["is_os_volume"] = json!(false);
            self.volumes.push(clone);
            clones.push(clone_id);
        }
        clones
    }

    pub(super) fn instance_statuses(&self) -> Vec<(String, String)> {
        let now = Instant::now();
        self.instances
            .iter()
            .map(|instance| {
                let id = instance.body["id"].as_str().unwrap_or_default().to_owned();
                (id, instance.status(now).to_owned())
            })
            .collect()
    }
}
