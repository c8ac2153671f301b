//! Which operation of the API a request is for, by the spec's routes, so that the fake can tell
//! an operation it does not model (501 `not_implemented`) from a path the API does not have (404).

use crate::generated::OPERATION_ROUTES;

/// The spec's route template and method name for `method` on `path` (the part after `/v1`).
///
/// A literal segment beats a `{parameter}`, so `GET /volumes/trash` is `get_volumes_in_trash`,
/// not `get_volume_by_id` with the id `trash`.
pub(super) fn operation_for(method: &str, path: &str) -> Option<(&'static str, &'static str)> {
    let segments: Vec<&str> = path.split('/').collect();
    OPERATION_ROUTES
        .iter()
        .filter(|(verb, ..)| *verb == method)
        .filter_map(|(_, template, name)| {
            let parts: Vec<&str> = template.split('/').collect();
            if parts.len() != segments.len() {
                return None;
            }
            let mut literals = 0;
            for (part, segment) in parts.iter().zip(&segments) {
                if part.starts_with('{') {
                    if segment.is_empty() {
                        return None;
                    }
                } else if part == segment {
                    literals += 1;
                } else {
                    return None;
                }
            }
            Some((literals, *template, *name))
        })
        .max_by_key(|(literals, ..)| *literals)
        .map(|(_, template, name)| (template, name))
}

#[cfg(test)]
mod tests {
    use super::operation_for;

    #[test]
    fn literal_segments_win_over_parameters() {
        assert_eq!(
            operation_for("GET", "/instances/abc"),
            Some(("/instances/{id}", "get_instance_by_id"))
        );
        assert_eq!(
            operation_for("GET", "/instance-types/price-history").map(|(_, name)| name),
            Some("get_instance_type_price_history")
        );
        assert_eq!(operation_for("GET", "/no-such-thing"), None);
        assert_eq!(operation_for("PATCH", "/instances"), None);
        assert_eq!(operation_for("GET", "/instances/"), None);
    }
}
