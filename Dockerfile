# The soustrace CLI in an image, for compose.yaml (workers, the enqueue command, migrations).
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY soustrace ./soustrace
RUN pip install --no-cache-dir .
ENTRYPOINT ["soustrace"]
