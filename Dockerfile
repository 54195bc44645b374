# syntax=docker/dockerfile:1
# (BuildKit, the default builder since Docker 23: `COPY --parents` and the cache mount need it.)
#
# One image for both production processes: compose runs it as `pnpm start:api` and as
# `pnpm start:worker`. TypeScript runs through tsx (the root scripts do that), so there is no
# compiled output that could drift from the sources. Configuration and secrets come from the
# environment at run time; nothing secret is copied or baked in (see .dockerignore).

# Node 22 LTS; Node >= 20.19 works too (package.json "engines").
FROM node:22-slim

# Must equal "packageManager" in package.json, or pnpm would fetch that version at start-up.
ARG PNPM_VERSION=10.34.9
RUN npm install --global --no-fund --no-audit "pnpm@${PNPM_VERSION}" \
  && npm cache clean --force

# pnpm's once-a-day update check would only add noise to a server's logs.
ENV npm_config_update_notifier=false

WORKDIR /app
RUN chown node:node /app
# The unprivileged user from the node image (uid 1000) builds and runs everything below.
USER node

# Dependency manifests first: the install layer is rebuilt only when one of these changes, not on
# every source edit. The globs follow pnpm-workspace.yaml (the compose test keeps them in step).
COPY --chown=node:node --parents \
  package.json pnpm-lock.yaml pnpm-workspace.yaml .npmrc patches \
  apps/*/package.json packages/*/package.json examples/*/package.json bench/package.json* \
  ./

# devDependencies included on purpose: tsx (a root devDependency) is what runs the app.
RUN --mount=type=cache,id=evently-pnpm-store,target=/home/node/.cache/pnpm-store,uid=1000,gid=1000 \
  pnpm install --frozen-lockfile --store-dir /home/node/.cache/pnpm-store

COPY --chown=node:node . .
# The console's production build, which the API serves at /console (no CDN, nothing at run time).
RUN pnpm --filter @evently/console build

# Set after the install so that pnpm still installed the devDependencies above.
ENV NODE_ENV=production
EXPOSE 3000

# The default role; compose sets `command` per service (`pnpm start:worker` for the worker).
CMD ["pnpm", "start:api"]
