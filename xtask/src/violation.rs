//! A broken rule of `openapi.yaml`: which [`Rule`] and where ([`Violation`]). Shared by the checks in
//! `rules.rs`, `answers.rs` and `requests.rs`, which `rules::check` runs.

use std::fmt;

/// A rule of the project's spec conventions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rule {
    /// 1: OpenAPI 3.0.x that parses as `openapiv3::OpenAPI`.
    OpenApi30,
    /// 2: unique operationIds, at least one declared tag per operation.
    IdsAndTags,
    /// 3: operations of the 2023 document keep its operationIds.
    LegacyIds,
    /// 4: request and response bodies are `$ref`s to component schemas.
    NamedBodies,
    /// 5: no inline `enum` outside component schemas with `x-datacrunch-type`.
    NoInlineEnum,
    /// 6: no `additionalProperties: false`.
    OpenObjects,
    /// 7: `4XX` and `5XX` responses reference the shared `Error` response.
    ErrorResponses,
    /// 8: path template parameters and declared path parameters agree.
    PathParameters,
    /// 9: every `$ref` resolves.
    RefsResolve,
    /// 10: progenitor (through build.rs) can generate the client.
    Generates,
    /// 11: every operation answers `2XX`, not single 2xx statuses.
    AnySuccess,
    /// 12: the typed answer of an operation that changes something accepts an empty body.
    EmptyAnswer,
    /// 13: array fields of schemas used in answers are nullable.
    NullableArrays,
    /// 14: schemas used in answers require only identity fields and vetted exceptions.
    RequiredInAnswers,
    /// 15: request fields the official SDKs always send are required or have a default.
    AlwaysSent,
    /// 16: spot query parameters send both spellings (`SpotFlag`).
    SpotQuery,
    /// 17: lists answered by GET are plain named array schemas, which accept `null`.
    ListAnswers,
    /// 18: no two component schemas describe the same object.
    NoDuplicateSchemas,
}

impl Rule {
    /// The rule's number and short statement, as messages print it.
    pub fn describe(self) -> &'static str {
        match self {
            Rule::OpenApi30 => "rule 1 (OpenAPI 3.0.x, parses as openapiv3::OpenAPI)",
            Rule::IdsAndTags => "rule 2 (unique operationId, declared tag)",
            Rule::LegacyIds => "rule 3 (2023 operationIds are kept)",
            Rule::NamedBodies => "rule 4 (bodies are $refs to component schemas)",
            Rule::NoInlineEnum => "rule 5 (no inline enum)",
            Rule::OpenObjects => "rule 6 (no additionalProperties: false)",
            Rule::ErrorResponses => "rule 7 (4XX and 5XX use #/components/responses/Error)",
            Rule::PathParameters => "rule 8 (path parameters match the path)",
            Rule::RefsResolve => "rule 9 ($refs resolve)",
            Rule::Generates => "rule 10 (build.rs can generate the client)",
            Rule::AnySuccess => "rule 11 (every 2xx answer is accepted)",
            Rule::EmptyAnswer => "rule 12 (changing operations accept an answer without a body)",
            Rule::NullableArrays => "rule 13 (arrays in answers are nullable)",
            Rule::RequiredInAnswers => "rule 14 (answers require only identity fields)",
            Rule::AlwaysSent => "rule 15 (fields the SDKs always send are required or defaulted)",
            Rule::SpotQuery => "rule 16 (spot query flags send is_spot and isSpot)",
            Rule::ListAnswers => "rule 17 (list answers accept null)",
            Rule::NoDuplicateSchemas => "rule 18 (one schema per object)",
        }
    }
}

/// One broken rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    /// What breaks the rule: `operation getX (GET /x)`, `schema Foo`, `document`.
    pub subject: String,
    /// The rule broken.
    pub rule: Rule,
    /// What exactly is wrong.
    pub detail: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}: {}", self.subject, self.rule.describe(), self.detail)
    }
}
