//! The hand-written types that absorb the API's loose typing, decoded from JSON text.

use crate::common;

use datacrunch::types::{
    self, ApiError, CreatedId, Decimal, ErrorCode, FlexibleBool, InstanceId, SingleItem, WholeNumber,
};
use serde_json::json;

/// For every open enum: each known value decodes to a known variant and re-encodes unchanged,
/// and a value from the future decodes to `Unknown` and re-encodes unchanged.
#[test]
fn every_open_enum_keeps_known_and_unknown_values_unchanged() {
    macro_rules! check {
        ($($name:ident),+ $(,)?) => {$({
            for &known in types::$name::KNOWN {
                let value: types::$name = serde_json::from_value(json!(known)).unwrap();
                assert!(value.is_known(), "{} {known}", stringify!($name));
                assert_eq!(serde_json::to_value(&value).unwrap(), json!(known));
                assert_eq!(value, known.parse().unwrap());
            }
            let future = "Added-Next-Year_42";
            let value: types::$name = serde_json::from_value(json!(future)).unwrap();
            assert_eq!(value, types::$name::Unknown(future.to_owned()), "{}", stringify!($name));
            assert_eq!(serde_json::to_value(&value).unwrap(), json!(future));
            assert_eq!(value.to_string(), future);
        })+};
    }
    common::with_open_enums!(check);
}

#[test]
fn open_enums_are_case_sensitive_so_nothing_is_rewritten() {
    let upper: types::Currency = serde_json::from_value(json!("USD")).unwrap();
    assert_eq!(upper, types::Currency::Unknown("USD".into()));
    assert_eq!(serde_json::to_value(&upper).unwrap(), json!("USD"));
}

#[test]
fn prices_decode_from_strings_and_numbers_without_losing_digits() {
    for (body, text) in [
        (json!("5.00"), "5.00"),
        (json!(5.0), "5"),
        (json!(45.5), "45.5"),
        (json!(2), "2"),
        (json!("0.000123456789012345"), "0.000123456789012345"),
        (json!(0.1), "0.1"),
        (json!(1234567.891), "1234567.891"),
        (json!("-3.25"), "-3.25"),
    ] {
        let price: Decimal = serde_json::from_value(body.clone()).unwrap();
        assert_eq!(price.as_str(), text, "{body}");
    }
    let exact: Decimal = serde_json::from_value(json!("5.00")).unwrap();
    assert_eq!(exact, serde_json::from_value::<Decimal>(json!(5)).unwrap());
    assert_eq!(exact.to_parts(), (500, 2));
    assert_eq!(serde_json::to_value(&exact).unwrap(), json!("5.00"));
    for bad in [
        json!("five"),
        json!(""),
        json!("1.2.3"),
        json!(true),
        json!(null),
        json!("1e5"),
    ] {
        assert!(serde_json::from_value::<Decimal>(bad.clone()).is_err(), "{bad}");
    }
}

#[test]
fn whole_numbers_accept_floats_without_a_fraction() {
    for (body, expected) in [(json!(3), 3), (json!(3.0), 3), (json!(-7.0), -7), (json!("12"), 12)] {
        assert_eq!(serde_json::from_value::<WholeNumber>(body).unwrap(), expected);
    }
    for bad in [json!(3.5), json!("x"), json!(1e300), json!(null)] {
        assert!(serde_json::from_value::<WholeNumber>(bad.clone()).is_err(), "{bad}");
    }
}

#[test]
fn booleans_accept_strings() {
    for (body, expected) in [(json!(true), true), (json!("false"), false), (json!("TRUE"), true)] {
        assert_eq!(serde_json::from_value::<FlexibleBool>(body).unwrap().get(), expected);
    }
    assert!(serde_json::from_value::<FlexibleBool>(json!("yes")).is_err());
    assert_eq!(serde_json::to_value(FlexibleBool(true)).unwrap(), json!(true));
}

#[test]
fn created_ids_accept_a_string_or_an_object_with_id() {
    for body in [
        json!("abc-1"),
        json!(" \"abc-1\" "),
        json!({"id": "abc-1", "hostname": "h"}),
    ] {
        let id: CreatedId<InstanceId> = serde_json::from_value(body.clone()).unwrap();
        assert_eq!(id.as_str(), "abc-1", "{body}");
    }
    for bad in [json!(""), json!({"name": "x"}), json!(42), json!(null)] {
        assert!(
            serde_json::from_value::<CreatedId<InstanceId>>(bad.clone()).is_err(),
            "{bad}"
        );
    }
}

#[test]
fn single_items_unwrap_one_element_arrays_only() {
    let one: SingleItem<serde_json::Value> = serde_json::from_value(json!([{"id": "k"}])).unwrap();
    assert_eq!(one["id"], "k");
    let plain: SingleItem<serde_json::Value> = serde_json::from_value(json!({"id": "k"})).unwrap();
    assert_eq!(one, plain);
    let error = serde_json::from_value::<SingleItem<InstanceId>>(json!(["a", "b"])).unwrap_err();
    assert!(error.to_string().contains("array of 2"), "{error}");
    assert!(serde_json::from_value::<SingleItem<InstanceId>>(json!([])).is_err());
}

#[test]
fn api_errors_keep_whatever_the_server_said() {
    let cases = [
        (
            json!({"code": "not_found", "message": "no such instance"}),
            Some(ErrorCode::NotFound),
            "no such instance",
        ),
        (
            json!({"code": "INVALID_REQUEST", "message": "bad"}),
            Some(ErrorCode::Unknown("INVALID_REQUEST".into())),
            "bad",
        ),
        (json!({"error": "gateway timeout"}), None, "gateway timeout"),
        (json!("upstream connect error"), None, "upstream connect error"),
        (json!({"detail": [1, 2]}), None, r#"{"detail":[1,2]}"#),
    ];
    for (body, code, message) in cases {
        let error: ApiError = serde_json::from_value(body.clone()).unwrap();
        assert_eq!((error.code, error.message.as_str()), (code, message), "{body}");
    }
}
