# syntax=docker/dockerfile:1
# Multi-stage build: compile `tessera` in the Rust image, run it on Debian slim.

FROM rust:1-bookworm AS builder
WORKDIR /src
COPY . .
# aws-lc (crypto) builds with the image's gcc; no other system packages are needed.
RUN cargo build --release --locked -p tessera \
 && cp target/release/tessera /usr/local/bin/tessera

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /var/lib/tessera --shell /usr/sbin/nologin tessera \
 && mkdir -p /var/lib/tessera \
 && chown tessera:tessera /var/lib/tessera
COPY --from=builder /usr/local/bin/tessera /usr/local/bin/tessera
USER tessera
WORKDIR /var/lib/tessera
ENV TESSERA_BIND=0.0.0.0:3001 \
    TESSERA_DATA_DIR=/var/lib/tessera \
    TESSERA_LOG_FORMAT=json
EXPOSE 3001
VOLUME ["/var/lib/tessera"]
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD curl -fsS -o /dev/null http://127.0.0.1:3001/api/status || exit 1
# `serve` handles SIGTERM: stops accepting, finishes in-flight requests, stops projectors
# at a committed checkpoint, closes the store.
STOPSIGNAL SIGTERM
ENTRYPOINT ["tessera"]
CMD ["serve"]
