"""Background jobs for the shop: order e-mails and stock sync."""

import os

from celery import Celery

app = Celery("shop", broker=os.environ["REDIS_URL"])


@app.task
def send_order_email(order_id: int) -> None:
    print(f"sending confirmation for order {order_id}")
