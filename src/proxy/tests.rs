//! The proxy's decisions: callers, origins, actions, bodies, ownership, refusals.

use super::*;

const SECRET: &[u8] = b"an example token secret of 32+ bytes, for tests only";
const KEY: &[u8] = b"Gu5t9xGARNpq86cd98joQYCN3EXAMPLE";

fn gates(tokens: &[&str], origins: &[&str]) -> Gates {
    Gates {
        proxy_tokens: tokens.iter().map(|s| s.to_string()).collect(),
        allow_origins: origins.iter().map(|s| s.to_string()).collect(),
        handle_secret: Some(KEY.to_vec()),
        ..Gates::default()
    }
}

fn policy(g: Gates) -> ProxyPolicy {
    ProxyPolicy::new(default_actions(), g, Limits::default(), DEFAULT_MAX_BODY_BYTES, "/".into()).unwrap()
}

fn post<'a>(auth: Option<&'a str>, origin: Option<&'a str>, action: Option<&'a str>) -> Incoming<'a> {
    Incoming { method: "POST", path: "/", origin, authorization: auth, action, content_length: Some(20) }
}

fn who(p: &ProxyPolicy, auth: Option<&str>, origin: Option<&str>) -> Result<Caller, (u16, &'static str)> {
    match p.identify(auth, origin, 1_000_000) {
        Identity::Caller(c) => Ok(c),
        Identity::Refuse(r) => Err((r.status, r.code)),
        Identity::Authorize => Err((0, "authorize")),
    }
}

const TOKEN: &str = "static-token-0123456789";

#[test]
fn static_tokens_are_checked_and_each_is_one_subject() {
    let p = policy(gates(&[TOKEN, "other-token-0123456789"], &[]));
    let a = who(&p, Some(&format!("Bearer {TOKEN}")), None).unwrap();
    assert!(a.subject.starts_with("token:") && !a.subject.contains(TOKEN), "{}", a.subject);
    let b = who(&p, Some("bearer other-token-0123456789"), None).unwrap();
    assert_ne!(a.subject, b.subject, "one subject per token");
    assert_eq!(who(&p, Some(&format!("BEARER   {TOKEN} ")), None).unwrap(), a, "the scheme in any case");
    for bad in
        [None, Some("Bearer wrong-token-0123456789"), Some(TOKEN), Some("Basic x"), Some("Bearer "), Some("Bearer")]
    {
        assert_eq!(who(&p, bad, None), Err((401, "AuthFailure.InvalidAuthorization")), "{bad:?}");
    }
}

#[test]
fn minted_tokens_carry_their_subject_actions_and_limits() {
    let g = Gates { token_secrets: vec![SECRET.to_vec()], ..gates(&[], &["https://app.example"]) };
    let p = policy(g);
    let claims = token::Claims {
        subject: "user-1".into(),
        expires: 1_000_900,
        actions: Some(vec!["DescribeAigcVideoTask".into()]),
        limits: PartialLimits { creates_per_day: Some(3), ..PartialLimits::default() },
    };
    let bearer = format!("Bearer {}", token::mint(SECRET, &claims));
    let c = who(&p, Some(&bearer), Some("https://app.example")).unwrap();
    assert_eq!(c.subject, "user-1");
    assert_eq!(c.limits, Limits { creates_per_day: 3, ..Limits::default() });
    let create = post(None, Some("https://app.example"), Some("CreateAigcVideoTask"));
    assert_eq!(p.admit(&c, &create).unwrap_err().status, 403, "narrower actions");
    let describe = post(None, Some("https://app.example"), Some("DescribeAigcVideoTask"));
    assert_eq!(p.admit(&c, &describe).unwrap(), "DescribeAigcVideoTask");
    // Expired says so; forged and malformed do not get that far.
    let expired = format!("Bearer {}", token::mint(SECRET, &token::Claims { expires: 1, ..claims.clone() }));
    assert_eq!(who(&p, Some(&expired), None), Err((401, "AuthFailure.ProxyTokenExpired")));
    let forged = format!("Bearer {}", token::mint(b"an attacker's secret, also 32 bytes long...", &claims));
    assert_eq!(who(&p, Some(&forged), None), Err((401, "AuthFailure.InvalidAuthorization")));
}

#[test]
fn anonymous_callers_come_only_from_allowed_origins_as_one_subject() {
    let p =
        policy(Gates { anonymous: true, handle_secret: Some(KEY.to_vec()), ..gates(&[], &["https://app.example"]) });
    assert_eq!(who(&p, None, Some("https://app.example")).unwrap().subject, ANONYMOUS);
    assert_eq!(who(&p, None, Some("https://evil.example")).unwrap_err().0, 403);
    assert_eq!(who(&p, None, None).unwrap_err().0, 401, "no Origin, no entry");
    assert_eq!(who(&p, None, Some("null")).unwrap_err().0, 403);
}

#[test]
fn an_authorize_hook_decides_about_callers_without_a_token_of_the_proxys() {
    let g = Gates { authorize: true, token_secrets: vec![SECRET.to_vec()], ..gates(&[TOKEN], &[]) };
    let p = policy(g);
    assert_eq!(who(&p, None, Some("https://any.example")), Err((0, "authorize")));
    // The app's own credentials: a JWT from its identity provider, another scheme, a wrong static token.
    for theirs in
        ["Bearer eyJhbGciOiJSUzI1NiJ9.e30.c2ln", "Basic dXNlcjpwYXNz", "Bearer", "Bearer wrong-token-0123456789"]
    {
        assert_eq!(who(&p, Some(theirs), None), Err((0, "authorize")), "{theirs}");
    }
    // The proxy's own are decided here: a forged or expired minted token never reaches the hook.
    assert!(who(&p, Some(&format!("Bearer {TOKEN}")), None).unwrap().subject.starts_with("token:"));
    let claims = token::Claims { subject: "u".into(), expires: 1, actions: None, limits: PartialLimits::default() };
    let expired = format!("Bearer {}", token::mint(SECRET, &claims));
    assert_eq!(who(&p, Some(&expired), None), Err((401, "AuthFailure.ProxyTokenExpired")));
    let forged = format!("Bearer {}", token::mint(b"an attacker's secret, also 32 bytes long...", &claims));
    for ours in [forged.as_str(), "Bearer mps1.", "Bearer mps1.not-a-token"] {
        assert_eq!(who(&p, Some(ours), None), Err((401, "AuthFailure.InvalidAuthorization")), "{ours}");
    }
    // Without tokenSecret, `mps1.` is still the proxy's form, never the hook's.
    let hook_only = policy(Gates { authorize: true, ..gates(&[], &[]) });
    assert_eq!(who(&hook_only, Some(&forged), None).unwrap_err().0, 401);
    assert_eq!(who(&hook_only, Some("Bearer not-a-token-0123456789"), None), Err((0, "authorize")));
}

#[test]
fn setups_that_would_sign_for_anyone_are_refused() {
    let refuse = |g: Gates| ProxyPolicy::new(default_actions(), g, Limits::default(), 1024, "/".into()).unwrap_err();
    assert_eq!(refuse(gates(&[], &[])).code(), "InvalidParameter", "no caller check");
    assert_eq!(refuse(gates(&[], &["https://app.example"])).code(), "InvalidParameter", "origins alone");
    assert_eq!(refuse(gates(&[], &["*"])).code(), "InvalidParameter");
    let anonymous_any = Gates { anonymous: true, ..gates(&[], &["*"]) };
    assert!(refuse(anonymous_any).message().starts_with("allowAnonymous"));
    let anonymous_nowhere = Gates { anonymous: true, ..gates(&[], &[]) };
    assert!(refuse(anonymous_nowhere).message().starts_with("allowAnonymous"));
    let short = Gates { token_secrets: vec![b"short".to_vec()], ..gates(&[], &[]) };
    assert!(refuse(short).message().starts_with("tokenSecret must be at least 32 bytes"));
    let rotating_keys = Gates { handle_secret: None, ..gates(&[TOKEN], &[]) };
    assert!(refuse(rotating_keys).message().starts_with("tokenSecret is required with a credentials function"));
    // "*" with a real check is fine: the token is the gate, CORS only lets browsers read answers.
    assert!(ProxyPolicy::new(default_actions(), gates(&[TOKEN], &["*"]), Limits::default(), 1024, "/".into()).is_ok());
    assert!(!format!("{:?}", policy(gates(&["very-secret-token-0123"], &[]))).contains("very-secret"));
}

#[test]
fn a_path_that_urls_would_rewrite_is_refused_naming_path() {
    let with_path =
        |path: &str| ProxyPolicy::new(default_actions(), gates(&[TOKEN], &[]), Limits::default(), 1024, path.into());
    for good in ["/", "/api/mps", "/a//b/", "/v1.2/x..y/.well-known", "/%41%zz", "/a~b!$&'()*+,;=:@|"] {
        assert!(with_path(good).is_ok(), "{good}");
    }
    let bad = [
        "api",
        "",
        "/a/../",
        "/a/./b",
        "/..",
        "/a/.",
        "/a/%2e/",
        "/a/%2E%2e",
        "/a/.%2e/",
        "/a\\b",
        "/a?b",
        "/a#b",
        "/a b",
        "/a\tb",
        "/caf\u{e9}",
        "/a^b",
        "/a{b}",
        "/a`b",
        "/a\"b",
        "/a<b>",
    ];
    for path in bad {
        let e = with_path(path).unwrap_err();
        assert!(e.message().starts_with("path must"), "{path:?}: {}", e.message());
        assert_eq!(e.code(), "InvalidParameterValue", "{path:?}");
    }
}

#[test]
fn origins_bind_browsers() {
    let p = policy(gates(&[TOKEN], &["https://app.example"]));
    let c = who(&p, Some(&format!("Bearer {TOKEN}")), None).unwrap();
    assert!(p.admit(&c, &post(None, Some("https://app.example"), Some("DescribeAigcVideoTask"))).is_ok());
    let other = post(None, Some("https://evil.example"), Some("DescribeAigcVideoTask"));
    assert_eq!(p.admit(&c, &other).unwrap_err().code, "AuthFailure.UnauthorizedOperation");
    assert!(p.admit(&c, &post(None, None, Some("DescribeAigcVideoTask"))).is_ok(), "a server has no Origin");
}

#[test]
fn preflights_are_answered_for_allowed_origins_only() {
    let p = policy(gates(&[TOKEN], &["https://app.example"]));
    let mut req = post(None, Some("https://app.example"), None);
    req.method = "OPTIONS";
    assert_eq!(p.head(&req), Head::Preflight);
    req.origin = Some("https://evil.example");
    assert!(matches!(p.head(&req), Head::Refuse(r) if r.status == 403));
    assert_eq!(p.cors_origin(Some("https://app.example")).as_deref(), Some("https://app.example"));
    assert_eq!(p.cors_origin(Some("https://evil.example")), None);
    let any = policy(gates(&[TOKEN], &["*"]));
    assert_eq!(any.cors_origin(Some("https://x.example")).as_deref(), Some("https://x.example"));
}

#[test]
fn actions_methods_paths_and_sizes() {
    let p = policy(gates(&[TOKEN], &[]));
    let c = who(&p, Some(&format!("Bearer {TOKEN}")), None).unwrap();
    assert_eq!(p.admit(&c, &post(None, None, None)).unwrap_err().code, "MissingParameter");
    assert_eq!(p.admit(&c, &post(None, None, Some("DeleteEverything"))).unwrap_err().status, 403);
    assert_eq!(p.admit(&c, &post(None, None, Some("CreateAigcVideoTask\r\nX: y"))).unwrap_err().status, 403);
    for action in default_actions() {
        assert!(p.admit(&c, &post(None, None, Some(&action))).is_ok(), "{action} is allowed by default");
    }
    assert_eq!(default_actions().len(), 6);
    for method in ["GET", "PUT", "DELETE", "PATCH", "HEAD", "TRACE", "CONNECT"] {
        let mut req = post(None, None, Some("CreateAigcVideoTask"));
        req.method = method;
        assert!(matches!(p.head(&req), Head::Refuse(r) if r.status == 405), "{method}");
    }
    for path in ["/x", "//", "/../", "/mps.tencentcloudapi.com", ""] {
        let mut req = post(None, None, Some("CreateAigcVideoTask"));
        req.path = path;
        assert!(matches!(p.head(&req), Head::Refuse(r) if r.status == 404), "{path:?}");
    }
    let mut big = post(None, None, Some("CreateAigcVideoTask"));
    big.content_length = Some(DEFAULT_MAX_BODY_BYTES as u64 + 1);
    assert_eq!(p.admit(&c, &big).unwrap_err().code, "RequestSizeLimitExceeded");
}

#[test]
fn bodies_must_be_small_json_objects_without_a_bucket_of_the_callers() {
    let p = policy(gates(&[TOKEN], &[]));
    let c = who(&p, Some(&format!("Bearer {TOKEN}")), None).unwrap();
    let check = |body: &[u8], allowed| p.check_body("CreateAigcVideoTask", body, &c, allowed);
    assert_eq!(check(br#"{"Prompt":"x"}"#, false), BodyVerdict::Forward(None));
    for bad in [&b"[1]"[..], b"not json", b"{}{}"] {
        assert!(matches!(check(bad, false), BodyVerdict::Refuse(r) if r.status == 400));
    }
    assert!(matches!(check(&vec![b' '; DEFAULT_MAX_BODY_BYTES + 1], false), BodyVerdict::Refuse(r) if r.status == 413));
    let cos = br#"{"Prompt":"x","StoreCosParam":{"CosBucketName":"attacker-1250000000"}}"#;
    assert!(matches!(check(cos, false), BodyVerdict::Refuse(r) if r.message.starts_with("StoreCosParam")));
    assert_eq!(check(cos, true), BodyVerdict::Forward(None), "a custom checkBody decides");
}

#[test]
fn each_caller_describes_only_its_own_tasks() {
    let p = policy(gates(&[TOKEN, "other-token-0123456789"], &[]));
    let alice = who(&p, Some(&format!("Bearer {TOKEN}")), None).unwrap();
    let bob = who(&p, Some("Bearer other-token-0123456789"), None).unwrap();
    let answer = br#"{"Response":{"TaskId":"4-AigcVideo-abc","RequestId":"r"}}"#;
    let sealed = String::from_utf8(p.seal_answer("CreateAigcVideoTask", &alice, answer).unwrap()).unwrap();
    let handle =
        serde_json::from_str::<serde_json::Value>(&sealed).unwrap()["Response"]["TaskId"].as_str().unwrap().to_owned();
    assert!(handle.starts_with("4-AigcVideo-abc~"), "{handle}");
    let describe = |who: &Caller, id: &str| {
        p.check_body("DescribeAigcVideoTask", format!(r#"{{"TaskId":"{id}"}}"#).as_bytes(), who, false)
    };
    assert_eq!(describe(&alice, &handle), BodyVerdict::Forward(Some(br#"{"TaskId":"4-AigcVideo-abc"}"#.to_vec())));
    assert_eq!(describe(&bob, &handle), BodyVerdict::NotFound, "another subject's task");
    assert_eq!(describe(&alice, "4-AigcVideo-abc"), BodyVerdict::NotFound, "a bare TaskId, never made here");
    assert_eq!(describe(&alice, &format!("{handle}x")), BodyVerdict::NotFound, "a forged handle");
    // Garbled and cut-off answers that name the task are sealed too.
    let cut = br#"{"Response":{"TaskId":"4-AigcImage-9","Req"#;
    let sealed = String::from_utf8(p.seal_answer("CreateAigcImageTask", &alice, cut).unwrap()).unwrap();
    assert!(sealed.contains("\"4-AigcImage-9~"), "{sealed}");
    // An id written with escapes (which JSON allows) is sealed as the id it spells, in answers
    // that are not even UTF-8: only the id's own string changes.
    let (prefix, suffix) = (br#"{"Response":{"TaskId":"#, b",\"Message\":\"\xff\",\"RequestId\":\"r\"}}");
    let escaped = [&prefix[..], br#""4-AigcVideo-\u0061bc""#, suffix].concat();
    let sealed = p.seal_answer("CreateAigcVideoTask", &alice, &escaped).unwrap();
    let expected = [&prefix[..], b"\"", handle.as_bytes(), b"\"", suffix].concat();
    assert_eq!(sealed, expected, "{}", String::from_utf8_lossy(&sealed));
    // An id with a quote or a backslash in it stays one JSON string, and its handle opens to it.
    for raw in [r#"4-Aigc\"Video-1"#, r#"a\",\"Injected\":\"1"#, r#"4-AigcVideo\\"#] {
        let answer = [r#"{"Response":{"TaskId":""#, raw, r#"","RequestId":"r"}}"#].concat();
        let sealed = p.seal_answer("CreateAigcVideoTask", &alice, answer.as_bytes()).unwrap();
        let read: serde_json::Value = serde_json::from_slice(&sealed).expect("still JSON");
        let response = read["Response"].as_object().unwrap();
        assert_eq!(response.keys().collect::<Vec<_>>(), ["TaskId", "RequestId"], "{raw}: nothing injected");
        let id = serde_json::from_str::<String>(&["\"", raw, "\""].concat()).unwrap();
        let handle = response["TaskId"].as_str().unwrap();
        let body = serde_json::json!({ "TaskId": handle }).to_string();
        let forwarded = serde_json::json!({ "TaskId": id }).to_string().into_bytes();
        assert_eq!(
            p.check_body("DescribeAigcVideoTask", body.as_bytes(), &alice, false),
            BodyVerdict::Forward(Some(forwarded))
        );
    }
    assert_eq!(p.seal_answer("DescribeAigcVideoTask", &alice, answer), None, "only creates are sealed");
    // The same handles from another proxy (a restart, another isolate) with the same secret.
    let again = policy(gates(&[TOKEN], &[]));
    assert!(matches!(
        again.check_body("DescribeAigcVideoTask", format!(r#"{{"TaskId":"{handle}"}}"#).as_bytes(), &alice, false),
        BodyVerdict::Forward(Some(_))
    ));
}

#[test]
fn refusals_have_the_api_shape() {
    let r = quota_spent(Class::Create, 1500.0);
    assert_eq!((r.status, r.code, r.retry_after_s), (429, "RequestLimitExceeded.ProxyQuota", Some(2)));
    let body: serde_json::Value = serde_json::from_str(&r.body("p-1")).unwrap();
    assert_eq!(body["Response"]["Error"]["Code"], "RequestLimitExceeded.ProxyQuota");
    assert_eq!(body["Response"]["RequestId"], "p-1");
    let parsed = crate::envelope::parse(401, unauthorized("no").body("p-1").as_bytes()).unwrap_err();
    assert_eq!((parsed.code(), parsed.http_status()), ("AuthFailure.InvalidAuthorization", Some(401)));
    let nf: serde_json::Value = serde_json::from_str(&ProxyPolicy::not_found("p-2")).unwrap();
    assert_eq!(nf["Response"]["Error"]["Code"], "FailedOperation.TaskNotFound");
    for (status, ok) in [
        (200, true),
        (400, true),
        (599, true),
        (204, false),
        (205, false),
        (302, false),
        (304, false),
        (600, false),
        (999, false),
        (101, false),
    ] {
        assert_eq!(passable_status(status), ok, "{status}");
    }
}
