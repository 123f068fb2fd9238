//! TLS settings against a real TLS server on 127.0.0.1 (rustls, with a certificate made for
//! the test) that forwards to the emulator: an unknown authority is refused, a root given as
//! PEM text or as a bundle file is trusted by streams and rules calls alike, bad roots fail at
//! `build()`, and `danger_accept_invalid_certs` skips the check.

mod common;
use common::v1 as common_v1;

use std::net::SocketAddr;
use std::sync::Arc;

use common::{client_for, emulator, ids_sent, start, take_tweets};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio_rustls::rustls::{self, ServerConfig};
use tokio_rustls::TlsAcceptor;
use tweetstream::{ConnectionErrorKind, Error, StreamParams, StreamRule};

/// A TLS server for `127.0.0.1` with a self-signed certificate, forwarding every connection
/// to `upstream` (the emulator, plain HTTP).
struct TlsFront {
    addr: SocketAddr,
    /// The certificate clients must trust, as PEM.
    ca_pem: String,
    task: tokio::task::JoinHandle<()>,
}

impl TlsFront {
    async fn start(upstream: SocketAddr) -> TlsFront {
        let key = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_string()]).unwrap();
        let ca_pem = key.cert.pem();
        let chain = vec![CertificateDer::from(key.cert.der().to_vec())];
        let der = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.signing_key.serialize_der()));
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(chain, der)
            .unwrap();
        let acceptor = TlsAcceptor::from(Arc::new(config));
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let task = tokio::spawn(async move {
            while let Ok((tcp, _)) = listener.accept().await {
                let acceptor = acceptor.clone();
                tokio::spawn(async move {
                    // A client that refuses the certificate ends the handshake: nothing to do.
                    let Ok(mut tls) = acceptor.accept(tcp).await else {
                        return;
                    };
                    let Ok(mut server) = TcpStream::connect(upstream).await else {
                        return;
                    };
                    let _ = tokio::io::copy_bidirectional(&mut tls, &mut server).await;
                });
            }
        });
        TlsFront { addr, ca_pem, task }
    }

    fn base(&self) -> String {
        format!("https://{}", self.addr)
    }
}

impl Drop for TlsFront {
    fn drop(&mut self) {
        self.task.abort();
    }
}

#[tokio::test]
async fn an_unknown_authority_is_refused_before_any_request() {
    let emu = start(emulator()).await;
    let tls = TlsFront::start(emu.addr()).await;
    let client = client_for(&emu).api_base(tls.base()).build().unwrap();
    let err = client.get_rules(&[] as &[&str]).await.unwrap_err();
    let Error::Connection(ce) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(ce.kind, ConnectionErrorKind::Connect);
    assert!(
        ce.message.contains("certificate"),
        "the reason is given: {ce}"
    );
    assert!(emu.requests().is_empty());
}

#[tokio::test]
async fn a_trusted_root_serves_the_stream_and_the_rules_calls() {
    let emu = start(emulator().rate(500.0)).await;
    let tls = TlsFront::start(emu.addr()).await;
    let client = client_for(&emu)
        .api_base(tls.base())
        .add_root_certificate_pem(tls.ca_pem.clone())
        .build()
        .unwrap();
    client
        .add_rules([StreamRule::new("cat OR dog OR music")], false)
        .await
        .unwrap();
    let got = take_tweets(client.filter(StreamParams::new()).unwrap(), 5).await;
    assert_eq!(got, ids_sent(&emu)[..5]);
    assert_eq!(emu.requests().len(), 2);
}

#[tokio::test]
async fn a_ca_bundle_file_is_read_at_build_and_bad_roots_fail_there() {
    let emu = start(emulator()).await;
    let tls = TlsFront::start(emu.addr()).await;
    let dir = tempfile::tempdir().unwrap();
    let bundle = dir.path().join("corp-ca.pem");
    std::fs::write(&bundle, &tls.ca_pem).unwrap();
    let client = client_for(&emu)
        .api_base(tls.base())
        .ca_bundle(&bundle)
        .build()
        .unwrap();
    client.get_rules(&[] as &[&str]).await.unwrap();

    let missing = client_for(&emu)
        .ca_bundle(dir.path().join("missing.pem"))
        .build()
        .unwrap_err();
    assert!(
        matches!(&missing, Error::InvalidParameter { name, message }
            if name == "ca_bundle" && message.contains("missing.pem")),
        "{missing}"
    );
    let garbage = client_for(&emu)
        .add_root_certificate_pem("not a certificate")
        .build()
        .unwrap_err();
    assert!(
        matches!(&garbage, Error::InvalidParameter { name, .. } if name == "add_root_certificate_pem"),
        "{garbage}"
    );
}

#[tokio::test]
async fn accepting_invalid_certificates_skips_the_check() {
    let emu = start(emulator()).await;
    let tls = TlsFront::start(emu.addr()).await;
    let client = client_for(&emu)
        .api_base(tls.base())
        .danger_accept_invalid_certs(true)
        .build()
        .unwrap();
    assert!(format!("{client:?}").contains("accept_invalid_certs: true"));
    client.get_rules(&[] as &[&str]).await.unwrap();
}

#[tokio::test]
async fn the_v1_stream_trusts_the_same_roots() {
    let emu = common_v1::start(common_v1::emulator().rate(500.0)).await;
    let tls = TlsFront::start(emu.addr()).await;
    let stream = common_v1::stream_for(&emu)
        .api_base(tls.base())
        .add_root_certificate_pem(tls.ca_pem.clone())
        .build()
        .unwrap();
    let events = stream.sample(tweetstream::v1::SampleParams::new()).unwrap();
    let ids = common_v1::take_statuses(events, 3).await;
    common_v1::assert_no_loss_no_dup(&emu, &ids);
    assert!(emu.requests()[0].auth.verified);
}
