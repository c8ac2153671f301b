//! A deployment's endpoint: where its calls go, and where its asynchronous status and results are.

use reqwest::Url;

use crate::Error;

/// A parsed `endpoint_base_url`, such as `https://containers.datacrunch.io/my-llm`.
///
/// Split at its last `/`, it gives the base domain and the deployment's name, from which the
/// asynchronous status and result addresses are formed: `{base domain}/status/{deployment}` and
/// `{base domain}/result/{deployment}`.
#[derive(Clone, Debug)]
pub(super) struct Endpoint {
    /// The endpoint without a trailing `/`.
    base: String,
    /// The asynchronous status and result addresses, when the endpoint names a deployment in
    /// its path.
    polling: Option<(Url, Url)>,
}

impl Endpoint {
    /// Parses and checks an endpoint: http(s) (plain http only to loopback unless allowed), no
    /// query or fragment.
    pub(super) fn parse(url: &str, allow_plain_http: bool) -> Result<Self, Error> {
        let trimmed = url.trim().trim_end_matches('/');
        if trimmed.is_empty() {
            return Err(Error::Config("the inference endpoint URL is empty".into()));
        }
        let parsed = crate::net::parse_api_url("inference endpoint", trimmed, allow_plain_http)?;
        if parsed.query().is_some() || parsed.fragment().is_some() {
            return Err(Error::Config(format!(
                "inference endpoint {trimmed:?} must not have a query or fragment"
            )));
        }
        let base = parsed.as_str().trim_end_matches('/').to_owned();
        let polling = match base.rsplit_once('/') {
            Some((domain, deployment)) if parsed.path() != "/" => {
                let at = |kind: &str| Url::parse(&format!("{domain}/{kind}/{deployment}"));
                at("status").and_then(|status| Ok((status, at("result")?))).ok()
            }
            _ => None,
        };
        Ok(Self { base, polling })
    }

    /// The endpoint as a string, without a trailing `/`.
    pub(super) fn as_str(&self) -> &str {
        &self.base
    }

    /// The address of `path` under the endpoint. A path that would leave the endpoint once its
    /// `..` segments are resolved, and so carry the key to another deployment, is refused.
    pub(super) fn join(&self, path: &str) -> Result<Url, Error> {
        let refused = |reason: String| Error::InvalidRequest(format!("inference path {path:?} {reason}"));
        let url = Url::parse(&format!("{}/{}", self.base, path.trim_start_matches('/')))
            .map_err(|e| refused(format!("is not valid: {e}")))?;
        let inside = url
            .as_str()
            .strip_prefix(self.base.as_str())
            .is_some_and(|rest| rest.starts_with('/'));
        if inside {
            Ok(url)
        } else {
            Err(refused(format!("leaves the endpoint {}", self.base)))
        }
    }

    /// The status and result addresses of asynchronous inference.
    pub(super) fn polling(&self) -> Result<&(Url, Url), Error> {
        self.polling.as_ref().ok_or_else(|| {
            Error::Config(format!(
                "inference endpoint {} names no deployment in its path, so asynchronous status \
                 and results cannot be located",
                self.base
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn endpoint(url: &str) -> Endpoint {
        Endpoint::parse(url, false).unwrap()
    }

    #[test]
    fn status_and_result_sit_beside_the_deployment() {
        let endpoint = endpoint("https://containers.datacrunch.io/my-llm/");
        assert_eq!(endpoint.as_str(), "https://containers.datacrunch.io/my-llm");
        let (status, result) = endpoint.polling().unwrap();
        assert_eq!(status.as_str(), "https://containers.datacrunch.io/status/my-llm");
        assert_eq!(result.as_str(), "https://containers.datacrunch.io/result/my-llm");

        let nested = self::endpoint("https://example.com/team/a%20b");
        let (status, _) = nested.polling().unwrap();
        assert_eq!(status.as_str(), "https://example.com/team/status/a%20b");
    }

    #[test]
    fn an_endpoint_without_a_path_serves_calls_but_not_polling() {
        let endpoint = endpoint("https://test-deployment.datacrunch.io");
        assert_eq!(
            endpoint.join("predict").unwrap().as_str(),
            "https://test-deployment.datacrunch.io/predict"
        );
        assert!(matches!(endpoint.polling(), Err(Error::Config(_))));
    }

    #[test]
    fn paths_join_under_the_endpoint_and_never_leave_it() {
        let endpoint = endpoint("https://containers.datacrunch.io/my-llm");
        let join = |path| endpoint.join(path).map(|url| url.to_string());
        assert_eq!(
            join("/v1/chat?x=1").unwrap(),
            "https://containers.datacrunch.io/my-llm/v1/chat?x=1"
        );
        assert_eq!(join("").unwrap(), "https://containers.datacrunch.io/my-llm/");
        assert_eq!(join("a/../b").unwrap(), "https://containers.datacrunch.io/my-llm/b");
        for escape in ["..", "../other/x", "a/../../other", "%2e%2e/other", ".%2E/other"] {
            assert!(matches!(join(escape), Err(Error::InvalidRequest(_))), "{escape:?}");
        }
    }

    #[test]
    fn bad_endpoints_are_configuration_errors() {
        for url in [
            "",
            "  /",
            "not a url",
            "ftp://example.com/x",
            "http://example.com/x",
            "https://h/x?q=1",
        ] {
            assert!(matches!(Endpoint::parse(url, false), Err(Error::Config(_))), "{url:?}");
        }
        assert!(Endpoint::parse("http://example.com/x", true).is_ok());
        assert!(Endpoint::parse("http://127.0.0.1:8080/x", false).is_ok());
    }
}
