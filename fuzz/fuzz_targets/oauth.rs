//! OAuth 1.0a: signing arbitrary parameters always gives a header the verifier accepts with
//! the same secrets; verifying arbitrary `Authorization` headers never panics.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use tweetstream::oauth::{authorization_header, parse_authorization_header, verify, Credentials};

#[derive(Arbitrary, Debug)]
struct Input {
    path: String,
    query: Vec<(String, String)>,
    form: Vec<(String, String)>,
    keys: [String; 4],
    nonce: String,
    timestamp: u64,
    header: String,
}

fuzz_target!(|i: Input| {
    // Arbitrary headers: parse and verify, never a panic.
    let _ = parse_authorization_header(&i.header);
    let url = match url::Url::parse("http://127.0.0.1/")
        .and_then(|u| u.join(&i.path.replace(['#', '?'], "")))
    {
        Ok(mut u) => {
            if !i.query.is_empty() {
                u.query_pairs_mut().extend_pairs(&i.query);
            }
            u
        }
        Err(_) => return,
    };
    let _ = verify("GET", &url, &i.form, &i.header, &i.keys[1], &i.keys[3]);
    // Signing, then verifying with the same secrets.
    let creds = Credentials::new(&i.keys[0], &i.keys[1], &i.keys[2], &i.keys[3]);
    if creds.check().is_err() {
        return;
    }
    if i.nonce.is_empty() {
        return;
    }
    let header = authorization_header("POST", &url, &i.form, &creds, &i.nonce, i.timestamp);
    let checked = verify("POST", &url, &i.form, &header, &i.keys[1], &i.keys[3]);
    assert!(checked.is_ok(), "{header}: {checked:?}");
});
