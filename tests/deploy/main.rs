//! The deployment template and the code agree: every function binary has its function in
//! `infra/template.yaml` and the other way round; every environment variable a function reads is
//! set for it there; every API route in the code is routed to the function that serves it.

#[path = "../common/mod.rs"]
mod common;

use functions::config::{Needed, VARIABLES};
use serde_yaml::Value;
use std::collections::{BTreeMap, BTreeSet};

fn template() -> Value {
    let text = std::fs::read_to_string(common::workspace_root().join("infra/template.yaml"))
        .expect("read the template");
    serde_yaml::from_str(&text).expect("parse the template")
}

/// The function binaries: every file in `functions/src/bin/` but the local server.
fn binaries() -> BTreeSet<String> {
    std::fs::read_dir(common::workspace_root().join("functions/src/bin"))
        .expect("read functions/src/bin")
        .filter_map(|e| e.ok()?.path().file_stem()?.to_str().map(str::to_owned))
        .filter(|name| name != "local")
        .collect()
}

fn resources(t: &Value) -> &serde_yaml::Mapping {
    t["Resources"].as_mapping().expect("Resources")
}

/// Function resources by the binary their code comes from (`../target/lambda/<bin>/bootstrap.zip`).
fn functions_by_binary(t: &Value) -> BTreeMap<String, (String, Value)> {
    let mut out = BTreeMap::new();
    for (name, r) in resources(t) {
        if r["Type"] != "AWS::Serverless::Function" {
            continue;
        }
        let uri = r["Properties"]["CodeUri"].as_str().expect("CodeUri");
        let bin = uri
            .strip_prefix("../target/lambda/")
            .and_then(|rest| rest.strip_suffix("/bootstrap.zip"))
            .unwrap_or_else(|| {
                panic!("{name:?}: CodeUri {uri} is not a cargo lambda build output")
            });
        let previous = out.insert(
            bin.to_owned(),
            (name.as_str().expect("name").to_owned(), r.clone()),
        );
        assert!(previous.is_none(), "two functions built from {bin}");
    }
    out
}

#[test]
fn every_function_binary_has_exactly_one_function_in_the_template_and_back() {
    let t = template();
    let in_template: BTreeSet<String> = functions_by_binary(&t).into_keys().collect();
    assert_eq!(
        in_template,
        binaries(),
        "binaries in functions/src/bin (left: template)"
    );
    for (bin, (name, r)) in functions_by_binary(&t) {
        let arch = &t["Globals"]["Function"]["Architectures"];
        let runtime = &t["Globals"]["Function"]["Runtime"];
        let own_arch = &r["Properties"]["Architectures"];
        assert!(
            own_arch.is_null() || own_arch == arch,
            "{name} ({bin}) overrides the architecture"
        );
        assert_eq!(runtime.as_str(), Some("provided.al2023"));
        assert_eq!(arch[0].as_str(), Some("arm64"));
    }
}

fn env_names(v: &Value) -> BTreeSet<String> {
    v["Environment"]["Variables"]
        .as_mapping()
        .map(|m| {
            m.keys()
                .filter_map(|k| k.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn every_variable_a_function_reads_is_set_for_it_and_local_overrides_are_not() {
    let t = template();
    let global = env_names(&t["Globals"]["Function"]);
    for (bin, (name, r)) in functions_by_binary(&t) {
        let set: BTreeSet<String> = global
            .union(&env_names(&r["Properties"]))
            .cloned()
            .collect();
        for (var, needed) in VARIABLES {
            let must = match needed {
                Needed::ByAll => true,
                Needed::By(list) => list.contains(&bin.as_str()),
                Needed::LocalOnly => {
                    assert!(
                        !set.contains(*var),
                        "{name} sets {var}, which is for local runs only"
                    );
                    continue;
                }
            };
            if must {
                assert!(
                    set.contains(*var),
                    "{name} ({bin}) reads {var} but the template does not set it"
                );
            }
        }
    }
}

#[test]
fn the_functions_read_the_environment_only_through_the_declared_variables() {
    fn walk(dir: &std::path::Path, hits: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).expect("read dir").flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, hits);
            } else if path.extension().is_some_and(|e| e == "rs") && !path.ends_with("config.rs") {
                let text = std::fs::read_to_string(&path).expect("read");
                for line in text.lines().filter(|l| l.contains("env::var")) {
                    hits.push(format!("{}: {}", path.display(), line.trim()));
                }
            }
        }
    }
    let mut hits = Vec::new();
    walk(&common::workspace_root().join("functions/src"), &mut hits);
    for hit in hits {
        assert!(
            hit.contains("crate::config::") || hit.contains("config::"),
            "reads the environment outside config: {hit}"
        );
    }
}

/// An HttpApi route key's path matches a request path (`{x}` one segment, `{x+}` the rest).
fn route_matches(route: &str, path: &str) -> bool {
    let (r, p): (Vec<&str>, Vec<&str>) = (
        route.trim_matches('/').split('/').collect(),
        path.trim_matches('/').split('/').collect(),
    );
    for (i, seg) in r.iter().enumerate() {
        if seg.starts_with('{') && seg.ends_with("+}") {
            return p.len() > i;
        }
        match p.get(i) {
            Some(ps) if seg.starts_with('{') || seg == ps => {}
            _ => return false,
        }
    }
    r.len() == p.len()
}

/// How specific a route is: API Gateway prefers literal segments, then parameters, then greedy.
fn specificity(route: &str) -> (usize, usize) {
    let segs: Vec<&str> = route.trim_matches('/').split('/').collect();
    let literal = segs.iter().filter(|s| !s.starts_with('{')).count();
    let greedy = segs.iter().any(|s| s.ends_with("+}"));
    (literal, usize::from(!greedy))
}

#[test]
fn every_api_route_in_the_code_is_routed_to_the_function_that_serves_it() {
    let t = template();
    // (method, path, function binary) for every HttpApi event in the template.
    let mut routes = Vec::new();
    for (bin, (_, r)) in functions_by_binary(&t) {
        if let Some(events) = r["Properties"]["Events"].as_mapping() {
            for (_, e) in events {
                if e["Type"] == "HttpApi" {
                    let p = &e["Properties"];
                    routes.push((
                        p["Method"].as_str().expect("Method").to_uppercase(),
                        p["Path"].as_str().expect("Path").to_owned(),
                        bin.clone(),
                    ));
                }
            }
        }
    }
    let mut checked = 0;
    for (area, area_routes) in functions::http::AREAS {
        let (_, doc) = area_routes().split_for_parts();
        for (path, item) in doc.paths.paths {
            let concrete = path
                .replace("{id}", "01ARZ3NDEKTSV4RRFFQ69G5FAV")
                .replace("{token}", "tok");
            for method in ["GET", "POST", "PUT", "PATCH", "DELETE"] {
                let has = match method {
                    "GET" => item.get.is_some(),
                    "POST" => item.post.is_some(),
                    "PUT" => item.put.is_some(),
                    "PATCH" => item.patch.is_some(),
                    _ => item.delete.is_some(),
                };
                if !has {
                    continue;
                }
                let best = routes
                    .iter()
                    .filter(|(m, r, _)| (m == method || m == "ANY") && route_matches(r, &concrete))
                    .max_by_key(|(m, r, _)| (specificity(r), usize::from(m != "ANY")));
                let (_, route, bin) = best.unwrap_or_else(|| {
                    panic!("{method} {path} ({area}) is not routed by the template")
                });
                assert_eq!(
                    bin, area,
                    "{method} {path} is served by {area} but the template routes it ({route}) to {bin}"
                );
                checked += 1;
            }
        }
    }
    assert!(checked >= 13, "checked {checked} operations");
}

#[test]
fn the_route_matcher_follows_api_gateway() {
    assert!(route_matches(
        "/api/clients/{proxy+}",
        "/api/clients/x/invite"
    ));
    assert!(!route_matches("/api/clients/{proxy+}", "/api/clients"));
    assert!(route_matches("/api/me", "/api/me"));
    assert!(!route_matches("/api/me", "/api/me/x"));
    assert!(route_matches("/api/clients/{id}", "/api/clients/x"));
    assert!(specificity("/api/me") > specificity("/api/{proxy+}"));
}

/// CloudFront sends the same Content-Security-Policy as the local server, with only the API's
/// origins added to `connect-src` and the media bucket's to where files are put, shown and
/// played; and the other security headers.
#[test]
fn the_site_s_headers_are_the_local_server_s() {
    let t = template();
    let config = &resources(&t)["SiteHeaders"]["Properties"]["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"];
    // `!Sub "..."` reads as a tagged string.
    let csp = match &config["ContentSecurityPolicy"]["ContentSecurityPolicy"] {
        Value::Tagged(sub) => sub.value.as_str(),
        _ => None,
    }
    .expect("the policy, as !Sub");
    let api = " https://*.execute-api.${AWS::Region}.amazonaws.com \
        wss://*.execute-api.${AWS::Region}.amazonaws.com";
    let media = " https://sideline-${Stage}-media-${AWS::AccountId}-${AWS::Region}.s3.${AWS::Region}.amazonaws.com";
    let expected = functions::http::CONTENT_SECURITY_POLICY
        .replace(
            "connect-src 'self'",
            &format!("connect-src 'self'{api}{media}"),
        )
        .replace(
            "img-src 'self' data: blob:",
            &format!("img-src 'self' data: blob:{media}"),
        )
        .replace(
            "media-src 'self' blob:",
            &format!("media-src 'self' blob:{media}"),
        );
    // The bucket the functions are given is the one the policy names.
    let bucket = match &resources(&t)["MediaBucket"]["Properties"]["BucketName"] {
        Value::Tagged(sub) => sub.value.as_str(),
        _ => None,
    }
    .expect("the media bucket's name, as !Sub");
    assert!(media.contains(&format!("https://{bucket}.s3.")), "{bucket}");
    assert_eq!(csp, expected);
    for header in [
        "ContentTypeOptions",
        "FrameOptions",
        "ReferrerPolicy",
        "StrictTransportSecurity",
    ] {
        assert!(!config[header].is_null(), "{header}");
    }
    let behavior = &resources(&t)["SiteDistribution"]["Properties"]["DistributionConfig"]["DefaultCacheBehavior"];
    assert!(!behavior["ResponseHeadersPolicyId"].is_null());
}
