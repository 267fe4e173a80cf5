//! The CPU cost of what every login and every authenticated request does:
//! `cargo bench -p shared --bench auth_primitives`.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use secrecy::SecretString;
use shared::clock;
use shared::config::JwtSettings;
use shared::ids::UserId;
use shared::jwt::{TokenService, TokenType};
use shared::password::{ITERATIONS, MEMORY_KIB, PARALLELISM, PasswordHasher};

fn jwt(c: &mut Criterion) {
    let tokens = TokenService::new(&JwtSettings {
        secret: SecretString::from("benchmark-secret-0123456789abcdef-0123456789".to_owned()),
        issuer: "taskmoney-api".into(),
        audience: "taskmoney-clients".into(),
        access_ttl: Duration::from_secs(900),
        refresh_ttl: Duration::from_secs(86_400),
    });
    let user = UserId::generate();
    let pair = tokens.issue_pair(user, "family", clock::now()).unwrap();

    c.bench_function("jwt/issue_pair", |b| {
        b.iter(|| tokens.issue_pair(black_box(user), "family", clock::now()).unwrap())
    });
    c.bench_function("jwt/verify_access", |b| {
        b.iter(|| tokens.verify(black_box(&pair.access), TokenType::Access).unwrap())
    });
    c.bench_function("jwt/issue_pair_and_verify", |b| {
        b.iter(|| {
            let pair = tokens.issue_pair(black_box(user), "family", clock::now()).unwrap();
            tokens.verify(&pair.access, TokenType::Access).unwrap()
        })
    });
}

fn argon2(c: &mut Criterion) {
    let password = SecretString::from("correct horse battery staple".to_owned());
    // Today's settings and the former ones (OWASP lists both as equally strong), in one run.
    let settings = [
        (format!("argon2id_m{MEMORY_KIB}_t{ITERATIONS}_p{PARALLELISM}"), PasswordHasher::default()),
        ("argon2id_m19456_t2_p1_former".to_owned(), PasswordHasher::new(19 * 1024, 2, 1).unwrap()),
    ];
    for (name, hasher) in settings {
        let stored = hasher.hash_blocking(&password).unwrap();
        let mut group = c.benchmark_group(name);
        group.sample_size(20).measurement_time(Duration::from_secs(8));
        group.bench_function("hash", |b| b.iter(|| hasher.hash_blocking(black_box(&password)).unwrap()));
        group.bench_function("verify", |b| b.iter(|| hasher.verify_blocking(black_box(&password), Some(&stored))));
        group.finish();
    }
}

criterion_group!(benches, jwt, argon2);
criterion_main!(benches);
