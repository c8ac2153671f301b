//! Capacity-aware deployment: where a type is free and what it costs, and a deploy to the first
//! place with room.
//!
//! GPU capacity is scarce, and what `/instance-availability` reports is stale by the time a deploy
//! arrives. Two calls cover the usual loop (list, order by price, deploy, move on when there is
//! no room):
//!
//! - [`Client::offers`](crate::Client::offers) (and
//!   [`Client::cluster_offers`](crate::Client::cluster_offers)) lists each type in each location with
//!   its price per hour and whether it is available now, cheapest first, in two requests.
//! - [`Client::deploy_where_available`](crate::Client::deploy_where_available) (and
//!   [`Client::deploy_cluster_where_available`](crate::Client::deploy_cluster_where_available)) deploys
//!   to one offer after another until one has room, within a budget, and never leaves two
//!   resources for one request when an answer is lost: see [`DeployWhereAvailable`].
//!
//! ```no_run
//! # async fn run(client: datacrunch::Client) -> Result<(), datacrunch::Error> {
//! use datacrunch::types::DeployInstanceRequest;
//!
//! for offer in client.offers().gpu("H100", 1).await? {
//!     println!("{offer}");
//! }
//! let request = DeployInstanceRequest::builder()
//!     .instance_type("1H100.80S.22V")
//!     .image("ubuntu-24.04-cuda-12.8-open-docker")
//!     .hostname("trainer-7")
//!     .description("training run 7");
//! let placement = client.deploy_where_available(request).max_price_per_hour(2.5).await?;
//! for skipped in placement.skipped() {
//!     println!("passed over {skipped}");
//! }
//! println!("deployed {} in {}", placement.instance_id(), placement.location());
//! # Ok(())
//! # }
//! ```

mod offers;
mod placement;

pub use offers::{Market, Offer, Offers};
pub use placement::{
    ClusterPlacement, DeployWhereAvailable, Deployable, InstancePlacement, Placement, SkipReason, Skipped,
};
