//! The quickstart: authenticate, read the balance and the catalogue, deploy an instance, wait
//! until it runs, delete it and wait until it is gone.
//!
//! ```text
//! cargo run --example quickstart
//! ```
//!
//! With `DATACRUNCH_CLIENT_ID` and `DATACRUNCH_CLIENT_SECRET` (or `VERDA_CLIENT_ID` and
//! `VERDA_CLIENT_SECRET`) set, it talks to the real API and only reads: deploying costs money.
//! Without them it runs the whole flow against the SDK's fake API (`datacrunch::testing`) on
//! localhost.

use std::time::Duration;

use datacrunch::testing::FakeApi;
use datacrunch::types::{
    DeployInstanceRequest, ImageType, InstanceActionKind, InstanceStatus, InstanceType, LocationCode,
};
use datacrunch::{Client, Error};

#[tokio::main]
async fn main() -> Result<(), Error> {
    let real = std::env::var_os("DATACRUNCH_CLIENT_ID")
        .or_else(|| std::env::var_os("VERDA_CLIENT_ID"))
        .is_some();
    let fake = match real {
        true => None,
        false => Some(FakeApi::start().await),
    };
    let client = match &fake {
        None => Client::from_env()?,
        Some(fake) => {
            println!(
                "No credentials in the environment: using a fake API at {}",
                fake.base_url()
            );
            fake.provision_time(Duration::from_secs(3));
            fake.client()
        }
    };

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

    if real {
        println!("Credentials found: the quickstart stops before deploying anything.");
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
        .await?;
    println!("Instance {id} is gone");
    Ok(())
}
