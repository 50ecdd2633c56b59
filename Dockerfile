# syntax=docker/dockerfile:1
# ModeSwitch: one image for the operator (`modeswitch operator`) and the router (`modeswitch router`).

# Docker Hub's Node 20 image. Where Docker Hub is out of reach, --build-arg NODE_IMAGE names another Node 20 image
# with npm (scripts/build-image.sh builds one from Debian's own packages).
ARG NODE_IMAGE=node:20-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /src
# Dependencies first so source edits reuse the npm ci layer.
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY proto ./proto
COPY src ./src
COPY crds ./crds
# `npm run build` also compiles bench/ and scripts/, which import test helpers; the image needs only src/, so it
# compiles that with the same compiler options (same dist/src layout as npm run build).
RUN printf '{"extends":"./tsconfig.build.json","include":["src"]}\n' > tsconfig.image.json \
 && npx tsc -p tsconfig.image.json \
 && npm prune --omit=dev --no-audit --no-fund

FROM ${NODE_IMAGE}
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build --chown=0:0 /src/package.json ./package.json
COPY --from=build --chown=0:0 /src/node_modules ./node_modules
COPY --from=build --chown=0:0 /src/dist ./dist
COPY --from=build --chown=0:0 /src/proto ./proto
COPY --from=build --chown=0:0 /src/crds ./crds
# Files stay root-owned and read-only to the process; it runs as an unprivileged numeric user so Kubernetes'
# runAsNonRoot check can verify it without a passwd entry (65532 is the conventional "nonroot" uid).
USER 65532:65532
# router: gRPC 9000, HTTP 8080, metrics 9090; operator: metrics and health 8081.
EXPOSE 8080 8081 9000 9090
ENTRYPOINT ["node", "dist/src/cli/main.js"]
