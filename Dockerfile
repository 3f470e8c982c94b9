FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt

RUN useradd --create-home --uid 10001 app
COPY --chown=app:app . .

# collectstatic needs settings that import cleanly; these throwaway values never reach a running container.
RUN DEBUG=false SECRET_KEY=build-only FIELD_ENCRYPTION_KEYS=ZGV2LW9ubHktZmllbGQta2V5LW5vdC1mb3ItcHJvZCE= \
    python manage.py collectstatic --no-input -v0

USER app
EXPOSE 8000
ENV DEBUG=false
CMD ["gunicorn", "emailassist.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
