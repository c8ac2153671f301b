//! Wire tests for SSH keys, startup scripts, volumes, volume types and serverless job deployments:
//! each call's method, path, query and body as the mock API sees them, and the decoded answer.
//! Most tests are `wire_test!` rows (`common/wire.rs`).

use crate::common;
use crate::common::wire::wire_test;

use datacrunch::types::{
    AddSshKeyRequest, AddStartupScriptRequest, CreateJobDeploymentRequest, CreateVolumeRequest, Currency,
    DeleteSshKeysRequest, DeleteStartupScriptsRequest, DeleteVolumeRequest, EnvVarType, ErrorCode, InstanceId,
    InstanceStatus, InstanceType, JobContainerRequest, JobScalingChanges, JobScalingRequest, JobStatus, LocationCode,
    SshKeyId, StartupScriptId, TagRequest, UpdateJobDeploymentRequest, VolumeActionKind, VolumeActionRequest,
    VolumeActionTarget, VolumeId, VolumeMountType, VolumeSshKeyIds, VolumeStatus, VolumeType,
};
use datacrunch::types::{
    ComputeSpecRequest, ContainerImageField, EnvVar, HealthcheckRequest, RegistrySettings, VolumeMountRequest,
};
use httpmock::prelude::*;
use serde_json::json;

use common::JSON;

// ---------------------------------------------------------------- SSH keys

wire_test! { get_ssh_keys_lists_keys_with_optional_fields(client)
    expect GET "/v1/sshkeys";
    answer 200, json!([
        {"id": "5b0e11aa-0000-4000-8000-00000000a001", "name": "laptop", "key": "ssh-ed25519 AAAAC3Nza laptop"},
        {
            "id": "5b0e11aa-0000-4000-8000-00000000a002",
            "name": "ci runner",
            "key": "ssh-rsa AAAAB3Nza ci",
            "fingerprint": "SHA256:q1w2e3",
            "created_at": "2025-03-04T10:11:12Z",
            "some_future_field": {"nested": true}
        }
    ]);
    let keys = client.get_ssh_keys().send().await.unwrap().into_inner();

    assert_eq!(keys.len(), 2);
    assert_eq!(keys[0].id, SshKeyId::from("5b0e11aa-0000-4000-8000-00000000a001"));
    assert_eq!(keys[0].name, "laptop");
    assert_eq!(keys[0].fingerprint, None);
    assert_eq!(keys[1].fingerprint.as_deref(), Some("SHA256:q1w2e3"));
    assert_eq!(keys[1].created_at.as_deref(), Some("2025-03-04T10:11:12Z"));
}

wire_test! { get_ssh_key_by_id_unwraps_a_one_element_array(client)
    expect GET "/v1/sshkeys/7c1d0f3e-1111-4222-8333-444455556666";
    answer 200, json!([
        {"id": "7c1d0f3e-1111-4222-8333-444455556666", "name": "workstation", "key": "ssh-ed25519 AAAAwork"}
    ]);
    let key = client.get_ssh_key_by_id().id("7c1d0f3e-1111-4222-8333-444455556666")
        .send().await.unwrap().into_inner().into_inner();

    assert_eq!(key.name, "workstation");
    assert_eq!(key.key, "ssh-ed25519 AAAAwork");
}

wire_test! { get_ssh_key_by_id_accepts_a_plain_object(client)
    expect GET "/v1/sshkeys/k-plain";
    answer 200, json!({"id": "k-plain", "name": "plain", "key": "ssh-ed25519 AAAAplain"});
    let key = client.get_ssh_key_by_id().id("k-plain").send().await.unwrap().into_inner();

    assert_eq!(key.id, SshKeyId::from("k-plain"));
}

wire_test! { get_ssh_key_by_id_rejects_an_empty_array(client)
    expect GET "/v1/sshkeys/k-none";
    answer_with status(200), header("content-type", JSON), body("[]");
    let err = client.get_ssh_key_by_id().id("k-none").send().await.unwrap_err();

    assert!(matches!(err, datacrunch::Error::Decode { .. }));
}

wire_test! { add_ssh_keys_reads_a_bare_text_id(client)
    expect POST "/v1/sshkeys", json_body(json!({"name": "build box", "key": "ssh-ed25519 AAAAbuild build@box"}));
    answer_with status(201), header("content-type", "text/plain"), body("a0b1c2d3-0000-4000-8000-0000000000ff\n");
    let id = client.add_ssh_keys()
        .body(AddSshKeyRequest::builder().name("build box").key("ssh-ed25519 AAAAbuild build@box"))
        .send().await.unwrap().into_inner();

    assert_eq!(id.into_inner(), SshKeyId::from("a0b1c2d3-0000-4000-8000-0000000000ff"));
}

wire_test! { add_ssh_keys_reads_a_json_string_id(client)
    expect POST "/v1/sshkeys";
    answer_with status(200), header("content-type", JSON), body(r#""json-string-key-id""#);
    let id = client.add_ssh_keys().body(AddSshKeyRequest::builder().name("n").key("ssh-ed25519 AAAA"))
        .send().await.unwrap().into_inner();

    assert_eq!(id.as_str(), "json-string-key-id");
}

wire_test! { add_ssh_keys_reads_an_object_id(client)
    expect POST "/v1/sshkeys";
    answer 201, json!({"id": "object-key-id", "name": "n"});
    let id = client.add_ssh_keys().body(AddSshKeyRequest::builder().name("n").key("ssh-ed25519 AAAA"))
        .send().await.unwrap().into_inner();

    assert_eq!(id.to_string(), "object-key-id");
}

wire_test! { delete_ssh_keys_sends_the_ids_in_a_json_body(client)
    expect DELETE "/v1/sshkeys", header("content-type", JSON), json_body(json!({"keys": ["k-old-1", "k-old-2"]}));
    answer_with status(200);
    let keys = vec![SshKeyId::from("k-old-1"), SshKeyId::from("k-old-2")];
    let response = client.delete_ssh_keys().body(DeleteSshKeysRequest::builder().keys(keys)).send().await.unwrap();

    assert_eq!(response.status(), 200);
}

wire_test! { delete_ssh_key_by_id_accepts_an_empty_answer(client)
    expect DELETE "/v1/sshkeys/k-gone";
    answer_with status(200);
    let response = client.delete_ssh_key_by_id().id("k-gone").send().await.unwrap();

    assert_eq!(response.status(), 200);
}

// ---------------------------------------------------------------- Startup scripts

wire_test! { get_scripts_lists_scripts(client)
    expect GET "/v1/scripts";
    answer 200, json!([
        {"id": "s-100", "name": "install drivers", "script": "#!/bin/sh\napt-get install -y nvtop"},
        {"id": "s-200", "name": "mount data", "script": "#!/bin/sh\nmount /dev/vdb /data", "created_at": "2025-06-01T08:00:00Z"}
    ]);
    let scripts = client.get_scripts().send().await.unwrap().into_inner();

    assert_eq!(scripts.len(), 2);
    assert_eq!(scripts[0].id, StartupScriptId::from("s-100"));
    assert!(scripts[0].script.as_deref().unwrap().contains("nvtop"));
    assert_eq!(scripts[1].created_at.as_deref(), Some("2025-06-01T08:00:00Z"));
}

wire_test! { get_script_by_id_unwraps_a_one_element_array(client)
    expect GET "/v1/scripts/s-300";
    answer 200, json!([{"id": "s-300", "name": "warm cache", "script": "echo warm"}]);
    let script = client.get_script_by_id().id("s-300").send().await.unwrap().into_inner();

    assert_eq!(script.name, "warm cache");
    assert_eq!(script.script.as_deref(), Some("echo warm"));
}

wire_test! { get_script_by_id_rejects_two_items(client)
    expect GET "/v1/scripts/s-dup";
    answer 200, json!([{"id": "s-dup", "name": "a", "script": "a"}, {"id": "s-dup", "name": "b", "script": "b"}]);
    let err = client.get_script_by_id().id("s-dup").send().await.unwrap_err();

    assert!(matches!(err, datacrunch::Error::Decode { .. }));
}

wire_test! { add_scripts_strips_quotes_from_a_bare_text_id(client)
    expect POST "/v1/scripts", json_body(json!({"name": "hello", "script": "#!/bin/bash\necho hello"}));
    answer_with status(201), header("content-type", "text/plain"), body("\"c0ffee00-0000-4000-8000-000000000042\"");
    let id = client.add_scripts()
        .body(AddStartupScriptRequest::builder().name("hello").script("#!/bin/bash\necho hello"))
        .send().await.unwrap().into_inner();

    assert_eq!(id.into_inner(), StartupScriptId::from("c0ffee00-0000-4000-8000-000000000042"));
}

wire_test! { add_scripts_accepts_status_200(client)
    expect POST "/v1/scripts";
    answer_with status(200), header("content-type", "text/plain"), body("s-plain-200");
    let id = client.add_scripts().body(AddStartupScriptRequest::builder().name("x").script("true"))
        .send().await.unwrap().into_inner();

    assert_eq!(id.as_str(), "s-plain-200");
}

wire_test! { delete_scripts_sends_the_ids_in_a_json_body(client)
    expect DELETE "/v1/scripts", json_body(json!({"scripts": ["s-1", "s-2", "s-3"]}));
    answer_with status(200);
    let ids: Vec<StartupScriptId> = ["s-1", "s-2", "s-3"].into_iter().map(StartupScriptId::from).collect();
    let response = client.delete_scripts().body(DeleteStartupScriptsRequest::builder().scripts(ids))
        .send().await.unwrap();

    assert_eq!(response.status(), 200);
}

wire_test! { delete_script_by_id_accepts_204(client)
    expect DELETE "/v1/scripts/s-9";
    answer_with status(204);
    let response = client.delete_script_by_id().id("s-9").send().await.unwrap();

    assert_eq!(response.status(), 204);
}

// ---------------------------------------------------------------- Volume types

wire_test! { get_volume_types_reads_prices_as_numbers_or_strings_and_keeps_unknown_types(client)
    expect GET "/v1/volume-types";
    answer 200, json!([
        {"type": "NVMe", "price": {"currency": "eur", "price_per_month_per_gb": 0.18}},
        {
            "type": "NVMe_Shared",
            "price": {"currency": "usd", "price_per_month_per_gb": "0.25", "cps_per_gb": 9.5e-8},
            "is_shared_fs": true,
            "burst_bandwidth": 2500.0,
            "continuous_bandwidth": 1200,
            "internal_network_speed": 25,
            "iops": "up to 80000"
        },
        {"type": "Optane_Turbo", "price": {"currency": "usd", "monthly_per_gb": 0.5}}
    ]);
    let types = client.get_volume_types().send().await.unwrap().into_inner();

    assert_eq!(types.len(), 3);
    assert_eq!(types[0].type_, VolumeType::Nvme);
    assert_eq!(types[0].price.as_ref().unwrap().currency, Some(Currency::Eur));
    assert_eq!(types[0].price.as_ref().unwrap().price_per_month_per_gb.as_ref().unwrap().as_str(), "0.18");
    assert_eq!(types[1].type_, VolumeType::NvmeShared);
    assert_eq!(types[1].price.as_ref().unwrap().price_per_month_per_gb, Some("0.250".parse().unwrap()));
    assert_eq!(types[1].is_shared_fs, Some(true));
    assert_eq!(types[1].burst_bandwidth, Some(2500.0));
    assert_eq!(types[1].iops.as_deref(), Some("up to 80000"));
    assert!(types[1].price.as_ref().unwrap().cps_per_gb.as_ref().unwrap().to_f64() > 0.0);
    assert_eq!(types[2].type_, VolumeType::Unknown("Optane_Turbo".into()));
    assert_eq!(types[2].price.as_ref().unwrap().monthly_per_gb.as_ref().unwrap().to_f64(), 0.5);
    let reencoded = serde_json::to_value(&types[2]).unwrap();
    assert_eq!(reencoded["type"], "Optane_Turbo");
}

// ---------------------------------------------------------------- Volumes

wire_test! { get_all_volumes_filters_by_status_and_decodes_current_fields(client)
    expect GET "/v1/volumes", query_param("status", "attached");
    answer 200, json!([
        {
            "id": "d1e2f3a4-0000-4000-8000-000000000001",
            "status": "attached",
            "instance_id": "ab12cd34-0000-4000-8000-000000000009",
            "name": "os-disk",
            "size": 120,
            "type": "NVMe",
            "location": "FIN-03",
            "is_os_volume": true,
            "created_at": "2025-02-02T02:02:02.000Z",
            "target": "vda",
            "ssh_key_ids": ["k-a", "k-b"],
            "pseudo_path": "volume-os-disk",
            "mount_command": null,
            "instances": [{
                "id": "ab12cd34-0000-4000-8000-000000000009",
                "ip": null,
                "instance_type": "1H100.80S.30V",
                "status": "running",
                "hostname": "quiet-river-fin-03",
                "auto_rental_extension": null
            }],
            "contract": "PAY_AS_YOU_GO",
            "base_hourly_cost": 0.0328767,
            "monthly_price": "24.00",
            "currency": "eur",
            "long_term": null,
            "tags": [{"id": "t-1", "key": "env", "value": "dev"}]
        }
    ]);
    let volumes = client.get_all_volumes().status(VolumeStatus::Attached).send().await.unwrap().into_inner();

    assert_eq!(volumes.len(), 1);
    let volume = &volumes[0];
    assert_eq!(volume.id, VolumeId::from("d1e2f3a4-0000-4000-8000-000000000001"));
    assert_eq!(volume.status, VolumeStatus::Attached);
    assert_eq!(volume.size, 120);
    assert_eq!(volume.location, Some(LocationCode::from("FIN-03")));
    assert_eq!(volume.instance_id, Some(InstanceId::from("ab12cd34-0000-4000-8000-000000000009")));
    assert_eq!(volume.ssh_key_ids, Some(VolumeSshKeyIds::Array(vec![SshKeyId::from("k-a"), SshKeyId::from("k-b")])));
    assert_eq!(volume.mount_command, None);
    let attached = &volume.instances.as_ref().unwrap()[0];
    assert_eq!(attached.instance_type, Some(InstanceType::from("1H100.80S.30V")));
    assert_eq!(attached.status, Some(InstanceStatus::Running));
    assert_eq!(attached.ip, None);
    assert_eq!(volume.base_hourly_cost.as_ref().unwrap().as_str(), "0.0328767");
    assert_eq!(volume.monthly_price, Some("24".parse().unwrap()));
    assert_eq!(volume.tags.as_ref().unwrap()[0].value.as_deref(), Some("dev"));
}

wire_test! { get_all_volumes_accepts_the_older_shape(client)
    expect GET "/v1/volumes";
    answer 200, json!([
        {
            "id": "legacy-vol",
            "status": "defragmenting",
            "instance_id": null,
            "name": "scratch",
            "size": 250.0,
            "type": "HDD",
            "location_code": "FIN-01",
            "is_os_volume": false,
            "created_at": "2022-01-01T00:00:00Z",
            "target": null,
            "ssh_key_ids": "k-single"
        }
    ]);
    let volumes = client.get_all_volumes().send().await.unwrap().into_inner();

    let volume = &volumes[0];
    assert_eq!(volume.size, 250);
    assert_eq!(volume.location, None);
    assert_eq!(volume.location_code, Some(LocationCode::from("FIN-01")));
    assert_eq!(volume.ssh_key_ids, Some(VolumeSshKeyIds::SshKeyId(SshKeyId::from("k-single"))));
    assert_eq!(volume.status, VolumeStatus::Unknown("defragmenting".into()));
    let reencoded = serde_json::to_value(volume).unwrap();
    assert_eq!(reencoded["status"], "defragmenting");
    assert_eq!(reencoded["ssh_key_ids"], "k-single");
}

wire_test! { get_all_volumes_keeps_a_non_json_error_body(client)
    expect GET "/v1/volumes";
    answer_with status(502), header("content-type", "text/html"), body("<html>502 Bad Gateway</html>");
    let err = client.get_all_volumes().send().await.unwrap_err();

    let (status, error) = common::api_error(err);
    assert_eq!(status, 502);
    assert_eq!(error.code, None);
    assert!(error.message.contains("502 Bad Gateway"));
}

wire_test! { get_volume_by_id_decodes_one_volume(client)
    expect GET "/v1/volumes/v-42";
    answer 200, json!({
        "id": "v-42",
        "status": "cloning",
        "name": "copy-of-data",
        "size": 500,
        "type": "NVMe_Shared",
        "location": "ICE-01",
        "is_os_volume": false,
        "created_at": "2025-09-09T09:09:09Z",
        "ssh_key_ids": [],
        "instances": [],
        "contract": "LONG_TERM",
        "long_term": {"end_date": "2026-09-09", "discount_percentage": 14.0, "current_period_price": "120.50"}
    });
    let volume = client.get_volume_by_id().id("v-42").send().await.unwrap().into_inner();

    assert_eq!(volume.status, VolumeStatus::Cloning);
    assert_eq!(volume.type_, VolumeType::NvmeShared);
    assert_eq!(volume.location, Some(LocationCode::Ice01));
    let long_term = volume.long_term.unwrap();
    assert_eq!(long_term.discount_percentage, Some("14".parse().unwrap()));
    assert_eq!(long_term.current_period_price.unwrap().as_str(), "120.50");
}

wire_test! { create_volume_sends_the_body_and_reads_a_bare_text_id(client)
    expect POST "/v1/volumes", json_body(json!({
        "type": "NVMe",
        "name": "training-data",
        "size": 1000,
        "location_code": "FIN-02",
        "instance_id": "i-stopped-1",
        "tags": [{"key": "team", "value": "ml"}]
    }));
    answer_with status(202), header("content-type", "text/plain"), body("f00dfeed-0000-4000-8000-000000000777");
    let body = CreateVolumeRequest::builder().type_(VolumeType::Nvme).name("training-data").size(1000)
        .location_code(LocationCode::Fin02).instance_id(InstanceId::from("i-stopped-1"))
        .tags(vec![TagRequest::builder().key("team").value("ml".to_string()).try_into().unwrap()]);
    let id = client.create_volume().body(body).send().await.unwrap().into_inner();

    assert_eq!(id.into_inner(), VolumeId::from("f00dfeed-0000-4000-8000-000000000777"));
}

wire_test! { volume_action_clone_of_one_volume_returns_the_new_id(client)
    expect PUT "/v1/volumes", json_body(json!({
        "id": "v-src",
        "action": "clone",
        "name": "v-src-copy",
        "type": "HDD",
        "location_code": "FIN-01"
    }));
    answer 202, json!(["v-clone-1"]);
    let body = VolumeActionRequest::builder().id(VolumeId::from("v-src")).action(VolumeActionKind::Clone)
        .name("v-src-copy".to_string()).type_(VolumeType::Hdd).location_code(LocationCode::Fin01);
    let ids = client.volume_action().body(body).send().await.unwrap().into_inner();

    assert_eq!(ids.cloned_ids().unwrap().into_inner(), [VolumeId::from("v-clone-1")]);
}

wire_test! { volume_action_clone_of_several_volumes_returns_every_new_id(client)
    expect PUT "/v1/volumes", json_body(json!({"id": ["v-a", "v-b"], "action": "clone"}));
    answer 202, json!(["v-a-clone", "v-b-clone"]);
    let body = VolumeActionRequest::builder().id(vec![VolumeId::from("v-a"), VolumeId::from("v-b")])
        .action(VolumeActionKind::Clone);
    let ids = client.volume_action().body(body).send().await.unwrap().into_inner();

    let ids = ids.cloned_ids().unwrap().into_inner();
    assert_eq!(ids, [VolumeId::from("v-a-clone"), VolumeId::from("v-b-clone")]);
}

#[test]
fn volume_action_request_sends_only_the_fields_of_its_action() {
    let attach: VolumeActionRequest = VolumeActionRequest::builder()
        .id(VolumeActionTarget::VolumeId(VolumeId::from("v-1")))
        .action(VolumeActionKind::Attach)
        .instance_id(InstanceId::from("i-1"))
        .try_into()
        .unwrap();
    assert_eq!(
        serde_json::to_value(&attach).unwrap(),
        json!({"id": "v-1", "action": "attach", "instance_id": "i-1"})
    );

    let resize: VolumeActionRequest = VolumeActionRequest::builder()
        .id(vec![VolumeId::from("v-1"), VolumeId::from("v-2")])
        .action(VolumeActionKind::Unknown("increase-size".into()))
        .size(2000)
        .try_into()
        .unwrap();
    assert_eq!(
        serde_json::to_value(&resize).unwrap(),
        json!({"id": ["v-1", "v-2"], "action": "increase-size", "size": 2000})
    );
}

// Most actions answer 202 with no body; the transport turns it into `null` for the typed 202
// response (which carries the id list for clone).
wire_test! { volume_action_attach_accepts_an_empty_202(client)
    expect PUT "/v1/volumes", json_body(json!({"id": "v-1", "action": "attach", "instance_id": "i-1"}));
    answer_with status(202);
    let body = VolumeActionRequest::builder().id(VolumeId::from("v-1")).action(VolumeActionKind::Attach)
        .instance_id(InstanceId::from("i-1"));
    let response = client.volume_action().body(body).send().await.unwrap();

    assert_eq!(response.status(), 202);
    assert!(response.into_inner().cloned_ids().unwrap().is_empty());
}

wire_test! { volume_action_reports_a_forbidden_action(client)
    expect PUT "/v1/volumes", json_body(json!({"id": "v-busy", "action": "detach"}));
    answer 403, json!({"code": "forbidden_action", "message": "Shut the instance down first"});
    let body = VolumeActionRequest::builder().id(VolumeId::from("v-busy")).action(VolumeActionKind::Detach);
    let err = client.volume_action().body(body).send().await.unwrap_err();

    let (status, error) = common::api_error(err);
    assert_eq!(status, 403);
    assert_eq!(error.code, Some(ErrorCode::ForbiddenAction));
    assert_eq!(error.message, "Shut the instance down first");
}

wire_test! { delete_volume_by_id_sends_is_permanent_in_a_json_body(client)
    expect DELETE "/v1/volumes/v-doomed", json_body(json!({"is_permanent": true}));
    answer_with status(202);
    let response = client.delete_volume_by_id().id("v-doomed").body(DeleteVolumeRequest::builder().is_permanent(true))
        .send().await.unwrap();

    assert_eq!(response.status(), 202);
}

wire_test! { delete_volume_by_id_without_a_body_moves_to_trash(client)
    expect DELETE "/v1/volumes/v-trash-me";
    answer_with status(200);
    let response = client.delete_volume_by_id().id("v-trash-me").send().await.unwrap();

    assert_eq!(response.status(), 200);
}

wire_test! { get_volumes_in_trash_decodes_deleted_volumes(client)
    expect GET "/v1/volumes/trash";
    answer 200, json!([
        {
            "id": "v-binned",
            "name": "old results",
            "size": 40,
            "type": "HDD",
            "status": "deleted",
            "created_at": "2025-01-10T00:00:00Z",
            "deleted_at": "2025-04-01T12:00:00Z",
            "location": "FIN-01",
            "contract": "PAY_AS_YOU_GO",
            "is_os_volume": false,
            "base_hourly_cost": 0.002,
            "monthly_price": 1.5,
            "currency": "USD",
            "is_permanently_deleted": false
        }
    ]);
    let trash = client.get_volumes_in_trash().send().await.unwrap().into_inner();

    assert_eq!(trash[0].status, VolumeStatus::Deleted);
    assert_eq!(trash[0].deleted_at.as_deref(), Some("2025-04-01T12:00:00Z"));
    assert_eq!(trash[0].is_permanently_deleted, Some(false));
    assert_eq!(trash[0].instance_id, None);
    assert_eq!(trash[0].currency.as_ref().unwrap().as_str(), "USD");
}

wire_test! { add_volume_tag_returns_the_tag(client)
    expect POST "/v1/volumes/v-7/tags", json_body(json!({"key": "owner", "value": "alice"}));
    answer 201, json!({"id": "tag_owner_3", "key": "owner", "value": "alice"});
    let tag = client.add_volume_tag().id("v-7").body(TagRequest::builder().key("owner").value("alice".to_string()))
        .send().await.unwrap().into_inner().expect("the answer has a body");

    assert_eq!(tag.id.as_deref(), Some("tag_owner_3"));
    assert_eq!(tag.key, "owner");
    assert_eq!(tag.value.as_deref(), Some("alice"));
}

wire_test! { add_volume_tag_without_a_value(client)
    expect POST "/v1/volumes/v-7/tags", json_body(json!({"key": "scratch"}));
    answer 201, json!({"id": "tag_scratch_0", "key": "scratch", "value": ""});
    let tag = client.add_volume_tag().id("v-7").body(TagRequest::builder().key("scratch"))
        .send().await.unwrap().into_inner().expect("the answer has a body");

    assert_eq!(tag.value.as_deref(), Some(""));
}

wire_test! { add_volume_tag_reports_a_duplicate_key(client)
    expect POST "/v1/volumes/v-7/tags";
    answer 409, json!({"code": "tag_exists", "message": "tag key already present"});
    let err = client.add_volume_tag().id("v-7").body(TagRequest::builder().key("owner")).send().await.unwrap_err();

    let (status, error) = common::api_error(err);
    assert_eq!(status, 409);
    assert_eq!(error.code, Some(ErrorCode::Unknown("tag_exists".into())));
}

wire_test! { delete_volume_tag_accepts_204(client)
    expect DELETE "/v1/volumes/v-7/tags/owner";
    answer_with status(204);
    let response = client.delete_volume_tag().id("v-7").key("owner").send().await.unwrap();

    assert_eq!(response.status(), 204);
}

// ---------------------------------------------------------------- Job deployments

wire_test! { get_job_deployments_lists_summaries(client)
    expect GET "/v1/job-deployments";
    answer 200, json!([
        {"name": "nightly-eval", "created_at": "2025-05-05T05:05:05Z", "compute": {"name": "H100", "size": 2}},
        {"name": "tiny-batch", "created_at": "2025-05-06T00:00:00Z", "compute": {"name": "General Compute", "size": 1.0}}
    ]);
    let jobs = client.get_job_deployments().send().await.unwrap().into_inner();

    assert_eq!(jobs.len(), 2);
    assert_eq!(jobs[0].name, "nightly-eval");
    assert_eq!(jobs[0].compute.as_ref().unwrap().size, 2);
    assert_eq!(jobs[1].compute.as_ref().unwrap().name, "General Compute");
    assert_eq!(jobs[1].compute.as_ref().unwrap().size, 1);
}

wire_test! { create_job_deployment_sends_the_definition_and_reads_the_job(client)
    expect POST "/v1/job-deployments", json_body(json!({
        "name": "embed-corpus",
        "containers": [{
            "name": "embedder",
            "image": "ghcr.io/acme/embedder:2.3.1",
            "exposed_port": 9000,
            "healthcheck": {"enabled": true, "port": 9001, "path": "/ready"},
            "env": [{"name": "BATCH", "value_or_reference_to_secret": "64", "type": "plain"}],
            "volume_mounts": [{"type": "memory", "mount_path": "/dev/shm", "size_in_mb": 1024}]
        }],
        "compute": {"name": "H100", "size": 1},
        "scaling": {"max_replica_count": 4, "queue_message_ttl_seconds": 900, "deadline_seconds": 3600},
        "container_registry_settings": {"is_private": false}
    }));
    answer 201, json!({
        "name": "embed-corpus",
        "containers": [{
            "name": "embedder",
            "image": {"image": "ghcr.io/acme/embedder:2.3.1", "last_updated_at": "2025-07-07T07:07:07Z"},
            "exposed_port": 9000,
            "healthcheck": {"enabled": true, "port": 9001, "path": "/ready"},
            "env": [{"name": "BATCH", "value_or_reference_to_secret": "64", "type": "plain"}],
            "volume_mounts": [{"type": "memory", "mount_path": "/dev/shm", "size_in_mb": 1024}]
        }],
        "endpoint_base_url": "https://containers.example.test/embed-corpus",
        "created_at": "2025-07-07T07:07:07Z",
        "compute": {"name": "H100", "size": 1},
        "container_registry_settings": {"is_private": false, "credentials": null},
        "scaling": {"max_replica_count": 4, "queue_message_ttl_seconds": 900, "deadline_seconds": 3600}
    });
    let container: JobContainerRequest = JobContainerRequest::builder()
        .name("embedder".to_string())
        .image("ghcr.io/acme/embedder:2.3.1")
        .exposed_port(Some(9000))
        .healthcheck(
            HealthcheckRequest::builder()
                .enabled(true)
                .port(9001)
                .path("/ready".to_string())
                .try_into()
                .map(Some)
                .unwrap(),
        )
        .env(vec![
            EnvVar::builder()
                .name("BATCH")
                .value_or_reference_to_secret("64")
                .type_(EnvVarType::Plain)
                .try_into()
                .unwrap(),
        ])
        .volume_mounts(vec![
            VolumeMountRequest::builder()
                .type_(VolumeMountType::Memory)
                .mount_path("/dev/shm")
                .size_in_mb(1024)
                .try_into()
                .unwrap(),
        ])
        .try_into()
        .unwrap();
    let body = CreateJobDeploymentRequest::builder()
        .name("embed-corpus")
        .containers(vec![container])
        .compute(ComputeSpecRequest::builder().name("H100").size(1))
        .scaling(
            JobScalingRequest::builder()
                .max_replica_count(4)
                .queue_message_ttl_seconds(Some(900))
                .deadline_seconds(3600u64),
        )
        .container_registry_settings(
            RegistrySettings::builder()
                .is_private(false)
                .try_into()
                .map(Some)
                .unwrap(),
        );
    let job = client.create_job_deployment().body(body)
        .send().await.unwrap().into_inner().expect("the answer has a body");

    assert_eq!(job.name, "embed-corpus");
    assert_eq!(
        job.endpoint_base_url.as_deref(),
        Some("https://containers.example.test/embed-corpus")
    );
    let image = match &job.containers.as_ref().unwrap()[0].image {
        ContainerImageField::ContainerImage(image) => image,
        other => panic!("expected an image object, got {other:?}"),
    };
    assert_eq!(image.image, "ghcr.io/acme/embedder:2.3.1");
    assert_eq!(job.containers.as_ref().unwrap()[0].volume_mounts.as_ref().unwrap()[0].size_in_mb, Some(1024.into()));
    assert_eq!(job.scaling.as_ref().unwrap().deadline_seconds, Some(3600.into()));
    assert_eq!(job.container_registry_settings.as_ref().unwrap().credentials, None);
}

wire_test! { get_job_deployment_by_name_accepts_a_plain_image_and_every_mount_type(client)
    expect GET "/v1/job-deployments/render-frames";
    answer 200, json!({
        "name": "render-frames",
        "containers": [{
            "name": "renderer",
            "image": "docker.io/acme/renderer:7",
            "exposed_port": 8000.0,
            "entrypoint_overrides": {"enabled": true, "entrypoint": ["/bin/render"], "cmd": ["--fast"]},
            "env": [{"name": "TOKEN", "value_or_reference_to_secret": "render-token", "type": "secret"}],
            "volume_mounts": [
                {"type": "scratch", "mount_path": "/tmp/work"},
                {"type": "shared", "mount_path": "/assets", "volume_id": "v-sfs-1"},
                {"type": "secret", "mount_path": "/etc/keys", "secret_name": "keys", "file_names": ["a.pem", "b.pem"]},
                {"type": "memory", "mount_path": "/dev/shm", "size_in_mb": 256},
                {"type": "object-store", "mount_path": "/bucket"}
            ]
        }],
        "endpoint_base_url": "https://containers.example.test/render-frames",
        "created_at": "2025-08-08T08:08:08Z",
        "compute": {"name": "RTX 4500 Ada", "size": 1},
        "container_registry_settings": {"is_private": true, "credentials": {"name": "hub-creds"}}
    });
    let job = client.get_job_deployment_by_name().name("render-frames").send().await.unwrap().into_inner();

    let container = &job.containers.as_ref().unwrap()[0];
    assert_eq!(container.image, ContainerImageField::String("docker.io/acme/renderer:7".into()));
    assert_eq!(container.exposed_port, Some(8000.into()));
    assert_eq!(container.env.as_ref().unwrap()[0].type_, EnvVarType::Secret);
    let mounts = container.volume_mounts.as_ref().unwrap();
    assert_eq!(mounts[1].volume_id, Some(VolumeId::from("v-sfs-1")));
    assert_eq!(mounts[2].file_names.as_ref().unwrap().len(), 2);
    assert_eq!(mounts[3].type_, VolumeMountType::Memory);
    assert_eq!(mounts[4].type_, VolumeMountType::Unknown("object-store".into()));
    assert_eq!(serde_json::to_value(&mounts[4]).unwrap()["type"], "object-store");
    let registry = job.container_registry_settings.unwrap();
    assert!(registry.is_private);
    assert_eq!(registry.credentials.unwrap().name, "hub-creds");
}

wire_test! { get_job_deployment_by_name_reports_an_upper_case_error_code(client)
    expect GET "/v1/job-deployments/missing-job";
    answer 404, json!({"code": "NOT_FOUND", "message": "no job deployment named missing-job"});
    let err = client.get_job_deployment_by_name().name("missing-job").send().await.unwrap_err();

    let (status, error) = common::api_error(err);
    assert_eq!(status, 404);
    assert_eq!(error.code.as_ref().map(|code| code.as_str()), Some("NOT_FOUND"));
    assert_eq!(error.message, "no job deployment named missing-job");
}

wire_test! { update_job_deployment_sends_only_the_changed_parts(client)
    expect PATCH "/v1/job-deployments/embed-corpus", json_body(json!({"scaling": {"max_replica_count": 8}}));
    answer 200, json!({
        "name": "embed-corpus",
        "containers": [{"name": "embedder", "image": "ghcr.io/acme/embedder:2.3.1", "exposed_port": 9000, "env": [], "volume_mounts": []}],
        "endpoint_base_url": "https://containers.example.test/embed-corpus",
        "created_at": "2025-07-07T07:07:07Z",
        "compute": {"name": "H100", "size": 1},
        "scaling": {"max_replica_count": 8.0, "queue_message_ttl_seconds": 900, "deadline_seconds": 3600}
    });
    let body = UpdateJobDeploymentRequest::builder().scaling(
        JobScalingChanges::builder()
            .max_replica_count(8)
            .try_into()
            .map(Some)
            .unwrap(),
    );
    let job = client.update_job_deployment().name("embed-corpus").body(body)
        .send().await.unwrap().into_inner().expect("the answer has a body");

    assert_eq!(job.scaling.unwrap().max_replica_count, Some(8.into()));
    assert_eq!(job.container_registry_settings, None);
}

wire_test! { delete_job_deployment_passes_the_timeout(client)
    expect DELETE "/v1/job-deployments/old-job", query_param("timeout", "0");
    answer_with status(200);
    let response = client.delete_job_deployment().name("old-job").timeout(0).send().await.unwrap();

    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn get_job_deployment_status_keeps_unknown_states() {
    let (server, client) = common::mock_api().await;
    let known = server
        .mock_async(|when, then| {
            when.method(GET).path("/v1/job-deployments/job-a/status");
            common::reply(then, 200, json!({"status": "paused"}));
        })
        .await;
    let unknown = server
        .mock_async(|when, then| {
            when.method(GET).path("/v1/job-deployments/job-b/status");
            common::reply(then, 200, json!({"status": "draining"}));
        })
        .await;

    let a = client
        .get_job_deployment_status()
        .name("job-a")
        .send()
        .await
        .unwrap()
        .into_inner();
    let b = client
        .get_job_deployment_status()
        .name("job-b")
        .send()
        .await
        .unwrap()
        .into_inner();

    assert_eq!(a.status, JobStatus::Paused);
    assert_eq!(b.status, JobStatus::Unknown("draining".into()));
    assert_eq!(serde_json::to_value(&b).unwrap(), json!({"status": "draining"}));
    known.assert_async().await;
    unknown.assert_async().await;
}

wire_test! { get_job_deployment_scaling_accepts_floats_for_counts(client)
    expect GET "/v1/job-deployments/job-a/scaling";
    answer 200, json!({"max_replica_count": 3.0, "queue_message_ttl_seconds": 300, "deadline_seconds": 7200});
    let scaling = client.get_job_deployment_scaling().name("job-a").send().await.unwrap().into_inner();

    assert_eq!(scaling.max_replica_count, Some(3.into()));
    assert_eq!(scaling.queue_message_ttl_seconds, Some(300.into()));
    assert_eq!(scaling.deadline_seconds, Some(7200.into()));
}

wire_test! { pause_job_deployment_accepts_204(client)
    expect POST "/v1/job-deployments/job-a/pause";
    answer_with status(204);
    let response = client.pause_job_deployment().name("job-a").send().await.unwrap();

    assert_eq!(response.status(), 204);
}

wire_test! { resume_job_deployment_accepts_204(client)
    expect POST "/v1/job-deployments/job-a/resume";
    answer_with status(204);
    let response = client.resume_job_deployment().name("job-a").send().await.unwrap();

    assert_eq!(response.status(), 204);
}

wire_test! { purge_job_deployment_queue_accepts_an_empty_202(client)
    expect POST "/v1/job-deployments/job-a/purge-queue";
    answer_with status(202);
    let response = client.purge_job_deployment_queue().name("job-a").send().await.unwrap();

    assert_eq!(response.status(), 202);
}

// ---------------------------------------------------------------- Issue 17: answers without ids, bodies sent in full

/// A create call answered 2xx without an id is `Error::AcceptedWithoutId`: the resource may
/// exist, which a decode failure would not say.
#[tokio::test]
async fn create_calls_accepted_without_an_id_say_so() {
    let (server, client) = common::mock_api().await;
    let volumes = server
        .mock_async(|when, then| {
            when.method(POST).path("/v1/volumes");
            then.status(202);
        })
        .await;
    let keys = server
        .mock_async(|when, then| {
            when.method(POST).path("/v1/sshkeys");
            then.status(201).header("content-type", "text/plain").body("");
        })
        .await;
    let scripts = server
        .mock_async(|when, then| {
            when.method(POST).path("/v1/scripts");
            common::reply(then, 200, json!(null));
        })
        .await;

    let volume = CreateVolumeRequest::builder()
        .type_(VolumeType::Nvme)
        .name("data")
        .size(10)
        .location_code(LocationCode::Fin03);
    let errors = [
        client.create_volume().body(volume).send().await.unwrap_err(),
        client
            .add_ssh_keys()
            .body(AddSshKeyRequest::builder().name("n").key("ssh-ed25519 AAAA"))
            .send()
            .await
            .unwrap_err(),
        client
            .add_scripts()
            .body(AddStartupScriptRequest::builder().name("n").script("#!/bin/sh"))
            .send()
            .await
            .unwrap_err(),
    ];
    for error in errors {
        assert!(
            matches!(&error, datacrunch::Error::AcceptedWithoutId { body } if body.is_empty()),
            "{error:?}"
        );
    }
    volumes.assert_async().await;
    keys.assert_async().await;
    scripts.assert_async().await;
}

// The API's own example of the paginated `/scripts` list has items with only `id` and `name`.
wire_test! { get_scripts_accepts_items_without_their_script(client)
    expect GET "/v1/scripts";
    answer 200, json!([{"id": "s-1", "name": "install drivers"}]);
    let scripts = client.get_scripts().send().await.unwrap().into_inner();
    assert_eq!(scripts.len(), 1);
    assert_eq!(scripts[0].name, "install drivers");
    assert_eq!(scripts[0].script, None);
}

// Actions other than clone may answer `{}` or anything else; only a clone's answer is read.
wire_test! { volume_action_detach_accepts_any_body(client)
    expect PUT "/v1/volumes", json_body(json!({"id": "v-1", "action": "detach", "instance_id": "i-1"}));
    answer 202, json!({});
    let body = VolumeActionRequest::builder().id(VolumeId::from("v-1")).action(VolumeActionKind::Detach)
        .instance_id(InstanceId::from("i-1"));
    let answer = client.volume_action().body(body).send().await.unwrap().into_inner();
    assert_eq!(answer.body(), &json!({}));
    let error = answer.cloned_ids().unwrap_err();
    assert!(matches!(&error, datacrunch::Error::Decode { body, .. } if body == "{}"), "{error:?}");
}

// A clone answered with one id as bare text.
wire_test! { volume_action_clone_answered_with_bare_text(client)
    expect PUT "/v1/volumes", json_body(json!({"id": "v-1", "action": "clone"}));
    answer_with status(202), header("content-type", "text/plain"), body("v-1-copy");
    let body = VolumeActionRequest::builder().id(VolumeId::from("v-1")).action(VolumeActionKind::Clone);
    let answer = client.volume_action().body(body).send().await.unwrap().into_inner();
    assert_eq!(answer.cloned_ids().unwrap().into_inner(), [VolumeId::from("v-1-copy")]);
}

fn job_container() -> datacrunch::types::builder::JobContainerRequest {
    JobContainerRequest::builder().image("ghcr.io/acme/batch:1.0").env(vec![
        EnvVar::builder()
            .name("MODE")
            .value_or_reference_to_secret("fast")
            .type_(EnvVarType::Plain)
            .try_into()
            .unwrap(),
    ])
}

// A job container needs no port (Go omits it); scaling is always sent, and an env var always
// carries its type, as both SDKs send them.
wire_test! { create_job_deployment_minimal_body(client)
    expect POST "/v1/job-deployments", json_body(json!({
        "name": "batch",
        "containers": [{
            "image": "ghcr.io/acme/batch:1.0",
            "env": [{"name": "MODE", "value_or_reference_to_secret": "fast", "type": "plain"}]
        }],
        "compute": {"name": "H100", "size": 1},
        "scaling": {"max_replica_count": 2, "deadline_seconds": 600}
    }));
    answer 201, json!({"name": "batch"});
    let body = CreateJobDeploymentRequest::builder().name("batch").containers(vec![job_container().try_into().unwrap()])
        .compute(ComputeSpecRequest::builder().name("H100").size(1))
        .scaling(JobScalingRequest::builder().max_replica_count(2).deadline_seconds(600u64));
    let job = client.create_job_deployment().body(body).send().await.unwrap().into_inner();
    assert_eq!(job.unwrap().name, "batch");
}

/// Go refuses a deadline that is not above zero; so does this SDK, before anything is sent.
#[tokio::test]
async fn create_job_deployment_refuses_a_zero_deadline_before_sending() {
    let (server, client) = common::mock_api().await;
    let any = server
        .mock_async(|when, then| {
            when.any_request();
            then.status(201);
        })
        .await;

    let body = CreateJobDeploymentRequest::builder()
        .name("batch")
        .containers(vec![job_container().try_into().unwrap()])
        .compute(ComputeSpecRequest::builder().name("H100").size(1))
        .scaling(JobScalingRequest::builder().max_replica_count(2).deadline_seconds(0u64));
    let error = client.create_job_deployment().body(body).send().await.unwrap_err();
    assert!(
        matches!(&error, datacrunch::Error::InvalidRequest(reason) if reason.contains("deadline_seconds")),
        "{error:?}"
    );
    let without_scaling = CreateJobDeploymentRequest::builder()
        .name("batch")
        .containers(vec![job_container().try_into().unwrap()])
        .compute(ComputeSpecRequest::builder().name("H100").size(1));
    let error = client
        .create_job_deployment()
        .body(without_scaling)
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(&error, datacrunch::Error::InvalidRequest(reason) if reason.contains("scaling")),
        "{error:?}"
    );
    assert_eq!(any.calls_async().await, 0);
}
