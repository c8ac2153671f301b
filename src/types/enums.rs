//! Open enums for every value set the API extends over time.
//!
//! Each enum lists the values known when this SDK was written; anything else decodes as
//! `Unknown(String)` and re-encodes unchanged. The lists match the `enum` of the schema with the
//! same name in `openapi.yaml` (checked by a test).

use super::open_enum::open_enums;

open_enums! {
    /// An instance type, such as `1H100.80S.22V` (`<count><model>.<memory>.<vCPUs>V`) or
    /// `CPU.4V.16G`.
    ///
    /// ```
    /// use datacrunch::types::InstanceType;
    ///
    /// assert_eq!(InstanceType::from("1H100.80S.22V"), InstanceType::H100x1_80S_22V);
    /// let future = InstanceType::from("16B300.2000V");
    /// assert_eq!(future, InstanceType::Unknown("16B300.2000V".into()));
    /// assert_eq!(future.to_string(), "16B300.2000V");
    /// ```
    InstanceType {
        H100x1_80S_22V = "1H100.80S.22V",
        H100x1_80S_30V = "1H100.80S.30V",
        H100x2_80S_60V = "2H100.80S.60V",
        H100x4_80S_120V = "4H100.80S.120V",
        H100x8_80S_240V = "8H100.80S.240V",
        H200x1_141S_44V = "1H200.141S.44V",
        H200x8_141S_176V = "8H200.141S.176V",
        B200x1_30V = "1B200.30V",
        B200x8_240V = "8B200.240V",
        B300x8_240V = "8B300.240V",
        A100x1_80S_22V = "1A100.80S.22V",
        A100x8_80S_176V = "8A100.80S.176V",
        A100x1_22V = "1A100.22V",
        A100x8_176V = "8A100.176V",
        L40Sx1_20V = "1L40S.20V",
        A6000x1_10V = "1A6000.10V",
        RtxPro6000x1_30V = "1RTXPRO6000.30V",
        V100x1_6V = "1V100.6V",
        V100x8_48M = "8V100.48M",
        Cpu_4V_16G = "CPU.4V.16G",
        Cpu_120V_480G = "CPU.120V.480G",
    }

    /// An instant-cluster type, such as `16H200`.
    ClusterType {
        H200x16 = "16H200",
        H200x32 = "32H200",
        B200x16 = "16B200",
    }

    /// A datacenter location code, such as `FIN-03`.
    ///
    /// ```
    /// use datacrunch::types::LocationCode;
    ///
    /// assert_eq!("FIN-03".parse::<LocationCode>().unwrap(), LocationCode::Fin03);
    /// ```
    LocationCode {
        Fin01 = "FIN-01",
        Fin02 = "FIN-02",
        Fin03 = "FIN-03",
        Ice01 = "ICE-01",
        Nor01 = "NOR-01",
    }

    /// An OS image type; the API also accepts the id of a detached OS volume where an image is
    /// expected, which arrives here as `Unknown`.
    ImageType {
        Ubuntu2404Cuda128OpenDocker = "ubuntu-24.04-cuda-12.8-open-docker",
        Ubuntu2404Cuda130OpenDocker = "ubuntu-24.04-cuda-13.0-open-docker",
        Ubuntu2204Cuda124Cluster = "ubuntu-22.04-cuda-12.4-cluster",
        Ubuntu2404 = "ubuntu-24.04",
        Ubuntu2204 = "ubuntu-22.04",
    }

    /// The lifecycle state of an instance.
    ///
    /// ```
    /// use datacrunch::types::InstanceStatus;
    ///
    /// assert_eq!(InstanceStatus::from("running"), InstanceStatus::Running);
    /// assert!(!InstanceStatus::from("being_teleported").is_known());
    /// ```
    InstanceStatus {
        New = "new",
        Ordered = "ordered",
        Validating = "validating",
        Provisioning = "provisioning",
        Running = "running",
        Offline = "offline",
        Pending = "pending",
        StartingHibernation = "starting_hibernation",
        Hibernating = "hibernating",
        Restoring = "restoring",
        Deleting = "deleting",
        Discontinued = "discontinued",
        Error = "error",
        NoCapacity = "no_capacity",
        NotFound = "notfound",
        /// The API itself does not know the instance's state (the Go SDK's `unknown`); not to be
        /// confused with [`Self::Unknown`], a value this SDK does not know.
        StatusUnknown = "unknown",
    }

    /// An action on one or more instances (`PUT /instances`).
    InstanceActionKind {
        Boot = "boot",
        Start = "start",
        Shutdown = "shutdown",
        ForceShutdown = "force_shutdown",
        Hibernate = "hibernate",
        Restore = "restore",
        Delete = "delete",
        DeleteStuck = "delete_stuck",
        Discontinue = "discontinue",
        ConfigureSpot = "configure_spot",
        Deploy = "deploy",
        Transfer = "transfer",
    }

    /// The lifecycle state of a volume.
    VolumeStatus {
        Ordered = "ordered",
        Creating = "creating",
        Created = "created",
        Attaching = "attaching",
        Attached = "attached",
        Detaching = "detaching",
        Detached = "detached",
        Cloning = "cloning",
        Restoring = "restoring",
        Deleting = "deleting",
        Deleted = "deleted",
        Exported = "exported",
        Canceling = "canceling",
        Canceled = "canceled",
    }

    /// An action on one or more volumes (`PUT /volumes`).
    VolumeActionKind {
        Attach = "attach",
        Detach = "detach",
        Rename = "rename",
        Resize = "resize",
        Clone = "clone",
        Delete = "delete",
        Restore = "restore",
    }

    /// A volume storage type.
    VolumeType {
        Nvme = "NVMe",
        Hdd = "HDD",
        NvmeShared = "NVMe_Shared",
        HddShared = "HDD_Shared",
        NvmeLocalStorage = "NVMe_Local_Storage",
        NvmeSharedCluster = "NVMe_Shared_Cluster",
        NvmeOsCluster = "NVMe_OS_Cluster",
    }

    /// The lifecycle state of an instant cluster.
    ClusterStatus {
        Ordered = "ordered",
        Provisioning = "provisioning",
        Running = "running",
        Discontinued = "discontinued",
        Error = "error",
    }

    /// An action on an instant cluster (`PUT /clusters`).
    ClusterActionKind {
        Discontinue = "discontinue",
    }

    /// A currency code. The API has sent both `usd` and `USD`; the latter arrives as `Unknown`.
    Currency {
        Usd = "usd",
        Eur = "eur",
    }

    /// How a resource is billed.
    Contract {
        PayAsYouGo = "PAY_AS_YOU_GO",
        LongTerm = "LONG_TERM",
        Spot = "SPOT",
    }

    /// How the hourly price of an instance is set.
    Pricing {
        FixedPrice = "FIXED_PRICE",
        DynamicPrice = "DYNAMIC_PRICE",
    }

    /// What happens to a volume when its spot instance is discontinued.
    OnSpotDiscontinue {
        KeepDetached = "keep_detached",
        MoveToTrash = "move_to_trash",
        DeletePermanently = "delete_permanently",
    }

    /// The `code` of an API error body. The API has also sent these upper-cased; such codes
    /// arrive as `Unknown` with the text unchanged.
    ErrorCode {
        InvalidRequest = "invalid_request",
        UnauthorizedRequest = "unauthorized_request",
        InsufficientFunds = "insufficient_funds",
        ForbiddenAction = "forbidden_action",
        NotFound = "not_found",
        ServerError = "server_error",
        ServiceUnavailable = "service_unavailable",
        InvalidScope = "invalid_scope",
        InvalidGrant = "invalid_grant",
        UnsupportedGrantType = "unsupported_grant_type",
    }

    /// The state of a serverless container deployment.
    DeploymentStatus {
        Initializing = "initializing",
        Healthy = "healthy",
        Degraded = "degraded",
        Unhealthy = "unhealthy",
        Paused = "paused",
        QuotaReached = "quota_reached",
        ImagePulling = "image_pulling",
        VersionUpdating = "version_updating",
    }

    /// The state of a serverless job deployment.
    JobStatus {
        Running = "running",
        Paused = "paused",
        Terminating = "terminating",
    }

    /// The kind of a stored secret.
    SecretType {
        Generic = "generic",
        FileSecret = "file-secret",
        Env = "env",
        File = "file",
    }

    /// The kind of a container registry credential.
    RegistryType {
        Dockerhub = "dockerhub",
        Ghcr = "ghcr",
        Gcr = "gcr",
        AwsEcr = "aws-ecr",
        Custom = "custom",
        Verda = "verda",
        Scaleway = "scaleway",
    }

    /// The kind of a volume mounted into a container.
    VolumeMountType {
        Scratch = "scratch",
        Secret = "secret",
        Memory = "memory",
        Shared = "shared",
    }

    /// Whether a container environment variable holds a value or names a secret.
    EnvVarType {
        Plain = "plain",
        Secret = "secret",
    }

    /// A long-term commitment period code, such as `3_MONTHS`.
    LongTermPeriodCode {
        OneMonth = "1_MONTH",
        ThreeMonths = "3_MONTHS",
        SixMonths = "6_MONTHS",
        TwelveMonths = "12_MONTHS",
        TwentyFourMonths = "24_MONTHS",
        ThirtySixMonths = "36_MONTHS",
    }
}
