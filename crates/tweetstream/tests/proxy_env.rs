//! The standard proxy environment variables (`ALL_PROXY`, `NO_PROXY`, …) apply when no proxy
//! is set on the builder, and an explicit `proxy(…)` wins over them.
//!
//! One test in a binary of its own: the environment is the process's, so no other test may run
//! beside it.

mod common;
use common::v1 as common_v1;

use common::{client_for, emulator, start};
use common_v1::proxies::{RecordingProxy, Socks5Proxy};

#[tokio::test]
async fn proxy_environment_variables_apply_unless_a_proxy_is_set() {
    let emu = start(emulator()).await;
    let socks = Socks5Proxy::start(None).await;
    for var in [
        "HTTP_PROXY",
        "http_proxy",
        "HTTPS_PROXY",
        "https_proxy",
        "NO_PROXY",
        "no_proxy",
    ] {
        std::env::remove_var(var);
    }
    std::env::set_var("ALL_PROXY", socks.url(None));

    // No proxy on the builder: ALL_PROXY carries the rules call.
    let client = client_for(&emu).build().unwrap();
    client.get_rules(&[] as &[&str]).await.unwrap();
    assert_eq!(socks.log().targets, [emu.addr().to_string()]);

    // NO_PROXY exempts the host: the call goes direct.
    std::env::set_var("NO_PROXY", "127.0.0.1");
    let client = client_for(&emu).build().unwrap();
    client.get_rules(&[] as &[&str]).await.unwrap();
    assert_eq!(socks.log().targets.len(), 1, "NO_PROXY is honoured");
    std::env::remove_var("NO_PROXY");

    // An explicit proxy wins over the environment.
    let http = RecordingProxy::start(emu.addr()).await;
    let client = client_for(&emu).proxy(http.url.clone()).build().unwrap();
    client.get_rules(&[] as &[&str]).await.unwrap();
    assert_eq!(socks.log().targets.len(), 1, "ALL_PROXY is not used");
    assert_eq!(http.request_lines().len(), 1);

    std::env::remove_var("ALL_PROXY");
    assert_eq!(emu.requests().len(), 3);
}
