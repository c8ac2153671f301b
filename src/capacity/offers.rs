//! Offers: where each instance or cluster type can be deployed now, and at what price.

use std::fmt;
use std::future::IntoFuture;

use futures_util::future::try_join;

use crate::types::{ClusterType, Currency, Decimal, GpuInfo, InstanceType, LocationCode, WholeNumber};
use crate::wait::BoxFuture;
use crate::{Client, Error};

mod sealed {
    /// Keeps [`super::Market`] to the types of this crate.
    pub trait Sealed {}
    impl Sealed for crate::types::InstanceType {}
    impl Sealed for crate::types::ClusterType {}
}

/// A type the cloud rents out by the hour: [`InstanceType`] or [`ClusterType`]. Sealed: these
/// two are its only implementations.
pub trait Market: sealed::Sealed + Clone + PartialEq + fmt::Display + fmt::Debug + Send + Sync + 'static {
    /// Reads availability (in the spot market when `spot`) and the catalogue's prices, in two
    /// requests sent together.
    #[doc(hidden)]
    fn catalogue(client: &Client, spot: bool) -> BoxFuture<'_, Catalogue<Self>>;
}

/// What a listing's two requests answered: the types each location has room for, and the
/// catalogue.
#[doc(hidden)]
#[derive(Debug)]
pub struct Catalogue<T> {
    /// Each location, in the order the API listed them, with the types it has room for.
    availability: Vec<(LocationCode, Vec<T>)>,
    entries: Vec<Entry<T>>,
}

/// One type of the catalogue, with its price in the market asked for.
#[derive(Debug)]
struct Entry<T> {
    machine: T,
    gpu_model: Option<String>,
    gpu_count: Option<i64>,
    /// `None` when the type has no price in that market (no spot price, say): it is not offered.
    price_per_hour: Option<Decimal>,
    currency: Currency,
}

impl<T> Catalogue<T> {
    /// A catalogue from the availability answer's `(location, types)` entries and the types.
    fn new(availability: impl IntoIterator<Item = (LocationCode, Option<Vec<T>>)>, entries: Vec<Entry<T>>) -> Self {
        let availability = availability
            .into_iter()
            .map(|(location, types)| (location, types.unwrap_or_default()))
            .collect();
        Self { availability, entries }
    }
}

impl<T> Entry<T> {
    fn new(
        machine: T,
        gpu_model: Option<String>,
        gpu: Option<GpuInfo>,
        price_per_hour: Option<Decimal>,
        currency: Currency,
    ) -> Self {
        Self {
            machine,
            gpu_model,
            gpu_count: gpu.and_then(|gpu| gpu.number_of_gpus).map(WholeNumber::get),
            price_per_hour,
            currency,
        }
    }
}

impl Market for InstanceType {
    fn catalogue(client: &Client, spot: bool) -> BoxFuture<'_, Catalogue<Self>> {
        Box::pin(async move {
            let (availability, types) = try_join(
                client.get_all_availability().is_spot(spot).send(),
                client.get_instances_types().send(),
            )
            .await?;
            let availability = availability.into_inner().0.into_iter();
            let entries = types.into_inner().0.into_iter().map(|info| {
                let price = if spot {
                    info.spot_price
                } else {
                    Some(info.price_per_hour)
                };
                Entry::new(info.instance_type, info.model, info.gpu, price, info.currency)
            });
            Ok(Catalogue::new(
                availability.map(|entry| (entry.location_code, entry.availabilities)),
                entries.collect(),
            ))
        })
    }
}

/// Clusters have no spot market: `spot` is ignored.
impl Market for ClusterType {
    fn catalogue(client: &Client, _spot: bool) -> BoxFuture<'_, Catalogue<Self>> {
        Box::pin(async move {
            let (availability, types) = try_join(
                client.get_all_cluster_availability().send(),
                client.get_cluster_types().send(),
            )
            .await?;
            let availability = availability.into_inner().0.into_iter();
            let entries = types.into_inner().0.into_iter().map(|info| {
                let price = Some(info.price_per_hour);
                Entry::new(info.cluster_type, info.model, info.gpu, price, info.currency)
            });
            Ok(Catalogue::new(
                availability.map(|entry| (entry.location_code, entry.availabilities)),
                entries.collect(),
            ))
        })
    }
}

impl<T: Market> Catalogue<T> {
    /// The offers `filter` admits, ignoring its budget: by location (the filter's locations in
    /// their order, else every location the API listed), then in catalogue order.
    pub(crate) fn offers(&self, filter: &Filter<T>) -> Vec<Offer<T>> {
        let locations: Vec<&LocationCode> = if filter.locations.is_empty() {
            self.availability.iter().map(|(location, _)| location).collect()
        } else {
            filter.locations.iter().collect()
        };
        // The catalogue's entries the filter admits and that have a price, decided once.
        let admitted: Vec<(&Entry<T>, &Decimal)> = self
            .entries
            .iter()
            .filter(|entry| filter.admits(entry))
            .filter_map(|entry| Some((entry, entry.price_per_hour.as_ref()?)))
            .collect();
        let mut offers = Vec::new();
        for location in locations {
            let room = self
                .availability
                .iter()
                .find(|(listed, _)| listed == location)
                .map_or(&[][..], |(_, types)| types.as_slice());
            for &(entry, price_per_hour) in &admitted {
                offers.push(Offer {
                    machine: entry.machine.clone(),
                    location: location.clone(),
                    spot: filter.spot,
                    price_per_hour: price_per_hour.clone(),
                    currency: entry.currency.clone(),
                    available: room.contains(&entry.machine),
                });
            }
        }
        offers
    }
}

/// Orders offers cheapest first; the sort is stable, so equal prices keep their order.
pub(crate) fn sort_by_price<T>(offers: &mut [Offer<T>]) {
    offers.sort_by(|a, b| a.price_per_hour.to_f64().total_cmp(&b.price_per_hour.to_f64()));
}

/// Which offers a listing or a placement considers.
#[derive(Clone, Debug)]
pub(crate) struct Filter<T> {
    pub(crate) types: Vec<T>,
    /// A GPU model (compared without regard to case) and count.
    pub(crate) gpu: Option<(String, i64)>,
    pub(crate) locations: Vec<LocationCode>,
    pub(crate) spot: bool,
    pub(crate) max_price_per_hour: Option<f64>,
}

impl<T> Default for Filter<T> {
    fn default() -> Self {
        Self {
            types: Vec::new(),
            gpu: None,
            locations: Vec::new(),
            spot: false,
            max_price_per_hour: None,
        }
    }
}

impl<T: PartialEq> Filter<T> {
    fn admits(&self, entry: &Entry<T>) -> bool {
        let type_wanted = self.types.is_empty() || self.types.contains(&entry.machine);
        let gpu_wanted = self.gpu.as_ref().is_none_or(|(model, count)| {
            entry.gpu_count == Some(*count)
                && entry
                    .gpu_model
                    .as_deref()
                    .is_some_and(|listed| listed.eq_ignore_ascii_case(model))
        });
        type_wanted && gpu_wanted
    }

    /// Whether the offer's price is within the budget (always, without one).
    pub(crate) fn within_budget(&self, offer: &Offer<T>) -> bool {
        self.max_price_per_hour
            .is_none_or(|max| offer.price_per_hour.to_f64() <= max)
    }

    /// Refuses a budget that is not a number of 0 or more.
    pub(crate) fn check(&self) -> Result<(), Error> {
        match self.max_price_per_hour {
            Some(max) if !(max.is_finite() && max >= 0.0) => Err(Error::InvalidRequest(format!(
                "the maximum price per hour must be a number of 0 or more, not {max}"
            ))),
            _ => Ok(()),
        }
    }
}

/// A type offered in a location, in one market (spot or on demand), at a price per hour.
///
/// `T` is [`InstanceType`] (from [`Client::offers`]) or [`ClusterType`] (from
/// [`Client::cluster_offers`]).
#[derive(Clone, Debug, PartialEq)]
pub struct Offer<T> {
    machine: T,
    location: LocationCode,
    spot: bool,
    price_per_hour: Decimal,
    currency: Currency,
    available: bool,
}

impl<T> Offer<T> {
    /// Where it is offered.
    pub fn location(&self) -> &LocationCode {
        &self.location
    }

    /// Whether this is the spot market (cheaper, and the provider may reclaim the machine).
    pub fn is_spot(&self) -> bool {
        self.spot
    }

    /// The price per hour in this market, from the catalogue (`/instance-types` or
    /// `/cluster-types`), in [`currency`](Self::currency).
    pub fn price_per_hour(&self) -> &Decimal {
        &self.price_per_hour
    }

    /// The currency of the price.
    pub fn currency(&self) -> &Currency {
        &self.currency
    }

    /// Whether the availability endpoint listed the type in this location when asked. A deploy
    /// can still find no room: availability is a snapshot.
    pub fn is_available(&self) -> bool {
        self.available
    }
}

impl Offer<InstanceType> {
    /// The instance type offered.
    pub fn instance_type(&self) -> &InstanceType {
        &self.machine
    }
}

impl Offer<ClusterType> {
    /// The cluster type offered.
    pub fn cluster_type(&self) -> &ClusterType {
        &self.machine
    }
}

/// `1H100.80S.22V in FIN-03, on demand, 2.19 usd/hour, available`.
impl<T: fmt::Display> fmt::Display for Offer<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} in {}, {}, {} {}/hour, {}",
            self.machine,
            self.location,
            if self.spot { "spot" } else { "on demand" },
            self.price_per_hour,
            self.currency,
            if self.available { "available" } else { "unavailable" }
        )
    }
}

/// A listing of offers to configure, then `.await`: cheapest first, ties in the order of the
/// locations (as given, else as the API lists them), then of the catalogue. It costs two
/// requests, sent together: availability and the catalogue's prices.
///
/// Unavailable offers are listed too ([`Offer::is_available`]); a type without a price in the
/// market asked for (no spot price, say) is not. Prices are the catalogue's: the API quotes a
/// per-location price only one type and location at a time, which a listing never asks.
///
/// ```no_run
/// # async fn run(client: datacrunch::Client) -> Result<(), datacrunch::Error> {
/// let offers = client
///     .offers()
///     .gpu("H100", 8)
///     .spot(true)
///     .locations(["FIN-01", "FIN-03"])
///     .max_price_per_hour(30.0)
///     .await?;
/// for offer in offers.iter().filter(|offer| offer.is_available()) {
///     println!("{offer}");
/// }
/// # Ok(())
/// # }
/// ```
#[must_use = "a listing does nothing until it is awaited"]
#[derive(Debug)]
pub struct Offers<'a, T> {
    client: &'a Client,
    filter: Filter<T>,
}

impl<T> Offers<'_, T> {
    /// Only these locations, in this order (default: every location the API reports).
    pub fn locations<L: Into<LocationCode>>(mut self, locations: impl IntoIterator<Item = L>) -> Self {
        self.filter.locations = locations.into_iter().map(Into::into).collect();
        self
    }

    /// Only types with `count` GPUs of this model, such as `("H100", 8)`; the model is compared
    /// without regard to case.
    pub fn gpu(mut self, model: impl Into<String>, count: i64) -> Self {
        self.filter.gpu = Some((model.into(), count));
        self
    }

    /// Only offers at most this price per hour, in the catalogue's currency. A price that is
    /// not a number of 0 or more fails the listing with [`Error::InvalidRequest`].
    pub fn max_price_per_hour(mut self, price: f64) -> Self {
        self.filter.max_price_per_hour = Some(price);
        self
    }
}

impl Offers<'_, InstanceType> {
    /// Only this instance type; call again to add more (default: every type).
    pub fn instance_type(mut self, instance_type: impl Into<InstanceType>) -> Self {
        self.filter.types.push(instance_type.into());
        self
    }

    /// Lists the spot market instead of on-demand (default `false`): availability is then asked
    /// with the spot flag, without which spot room reads as none, and prices are spot prices.
    pub fn spot(mut self, spot: bool) -> Self {
        self.filter.spot = spot;
        self
    }
}

impl Offers<'_, ClusterType> {
    /// Only this cluster type; call again to add more (default: every type).
    pub fn cluster_type(mut self, cluster_type: impl Into<ClusterType>) -> Self {
        self.filter.types.push(cluster_type.into());
        self
    }
}

impl<'a, T: Market> IntoFuture for Offers<'a, T> {
    type Output = Result<Vec<Offer<T>>, Error>;
    type IntoFuture = BoxFuture<'a, Vec<Offer<T>>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(async move {
            self.filter.check()?;
            let catalogue = T::catalogue(self.client, self.filter.spot).await?;
            let mut offers = catalogue.offers(&self.filter);
            offers.retain(|offer| self.filter.within_budget(offer));
            sort_by_price(&mut offers);
            Ok(offers)
        })
    }
}

/// # Offers
///
/// Hand-written: instance and cluster types in each location, with their prices and whether
/// they are available now (see [`crate::capacity`]).
impl Client {
    /// Lists instance offers: each instance type in each location, with its price and whether
    /// it is available now. See [`Offers`] for the filters and the order.
    ///
    /// ```no_run
    /// # async fn run(client: datacrunch::Client) -> Result<(), datacrunch::Error> {
    /// let cheapest = client.offers().instance_type("1H100.80S.22V").await?;
    /// if let Some(offer) = cheapest.iter().find(|offer| offer.is_available()) {
    ///     println!("{} at {}/hour", offer.location(), offer.price_per_hour());
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub fn offers(&self) -> Offers<'_, InstanceType> {
        Offers {
            client: self,
            filter: Filter::default(),
        }
    }

    /// Lists instant-cluster offers, from `/cluster-availability` and `/cluster-types`. See
    /// [`Offers`] for the filters and the order.
    ///
    /// ```no_run
    /// # async fn run(client: datacrunch::Client) -> Result<(), datacrunch::Error> {
    /// let offers = client.cluster_offers().cluster_type("16H200").await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn cluster_offers(&self) -> Offers<'_, ClusterType> {
        Offers {
            client: self,
            filter: Filter::default(),
        }
    }
}
