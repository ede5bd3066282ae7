# lingong 零工市场: release binary on a slim Debian runtime.
#
#   docker build -t lingong .
#   docker run -p 8080:8080 -v lingong-data:/data lingong
#
# SQLite (bundled), libpq (bundled via pq-sys) and OpenSSL (vendored) are compiled from source and
# linked statically, so the builder needs only a C compiler, make and perl (all in the rust image)
# and the runtime needs no database client libraries.

FROM rust:1.95-bookworm AS builder
WORKDIR /build

# Dependencies first, against stub sources, so editing src/ does not rebuild them.
COPY Cargo.toml Cargo.lock ./
RUN mkdir -p src benches/search \
    && echo 'fn main() {}' > src/main.rs \
    && touch src/lib.rs \
    && echo 'fn main() {}' > benches/search/main.rs \
    && cargo build --release --locked \
    && rm -rf src \
        target/release/lingong* \
        target/release/deps/lingong-* target/release/deps/liblingong-* \
        target/release/.fingerprint/lingong-*

# The real crate. config/default.toml, migrations/, assets/adcodes.csv, assets/townships.csv and templates/ are embedded in the binary.
COPY build.rs ./
COPY src ./src
COPY templates ./templates
COPY migrations ./migrations
COPY config ./config
COPY assets ./assets
COPY benches ./benches
RUN cargo build --release --locked \
    && install -m 0755 target/release/lingong /usr/local/bin/lingong


FROM debian:bookworm-slim

RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/*

RUN useradd --system --uid 10001 --user-group --home-dir /data --no-create-home \
        --shell /usr/sbin/nologin lingong \
    && install -d -o lingong -g lingong -m 0750 /data

COPY --from=builder /usr/local/bin/lingong /usr/local/bin/lingong

# The vendored OpenSSL looks for CA certificates under its own build prefix; point it at Debian's.
ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt \
    SSL_CERT_DIR=/etc/ssl/certs \
    LINGONG_SERVER__BIND=0.0.0.0:8080 \
    LINGONG_DATABASE__URL=sqlite:///data/lingong.db \
    LINGONG_MAIL__DIR=/data/mail

USER lingong
WORKDIR /data
VOLUME /data
EXPOSE 8080

# No HEALTHCHECK: the image carries no HTTP client. Probe GET /healthz (liveness) and
# GET /readyz (readiness) from the orchestrator or load balancer instead.

ENTRYPOINT ["lingong"]
CMD ["serve"]
