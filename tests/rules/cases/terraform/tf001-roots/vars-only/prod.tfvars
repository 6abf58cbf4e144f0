queue_name = "jobs"
