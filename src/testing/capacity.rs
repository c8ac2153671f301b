//! Capacity in the fake: the catalogues of instance and cluster types with their prices, what
//! `/instance-availability` and `/cluster-availability` report per location and market, deploys
//! that find no room and deploys whose answer is lost (instance deploys in `routes.rs`, cluster
//! creates in `clusters.rs` ask [`Capacity::refusal`] and [`unless_lost`]).

use std::collections::BTreeMap;

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use serde::Deserialize;
use serde_json::{Value, json};

use super::FakeApi;
use super::routes::{Fake, api_error, code_for, json_ok, lock};

/// `(method, route, operation id)` of the routes this file serves, for the per-operation counters.
pub(super) const OPERATIONS: &[(&str, &str, &str)] = &[
    ("GET", "/v1/cluster-types", "get_cluster_types"),
    ("GET", "/v1/cluster-availability", "get_all_cluster_availability"),
];

/// The instance catalogue at start: instance type, GPU model, GPU count, price per hour in usd.
const INSTANCE_TYPES: &[(&str, &str, u32, &str)] = &[
    ("1H100.80S.22V", "H100", 1, "2.19"),
    ("8B300.240V", "B300", 8, "39.92"),
    ("CPU.4V.16G", "CPU", 0, "0.0360"),
];

/// The cluster catalogue: cluster type, GPU model, GPU count, price per hour in usd.
const CLUSTER_TYPES: &[(&str, &str, u32, &str)] = &[("16H200", "H200", 16, "45.50"), ("16B200", "B200", 16, "60.00")];

/// The locations availability is reported for, in the order the fake lists them.
const LOCATIONS: &[&str] = &["FIN-01", "FIN-03", "ICE-01"];

/// A type the fake rents out, with its prices.
#[derive(Debug)]
struct Priced {
    model: String,
    gpus: u32,
    price_per_hour: String,
    spot_price: String,
}

/// Which types each location has room for, in each market.
#[derive(Debug, Default)]
struct Room {
    on_demand: BTreeMap<String, Vec<String>>,
    spot: BTreeMap<String, Vec<String>>,
    clusters: BTreeMap<String, Vec<String>>,
}

impl Room {
    /// The instance room of a market: spot when `is_spot` says so, else on demand.
    fn market(&self, is_spot: Option<bool>) -> &BTreeMap<String, Vec<String>> {
        match is_spot {
            Some(true) => &self.spot,
            _ => &self.on_demand,
        }
    }
}

/// The fake's capacity: catalogues, availability, deploy refusals and lost answers.
#[derive(Debug)]
pub(super) struct Capacity {
    instance_types: BTreeMap<String, Priced>,
    room: Room,
    /// Locations where deploys fail with this status, whatever availability says.
    refusing: BTreeMap<String, StatusCode>,
    /// Whether the next deploy creates its resource and then never answers.
    lose_next_answer: bool,
}

impl Capacity {
    /// The starting state: every catalogue type available on demand and as spot in FIN-03, the
    /// 16H200 cluster in FIN-01 and both cluster types in FIN-03; nothing is full.
    pub(super) fn new() -> Self {
        let instance_types = INSTANCE_TYPES
            .iter()
            .map(|(instance_type, model, gpus, price)| {
                let priced = Priced {
                    model: (*model).to_owned(),
                    gpus: *gpus,
                    price_per_hour: (*price).to_owned(),
                    spot_price: (*price).to_owned(),
                };
                ((*instance_type).to_owned(), priced)
            })
            .collect();
        let all_instance_types: Vec<String> = INSTANCE_TYPES.iter().map(|(name, ..)| (*name).to_owned()).collect();
        let mut room = Room::default();
        room.on_demand.insert("FIN-03".to_owned(), all_instance_types.clone());
        room.spot.insert("FIN-03".to_owned(), all_instance_types);
        room.clusters.insert("FIN-01".to_owned(), vec!["16H200".to_owned()]);
        room.clusters.insert(
            "FIN-03".to_owned(),
            CLUSTER_TYPES.iter().map(|(name, ..)| (*name).to_owned()).collect(),
        );
        Self {
            instance_types,
            room,
            refusing: BTreeMap::new(),
            lose_next_answer: false,
        }
    }

    /// The on-demand price of an instance type, when the catalogue has it.
    pub(super) fn price_of(&self, instance_type: &str) -> Option<&str> {
        self.instance_types
            .get(instance_type)
            .map(|priced| priced.price_per_hour.as_str())
    }

    /// The answer a deploy to `location` gets before anything is created, when deploys there
    /// are set to fail.
    pub(super) fn refusal(&self, location: &str) -> Option<Response> {
        self.refusing.get(location).map(|status| {
            let message = match status.as_u16() {
                503 => "Not enough capacity, try again later",
                _ => "injected failure",
            };
            api_error(*status, code_for(*status), message)
        })
    }
}

/// The answer of a deploy, or none at all when the lose-next-answer switch is on and the deploy
/// created something: the answer is held forever, as when the connection dies after the request
/// arrived, so the client sees a timeout although the resource exists. The switch turns off once
/// used.
pub(super) async fn unless_lost(fake: &Fake, answer: Response) -> Response {
    let lost = answer.status().is_success() && std::mem::take(&mut lock(fake).capacity.lose_next_answer);
    if lost {
        std::future::pending::<()>().await;
    }
    answer
}

fn names(list: &[&str]) -> Vec<String> {
    list.iter().map(|name| (*name).to_owned()).collect()
}

/// Capacity settings; see the [module documentation](super) for the rest of the fake.
impl FakeApi {
    /// Sets the instance types `/instance-availability` reports for `location` on demand (by
    /// default every type in FIN-03 and none elsewhere). A location not listed in the fake's
    /// `/locations` is added to the availability answer.
    pub fn set_available(&self, location: &str, instance_types: &[&str]) -> &Self {
        self.state()
            .capacity
            .room
            .on_demand
            .insert(location.to_owned(), names(instance_types));
        self
    }

    /// Sets the instance types `/instance-availability?is_spot=true` reports for `location` (by
    /// default every type in FIN-03 and none elsewhere). Asked without the spot flag, the fake
    /// reports on-demand room only, as the API does.
    pub fn set_spot_available(&self, location: &str, instance_types: &[&str]) -> &Self {
        self.state()
            .capacity
            .room
            .spot
            .insert(location.to_owned(), names(instance_types));
        self
    }

    /// Sets the cluster types `/cluster-availability` reports for `location` (by default 16H200
    /// in FIN-01, 16H200 and 16B200 in FIN-03).
    pub fn set_cluster_available(&self, location: &str, cluster_types: &[&str]) -> &Self {
        self.state()
            .capacity
            .room
            .clusters
            .insert(location.to_owned(), names(cluster_types));
        self
    }

    /// Sets an instance type's on-demand and spot prices per hour, as decimal text such as
    /// `"2.19"`. A type the catalogue lacks is added (GPU model and count taken as unknown), and
    /// can then be deployed. At start, spot prices equal on-demand prices.
    pub fn set_prices(&self, instance_type: &str, price_per_hour: &str, spot_price: &str) -> &Self {
        let mut state = self.state();
        let priced = state
            .capacity
            .instance_types
            .entry(instance_type.to_owned())
            .or_insert_with(|| Priced {
                model: String::new(),
                gpus: 0,
                price_per_hour: String::new(),
                spot_price: String::new(),
            });
        priced.price_per_hour = price_per_hour.to_owned();
        priced.spot_price = spot_price.to_owned();
        self
    }

    /// Makes every deploy (instance or cluster) to `location` answer 503 `service_unavailable`
    /// without creating anything, even where availability lists the type: the race between
    /// reading availability and deploying that real callers lose.
    pub fn no_capacity_in(&self, location: &str) -> &Self {
        self.deploys_fail_in(location, StatusCode::SERVICE_UNAVAILABLE)
    }

    /// Makes every deploy (instance or cluster) to `location` fail with `status` and the API's
    /// error code for it (`invalid_request` for 400, `insufficient_funds` for 402,
    /// `service_unavailable` for 503, ...), without creating anything.
    pub fn deploys_fail_in(&self, location: &str, status: StatusCode) -> &Self {
        self.state().capacity.refusing.insert(location.to_owned(), status);
        self
    }

    /// Makes the next deploy (instance or cluster) create its resource and then never answer, as
    /// when the connection is lost after the request arrived: the client's timeout fires, and
    /// only a lookup finds what was created.
    pub fn lose_next_deploy_answer(&self) -> &Self {
        self.state().capacity.lose_next_answer = true;
        self
    }

    /// The clusters the fake holds, as `(id, location)` pairs, in the order they were created.
    pub fn clusters(&self) -> Vec<(String, String)> {
        self.state()
            .clusters
            .iter()
            .map(|cluster| {
                let field = |name: &str| cluster.body[name].as_str().unwrap_or_default().to_owned();
                (field("id"), field("location"))
            })
            .collect()
    }
}

// ---------------------------------------------------------------- routes

/// The routes of this file; the fake's router merges them.
pub(super) fn routes() -> Router<Fake> {
    Router::new()
        .route("/v1/cluster-types", get(cluster_types))
        .route("/v1/cluster-availability", get(cluster_availability))
}

pub(super) async fn instance_types(State(fake): State<Fake>) -> Response {
    let state = lock(&fake);
    let types: Vec<Value> = state
        .capacity
        .instance_types
        .iter()
        .map(|(instance_type, priced)| {
            json!({
                "id": format!("type-{instance_type}"),
                "instance_type": instance_type,
                "model": priced.model,
                "name": priced.model,
                "gpu": {"description": format!("{}x {}", priced.gpus, priced.model), "number_of_gpus": priced.gpus},
                "price_per_hour": priced.price_per_hour,
                "spot_price": priced.spot_price,
                "currency": "usd",
            })
        })
        .collect();
    json_ok(Value::Array(types))
}

async fn cluster_types() -> Response {
    let types: Vec<Value> = CLUSTER_TYPES
        .iter()
        .map(|(cluster_type, model, gpus, price)| {
            json!({
                "id": format!("cluster-type-{cluster_type}"),
                "cluster_type": cluster_type,
                "model": model,
                "name": model,
                "gpu": {"description": format!("{gpus}x {model}"), "number_of_gpus": gpus},
                "price_per_hour": price,
                "currency": "usd",
            })
        })
        .collect();
    json_ok(Value::Array(types))
}

#[derive(Deserialize)]
pub(super) struct AvailabilityQuery {
    is_spot: Option<bool>,
    location_code: Option<String>,
}

/// `[{location_code, availabilities}]` for every known location (or the one asked for).
fn availability_answer(room: &BTreeMap<String, Vec<String>>, location: Option<&str>) -> Response {
    let mut locations = names(LOCATIONS);
    locations.extend(room.keys().filter(|code| !LOCATIONS.contains(&code.as_str())).cloned());
    let entries: Vec<Value> = locations
        .iter()
        .filter(|code| location.is_none_or(|wanted| wanted == code.as_str()))
        .map(|code| json!({"location_code": code, "availabilities": room.get(code).cloned().unwrap_or_default()}))
        .collect();
    json_ok(Value::Array(entries))
}

pub(super) async fn availability(State(fake): State<Fake>, Query(query): Query<AvailabilityQuery>) -> Response {
    let state = lock(&fake);
    let room = state.capacity.room.market(query.is_spot);
    availability_answer(room, query.location_code.as_deref())
}

pub(super) async fn availability_of(
    State(fake): State<Fake>,
    Path(instance_type): Path<String>,
    Query(query): Query<AvailabilityQuery>,
) -> Response {
    let state = lock(&fake);
    let room = state.capacity.room.market(query.is_spot);
    let available = room
        .iter()
        .filter(|(code, _)| query.location_code.as_ref().is_none_or(|wanted| wanted == *code))
        .any(|(_, types)| types.contains(&instance_type));
    json_ok(json!(available))
}

async fn cluster_availability(State(fake): State<Fake>, Query(query): Query<AvailabilityQuery>) -> Response {
    availability_answer(&lock(&fake).capacity.room.clusters, query.location_code.as_deref())
}

/// The price per hour of a cluster type, when the catalogue has it.
pub(super) fn cluster_price(cluster_type: &str) -> Option<&'static str> {
    CLUSTER_TYPES
        .iter()
        .find(|(known, ..)| *known == cluster_type)
        .map(|(.., price)| *price)
}
