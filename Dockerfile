# syntax=docker/dockerfile:1
#
# relay as a container: the same single executable `npm run build:sea` makes,
# smoke-tested in the build stage exactly as `.ci/run` does, on a small glibc
# base. See README.md, "Single executable".
#
#   docker build -t relay .
#   docker run -d --name relay -p 8080:8080 -p 9090:9090 --stop-timeout 30 \
#     -v "$PWD/config:/etc/relay:ro" -v relay-data:/var/lib/relay relay
#
# The mounted config must listen on 0.0.0.0:8080 (ingest) and 0.0.0.0:9090
# (admin) and keep the database on the volume: storage.path: /var/lib/relay/relay.db

# ---- build: the pinned Node 26 from the lockfile (the `node` devDependency) ----
FROM node:26-bookworm AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build:sea && npm run smoke

# ---- runtime: glibc, libstdc++ and libatomic are all the executable needs ----
FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends libatomic1 \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 relay \
 && useradd --system --uid 10001 --gid relay --home-dir /var/lib/relay --shell /usr/sbin/nologin relay \
 && mkdir -p /etc/relay /var/lib/relay \
 && chown relay:relay /var/lib/relay
COPY --from=build /src/dist/relay /usr/local/bin/relay

USER relay:relay
WORKDIR /var/lib/relay
# The database, its WAL and lock file, and the extracted SQLite addon (.relay/) live here.
VOLUME ["/var/lib/relay"]
EXPOSE 8080 9090
ENV RELAY_ADMIN_PORT=9090

# No curl in the image: bash's /dev/tcp asks the admin port for /healthz.
HEALTHCHECK --interval=15s --timeout=3s --start-period=10s --retries=3 \
  CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/${RELAY_ADMIN_PORT} && printf 'GET /healthz HTTP/1.1\\r\\nHost: localhost\\r\\nConnection: close\\r\\n\\r\\n' >&3 && IFS= read -r -t 2 status <&3 && [[ $status == 'HTTP/1.1 200 '* ]]"]

# Exec form: relay is PID 1 and receives SIGTERM itself (it installs handlers and
# starts no child processes, so no init is needed). Give it more than
# delivery.drain_delay + delivery.shutdown_grace to stop (docker run --stop-timeout).
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/relay"]
CMD ["--config", "/etc/relay/relay.yaml"]
