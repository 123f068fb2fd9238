//! Test vectors shared by the signing, verification and credentials tests: X's "Creating a
//! signature" example (vector A).

use super::Credentials;

pub(super) fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

pub(super) fn url(s: &str) -> url::Url {
    url::Url::parse(s).expect("test URL parses")
}

// X's "Creating a signature" page.
pub(super) const A_CONSUMER_KEY: &str = "xvz1evFS4wEEPTGEFPHBog";

pub(super) const A_CONSUMER_SECRET: &str = "kAcSOqF21Fu85e7zjz7ZN2U4ZRhfV3WpwPAoE3Z7kBw";

pub(super) const A_TOKEN: &str = "370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb";

pub(super) const A_TOKEN_SECRET: &str = "LswwdoUaIvS8ltyTt5jkRh4J50vUPVVHtR2YPi5kE";

pub(super) const A_NONCE: &str = "kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg";

pub(super) const A_TIMESTAMP: u64 = 1318622958;

pub(super) const A_STATUS: &str = "Hello Ladies + Gentlemen, a signed OAuth request!";

pub(super) fn a_creds() -> Credentials {
    Credentials::new(A_CONSUMER_KEY, A_CONSUMER_SECRET, A_TOKEN, A_TOKEN_SECRET)
}

pub(super) fn a_oauth_params() -> Vec<(String, String)> {
    pairs(&[
        ("oauth_consumer_key", A_CONSUMER_KEY),
        ("oauth_nonce", A_NONCE),
        ("oauth_signature_method", "HMAC-SHA1"),
        ("oauth_timestamp", "1318622958"),
        ("oauth_token", A_TOKEN),
        ("oauth_version", "1.0"),
    ])
}

pub(super) const A1_BASE: &str = "POST&https%3A%2F%2Fapi.twitter.com%2F1.1%2Fstatuses%2Fupdate.json&include_entities%3Dtrue%26oauth_consumer_key%3Dxvz1evFS4wEEPTGEFPHBog%26oauth_nonce%3DkYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D1318622958%26oauth_token%3D370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb%26oauth_version%3D1.0%26status%3DHello%2520Ladies%2520%252B%2520Gentlemen%252C%2520a%2520signed%2520OAuth%2520request%2521";

pub(super) fn a_header(signature_encoded: &str) -> String {
    format!(
        "OAuth oauth_consumer_key=\"xvz1evFS4wEEPTGEFPHBog\", oauth_nonce=\"kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg\", oauth_signature=\"{signature_encoded}\", oauth_signature_method=\"HMAC-SHA1\", oauth_timestamp=\"1318622958\", oauth_token=\"370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb\", oauth_version=\"1.0\""
    )
}
