alerts = {
  slack_webhook = "https://hooks.slack.com/services/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"
}
