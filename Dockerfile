# syntax=docker/dockerfile:1
# planpilot's action image: a static (musl) binary on an empty base.
#
# GitHub's rules for container actions: no USER (the step runs as root so it can write
# /github/workspace and the runner's files) and no WORKDIR (the runner sets the working
# directory to the mounted workspace). The ENTRYPOINT is in exec form so the binary gets the
# signals and no shell is needed.

# One Dockerfile for every platform (linux/amd64, linux/arm64): buildx runs this stage on the
# target's architecture (natively or under QEMU), so the build targets that machine's musl triple.
FROM rust:1.95-alpine AS build
# musl-dev and gcc: C parts of the TLS stack; the alpine toolchain targets musl and links
# statically by default.
RUN apk add --no-cache musl-dev gcc ca-certificates
COPY . /src
# One target directory per architecture inside the shared cache, so the platforms of a
# multi-platform build never share build-script or host artifacts.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cd /src \
    && triple="$(uname -m)-unknown-linux-musl" \
    && CARGO_TARGET_DIR="target/$triple-image" \
       cargo build --release --locked --bin planpilot --target "$triple" \
    && cp "target/$triple-image/$triple/release/planpilot" /planpilot

FROM scratch
# Mozilla's TLS roots are compiled into the binary; it also trusts the system store, which
# SSL_CERT_FILE names here. A step's `env:` can point SSL_CERT_FILE at a bundle that holds a
# company CA (e.g. in the workspace) for a GitHub Enterprise Server behind one.
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=build /planpilot /planpilot
ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt
ENTRYPOINT ["/planpilot"]
