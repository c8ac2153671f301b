//! Decodes every recorded API response in the folder named by `DATACRUNCH_REFERENCE_FIXTURES`
//! through the type of the endpoint it answers. Skipped when the variable is not set.
//!
//! `.ci/run` sets the variable when the provider's recorded fixtures sit beside the repository.
//! A file in the folder that this table does not know fails the test, so new recordings cannot
//! be silently ignored.

use std::collections::BTreeSet;
use std::path::PathBuf;

use datacrunch::types::*;
use serde::de::DeserializeOwned;

/// Decodes `body` as `T`, the way the client would: bare text first becomes a JSON string.
fn decode<T: DeserializeOwned>(name: &str, body: &str) -> Result<(), String> {
    let json = if name.ends_with(".txt") {
        serde_json::Value::String(body.trim().to_owned()).to_string()
    } else {
        body.to_owned()
    };
    serde_json::from_str::<T>(&json)
        .map(drop)
        .map_err(|e| format!("{name} as {}: {e}", std::any::type_name::<T>()))
}

macro_rules! fixtures {
    ($($file:literal => $ty:ty,)+) => {
        const KNOWN: &[&str] = &[$($file),+];

        fn decode_fixture(name: &str, body: &str) -> Option<Result<(), String>> {
            match name {
                $($file => Some(decode::<$ty>(name, body)),)+
                _ => None,
            }
        }
    };
}

fixtures! {
    "oauth2-token.client-credentials.json" => TokenResponse,
    "oauth2-token.refresh-token.json" => TokenResponse,
    "oauth2-token.error-401-invalid-client.json" => ApiError,
    "oauth2-token.error-400-invalid-request.json" => ApiError,
    "spec-2023.oauth2-token.error-400.json" => ApiError,
    "error.401-unauthorized-request.json" => ApiError,
    "error.400-invalid-request.json" => ApiError,
    "error.400-uppercase-code.json" => ApiError,
    "balance.json" => Balance,
    "balance.go-mock.json" => Balance,
    "images.list.json" => ImageList,
    "images.list.go-mock.json" => ImageList,
    "images.cluster.json" => ImageList,
    "instance-types.list.json" => InstanceTypeInfoList,
    "instance-types.list.go-mock.json" => InstanceTypeInfoList,
    "instance-types.get.json" => InstanceTypeInfo,
    "instance-types.price-history.json" => InstanceTypePriceHistory,
    "instances.list.json" => InstanceList,
    "instances.list.go-mock.json" => InstanceList,
    "instances.get.json" => Instance,
    "instances.get.status-ordered.json" => Instance,
    "instances.get.status-provisioning.json" => Instance,
    "instances.create.response.txt" => CreatedId<InstanceId>,
    "instances.create.go-mock-json.json" => CreatedId<InstanceId>,
    "instances.action.202.json" => InstanceActionResultList,
    "instances.action.207.json" => InstanceActionResultList,
    "instance-availability.check.json" => FlexibleBool,
    "instance-availability.list.json" => InstanceAvailabilityList,
    "spec-2023.instance-availability.list.json" => InstanceAvailabilityList,
    "cluster-availability.list.json" => ClusterAvailabilityList,
    "cluster-availability.check.json" => FlexibleBool,
    "locations.list.json" => LocationList,
    "spec-2023.locations.list.json" => LocationList,
    "ssh-keys.list.json" => SshKeyList,
    "ssh-keys.list.go-mock.json" => SshKeyList,
    "ssh-keys.get.json" => SingleItem<SshKey>,
    "ssh-keys.create.response.txt" => CreatedId<SshKeyId>,
    "scripts.list.json" => StartupScriptList,
    "scripts.list.go-mock.json" => StartupScriptList,
    "scripts.get.json" => SingleItem<StartupScript>,
    "scripts.create.response.txt" => CreatedId<StartupScriptId>,
    "volume-types.list.json" => VolumeTypeList,
    "volume-types.list.go-mock.json" => VolumeTypeList,
    "volumes.list.json" => VolumeList,
    "spec-2023.volumes.list.json" => VolumeList,
    "volumes.get.json" => Volume,
    "volumes.get.status-cloning.json" => Volume,
    "volumes.create.response.txt" => CreatedId<VolumeId>,
    "volumes.clone.response.json" => IdList<VolumeId>,
    "volumes.trash.json" => VolumeList,
    "tags.add.json" => Tag,
    "tags.add.freeform.json" => Tag,
    "clusters.list.json" => ClusterList,
    "clusters.list.go-mock.json" => ClusterList,
    "clusters.get.json" => Cluster,
    "clusters.create.response.json" => CreatedId<ClusterId>,
    "cluster-types.list.json" => ClusterTypeInfoList,
    "cluster-types.list.go-mock.json" => ClusterTypeInfoList,
    "long-term-periods.all.json" => LongTermPeriodList,
    "long-term-periods.instances.json" => LongTermPeriodList,
    "long-term-periods.clusters.json" => LongTermPeriodList,
    "container-types.list.json" => ContainerTypeList,
    "container-types.list.go-mock.json" => ContainerTypeList,
    "serverless-compute-resources.json" => ComputeResourceList,
    "serverless-compute-resources.go-mock.json" => ComputeResourceList,
    "container-deployments.list.json" => DeploymentList,
    "container-deployments.list.go-mock.json" => DeploymentList,
    "container-deployments.get.json" => Deployment,
    "container-deployments.create.go-mock.json" => Deployment,
    "container-deployments.status.json" => DeploymentStatusInfo,
    "container-deployments.scaling.json" => ScalingOptions,
    "container-deployments.scaling.go-mock.json" => ScalingOptions,
    "container-deployments.replicas.json" => ReplicaList,
    "container-deployments.environment-variables.json" => EnvVarListing,
    "container-deployments.environment-variables.patch.json" => EnvVarsResult,
    "secrets.list.json" => SecretList,
    "secrets.list.go-mock.json" => SecretList,
    "file-secrets.list.json" => FileSecretList,
    "container-registry-credentials.list.json" => RegistryCredentialList,
    "job-deployments.list.json" => JobDeploymentList,
    "job-deployments.get.json" => JobDeployment,
    "job-deployments.get.volume-mounts.json" => JobDeployment,
    "job-deployments.get.go-mock.json" => JobDeployment,
    "job-deployments.status.json" => JobDeploymentStatus,
    "job-deployments.scaling.json" => JobScaling,
}

#[test]
fn every_recorded_response_decodes() {
    let Some(folder) = std::env::var_os("DATACRUNCH_REFERENCE_FIXTURES").map(PathBuf::from) else {
        eprintln!("DATACRUNCH_REFERENCE_FIXTURES is not set: skipping the recorded-fixture check");
        return;
    };
    let mut failures = Vec::new();
    let mut decoded = BTreeSet::new();
    for entry in std::fs::read_dir(&folder).unwrap_or_else(|e| panic!("{}: {e}", folder.display())) {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if !(name.ends_with(".json") || name.ends_with(".txt")) {
            continue;
        }
        let body = std::fs::read_to_string(&path).unwrap();
        match decode_fixture(&name, &body) {
            Some(Ok(())) => {
                decoded.insert(name);
            }
            Some(Err(error)) => failures.push(error),
            None => failures.push(format!("{name}: no endpoint type is known for this recording")),
        }
    }
    assert!(
        failures.is_empty(),
        "{} fixtures failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    let missing: Vec<_> = KNOWN.iter().filter(|name| !decoded.contains(**name)).collect();
    assert!(
        missing.is_empty(),
        "fixtures listed here but absent from {}: {missing:?}",
        folder.display()
    );
}
