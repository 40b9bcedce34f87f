# Saga Drills in a container: non-root, the database on a volume, health on port 8080.
#   docker build -t saga-drills .
#   docker run -d --env-file .env -v saga-drills-data:/data -p 8080:8080 saga-drills
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    SAGA_DRILLS_DB=/data/saga-drills.db \
    SAGA_DRILLS_HTTP_PORT=8080

# A fixed, unprivileged uid, so a bind-mounted /data can be chowned to it on the host.
RUN useradd --create-home --uid 10001 --shell /usr/sbin/nologin saga \
    && install -d -o saga -g saga -m 0700 /data

WORKDIR /app
COPY pyproject.toml constraints.txt README.md LICENSE slack-app-manifest.yaml .env.example ./
COPY bot bot
COPY adapters adapters
COPY drills drills
# The versions the test suite passed with; charts included (boards post their pictures), and the
# PostgreSQL driver, so one image serves SAGA_DRILLS_DB=postgresql://… as well as a file on /data.
RUN pip install --no-cache-dir -c constraints.txt ".[charts,postgres]" && rm -rf /root/.cache

USER saga
VOLUME ["/data"]
# 8080: /healthz, /readyz, /metrics. 3000: Slack HTTP mode (SLACK_HTTP_PORT), when used.
EXPOSE 8080 3000
# /readyz: the database answers, every platform is connected and the scheduler ticks.
HEALTHCHECK --interval=30s --timeout=3s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8080/readyz', timeout=2).status != 200)"]
# Exec form: the bot runs as PID 1 and gets `docker stop`'s SIGTERM itself (it hands back its claims, exits 0).
ENTRYPOINT ["saga-drills"]
CMD ["run"]
