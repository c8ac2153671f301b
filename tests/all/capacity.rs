//! Capacity-aware deployment against the test kit's fake API, on paused time with exact request
//! counts: offers, and deploys that hop on "no capacity" but never on anything else.

use std::time::Duration;

use datacrunch::Error;
use datacrunch::capacity::SkipReason;
use datacrunch::testing::FakeApi;
use datacrunch::types::{
    ClusterSharedVolumeRequest, ClusterStatus, CreateClusterRequest, DeployInstanceRequest, InstanceStatus,
    InstanceType, LocationCode, builder,
};
use reqwest::StatusCode;
use tokio::time::Instant;

const H100: &str = "1H100.80S.22V";

fn request(hostname: &str) -> builder::DeployInstanceRequest {
    DeployInstanceRequest::builder()
        .instance_type(H100)
        .image("ubuntu-24.04-cuda-12.8-open-docker")
        .hostname(hostname)
        .description("capacity test")
}

/// `(location, reason)` of each offer passed over.
fn skipped<T>(skipped: &[datacrunch::capacity::Skipped<T>]) -> Vec<(String, SkipReason)> {
    skipped
        .iter()
        .map(|skip| (skip.offer().location().to_string(), skip.reason()))
        .collect()
}

/// The location of the instance the fake holds under `id`.
async fn location_of(fake: &FakeApi, id: &datacrunch::types::InstanceId) -> Option<LocationCode> {
    let instance = fake.client().get_instance_by_id().id(id).send().await.unwrap();
    instance.into_inner().location
}

#[tokio::test(start_paused = true)]
async fn offers_list_each_type_and_location_cheapest_first_in_two_requests() {
    let fake = FakeApi::start().await;
    fake.set_available("FIN-01", &["8B300.240V"]);
    let offers = fake.client().offers().locations(["FIN-01", "FIN-03"]).await.unwrap();

    let listed: Vec<(String, String, String, bool)> = offers
        .iter()
        .map(|offer| {
            (
                offer.instance_type().to_string(),
                offer.location().to_string(),
                offer.price_per_hour().to_string(),
                offer.is_available(),
            )
        })
        .collect();
    let row = |t: &str, l: &str, p: &str, a| (t.to_owned(), l.to_owned(), p.to_owned(), a);
    assert_eq!(
        listed,
        [
            row("CPU.4V.16G", "FIN-01", "0.0360", false),
            row("CPU.4V.16G", "FIN-03", "0.0360", true),
            row(H100, "FIN-01", "2.19", false),
            row(H100, "FIN-03", "2.19", true),
            row("8B300.240V", "FIN-01", "39.92", true),
            row("8B300.240V", "FIN-03", "39.92", true),
        ]
    );
    assert!(offers.iter().all(|offer| !offer.is_spot()));
    assert_eq!(
        (
            fake.requests_for("get_all_availability"),
            fake.requests_for("get_instances_types"),
            fake.requests()
        ),
        (1, 1, 2)
    );
}

#[tokio::test(start_paused = true)]
async fn equal_prices_keep_the_order_of_the_given_locations() {
    let fake = FakeApi::start().await;
    let client = fake.client();
    let order = |offers: Vec<datacrunch::capacity::Offer<InstanceType>>| {
        offers
            .iter()
            .map(|offer| offer.location().to_string())
            .collect::<Vec<_>>()
    };
    let given = client
        .offers()
        .instance_type(H100)
        .locations(["ICE-01", "FIN-03", "FIN-01"]);
    assert_eq!(order(given.await.unwrap()), ["ICE-01", "FIN-03", "FIN-01"]);
    let as_listed = client.offers().instance_type(H100);
    assert_eq!(order(as_listed.await.unwrap()), ["FIN-01", "FIN-03", "ICE-01"]);
}

#[tokio::test(start_paused = true)]
async fn spot_offers_come_from_availability_asked_with_the_spot_flag() {
    let fake = FakeApi::start().await;
    fake.set_prices(H100, "2.19", "0.99")
        .set_spot_available("ICE-01", &[H100])
        .set_spot_available("FIN-03", &[]);
    let client = fake.client();

    let spot = client.offers().instance_type(H100).spot(true).await.unwrap();
    let available: Vec<_> = spot.iter().filter(|offer| offer.is_available()).collect();
    assert_eq!(available.len(), 1);
    assert_eq!(*available[0].location(), LocationCode::Ice01);
    assert_eq!(available[0].price_per_hour().as_str(), "0.99");
    assert!(available[0].is_spot());

    // On demand, the same type is available in FIN-03 only, at the on-demand price.
    let on_demand = client.offers().instance_type(H100).await.unwrap();
    let available: Vec<_> = on_demand.iter().filter(|offer| offer.is_available()).collect();
    assert_eq!(available.len(), 1);
    assert_eq!(*available[0].location(), LocationCode::Fin03);
    assert_eq!(available[0].price_per_hour().as_str(), "2.19");
}

#[tokio::test(start_paused = true)]
async fn offers_filter_by_gpu_model_and_count_and_by_price() {
    let fake = FakeApi::start().await;
    let client = fake.client();
    let by_gpu = client.offers().gpu("b300", 8).locations(["FIN-03"]).await.unwrap();
    assert_eq!(by_gpu.len(), 1);
    assert_eq!(by_gpu[0].instance_type().as_str(), "8B300.240V");
    assert!(client.offers().gpu("B300", 1).await.unwrap().is_empty());

    let cheap = client
        .offers()
        .max_price_per_hour(2.19)
        .locations(["FIN-03"])
        .await
        .unwrap();
    let types: Vec<&str> = cheap.iter().map(|offer| offer.instance_type().as_str()).collect();
    assert_eq!(types, ["CPU.4V.16G", H100], "a price equal to the budget is within it");

    let error = client.offers().max_price_per_hour(f64::NAN).await.unwrap_err();
    assert!(matches!(error, Error::InvalidRequest(_)), "{error}");
    assert_eq!(
        fake.requests(),
        6,
        "three listings of two requests; the refused one sent nothing"
    );
}

#[tokio::test(start_paused = true)]
async fn cluster_offers_come_from_cluster_availability_and_types() {
    let fake = FakeApi::start().await;
    let offers = fake.client().cluster_offers().cluster_type("16H200").await.unwrap();
    let listed: Vec<(String, bool)> = offers
        .iter()
        .map(|offer| (offer.location().to_string(), offer.is_available()))
        .collect();
    assert_eq!(
        listed,
        [
            ("FIN-01".to_owned(), true),
            ("FIN-03".to_owned(), true),
            ("ICE-01".to_owned(), false)
        ]
    );
    assert_eq!(offers[0].price_per_hour().as_str(), "45.50");
    assert_eq!(offers[0].cluster_type().as_str(), "16H200");
    assert_eq!(
        (
            fake.requests_for("get_all_cluster_availability"),
            fake.requests_for("get_cluster_types"),
            fake.requests()
        ),
        (1, 1, 2)
    );
}

#[tokio::test(start_paused = true)]
async fn a_deploy_goes_to_the_first_available_place_and_can_wait_until_running() {
    let fake = FakeApi::start().await;
    fake.provision_time(Duration::from_secs(40));
    let client = fake.client();

    let placement = client.deploy_where_available(request("first")).await.unwrap();
    assert_eq!(*placement.location(), LocationCode::Fin03);
    assert_eq!(
        skipped(placement.skipped()),
        [("FIN-01".to_owned(), SkipReason::Unavailable)]
    );
    assert_eq!(
        location_of(&fake, placement.instance_id()).await,
        Some(LocationCode::Fin03)
    );
    assert_eq!(
        (
            fake.requests_for("get_all_instances"),
            fake.requests_for("get_all_availability"),
            fake.requests_for("get_instances_types"),
            fake.requests_for("deploy_instance"),
        ),
        (1, 1, 1, 1)
    );

    let started = Instant::now();
    let reads_before = fake.requests_for("get_instance_by_id");
    let instance = placement.wait_until_running(&client).await.unwrap();
    assert_eq!(instance.status, InstanceStatus::Running);
    // The instance waiter's schedule: a read at once, then 2, 4, 8, 10, 10 and 10 s apart.
    assert_eq!(started.elapsed(), Duration::from_secs(44));
    assert_eq!(fake.requests_for("get_instance_by_id") - reads_before, 7);
}

#[tokio::test(start_paused = true)]
async fn no_capacity_on_deploy_moves_on_to_the_next_place() {
    let fake = FakeApi::start().await;
    fake.set_available("FIN-01", &[H100]).no_capacity_in("FIN-01");

    let placement = fake.client().deploy_where_available(request("hopper")).await.unwrap();
    assert_eq!(*placement.location(), LocationCode::Fin03);
    assert_eq!(
        skipped(placement.skipped()),
        [("FIN-01".to_owned(), SkipReason::NoCapacity)]
    );
    assert_eq!(fake.requests_for("deploy_instance"), 2);
    assert_eq!(fake.instances().len(), 1);
}

#[tokio::test(start_paused = true)]
async fn the_given_locations_are_tried_in_their_order() {
    let fake = FakeApi::start().await;
    fake.set_available("ICE-01", &[H100]).set_available("FIN-01", &[H100]);
    let placement = fake
        .client()
        .deploy_where_available(request("ordered"))
        .locations(["ICE-01", "FIN-01"])
        .await
        .unwrap();
    assert_eq!(*placement.location(), LocationCode::Ice01);
    assert!(placement.skipped().is_empty());
}

#[tokio::test(start_paused = true)]
async fn a_400_or_a_402_is_returned_at_once_without_hopping() {
    for status in [StatusCode::BAD_REQUEST, StatusCode::PAYMENT_REQUIRED] {
        let fake = FakeApi::start().await;
        fake.set_available("FIN-01", &[H100]).deploys_fail_in("FIN-01", status);
        let error = fake
            .client()
            .deploy_where_available(request("stopper"))
            .await
            .unwrap_err();
        assert_eq!(error.status(), Some(status));
        assert!(!error.is_no_capacity());
        assert_eq!(error.is_insufficient_funds(), status == StatusCode::PAYMENT_REQUIRED);
        assert_eq!(
            fake.requests_for("deploy_instance"),
            1,
            "FIN-03 has room but was not tried"
        );
        assert!(fake.instances().is_empty());
    }
}

#[tokio::test(start_paused = true)]
async fn a_lost_answer_finds_the_created_instance_and_does_not_deploy_again() {
    let fake = FakeApi::start().await;
    fake.set_available("FIN-01", &[H100]).lose_next_deploy_answer();
    let client = fake.client_builder().timeout(Duration::from_secs(20)).build().unwrap();

    let started = Instant::now();
    let placement = client.deploy_where_available(request("lost")).await.unwrap();
    assert_eq!(
        started.elapsed(),
        Duration::from_secs(20),
        "one request timeout, no retry"
    );
    assert_eq!(*placement.location(), LocationCode::Fin01);
    let instances = fake.instances();
    assert_eq!(instances.len(), 1);
    assert_eq!(placement.instance_id().as_str(), instances[0].0);
    assert_eq!(fake.requests_for("deploy_instance"), 1);
    assert_eq!(
        fake.requests_for("get_all_instances"),
        2,
        "the identity check, then the lookup"
    );
}

#[tokio::test(start_paused = true)]
async fn a_server_error_that_created_nothing_moves_on_after_a_lookup() {
    let fake = FakeApi::start().await;
    fake.set_available("FIN-01", &[H100])
        .deploys_fail_in("FIN-01", StatusCode::BAD_GATEWAY);

    let placement = fake.client().deploy_where_available(request("unlucky")).await.unwrap();
    assert_eq!(*placement.location(), LocationCode::Fin03);
    assert_eq!(
        skipped(placement.skipped()),
        [("FIN-01".to_owned(), SkipReason::NotCreated)]
    );
    assert_eq!(fake.requests_for("deploy_instance"), 2);
    assert_eq!(fake.requests_for("get_all_instances"), 2);
    assert_eq!(fake.instances().len(), 1);
}

#[tokio::test(start_paused = true)]
async fn the_budget_guard_never_deploys_above_the_price() {
    let fake = FakeApi::start().await;
    let error = fake
        .client()
        .deploy_where_available(request("thrifty"))
        .max_price_per_hour(2.0)
        .await
        .unwrap_err();
    assert!(error.is_no_capacity(), "{error}");
    let Error::NoCapacity { skipped } = &error else {
        panic!("expected NoCapacity, got {error:?}");
    };
    assert_eq!(skipped.len(), 3);
    assert!(skipped.iter().all(|line| line.ends_with("over budget")), "{skipped:?}");
    assert_eq!(fake.requests_for("deploy_instance"), 0);

    let placement = fake
        .client()
        .deploy_where_available(request("thrifty"))
        .max_price_per_hour(2.19)
        .await
        .unwrap();
    assert_eq!(*placement.location(), LocationCode::Fin03);
}

#[tokio::test(start_paused = true)]
async fn no_room_anywhere_is_a_no_capacity_error_naming_every_offer() {
    let fake = FakeApi::start().await;
    fake.no_capacity_in("FIN-03");
    let error = fake
        .client()
        .deploy_where_available(request("nowhere"))
        .await
        .unwrap_err();
    let Error::NoCapacity { skipped } = &error else {
        panic!("expected NoCapacity, got {error:?}");
    };
    assert_eq!(
        *skipped,
        [
            "1H100.80S.22V in FIN-01, on demand, 2.19 usd/hour, unavailable: unavailable",
            "1H100.80S.22V in FIN-03, on demand, 2.19 usd/hour, available: no capacity",
            "1H100.80S.22V in ICE-01, on demand, 2.19 usd/hour, unavailable: unavailable",
        ]
    );
    assert_eq!(fake.requests_for("deploy_instance"), 1);
    assert!(error.is_no_capacity() && error.is_retryable());
    assert!(
        error
            .to_string()
            .starts_with("no offer had room: 1H100.80S.22V in FIN-01"),
        "{error}"
    );
}

#[tokio::test(start_paused = true)]
async fn a_spot_request_deploys_where_the_spot_market_has_room() {
    let fake = FakeApi::start().await;
    fake.set_spot_available("FIN-03", &[])
        .set_spot_available("ICE-01", &[H100]);
    let client = fake.client();
    let placement = client
        .deploy_where_available(request("spot").is_spot(true))
        .await
        .unwrap();
    assert_eq!(*placement.location(), LocationCode::Ice01);
    assert!(placement.offer().is_spot());
    let instance = client
        .get_instance_by_id()
        .id(placement.instance_id())
        .send()
        .await
        .unwrap();
    assert_eq!(instance.is_spot, Some(true));
}

#[tokio::test(start_paused = true)]
async fn a_hostname_another_live_instance_has_is_refused_before_deploying() {
    let fake = FakeApi::start().await;
    let client = fake.client();
    client
        .deploy_instance()
        .body(request("twin").location_code("FIN-03"))
        .send()
        .await
        .unwrap();
    let error = client.deploy_where_available(request("twin")).await.unwrap_err();
    assert!(
        matches!(&error, Error::InvalidRequest(reason) if reason.contains("twin")),
        "{error}"
    );
    assert_eq!(fake.requests_for("deploy_instance"), 1, "only the first deploy");
    assert_eq!(fake.requests_for("get_all_availability"), 0);
}

#[tokio::test(start_paused = true)]
async fn an_incomplete_request_fails_before_anything_is_sent() {
    let fake = FakeApi::start().await;
    let incomplete = DeployInstanceRequest::builder().instance_type(H100).hostname("x");
    let error = fake.client().deploy_where_available(incomplete).await.unwrap_err();
    assert!(matches!(error, Error::InvalidRequest(_)), "{error}");
    assert_eq!((fake.requests(), fake.token_requests()), (0, 0));
}

fn cluster_request(hostname: &str) -> builder::CreateClusterRequest {
    CreateClusterRequest::builder()
        .cluster_type("16H200")
        .image("ubuntu-22.04-cuda-12.4-cluster")
        .hostname(hostname)
        .description("capacity test")
        .shared_volume(ClusterSharedVolumeRequest::builder().name("shared").size(30000))
}

#[tokio::test(start_paused = true)]
async fn clusters_hop_on_no_capacity_and_survive_a_lost_answer() {
    let fake = FakeApi::start().await;
    fake.provision_time(Duration::from_secs(60)).no_capacity_in("FIN-01");
    let client = fake.client();

    let placement = client
        .deploy_cluster_where_available(cluster_request("c1"))
        .await
        .unwrap();
    assert_eq!(*placement.location(), LocationCode::Fin03);
    assert_eq!(
        skipped(placement.skipped()),
        [("FIN-01".to_owned(), SkipReason::NoCapacity)]
    );
    assert_eq!(fake.requests_for("create_cluster"), 2);
    let cluster = placement.wait_until_running(&client).await.unwrap();
    assert_eq!(cluster.status, ClusterStatus::Running);

    fake.lose_next_deploy_answer();
    let client = fake.client_builder().timeout(Duration::from_secs(10)).build().unwrap();
    let second = client
        .deploy_cluster_where_available(cluster_request("c2"))
        .locations(["FIN-03"])
        .await
        .unwrap();
    assert_eq!(fake.requests_for("create_cluster"), 3);
    let clusters = fake.clusters();
    assert_eq!(clusters.len(), 2);
    assert_eq!(second.cluster_id().as_str(), clusters[1].0);
    let found = client.get_cluster_by_id().id(second.cluster_id()).send().await.unwrap();
    assert_eq!(found.hostname, "c2");
}

#[tokio::test(start_paused = true)]
async fn when_the_lookup_after_a_lost_answer_fails_the_deploy_error_is_returned() {
    let fake = FakeApi::start().await;
    fake.set_available("FIN-01", &[H100]).lose_next_deploy_answer();
    let client = fake.client_builder().timeout(Duration::from_secs(20)).build().unwrap();

    let deploy = tokio::spawn(async move { client.deploy_where_available(request("unknown")).await });
    // Halfway through the deploy's timeout, make the lookup that follows it fail.
    tokio::time::sleep(Duration::from_secs(10)).await;
    assert_eq!(fake.requests_for("deploy_instance"), 1);
    fake.fail_next(1, StatusCode::BAD_REQUEST);

    let error = deploy.await.unwrap().unwrap_err();
    assert!(
        matches!(&error, Error::Transport(cause) if cause.is_timeout()),
        "{error:?}"
    );
    assert_eq!(fake.requests_for("deploy_instance"), 1, "FIN-03 was not tried");
    assert_eq!(fake.requests_for("get_all_instances"), 2);
    assert_eq!(fake.instances().len(), 1, "the instance the lost answer created");
}

#[tokio::test(start_paused = true)]
async fn given_offers_are_tried_in_their_order_with_their_own_type_and_market() {
    let fake = FakeApi::start().await;
    fake.set_prices("8B300.240V", "39.92", "19.00").no_capacity_in("FIN-01");
    fake.set_spot_available("FIN-01", &["8B300.240V"]);
    let client = fake.client();
    let mut offers = client.offers().instance_type("8B300.240V").spot(true).await.unwrap();
    offers.retain(|offer| offer.is_available());
    offers.extend(
        client
            .offers()
            .instance_type("CPU.4V.16G")
            .locations(["FIN-03"])
            .await
            .unwrap(),
    );
    assert_eq!(fake.requests(), 4);

    // A B300 spot offer in FIN-01 (no room on deploy), one in FIN-03, then a CPU on demand.
    let placement = client
        .deploy_where_available(request("any-gpu"))
        .offers(offers)
        .await
        .unwrap();
    assert_eq!(
        skipped(placement.skipped()),
        [("FIN-01".to_owned(), SkipReason::NoCapacity)]
    );
    let instance = client
        .get_instance_by_id()
        .id(placement.instance_id())
        .send()
        .await
        .unwrap();
    assert_eq!(instance.instance_type.as_str(), "8B300.240V");
    assert_eq!(instance.location, Some(LocationCode::Fin03));
    assert_eq!(instance.is_spot, Some(true));
    assert_eq!(
        (
            fake.requests_for("get_all_availability"),
            fake.requests_for("deploy_instance")
        ),
        (2, 2),
        "no listing of its own"
    );
}
