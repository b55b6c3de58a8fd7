# syntax=docker/dockerfile:1
#
# Affär as one static binary in a distroless image: no shell, no package manager, non-root.
#   docker build -t affar .
#   docker run --rm -e AFFAR_MIGRATE_URL=postgres://owner… -e DATABASE_URL=postgres://app… affar migrate up
#   docker run --rm -p 8080:8080 -e DATABASE_URL=postgres://app… … affar       # serve, as a role owning nothing
# (README.md, Database roles: migrations run as the schema's owner, the server as a role that owns nothing.)
# Templates (generated *_templ.go are committed), static files, migrations and time zone data
# (time/tzdata) are all embedded in the binary.

# The toolchain of go.mod's toolchain line (older ones have reachable standard-library vulnerabilities);
# GOTOOLCHAIN keeps it so even on another 1.27 image.
FROM golang:1.27.3-bookworm AS build
WORKDIR /src
ENV CGO_ENABLED=0 GOFLAGS=-mod=readonly GOTOOLCHAIN=go1.27.3

# Dependencies first, so that a source change does not download them again.
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download

COPY . .
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    go build -trimpath -ldflags="-s -w" -o /out/affar ./cmd/affar

# static-debian12 has CA certificates, /etc/passwd and tzdata; the :nonroot tag runs as uid 65532.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/affar /affar
USER nonroot:nonroot
EXPOSE 8080
ENTRYPOINT ["/affar"]
CMD ["serve"]
