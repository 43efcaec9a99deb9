# nango-mcp as a container: one static (musl) binary on distroless, running as non-root.
#
#   docker build -t nango-mcp .                       # from source (the default, last stage)
#   docker run --rm -p 8080:8080 -p 9464:9464 \
#     -e NANGO_SECRET_KEY -e NANGO_MCP_AUTH_TOKEN -e NANGO_MCP_ALLOWED_HOSTS=localhost nango-mcp
#
# The release workflow builds the `prebuilt` stage instead: it copies the static binaries its
# build matrix already made for linux/amd64 and linux/arm64 (image/linux-<arch>/nango-mcp), so a
# multi-arch image costs no emulated compile.
#
# No HEALTHCHECK on purpose: the orchestrator probes /healthz (alive) and /readyz (ready).

ARG RUST_VERSION=1
ARG RUNTIME=gcr.io/distroless/static-debian12:nonroot

# --- build: Alpine's Rust targets musl and links statically by default -------------------------
FROM docker.io/library/rust:${RUST_VERSION}-alpine AS build
# aws-lc (rustls' crypto) is C: it needs a compiler and make.
RUN apk add --no-cache musl-dev gcc g++ make
WORKDIR /src
COPY . .
RUN cargo build --release --locked -p nango-mcp \
 && cp target/release/nango-mcp /nango-mcp \
 && ! ldd /nango-mcp 2>/dev/null | grep -q '=>'

# --- prebuilt: the release workflow's binaries, one per architecture -----------------------------
FROM ${RUNTIME} AS prebuilt
ARG TARGETARCH
COPY --chmod=0555 image/linux-${TARGETARCH}/nango-mcp /usr/local/bin/nango-mcp
# distroless' nonroot user; numeric so Kubernetes' runAsNonRoot can verify it.
USER 65532:65532
ENV NANGO_MCP_HTTP=0.0.0.0:8080 \
    NANGO_MCP_METRICS_ADDR=0.0.0.0:9464
EXPOSE 8080 9464
ENTRYPOINT ["/usr/local/bin/nango-mcp"]

# --- runtime (default): the binary built above ---------------------------------------------------
FROM ${RUNTIME} AS runtime
COPY --from=build --chmod=0555 /nango-mcp /usr/local/bin/nango-mcp
USER 65532:65532
ENV NANGO_MCP_HTTP=0.0.0.0:8080 \
    NANGO_MCP_METRICS_ADDR=0.0.0.0:9464
EXPOSE 8080 9464
ENTRYPOINT ["/usr/local/bin/nango-mcp"]
