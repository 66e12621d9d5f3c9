# The worker image (docker-compose.yml builds it): `docker build -t gst-download-worker .`
# Debian (glibc) Node 20: the Temporal SDK's native bridge has no musl build, so no Alpine.

# 1. build: all dependencies, then `npm run build` (tsc, and whatever else the build script makes) into dist/
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build

# 2. production dependencies only
FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

# 3. the image: dist/ + production node_modules, run as the image's non-root `node` user
FROM node:20-bookworm-slim
# MALLOC_ARENA_MAX: two glibc malloc arenas, not one per thread (worker/process-env.ts)
ENV NODE_ENV=production \
    DATA_DIR=/data \
    MALLOC_ARENA_MAX=2
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
RUN mkdir -p /data && chown node:node /data
# the store (downloads land here); docker-compose.yml mounts a named volume
VOLUME ["/data"]
USER node
# SIGTERM (docker stop) shuts the worker down gracefully; give it more than WORKER_SHUTDOWN_GRACE_MS (30 s)
STOPSIGNAL SIGTERM
CMD ["node", "dist/worker/main.js"]
