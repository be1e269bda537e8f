# syntax=docker/dockerfile:1
#
# One image, two commands on PATH: pulsar-ws-operator (the default entrypoint) and
# pulsar-ws-gateway (the operator's gateway Deployments run `command: ["pulsar-ws-gateway"]`).
#
#   docker build -t pulsar-websocket-operator:dev .        (podman build / buildah bud alike)
#
# Each command is ONE self-contained ES module, dist/bin/<command>.js, bundled by esbuild with
# its production dependencies (`npm run build`, scripts/bundle-commands.ts). Why: the operator's
# memory (loaded as ~2,700 separate modules, @kubernetes/client-node's models alone cost ~50 MiB
# of RSS; bundled they do not) and an image with no node_modules at all, so there is nothing to
# install, audit or compile at runtime. The runtime stage holds Node.js, package.json and
# dist/bin/ only. The bundles contain no native addon (test/unit/packaging/dockerfile.test.ts
# reads their source maps). The image runs as a numeric non-root user, writes nothing outside
# /tmp (HOME points there), so it works with readOnlyRootFilesystem, and its entrypoint is exec
# form: no shell is started at runtime.
#
# The base is pinned by tag (same Node.js release as the `node` devDependency the tests run on);
# pin it by digest at release time: NODE_IMAGE=node:<tag>@sha256:<digest>.
ARG NODE_IMAGE=docker.io/library/node:24.21.0-trixie-slim

# ---- build: all dependencies (esbuild is a devDependency), src/ → dist/bin/<command>.js -------
FROM ${NODE_IMAGE} AS build
WORKDIR /build
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
# esbuild reads tsconfig.json (compiler options that change the emitted JavaScript).
COPY tsconfig.json ./
COPY scripts/bundle-commands.ts ./scripts/
COPY src ./src
# The bundles keep the `#!/usr/bin/env node` line, and esbuild writes them executable.
RUN npm run build

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
# package.json: "type": "module" for the bundles, and the version the operator reports (it reads
# ../../package.json relative to dist/bin/pulsar-ws-operator.js). No node_modules: the bundles
# carry their dependencies.
COPY package.json ./
COPY --from=build /build/dist/bin ./dist/bin
RUN ["ln", "-s", "/app/dist/bin/pulsar-ws-gateway.js", "/usr/local/bin/pulsar-ws-gateway"]
RUN ["ln", "-s", "/app/dist/bin/pulsar-ws-operator.js", "/usr/local/bin/pulsar-ws-operator"]
# The uid/gid the operator's gateway pods run as (runAsUser/runAsGroup 65532).
USER 65532:65532
EXPOSE 8080 8081 8443
ENTRYPOINT ["pulsar-ws-operator"]
CMD []
