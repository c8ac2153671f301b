//! Deploying to the first offer with room, without ever leaving two resources for one request.

use std::fmt;
use std::future::IntoFuture;

use super::offers::{Filter, Market, Offer, sort_by_price};
use crate::types::error::ConversionError;
use crate::types::{
    Cluster, ClusterId, ClusterStatus, ClusterType, CreateClusterRequest, DeployInstanceRequest, Instance, InstanceId,
    InstanceStatus, InstanceType, LocationCode, builder,
};
use crate::wait::BoxFuture;
use crate::wait::{CLUSTER, INSTANCE, StatusWait};
use crate::{Client, Error};

mod sealed {
    /// Keeps [`super::Deployable`] to the request types of this crate.
    pub trait Sealed {}
    impl Sealed for crate::types::DeployInstanceRequest {}
    impl Sealed for crate::types::CreateClusterRequest {}
}

/// A deploy request that [`DeployWhereAvailable`] can send to one offer after another:
/// [`DeployInstanceRequest`] or [`CreateClusterRequest`]. Sealed: these two are its only
/// implementations.
pub trait Deployable: sealed::Sealed + Clone + Send + Sync + 'static {
    /// The type it deploys: [`InstanceType`] or [`ClusterType`].
    type Machine: Market;
    /// The id of what it creates: [`InstanceId`] or [`ClusterId`].
    type Id: Clone + fmt::Debug + fmt::Display + PartialEq + Send + Sync + 'static;

    /// What it deploys, as in error messages: `instance` or `cluster`.
    #[doc(hidden)]
    const NOUN: &'static str;

    #[doc(hidden)]
    fn machine(&self) -> &Self::Machine;

    #[doc(hidden)]
    fn is_spot(&self) -> bool;

    #[doc(hidden)]
    fn hostname(&self) -> &str;

    /// The same request for an offer: its location, type and market.
    #[doc(hidden)]
    fn for_offer(self, offer: &Offer<Self::Machine>) -> Self;

    #[doc(hidden)]
    fn deploy(self, client: &Client) -> BoxFuture<'_, Self::Id>;

    /// The resources of the account with this hostname, each with whether it still counts (is
    /// not deleted).
    #[doc(hidden)]
    fn named<'a>(client: &'a Client, hostname: &'a str) -> BoxFuture<'a, Vec<(Self::Id, bool)>>;
}

impl Deployable for DeployInstanceRequest {
    type Machine = InstanceType;
    type Id = InstanceId;

    const NOUN: &'static str = "instance";

    fn machine(&self) -> &InstanceType {
        &self.instance_type
    }

    fn is_spot(&self) -> bool {
        self.is_spot == Some(true)
    }

    fn hostname(&self) -> &str {
        &self.hostname
    }

    fn for_offer(self, offer: &Offer<InstanceType>) -> Self {
        Self {
            location_code: offer.location().clone(),
            instance_type: offer.instance_type().clone(),
            is_spot: offer.is_spot().then_some(true),
            ..self
        }
    }

    fn deploy(self, client: &Client) -> BoxFuture<'_, InstanceId> {
        Box::pin(async move {
            let created = client.deploy_instance().body(self).send().await?;
            Ok(created.into_inner().into_inner())
        })
    }

    fn named<'a>(client: &'a Client, hostname: &'a str) -> BoxFuture<'a, Vec<(InstanceId, bool)>> {
        Box::pin(async move {
            let instances = client.get_all_instances().send().await?.into_inner().0;
            Ok(instances
                .into_iter()
                .filter(|instance: &Instance| instance.hostname == hostname)
                .map(|instance| {
                    // Gone as a wait counts it, or on its way there.
                    let gone = (INSTANCE.gone)(&instance.status) || instance.status == InstanceStatus::Deleting;
                    (instance.id, !gone)
                })
                .collect())
        })
    }
}

impl Deployable for CreateClusterRequest {
    type Machine = ClusterType;
    type Id = ClusterId;

    const NOUN: &'static str = "cluster";

    fn machine(&self) -> &ClusterType {
        &self.cluster_type
    }

    fn is_spot(&self) -> bool {
        false
    }

    fn hostname(&self) -> &str {
        &self.hostname
    }

    fn for_offer(self, offer: &Offer<ClusterType>) -> Self {
        Self {
            location_code: offer.location().clone(),
            cluster_type: offer.cluster_type().clone(),
            ..self
        }
    }

    fn deploy(self, client: &Client) -> BoxFuture<'_, ClusterId> {
        Box::pin(async move {
            let created = client.create_cluster().body(self).send().await?;
            Ok(created.into_inner().into_inner())
        })
    }

    fn named<'a>(client: &'a Client, hostname: &'a str) -> BoxFuture<'a, Vec<(ClusterId, bool)>> {
        Box::pin(async move {
            let clusters = client.get_clusters().send().await?.into_inner().0;
            Ok(clusters
                .into_iter()
                .filter(|cluster: &Cluster| cluster.hostname == hostname)
                .map(|cluster| (cluster.id, !(CLUSTER.gone)(&cluster.status)))
                .collect())
        })
    }
}

/// Why an offer was passed over.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SkipReason {
    /// Its price is above the budget ([`DeployWhereAvailable::max_price_per_hour`]); not tried.
    OverBudget,
    /// The availability endpoint did not list the type there; not tried.
    Unavailable,
    /// The deploy answered 503 `service_unavailable`: no room after all.
    NoCapacity,
    /// The deploy's outcome was unknown (a timeout, a connection lost after sending, a 5xx other
    /// than no capacity), and a lookup by hostname found nothing created.
    NotCreated,
}

impl fmt::Display for SkipReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::OverBudget => "over budget",
            Self::Unavailable => "unavailable",
            Self::NoCapacity => "no capacity",
            Self::NotCreated => "answer lost, nothing created",
        })
    }
}

/// An offer passed over, and why.
#[derive(Clone, Debug, PartialEq)]
pub struct Skipped<T> {
    offer: Offer<T>,
    reason: SkipReason,
}

impl<T> Skipped<T> {
    /// The offer.
    pub fn offer(&self) -> &Offer<T> {
        &self.offer
    }

    /// Why it was passed over.
    pub fn reason(&self) -> SkipReason {
        self.reason
    }
}

impl<T: fmt::Display> fmt::Display for Skipped<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.offer, self.reason)
    }
}

/// Where [`DeployWhereAvailable`] deployed: the new resource's id, the offer used and every offer
/// passed over before it.
#[derive(Clone, Debug, PartialEq)]
pub struct Placement<I, T> {
    id: I,
    offer: Offer<T>,
    skipped: Vec<Skipped<T>>,
}

/// Where [`Client::deploy_where_available`] deployed an instance.
pub type InstancePlacement = Placement<InstanceId, InstanceType>;

/// Where [`Client::deploy_cluster_where_available`] deployed a cluster.
pub type ClusterPlacement = Placement<ClusterId, ClusterType>;

impl<I, T> Placement<I, T> {
    /// The location deployed to.
    pub fn location(&self) -> &LocationCode {
        self.offer.location()
    }

    /// The offer deployed to.
    pub fn offer(&self) -> &Offer<T> {
        &self.offer
    }

    /// The offers passed over before it, in the order they were considered.
    pub fn skipped(&self) -> &[Skipped<T>] {
        &self.skipped
    }
}

impl InstancePlacement {
    /// The new instance.
    pub fn instance_id(&self) -> &InstanceId {
        &self.id
    }

    /// Waits until the instance runs, with [`Client::wait_for_instance`]; configure the wait
    /// (timeout, intervals) before awaiting it.
    pub fn wait_until_running<'a>(&self, client: &'a Client) -> StatusWait<'a, Instance, InstanceStatus> {
        client.wait_for_instance(&self.id, InstanceStatus::Running)
    }
}

impl ClusterPlacement {
    /// The new cluster.
    pub fn cluster_id(&self) -> &ClusterId {
        &self.id
    }

    /// Waits until the cluster runs, with [`Client::wait_for_cluster`]; configure the wait
    /// before awaiting it.
    pub fn wait_until_running<'a>(&self, client: &'a Client) -> StatusWait<'a, Cluster, ClusterStatus> {
        client.wait_for_cluster(&self.id, ClusterStatus::Running)
    }
}

/// A deploy to the first offer with room, to configure, then `.await`.
///
/// How it runs:
///
/// 1. It lists the account's instances (or clusters) to check that the request is identifiable:
///    no other live resource may have its hostname, else it fails with [`Error::InvalidRequest`]
///    before deploying anything. The hostname is what tells, after a lost answer, whether the
///    deploy created something.
/// 2. It lists the offers for the request's type in its market (spot when the request sets
///    `is_spot`), as [`Client::offers`] does: in the order of
///    [`locations`](Self::locations) when given, else cheapest first. Offers given with
///    [`offers`](Self::offers) are used as they are instead.
/// 3. It passes over offers above the budget and those availability does not list, then deploys
///    to each remaining offer in turn, with the request's `location_code` replaced by the offer's.
///    - Success: that is the placement.
///    - 503 `service_unavailable` (no capacity): on to the next offer.
///    - An unknown outcome (a timeout, a connection lost after sending, a 5xx other than no
///      capacity, an answer that does not decode): it looks for a new resource with the
///      request's hostname. If there is one, that is the placement; if not, on to the next
///      offer; if the lookup fails too, the deploy's error is returned and nothing more is tried.
///    - Any other error (400 bad input, 401, 402 insufficient funds, ...) is returned at once.
/// 4. When no offer is left, it fails with [`Error::NoCapacity`], listing every offer passed
///    over and why.
///
/// ```no_run
/// # async fn run(client: datacrunch::Client) -> Result<(), datacrunch::Error> {
/// use datacrunch::types::DeployInstanceRequest;
///
/// let request = DeployInstanceRequest::builder()
///     .instance_type("1H100.80S.22V")
///     .image("ubuntu-24.04-cuda-12.8-open-docker")
///     .hostname("trainer-2026-01-01")
///     .description("nightly training");
/// let placement = client
///     .deploy_where_available(request)
///     .locations(["FIN-03", "FIN-01"])
///     .max_price_per_hour(3.0)
///     .await?;
/// println!("{} in {}", placement.instance_id(), placement.location());
/// let instance = placement.wait_until_running(&client).await?;
/// # Ok(())
/// # }
/// ```
#[must_use = "a deploy does nothing until it is awaited"]
#[derive(Debug)]
pub struct DeployWhereAvailable<'a, R: Deployable> {
    client: &'a Client,
    request: Result<R, Error>,
    offers: Option<Vec<Offer<R::Machine>>>,
    /// The locations and budget; [`place`] adds the request's type and market.
    filter: Filter<R::Machine>,
}

impl<'a, R: Deployable> DeployWhereAvailable<'a, R> {
    /// A deploy of `request`, which was converted with a placeholder location.
    fn new(client: &'a Client, request: Result<R, ConversionError>) -> Self {
        Self {
            client,
            request: request.map_err(|error| Error::InvalidRequest(error.to_string())),
            offers: None,
            filter: Filter::default(),
        }
    }

    /// Tries these offers, in this order, instead of listing them: each deploy takes the offer's
    /// location, type and market (spot or not) in place of the request's. Offers the budget
    /// excludes or that were unavailable when listed are passed over as usual; no listing
    /// request is sent, and [`locations`](Self::locations) has no effect.
    ///
    /// ```no_run
    /// # async fn run(client: datacrunch::Client, request: datacrunch::types::DeployInstanceRequest) -> Result<(), datacrunch::Error> {
    /// // Any type with one H100, spot or on demand, cheapest first.
    /// let mut offers = client.offers().gpu("H100", 1).await?;
    /// offers.extend(client.offers().gpu("H100", 1).spot(true).await?);
    /// offers.sort_by(|a, b| a.price_per_hour().to_f64().total_cmp(&b.price_per_hour().to_f64()));
    /// let placement = client.deploy_where_available(request).offers(offers).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn offers(mut self, offers: impl IntoIterator<Item = Offer<R::Machine>>) -> Self {
        self.offers = Some(offers.into_iter().collect());
        self
    }

    /// Tries only these locations, in this order (default: every location, cheapest first).
    pub fn locations<L: Into<LocationCode>>(mut self, locations: impl IntoIterator<Item = L>) -> Self {
        self.filter.locations = locations.into_iter().map(Into::into).collect();
        self
    }

    /// Never deploys to an offer above this price per hour, in the catalogue's currency. A price
    /// that is not a number of 0 or more fails with [`Error::InvalidRequest`] before anything is
    /// sent.
    pub fn max_price_per_hour(mut self, price: f64) -> Self {
        self.filter.max_price_per_hour = Some(price);
        self
    }
}

impl<'a, R: Deployable> IntoFuture for DeployWhereAvailable<'a, R> {
    type Output = Result<Placement<R::Id, R::Machine>, Error>;
    type IntoFuture = BoxFuture<'a, Placement<R::Id, R::Machine>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(place(self))
    }
}

/// Whether a deploy that failed this way may still have created its resource.
fn outcome_unknown(error: &Error) -> bool {
    match error {
        Error::Transport(error) => !error.is_connect(),
        Error::Decode { .. } | Error::UnexpectedStatus(_) => true,
        Error::Api { status, .. } => status.is_server_error() && !error.is_no_capacity(),
        _ => false,
    }
}

async fn place<R: Deployable>(deploy: DeployWhereAvailable<'_, R>) -> Result<Placement<R::Id, R::Machine>, Error> {
    let DeployWhereAvailable {
        client,
        request,
        offers,
        mut filter,
    } = deploy;
    let request = request?;
    filter.types = vec![request.machine().clone()];
    filter.spot = request.is_spot();
    filter.check()?;
    let hostname = request.hostname();
    if hostname.is_empty() {
        return Err(Error::InvalidRequest(format!(
            "the {} needs a hostname, which is how a deploy whose answer was lost is recognised",
            R::NOUN
        )));
    }
    let existing = R::named(client, hostname).await?;
    if let Some((id, _)) = existing.iter().find(|(_, live)| *live) {
        return Err(Error::InvalidRequest(format!(
            "{} {id} already has the hostname `{hostname}`: choose a hostname no live {} has, so that a deploy whose answer was lost can be recognised",
            R::NOUN,
            R::NOUN
        )));
    }
    let offers = match offers {
        Some(offers) => offers,
        None => {
            let catalogue = R::Machine::catalogue(client, filter.spot).await?;
            let mut offers = catalogue.offers(&filter);
            if filter.locations.is_empty() {
                sort_by_price(&mut offers);
            }
            offers
        }
    };
    let mut skipped = Vec::new();
    for offer in offers {
        let reason = if !filter.within_budget(&offer) {
            SkipReason::OverBudget
        } else if !offer.is_available() {
            SkipReason::Unavailable
        } else {
            match request.clone().for_offer(&offer).deploy(client).await {
                Ok(id) => return Ok(Placement { id, offer, skipped }),
                Err(error) if error.is_no_capacity() => SkipReason::NoCapacity,
                Err(error) if outcome_unknown(&error) => {
                    let Ok(named) = R::named(client, hostname).await else {
                        return Err(error);
                    };
                    let created = named
                        .into_iter()
                        .find(|(id, _)| !existing.iter().any(|(known, _)| known == id));
                    match created {
                        Some((id, _)) => return Ok(Placement { id, offer, skipped }),
                        None => SkipReason::NotCreated,
                    }
                }
                Err(error) => return Err(error),
            }
        };
        skipped.push(Skipped { offer, reason });
    }
    Err(Error::NoCapacity {
        skipped: skipped.iter().map(ToString::to_string).collect(),
    })
}

/// A placeholder location for converting a request built without one; every deploy replaces it.
fn any_location() -> LocationCode {
    LocationCode::Fin03
}

/// # Deploying where there is room
///
/// Hand-written: a deploy that tries one offer after another until one has room (see
/// [`crate::capacity`]).
impl Client {
    /// Deploys an instance to the first offer with room, trying one location after another on
    /// "no capacity"; see [`DeployWhereAvailable`] for the order, the budget and how a lost
    /// answer is handled.
    ///
    /// `request` is what [`Client::deploy_instance`]'s `body` takes; its `location_code` may be
    /// left out and is ignored. Its `instance_type` and `is_spot` choose the offers, and its
    /// `hostname` must be one no live instance has. A request missing a required field fails
    /// with [`Error::InvalidRequest`] before anything is sent.
    pub fn deploy_where_available(
        &self,
        request: impl Into<builder::DeployInstanceRequest>,
    ) -> DeployWhereAvailable<'_, DeployInstanceRequest> {
        DeployWhereAvailable::new(self, request.into().location_code(any_location()).try_into())
    }

    /// Creates an instant cluster at the first offer with room, as
    /// [`deploy_where_available`](Self::deploy_where_available) does for instances.
    ///
    /// `request` is what [`Client::create_cluster`]'s `body` takes; its `location_code` may be
    /// left out and is ignored, its `cluster_type` chooses the offers, and its `hostname` must
    /// be one no live cluster has.
    pub fn deploy_cluster_where_available(
        &self,
        request: impl Into<builder::CreateClusterRequest>,
    ) -> DeployWhereAvailable<'_, CreateClusterRequest> {
        DeployWhereAvailable::new(self, request.into().location_code(any_location()).try_into())
    }
}
