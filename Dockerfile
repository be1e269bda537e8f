# syntax=docker/dockerfile:1
#
# One image, two commands on PATH: pulsar-ws-operator (the default entrypoint) and
# pulsar-ws-gateway (the operator's gateway Deployments run `command: ["pulsar-ws-gateway"]`).
#
#   docker build -t pulsar-websocket-operator:dev .        (podman build / buildah bud alike)
#
# The runtime stage holds Node.js, the compiled dist/ and the production dependencies only (pure
# JavaScript; test/unit/packaging/dockerfile.test.ts fails on a native addon). It runs as a
# numeric non-root user, writes nothing outside /tmp (HOME points there), so it works with
# readOnlyRootFilesystem, and its entrypoint is exec form: no shell is started at runtime.
#
# The base is pinned by tag (same Node.js release as the `node` devDependency the tests run on);
# pin it by digest at release time: NODE_IMAGE=node:<tag>@sha256:<digest>.
ARG NODE_IMAGE=docker.io/library/node:24.21.0-trixie-slim

# ---- build: all dependencies, TypeScript → dist/ -------------------------------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /build
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
# tsc keeps the `#!/usr/bin/env node` lines; the bin files also need the executable bit.
RUN npm run build && chmod 0755 dist/gateway/main.js dist/operator/main.js

# ---- deps: production dependencies only ----------------------------------------------------
# --omit=dev leaves out the `node` devDependency (the only package with an install script, see
# allowScripts); --ignore-scripts makes sure nothing else runs or compiles either.
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund

# ---- runtime ---------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
ARG VERSION=0.1.0
ARG REVISION=unknown
LABEL org.opencontainers.image.title="pulsar-websocket-operator" \
      org.opencontainers.image.description="Kubernetes operator (pulsar-ws-operator) and WebSocket gateway (pulsar-ws-gateway) for Apache Pulsar" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.source="https://github.com/pulsar-websocket-operator/pulsar-websocket-operator" \
      org.opencontainers.image.base.name="${NODE_IMAGE}"
# The package managers are not needed to run, so they do not ship (smaller, fewer CVEs).
RUN rm -rf /usr/local/lib/node_modules/npm /usr/local/lib/node_modules/corepack \
      /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack \
      /opt/yarn-* /usr/local/bin/yarn /usr/local/bin/yarnpkg
ENV NODE_ENV=production \
    HOME=/tmp
WORKDIR /app
# package.json: "type": "module" for dist/, and the version the operator reports.
COPY package.json ./
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /build/dist ./dist
RUN ["ln", "-s", "/app/dist/gateway/main.js", "/usr/local/bin/pulsar-ws-gateway"]
RUN ["ln", "-s", "/app/dist/operator/main.js", "/usr/local/bin/pulsar-ws-operator"]
# The uid/gid the operator's gateway pods run as (runAsUser/runAsGroup 65532).
USER 65532:65532
EXPOSE 8080 8081 8443
ENTRYPOINT ["pulsar-ws-operator"]
CMD []
