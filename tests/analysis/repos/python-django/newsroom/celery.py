from celery import Celery
from celery.schedules import crontab

app = Celery("newsroom")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.beat_schedule = {"digest": {"task": "articles.tasks.digest", "schedule": crontab(hour=6)}}
