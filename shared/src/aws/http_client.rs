//! The HTTP client under every AWS SDK client of the project: HTTP/1.1 over rustls on ring.
//!
//! Written here in place of `aws-smithy-http-client`, which always builds hyper with HTTP/2 and so
//! linked the h2 crate into every function (and, by feature unification, into the Lambda runtime's
//! own client), although DynamoDB, SES and the API Gateway Management API are spoken over HTTP/1.1.
//! What the SDK relies on from its client is kept: a pool of kept-alive connections per endpoint,
//! `TCP_NODELAY`, the connect timeout (TCP and TLS handshake) and read timeout of the SDK's settings,
//! the SDK's TLS cipher suites, the system's root certificates (`SSL_CERT_FILE` is honoured), and
//! the classification of failures that the SDK's retry strategy reads.

use std::collections::HashMap;
use std::error::Error;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, LazyLock, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::Duration;

use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::{HttpRequest, HttpResponse};
use aws_smithy_runtime_api::client::result::ConnectorError;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::body::SdkBody;
use aws_smithy_types::retry::ErrorKind;
use http::Uri;
use hyper_rustls::{HttpsConnector, HttpsConnectorBuilder, MaybeHttpsStream};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector as TcpConnector;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use rustls::crypto::CryptoProvider;
use rustls::{CipherSuite, ClientConfig, RootCertStore};
use tokio::net::TcpStream;

type BoxError = Box<dyn Error + Send + Sync>;

/// Hands the SDK one connector (one connection pool) per distinct pair of timeouts it asks for.
pub struct Http1Client {
    tls: Arc<ClientConfig>,
    connectors: Mutex<HashMap<Timeouts, SharedHttpConnector>>,
}

/// The TLS settings that trust the system's roots, read and parsed once per process: a function
/// with two AWS clients (DynamoDB and SES, say) builds two `Http1Client`s at its cold start.
static NATIVE_TLS: LazyLock<Arc<ClientConfig>> = LazyLock::new(|| {
    let native = rustls_native_certs::load_native_certs();
    if !native.errors.is_empty() {
        tracing::warn!(errors = ?native.errors, "some system root certificates could not be loaded");
    }
    let mut roots = RootCertStore::empty();
    let (_, unparsable) = roots.add_parsable_certificates(native.certs);
    if unparsable > 0 {
        tracing::warn!(unparsable, "some system root certificates could not be parsed");
    }
    tls_trusting(roots)
});

impl Http1Client {
    /// Trusts the system's root certificates.
    pub fn with_native_roots() -> Self {
        Self::with_tls(Arc::clone(&NATIVE_TLS))
    }

    /// Trusts exactly `roots`.
    pub fn trusting(roots: RootCertStore) -> Self {
        Self::with_tls(tls_trusting(roots))
    }

    fn with_tls(tls: Arc<ClientConfig>) -> Self {
        Self { tls, connectors: Mutex::default() }
    }
}

fn tls_trusting(roots: RootCertStore) -> Arc<ClientConfig> {
    let provider = Arc::new(sdk_cipher_suites(rustls::crypto::ring::default_provider()));
    let tls = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("ring supports TLS 1.2 and 1.3")
        .with_root_certificates(roots)
        .with_no_client_auth();
    Arc::new(tls)
}

/// The suites the AWS SDK's own rustls client offers: AEAD only, forward secrecy only.
fn sdk_cipher_suites(provider: CryptoProvider) -> CryptoProvider {
    const OFFERED: [CipherSuite; 7] = [
        CipherSuite::TLS13_AES_256_GCM_SHA384,
        CipherSuite::TLS13_AES_128_GCM_SHA256,
        CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
        CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        CipherSuite::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
        CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
        CipherSuite::TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
    ];
    let cipher_suites = OFFERED
        .iter()
        .filter_map(|wanted| provider.cipher_suites.iter().find(|suite| suite.suite() == *wanted).copied())
        .collect();
    CryptoProvider { cipher_suites, ..provider }
}

impl fmt::Debug for Http1Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Http1Client").finish_non_exhaustive()
    }
}

impl HttpClient for Http1Client {
    fn http_connector(&self, settings: &HttpConnectorSettings, _: &RuntimeComponents) -> SharedHttpConnector {
        self.connector(Timeouts { connect: settings.connect_timeout(), read: settings.read_timeout() })
    }
}

impl Http1Client {
    fn connector(&self, timeouts: Timeouts) -> SharedHttpConnector {
        let mut connectors = self.connectors.lock().unwrap_or_else(PoisonError::into_inner);
        connectors
            .entry(timeouts)
            .or_insert_with(|| SharedHttpConnector::new(Connector::new(&self.tls, timeouts)))
            .clone()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Timeouts {
    /// From the first byte sent to a usable connection, TLS handshake included.
    connect: Option<Duration>,
    /// From a request's first byte to its answer's status and headers.
    read: Option<Duration>,
}

#[derive(Clone)]
struct Connector {
    pool: Client<BoundedConnect, SdkBody>,
    read_timeout: Option<Duration>,
}

impl Connector {
    fn new(tls: &Arc<ClientConfig>, timeouts: Timeouts) -> Self {
        let mut tcp = TcpConnector::new();
        tcp.set_nodelay(true);
        tcp.enforce_http(false);
        let https = HttpsConnectorBuilder::new()
            .with_tls_config(ClientConfig::clone(tls))
            .https_or_http()
            .enable_http1()
            .wrap_connector(tcp);
        let connect = BoundedConnect { inner: https, limit: timeouts.connect };
        let pool = Client::builder(TokioExecutor::new()).pool_timer(TokioTimer::new()).build(connect);
        Self { pool, read_timeout: timeouts.read }
    }
}

impl fmt::Debug for Connector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Connector").field("read_timeout", &self.read_timeout).finish_non_exhaustive()
    }
}

impl HttpConnector for Connector {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let request = match request.try_into_http1x() {
            Ok(request) => request,
            Err(error) => return HttpConnectorFuture::ready(Err(ConnectorError::user(error.into()))),
        };
        let answering = self.pool.request(request);
        let read_timeout = self.read_timeout;
        HttpConnectorFuture::new(async move {
            let answered = match read_timeout {
                Some(limit) => tokio::time::timeout(limit, answering)
                    .await
                    .map_err(|_| ConnectorError::timeout(TimedOut { what: "answer", after: limit }.into()))?,
                None => answering.await,
            };
            let response = answered.map_err(classify)?;
            HttpResponse::try_from(response.map(SdkBody::from_body_1_x))
                .map_err(|error| ConnectorError::other(error.into(), None))
        })
    }
}

/// The TCP and TLS connector, bounded in time as a whole.
#[derive(Clone)]
struct BoundedConnect {
    inner: HttpsConnector<TcpConnector>,
    limit: Option<Duration>,
}

type Connection = MaybeHttpsStream<TokioIo<TcpStream>>;

impl tower_service::Service<Uri> for BoundedConnect {
    type Response = Connection;
    type Error = BoxError;
    type Future = Pin<Box<dyn Future<Output = Result<Connection, BoxError>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, uri: Uri) -> Self::Future {
        let connecting = self.inner.call(uri);
        let limit = self.limit;
        Box::pin(async move {
            match limit {
                Some(limit) => tokio::time::timeout(limit, connecting)
                    .await
                    .map_err(|_| Box::new(TimedOut { what: "connection", after: limit }) as BoxError)?,
                None => connecting.await,
            }
        })
    }
}

#[derive(Debug)]
struct TimedOut {
    what: &'static str,
    after: Duration,
}

impl fmt::Display for TimedOut {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "no {} within {} ms", self.what, self.after.as_millis())
    }
}

impl Error for TimedOut {}

/// What the SDK's retry strategy needs to know of a failed request: timeouts and I/O failures
/// (refused, reset, closed connections) are retried; a TLS failure (an untrusted certificate) is not.
fn classify(error: hyper_util::client::legacy::Error) -> ConnectorError {
    let failure = failure_of(&error);
    let error: BoxError = error.into();
    match failure {
        Failure::Timeout => ConnectorError::timeout(error),
        Failure::Io => ConnectorError::io(error),
        Failure::User => ConnectorError::user(error),
        Failure::Transient => ConnectorError::other(error, Some(ErrorKind::TransientError)),
        Failure::Other => ConnectorError::other(error, None),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Failure {
    Timeout,
    Io,
    User,
    Transient,
    Other,
}

fn failure_of(error: &hyper_util::client::legacy::Error) -> Failure {
    if chain(error).any(|cause| cause.is::<TimedOut>()) {
        return Failure::Timeout;
    }
    if error.is_connect() {
        return if chain(error).any(|cause| cause.is::<rustls::Error>()) { Failure::Other } else { Failure::Io };
    }
    if let Some(hyper) = chain(error).find_map(|cause| cause.downcast_ref::<hyper::Error>()) {
        if hyper.is_timeout() {
            return Failure::Timeout;
        }
        if hyper.is_user() {
            return Failure::User;
        }
        if hyper.is_closed() || hyper.is_canceled() {
            return Failure::Io;
        }
        if hyper.is_incomplete_message() {
            return Failure::Transient;
        }
    }
    if chain(error).any(|cause| cause.is::<std::io::Error>()) { Failure::Io } else { Failure::Other }
}

/// `error` and its causes. An `io::Error`'s cause is its payload (`io::Error::source` would skip
/// the payload and give the payload's own source).
fn chain<'a>(error: &'a (dyn Error + 'static)) -> impl Iterator<Item = &'a (dyn Error + 'static)> {
    std::iter::successors(Some(error), |&cause| match cause.downcast_ref::<std::io::Error>() {
        Some(io) => io.get_ref().map(|payload| payload as &(dyn Error + 'static)),
        None => cause.source(),
    })
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
    use rustls::ServerConfig;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
    use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
    use tokio::net::TcpListener;
    use tokio_rustls::TlsAcceptor;

    use super::*;

    const NO_LIMITS: Timeouts = Timeouts { connect: None, read: None };

    /// A server of fixed answers that counts the connections it accepts and remembers each
    /// request's first line.
    #[derive(Default)]
    struct Seen {
        connections: AtomicUsize,
        request_lines: Mutex<Vec<String>>,
    }

    enum Behaviour {
        Answer,
        /// Accepts the connection and keeps it open without a byte in return.
        Stall,
    }

    async fn serve(behaviour: Behaviour, tls: Option<TlsAcceptor>) -> (u16, Arc<Seen>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("a loopback port");
        let port = listener.local_addr().expect("bound").port();
        let seen = Arc::new(Seen::default());
        let served = Arc::clone(&seen);
        let stall = matches!(behaviour, Behaviour::Stall);
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                served.connections.fetch_add(1, Ordering::SeqCst);
                let served = Arc::clone(&served);
                let tls = tls.clone();
                tokio::spawn(async move {
                    if stall {
                        tokio::time::sleep(Duration::from_secs(60)).await;
                        drop(socket);
                        return;
                    }
                    match tls {
                        Some(acceptor) => {
                            if let Ok(stream) = acceptor.accept(socket).await {
                                let alpn =
                                    stream.get_ref().1.alpn_protocol().map(|p| String::from_utf8_lossy(p).into_owned());
                                served.request_lines.lock().unwrap().push(format!("ALPN {alpn:?}"));
                                answer_each_request(stream, &served).await;
                            }
                        }
                        None => answer_each_request(socket, &served).await,
                    }
                });
            }
        });
        (port, seen)
    }

    async fn answer_each_request(mut stream: impl AsyncRead + AsyncWrite + Unpin, seen: &Seen) {
        let mut received = Vec::new();
        let mut buffer = [0_u8; 1024];
        loop {
            while let Some(end) = received.windows(4).position(|window| window == b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&received[..end]).into_owned();
                received.drain(..end + 4);
                seen.request_lines.lock().unwrap().push(head.lines().next().unwrap_or_default().to_owned());
                let answer = b"HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 2\r\n\r\nok";
                if stream.write_all(answer).await.is_err() {
                    return;
                }
            }
            match stream.read(&mut buffer).await {
                Ok(0) | Err(_) => return,
                Ok(read) => received.extend_from_slice(&buffer[..read]),
            }
        }
    }

    async fn get(connector: &Connector, url: &str) -> Result<(u16, String), ConnectorError> {
        let request = http::Request::builder().uri(url).body(SdkBody::empty()).expect("a valid request");
        let response = connector.call(HttpRequest::try_from(request).expect("a valid request")).await?;
        let body = response.body().bytes().map(|bytes| String::from_utf8_lossy(bytes).into_owned());
        let status = response.status().as_u16();
        // The body is streamed: collect it the way the SDK does.
        let body = match body {
            Some(body) => body,
            None => {
                let collected = http_body_util::BodyExt::collect(response.into_body()).await.expect("the whole body");
                String::from_utf8_lossy(&collected.to_bytes()).into_owned()
            }
        };
        Ok((status, body))
    }

    fn plain_client() -> Http1Client {
        Http1Client::trusting(RootCertStore::empty())
    }

    #[tokio::test]
    async fn answers_over_http_1_1_and_reuses_the_connection() {
        let (port, seen) = serve(Behaviour::Answer, None).await;
        let connector = Connector::new(&plain_client().tls, NO_LIMITS);
        for _ in 0..3 {
            let (status, body) = get(&connector, &format!("http://127.0.0.1:{port}/table")).await.expect("an answer");
            assert_eq!((status, body.as_str()), (200, "ok"));
        }
        assert_eq!(seen.connections.load(Ordering::SeqCst), 1, "three requests on one kept-alive connection");
        assert_eq!(*seen.request_lines.lock().unwrap(), vec!["GET /table HTTP/1.1"; 3]);
    }

    #[tokio::test]
    async fn a_refused_connection_is_an_io_failure_which_the_sdk_retries() {
        let closed = TcpListener::bind("127.0.0.1:0").await.expect("a loopback port");
        let port = closed.local_addr().expect("bound").port();
        drop(closed);
        let connector = Connector::new(&plain_client().tls, NO_LIMITS);
        let error = get(&connector, &format!("http://127.0.0.1:{port}/")).await.expect_err("nobody listens");
        assert!(error.is_io(), "{error:?}");
    }

    #[tokio::test]
    async fn a_server_that_never_answers_is_a_read_timeout() {
        let (port, _) = serve(Behaviour::Stall, None).await;
        let limits = Timeouts { connect: Some(Duration::from_secs(5)), read: Some(Duration::from_millis(200)) };
        let connector = Connector::new(&plain_client().tls, limits);
        let error = get(&connector, &format!("http://127.0.0.1:{port}/")).await.expect_err("no answer");
        assert!(error.is_timeout(), "{error:?}");
        assert!(chain(&error).any(|cause| cause.to_string() == "no answer within 200 ms"), "{error:?}");
    }

    #[tokio::test]
    async fn a_stalled_tls_handshake_is_a_connect_timeout() {
        let (port, _) = serve(Behaviour::Stall, None).await;
        let limits = Timeouts { connect: Some(Duration::from_millis(200)), read: None };
        let connector = Connector::new(&plain_client().tls, limits);
        let error = get(&connector, &format!("https://127.0.0.1:{port}/")).await.expect_err("no handshake");
        assert!(error.is_timeout(), "{error:?}");
        assert!(chain(&error).any(|cause| cause.to_string() == "no connection within 200 ms"), "{error:?}");
    }

    struct Authority {
        root: CertificateDer<'static>,
        server: TlsAcceptor,
    }

    /// A throwaway certificate authority, and a server for 127.0.0.1 whose certificate it signed
    /// and which would speak HTTP/2 to a client that offered it (by ALPN; without ALPN, HTTP/1.1).
    fn authority() -> Authority {
        let mut authority = CertificateParams::new(Vec::<String>::new()).expect("parameters");
        authority.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let authority = CertifiedIssuer::self_signed(authority, KeyPair::generate().expect("a key")).expect("a CA");
        let server_key = KeyPair::generate().expect("a key");
        let server = CertificateParams::new(vec!["127.0.0.1".to_owned()])
            .expect("parameters")
            .signed_by(&server_key, &authority)
            .expect("a certificate");
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(server_key.serialize_der()));
        let mut config = ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .expect("TLS versions")
            .with_no_client_auth()
            .with_single_cert(vec![server.der().clone(), authority.der().clone()], key)
            .expect("a server configuration");
        config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        Authority { root: authority.der().clone(), server: TlsAcceptor::from(Arc::new(config)) }
    }

    #[tokio::test]
    async fn speaks_https_to_a_server_signed_by_a_trusted_root_and_never_offers_http_2() {
        let authority = authority();
        let (port, seen) = serve(Behaviour::Answer, Some(authority.server.clone())).await;
        let mut roots = RootCertStore::empty();
        roots.add(authority.root.clone()).expect("a root");
        let connector = Connector::new(&Http1Client::trusting(roots).tls, NO_LIMITS);
        for _ in 0..2 {
            let (status, body) = get(&connector, &format!("https://127.0.0.1:{port}/")).await.expect("an answer");
            assert_eq!((status, body.as_str()), (200, "ok"));
        }
        assert_eq!(seen.connections.load(Ordering::SeqCst), 1);
        assert_eq!(*seen.request_lines.lock().unwrap(), vec!["ALPN None", "GET / HTTP/1.1", "GET / HTTP/1.1"]);
    }

    #[tokio::test]
    async fn an_untrusted_certificate_is_refused_and_not_retried() {
        let (port, seen) = serve(Behaviour::Answer, Some(authority().server)).await;
        let mut other_roots = RootCertStore::empty();
        other_roots.add(authority().root).expect("a root");
        let connector = Connector::new(&Http1Client::trusting(other_roots).tls, NO_LIMITS);
        let error = get(&connector, &format!("https://127.0.0.1:{port}/")).await.expect_err("an unknown issuer");
        assert!(error.is_other() && error.as_other().is_none(), "neither I/O, timeout nor transient: {error:?}");
        assert!(
            chain(&error).any(|cause| matches!(cause.downcast_ref(), Some(rustls::Error::InvalidCertificate(_)))),
            "{error:?}"
        );
        assert!(seen.request_lines.lock().unwrap().is_empty(), "no request was sent");
    }

    #[test]
    fn the_sdk_gets_one_connection_pool_per_pair_of_timeouts() {
        let client = plain_client();
        let short = Timeouts { connect: Some(Duration::from_millis(100)), read: None };
        for timeouts in [NO_LIMITS, short, NO_LIMITS, short] {
            client.connector(timeouts);
        }
        assert_eq!(client.connectors.lock().unwrap().len(), 2);
    }
}
