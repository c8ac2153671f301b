//! Deploys an instance, waits until it runs, deletes it and waits until it is gone.
//!
//! ```text
//! cargo run --example deploy_and_wait                 # prints the plan; no network
//! cargo run --example deploy_and_wait -- --deploy     # really deploys: this costs money
//! ```
//!
//! Without `--deploy` it prints what it would do and exits: no credentials needed, nothing sent.
//! With it, credentials come from the environment (see `Client::from_env`), and it refuses an
//! instance type whose price is above the budget. The instance is deleted even when the wait
//! for it fails, and each wait gives up after the timeout.
//!
//! Options: `--instance-type TYPE` (default `CPU.4V.16G`), `--max-price-per-hour AMOUNT` (default
//! 0.50, in the account's currency), `--timeout-minutes N` (default 10), `--ssh-key ID` (repeatable).

use std::time::Duration;

use datacrunch::Client;
use datacrunch::types::{DeployInstanceRequest, ImageType, InstanceStatus, InstanceType, LocationCode, SshKeyId};

/// What to deploy, and the limits of the run.
struct Plan {
    deploy: bool,
    instance_type: InstanceType,
    max_price_per_hour: f64,
    timeout: Duration,
    ssh_keys: Vec<SshKeyId>,
}

impl Plan {
    /// Reads the plan from the command line.
    fn from_args(mut args: impl Iterator<Item = String>) -> Result<Self, String> {
        let mut plan = Plan {
            deploy: false,
            instance_type: InstanceType::Cpu_4V_16G,
            max_price_per_hour: 0.5,
            timeout: Duration::from_secs(10 * 60),
            ssh_keys: Vec::new(),
        };
        while let Some(arg) = args.next() {
            let mut value = || args.next().ok_or(format!("{arg} needs a value"));
            match arg.as_str() {
                "--deploy" => plan.deploy = true,
                "--instance-type" => plan.instance_type = InstanceType::from(value()?),
                "--max-price-per-hour" => {
                    plan.max_price_per_hour = value()?
                        .parse()
                        .ok()
                        .filter(|price: &f64| price.is_finite() && *price >= 0.0)
                        .ok_or("--max-price-per-hour needs a number of 0 or more")?
                }
                "--timeout-minutes" => {
                    let minutes: u64 = value()?
                        .parse()
                        .map_err(|_| "--timeout-minutes needs a whole number".to_owned())?;
                    plan.timeout = Duration::from_secs(minutes.saturating_mul(60));
                }
                "--ssh-key" => plan.ssh_keys.push(SshKeyId::from(value()?)),
                other => return Err(format!("unknown argument {other}")),
            }
        }
        Ok(plan)
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let plan = Plan::from_args(std::env::args().skip(1))?;
    println!(
        "Plan: deploy a {} in {} if it costs at most {:.2}/hour, wait up to {:?} until it runs, \
         delete it, wait up to {:?} until it is gone.",
        plan.instance_type,
        LocationCode::Fin03,
        plan.max_price_per_hour,
        plan.timeout,
        plan.timeout
    );
    if !plan.deploy {
        println!("Dry run: nothing was sent. Pass --deploy (and set credentials) to run it; it costs money.");
        return Ok(());
    }

    let client = Client::from_env()?;
    let offer = client
        .get_instance_type()
        .instance_type(plan.instance_type.clone())
        .send()
        .await?;
    let price = offer.price_per_hour.to_f64();
    if price > plan.max_price_per_hour {
        return Err(format!(
            "{} costs {} {}/hour, above the budget of {:.2}",
            plan.instance_type, offer.price_per_hour, offer.currency, plan.max_price_per_hour
        )
        .into());
    }

    let request = DeployInstanceRequest::builder()
        .instance_type(plan.instance_type.clone())
        .image(ImageType::Ubuntu2404)
        .hostname("deploy-and-wait")
        .description("deployed by the datacrunch deploy_and_wait example")
        .location_code(LocationCode::Fin03)
        .ssh_key_ids(plan.ssh_keys);
    // Deploying returns the id at once; waiting is a separate step, so the id is never lost.
    let deployed = client.deploy_instance().body(request).send().await?;
    let id = deployed.into_inner().into_inner();
    println!(
        "Deployed instance {id} at {} {}/hour",
        offer.price_per_hour, offer.currency
    );

    let running = client
        .wait_for_instance(&id, InstanceStatus::Running)
        .timeout(plan.timeout)
        .on_progress(|progress| println!("  {progress}"))
        .await;
    match &running {
        Ok(instance) => println!(
            "Instance {id} runs at {}",
            instance.ip.as_deref().unwrap_or("(no IP yet)")
        ),
        Err(error) => eprintln!("Waiting for instance {id} failed: {error}; deleting it anyway"),
    }

    let deletion = client.delete_instance_if_exists(&id).await?;
    println!("Delete of {id}: {deletion:?}");
    client
        .wait_for_instance_gone(&id)
        .timeout(plan.timeout)
        .on_progress(|progress| println!("  {progress}"))
        .await?;
    println!("Instance {id} is gone");
    running?;
    Ok(())
}
