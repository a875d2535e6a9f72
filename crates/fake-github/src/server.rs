//! The HTTP side: the router, GraphQL request handling with its realism knobs (latency,
//! budgets, secondary limits, injected faults), the `/_fake/*` endpoints. What GraphQL shares
//! with the REST endpoints (state, budgets, the gate) is in `shared`.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::State as AxumState;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use rand::Rng;
use serde_json::{json, Map, Value};

use crate::analyze::analyze;
use crate::config::Faults;
use crate::exec::{Ctx, Obj, RateInfo};
use crate::faults_api::FaultsJson;
use crate::schema::Schema;
use crate::shared::{
    authorized, gate, lock, secondary_limited, unauthorized, with_rate_headers, InFlight, Shared,
};
use crate::stats::Stats;

/// Largest request body accepted.
const MAX_BODY_BYTES: usize = 16 * 1024 * 1024;
const DOCS_URL: &str = "https://docs.github.com/graphql";

/// Marks a response whose connection must be dropped instead of answered.
#[derive(Clone, Copy)]
pub struct DropConnection;

pub fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/graphql", post(graphql))
        .route("/api/graphql", post(graphql))
        .route("/rate_limit", get(rest_rate_limit))
        .route("/_fake/stats", get(stats))
        .route("/_fake/state", get(state))
        .route("/_fake/faults", get(get_faults).post(post_faults))
        .route("/_fake/reset_stats", post(reset_stats))
        // REST, at the root as on api.github.com and under `/api/v3` as on GHES.
        .merge(crate::rest::routes())
        .nest("/api/v3", crate::rest::routes())
        // Batches of long issue bodies exceed axum's 2 MB default; GitHub accepts them.
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(shared)
}

async fn stats(AxumState(shared): AxumState<Arc<Shared>>) -> Json<Stats> {
    Json(shared.stats())
}

async fn get_faults(AxumState(shared): AxumState<Arc<Shared>>) -> Json<FaultsJson> {
    Json(FaultsJson::from_faults(&lock(&shared.faults)))
}

async fn post_faults(
    AxumState(shared): AxumState<Arc<Shared>>,
    body: axum::body::Bytes,
) -> Response {
    let patch: FaultsJson = match serde_json::from_slice(&body) {
        Ok(p) => p,
        Err(e) => {
            return (
                StatusCode::BAD_REQUEST,
                Json(json!({"message": e.to_string()})),
            )
                .into_response()
        }
    };
    let mut faults = lock(&shared.faults);
    match patch.apply(&faults) {
        Ok(next) => {
            *faults = next;
            Json(FaultsJson::from_faults(&faults)).into_response()
        }
        Err(message) => {
            (StatusCode::BAD_REQUEST, Json(json!({"message": message}))).into_response()
        }
    }
}

async fn reset_stats(AxumState(shared): AxumState<Arc<Shared>>) -> StatusCode {
    shared.reset_stats();
    StatusCode::NO_CONTENT
}

async fn state(AxumState(shared): AxumState<Arc<Shared>>) -> Json<Value> {
    Json(lock(&shared.state).snapshot())
}

async fn rest_rate_limit(
    AxumState(shared): AxumState<Arc<Shared>>,
    headers: HeaderMap,
) -> Response {
    let (_guard, _) = InFlight::enter(&shared);
    if !authorized(&shared, &headers) {
        return unauthorized(&shared);
    }
    let rate = shared.rate_info(0);
    let graphql = json!({"limit": rate.limit, "remaining": rate.remaining, "used": rate.used, "reset": rate.reset_at, "resource": "graphql"});
    with_rate_headers(
        Json(json!({"resources": {"graphql": graphql}, "rate": graphql})).into_response(),
        &rate,
    )
}

/// The body of `POST /graphql`.
#[derive(serde::Deserialize)]
struct GraphqlRequest {
    query: Option<String>,
    #[serde(default)]
    variables: Option<Value>,
    #[serde(default, rename = "operationName")]
    operation_name: Option<String>,
}

async fn graphql(
    AxumState(shared): AxumState<Arc<Shared>>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let started = Instant::now();
    let (guard, in_flight) = InFlight::enter(&shared);
    let (mut response, outcome, mutations) = handle(&shared, &headers, &body, in_flight).await;
    drop(guard);
    // GitHub sends the budget headers on every API answer that gets past authentication and
    // its proxies; the paths above that know the document's cost have set them already.
    let status = response.status();
    let answered = response.extensions().get::<DropConnection>().is_none();
    if answered
        && status != StatusCode::UNAUTHORIZED
        && status != StatusCode::BAD_GATEWAY
        && !response.headers().contains_key("x-ratelimit-limit")
    {
        response = with_rate_headers(response, &shared.rate_info(0));
    }
    let executed = response.extensions().get::<Executed>().cloned();
    shared.log(json!({
        "at_ms": shared.started.elapsed().as_millis() as u64,
        "status": response.status().as_u16(),
        "outcome": outcome,
        "operation": executed.as_ref().and_then(|e| e.operation.clone()),
        "kind": executed.as_ref().map(|e| e.kind),
        "cost": executed.as_ref().map(|e| e.cost),
        "mutations": mutations,
        "duration_ms": started.elapsed().as_millis() as u64,
        "in_flight": in_flight,
    }));
    response
}

fn graphql_errors(errors: Vec<Value>) -> Response {
    Json(json!({"errors": errors})).into_response()
}

/// Everything between "request arrived" and "response ready"; returns the response, a short
/// outcome word for the log, and the names of the mutations applied.
async fn handle(shared: &Shared, headers: &HeaderMap, body: &[u8], in_flight: u64) -> Answer {
    let faults = match gate(shared, headers, in_flight).await {
        Ok(faults) => faults,
        Err((response, outcome)) => return refused(response, outcome).into(),
    };
    let request: GraphqlRequest = match serde_json::from_slice(body) {
        Ok(r) => r,
        Err(_) => {
            let body = json!({"message": "Problems parsing JSON", "documentation_url": DOCS_URL});
            return refused(
                (StatusCode::BAD_REQUEST, Json(body)).into_response(),
                "bad_json",
            )
            .into();
        }
    };
    let Some(query) = request.query else {
        let body = json!({"message": "A query attribute must be specified and must be a string.", "documentation_url": DOCS_URL});
        return refused(graphql_errors(vec![body]), "no_query").into();
    };
    lock(&shared.stats).graphql_documents += 1;
    let schema = lock(&shared.schema).clone();
    run_document(
        shared,
        &schema,
        &faults,
        &query,
        request.variables,
        request.operation_name.as_deref(),
    )
    .await
}

/// A response, a short outcome word for the log, and the mutations applied.
type Answer = (Response, &'static str, Vec<String>);

/// Why a document was not run: the answer to send and the outcome word for the log.
struct Refusal {
    response: Box<Response>,
    outcome: &'static str,
}

fn refused(response: Response, outcome: &'static str) -> Refusal {
    Refusal {
        response: Box::new(response),
        outcome,
    }
}

impl From<Refusal> for Answer {
    fn from(refusal: Refusal) -> Answer {
        (*refusal.response, refusal.outcome, Vec::new())
    }
}

/// A document that passed every check made before execution.
struct Prepared {
    document: apollo_compiler::validation::Valid<apollo_compiler::executable::ExecutableDocument>,
    operation: apollo_compiler::Node<apollo_compiler::executable::Operation>,
    variables: Map<String, Value>,
    /// The same variables as apollo-compiler's introspection wants them.
    coerced: apollo_compiler::validation::Valid<apollo_compiler::response::JsonMap>,
    analysis: crate::analyze::Analysis,
}

impl Prepared {
    fn is_mutation(&self) -> bool {
        self.operation.operation_type == apollo_compiler::executable::OperationType::Mutation
    }

    fn mutation_names(&self) -> Vec<String> {
        if !self.is_mutation() {
            return Vec::new();
        }
        self.operation
            .selection_set
            .fields()
            .map(|f| f.name.to_string())
            .collect()
    }
}

async fn run_document(
    shared: &Shared,
    schema: &Schema,
    faults: &Faults,
    query: &str,
    variables: Option<Value>,
    operation_name: Option<&str>,
) -> Answer {
    let prepared = match prepare(shared, schema, query, variables, operation_name) {
        Ok(p) => p,
        Err(refusal) => return refusal.into(),
    };
    let rate = match check_primary(shared, faults, prepared.analysis.cost) {
        Ok(rate) => rate,
        Err(refusal) => return refusal.into(),
    };
    if shared.chance(faults.something_went_wrong_rate) {
        lock(&shared.stats).faults_injected += 1;
        let body = json!({"data": null, "errors": [{"message": "Something went wrong while executing your query. This may be the result of a timeout, or it could be a GitHub bug. Please include `0000:FAKE:0000` when reporting this issue."}]});
        return refused(
            with_rate_headers(Json(body).into_response(), &rate),
            "something_went_wrong",
        )
        .into();
    }
    if let Err(refusal) = check_points(shared, faults, prepared.is_mutation()) {
        return refusal.into();
    }
    let mutation_names = prepared.mutation_names();
    let creating = mutation_names
        .iter()
        .filter(|n| crate::mutate::CONTENT_CREATING.contains(&n.as_str()))
        .count();
    let allowance = match content_allowance(shared, faults, creating) {
        Ok(allowance) => allowance,
        Err(refusal) => return refusal.into(),
    };
    // Mutations of one document run one after another on GitHub, so their cost adds up.
    shared
        .delay(faults.mutation_latency * mutation_names.len() as u32)
        .await;

    let rate = RateInfo {
        node_count: prepared.analysis.nodes,
        ..shared.spend(prepared.analysis.cost)
    };
    let (body, applied) = execute(shared, schema, &prepared, rate, allowance);
    let executed = Executed {
        operation: prepared.operation.name.as_ref().map(|n| n.to_string()),
        kind: if prepared.is_mutation() {
            "mutation"
        } else {
            "query"
        },
        cost: prepared.analysis.cost,
    };
    if prepared.is_mutation() && shared.chance(faults.drop_after_apply_rate) {
        let mut stats = lock(&shared.stats);
        stats.faults_injected += 1;
        stats.dropped_after_apply += 1;
        drop(stats);
        let mut response = Response::new(Body::empty());
        response.extensions_mut().insert(DropConnection);
        response.extensions_mut().insert(executed);
        return (response, "dropped_after_apply", applied);
    }
    let mut response = with_rate_headers(Json(body).into_response(), &rate);
    response.extensions_mut().insert(executed);
    (response, "ok", applied)
}

/// What the request log says about an executed document (carried on the response).
#[derive(Clone)]
struct Executed {
    operation: Option<String>,
    kind: &'static str,
    cost: u64,
}

/// Validate, pick the operation, coerce variables, and run the pre-execution checks.
fn prepare(
    shared: &Shared,
    schema: &Schema,
    query: &str,
    variables: Option<Value>,
    operation_name: Option<&str>,
) -> Result<Prepared, Refusal> {
    let document = schema.parse(query).map(|d| d.document).map_err(|errors| {
        lock(&shared.stats).validation_failures += 1;
        refused(graphql_errors(errors), "invalid")
    })?;
    let message = |e: &apollo_compiler::request::RequestError| {
        graphql_errors(vec![json!({"message": e.message().to_string()})])
    };
    let operation = document
        .operations
        .get(operation_name)
        .map_err(|e| refused(message(&e), "no_operation"))?
        .clone();
    let raw: apollo_compiler::response::JsonMap = match variables {
        Some(Value::Object(map)) => serde_json::from_value(Value::Object(map)).unwrap_or_default(),
        _ => Default::default(),
    };
    if let Some(error) = invalid_input(schema, &operation, &raw) {
        lock(&shared.stats).validation_failures += 1;
        return Err(refused(graphql_errors(vec![error]), "bad_variables"));
    }
    let coerced = apollo_compiler::request::coerce_variable_values(schema.raw(), &operation, &raw)
        .map_err(|e| {
            lock(&shared.stats).validation_failures += 1;
            refused(message(&e), "bad_variables")
        })?;
    let variables = serde_json::to_value(&*coerced)
        .ok()
        .and_then(|v| v.as_object().cloned())
        .unwrap_or_default();
    let analysis = analyze(&document, &operation.selection_set, &variables)
        .map_err(|errors| refused(graphql_errors(errors), "limits"))?;
    Ok(Prepared {
        document,
        operation,
        variables,
        coerced,
        analysis,
    })
}

/// GitHub's answer to an input-object variable with a member its type does not have (or an
/// enum value it does not know): `Variable $i0 of type CreateIssueInput! was provided invalid
/// value for parentIssueId (Field is not defined on CreateIssueInput)`. Only the top level of
/// each variable; deeper problems get apollo-compiler's wording.
fn invalid_input(
    schema: &Schema,
    operation: &apollo_compiler::executable::Operation,
    variables: &apollo_compiler::response::JsonMap,
) -> Option<Value> {
    use apollo_compiler::schema::ExtendedType;
    for definition in &operation.variables {
        let Some(value) = variables.get(definition.name.as_str()) else {
            continue;
        };
        let Some(ExtendedType::InputObject(input)) =
            schema.raw().types.get(definition.ty.inner_named_type())
        else {
            continue;
        };
        let Some(object) = value.as_object() else {
            continue;
        };
        let problem = object.iter().find_map(|(key, member)| {
            let Some(field) = input.fields.get(key.as_str()) else {
                return Some((
                    key.as_str().to_string(),
                    format!("Field is not defined on {}", input.name),
                ));
            };
            let Some(ExtendedType::Enum(values)) =
                schema.raw().types.get(field.ty.inner_named_type())
            else {
                return None;
            };
            let given = member.as_str()?;
            if values.values.contains_key(given) {
                return None;
            }
            let known: Vec<&str> = values.values.keys().map(|v| v.as_str()).collect();
            Some((
                key.as_str().to_string(),
                format!("Expected \"{given}\" to be one of: {}", known.join(", ")),
            ))
        });
        if let Some((member, explanation)) = problem {
            return Some(json!({
                "message": format!(
                    "Variable ${} of type {} was provided invalid value for {member} ({explanation})",
                    definition.name, definition.ty
                ),
                "extensions": {
                    "value": serde_json::to_value(value).unwrap_or_default(),
                    "problems": [{"path": [member], "explanation": explanation}],
                },
            }));
        }
    }
    None
}

/// The primary budget and the `rate_limited_every` knob.
fn check_primary(shared: &Shared, faults: &Faults, cost: u64) -> Result<RateInfo, Refusal> {
    let mut rate = shared.rate_info(cost);
    let nth = shared.documents.fetch_add(1, Ordering::SeqCst) + 1;
    let every = faults
        .rate_limited_every
        .is_some_and(|n| n > 0 && nth.is_multiple_of(n));
    let exhausted = rate.used + cost > rate.limit;
    if !every && !exhausted {
        return Ok(rate);
    }
    lock(&shared.stats).rate_limited += 1;
    if exhausted {
        rate.remaining = 0;
    }
    let body = json!({"errors": [{"type": "RATE_LIMITED", "code": "graphql_rate_limit", "message": "API rate limit exceeded for user ID 1."}]});
    Err(refused(
        with_rate_headers(Json(body).into_response(), &rate),
        "rate_limited",
    ))
}

/// Secondary limit on GraphQL points per minute.
fn check_points(shared: &Shared, faults: &Faults, is_mutation: bool) -> Result<(), Refusal> {
    let Some(max) = faults.secondary_points_per_minute else {
        return Ok(());
    };
    // A document with mutations costs 5 secondary points, a read 1:
    // https://docs.github.com/en/graphql/overview/rate-limits-and-query-limits-for-the-graphql-api#secondary-rate-limits
    let points = if is_mutation { 5 } else { 1 };
    let mut window = lock(&shared.points_window);
    let now = Instant::now();
    while window
        .front()
        .is_some_and(|(t, _)| now.duration_since(*t) >= Duration::from_secs(60))
    {
        window.pop_front();
    }
    let used: u64 = window.iter().map(|(_, p)| p).sum();
    if used + points > max {
        drop(window);
        return Err(refused(
            secondary_limited(shared, faults),
            "secondary_points",
        ));
    }
    window.push_back((now, points));
    Ok(())
}

/// Secondary limit on content creation: refuses the whole document with a 403, or (with
/// `content_limit_graphql`) says how many creates may still run (`Some(n)`).
fn content_allowance(
    shared: &Shared,
    faults: &Faults,
    creating: usize,
) -> Result<Option<usize>, Refusal> {
    let Some(limit) = faults.content_limit.filter(|_| creating > 0) else {
        return Ok(None);
    };
    let mut window = lock(&shared.content_window);
    let now = Instant::now();
    while window
        .front()
        .is_some_and(|t| now.duration_since(*t) >= limit.window)
    {
        window.pop_front();
    }
    let left = (limit.max as usize).saturating_sub(window.len());
    if faults.content_limit_graphql {
        // GitHub's other answer: the creates that still fit apply, the rest fail one by one
        // with "was submitted too quickly".
        window.extend(std::iter::repeat_n(now, creating.min(left)));
        return Ok(Some(left));
    }
    if creating > left {
        drop(window);
        return Err(refused(
            secondary_limited(shared, faults),
            "secondary_content",
        ));
    }
    window.extend(std::iter::repeat_n(now, creating));
    Ok(None)
}

/// Answer `__schema`/`__type` root fields of a query from the schema and merge them into `data`.
fn introspect(schema: &Schema, prepared: &Prepared, data: &mut Value, errors: &mut Vec<Value>) {
    let wanted = prepared
        .operation
        .root_fields(&prepared.document)
        .any(|f| matches!(f.name.as_str(), "__schema" | "__type"));
    if prepared.is_mutation() || !wanted {
        return;
    }
    let answer = apollo_compiler::introspection::partial_execute(
        schema.raw(),
        schema.implementers(),
        &prepared.document,
        &prepared.operation,
        &prepared.coerced,
    );
    let response = match answer {
        Ok(response) => serde_json::to_value(&response).unwrap_or_default(),
        Err(e) => json!({"errors": [{"message": e.message().to_string()}]}),
    };
    if let (Some(target), Some(found)) = (data.as_object_mut(), response["data"].as_object()) {
        for (key, value) in found {
            if !value.is_null() || !target.contains_key(key) {
                target.insert(key.clone(), value.clone());
            }
        }
    }
    if let Some(found) = response["errors"].as_array() {
        errors.extend(found.iter().cloned());
    }
}

/// Fields of an issue a partial answer may leave out.
const LEFT_OUT: &[&str] = &[
    "labels",
    "assignees",
    "projectItems",
    "blockedBy",
    "parent",
    "subIssues",
    "issueType",
];

/// Nulls one field of one issue in `data` (drawn from the seeded generator), as GitHub leaves
/// a field out of an answer on a timeout; returns the error naming it, or `None` when the
/// answer holds no such field.
fn leave_out(shared: &Shared, data: &mut Value) -> Option<Value> {
    fn collect(value: &Value, path: &mut Vec<Value>, found: &mut Vec<Vec<Value>>) {
        match value {
            Value::Object(object) => {
                if object.get("number").is_some_and(Value::is_u64) {
                    for field in LEFT_OUT {
                        if object.get(*field).is_some_and(|v| !v.is_null()) {
                            let mut at = path.clone();
                            at.push(json!(field));
                            found.push(at);
                        }
                    }
                }
                for (key, inner) in object {
                    path.push(json!(key));
                    collect(inner, path, found);
                    path.pop();
                }
            }
            Value::Array(items) => {
                for (index, inner) in items.iter().enumerate() {
                    path.push(json!(index));
                    collect(inner, path, found);
                    path.pop();
                }
            }
            _ => {}
        }
    }
    let mut found = Vec::new();
    collect(data, &mut Vec::new(), &mut found);
    if found.is_empty() {
        return None;
    }
    let path = found.swap_remove(lock(&shared.rng).gen_range(0..found.len()));
    let mut target = &mut *data;
    for step in &path {
        target = match step {
            Value::String(key) => target.get_mut(key.as_str())?,
            Value::Number(index) => target.get_mut(index.as_u64()? as usize)?,
            _ => return None,
        };
    }
    *target = Value::Null;
    Some(json!({
        "message": "Something went wrong while executing your query. This may be the result of a timeout, or it could be a GitHub bug. Please include `0000:FAKE:0000` when reporting this issue.",
        "path": path,
    }))
}

/// Run the document against the state; returns the response body and the mutations run.
fn execute(
    shared: &Shared,
    schema: &Schema,
    prepared: &Prepared,
    rate: RateInfo,
    allowance: Option<usize>,
) -> (Value, Vec<String>) {
    let mut state = lock(&shared.state);
    let mut ctx = Ctx {
        state: &mut state,
        schema: schema.raw(),
        doc: &prepared.document,
        variables: prepared.variables.clone(),
        errors: Vec::new(),
        rate,
        mutations_run: Vec::new(),
        content_allowance: allowance,
        too_quick: 0,
    };
    let root = if prepared.is_mutation() {
        Obj::Mutation
    } else {
        Obj::Query
    };
    let data = ctx.execute_root(
        root,
        &prepared.operation.selection_set,
        crate::resolve::resolve,
    );
    let mut data = data;
    introspect(schema, prepared, &mut data, &mut ctx.errors);
    let faults = lock(&shared.faults).clone();
    if !prepared.is_mutation() && shared.chance(faults.partial_read_rate) {
        if let Some(error) = leave_out(shared, &mut data) {
            ctx.errors.push(error);
            let mut stats = lock(&shared.stats);
            stats.faults_injected += 1;
            stats.partial_reads += 1;
        }
    }
    let mut body = json!({"data": data});
    if !ctx.errors.is_empty() {
        body["errors"] = Value::Array(std::mem::take(&mut ctx.errors));
    }
    let (applied, too_quick) = (std::mem::take(&mut ctx.mutations_run), ctx.too_quick);
    drop(ctx);
    drop(state);
    let mut stats = lock(&shared.stats);
    stats.secondary_limited += too_quick;
    for name in &applied {
        stats.mutations.total += 1;
        *stats.mutations.by_name.entry(name.clone()).or_default() += 1;
    }
    (body, applied)
}
