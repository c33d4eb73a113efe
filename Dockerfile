# optd: build with the official Swift image, run on a slim Debian as a non-root user.
# The release build command here is the one scripts/test runs, so a broken build step
# shows up in the test run even where no Docker engine is available.

FROM swift:6.3-bookworm AS build
WORKDIR /src
# Dependencies first, in their own layer: it is reused until Package.swift changes.
COPY Package.swift ./
RUN swift package resolve
COPY Sources ./Sources
RUN swift build -c release --static-swift-stdlib --product optd \
    && install -D "$(swift build -c release --show-bin-path)/optd" /out/optd

FROM debian:bookworm-slim
RUN useradd --system --uid 10001 --user-group --home-dir /app --shell /usr/sbin/nologin optd \
    && mkdir -p /data \
    && chown optd:optd /data
COPY --from=build /out/optd /app/optd
COPY openapi.yaml /app/openapi.yaml
ENV OPTD_HOST=0.0.0.0 \
    OPTD_PORT=8080 \
    OPTD_DATA_DIR=/data \
    OPTD_OPENAPI=/app/openapi.yaml
VOLUME ["/data"]
EXPOSE 8080
USER 10001
HEALTHCHECK --interval=15s --timeout=3s --start-period=10s --retries=3 \
    CMD ["/app/optd", "healthcheck"]
# Exec form: optd is PID 1 and receives SIGTERM itself (it saves every session, then exits 0).
ENTRYPOINT ["/app/optd"]
