# The statuspage command in a container, for people without Python (docs/container.md).
#
#   docker build -t statuspage .
#   docker run --rm -v "$PWD:/site" statuspage validate
#   docker run --rm -v "$PWD:/site" statuspage build
#   docker run --rm -v "$PWD:/site" -p 8001:8001 -e STATUSPAGE_DATABASE_URL \
#       -e STATUSPAGE_LEDGER_KEY -e STATUSPAGE_SMTP_URL \
#       statuspage subscriptions serve --host 0.0.0.0
#
# The image holds statuspage with its `service` and `s3` extras at the versions CI tests
# (.ci/constraints.txt), and git, which validate and build read the site's history with.
# It runs as an unprivileged user; the site is mounted at /site.
ARG PYTHON_VERSION=3.13

FROM python:${PYTHON_VERSION}-slim AS wheel
WORKDIR /src
COPY pyproject.toml README.md LICENSE MANIFEST.in ./
COPY statuspage/ statuspage/
COPY themes/ themes/
RUN python -m pip wheel --no-cache-dir --no-deps --wheel-dir /wheels .

FROM python:${PYTHON_VERSION}-slim
# git from Debian's security-supported stable release: not pinned, so a rebuild gets fixes.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends git \
    && rm -rf /var/lib/apt/lists/*
COPY .ci/constraints.txt /tmp/constraints.txt
COPY --from=wheel /wheels/ /tmp/wheels/
# The versions come from the constraints file (pip's -c), which hadolint cannot see.
# hadolint ignore=DL3013
RUN set -- /tmp/wheels/*.whl \
    && python -m pip install --no-cache-dir -c /tmp/constraints.txt "$1[service,s3]" \
    && rm -rf /tmp/wheels /tmp/constraints.txt \
    && useradd --create-home --uid 10001 --user-group statuspage
USER 10001:10001
# A mounted site belongs to the host's user: let git read it all the same.
RUN git config --global --add safe.directory '*'
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1
WORKDIR /site
EXPOSE 8001
ENTRYPOINT ["statuspage"]
CMD ["--help"]
