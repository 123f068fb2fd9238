//! v2 endpoints: the streams and the rules API.

use std::sync::Arc;
use std::time::Duration;

use http::Response;
use hyper::body::Incoming;
use serde_json::{json, Value};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;
use tokio::time::Instant;

use crate::config::NoRulesPolicy;
use crate::data::parse_lists;
use crate::http::{self as h, EmuBody};
use crate::observe::Event;
use crate::payload;
use crate::problems;
use crate::rules_store::DeleteSelector;
use crate::scenario::StreamEndpoint;
use crate::server::{read_body, v2_auth, ReqCtx, Shared};
use crate::stream::frame::Framing;
use crate::stream::{self, StreamSpec};

/// `meta.sent`: RFC 3339 with milliseconds, UTC.
pub(crate) fn sent_now(shared: &Shared) -> String {
    let wall = shared.timeline.wall_of(Instant::now());
    let t = OffsetDateTime::from(wall);
    let fmt = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
    );
    t.format(&fmt)
        .unwrap_or_else(|_| "1970-01-01T00:00:00.000Z".to_string())
}

type ParamError = (String, Vec<String>, String);

fn bad(param: &str, value: &str, message: String) -> ParamError {
    (param.to_string(), vec![value.to_string()], message)
}

/// Reject parameters not in `allowed` the way X does.
fn check_known(query: &[(String, String)], allowed: &[&str]) -> Vec<ParamError> {
    let mut sorted: Vec<&str> = allowed.to_vec();
    sorted.sort_unstable();
    let list = sorted.join(",");
    query
        .iter()
        .filter(|(k, _)| !allowed.contains(&k.as_str()))
        .map(|(k, v)| {
            bad(
                k,
                v,
                format!("The query parameter [{k}] is not one of [{list}]"),
            )
        })
        .collect()
}

fn get<'a>(query: &'a [(String, String)], name: &str) -> Option<&'a str> {
    query
        .iter()
        .rev()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

fn int_param(
    query: &[(String, String)],
    name: &str,
    min: i64,
    max: i64,
    errors: &mut Vec<ParamError>,
) -> Option<i64> {
    let v = get(query, name)?;
    match v.trim().parse::<i64>() {
        Ok(n) if (min..=max).contains(&n) => Some(n),
        Ok(_) => {
            errors.push(bad(
                name,
                v,
                format!("The `{name}` query parameter value [{v}] is not between {min} and {max}"),
            ));
            None
        }
        Err(_) => {
            errors.push(bad(
                name,
                v,
                format!("The `{name}` query parameter value [{v}] is not a valid integer"),
            ));
            None
        }
    }
}

fn time_param(
    query: &[(String, String)],
    name: &str,
    errors: &mut Vec<ParamError>,
) -> Option<OffsetDateTime> {
    let v = get(query, name)?;
    match OffsetDateTime::parse(v, &Rfc3339) {
        Ok(t) => Some(t),
        Err(_) => {
            errors.push(bad(
                name,
                v,
                format!("The `{name}` query parameter value [{v}] is not a valid RFC 3339 date-time (YYYY-MM-DDTHH:mm:ssZ)"),
            ));
            None
        }
    }
}

fn invalid(shared: &Shared, ctx: &mut ReqCtx, errors: &[ParamError]) -> Response<EmuBody> {
    ctx.error = Some(
        errors
            .iter()
            .map(|e| e.2.clone())
            .collect::<Vec<_>>()
            .join("; "),
    );
    h::problem(
        400,
        problems::invalid_request(errors).to_string(),
        shared.gzip_level(ctx.gzip),
    )
}

/// `GET` any v2 stream of [`payload::V2_STREAMS`]: authentication, the common parameters
/// (`backfill_minutes`, `partition`, `start_time`/`end_time`), the stream's own (fields,
/// expansions), admission, then the connection.
pub(crate) async fn stream(
    shared: &Arc<Shared>,
    ctx: &mut ReqCtx,
    endpoint: StreamEndpoint,
) -> Response<EmuBody> {
    let gz = shared.gzip_level(ctx.gzip);
    let Some(def) = payload::v2_stream(endpoint) else {
        ctx.error = Some("no such endpoint".into());
        return h::problem(404, problems::not_found_v2(&ctx.path).to_string(), gz);
    };
    let (app, credential) = match v2_auth(shared, ctx) {
        Ok(x) => x,
        Err(resp) => return resp,
    };
    let mut allowed: Vec<&str> = def.kind.params.to_vec();
    allowed.push("backfill_minutes");
    if def.recovery {
        allowed.extend(["start_time", "end_time"]);
    }
    if def.partitions.is_some() {
        allowed.push("partition");
    }
    let query = ctx.query.clone();
    let mut errors = check_known(&query, &allowed);
    let backfill = int_param(&query, "backfill_minutes", 0, 5, &mut errors).unwrap_or(0);
    let partition = match def.partitions {
        Some(n) => match get(&query, "partition") {
            None => {
                errors.push((
                    "partition".into(),
                    Vec::new(),
                    "The `partition` query parameter can not be empty".into(),
                ));
                None
            }
            Some(_) => {
                int_param(&query, "partition", 1, i64::from(n), &mut errors).map(|p| (p as u32, n))
            }
        },
        None => None,
    };
    let start_time = time_param(&query, "start_time", &mut errors);
    let end_time = time_param(&query, "end_time", &mut errors);
    let now_wall = OffsetDateTime::from(shared.timeline.wall_of(Instant::now()));
    if let Some(s) = start_time {
        if s < now_wall - time::Duration::hours(24) {
            errors.push(bad(
                "start_time",
                get(&query, "start_time").unwrap_or(""),
                "Invalid 'start_time': it must be within the last 24 hours".into(),
            ));
        }
    }
    if let (Some(s), Some(e)) = (start_time, end_time) {
        if e <= s {
            errors.push(bad(
                "end_time",
                get(&query, "end_time").unwrap_or(""),
                "Invalid 'end_time': it must be after 'start_time'".into(),
            ));
        }
    }
    if end_time.is_some() && start_time.is_none() {
        errors.push((
            "start_time".into(),
            Vec::new(),
            "The `start_time` query parameter is required with `end_time`".into(),
        ));
    }
    if !errors.is_empty() {
        return invalid(shared, ctx, &errors);
    }
    let open = payload::Open {
        shared,
        app: &app,
        endpoint,
        query: &query,
    };
    let payload = match (def.kind.open)(&open) {
        Ok(p) => p,
        Err(body) => {
            ctx.error = Some("invalid fields or expansions".into());
            return h::problem(400, body.to_string(), gz);
        }
    };
    let rate_key = format!("{credential} {}", endpoint.path());
    let (fate, rate_headers) = match stream::admit(shared, ctx, endpoint, &rate_key) {
        Ok(x) => x,
        Err(resp) => return resp,
    };
    if endpoint == StreamEndpoint::V2Filtered
        && shared.rules.app(&app).snapshot().is_empty()
        && shared.config.no_rules == NoRulesPolicy::Refuse
    {
        ctx.error = Some("the app has no rules".into());
        return stream::with_headers(
            h::problem(409, problems::rule_configuration_issue().to_string(), gz),
            &rate_headers,
        );
    }
    let tl = &shared.timeline;
    let now = Instant::now();
    let (start_seq, end_seq) = match start_time {
        Some(s) => {
            let start = tl.seq_at(tl.instant_of(s.into()));
            let end = match end_time {
                Some(e) => tl.seq_at(tl.instant_of(e.into())),
                None => tl.live_seq(now),
            };
            (start, Some(end.max(start)))
        }
        None if backfill > 0 => {
            let since = now
                .checked_sub(Duration::from_secs(backfill as u64 * 60))
                .unwrap_or(tl.start)
                .max(tl.start);
            (tl.seq_at(since), None)
        }
        None => (tl.live_seq(now), None),
    };
    // The partition's connection limit is separate from the other partitions'.
    let credential = match partition {
        Some((p, _)) => format!("{credential} {}?partition={p}", endpoint.path()),
        None => format!("{credential} {}", endpoint.path()),
    };
    let spec = StreamSpec {
        endpoint,
        credential,
        payload,
        partition,
        start_seq,
        end_seq,
        fate,
        framing: Framing::Crlf,
        keep_alive: shared.config.keep_alive_v2,
        rate_headers,
    };
    stream::open(shared, ctx, spec)
}

fn valid_rule_id(s: &str) -> bool {
    !s.is_empty() && s.len() <= 19 && s.bytes().all(|b| b.is_ascii_digit())
}

/// `GET /2/tweets/search/stream/rules`.
pub(crate) fn rules_get(shared: &Arc<Shared>, ctx: &mut ReqCtx) -> Response<EmuBody> {
    let gz = shared.gzip_level(ctx.gzip);
    let (app, _) = match v2_auth(shared, ctx) {
        Ok(x) => x,
        Err(resp) => return resp,
    };
    let query = ctx.query.clone();
    let mut errors = check_known(&query, &["ids", "max_results", "pagination_token"]);
    let max = int_param(&query, "max_results", 1, 1000, &mut errors).unwrap_or(1000) as usize;
    let ids: Option<Vec<String>> =
        get(&query, "ids").map(|v| v.split(',').map(str::to_string).collect());
    if let Some(ids) = &ids {
        for id in ids.iter().filter(|i| !valid_rule_id(i)) {
            errors.push(bad(
                "ids",
                id,
                format!("The `ids` query parameter value [{id}] does not match ^[0-9]{{1,19}}$"),
            ));
        }
    }
    let offset = match get(&query, "pagination_token") {
        None => 0,
        Some(t) => {
            match (t.len() == 16)
                .then(|| usize::from_str_radix(t, 16).ok())
                .flatten()
            {
                Some(o) => o,
                None => {
                    errors.push(bad(
                    "pagination_token",
                    t,
                    format!("The `pagination_token` query parameter value [{t}] is not a valid token"),
                ));
                    0
                }
            }
        }
    };
    if !errors.is_empty() {
        return invalid(shared, ctx, &errors);
    }
    let all = shared.rules.lookup(&app, ids.as_deref());
    let page: Vec<Value> = all.iter().skip(offset).take(max).cloned().collect();
    let mut meta = json!({"sent": sent_now(shared), "result_count": page.len()});
    if offset + page.len() < all.len() {
        meta["next_token"] = json!(format!("{:016x}", offset + page.len()));
    }
    let mut body = json!({});
    if !page.is_empty() {
        body["data"] = Value::Array(page);
    }
    body["meta"] = meta;
    h::json(200, &body, gz)
}

/// The fields of a `RulesCount` (`rules_count.fields`).
const RULES_COUNT_FIELDS: &[&str] = &[
    "all_project_client_apps",
    "cap_per_client_app",
    "cap_per_project",
    "client_app_rules_count",
    "project_rules_count",
];

/// `GET /2/tweets/search/stream/rules/counts`: every field of `RulesCount`, or those
/// `rules_count.fields` names.
pub(crate) fn rules_counts(shared: &Arc<Shared>, ctx: &mut ReqCtx) -> Response<EmuBody> {
    let gz = shared.gzip_level(ctx.gzip);
    let (app, _) = match v2_auth(shared, ctx) {
        Ok(x) => x,
        Err(resp) => return resp,
    };
    let query = ctx.query.clone();
    let errors = check_known(&query, &["rules_count.fields"]);
    if !errors.is_empty() {
        return invalid(shared, ctx, &errors);
    }
    let wanted = match parse_lists(&query, &[("rules_count.fields", RULES_COUNT_FIELDS)]) {
        Ok(m) => match m.first() {
            Some(&0) | None => u64::MAX,
            Some(&m) => m,
        },
        Err(body) => {
            ctx.error = Some("invalid rules_count.fields".into());
            return h::problem(400, body.to_string(), gz);
        }
    };
    let n = shared.rules.list(&app).len();
    let cap = shared.config.max_rules;
    let app_count = json!({"client_app_id": "1", "rule_count": n});
    let values = [
        json!([app_count]),
        json!(cap),
        json!(cap),
        app_count.clone(),
        json!(n),
    ];
    let mut data = serde_json::Map::new();
    for (i, (name, v)) in RULES_COUNT_FIELDS.iter().zip(values).enumerate() {
        if wanted & (1 << i) != 0 {
            data.insert((*name).to_string(), v);
        }
    }
    h::json(200, &json!({ "data": data }), gz)
}

fn bool_param(query: &[(String, String)], name: &str, errors: &mut Vec<ParamError>) -> bool {
    match get(query, name) {
        None => false,
        Some(v) if v.eq_ignore_ascii_case("true") => true,
        Some(v) if v.eq_ignore_ascii_case("false") => false,
        Some(v) => {
            errors.push(bad(
                name,
                v,
                format!("The `{name}` query parameter value [{v}] is not one of [true,false]"),
            ));
            false
        }
    }
}

enum RulesRequest {
    Add(Vec<(String, Option<String>)>),
    Delete(DeleteSelector),
}

/// Validate the body of a rules POST. Err = the 400 body.
fn parse_rules_body(body: &[u8]) -> Result<RulesRequest, Value> {
    let v: Value = match serde_json::from_slice(body) {
        Ok(v) => v,
        Err(e) => {
            return Err(problems::invalid_request(&[(
                "body".into(),
                Vec::new(),
                format!("The request body is not valid JSON: {e}"),
            )]))
        }
    };
    let Value::Object(o) = v else {
        return Err(problems::schema_mismatch(None));
    };
    if o.len() != 1 {
        return Err(problems::schema_mismatch(None));
    }
    if let Some(add) = o.get("add") {
        let Some(items) = add.as_array().filter(|a| !a.is_empty()) else {
            return Err(problems::schema_mismatch(Some("add")));
        };
        let mut rules = Vec::with_capacity(items.len());
        for item in items {
            let Some(obj) = item.as_object() else {
                return Err(problems::schema_mismatch(Some("add")));
            };
            if obj.keys().any(|k| k != "value" && k != "tag") {
                return Err(problems::schema_mismatch(Some("add")));
            }
            let Some(value) = obj.get("value").and_then(Value::as_str) else {
                return Err(problems::schema_mismatch(Some("add")));
            };
            let tag = match obj.get("tag") {
                None | Some(Value::Null) => None,
                Some(Value::String(t)) => Some(t.clone()),
                Some(_) => return Err(problems::schema_mismatch(Some("add"))),
            };
            rules.push((value.to_string(), tag));
        }
        return Ok(RulesRequest::Add(rules));
    }
    if let Some(del) = o.get("delete") {
        let Some(obj) = del.as_object() else {
            return Err(problems::schema_mismatch(Some("delete")));
        };
        if obj.keys().any(|k| k != "ids" && k != "values") {
            return Err(problems::schema_mismatch(Some("delete")));
        }
        let list = |name: &str| -> Result<Option<Vec<String>>, Value> {
            match obj.get(name) {
                None => Ok(None),
                Some(Value::Array(a)) => a
                    .iter()
                    .map(|x| x.as_str().map(str::to_string))
                    .collect::<Option<Vec<String>>>()
                    .map(|v| if v.is_empty() { None } else { Some(v) })
                    .ok_or_else(|| problems::schema_mismatch(Some("delete"))),
                Some(_) => Err(problems::schema_mismatch(Some("delete"))),
            }
        };
        let ids = list("ids")?;
        let values = list("values")?;
        if let Some(ids) = &ids {
            if ids.iter().any(|i| !valid_rule_id(i)) {
                return Err(problems::schema_mismatch(Some("delete")));
            }
        }
        return match (ids, values) {
            (Some(i), Some(v)) => Ok(RulesRequest::Delete(DeleteSelector::Both(i, v))),
            (Some(i), None) => Ok(RulesRequest::Delete(DeleteSelector::Ids(i))),
            (None, Some(v)) => Ok(RulesRequest::Delete(DeleteSelector::Values(v))),
            (None, None) => Err(problems::schema_mismatch(Some("delete"))),
        };
    }
    Err(problems::schema_mismatch(None))
}

/// `POST /2/tweets/search/stream/rules`.
pub(crate) async fn rules_post(
    shared: &Arc<Shared>,
    ctx: &mut ReqCtx,
    body: Incoming,
) -> Response<EmuBody> {
    let gz = shared.gzip_level(ctx.gzip);
    let auth = v2_auth(shared, ctx);
    let body = match read_body(body, shared.config.max_body_bytes).await {
        Ok(b) => b,
        Err(e) => {
            ctx.error = Some(format!("request body: {e}"));
            return h::problem(413, problems::generic(413).to_string(), gz);
        }
    };
    if !body.is_empty() {
        ctx.body_text = Some(String::from_utf8_lossy(&body).into_owned());
    }
    let (app, _) = match auth {
        Ok(x) => x,
        Err(resp) => return resp,
    };
    let query = ctx.query.clone();
    let mut errors = check_known(&query, &["dry_run", "delete_all"]);
    let dry_run = bool_param(&query, "dry_run", &mut errors);
    let delete_all = bool_param(&query, "delete_all", &mut errors);
    if !errors.is_empty() {
        return invalid(shared, ctx, &errors);
    }
    let sent = sent_now(shared);
    let outcome = if delete_all {
        shared
            .rules
            .delete(&app, DeleteSelector::All, dry_run, &sent)
    } else {
        match parse_rules_body(&body) {
            Err(problem) => {
                ctx.error = Some("malformed rules request body".into());
                return h::problem(400, problem.to_string(), gz);
            }
            Ok(RulesRequest::Add(rules)) => shared.rules.add(
                &app,
                rules,
                dry_run,
                shared.config.max_rule_length,
                shared.config.max_rules,
                &sent,
            ),
            Ok(RulesRequest::Delete(sel)) => shared.rules.delete(&app, sel, dry_run, &sent),
        }
    };
    if outcome.added > 0 || outcome.deleted > 0 {
        shared.observe(|o| {
            o.counters.rules_added += outcome.added as u64;
            o.counters.rules_deleted += outcome.deleted as u64;
        });
        shared.event(Event::RulesChanged {
            app,
            added: outcome.added,
            deleted: outcome.deleted,
        });
    }
    h::json(outcome.status, &outcome.body, gz)
}
