//! The quickstart: authenticate, read the balance and the catalogue, deploy an instance, wait
//! until it runs, delete it and wait until it is gone.
//!
//! ```text
//! cargo run --example quickstart
//! ```
//!
//! When [`Client::from_env`] finds credentials (the `DATACRUNCH_*`/`VERDA_*` variables, or the
//! CLI's credentials file), it talks to the real API and only reads: deploying costs money.
//! Otherwise it runs the whole flow against the SDK's fake API on localhost.
//!
//! To copy it into your crate: this file is all you need (with `datacrunch`, and `tokio` with the
//! features `macros` and `rt-multi-thread`); drop `mod fake;` and make `main` call
//! `tour(&Client::from_env()?, false).await`. The fake part lives in `fake.rs` because it needs
//! the feature `test-util` of `datacrunch`, meant for dev-dependencies.

mod fake;

use std::time::Duration;

use datacrunch::types::{
    DeployInstanceRequest, ImageType, InstanceActionKind, InstanceStatus, InstanceType, LocationCode,
};
use datacrunch::{Client, Error};

#[tokio::main]
async fn main() -> Result<(), Error> {
    let api = fake::real_or_fake().await?;
    // Deploying costs money: only on the fake.
    tour(&api.client(), api.is_fake()).await
}

/// Reads the account and the catalogue; with `deploy`, deploys an instance, waits until it runs,
/// deletes it and waits until it is gone.
async fn tour(client: &Client, deploy: bool) -> Result<(), Error> {
    // The first call fetches an access token; later calls reuse it, renewed in the background.
    let balance = client.get_balance().send().await?;
    println!("Balance: {} {}", balance.amount, balance.currency);

    let catalogue = client.get_instances_types().currency("usd").send().await?;
    println!("{} instance types, for example:", catalogue.len());
    for offer in catalogue.iter().take(3) {
        println!(
            "  {:<16} {:>8} {}/hour",
            offer.instance_type, offer.price_per_hour, offer.currency
        );
    }

    let instances = client.get_all_instances().send().await?;
    println!("{} instances running or provisioned", instances.len());

    if !deploy {
        println!("The quickstart stops before deploying anything.");
        return Ok(());
    }

    let request = DeployInstanceRequest::builder()
        .instance_type(InstanceType::H100x1_80S_22V)
        .image(ImageType::Ubuntu2404Cuda128OpenDocker)
        .hostname("quickstart")
        .description("deployed by the datacrunch quickstart")
        .location_code(LocationCode::Fin03);
    let id = client
        .deploy_instance()
        .body(request)
        .send()
        .await?
        .into_inner()
        .into_inner();
    println!("Deployed instance {id}; waiting until it runs");

    // Waiting is a separate step: the id is already in hand if the wait fails.
    let instance = client
        .wait_for_instance(&id, InstanceStatus::Running)
        .timeout(Duration::from_secs(60))
        .on_progress(|progress| println!("  {progress}"))
        .await?;
    println!(
        "Instance {} is {} at {}",
        instance.hostname,
        instance.status,
        instance.ip.as_deref().unwrap_or("?")
    );

    println!("Deleting instance {id}; waiting until it is gone");
    client
        .instance_action_and_wait(&id, InstanceActionKind::Delete)?
        .timeout(Duration::from_secs(60))
        .on_progress(|progress| println!("  {progress}"))
        .await?;
    println!("Instance {id} is gone");
    Ok(())
}
