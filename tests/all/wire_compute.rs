//! Wire tests for the compute area: authentication, balance, locations, images, instance types,
//! availability, instances, clusters, tags and long-term periods.
//!
//! Every test checks the exact method, path, query and body the client sends, and decodes a
//! realistic answer through the generated types. Most tests are `wire_test!` rows
//! (`common/wire.rs`): the expected request, the canned answer, then the call and its checks.

use crate::common;
use crate::common::wire::wire_test;

use datacrunch::types::{
    ClusterAction, ClusterActionRequest, ClusterExistingVolume, ClusterSharedVolumeRequest, CreateClusterRequest,
    DeployInstanceRequest, DeployNewVolume, DeployOsVolume, InstanceActionRequest, InstanceIdOrList, TagRequest,
    TokenRequest,
};
use datacrunch::types::{
    ClusterActionKind, ClusterStatus, ClusterType, Contract, Currency, ImageType, InstanceActionKind, InstanceId,
    InstanceStatus, InstanceType, LocationCode, LongTermPeriodCode, OnSpotDiscontinue, Pricing, VolumeType,
};
use datacrunch::types::{ErrorCode, VolumeId};
use httpmock::Method::{DELETE, GET, POST, PUT};
use serde_json::json;

use common::JSON;

// ---------------------------------------------------------------------------------------------
// Authentication and balance
// ---------------------------------------------------------------------------------------------

wire_test! { get_access_token_sends_json_client_credentials(client)
    expect POST "/v1/oauth2/token", json_body(json!({
        "grant_type": "client_credentials",
        "client_id": "cid-7f3a",
        "client_secret": "s3cr3t-value"
    }));
    answer 200, json!({
        "access_token": "header.payload-one.sig",
        "refresh_token": "header.refresh-one.sig",
        "token_type": "Bearer",
        "expires_in": 3600,
        "scope": "fullAccess"
    });
    let request = TokenRequest::builder().grant_type("client_credentials").client_id(Some("cid-7f3a".to_owned()))
        .client_secret(Some("s3cr3t-value".to_owned()));
    let token = client.get_access_token().body(request)
        .send().await.unwrap().into_inner().expect("the answer has a body");

    assert_eq!(token.access_token, "header.payload-one.sig");
    assert_eq!(token.refresh_token.as_deref(), Some("header.refresh-one.sig"));
    assert_eq!(token.token_type.as_deref(), Some("Bearer"));
    assert_eq!(token.expires_in.map(|n| n.get()), Some(3600));
    assert_eq!(token.scope.as_deref(), Some("fullAccess"));
}

wire_test! { get_access_token_refresh_grant_with_minimal_answer(client)
    expect POST "/v1/oauth2/token", json_body(json!({"grant_type": "refresh_token", "refresh_token": "rt-0042"}));
    // Only access_token is guaranteed; a float lifetime is tolerated too.
    answer 200, json!({"access_token": "at-0043", "token_type": "Bearer", "expires_in": 1800.0});
    let request = TokenRequest::builder().grant_type("refresh_token").refresh_token(Some("rt-0042".to_owned()));
    let token = client.get_access_token().body(request)
        .send().await.unwrap().into_inner().expect("the answer has a body");

    assert_eq!(token.access_token, "at-0043");
    assert_eq!(token.refresh_token, None);
    assert_eq!(token.expires_in.map(|n| n.get()), Some(1800));
}

wire_test! { get_access_token_rejected_credentials_is_an_api_error(client)
    expect POST "/v1/oauth2/token";
    answer 401, json!({"code": "unauthorized_request", "message": "Invalid client id or client secret"});
    let request = TokenRequest::builder().grant_type("client_credentials").client_id(Some("wrong".to_owned()))
        .client_secret(Some("wrong".to_owned()));
    let err = client.get_access_token().body(request).send().await.unwrap_err();
    let (status, error) = common::api_error(err);
    assert_eq!(status.as_u16(), 401);
    assert_eq!(error.code, Some(ErrorCode::UnauthorizedRequest));
    assert_eq!(error.message, "Invalid client id or client secret");
}

wire_test! { get_balance_amount_as_number(client)
    expect GET "/v1/balance";
    answer 200, json!({"amount": 73.25, "currency": "usd"});
    let balance = client.get_balance().send().await.unwrap().into_inner();
    assert_eq!(balance.amount.as_str(), "73.25");
    assert_eq!(balance.currency, Currency::Usd);
}

wire_test! { get_balance_amount_as_string_and_unknown_currency_round_trips(client)
    expect GET "/v1/balance";
    answer_with status(200), header("content-type", JSON), body(r#"{"amount":"1204.50","currency":"USD"}"#);
    let balance = client.get_balance().send().await.unwrap().into_inner();
    assert_eq!(balance.amount.as_str(), "1204.50");
    assert_eq!(balance.amount, "1204.5".parse().unwrap());
    assert_eq!(balance.currency, Currency::Unknown("USD".into()));
    // The unknown value re-encodes exactly as received.
    assert_eq!(serde_json::to_value(&balance).unwrap(), json!({"amount": "1204.50", "currency": "USD"}));
}

wire_test! { get_balance_error_with_non_json_body_keeps_status_and_text(client)
    expect GET "/v1/balance";
    answer_with status(502), header("content-type", "text/html"), body("<html>upstream gone</html>");
    let err = client.get_balance().send().await.unwrap_err();
    let (status, error) = common::api_error(err);
    assert_eq!(status.as_u16(), 502);
    assert_eq!(error.code, None);
    assert_eq!(error.message, "<html>upstream gone</html>");
}

// ---------------------------------------------------------------------------------------------
// Locations and images
// ---------------------------------------------------------------------------------------------

wire_test! { get_locations_with_optional_fields(client)
    expect GET "/v1/locations";
    answer 200, json!([
        {"code": "FIN-02", "name": "Finland 2", "country_code": "FI"},
        {"code": "ICE-01", "name": "Iceland 1", "country_code": "IS", "country": "Iceland", "available": false},
        {"code": "NOR-07", "name": "Norway 7", "country_code": "NO", "city": "Oslo"}
    ]);
    let locations = client.get_locations().send().await.unwrap().into_inner();
    assert_eq!(locations.len(), 3);
    assert_eq!(locations[0].code, LocationCode::Fin02);
    assert_eq!(locations[0].available, None);
    assert_eq!(locations[1].code, LocationCode::Ice01);
    assert_eq!(locations[1].country.as_deref(), Some("Iceland"));
    assert_eq!(locations[1].available, Some(false));
    assert_eq!(locations[2].code, LocationCode::Unknown("NOR-07".into()));
    assert_eq!(locations[2].city.as_deref(), Some("Oslo"));
}

wire_test! { get_images_filtered_by_instance_type(client)
    expect GET "/v1/images", query_param("instance_type", "1H100.80S.22V");
    answer 200, json!([
        {
            "id": "5b1e0c7d-1111-4e2f-9a0b-000000000001",
            "image_type": "ubuntu-24.04-cuda-12.8-open-docker",
            "name": "Ubuntu 24.04 + CUDA 12.8 Open + Docker",
            "details": ["Ubuntu 24.04", "CUDA 12.8", "Docker"],
            "is_default": true,
            "is_cluster": false,
            "category": "ubuntu"
        },
        {
            "id": "5b1e0c7d-1111-4e2f-9a0b-000000000002",
            "image_type": "rocky-10-cuda-14.0",
            "name": "Rocky 10 + CUDA 14",
            "details": []
        }
    ]);
    let images = client.get_images().instance_type(InstanceType::H100x1_80S_22V).send().await.unwrap().into_inner();
    assert_eq!(images.len(), 2);
    assert_eq!(images[0].image_type, ImageType::Ubuntu2404Cuda128OpenDocker);
    assert_eq!(images[0].is_default, Some(true));
    assert_eq!(images[0].details, Some(vec!["Ubuntu 24.04".into(), "CUDA 12.8".into(), "Docker".into()]));
    assert_eq!(images[1].image_type, ImageType::Unknown("rocky-10-cuda-14.0".into()));
    assert_eq!(images[1].category, None);
    assert_eq!(serde_json::to_value(&images[1].image_type).unwrap(), json!("rocky-10-cuda-14.0"));
}

wire_test! { get_images_without_filter_sends_no_query(client)
    expect GET "/v1/images", query_param_missing("instance_type");
    answer 200, json!([{"id": "img-9", "image_type": "ubuntu-22.04", "name": "Ubuntu 22.04"}]);
    let images = client.get_images().send().await.unwrap().into_inner();
    assert_eq!(images[0].image_type, ImageType::Ubuntu2204);
    assert_eq!(images[0].details, None);
}

wire_test! { get_cluster_images_for_a_cluster_type(client)
    expect GET "/v1/images/cluster", query_param("instance_type", "16B200");
    answer 200, json!([
        {
            "id": "c1a5-0001",
            "image_type": "ubuntu-22.04-cuda-12.4-cluster",
            "name": "Ubuntu 22.04 + CUDA 12.4 (cluster)",
            "details": ["Ubuntu 22.04", "CUDA 12.4", "Slurm"],
            "is_default": false,
            "is_cluster": true,
            "category": "ubuntu"
        }
    ]);
    let images = client.get_cluster_images().instance_type(ClusterType::B200x16).send().await.unwrap().into_inner();
    assert_eq!(images.len(), 1);
    assert_eq!(images[0].image_type, ImageType::Ubuntu2204Cuda124Cluster);
    assert_eq!(images[0].is_cluster, Some(true));
}

// ---------------------------------------------------------------------------------------------
// Instance types and price history
// ---------------------------------------------------------------------------------------------

wire_test! { get_instances_types_prices_as_strings_and_numbers(client)
    expect GET "/v1/instance-types", query_param("currency", "eur");
    answer 200, json!([
        {
            "id": "a9d1c3e5-0000-4000-8000-00000000a100",
            "instance_type": "8A100.176V",
            "model": "A100",
            "name": "A100 SXM4 40GB",
            "display_name": "NVIDIA A100 40GB",
            "description": "Dedicated hardware instance",
            "manufacturer": "NVIDIA",
            "p2p": "600 GB/s",
            "deploy_warning": null,
            "price_per_hour": "10.32",
            "spot_price": "4.10",
            "serverless_price": "1.40",
            "serverless_spot_price": "0.60",
            "currency": "eur",
            "cpu": {"description": "176 CPU", "number_of_cores": 176},
            "gpu": {"description": "8x A100 40GB", "number_of_gpus": 8},
            "memory": {"description": "960GB RAM", "size_in_gigabytes": 960},
            "gpu_memory": {"description": "320GB VRAM", "size_in_gigabytes": 320},
            "storage": {"description": "dynamic"},
            "best_for": ["Training", "Fine-tuning"],
            "supported_os": ["ubuntu-24.04-cuda-12.8-open-docker", "ubuntu-26.04-cuda-14.0"]
        },
        {
            "id": "a9d1c3e5-0000-4000-8000-00000000c004",
            "instance_type": "CPU.4V.16G",
            "model": "CPU Node",
            "name": "AMD EPYC",
            "description": "CPU-only instance",
            "manufacturer": "AMD",
            "p2p": null,
            "price_per_hour": 0.03,
            "spot_price": 0.01,
            "dynamic_price": 0.025,
            "max_dynamic_price": 0.05,
            "currency": "eur",
            "cpu": {"description": "4 CPU", "number_of_cores": 4.0},
            "gpu": {"description": "", "number_of_gpus": 0},
            "memory": {"description": "16GB RAM", "size_in_gigabytes": 16},
            "gpu_memory": {"description": "", "size_in_gigabytes": 0},
            "storage": {"description": "100GB NVMe", "size_in_gigabytes": 100},
            "best_for": []
        }
    ]);
    let types = client.get_instances_types().currency(Currency::Eur).send().await.unwrap().into_inner();
    assert_eq!(types.len(), 2);
    let a100 = &types[0];
    assert_eq!(a100.instance_type, InstanceType::A100x8_176V);
    assert_eq!(a100.price_per_hour.as_str(), "10.32");
    assert_eq!(a100.spot_price.as_ref().unwrap().as_str(), "4.10");
    assert_eq!(a100.serverless_price.as_ref().unwrap().as_str(), "1.40");
    assert_eq!(a100.currency, Currency::Eur);
    assert_eq!(a100.p2p.as_deref(), Some("600 GB/s"));
    assert_eq!(a100.deploy_warning, None);
    assert_eq!(a100.gpu.as_ref().unwrap().number_of_gpus.unwrap().get(), 8);
    assert_eq!(a100.storage.as_ref().unwrap().size_in_gigabytes, None);
    assert_eq!(
        a100.supported_os,
        Some(vec![
            ImageType::Ubuntu2404Cuda128OpenDocker,
            ImageType::Unknown("ubuntu-26.04-cuda-14.0".into())
        ])
    );

    let cpu = &types[1];
    assert_eq!(cpu.instance_type, InstanceType::Cpu_4V_16G);
    assert_eq!(cpu.price_per_hour.as_str(), "0.03");
    assert_eq!(cpu.dynamic_price.as_ref().unwrap().to_f64(), 0.025);
    assert_eq!(cpu.max_dynamic_price.as_ref().unwrap().as_str(), "0.05");
    assert_eq!(cpu.p2p, None);
    // A float where a whole number is expected.
    assert_eq!(cpu.cpu.as_ref().unwrap().number_of_cores.unwrap().get(), 4);
}

wire_test! { get_instance_type_with_all_query_parameters(client)
    expect GET "/v1/instance-types/1B200.30V", query_param("is_spot", "true"), query_param("location_code", "FIN-03"),
        query_param("currency", "usd");
    answer 200, json!({
        "id": "b200-single",
        "instance_type": "1B200.30V",
        "model": "B200",
        "name": "1x NVIDIA B200 180GB",
        "price_per_hour": 4.49,
        "spot_price": 1.87,
        "dynamic_price": 3.1,
        "currency": "usd",
        "gpu": {"description": "1x B200", "number_of_gpus": 1},
        "best_for": ["Inference"],
        "description": "Blackwell GPU"
    });
    let info = client.get_instance_type().instance_type(InstanceType::B200x1_30V).is_spot(true)
        .location_code(LocationCode::Fin03).currency(Currency::Usd).send().await.unwrap().into_inner();
    assert_eq!(info.instance_type, InstanceType::B200x1_30V);
    assert_eq!(info.spot_price.as_ref().unwrap().as_str(), "1.87");
    assert_eq!(info.dynamic_price.as_ref().unwrap().as_str(), "3.1");
    assert_eq!(info.best_for, Some(vec!["Inference".into()]));
    assert_eq!(info.cpu, None);
}

wire_test! { get_instance_type_price_history_map_keyed_by_type(client)
    expect GET "/v1/instance-types/price-history", query_param("num_of_months", "3"), query_param("currency", "usd");
    answer 200, json!({
        "1H200.141S.44V": [
            {"date": "2025-03-02T00:00:00Z", "fixed_price_per_hour": 3.59, "dynamic_price_per_hour": 2.8899999999999997, "currency": "usd"},
            {"date": "2025-03-01T00:00:00Z", "fixed_price_per_hour": "3.59", "dynamic_price_per_hour": "2.95", "currency": "usd"}
        ],
        "1L40S.20V": [
            {"date": "2025-03-02", "fixed_price_per_hour": 1.1, "dynamic_price_per_hour": 0.91, "currency": "usd"}
        ]
    });
    let history = client.get_instance_type_price_history().num_of_months(3).currency(Currency::Usd)
        .send().await.unwrap().into_inner();
    assert_eq!(history.len(), 2);
    let h200 = &history["1H200.141S.44V"];
    assert_eq!(h200.len(), 2);
    assert_eq!(h200[0].date, "2025-03-02T00:00:00Z");
    assert_eq!(h200[0].fixed_price_per_hour.as_ref().unwrap().as_str(), "3.59");
    assert_eq!(h200[0].dynamic_price_per_hour.as_ref().unwrap().as_str(), "2.8899999999999997");
    assert_eq!(h200[1].dynamic_price_per_hour.as_ref().unwrap().as_str(), "2.95");
    assert_eq!(h200[1].currency, Some(Currency::Usd));
    assert_eq!(history["1L40S.20V"][0].dynamic_price_per_hour.as_ref().unwrap().as_str(), "0.91");
}

// ---------------------------------------------------------------------------------------------
// Availability
// ---------------------------------------------------------------------------------------------

wire_test! { get_all_availability_for_spot_in_one_location(client)
    expect GET "/v1/instance-availability", query_param("is_spot", "true"), query_param("location_code", "FIN-02"),
        is_true(|request| request.uri().query() == Some("is_spot=true&isSpot=true&location_code=FIN-02"));
    answer 200, json!([
        {"location_code": "FIN-02", "availabilities": ["1H100.80S.30V", "8H200.141S.176V", "4Z900.64V"]}
    ]);
    let availability = client.get_all_availability().is_spot(true).location_code(LocationCode::Fin02)
        .send().await.unwrap().into_inner();
    assert_eq!(availability.len(), 1);
    assert_eq!(availability[0].location_code, LocationCode::Fin02);
    assert_eq!(
        availability[0].availabilities,
        Some(vec![
            InstanceType::H100x1_80S_30V,
            InstanceType::H200x8_141S_176V,
            InstanceType::Unknown("4Z900.64V".into())
        ])
    );
}

wire_test! { get_availability_bare_boolean(client)
    expect GET "/v1/instance-availability/8H100.80S.240V", query_param("is_spot", "false"),
        query_param("location_code", "ICE-01"),
        is_true(|request| request.uri().query() == Some("is_spot=false&isSpot=false&location_code=ICE-01"));
    answer_with status(200), header("content-type", JSON), body("false");
    let available = client.get_availability().instance_type(InstanceType::H100x8_80S_240V).is_spot(false)
        .location_code(LocationCode::Ice01).send().await.unwrap().into_inner();
    assert!(!available.get());
}

wire_test! { get_availability_boolean_sent_as_string(client)
    expect GET "/v1/instance-availability/1RTXPRO6000.30V";
    answer_with status(200), header("content-type", JSON), body(r#""true""#);
    let available = client.get_availability().instance_type("1RTXPRO6000.30V").send().await.unwrap().into_inner();
    assert!(available.get());
}

wire_test! { get_all_cluster_availability_per_location(client)
    expect GET "/v1/cluster-availability", query_param("location_code", "FIN-01");
    answer 200, json!([{"location_code": "FIN-01", "availabilities": ["16B200", "64B300"]}]);
    let availability = client.get_all_cluster_availability().location_code(LocationCode::Fin01)
        .send().await.unwrap().into_inner();
    assert_eq!(availability[0].location_code, LocationCode::Fin01);
    assert_eq!(availability[0].availabilities, Some(vec![ClusterType::B200x16, ClusterType::Unknown("64B300".into())]));
}

wire_test! { get_cluster_availability_bare_boolean(client)
    expect GET "/v1/cluster-availability/32H200", query_param("location_code", "FIN-03");
    answer_with status(200), header("content-type", JSON), body("true");
    let available = client.get_cluster_availability().cluster_type(ClusterType::H200x32)
        .location_code(LocationCode::Fin03).send().await.unwrap().into_inner();
    assert!(available.get());
}

// ---------------------------------------------------------------------------------------------
// Instances
// ---------------------------------------------------------------------------------------------

fn full_instance(id: &str, status: &str) -> serde_json::Value {
    json!({
        "id": id,
        "instance_type": "1H100.80S.30V",
        "status": status,
        "hostname": "trainer-01",
        "description": "nightly fine-tune",
        "created_at": "2025-04-11T08:30:00Z",
        "ip": null,
        "location": "FIN-03",
        "image": "ubuntu-24.04-cuda-12.8-open-docker",
        "os_name": "Ubuntu 24.04",
        "price_per_hour": 2.19,
        "is_spot": false,
        "contract": "PAY_AS_YOU_GO",
        "pricing": "DYNAMIC_PRICE",
        "ssh_key_ids": ["0f3e2d1c-aaaa-4bbb-8ccc-000000000001"],
        "startup_script_id": null,
        "os_volume_id": "6d2c1b0a-dddd-4eee-8fff-000000000002",
        "volume_ids": ["6d2c1b0a-dddd-4eee-8fff-000000000003"],
        "jupyter_token": null,
        "cpu": {"description": "30 CPU", "number_of_cores": 30},
        "gpu": {"description": "1x H100 SXM5 80GB", "number_of_gpus": 1},
        "memory": {"description": "120GB RAM", "size_in_gigabytes": 120.0},
        "gpu_memory": {"description": "80GB VRAM", "size_in_gigabytes": 80},
        "storage": {"description": "dynamic"},
        "tags": [{"id": "tag-1", "key": "team", "value": "research"}]
    })
}

wire_test! { get_all_instances_filtered_by_status(client)
    expect GET "/v1/instances", query_param("status", "running");
    answer 200, json!([
        full_instance("4c6a8e00-1111-4222-8333-000000000001", "running"),
        {
            "id": "4c6a8e00-1111-4222-8333-000000000002",
            "instance_type": "1A6000.10V",
            "status": "running",
            "hostname": "small-box",
            "price_per_hour": "0.49",
            "ssh_key_ids": null,
            "tags": null
        }
    ]);
    let instances = client.get_all_instances().status(InstanceStatus::Running).send().await.unwrap().into_inner();
    assert_eq!(instances.len(), 2);
    let first = &instances[0];
    assert_eq!(first.id, InstanceId::from("4c6a8e00-1111-4222-8333-000000000001"));
    assert_eq!(first.instance_type, InstanceType::H100x1_80S_30V);
    assert_eq!(first.status, InstanceStatus::Running);
    assert_eq!(first.ip, None);
    assert_eq!(first.location, Some(LocationCode::Fin03));
    assert_eq!(first.price_per_hour.as_ref().unwrap().as_str(), "2.19");
    assert_eq!(first.contract, Some(Contract::PayAsYouGo));
    assert_eq!(first.pricing, Some(Pricing::DynamicPrice));
    assert_eq!(first.startup_script_id, None);
    assert_eq!(first.os_volume_id, Some(VolumeId::from("6d2c1b0a-dddd-4eee-8fff-000000000002")));
    assert_eq!(first.memory.as_ref().unwrap().size_in_gigabytes.unwrap().get(), 120);
    assert_eq!(first.tags.as_ref().unwrap()[0].value.as_deref(), Some("research"));

    let second = &instances[1];
    assert_eq!(second.instance_type, InstanceType::A6000x1_10V);
    assert_eq!(second.price_per_hour.as_ref().unwrap().as_str(), "0.49");
    assert_eq!(second.tags, None);
    assert_eq!(second.ssh_key_ids, None);
}

wire_test! { get_all_instances_unknown_status_round_trips(client)
    setup {
        let mut body = full_instance("4c6a8e00-1111-4222-8333-0000000000aa", "being_teleported");
        body["instance_type"] = json!("2Q100.40V");
    }
    expect GET "/v1/instances", query_param_missing("status");
    answer 200, json!([body]);
    let instances = client.get_all_instances().send().await.unwrap().into_inner();
    let instance = &instances[0];
    assert_eq!(instance.status, InstanceStatus::Unknown("being_teleported".into()));
    assert_eq!(instance.instance_type, InstanceType::Unknown("2Q100.40V".into()));
    let encoded = serde_json::to_value(instance).unwrap();
    assert_eq!(encoded["status"], json!("being_teleported"));
    assert_eq!(encoded["instance_type"], json!("2Q100.40V"));
}

wire_test! { get_instance_by_id_decodes_every_field(client)
    setup {
        let id = "4c6a8e00-1111-4222-8333-0000000000bb";
        let mut body = full_instance(id, "provisioning");
        body["ip"] = json!("203.0.113.17");
        body["startup_script_id"] = json!("9a8b7c6d-0000-4000-8000-000000000010");
        body["jupyter_token"] = json!("c0ffee");
        body["is_spot"] = json!(true);
    }
    expect GET format!("/v1/instances/{id}");
    answer 200, body;
    let instance = client.get_instance_by_id().id(id).send().await.unwrap().into_inner();
    assert_eq!(instance.id.as_str(), id);
    assert_eq!(instance.status, InstanceStatus::Provisioning);
    assert_eq!(instance.ip.as_deref(), Some("203.0.113.17"));
    assert_eq!(instance.startup_script_id.as_ref().unwrap().as_str(), "9a8b7c6d-0000-4000-8000-000000000010");
    assert_eq!(instance.jupyter_token.as_deref(), Some("c0ffee"));
    assert_eq!(instance.is_spot, Some(true));
    assert_eq!(instance.image, Some(ImageType::Ubuntu2404Cuda128OpenDocker));
    assert_eq!(instance.os_name.as_deref(), Some("Ubuntu 24.04"));
    assert_eq!(instance.created_at.as_deref(), Some("2025-04-11T08:30:00Z"));
    assert_eq!(instance.volume_ids.as_ref().unwrap().len(), 1);
}

wire_test! { get_instance_by_id_not_found_is_an_api_error(client)
    expect GET "/v1/instances/missing-one";
    answer 404, json!({"code": "not_found", "message": "Instance not found"});
    let err = client.get_instance_by_id().id("missing-one").send().await.unwrap_err();
    let (status, error) = common::api_error(err);
    assert_eq!(status.as_u16(), 404);
    assert_eq!(error.code, Some(ErrorCode::NotFound));
}

wire_test! { deploy_instance_full_body_and_bare_text_id(client)
    expect POST "/v1/instances", json_body(json!({
        "instance_type": "1H200.141S.44V",
        "image": "ubuntu-24.04-cuda-13.0-open-docker",
        "hostname": "llm-eval",
        "description": "evaluation box",
        "location_code": "FIN-02",
        "ssh_key_ids": ["0f3e2d1c-aaaa-4bbb-8ccc-000000000001", "0f3e2d1c-aaaa-4bbb-8ccc-000000000002"],
        "startup_script_id": "9a8b7c6d-0000-4000-8000-000000000010",
        "os_volume": {"name": "llm-eval-os", "size": 200, "on_spot_discontinue": "move_to_trash"},
        "volumes": [
            {"name": "datasets", "size": 1000, "type": "NVMe", "location_code": "FIN-02"},
            {"name": "scratch", "size": 500, "type": "HDD", "on_spot_discontinue": "delete_permanently"}
        ],
        "existing_volumes": ["6d2c1b0a-dddd-4eee-8fff-000000000009"],
        "is_spot": true,
        "contract": "SPOT",
        "pricing": "FIXED_PRICE",
        "coupon": "WELCOME10",
        "tags": [{"key": "team", "value": "eval"}, {"key": "adhoc"}]
    }));
    answer_with status(202), header("content-type", "text/plain"), body("e1f2a3b4-0000-4000-8000-00000000d001\n");
    let body = DeployInstanceRequest::builder()
        .instance_type(InstanceType::H200x1_141S_44V)
        .image(ImageType::Ubuntu2404Cuda130OpenDocker)
        .hostname("llm-eval")
        .description("evaluation box")
        .location_code(LocationCode::Fin02)
        .ssh_key_ids(vec![
            "0f3e2d1c-aaaa-4bbb-8ccc-000000000001".into(),
            "0f3e2d1c-aaaa-4bbb-8ccc-000000000002".into(),
        ])
        .startup_script_id(Some("9a8b7c6d-0000-4000-8000-000000000010".into()))
        .os_volume(Some(
            DeployOsVolume::builder()
                .name("llm-eval-os")
                .size(200)
                .on_spot_discontinue(Some(OnSpotDiscontinue::MoveToTrash))
                .try_into()
                .unwrap(),
        ))
        .volumes(vec![
            DeployNewVolume::builder()
                .name("datasets")
                .size(1000)
                .type_(VolumeType::Nvme)
                .location_code(Some(LocationCode::Fin02))
                .try_into()
                .unwrap(),
            DeployNewVolume::builder()
                .name("scratch")
                .size(500)
                .type_(VolumeType::Hdd)
                .on_spot_discontinue(Some(OnSpotDiscontinue::DeletePermanently))
                .try_into()
                .unwrap(),
        ])
        .existing_volumes(vec!["6d2c1b0a-dddd-4eee-8fff-000000000009".into()])
        .is_spot(Some(true))
        .contract(Some(Contract::Spot))
        .pricing(Some(Pricing::FixedPrice))
        .coupon(Some("WELCOME10".to_owned()))
        .tags(vec![
            TagRequest::builder()
                .key("team")
                .value(Some("eval".to_owned()))
                .try_into()
                .unwrap(),
            TagRequest::builder().key("adhoc").try_into().unwrap(),
        ]);
    let response = client.deploy_instance().body(body).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 202);
    let id: InstanceId = response.into_inner().into_inner();
    assert_eq!(id.as_str(), "e1f2a3b4-0000-4000-8000-00000000d001");
}

fn minimal_deploy() -> datacrunch::types::builder::DeployInstanceRequest {
    DeployInstanceRequest::builder()
        .instance_type(InstanceType::Cpu_4V_16G)
        .image("ubuntu-24.04")
        .hostname("cpu-1")
        .description("cpu box")
        .location_code(LocationCode::Fin03)
}

wire_test! { deploy_instance_minimal_body_and_json_string_id(client)
    expect POST "/v1/instances", json_body(json!({
        "instance_type": "CPU.4V.16G",
        "image": "ubuntu-24.04",
        "hostname": "cpu-1",
        "description": "cpu box",
        "location_code": "FIN-03",
        "ssh_key_ids": []
    }));
    answer_with status(200), header("content-type", JSON), body(r#""e1f2a3b4-0000-4000-8000-00000000d002""#);
    let id = client.deploy_instance().body(minimal_deploy()).send().await.unwrap().into_inner();
    assert_eq!(id.as_str(), "e1f2a3b4-0000-4000-8000-00000000d002");
}

wire_test! { deploy_instance_json_object_answer(client)
    setup {
        let mut answer = full_instance("e1f2a3b4-0000-4000-8000-00000000d003", "ordered");
        answer["hostname"] = json!("cpu-1");
    }
    expect POST "/v1/instances";
    answer 201, answer;
    let response = client.deploy_instance().body(minimal_deploy()).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 201);
    assert_eq!(response.into_inner().into_inner(), InstanceId::from("e1f2a3b4-0000-4000-8000-00000000d003"));
}

wire_test! { deploy_instance_insufficient_funds(client)
    expect POST "/v1/instances";
    answer 402, json!({"code": "insufficient_funds", "message": "Not enough balance"});
    let err = client.deploy_instance().body(minimal_deploy()).send().await.unwrap_err();
    let (status, error) = common::api_error(err);
    assert_eq!(status.as_u16(), 402);
    assert_eq!(error.code, Some(ErrorCode::InsufficientFunds));
    assert_eq!(error.message, "Not enough balance");
}

wire_test! { instance_action_on_several_instances_202_results(client)
    expect PUT "/v1/instances", json_body(json!({"id": ["inst-a1", "inst-b2"], "action": "hibernate"}));
    answer 202, json!([
        {"action": "hibernate", "instanceId": "inst-a1", "status": "success"},
        {"action": "hibernate", "instanceId": "inst-b2", "status": "success"}
    ]);
    let body = InstanceActionRequest::builder().id(InstanceIdOrList::Array(vec!["inst-a1".into(), "inst-b2".into()]))
        .action(InstanceActionKind::Hibernate);
    let response = client.instance_action().body(body).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 202);
    let results = response.into_inner().0.expect("a result list");
    assert_eq!(results.len(), 2);
    assert_eq!(results[1].instance_id, InstanceId::from("inst-b2"));
    assert_eq!(results[1].action, Some(InstanceActionKind::Hibernate));
    assert_eq!(results[1].status, "success");
    assert_eq!(results[1].error, None);
}

wire_test! { instance_action_delete_single_id_with_volumes_207_partial_failure(client)
    expect PUT "/v1/instances", json_body(json!({
        "id": "inst-c3",
        "action": "delete",
        "volume_ids": ["vol-x", "vol-y"],
        "delete_permanently": true
    }));
    answer 207, json!([
        {"action": "delete", "instanceId": "inst-c3", "status": "error", "error": "instance is locked", "statusCode": 409.0}
    ]);
    let body = InstanceActionRequest::builder().id(InstanceIdOrList::InstanceId("inst-c3".into()))
        .action(InstanceActionKind::Delete).volume_ids(Some(vec!["vol-x".into(), "vol-y".into()]))
        .delete_permanently(Some(true));
    let response = client.instance_action().body(body).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 207);
    let results = response.into_inner().0.expect("a result list");
    assert_eq!(results[0].status, "error");
    assert_eq!(results[0].error.as_deref(), Some("instance is locked"));
    assert_eq!(results[0].status_code.unwrap().get(), 409);
}

wire_test! { instance_action_empty_volume_list_and_unknown_action_are_sent_verbatim(client)
    expect PUT "/v1/instances", json_body(json!({"id": ["inst-d4"], "action": "teleport", "volume_ids": []}));
    answer 202, json!([{"action": "teleport", "instanceId": "inst-d4", "status": "success"}]);
    let body = InstanceActionRequest::builder().id(InstanceIdOrList::Array(vec!["inst-d4".into()])).action("teleport")
        .volume_ids(Some(Vec::new()));
    let results = client.instance_action().body(body).send().await.unwrap().into_inner();
    let results = results.0.expect("a result list");
    assert_eq!(results[0].action, Some(InstanceActionKind::Unknown("teleport".into())));
    assert_eq!(serde_json::to_value(&results[0]).unwrap()["action"], json!("teleport"));
}

// An action answered with 204 and no body succeeds with no results (the transport turns the
// empty body into `null`; one operation cannot mix typed and empty success responses).
wire_test! { instance_action_204_without_body(client)
    expect PUT "/v1/instances", json_body(json!({"id": "inst-e5", "action": "shutdown"}));
    answer_with status(204);
    let body = InstanceActionRequest::builder().id(InstanceIdOrList::InstanceId("inst-e5".into()))
        .action(InstanceActionKind::Shutdown);
    let response = client.instance_action().body(body).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 204);
    assert_eq!(response.into_inner().0, None);
}

wire_test! { instance_action_forbidden_is_an_api_error(client)
    expect PUT "/v1/instances";
    answer 403, json!({"code": "forbidden_action", "message": "Can't discontinue a discontinued instance"});
    let body = InstanceActionRequest::builder().id(InstanceIdOrList::InstanceId("inst-f6".into()))
        .action(InstanceActionKind::Discontinue);
    let err = client.instance_action().body(body).send().await.unwrap_err();
    let (status, error) = common::api_error(err);
    assert_eq!(status.as_u16(), 403);
    assert_eq!(error.code, Some(ErrorCode::ForbiddenAction));
}

wire_test! { add_instance_tag_returns_the_stored_tag(client)
    expect POST "/v1/instances/inst-a1/tags", json_body(json!({"key": "cost-center", "value": "ml-42"}));
    answer 201, json!({"id": "tag_cost-center_3", "key": "cost-center", "value": "ml-42"});
    let tag = client.add_instance_tag().id("inst-a1")
        .body(TagRequest::builder().key("cost-center").value(Some("ml-42".to_owned())))
        .send().await.unwrap().into_inner().expect("the answer has a body");
    assert_eq!(tag.id.as_deref(), Some("tag_cost-center_3"));
    assert_eq!(tag.key, "cost-center");
    assert_eq!(tag.value.as_deref(), Some("ml-42"));
}

wire_test! { add_instance_tag_existing_key_conflict(client)
    expect POST "/v1/instances/inst-a1/tags", json_body(json!({"key": "team"}));
    answer_with status(409), header("content-type", "text/plain"), body("tag key already exists");
    let err = client.add_instance_tag().id("inst-a1").body(TagRequest::builder().key("team")).send().await.unwrap_err();
    let (status, error) = common::api_error(err);
    assert_eq!(status.as_u16(), 409);
    assert_eq!(error.code, None);
    assert_eq!(error.message, "tag key already exists");
}

wire_test! { delete_instance_tag_204(client)
    expect DELETE "/v1/instances/inst-a1/tags/cost-center";
    answer_with status(204);
    let response = client.delete_instance_tag().id("inst-a1").key("cost-center").send().await.unwrap();
    assert_eq!(response.status().as_u16(), 204);
}

// ---------------------------------------------------------------------------------------------
// Clusters
// ---------------------------------------------------------------------------------------------

fn cluster_json(id: &str) -> serde_json::Value {
    json!({
        "id": id,
        "hostname": "train-cluster",
        "description": "pretraining run",
        "status": "running",
        "created_at": "2025-05-01T12:00:00Z",
        "location": "FIN-03",
        "cluster_type": "16H200",
        "image": "ubuntu-22.04-cuda-12.4-cluster",
        "os_name": "Ubuntu 22.04",
        "ip": "198.51.100.9",
        "price_per_hour": "57.28",
        "cpu": {"description": "2x 88 CPU", "number_of_cores": 176},
        "gpu": {"description": "16x H200", "number_of_gpus": 16},
        "memory": {"description": "3.7TB RAM", "size_in_gigabytes": 3700},
        "gpu_memory": {"description": "2.2TB VRAM", "size_in_gigabytes": 2256},
        "ssh_key_ids": ["0f3e2d1c-aaaa-4bbb-8ccc-000000000001"],
        "startup_script_id": null,
        "contract": "LONG_TERM",
        "auto_rent_extension": true,
        "turn_to_pay_as_you_go": false,
        "extension_settings": "auto_renew",
        "long_term_period": "3_MONTHS",
        "worker_nodes": [
            {"id": "node-01", "hostname": "train-cluster-1", "status": "running", "private_ip": "10.1.0.11", "public_ip": null},
            {"id": "node-02", "hostname": "train-cluster-2", "status": "provisioning", "private_ip": "10.1.0.12"}
        ],
        "shared_volumes": [
            {"id": "6d2c1b0a-dddd-4eee-8fff-0000000000f1", "name": "shared", "size_in_gigabytes": 30000.0, "mount_point": "/home"}
        ],
        "tags": [{"id": "tag-9", "key": "project", "value": "atlas"}]
    })
}

wire_test! { get_clusters_filtered_by_status(client)
    expect GET "/v1/clusters", query_param("status", "running");
    answer 200, json!([
        cluster_json("c0ffee00-0000-4000-8000-000000000001"),
        {
            "id": "c0ffee00-0000-4000-8000-000000000002",
            "hostname": "tiny",
            "status": "hatching",
            "cluster_type": "8V100.48V",
            "price_per_hour": 2.5,
            "ip": null,
            "tags": null
        }
    ]);
    let clusters = client.get_clusters().status(ClusterStatus::Running).send().await.unwrap().into_inner();
    assert_eq!(clusters.len(), 2);
    let first = &clusters[0];
    assert_eq!(first.cluster_type, ClusterType::H200x16);
    assert_eq!(first.status, ClusterStatus::Running);
    assert_eq!(first.price_per_hour.as_ref().unwrap().as_str(), "57.28");
    assert_eq!(first.contract, Some(Contract::LongTerm));
    let nodes = first.worker_nodes.as_ref().unwrap();
    assert_eq!(nodes.len(), 2);
    assert_eq!(nodes[0].private_ip.as_deref(), Some("10.1.0.11"));
    assert_eq!(nodes[1].status, Some(InstanceStatus::Provisioning));
    let shared = &first.shared_volumes.as_ref().unwrap()[0];
    assert_eq!(shared.size_in_gigabytes.unwrap().get(), 30000);
    assert_eq!(shared.mount_point.as_deref(), Some("/home"));

    let second = &clusters[1];
    assert_eq!(second.status, ClusterStatus::Unknown("hatching".into()));
    assert_eq!(second.cluster_type, ClusterType::Unknown("8V100.48V".into()));
    assert_eq!(second.price_per_hour.as_ref().unwrap().as_str(), "2.5");
    assert_eq!(second.worker_nodes, None);
    let encoded = serde_json::to_value(second).unwrap();
    assert_eq!(encoded["status"], json!("hatching"));
}

wire_test! { get_cluster_by_id(client)
    setup {
        let id = "c0ffee00-0000-4000-8000-000000000003";
    }
    expect GET format!("/v1/clusters/{id}");
    answer 200, cluster_json(id);
    let cluster = client.get_cluster_by_id().id(id).send().await.unwrap().into_inner();
    assert_eq!(cluster.id.as_str(), id);
    assert_eq!(cluster.hostname, "train-cluster");
    assert_eq!(cluster.ip.as_deref(), Some("198.51.100.9"));
    assert_eq!(cluster.auto_rent_extension, Some(true));
    assert_eq!(cluster.extension_settings.as_deref(), Some("auto_renew"));
    assert_eq!(cluster.long_term_period.as_deref(), Some("3_MONTHS"));
    assert_eq!(cluster.tags.as_ref().unwrap()[0].key, "project");
}

wire_test! { create_cluster_answers_json_id(client)
    expect POST "/v1/clusters", json_body(json!({
        "cluster_type": "16B200",
        "image": "ubuntu-22.04-cuda-12.4-cluster",
        "hostname": "bw-cluster",
        "description": "blackwell test",
        "location_code": "FIN-03",
        "ssh_key_ids": ["0f3e2d1c-aaaa-4bbb-8ccc-000000000001"],
        "contract": "PAY_AS_YOU_GO",
        "shared_volume": {"name": "bw-shared", "size": 30000},
        "existing_volumes": [{"id": "6d2c1b0a-dddd-4eee-8fff-0000000000f2"}],
        "auto_rent_extension": false,
        "turn_to_pay_as_you_go": true,
        "extension_settings": "pay_as_you_go",
        "tags": [{"key": "project", "value": "bw"}]
    }));
    answer 201, json!({"id": "c0ffee00-0000-4000-8000-0000000000c1"});
    let body = CreateClusterRequest::builder()
        .cluster_type(ClusterType::B200x16)
        .image(ImageType::Ubuntu2204Cuda124Cluster)
        .hostname("bw-cluster")
        .description("blackwell test")
        .location_code(LocationCode::Fin03)
        .ssh_key_ids(vec!["0f3e2d1c-aaaa-4bbb-8ccc-000000000001".into()])
        .contract(Some(Contract::PayAsYouGo))
        .shared_volume(ClusterSharedVolumeRequest::builder().name("bw-shared").size(30000))
        .existing_volumes(vec![
            ClusterExistingVolume::builder()
                .id("6d2c1b0a-dddd-4eee-8fff-0000000000f2")
                .try_into()
                .unwrap(),
        ])
        .auto_rent_extension(Some(false))
        .turn_to_pay_as_you_go(Some(true))
        .extension_settings(Some("pay_as_you_go".to_owned()))
        .tags(vec![
            TagRequest::builder()
                .key("project")
                .value(Some("bw".to_owned()))
                .try_into()
                .unwrap(),
        ]);
    let response = client.create_cluster().body(body).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 201);
    assert_eq!(response.into_inner().as_str(), "c0ffee00-0000-4000-8000-0000000000c1");
}

wire_test! { create_cluster_accepts_a_bare_text_id_too(client)
    expect POST "/v1/clusters";
    answer_with status(200), body("c0ffee00-0000-4000-8000-0000000000c2");
    let body = CreateClusterRequest::builder().cluster_type("32H200").image("ubuntu-22.04-cuda-12.4-cluster")
        .hostname("h200-cluster").description("minimal").location_code(LocationCode::Fin01)
        .shared_volume(ClusterSharedVolumeRequest::builder().name("s").size(30000));
    let id = client.create_cluster().body(body).send().await.unwrap().into_inner();
    assert_eq!(id.into_inner().as_str(), "c0ffee00-0000-4000-8000-0000000000c2");
}

wire_test! { cluster_action_discontinue_202_empty(client)
    expect PUT "/v1/clusters", json_body(json!({
        "actions": [
            {"id": "c0ffee00-0000-4000-8000-000000000001", "action": "discontinue"},
            {"id": "c0ffee00-0000-4000-8000-000000000002", "action": "discontinue"}
        ]
    }));
    answer_with status(202);
    let action = |id: &str| -> ClusterAction {
        ClusterAction::builder()
            .id(id)
            .action(ClusterActionKind::Discontinue)
            .try_into()
            .unwrap()
    };
    let body = ClusterActionRequest::builder().actions(vec![
        action("c0ffee00-0000-4000-8000-000000000001"),
        action("c0ffee00-0000-4000-8000-000000000002"),
    ]);
    let response = client.cluster_action().body(body).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 202);
}

wire_test! { add_cluster_tag_freeform(client)
    expect POST "/v1/clusters/c0ffee00-0000-4000-8000-000000000001/tags", json_body(json!({"key": "critical"}));
    answer 201, json!({"id": "tag_critical_0", "key": "critical", "value": ""});
    let tag = client.add_cluster_tag().id("c0ffee00-0000-4000-8000-000000000001")
        .body(TagRequest::builder().key("critical")).send().await.unwrap().into_inner().expect("the answer has a body");
    assert_eq!(tag.key, "critical");
    assert_eq!(tag.value.as_deref(), Some(""));
}

wire_test! { delete_cluster_tag_204(client)
    expect DELETE "/v1/clusters/c0ffee00-0000-4000-8000-000000000001/tags/critical";
    answer_with status(204);
    let response = client.delete_cluster_tag().id("c0ffee00-0000-4000-8000-000000000001").key("critical")
        .send().await.unwrap();
    assert_eq!(response.status().as_u16(), 204);
}

wire_test! { get_cluster_types_with_free_form_node_details(client)
    expect GET "/v1/cluster-types", query_param("currency", "usd");
    answer 200, json!([
        {
            "id": "ct-16h200",
            "model": "H200",
            "name": "16x H200 cluster",
            "cluster_type": "16H200",
            "manufacturer": "NVIDIA",
            "price_per_hour": "52.00",
            "currency": "usd",
            "cpu": {"description": "176 CPU", "number_of_cores": 176},
            "gpu": {"description": "16x H200", "number_of_gpus": 16},
            "memory": {"description": "3.7TB RAM", "size_in_gigabytes": 3700},
            "gpu_memory": {"description": "2.2TB VRAM", "size_in_gigabytes": 2256},
            "node_details": ["2 nodes of 8 GPUs"],
            "supported_os": ["ubuntu-22.04-cuda-12.4-cluster"]
        },
        {
            "id": "ct-16b200",
            "model": "B200",
            "name": "16x B200 cluster",
            "cluster_type": "16B200",
            "price_per_hour": 71.9,
            "currency": "usd",
            "node_details": [{"InfiniBand": "400 Gbit/s"}, {"GPU VRAM": "180 GB"}]
        }
    ]);
    let types = client.get_cluster_types().currency(Currency::Usd).send().await.unwrap().into_inner();
    assert_eq!(types.len(), 2);
    assert_eq!(types[0].cluster_type, ClusterType::H200x16);
    assert_eq!(types[0].price_per_hour.as_str(), "52.00");
    assert_eq!(types[0].node_details, Some(vec![json!("2 nodes of 8 GPUs")]));
    assert_eq!(types[0].supported_os, Some(vec![ImageType::Ubuntu2204Cuda124Cluster]));
    assert_eq!(types[1].price_per_hour.as_str(), "71.9");
    assert_eq!(types[1].node_details.as_ref().unwrap()[0]["InfiniBand"], json!("400 Gbit/s"));
}

// ---------------------------------------------------------------------------------------------
// Long-term periods
// ---------------------------------------------------------------------------------------------

wire_test! { get_long_term_periods_all(client)
    expect GET "/v1/long-term/periods";
    answer 200, json!([
        {"code": "1_MONTH", "name": "1 month", "is_enabled": true, "unit_name": "month", "unit_value": 1, "discount_percentage": 0},
        {"code": "24_MONTHS", "name": "24 months", "is_enabled": false, "unit_name": "month", "unit_value": 24, "discount_percentage": 27.5},
        {"code": "48_MONTHS", "name": "48 months", "is_enabled": false, "unit_name": "month", "unit_value": 48, "discount_percentage": "35"}
    ]);
    let periods = client.get_long_term_periods().send().await.unwrap().into_inner();
    assert_eq!(periods.len(), 3);
    assert_eq!(periods[0].code, LongTermPeriodCode::OneMonth);
    assert_eq!(periods[1].code, LongTermPeriodCode::TwentyFourMonths);
    assert_eq!(periods[1].is_enabled, Some(false));
    assert_eq!(periods[1].discount_percentage.as_ref().unwrap().as_str(), "27.5");
    assert_eq!(periods[2].code, LongTermPeriodCode::Unknown("48_MONTHS".into()));
    assert_eq!(periods[2].discount_percentage.as_ref().unwrap().as_str(), "35");
    assert_eq!(serde_json::to_value(&periods[2].code).unwrap(), json!("48_MONTHS"));
}

wire_test! { get_instance_long_term_periods_floats_for_integers(client)
    expect GET "/v1/long-term/periods/instances";
    answer 200, json!([
        {"code": "6_MONTHS", "name": "6 months", "is_enabled": true, "unit_name": "month", "unit_value": 6.0, "discount_percentage": 18.0},
        {"code": "12_MONTHS", "name": "12 months", "is_enabled": true, "unit_name": "month", "unit_value": 12.0, "discount_percentage": 25.0}
    ]);
    let periods = client.get_instance_long_term_periods().send().await.unwrap().into_inner();
    assert_eq!(periods[0].code, LongTermPeriodCode::SixMonths);
    assert_eq!(periods[0].unit_value.unwrap().get(), 6);
    assert_eq!(periods[1].unit_value.unwrap().get(), 12);
    assert_eq!(periods[1].discount_percentage.as_ref().unwrap().to_f64(), 25.0);
    assert_eq!(periods[1].unit_name.as_deref(), Some("month"));
}

wire_test! { get_cluster_long_term_periods(client)
    expect GET "/v1/long-term/periods/clusters";
    answer 200, json!([
        {"code": "3_MONTHS", "name": "3 months", "is_enabled": true, "unit_name": "month", "unit_value": 3.0, "discount_percentage": 12.5}
    ]);
    let periods = client.get_cluster_long_term_periods().send().await.unwrap().into_inner();
    assert_eq!(periods.len(), 1);
    assert_eq!(periods[0].code, LongTermPeriodCode::ThreeMonths);
    assert_eq!(periods[0].discount_percentage.as_ref().unwrap().as_str(), "12.5");
}

wire_test! { get_cluster_long_term_periods_upper_case_error_code(client)
    expect GET "/v1/long-term/periods/clusters";
    answer 400, json!({"code": "INVALID_REQUEST", "message": "Bad period filter"});
    let err = client.get_cluster_long_term_periods().send().await.unwrap_err();
    let (status, error) = common::api_error(err);
    assert_eq!(status.as_u16(), 400);
    assert_eq!(error.code, Some(ErrorCode::Unknown("INVALID_REQUEST".into())));
    assert_eq!(error.message, "Bad period filter");
}

// ---------------------------------------------------------------------------------------------
// Requests exactly as the API expects them, answers that carry nothing (issue 17)
// ---------------------------------------------------------------------------------------------

// Without the flag nothing about spot is sent, under either name.
wire_test! { get_all_availability_without_spot_sends_no_flag(client)
    expect GET "/v1/instance-availability", is_true(|request| request.uri().query().is_none());
    answer 200, json!([]);
    let availability = client.get_all_availability().send().await.unwrap().into_inner();
    assert!(availability.is_empty());
}

// Both SDKs always send `ssh_key_ids` for a cluster (Python `[]`), so a cluster without keys
// sends an empty list rather than leaving the field out.
wire_test! { create_cluster_without_keys_sends_an_empty_key_list(client)
    expect POST "/v1/clusters", json_body(json!({
        "cluster_type": "32H200",
        "image": "ubuntu-22.04-cuda-12.4-cluster",
        "hostname": "h200-cluster",
        "description": "",
        "location_code": "FIN-01",
        "shared_volume": {"name": "s", "size": 30000},
        "ssh_key_ids": []
    }));
    answer 201, json!({"id": "c0ffee00-0000-4000-8000-0000000000c3"});
    let body = CreateClusterRequest::builder().cluster_type(ClusterType::H200x32)
        .image("ubuntu-22.04-cuda-12.4-cluster").hostname("h200-cluster").location_code(LocationCode::Fin01)
        .shared_volume(ClusterSharedVolumeRequest::builder().name("s").size(30000));
    let id = client.create_cluster().body(body).send().await.unwrap().into_inner();
    assert_eq!(id.as_str(), "c0ffee00-0000-4000-8000-0000000000c3");
}

// Keys that are set go as they are.
wire_test! { deploy_instance_with_keys_sends_them(client)
    expect POST "/v1/instances", json_body(json!({
        "instance_type": "CPU.4V.16G",
        "image": "ubuntu-24.04",
        "hostname": "cpu-1",
        "description": "cpu box",
        "location_code": "FIN-03",
        "ssh_key_ids": ["k-1", "k-2"]
    }));
    answer_with status(202), header("content-type", "text/plain"), body("i-keys");
    let body = minimal_deploy().ssh_key_ids(vec!["k-1".into(), "k-2".into()]);
    let id = client.deploy_instance().body(body).send().await.unwrap().into_inner();
    assert_eq!(id.as_str(), "i-keys");
}

// No SDK gets an id from a create call answered 2xx without one; the caller learns that the
// request was accepted (the instance may exist), not that a body failed to decode.
wire_test! { deploy_instance_accepted_without_a_body_is_a_typed_error(client)
    expect POST "/v1/instances";
    answer_with status(202);
    let error = client.deploy_instance().body(minimal_deploy()).send().await.unwrap_err();
    assert!(matches!(&error, datacrunch::Error::AcceptedWithoutId { body } if body.is_empty()), "{error:?}");
    assert!(error.to_string().contains("accepted the request"), "{error}");
}

// An answer without an id in it (here `{}`) is the same typed error, with the body kept.
wire_test! { create_cluster_accepted_with_an_object_without_id_is_a_typed_error(client)
    expect POST "/v1/clusters";
    answer 201, json!({"status": "ordered"});
    let body = CreateClusterRequest::builder().cluster_type(ClusterType::H200x16)
        .image("ubuntu-22.04-cuda-12.4-cluster").hostname("c").location_code(LocationCode::Fin03)
        .shared_volume(ClusterSharedVolumeRequest::builder().name("s").size(100));
    let error = client.create_cluster().body(body).send().await.unwrap_err();
    assert!(
        matches!(&error, datacrunch::Error::AcceptedWithoutId { body } if body == r#"{"status":"ordered"}"#),
        "{error:?}"
    );
}

// A read that answers with something that is not an id stays a decode error: only create
// calls answer with a new id.
wire_test! { a_read_with_a_bad_body_stays_a_decode_error(client)
    expect GET "/v1/balance";
    answer 200, json!({"currency": "usd"});
    let error = client.get_balance().send().await.unwrap_err();
    assert!(matches!(error, datacrunch::Error::Decode { .. }), "{error:?}");
}

/// Go accepts a list answered with `null`; so does every list here, and an empty body too.
#[tokio::test]
async fn list_answers_of_null_or_no_body_are_empty_lists() {
    let (server, client) = common::mock_api().await;
    let instances = server
        .mock_async(|when, then| {
            when.method(GET).path("/v1/instances");
            then.status(200).header("content-type", JSON).body("null");
        })
        .await;
    let clusters = server
        .mock_async(|when, then| {
            when.method(GET).path("/v1/clusters");
            then.status(200);
        })
        .await;
    let locations = server
        .mock_async(|when, then| {
            when.method(GET).path("/v1/locations");
            then.status(200).header("content-type", JSON).body("");
        })
        .await;

    assert!(client.get_all_instances().send().await.unwrap().is_empty());
    assert!(client.get_clusters().send().await.unwrap().is_empty());
    assert!(client.get_locations().send().await.unwrap().is_empty());
    instances.assert_async().await;
    clusters.assert_async().await;
    locations.assert_async().await;
}

// Go's `unknown` status and the NOR-01 location decode as known values.
wire_test! { an_instance_in_status_unknown_at_nor_01_decodes_as_known_values(client)
    expect GET "/v1/instances/i-nor";
    answer 200, json!({
        "id": "i-nor",
        "instance_type": "1H100.80S.22V",
        "status": "unknown",
        "hostname": "north",
        "location": "NOR-01"
    });
    let instance = client.get_instance_by_id().id("i-nor").send().await.unwrap().into_inner();
    assert_eq!(instance.status, InstanceStatus::StatusUnknown);
    assert!(instance.status.is_known());
    assert_eq!(instance.status.to_string(), "unknown");
    assert_eq!(instance.location, Some(LocationCode::Nor01));
}

/// The Go SDK declares `details` a string; objects, arrays and strings all decode.
#[tokio::test]
async fn error_details_of_any_shape_are_kept() {
    let (server, client) = common::mock_api().await;
    for (id, details) in [
        ("i-1", json!("hostname is taken")),
        ("i-2", json!({"field": "hostname"})),
        ("i-3", json!(["hostname", "description"])),
    ] {
        let details_sent = details.clone();
        let mock = server
            .mock_async(move |when, then| {
                when.method(GET).path(format!("/v1/instances/{id}"));
                common::reply(
                    then,
                    400,
                    json!({"code": "invalid_request", "message": "bad", "details": details_sent}),
                );
            })
            .await;
        let (status, error) = common::api_error(client.get_instance_by_id().id(id).send().await.unwrap_err());
        assert_eq!(status, 400);
        assert_eq!(error.code, Some(ErrorCode::InvalidRequest));
        assert_eq!(error.details.as_deref(), Some(&details), "{id}");
        mock.assert_async().await;
    }
}
